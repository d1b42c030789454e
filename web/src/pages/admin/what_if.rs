//! What if a candidate plugin had been in use (`sendpanel_core::policy::what_if`): the
//! latest advice on each case replayed with the candidate, its recommendations beside
//! the ones on record. Nothing is recorded.
//!
//! The `GET` page only says how much advice a comparison would replay and offers the
//! form: a comparison runs a plugin call per piece of advice, which is work a `GET`
//! (prefetched, reloaded, crawled) should not start. The `POST` runs it on a blocking
//! thread and streams the page as it goes: the head first, a progress line as batches
//! finish, then the results and the foot, so a large replay shows its progress
//! without JavaScript.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use futures_util::stream::{self, StreamExt};
use sendpanel_core::domain::Pence;
use sendpanel_core::policy::{self, Call, Progress, RegistryError, WhatIf};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::super::render::{Frame, PageError, render, render_fragment};
use super::super::session::SignedIn;
use super::super::work::blocking;
use super::plugins::{parse_sha, short};
use super::require_admin;
use crate::state::AppState;

/// A progress line at least every this many replays (and at every tenth of the run).
const PROGRESS_EVERY: usize = 50;

fn call_words(call: Call) -> &'static str {
    match call {
        Call::GraduatedResponse => "Graduated response",
        Call::Banding => "Banding",
        Call::NextSteps => "Next steps",
        Call::CostedBanding => "Banding with costed provision",
    }
}

/// The page's title and the plugin's fields every part of the page shows.
fn about(plugin: &sendpanel_core::domain::StoredPlugin) -> (String, Value) {
    (
        format!(
            "What if {} {} were used",
            plugin.policy_name, plugin.policy_version
        ),
        json!({
            "sha": plugin.sha256.as_str(),
            "short": short(&plugin.sha256),
            "name": plugin.policy_name,
            "version": plugin.policy_version,
        }),
    )
}

/// `fields` with `more`'s fields added.
fn merged(mut fields: Value, more: Value) -> Value {
    if let (Some(fields), Value::Object(more)) = (fields.as_object_mut(), more) {
        fields.extend(more);
    }
    fields
}

/// `GET /admin/plugins/{sha}/what-if`: what a comparison would replay, and the form
/// that runs it. Nothing is replayed here.
pub(super) async fn page(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    require_admin(&who, "compare policy plugins")?;
    let candidate = parse_sha(&path)?;
    let scope = who.scope.clone();
    let plan = blocking(move || {
        let limits = state.catalogue.host().limits();
        policy::what_if_plan(&state.db, &scope, &candidate, &limits)
    })
    .await?;
    let (title, fields) = about(&plan.plugin);
    render(
        StatusCode::OK,
        "admin_what_if",
        &title,
        &back(&who.frame, &fields),
        merged(
            fields,
            json!({
                "on_record": plan.on_record,
                "max_replays": plan.max_replays,
                "over_cap": plan.on_record > plan.max_replays,
            }),
        ),
    )
}

/// The frame with a back link to the plugin's page.
fn back(frame: &Frame, fields: &Value) -> Frame {
    let sha = fields["sha"].as_str().unwrap_or_default();
    frame.with_back(format!("/admin/plugins/{sha}"), "Back to the plugin")
}

/// What the comparison's thread sends the streamed page.
enum Step {
    /// How far it has got.
    Progress(Progress),
    /// It has finished, or failed.
    Done(Result<WhatIf, RegistryError>),
}

