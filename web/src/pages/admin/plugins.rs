//! The policy plugins: the registry with its upload form, one plugin's check and test
//! results, activation from a date, and retirement.
//!
//! An upload is vetted by the core exactly as `sendpanel plugin install` does it (the
//! component's imports, exports and `info()`, then the test vectors it carries) under
//! the limits the service runs plugins with; a refused plugin is not stored and the
//! page says why. An accepted one is stored but advises on nothing until it is
//! activated from a date. The plugin's page checks the stored bytes afresh each time it
//! is shown, so what it says is what the service would run today.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use sendpanel_core::domain::{PluginHash, PluginStatus, StoredPlugin};
use sendpanel_core::policy::contract::{TestCall, TestVector};
use sendpanel_core::policy::{self, Plugin, PolicyHost, RegistryError, VectorReport};
use sendpanel_core::store::StoreError;
use serde_json::{Value, json};

use super::super::render::{PageError, render};
use super::super::session::{CSRF_FIELD, SignedIn, see_other};
use super::super::work::{blocking, long_date};
use super::{date_input, refusal, require_admin, summary, text, titled};
use crate::state::AppState;

/// The file input's name and id (the browser tests find it by `#plugin`).
const FILE_FIELD: &str = "plugin";
/// The activation date input's id.
const FROM_FIELD: &str = "active_from";

/// The plugin named in the path, or the 404 page for anything that is not a SHA-256.
pub(super) fn parse_sha(text: &str) -> Result<PluginHash, PageError> {
    text.parse().map_err(|_| PageError::NotFound)
}

/// The first 12 hex digits: enough to tell an authority's plugins apart on a page.
pub(super) fn short(sha: &PluginHash) -> String {
    sha.as_str().chars().take(12).collect()
}

/// A registry row's status for people: its words, and the tag's colour.
fn status(plugin: &StoredPlugin, in_use: bool) -> Value {
    let (text, class) = match (plugin.status, plugin.active_from) {
        (PluginStatus::Active, Some(from)) if in_use => (
            format!("In use, active from {}", long_date(from)),
            "govuk-tag--green",
        ),
        (PluginStatus::Active, Some(from)) => (
            format!("Active from {}", long_date(from)),
            "govuk-tag--blue",
        ),
        (PluginStatus::Active, None) => ("Active".to_owned(), "govuk-tag--blue"),
        (PluginStatus::Uploaded, _) => ("Uploaded, not in use".to_owned(), "govuk-tag--grey"),
        (PluginStatus::Retired, _) => (
            plugin.retired_at.map_or_else(
                || "Retired".to_owned(),
                |at| format!("Retired on {}", long_date(at.date_naive())),
            ),
            "govuk-tag--red",
        ),
    };
    json!({ "text": text, "class": class })
}

/// `GET /admin/plugins`: the registry, and the upload form.
pub(super) async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
) -> Result<HttpResponse, PageError> {
    require_admin(&who, "manage policy plugins")?;
    list_page(state, &who, StatusCode::OK, None).await
}

/// The registry page, with `error` beside the file input when an upload was unusable.
async fn list_page(
    state: web::Data<AppState>,
    who: &SignedIn,
    status_code: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let scope = who.scope.clone();
    let today = state.clock.today();
    let (plugins, in_use) = blocking(move || {
        state
            .db
            .read(|tx| Ok((tx.plugins(&scope)?, tx.active_plugin_on(&scope, today)?)))
    })
    .await?;
    let in_use = in_use.map(|p| p.sha256);
    let rows = plugins
        .iter()
        .rev()
        .map(|p| {
            json!({
                "sha": p.sha256.as_str(),
                "short": short(&p.sha256),
                "name": p.policy_name,
                "version": p.policy_version,
                "api_version": p.api_version,
                "effective_from": long_date(p.effective_from),
                "status": status(p, in_use.as_ref() == Some(&p.sha256)),
            })
        })
        .collect::<Vec<_>>();
    let errors = error
        .iter()
        .map(|message| (FILE_FIELD.to_owned(), message.clone()))
        .collect::<Vec<_>>();
    render(
        status_code,
        "admin_plugins",
        &titled("Policy plugins", !errors.is_empty()),
        &who.frame.with_back("/admin", "Back to admin"),
        json!({
            "plugins": rows,
            "errors": summary(&errors),
            "file_error": error,
            "authority": who.frame.authority_name,
        }),
    )
}

/// What came in the upload form.
enum Upload {
    /// The file's bytes.
    File(Vec<u8>),
    /// No usable file: the message for beside the input.
    Unusable(String),
}

/// "8 MB", or bytes for a limit under a megabyte.
fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads the multipart form. The CSRF token must come before the file (browsers send
/// fields in page order, and the token is the form's first), so no file is buffered
/// for a request that is not the admin's own; the file is read up to `limit` bytes.
async fn read_upload(
    who: &SignedIn,
    payload: &mut Multipart,
    limit: usize,
) -> Result<Upload, PageError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        PageError::invalid(FILE_FIELD, format!("the upload could not be read ({e})"))
    };
    let mut token_checked = false;
    let mut file = None;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| unreadable(&e))?;
        let name = field.name().map(str::to_owned);
        match name.as_deref() {
            Some(CSRF_FIELD) => {
                let token = field
                    .bytes(1024)
                    .await
                    .map_err(|_| PageError::Forbidden("oversized CSRF field".into()))?
                    .map_err(|e| unreadable(&e))?;
                let form = HashMap::from([(
                    CSRF_FIELD.to_owned(),
                    String::from_utf8_lossy(&token).into_owned(),
                )]);
                who.check_csrf(&form)?;
                token_checked = true;
            }
            Some(FILE_FIELD) if token_checked => match field.bytes(limit).await {
                Ok(Ok(bytes)) => file = Some(bytes.to_vec()),
                Ok(Err(e)) => return Err(unreadable(&e)),
                Err(_) => {
                    return Ok(Upload::Unusable(format!(
                        "The selected file must be smaller than {}",
                        size(limit)
                    )));
                }
            },
            Some(FILE_FIELD) => {
                return Err(PageError::Forbidden(
                    "plugin file sent before the CSRF token".into(),
                ));
            }
            // Anything else is read and dropped, up to a small limit.
            _ => {
                let _ = field.bytes(64 << 10).await;
            }
        }
    }
    if !token_checked {
        return Err(PageError::Forbidden("missing CSRF token".into()));
    }
    Ok(match file {
        Some(bytes) if !bytes.is_empty() => Upload::File(bytes),
        _ => Upload::Unusable("Select a plugin file (.wasm)".to_owned()),
    })
}

/// What vetting and storing an upload came to.
enum Vetted {
    /// Stored, not yet active.
    Stored(PluginHash),
    /// Refused and not stored: why, what of the plugin could be read, and its vectors.
    Refused {
        reason: String,
        plugin: Option<Plugin>,
        vectors: Option<Value>,
    },
}