/// `POST /admin/plugins/{sha}/what-if`: runs the comparison off the async workers and
/// streams the page as it goes. Refusals (the role, the token, another authority's
/// plugin) are found before the first byte is sent, so they are error pages as usual.
pub(super) async fn compare(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_admin(&who, "compare policy plugins")?;
    let candidate = parse_sha(&path)?;
    let scope = who.scope.clone();
    // Unbounded: a step is a few words, at most one per replay, and the replays are
    // capped; a bounded channel would tie the plugin calls to the client's reading.
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let span = tracing::Span::current();
    // Not awaited: the page is streamed while the work runs. Its result comes down
    // the channel; if the client goes away, the sends fail and are ignored, and the
    // caps bound the work left.
    drop(web::block(move || {
        span.in_scope(|| {
            let progress = sender.clone();
            let result = policy::what_if(
                &state.db,
                &state.catalogue,
                &scope,
                &candidate,
                &mut |step| {
                    let _ = progress.send(Step::Progress(step));
                },
            );
            let _ = sender.send(Step::Done(result));
        });
    }));
    let (plugin, on_record, planned) = match receiver.recv().await {
        Some(Step::Progress(Progress::Started {
            plugin,
            on_record,
            planned,
        })) => (plugin, on_record, planned),
        Some(Step::Done(Err(error))) => return Err(error.into()),
        _ => {
            return Err(PageError::internal(
                "the comparison stopped before it began",
            ));
        }
    };
    let (title, fields) = about(&plugin);
    let frame = back(&who.frame, &fields);
    let head = render_fragment(
        "admin_what_if_start",
        &title,
        &frame,
        merged(
            fields.clone(),
            json!({ "on_record": on_record, "planned": planned }),
        ),
    )?;
    let page = Page {
        title,
        frame,
        fields,
    };
    let rest = stream::unfold(Some((receiver, page)), |feed| async move {
        let (mut receiver, page) = feed?;
        loop {
            let part = match receiver.recv().await {
                Some(Step::Progress(Progress::Replayed { done, planned })) => {
                    if !worth_a_line(done, planned) {
                        continue;
                    }
                    page.progress(done, planned)
                }
                Some(Step::Progress(Progress::Started { .. })) => continue,
                Some(Step::Done(Ok(what_if))) => {
                    return Some((page.results(&what_if).map(Bytes::from), None));
                }
                Some(Step::Done(Err(error))) => {
                    tracing::error!(%error, "what-if comparison failed");
                    return Some((page.failed().map(Bytes::from), None));
                }
                None => {
                    tracing::error!("what-if comparison ended without a result");
                    return Some((page.failed().map(Bytes::from), None));
                }
            };
            return Some((part.map(Bytes::from), Some((receiver, page))));
        }
    });
    let body = stream::once(async move { Ok::<_, PageError>(Bytes::from(head)) }).chain(rest);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .streaming(body))
}

/// Whether `done` of `planned` deserves a progress line: every [`PROGRESS_EVERY`]
/// replays, at each tenth of the run, and at its end.
fn worth_a_line(done: usize, planned: usize) -> bool {
    if planned == 0 {
        return false;
    }
    done.is_multiple_of(PROGRESS_EVERY)
        || done >= planned
        || done * 10 / planned > (done - 1) * 10 / planned
}

/// The streamed page's parts after the head, each drawn with its title and frame.
struct Page {
    title: String,
    frame: Frame,
    fields: Value,
}

impl Page {
    fn part(&self, template: &str, more: Value) -> Result<String, PageError> {
        render_fragment(
            template,
            &self.title,
            &self.frame,
            merged(self.fields.clone(), more),
        )
    }

    fn progress(&self, done: usize, planned: usize) -> Result<String, PageError> {
        self.part(
            "admin_what_if_progress",
            json!({
                "done": done,
                "planned": planned,
                "percent": done * 100 / planned.max(1),
            }),
        )
    }

    fn results(&self, what_if: &WhatIf) -> Result<String, PageError> {
        let changed = what_if
            .changed()
            .map(|c| {
                json!({
                    "case_id": c.case_id.to_string(),
                    "child_name": c.child_name,
                    "call": call_words(c.call),
                    "before": c.before,
                    "after": c.after,
                })
            })
            .collect::<Vec<_>>();
        let top_up = what_if.top_up();
        let change = top_up.change_pence();
        self.part(
            "admin_what_if_results",
            json!({
                "top_up": (top_up.answers > 0).then(|| json!({
                    "answers": top_up.answers,
                    "before": Pence::new(top_up.before_pence).to_string(),
                    "after": Pence::new(top_up.after_pence).to_string(),
                    "change": format!("{}{}", if change > 0 { "+" } else { "" }, Pence::new(change)),
                    "one_sided": top_up.one_sided,
                })),
                "compared": what_if.compared.len(),
                "changed_count": changed.len(),
                "changed": changed,
                "unreplayable": what_if.unreplayable,
                "stop_note": what_if.stop_note(),
            }),
        )
    }

    fn failed(&self) -> Result<String, PageError> {
        self.part("admin_what_if_failed", json!({}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_come_in_batches_and_at_the_end() {
        let lines = |planned| {
            (1..=planned)
                .filter(|&done| worth_a_line(done, planned))
                .collect::<Vec<_>>()
        };
        assert_eq!(lines(2), vec![1, 2]);
        assert_eq!(lines(20), vec![2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
        let many = lines(1_000);
        assert!(many.contains(&50) && many.contains(&100) && many.contains(&1_000));
        assert_eq!(many.len(), 20);
    }
}