/// `POST /admin/plugins` (multipart): vets the file, stores it if it passes and shows
/// its checks; otherwise shows the refusal, and nothing is stored.
pub(super) async fn upload(
    state: web::Data<AppState>,
    who: SignedIn,
    mut payload: Multipart,
) -> Result<HttpResponse, PageError> {
    require_admin(&who, "upload a policy plugin")?;
    let limit = state.catalogue.host().limits().plugin_bytes;
    let upload = read_upload(&who, &mut payload, limit).await?;
    let bytes = match upload {
        Upload::File(bytes) => bytes,
        Upload::Unusable(message) => {
            return list_page(state, &who, StatusCode::BAD_REQUEST, Some(message)).await;
        }
    };
    let scope = who.scope.clone();
    let host = state.catalogue.host().clone();
    let db = state.db.clone();
    let vetted = blocking(move || {
        let refused = |error: RegistryError, host: &PolicyHost, bytes: &[u8]| {
            let plugin = host.load(bytes).ok();
            let vectors = match (&error, &plugin) {
                (RegistryError::VectorsFail(report), Some(plugin)) => plugin
                    .test_vectors()
                    .ok()
                    .map(|vectors| vector_rows(&vectors, report)),
                _ => None,
            };
            Vetted::Refused {
                reason: refusal::explain(&error),
                plugin,
                vectors,
            }
        };
        let (plugin, _) = match policy::vet(&host, &bytes) {
            Ok(vetted) => vetted,
            Err(error) => return Ok::<_, PageError>(refused(error, &host, &bytes)),
        };
        match policy::install(&db, &scope, &plugin, bytes.clone(), None) {
            Ok(stored) => Ok(Vetted::Stored(stored.sha256)),
            Err(
                error @ (RegistryError::Store(StoreError::Conflict(_))
                | RegistryError::WrongAuthority { .. }),
            ) => Ok(refused(error, &host, &bytes)),
            Err(other) => Err(other.into()),
        }
    })
    .await?;
    match vetted {
        Vetted::Stored(sha) => {
            tracing::info!(plugin.sha256 = %sha, "plugin uploaded");
            Ok(see_other(&format!("/admin/plugins/{sha}?uploaded=yes")))
        }
        Vetted::Refused {
            reason,
            plugin,
            vectors,
        } => {
            tracing::info!(%reason, "plugin refused");
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "admin_plugin_refused",
                "Plugin refused",
                &who.frame.with_back("/admin/plugins", "Back to plugins"),
                json!({
                    "reason": reason,
                    "check": plugin.as_ref().map(check_rows),
                    "vectors": vectors,
                }),
            )
        }
    }
}

/// The check's findings on a component that loaded: each part the host accepted.
fn check_rows(plugin: &Plugin) -> Value {
    let info = plugin.info();
    let imports = if plugin.imports().is_empty() {
        "None".to_owned()
    } else {
        plugin.imports().join(", ")
    };
    let rows = [
        ("Authority", info.authority.clone()),
        (
            "Policy",
            format!("{} {}", info.policy_name, info.policy_version),
        ),
        ("Takes effect", long_date(plugin.effective_from())),
        (
            "Exports",
            format!(
                "sendpanel:policy/advisor@{}: info, graduated-response, banding, next-steps and test-vectors, with the contract's types. Accepted.",
                plugin.api_version()
            ),
        ),
        (
            "Imports",
            format!("{imports}. All on the sandbox's allow-list: accepted."),
        ),
        ("SHA-256", plugin.sha256().to_string()),
        ("Size", format!("{} bytes", plugin.size())),
    ];
    Value::Array(
        rows.iter()
            .map(|(key, value)| json!({ "key": key, "value": value }))
            .collect(),
    )
}

/// Which call a vector makes, in words.
fn call_name(call: &TestCall) -> &'static str {
    match call {
        TestCall::GraduatedResponse(_) => "Graduated response",
        TestCall::Banding(_) => "Banding",
        TestCall::NextSteps(_) => "Next steps",
    }
}

/// The vectors table: each vector, whether it passed, and what differed if not.
fn vector_rows(vectors: &[TestVector], report: &VectorReport) -> Value {
    Value::Array(
        vectors
            .iter()
            .map(|vector| {
                let failure = report.failures.iter().find(|f| f.name == vector.name);
                json!({
                    "name": vector.name,
                    "call": call_name(&vector.call),
                    "passed": failure.is_none(),
                    "problem": failure.map(|f| f.problem.as_str()),
                })
            })
            .collect(),
    )
}

/// What the plugin page's activation form holds: as typed, and its error.
#[derive(Default)]
struct ActivationForm {
    day: String,
    month: String,
    year: String,
    error: Option<String>,
}

/// `GET /admin/plugins/{sha}`: the stored plugin checked afresh, its vectors run, and
/// the forms to activate or retire it.
pub(super) async fn show(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    require_admin(&who, "manage policy plugins")?;
    let sha = parse_sha(&path)?;
    let uploaded = query.contains_key("uploaded");
    plugin_page(
        state,
        &who,
        sha,
        StatusCode::OK,
        ActivationForm::default(),
        uploaded,
    )
    .await
}

async fn plugin_page(
    state: web::Data<AppState>,
    who: &SignedIn,
    sha: PluginHash,
    status_code: StatusCode,
    form: ActivationForm,
    uploaded: bool,
) -> Result<HttpResponse, PageError> {
    let scope = who.scope.clone();
    let (stored, plugin, vectors) = blocking(move || {
        let stored = state.db.read(|tx| tx.plugin(&scope, &sha))?;
        let plugin = state.catalogue.plugin(&state.db, &scope, &sha)?;
        let vectors = plugin.test_vectors();
        Ok::<_, PageError>((stored, plugin, vectors))
    })
    .await?;
    let (vectors, vectors_problem) = match vectors {
        Ok(vectors) => {
            let report = plugin.run_vectors(&vectors);
            (vector_rows(&vectors, &report), None)
        }
        Err(reason) => (json!([]), Some(reason.to_string())),
    };
    let errors = form
        .error
        .iter()
        .map(|message| (format!("{FROM_FIELD}-day"), message.clone()))
        .collect::<Vec<_>>();
    render(
        status_code,
        "admin_plugin",
        &titled("Plugin checked", !errors.is_empty()),
        &who.frame.with_back("/admin/plugins", "Back to plugins"),
        json!({
            "sha": stored.sha256.as_str(),
            "name": stored.policy_name,
            "version": stored.policy_version,
            "uploaded": uploaded,
            "status": status(&stored, false),
            "retirable": stored.status == PluginStatus::Active,
            "effective_from": long_date(stored.effective_from),
            "check": check_rows(&plugin),
            "vectors": vectors,
            "vectors_problem": vectors_problem,
            "errors": summary(&errors),
            "from": { "day": form.day, "month": form.month, "year": form.year, "error": form.error },
        }),
    )
}

/// `POST /admin/plugins/{sha}/activate`: uses the plugin for advice from the date
/// given. A date before the policy takes effect is refused beside the date field.
pub(super) async fn activate(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_admin(&who, "activate a policy plugin")?;
    let sha = parse_sha(&path)?;
    let form = form.into_inner();
    let typed = |error: String| ActivationForm {
        day: text(&form, &format!("{FROM_FIELD}-day")).to_owned(),
        month: text(&form, &format!("{FROM_FIELD}-month")).to_owned(),
        year: text(&form, &format!("{FROM_FIELD}-year")).to_owned(),
        error: Some(error),
    };
    let from = match date_input(&form, FROM_FIELD, "the date to use the plugin from") {
        Ok(from) => from,
        Err(message) => {
            return plugin_page(
                state,
                &who,
                sha,
                StatusCode::BAD_REQUEST,
                typed(message),
                false,
            )
            .await;
        }
    };
    let (db, scope, hash) = (state.db.clone(), who.scope.clone(), sha.clone());
    let outcome = web::block(move || policy::activate(&db, &scope, &hash, from))
        .await
        .map_err(PageError::internal)?;
    match outcome {
        Ok(stored) => {
            tracing::info!(plugin.sha256 = %stored.sha256, %from, "plugin activated");
            Ok(see_other("/admin/plugins"))
        }
        Err(RegistryError::BeforeEffective { effective_from, .. }) => {
            let message = format!(
                "The date to use the plugin from must be on or after {}, when the policy takes effect",
                long_date(effective_from)
            );
            plugin_page(
                state,
                &who,
                sha,
                StatusCode::UNPROCESSABLE_ENTITY,
                typed(message),
                false,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /admin/plugins/{sha}/retire`: stops the plugin advising; the one active
/// before it applies again. Its bytes stay, so its advice can still be replayed.
pub(super) async fn retire(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_admin(&who, "retire a policy plugin")?;
    let sha = parse_sha(&path)?;
    let scope = who.scope.clone();
    let retired = blocking(move || state.db.write(|tx| tx.retire_plugin(&scope, &sha))).await?;
    tracing::info!(plugin.sha256 = %retired.sha256, "plugin retired");
    Ok(see_other("/admin/plugins"))
}
