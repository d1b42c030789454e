//! Every page route, walked by a Torbay user of each role and by nobody signed in, with
//! Torbay's own ids and with Wiltshire's, on SQLite and PostgreSQL. The routes are read
//! from the route table in the source (`server::routes` and every `configure` it
//! reaches), not listed by hand, so a new page is walked the day it is routed; and a
//! route the table below does not say who may use fails the test until it does.
//!
//! What a person would notice, checked on every answer:
//! - signed out, every page but the public ones sends you to sign in;
//! - another authority's ids are not found (404), never shown;
//! - a role that may not use a page is refused (403, or sent elsewhere), never served;
//! - a role that may use a page gets it (200) for its own authority;
//! - nothing answers 500, and no answer carries Wiltshire's children, cases or people;
//! - nothing a refused or another authority's request sends changes anything, and
//!   nothing any Torbay user does changes Wiltshire's records.
//!
//! The JSON API is walked the same way by `isolation.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sendpanel_core::documents::evidence::UPLOADERS;
use sendpanel_core::documents::tribunal::BUNDLE_MAKERS;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::test as actix_test;
use chrono::{Days, NaiveTime};
use sendpanel_core::access::{CASE_READERS, LOG_READERS};
use sendpanel_core::config::AuthorityConfig;
use sendpanel_core::demo::SHIPPED_PLUGINS;
use sendpanel_core::domain::{
    AgendaItemId, AuthorityId, CaseId, ChildId, Document, DocumentId, DocumentKind, Email,
    EventKind, Proposal, SittingId, Slug, UserId, UserRole,
};
use sendpanel_core::identity::add_user;
use sendpanel_core::identity::passwords::{ResetMail, request_reset};
use sendpanel_core::panel::{
    AddToAgenda, SITTING_ROLES, ScheduleSitting, WATCHING_ROLES, add_to_agenda, schedule_sitting,
    seat_member,
};
use sendpanel_core::policy::{install, vet};
use sendpanel_core::sen2::READERS as SEN2_READERS;
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::subject_access::EXPORTERS;
use sendpanel_core::time::Clock;
use sendpanel_core::workflow::steps::{self, Step};
use sendpanel_core::workflow::{self, CaseState};
use sendpanel_tests::TestDb;
use sendpanel_web::roles::{CLERKS, WRITERS};
use sendpanel_web::state::AccountMail;
use strum::IntoEnumIterator;

use crate::support::{self, ADMIN, Browser, CASEWORKER, PSYCHOLOGIST};

// ---------------------------------------------------------------------------------
// Discovery: the route table, read from the source.
// ---------------------------------------------------------------------------------

/// Where the route table starts: `server::routes`, which the server and the tests
/// both mount.
const TABLE_ROOT: (&str, &str) = ("server", "routes");

/// Modules whose routes this walk leaves to another, and why.
const NOT_WALKED: [(&str, &str); 1] = [(
    "api",
    "the JSON API, under /api/v1: isolation.rs walks every endpoint by every role",
)];

/// Fewer page routes than this and the scan has stopped finding them (it found 55
/// when written): fail rather than pass on a short list.
const AT_LEAST: usize = 45;

/// The source of the module at `path` (segments from the crate root): `a/b.rs` or
/// `a/b/mod.rs`.
fn module_source(path: &[String]) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let joined = path.join("/");
    let candidates = if path.is_empty() {
        vec![root.join("lib.rs")]
    } else {
        vec![
            root.join(format!("{joined}.rs")),
            root.join(&joined).join("mod.rs"),
        ]
    };
    for candidate in &candidates {
        if let Ok(text) = std::fs::read_to_string(candidate) {
            return text;
        }
    }
    panic!("no source for the module {joined}: tried {candidates:?}");
}

/// The body of `fn name(` in `source`, braces matched outside string literals and line
/// comments (route paths hold braces: `"/cases/{id}"`).
fn fn_body<'a>(source: &'a str, name: &str) -> &'a str {
    let needle = format!("fn {name}(");
    let at = source
        .match_indices(&needle)
        .map(|(at, _)| at)
        .find(|&at| at == 0 || !source.as_bytes()[at - 1].is_ascii_alphanumeric())
        .unwrap_or_else(|| panic!("no `fn {name}(` in the source"));
    let bytes = source.as_bytes();
    let open = at + source[at..].find('{').expect("a function body");
    let (mut depth, mut i, mut in_string) = (0_i32, open, false);
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'"' {
                in_string = false;
            }
        } else if c == b'"' {
            in_string = true;
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
            i += source[i..].find('\n').unwrap_or(source.len() - i);
            continue;
        } else if c == b'{' {
            depth += 1;
        } else if c == b'}' {
            depth -= 1;
            if depth == 0 {
                return &source[open..=i];
            }
        }
        i += 1;
    }
    panic!("`fn {name}(` has no closing brace");
}

/// Each `(path, method)` routed in `body` by `.route(path, web::<method>()...)`;
/// rustfmt may break either across lines (the same scan as `openapi.rs`'s). A path
/// given as a constant rather than a literal comes back as `const:<its path>`, for
/// [`path_of`] to read.
fn scan_routes(body: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let after_paren = rest.trim_start();
        let (path, after_path) = match after_paren.strip_prefix('"') {
            Some(literal) => {
                let end = literal.find('"').expect("an unterminated route path");
                (literal[..end].to_owned(), &literal[end + 1..])
            }
            None => {
                let end = after_paren.find(',').unwrap_or(after_paren.len());
                let constant = after_paren[..end].trim();
                assert!(
                    !constant.is_empty()
                        && constant
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
                    "a .route( whose path is neither a literal nor a constant: {}",
                    &after_paren[..after_paren.len().min(80)]
                );
                (format!("const:{constant}"), &after_paren[end..])
            }
        };
        let after_comma = after_path
            .trim_start()
            .strip_prefix(',')
            .unwrap_or_else(|| panic!("no comma after the route {path}"))
            .trim_start();
        let method_start = after_comma
            .strip_prefix("web::")
            .unwrap_or_else(|| panic!("the route {path} is not given as web::<method>()"));
        let method_end = method_start
            .find('(')
            .unwrap_or_else(|| panic!("no web::<method>() for the route {path}"));
        let method = method_start[..method_end].trim().to_uppercase();
        assert!(
            ["GET", "POST"].contains(&method.as_str()),
            "the route {path} has the method {method}, which the walk does not send"
        );
        found.push((path, method));
        rest = &method_start[method_end..];
    }
    found
}

/// A scanned route path as routed: a literal as it is, a constant read from the
/// `const NAME: &str = "...";` it names (from the module at `module`).
fn path_of(module: &[String], scanned: &str) -> String {
    let Some(constant) = scanned.strip_prefix("const:") else {
        return scanned.to_owned();
    };
    let (home, name) = resolve(module, constant);
    let source = module_source(&home);
    let needle = format!("const {name}: &str = \"");
    let at = source
        .find(&needle)
        .unwrap_or_else(|| panic!("no `{needle}` for the route path {constant}"))
        + needle.len();
    let end = source[at..].find('"').unwrap();
    source[at..at + end].to_owned()
}

/// The function each `.configure(path::to::f)` in `body` names.
fn scan_configures(body: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find(".configure(") {
        rest = &rest[at + ".configure(".len()..];
        let end = rest.find(')').expect("an unclosed .configure(");
        let target: String = rest[..end].chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            !target.is_empty()
                && target
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "a .configure( the walk cannot follow (not a function's path): {target}"
        );
        found.push(target);
    }
    found
}

/// `target` (as written in the module at `from`) as a module path and a function.
fn resolve(from: &[String], target: &str) -> (Vec<String>, String) {
    let mut parts: Vec<&str> = target.split("::").collect();
    let function = parts.pop().unwrap().to_owned();
    let mut module: Vec<String> = from.to_vec();
    for (i, part) in parts.iter().enumerate() {
        match *part {
            "crate" if i == 0 => module.clear(),
            "self" if i == 0 => {}
            "super" => {
                module.pop().expect("super:: above the crate root");
            }
            other => module.push(other.to_owned()),
        }
    }
    (module, function)
}

/// Every page route in the route table: `(method, path pattern)`, each once.
fn page_routes() -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut seen_functions = BTreeSet::new();
    let mut queue = vec![(vec![TABLE_ROOT.0.to_owned()], TABLE_ROOT.1.to_owned())];
    while let Some((module, function)) = queue.pop() {
        if !seen_functions.insert((module.clone(), function.clone())) {
            continue;
        }
        if NOT_WALKED
            .iter()
            .any(|(skipped, _)| module.first().map(String::as_str) == Some(*skipped))
        {
            continue;
        }
        let source = module_source(&module);
        let body = fn_body(&source, &function);
        for construct in [
            ".service(",
            "web::scope(",
            "web::resource(",
            "default_service(",
        ] {
            assert!(
                !body.contains(construct),
                "{}::{function} mounts pages with {construct}, which this walk does not \
                 read: teach page_routes() to, so those pages are walked too",
                module.join("::")
            );
        }
        for (scanned, method) in scan_routes(body) {
            let path = path_of(&module, &scanned);
            if path.starts_with("/api/") {
                continue;
            }
            let route = (method, path);
            assert!(!found.contains(&route), "{route:?} is routed twice");
            found.push(route);
        }
        for target in scan_configures(body) {
            queue.push(resolve(&module, &target));
        }
    }
    found
}

#[test]
fn the_route_table_scan_follows_configure_and_skips_braces_in_paths() {
    let source = r#"
        // A comment with a brace { that is not code.
        pub fn routes(cfg: &mut web::ServiceConfig) {
            cfg.route("/cases/{id}", web::get().to(x))
                .route(
                    "/cases/{id}/{command}",
                    web::post().to(y),
                );
            cfg.route(council::CALLBACK_PATH, web::get().to(z));
            cfg.configure(case::steps::routes).configure(super::admin::routes);
        }
        fn after() { unreachable() }
    "#;
    let body = fn_body(source, "routes");
    assert!(
        body.ends_with("super::admin::routes);\n        }"),
        "{body}"
    );
    assert_eq!(
        scan_routes(body),
        vec![
            ("/cases/{id}".to_owned(), "GET".to_owned()),
            ("/cases/{id}/{command}".to_owned(), "POST".to_owned()),
            ("const:council::CALLBACK_PATH".to_owned(), "GET".to_owned()),
        ]
    );
    let here = vec!["pages".to_owned()];
    let targets = scan_configures(body);
    assert_eq!(
        resolve(&here, &targets[0]),
        (
            vec!["pages".to_owned(), "case".to_owned(), "steps".to_owned()],
            "routes".to_owned()
        )
    );
    assert_eq!(
        resolve(&here, &targets[1]),
        (vec!["admin".to_owned()], "routes".to_owned())
    );
    assert_eq!(
        resolve(&here, "crate::oidc::routes"),
        (vec!["oidc".to_owned()], "routes".to_owned())
    );
}

// ---------------------------------------------------------------------------------
// Who may use each page.
// ---------------------------------------------------------------------------------

/// What someone signed out gets from a public page on GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignedOutGet {
    /// The page.
    Page,
    /// Sent to sign in (a step that needs a password given first).
    ToSignIn,
    /// Nothing said here (POST routes; council sign-in, whose answers depend on the
    /// council's provider): only no 500 and no leak.
    Unstated,
}

#[derive(Debug, Clone, Copy)]
enum Access {
    /// Anyone, signed in or not.
    Public(SignedOutGet),
    /// Any signed-in person of the authority.
    Everyone,
    /// These roles only.
    Roles(&'static [UserRole]),
    /// The case step the `{command}` names: the roles the core's catalogue gives it
    /// (`Step::roles`), the API's and the case page's list too.
    StepRoles,
}

/// The authority admin alone: every `/admin` page (`pages::admin::require_admin`).
const ADMINS: [UserRole; 1] = [UserRole::Admin];

/// Every page route and who may use it, from the core's own lists where it has them.
/// A discovered route missing here, or a row no route matches, fails the walk.
const PAGES: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Access::Public(SignedOutGet::Page)),
    ("GET", "/readyz", Access::Public(SignedOutGet::Page)),
    (
        "GET",
        "/assets/{file:.*}",
        Access::Public(SignedOutGet::Page),
    ),
    ("GET", "/sign-in", Access::Public(SignedOutGet::Page)),
    ("POST", "/sign-in", Access::Public(SignedOutGet::Unstated)),
    ("POST", "/sign-out", Access::Everyone),
    (
        "GET",
        "/sign-in/two-factor",
        Access::Public(SignedOutGet::ToSignIn),
    ),
    (
        "POST",
        "/sign-in/two-factor",
        Access::Public(SignedOutGet::Unstated),
    ),
    ("GET", "/account", Access::Everyone),
    ("POST", "/account/password", Access::Everyone),
    ("POST", "/account/sign-out-everywhere", Access::Everyone),
    ("GET", "/account/two-factor", Access::Everyone),
    ("POST", "/account/two-factor", Access::Everyone),
    ("POST", "/account/deadline-digest", Access::Everyone),
    (
        "GET",
        "/forgotten-password",
        Access::Public(SignedOutGet::Page),
    ),
    (
        "POST",
        "/forgotten-password",
        Access::Public(SignedOutGet::Unstated),
    ),
    (
        "GET",
        "/reset-password/{token}",
        Access::Public(SignedOutGet::Page),
    ),
    (
        "POST",
        "/reset-password/{token}",
        Access::Public(SignedOutGet::Unstated),
    ),
    ("GET", "/", Access::Everyone),
    ("GET", "/caseload", Access::Roles(&CASE_READERS)),
    ("GET", "/caseload.csv", Access::Roles(&CASE_READERS)),
    ("GET", "/team", Access::Roles(&CASE_READERS)),
    ("GET", "/transitions", Access::Roles(&CASE_READERS)),
    ("GET", "/funding-ledger", Access::Roles(&CASE_READERS)),
    ("GET", "/funding-ledger.csv", Access::Roles(&CASE_READERS)),
    ("POST", "/cases/{id}/allocation", Access::Roles(&WRITERS)),
    ("POST", "/cases/{id}/notes", Access::Roles(&WRITERS)),
    ("GET", "/cases/{id}/child/{field}", Access::Roles(&WRITERS)),
    ("POST", "/cases/{id}/child/{field}", Access::Roles(&WRITERS)),
    ("GET", "/requests/new", Access::Roles(&WRITERS)),
    ("POST", "/requests/new", Access::Roles(&WRITERS)),
    ("GET", "/audit", Access::Roles(&LOG_READERS)),
    ("GET", "/audit.csv", Access::Roles(&LOG_READERS)),
    ("GET", "/cases/{id}", Access::Roles(&CASE_READERS)),
    (
        "GET",
        "/cases/{id}/letters/{letter}",
        Access::Roles(&CASE_READERS),
    ),
    ("GET", "/cases/{id}/{command}", Access::StepRoles),
    ("POST", "/cases/{id}/{command}", Access::StepRoles),
    ("GET", "/sittings", Access::Roles(&WATCHING_ROLES)),
    ("GET", "/sittings/{id}", Access::Roles(&WATCHING_ROLES)),
    ("GET", "/sittings/{id}/live", Access::Roles(&WATCHING_ROLES)),
    ("POST", "/sittings/{id}/open", Access::Roles(&SITTING_ROLES)),
    (
        "POST",
        "/sittings/{id}/attendance",
        Access::Roles(&SITTING_ROLES),
    ),
    (
        "GET",
        "/sittings/{id}/minutes",
        Access::Roles(&WATCHING_ROLES),
    ),
    ("GET", "/sittings/{id}/agenda/new", Access::Roles(&CLERKS)),
    ("POST", "/sittings/{id}/agenda/new", Access::Roles(&CLERKS)),
    ("GET", "/agenda-items/{id}", Access::Roles(&SITTING_ROLES)),
    (
        "POST",
        "/agenda-items/{id}/conflict",
        Access::Roles(&SITTING_ROLES),
    ),
    (
        "POST",
        "/agenda-items/{id}/vote",
        Access::Roles(&SITTING_ROLES),
    ),
    (
        "POST",
        "/agenda-items/{id}/close",
        Access::Roles(&SITTING_ROLES),
    ),
    ("GET", "/admin", Access::Roles(&ADMINS)),
    ("GET", "/admin/plugins", Access::Roles(&ADMINS)),
    ("POST", "/admin/plugins", Access::Roles(&ADMINS)),
    ("GET", "/admin/plugins/{sha}", Access::Roles(&ADMINS)),
    (
        "POST",
        "/admin/plugins/{sha}/activate",
        Access::Roles(&ADMINS),
    ),
    (
        "POST",
        "/admin/plugins/{sha}/retire",
        Access::Roles(&ADMINS),
    ),
    (
        "GET",
        "/admin/plugins/{sha}/what-if",
        Access::Roles(&ADMINS),
    ),
    (
        "POST",
        "/admin/plugins/{sha}/what-if",
        Access::Roles(&ADMINS),
    ),
    ("GET", "/admin/panels", Access::Roles(&ADMINS)),
    ("POST", "/admin/panels/members", Access::Roles(&ADMINS)),
    ("GET", "/admin/users", Access::Roles(&ADMINS)),
    ("POST", "/admin/users", Access::Roles(&ADMINS)),
    ("POST", "/admin/users/{id}/disable", Access::Roles(&ADMINS)),
    ("POST", "/admin/users/{id}/enable", Access::Roles(&ADMINS)),
    ("POST", "/admin/users/{id}/role", Access::Roles(&ADMINS)),
    ("GET", "/admin/import", Access::Roles(&ADMINS)),
    ("POST", "/admin/import", Access::Roles(&ADMINS)),
    ("GET", "/dashboard", Access::Everyone),
    ("GET", "/dashboard/{file}", Access::Everyone),
    ("GET", "/reports/sen2", Access::Roles(&SEN2_READERS)),
    ("GET", "/reports/sen2.xml", Access::Roles(&SEN2_READERS)),
    (
        "GET",
        "/children/{id}/subject-access.zip",
        Access::Roles(&EXPORTERS),
    ),
    ("GET", "/advice/{token}", Access::Public(SignedOutGet::Page)),
    (
        "POST",
        "/advice/{token}",
        Access::Public(SignedOutGet::Unstated),
    ),
    ("POST", "/cases/{id}/evidence", Access::Roles(&UPLOADERS)),
    (
        "GET",
        "/cases/{id}/evidence/{document}",
        Access::Roles(&CASE_READERS),
    ),
    (
        "GET",
        "/agenda-items/{id}/evidence/{document}",
        Access::Roles(&SITTING_ROLES),
    ),
    ("POST", "/cases/{id}/advice-links", Access::Roles(&WRITERS)),
    (
        "POST",
        "/cases/{id}/advice-links/{link}/revoke",
        Access::Roles(&WRITERS),
    ),
    (
        "GET",
        "/cases/{id}/tribunal-bundle.pdf",
        Access::Roles(&BUNDLE_MAKERS),
    ),
];

/// Public by prefix: signing in through a council's own account system (its start,
/// `/sign-in/council/{code}`, and the provider's callback) happens before anyone is
/// signed in; what they answer depends on the council's provider, so only no 500 and
/// no leak is asserted.
const PUBLIC_PREFIXES: [&str; 1] = ["/sign-in/council"];

/// Pages that send some roles elsewhere instead of serving them: (pattern, roles,
/// where). Panel members and chairs start at their sittings (`pages::home`).
const STARTS_ELSEWHERE: [(&str, &[UserRole], &str); 1] = [("/", &SITTING_ROLES, "/sittings")];

/// POSTs whose role check lets in every sitter and whose core then checks the seat: only
/// the sitting's chair opens it and closes an item, so the panel member (seated, but
/// not as chair) is refused, and nothing changes, where the chair is not. The pages
/// show the core's refusal on the form (422, "only the sitting's chair ..."), where
/// the API answers 403 `not_seated`; either is a refusal.
const CHAIR_SEAT: [&str; 2] = ["/sittings/{id}/open", "/agenda-items/{id}/close"];

/// One POST's fields: (pattern, fields, why).
type MinimalForm = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

/// The few POSTs sent with more than the CSRF token, and why: (pattern, fields, why).
/// Every other POST carries the token alone, and is refused on its form where the role
/// and authority checks let it through.
const MINIMAL_FORMS: [MinimalForm; 2] = [
    (
        "/admin/users/{id}/role",
        &[("role", "caseworker")],
        "the role is read before the user the address names: without one the form is \
         refused (422) before another authority's user is looked up",
    ),
    (
        "/agenda-items/{id}/close",
        &[
            ("decision", "defer"),
            (
                "reasons",
                "Deferred for the educational psychologist's report.",
            ),
            ("decided_on-day", "24"),
            ("decided_on-month", "11"),
            ("decided_on-year", "2026"),
        ],
        "the form is read before the core checks who sits in the chair: a whole one \
         reaches that check",
    ),
];

/// Whether `path` is an address of `pattern` (each `{param}` one segment).
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, path): (Vec<&str>, Vec<&str>) =
        (pattern.split('/').collect(), path.split('/').collect());
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(p, s)| p.starts_with('{') || p == s)
}

/// POSTs that record nothing and answer with a page (200), not a redirect or the form
/// again: the what-if comparison is a POST because it runs a plugin call per piece of
/// advice, work a GET should not start.
const ANSWERS_WITH_A_PAGE: [&str; 1] = ["/admin/plugins/{sha}/what-if"];

/// POSTs that end the session they are sent in, whatever the form: walked last.
const ENDS_SESSION: [&str; 2] = ["/account/sign-out-everywhere", "/sign-out"];

/// Route parameters the walk cannot fill with something real, and why. Each such
/// route is left out of the walk (none today).
const UNFILLABLE: [(&str, &str); 7] = [
    (
        "/advice/{token}",
        "a professional's link, known only from the e-mail: advice_link_pages walks it (used, expired, revoked, unknown)",
    ),
    (
        "/cases/{id}/evidence",
        "a multipart upload: evidence_api and evidence_browser walk it, another authority's case included",
    ),
    (
        "/cases/{id}/evidence/{document}",
        "needs an uploaded document: evidence_browser opens one and is refused another authority's",
    ),
    (
        "/agenda-items/{id}/evidence/{document}",
        "needs an uploaded document: evidence_browser opens one from the papers and is refused another authority's",
    ),
    (
        "/cases/{id}/advice-links",
        "needs the service's public_url and letters: advice_link_pages and the suite's advice_links walk it",
    ),
    (
        "/cases/{id}/advice-links/{link}/revoke",
        "needs a link sent: advice_link_pages withdraws one",
    ),
    (
        "/cases/{id}/tribunal-bundle.pdf",
        "needs a case under appeal: the suite's evidence::a_tribunal_bundle builds one",
    ),
];

fn access_of(method: &str, pattern: &str) -> Option<Access> {
    PAGES
        .iter()
        .find(|(m, p, _)| *m == method && *p == pattern)
        .map(|(_, _, access)| *access)
        .or_else(|| {
            PUBLIC_PREFIXES
                .iter()
                .any(|prefix| pattern.starts_with(prefix))
                .then_some(Access::Public(SignedOutGet::Unstated))
        })
}

// ---------------------------------------------------------------------------------
// The ids each route is filled with.
// ---------------------------------------------------------------------------------

/// One authority's real ids, from the seeded data.
#[derive(Debug, Clone)]
struct Ids {
    code: &'static str,
    case: CaseId,
    child: ChildId,
    letter: DocumentId,
    sitting: SittingId,
    item: AgendaItemId,
    plugin: String,
    user: UserId,
    reset_token: String,
}

/// A route ready to send: what fills its parameters, for own and other authority.
#[derive(Debug, Clone)]
struct Instance {
    method: String,
    pattern: String,
    access: Access,
    step: Option<Step>,
    own: String,
    /// `None` when the route has no authority's ids in it.
    other: Option<String>,
}

/// `pattern` with its parameters filled from `ids` (one path per step for
/// `{command}`), or the name of a parameter the walk cannot fill.
fn fill(pattern: &str, ids: &Ids) -> Result<Vec<(String, Option<Step>)>, String> {
    let segments: Vec<&str> = pattern.split('/').collect();
    let mut paths: Vec<(Vec<String>, Option<Step>)> = vec![(Vec::new(), None)];
    for segment in &segments {
        let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            for (path, _) in &mut paths {
                path.push((*segment).to_owned());
            }
            continue;
        };
        let name = inner.split(':').next().unwrap();
        if name == "command" && segments[1] == "cases" {
            paths = paths
                .into_iter()
                .flat_map(|(path, _)| {
                    Step::ALL.into_iter().map(move |step| {
                        let mut path = path.clone();
                        path.push(step.slug().to_owned());
                        (path, Some(step))
                    })
                })
                .collect();
            continue;
        }
        let value = match (segments[1], name) {
            ("cases", "id") => ids.case.to_string(),
            ("cases", "letter") => ids.letter.to_string(),
            // One of the child's details: the UPN, which every seeded child has.
            ("cases", "field") => "upn".to_owned(),
            ("children", "id") => ids.child.to_string(),
            ("sittings", "id") => ids.sitting.to_string(),
            ("agenda-items", "id") => ids.item.to_string(),
            ("admin", "sha") => ids.plugin.clone(),
            ("admin", "id") if segments[2] == "users" => ids.user.to_string(),
            ("reset-password", "token") => ids.reset_token.clone(),
            // Not an authority's: the same file for everyone.
            ("assets", "file") => "sendpanel.css".to_owned(),
            // One of the dashboard's tables as CSV: the figures of the signed-in
            // person's own authority, whatever the path.
            ("dashboard", "file") => "scrutiny.csv".to_owned(),
            ("sign-in", _) if segments.get(2) == Some(&"council") => ids.code.to_owned(),
            _ => return Err(format!("{{{name}}}")),
        };
        for (path, _) in &mut paths {
            path.push(value.clone());
        }
    }
    Ok(paths
        .into_iter()
        .map(|(path, step)| (path.join("/"), step))
        .collect())
}

fn instances(routes: &[(String, String)], own: &Ids, other: &Ids) -> Vec<Instance> {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    let mut unfilled = Vec::new();
    for (method, pattern) in routes {
        let Some(access) = access_of(method, pattern) else {
            unknown.push(format!("{method} {pattern}"));
            continue;
        };
        if UNFILLABLE.iter().any(|(p, _)| *p == pattern.as_str()) {
            continue;
        }
        let (mine, theirs) = match (fill(pattern, own), fill(pattern, other)) {
            (Ok(mine), Ok(theirs)) => (mine, theirs),
            (Err(name), _) | (_, Err(name)) => {
                unfilled.push(format!("{method} {pattern}: {name}"));
                continue;
            }
        };
        for ((own_path, step), (other_path, _)) in mine.into_iter().zip(theirs) {
            out.push(Instance {
                method: method.clone(),
                pattern: pattern.clone(),
                access,
                step,
                other: (other_path != own_path).then_some(other_path),
                own: own_path,
            });
        }
    }
    assert!(
        unknown.is_empty(),
        "routes with no row in PAGES (say who may use them): {unknown:#?}"
    );
    assert!(
        unfilled.is_empty(),
        "route parameters the walk cannot fill (teach fill(), or list them in \
         UNFILLABLE with the reason): {unfilled:#?}"
    );
    for (method, pattern, _) in PAGES {
        assert!(
            routes.iter().any(|(m, p)| m == method && p == pattern),
            "PAGES names {method} {pattern}, which is not routed"
        );
    }
    out
}

// ---------------------------------------------------------------------------------
// The seeded world.
// ---------------------------------------------------------------------------------

/// The password of the users this walk adds.
const PASSWORD: &str = "velvet orbit canal pepper";
/// Torbay's panel chair (by role) and auditor, added here: the demo has neither.
const CHAIR: &str = "matrix.chair@torbay.example";
const AUDITOR: &str = "matrix.auditor@torbay.example";
/// A Torbay user the admin's forms act on, who is not one of the walkers.
const SUBJECT: &str = "jordan.ellis@torbay.example";
/// A Torbay user whose reset link the reset pages are walked with.
const RESET: &str = "tom.carthew@torbay.example";
/// Wiltshire's people: a caseworker (the user the other authority's ids name) and the
/// chair this walk adds for Wiltshire's sitting.
const THEIR_CASEWORKER: &str = "robin.hale@wiltshire.example";
const THEIR_CHAIR: &str = "matrix.chair@wiltshire.example";

fn scope(code: &str) -> AuthorityScope {
    AuthorityScope::new(AuthorityId::parse(code).unwrap())
}

fn config<'a>(configs: &'a [AuthorityConfig], code: &str) -> &'a AuthorityConfig {
    configs.iter().find(|c| c.id.as_str() == code).unwrap()
}

fn user_id(db: &Database, scope: &AuthorityScope, email: &str) -> UserId {
    db.read(|tx| tx.find_user_by_email(scope, &Email::parse(email).unwrap()))
        .unwrap()
        .unwrap_or_else(|| panic!("{email} is not seeded"))
        .id
}

fn child_of(db: &Database, scope: &AuthorityScope, case: CaseId) -> ChildId {
    db.read(|tx| tx.get_case(scope, case)).unwrap().child_id
}

/// A sitting of `panel` a fortnight on, `members` seated (the first as chair, which
/// this seats on the panel), with the authority's first case on its agenda.
fn sitting(
    db: &Database,
    config: &AuthorityConfig,
    panel: &str,
    members: Vec<UserId>,
) -> (SittingId, AgendaItemId, CaseId) {
    let scope = AuthorityScope::new(config.id.clone());
    let clock = support::clock();
    let panel = Slug::parse("panel", panel).unwrap();
    seat_member(
        db,
        &scope,
        config,
        &panel,
        members[0],
        &Slug::parse("role", "chair").unwrap(),
    )
    .unwrap();
    let sitting = schedule_sitting(
        db,
        &scope,
        config,
        &ScheduleSitting {
            panel,
            sits_on: clock.today().checked_add_days(Days::new(14)).unwrap(),
            starts_at: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            location: "Committee Room 2".into(),
            members: members.clone(),
        },
        members[0],
        &clock,
    )
    .unwrap()
    .id;
    let case = db.read(|tx| tx.list_cases(&scope)).unwrap()[0].id;
    let item = add_to_agenda(
        db,
        &scope,
        config,
        sitting,
        &AddToAgenda {
            case,
            proposal: Proposal::Assess,
            placement: None,
            funding: None,
        },
        members[0],
        &clock,
    )
    .unwrap()
    .id;
    (sitting, item, case)
}

/// The authority's shipped plugin, vetted and in force: the admin's plugin pages load it.
fn plugin(db: &Database, state: &sendpanel_web::state::AppState, code: &str) -> String {
    let shipped = SHIPPED_PLUGINS
        .iter()
        .find(|p| p.authority == code)
        .unwrap();
    let bytes = shipped.bytes.to_vec();
    let (vetted, _) = vet(state.catalogue.host(), &bytes).unwrap();
    let from = vetted.effective_from();
    install(db, &scope(code), &vetted, bytes, Some(from))
        .unwrap()
        .sha256
        .to_string()
}

/// A letter on `case`, naming the child as a real one does.
fn letter(db: &Database, scope: &AuthorityScope, case: CaseId) -> DocumentId {
    let view = workflow::case_view(db, scope, case, support::clock().today()).unwrap();
    let id = DocumentId::new();
    let content = format!(
        "<html><head><title>Decision</title></head><body><p>Dear family of {}</p></body></html>",
        view.child_name
    );
    db.write(|tx| {
        tx.insert_document(
            scope,
            &Document {
                id,
                authority_id: scope.authority().clone(),
                case_id: case,
                kind: DocumentKind::Letter,
                title: "Decision".into(),
                media_type: "text/html; charset=utf-8".into(),
                content: content.into_bytes(),
                sha256: String::new(),
                template_version: None,
                created_at: support::clock().now(),
            },
        )
    })
    .unwrap();
    id
}

/// A password-reset link for `email`, as the e-mail gives it.
fn reset_token(db: &Database, scope: &AuthorityScope, email: &str) -> String {
    let queued = request_reset(
        db,
        email,
        ResetMail {
            public_url: "https://send.example.gov.uk",
            from_address: "send-team@torbay.example",
            from_name: "sendpanel",
        },
        &support::clock(),
    )
    .unwrap();
    assert!(queued, "a reset link for {email}");
    let outbox = db.read(|tx| tx.list_outbox(scope, None)).unwrap();
    let message = String::from_utf8(outbox.last().unwrap().message.clone())
        .unwrap()
        .replace("=\r\n", "");
    message
        .split("https://send.example.gov.uk/reset-password/")
        .nth(1)
        .unwrap()
        .chars()
        .take(64)
        .collect()
}

/// What a POST could change, for one authority: counts of what is only ever added,
/// and the state of what changes in place (stages, roles, accounts, plugins, sittings,
/// agenda items, attendance).
///
/// A sitter's opening of the papers is recorded (a `PapersOpened` event, as the access
/// log records every read): a record of a read, not a change, so it is counted apart,
/// and only when `reads` (the other authority's, which no Torbay user may read).
fn snapshot(db: &Database, scope: &AuthorityScope, reads: bool) -> Vec<String> {
    db.read(|tx| {
        let events = tx.list_events(scope, None)?;
        let opened = events
            .iter()
            .filter(|e| e.kind() == EventKind::PapersOpened)
            .count();
        let mut out = vec![
            format!("events {}", events.len() - opened),
            format!("requests {}", tx.list_requests(scope)?.len()),
            format!("children {}", tx.list_children(scope)?.len()),
            format!("outbox {}", tx.list_outbox(scope, None)?.len()),
        ];
        if reads {
            out.push(format!("papers opened {opened}"));
        }
        for case in tx.list_cases(scope)? {
            out.push(format!(
                "case {} {} decisions {} exceptions {} deadlines {:?} documents {}",
                case.id,
                case.stage,
                tx.list_decisions(scope, case.id)?.len(),
                tx.list_exceptions(scope, case.id)?.len(),
                tx.list_deadlines(scope, case.id)?
                    .iter()
                    .map(|d| format!("{} {} {:?}", d.kind, d.status, d.due_on))
                    .collect::<Vec<_>>(),
                tx.list_documents(scope, case.id)?.len(),
            ));
        }
        for account in tx.list_accounts(scope)? {
            out.push(format!(
                "user {} {} {} enabled {} two-factor {}",
                account.user.id,
                account.user.email,
                account.user.role,
                account.is_enabled(),
                account.totp_secret.is_some()
            ));
        }
        for plugin in tx.plugins(scope)? {
            out.push(format!(
                "plugin {} {:?} {:?}",
                plugin.sha256, plugin.status, plugin.active_from
            ));
        }
        for panel in tx.list_panels(scope)? {
            out.push(format!(
                "panel {} seats {}",
                panel.code,
                tx.list_panel_members(scope, panel.id)?.len()
            ));
        }
        for sitting in tx.list_sittings(scope)? {
            out.push(format!("sitting {} {:?}", sitting.id, sitting.status));
            for member in tx.list_sitting_members(scope, sitting.id)? {
                out.push(format!(
                    "member {} present {}",
                    member.id,
                    member.present_at.is_some()
                ));
            }
            for item in tx.list_agenda_items(scope, sitting.id)? {
                out.push(format!(
                    "item {} {:?} votes {} conflicts {}",
                    item.id,
                    item.status,
                    tx.list_votes(scope, item.id)?.len(),
                    tx.list_conflicts(scope, item.id)?.len()
                ));
            }
        }
        Ok(out)
    })
    .unwrap()
}

fn both(db: &Database) -> Vec<String> {
    let mut out = snapshot(db, &scope("torbay"), false);
    out.extend(snapshot(db, &scope("wiltshire"), true));
    out
}

fn changed(before: &[String], after: &[String]) -> Vec<String> {
    let (b, a): (BTreeSet<_>, BTreeSet<_>) = (before.iter().collect(), after.iter().collect());
    b.symmetric_difference(&a)
        .map(|line| {
            if b.contains(line) {
                format!("- {line}")
            } else {
                format!("+ {line}")
            }
        })
        .collect()
}

/// What pages must never show a Torbay user: Wiltshire's children, cases, people and
/// records, less anything that Torbay's own data also says (a shared given name).
fn their_secrets(db: &Database) -> Vec<String> {
    let (theirs, ours) = (scope("wiltshire"), scope("torbay"));
    let mut secrets = Vec::new();
    let mut corpus = String::new();
    db.read(|tx| {
        for child in tx.list_children(&theirs)? {
            secrets.push(format!("{} {}", child.given_name, child.family_name));
            secrets.push(child.family_name.to_string());
            if let Some(upn) = &child.upn {
                secrets.push(upn.to_string());
            }
            secrets.push(child.id.to_string());
            if let Some(nhs) = &child.nhs_number {
                secrets.push(nhs.as_str().to_owned());
            }
        }
        for case in tx.list_cases(&theirs)? {
            secrets.push(case.id.to_string());
        }
        for user in tx.list_users(&theirs)? {
            secrets.extend([
                user.display_name.clone(),
                user.email.to_string(),
                user.id.to_string(),
            ]);
        }
        for sitting in tx.list_sittings(&theirs)? {
            secrets.push(sitting.id.to_string());
            for item in tx.list_agenda_items(&theirs, sitting.id)? {
                secrets.push(item.id.to_string());
            }
        }
        for plugin in tx.plugins(&theirs)? {
            secrets.push(plugin.sha256.to_string());
        }
        for child in tx.list_children(&ours)? {
            corpus.push_str(&format!("{} {}\n", child.given_name, child.family_name));
        }
        for user in tx.list_users(&ours)? {
            corpus.push_str(&format!("{} {}\n", user.display_name, user.email));
        }
        Ok(())
    })
    .unwrap();
    secrets.retain(|s| s.len() >= 4 && !corpus.contains(s.as_str()));
    secrets.sort();
    secrets.dedup();
    secrets
}

// ---------------------------------------------------------------------------------
// Sending.
// ---------------------------------------------------------------------------------

/// One answer. An event stream's body is not read: it never ends.
struct Answer {
    status: StatusCode,
    location: Option<String>,
    content_type: String,
    body: String,
}

/// Sends `method path` in `browser` (keeping its cookie), a POST carrying the CSRF
/// token and, for the few routes [`MINIMAL_FORMS`] names, the least form that reaches
/// the check the walk is after.
async fn send<S>(app: &S, browser: &mut Browser, method: &str, path: &str, csrf: &str) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let request = match method {
        "POST" => {
            let mut form = vec![("csrf_token", csrf)];
            if let Some((_, fields, _)) = MINIMAL_FORMS.iter().find(|(p, _, _)| matches(p, path)) {
                form.extend_from_slice(fields);
            }
            actix_test::TestRequest::post().uri(path).set_form(form)
        }
        _ => actix_test::TestRequest::get().uri(path),
    };
    let request = match &browser.cookie {
        Some(cookie) => request.cookie(cookie.clone()),
        None => request,
    };
    let response = actix_test::call_service(app, request.to_request()).await;
    if let Some(cookie) = response
        .response()
        .cookies()
        .find(|c| c.name() == sendpanel_web::pages::COOKIE_NAME)
    {
        let cookie = cookie.into_owned();
        browser.cookie = (!cookie.value().is_empty()).then_some(cookie);
    }
    let status = response.status();
    let header_text = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &header::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let location = header_text(header::LOCATION);
    let content_type = header_text(header::CONTENT_TYPE).unwrap_or_default();
    let body = if content_type.starts_with("text/event-stream") {
        String::new()
    } else {
        String::from_utf8_lossy(&actix_test::read_body(response).await).into_owned()
    };
    Answer {
        status,
        location,
        content_type,
        body,
    }
}

/// Signs `browser` in as `email`: the demo's users (admins give their one-time code)
/// with the demo password, the walk's own with theirs.
async fn sign_in<S>(app: &S, browser: &mut Browser, email: &str)
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    if [CHAIR, AUDITOR].contains(&email) {
        let page = browser
            .submit(
                app,
                "/sign-in",
                "/sign-in",
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(
            page.location.as_deref(),
            Some("/"),
            "{email}: {}",
            page.body
        );
    } else {
        browser.sign_in(app, email).await;
    }
}

// ---------------------------------------------------------------------------------
// The walk.
// ---------------------------------------------------------------------------------

/// Who walks: nobody signed in, then a Torbay user of each role.
fn walkers() -> Vec<(Option<UserRole>, Option<&'static str>)> {
    let of = |role: UserRole| match role {
        UserRole::Caseworker => CASEWORKER,
        UserRole::PanelMember => PSYCHOLOGIST,
        UserRole::PanelChair => CHAIR,
        UserRole::Admin => ADMIN,
        UserRole::Auditor => AUDITOR,
    };
    std::iter::once((None, None))
        .chain(UserRole::iter().map(|role| (Some(role), Some(of(role)))))
        .collect()
}

/// What the walk found, for the summary.
#[derive(Default)]
struct Tally {
    requests: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.failures.push(what());
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whose {
    Own,
    Other,
}

/// What a page says, for a failure's message: its `<main>`, tags dropped, in brief.
fn words_of(body: &str) -> String {
    let main = body.find("<main").map_or(body, |at| &body[at..]);
    let mut out = String::new();
    let mut in_tag = false;
    for c in main.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    words.join(" ").chars().take(400).collect()
}

/// Checks one answer against the table.
#[allow(clippy::too_many_arguments)]
fn judge(
    tally: &mut Tally,
    db: &Database,
    role: Option<UserRole>,
    instance: &Instance,
    whose: Whose,
    path: &str,
    answer: &Answer,
    secrets: &[String],
) {
    let who = format!(
        "{} {} {path} ({:?})",
        role.map_or_else(|| "signed out".to_owned(), |r| r.to_string()),
        instance.method,
        whose
    );
    let (status, location) = (answer.status, answer.location.as_deref());
    let summary = || format!("{who}: {status} {location:?} {}", words_of(&answer.body));
    tally.check(!status.is_server_error(), || format!("500: {}", summary()));
    for secret in secrets {
        tally.check(
            path.contains(secret.as_str()) || !answer.body.contains(secret.as_str()),
            || format!("leaked {secret:?}: {}", summary()),
        );
    }
    let to_sign_in = status == StatusCode::SEE_OTHER && location == Some("/sign-in");
    let allowed = |role: UserRole| match instance.access {
        Access::Public(_) | Access::Everyone => true,
        Access::Roles(roles) => roles.contains(&role),
        Access::StepRoles => instance.step.unwrap().allows(role),
    };
    match (instance.access, role) {
        (Access::Public(expect), None) if instance.method == "GET" => match expect {
            SignedOutGet::Page => {
                tally.check(status == StatusCode::OK, || {
                    format!("not served: {}", summary())
                });
            }
            SignedOutGet::ToSignIn => {
                tally.check(to_sign_in, || format!("not sent to sign in: {}", summary()));
            }
            SignedOutGet::Unstated => {}
        },
        (Access::Public(_), _) => {}
        (_, None) => tally.check(to_sign_in, || {
            format!("signed out, not sent to sign in: {}", summary())
        }),
        (_, Some(role)) if !allowed(role) => tally.check(
            status == StatusCode::FORBIDDEN
                || (status == StatusCode::SEE_OTHER && !to_sign_in)
                || (whose == Whose::Other && status == StatusCode::NOT_FOUND),
            || format!("a role that may not use it was not refused: {}", summary()),
        ),
        (_, Some(_)) if whose == Whose::Other => tally
            .check(status == StatusCode::NOT_FOUND, || {
                format!("another authority's id was not 404: {}", summary())
            }),
        (_, Some(role)) if instance.method == "GET" => {
            let elsewhere = STARTS_ELSEWHERE
                .iter()
                .find(|(p, roles, _)| *p == instance.pattern && roles.contains(&role))
                .map(|(_, _, to)| (*to).to_owned());
            let not_now = instance.step.and_then(|step| {
                let case = path.split('/').nth(2).unwrap().parse().unwrap();
                let view =
                    workflow::case_view(db, &scope("torbay"), case, support::clock().today())
                        .unwrap();
                (!steps::applicable(&CaseState::from_events(&view.events)).contains(&step))
                    .then(|| format!("/cases/{case}?not_now={}", step.slug()))
            });
            match elsewhere.or(not_now) {
                Some(to) => tally.check(
                    status == StatusCode::SEE_OTHER && location == Some(to.as_str()),
                    || format!("not sent to {to}: {}", summary()),
                ),
                None => tally.check(status == StatusCode::OK, || {
                    format!("a role that may use it was not served: {}", summary())
                }),
            }
            if instance.pattern == "/sittings/{id}/live" && status == StatusCode::OK {
                tally.check(answer.content_type.starts_with("text/event-stream"), || {
                    format!("not an event stream: {}", summary())
                });
            }
        }
        (_, Some(role)) => {
            let seat_refused =
                CHAIR_SEAT.contains(&instance.pattern.as_str()) && role == UserRole::PanelMember;
            if ENDS_SESSION.contains(&instance.pattern.as_str()) {
                tally.check(to_sign_in, || {
                    format!("signing out did not send to sign in: {}", summary())
                });
            } else if ANSWERS_WITH_A_PAGE.contains(&instance.pattern.as_str()) {
                tally.check(status == StatusCode::OK, || {
                    format!("a role that may use it was not served: {}", summary())
                });
            } else if seat_refused {
                tally.check(
                    [StatusCode::FORBIDDEN, StatusCode::UNPROCESSABLE_ENTITY].contains(&status)
                        && answer.body.contains("chair"),
                    || format!("a member not in the chair was not refused: {}", summary()),
                );
            } else {
                tally.check(
                    (status == StatusCode::SEE_OTHER && !to_sign_in)
                        || [
                            StatusCode::BAD_REQUEST,
                            StatusCode::CONFLICT,
                            StatusCode::UNPROCESSABLE_ENTITY,
                        ]
                        .contains(&status),
                    || {
                        format!(
                            "a role that may use it got neither the form again nor a redirect: {}",
                            summary()
                        )
                    },
                );
            }
        }
    }
}

async fn walk(db: Database) {
    let clock = support::clock();
    let mut state = support::demo_state(&db);
    state.account_mail = Some(Arc::new(AccountMail {
        public_url: "https://send.example.gov.uk".into(),
        from_address: "send-team@torbay.example".into(),
        from_name: "sendpanel".into(),
        letters: None,
    }));
    let configs = state.authorities.clone();
    let (torbay, wiltshire) = (scope("torbay"), scope("wiltshire"));
    for (email, role) in [(CHAIR, UserRole::PanelChair), (AUDITOR, UserRole::Auditor)] {
        add_user(
            &db,
            &torbay,
            &Email::parse(email).unwrap(),
            "Matrix Walker",
            role,
            Some(PASSWORD),
            &clock,
        )
        .unwrap();
    }
    let their_chair = add_user(
        &db,
        &wiltshire,
        &Email::parse(THEIR_CHAIR).unwrap(),
        "Wren Wiltshire-Chair",
        UserRole::PanelChair,
        None,
        &clock,
    )
    .unwrap()
    .id;
    let (sitting_ours, item_ours, case_ours) = sitting(
        &db,
        config(&configs, "torbay"),
        "sen-panel",
        vec![
            user_id(&db, &torbay, CHAIR),
            user_id(&db, &torbay, PSYCHOLOGIST),
        ],
    );
    let (sitting_theirs, item_theirs, case_theirs) = sitting(
        &db,
        config(&configs, "wiltshire"),
        "dad-group",
        vec![their_chair],
    );
    let own = Ids {
        code: "torbay",
        case: case_ours,
        child: child_of(&db, &torbay, case_ours),
        letter: letter(&db, &torbay, case_ours),
        sitting: sitting_ours,
        item: item_ours,
        plugin: plugin(&db, &state, "torbay"),
        user: user_id(&db, &torbay, SUBJECT),
        reset_token: reset_token(&db, &torbay, RESET),
    };
    let other = Ids {
        code: "wiltshire",
        case: case_theirs,
        child: child_of(&db, &wiltshire, case_theirs),
        letter: letter(&db, &wiltshire, case_theirs),
        sitting: sitting_theirs,
        item: item_theirs,
        plugin: plugin(&db, &state, "wiltshire"),
        user: user_id(&db, &wiltshire, THEIR_CASEWORKER),
        reset_token: reset_token(&db, &wiltshire, THEIR_CASEWORKER),
    };
    assert_ne!(own.plugin, other.plugin);

    let routes = page_routes();
    assert!(
        routes.len() >= AT_LEAST,
        "the route scan found {} page routes, fewer than {AT_LEAST}: {routes:#?}",
        routes.len()
    );
    let walk = instances(&routes, &own, &other);
    let secrets = their_secrets(&db);
    let app = support::app(state).await;

    // The secrets are what pages show: Wiltshire's caseworker sees their children on
    // their caseload, so their absence from Torbay's pages means something.
    let mut theirs = Browser::default();
    theirs.sign_in(&app, THEIR_CASEWORKER).await;
    let caseload = theirs.get(&app, "/caseload").await;
    assert_eq!(caseload.status, StatusCode::OK);
    let shown = secrets
        .iter()
        .filter(|s| caseload.body.contains(s.as_str()))
        .count();
    assert!(shown >= 2, "{secrets:?} in {}", caseload.body);

    let wiltshire_before = snapshot(&db, &wiltshire, true);
    let mut tally = Tally::default();
    let mut changed_by_allowed = Vec::new();
    for (role, email) in walkers() {
        let mut browser = Browser::default();
        if let Some(email) = email {
            sign_in(&app, &mut browser, email).await;
        }
        let csrf_page = if role.is_some() {
            "/account"
        } else {
            "/sign-in"
        };
        let csrf = browser.get(&app, csrf_page).await.csrf();
        let acts = |instance: &Instance, whose: Whose| {
            let Some(role) = role else { return false };
            instance.method == "POST"
                && whose == Whose::Own
                && match instance.access {
                    Access::Public(_) => false,
                    Access::Everyone => true,
                    Access::Roles(roles) => roles.contains(&role),
                    Access::StepRoles => instance.step.unwrap().allows(role),
                }
        };
        let ends_session = |instance: &Instance| {
            role.is_some() && ENDS_SESSION.contains(&instance.pattern.as_str())
        };
        let sends = |instance: &Instance| {
            let mut out = vec![(Whose::Own, instance.own.clone())];
            if let Some(other) = &instance.other {
                out.push((Whose::Other, other.clone()));
            }
            out
        };

        // 1. Everything that must change nothing: signed out, refused, another
        //    authority's, and every GET.
        let before = both(&db);
        for instance in walk.iter().filter(|i| !ends_session(i)) {
            for (whose, path) in sends(instance) {
                if acts(instance, whose) {
                    continue;
                }
                let answer = send(&app, &mut browser, &instance.method, &path, &csrf).await;
                tally.requests += 1;
                judge(
                    &mut tally, &db, role, instance, whose, &path, &answer, &secrets,
                );
            }
        }
        let after = both(&db);
        let diff = changed(&before, &after);
        tally.check(diff.is_empty(), || {
            format!("{role:?}: requests that may not act changed the records: {diff:#?}")
        });

        // 2. What this role may do on its own authority's records, with nothing but
        //    the CSRF token in the form.
        for instance in walk.iter().filter(|i| !ends_session(i)) {
            if !acts(instance, Whose::Own) {
                continue;
            }
            let before = snapshot(&db, &torbay, false);
            let answer = send(&app, &mut browser, "POST", &instance.own, &csrf).await;
            tally.requests += 1;
            judge(
                &mut tally,
                &db,
                role,
                instance,
                Whose::Own,
                &instance.own,
                &answer,
                &secrets,
            );
            let diff = changed(&before, &snapshot(&db, &torbay, false));
            let seat_refused = CHAIR_SEAT.contains(&instance.pattern.as_str())
                && role == Some(UserRole::PanelMember);
            tally.check(!seat_refused || diff.is_empty(), || {
                format!("a refused member's POST {} changed {diff:?}", instance.own)
            });
            if !diff.is_empty() {
                changed_by_allowed.push(format!("{role:?} POST {}: {diff:?}", instance.own));
            }
        }

        // 3. Still signed in after all that; then the routes that end the session,
        //    each in a session of its own.
        if let Some(email) = email {
            let account = browser.get(&app, "/account").await;
            tally.check(account.status == StatusCode::OK, || {
                format!("{role:?} was signed out by the walk: {}", account.status)
            });
            let mut fresh = false;
            for instance in walk.iter().filter(|i| ends_session(i)) {
                if fresh {
                    sign_in(&app, &mut browser, email).await;
                }
                fresh = true;
                let csrf = browser.get(&app, "/account").await.csrf();
                let answer = send(&app, &mut browser, "POST", &instance.own, &csrf).await;
                tally.requests += 1;
                judge(
                    &mut tally,
                    &db,
                    role,
                    instance,
                    Whose::Own,
                    &instance.own,
                    &answer,
                    &secrets,
                );
                let after = send(&app, &mut browser, "GET", "/account", "").await;
                tally.check(
                    after.status == StatusCode::SEE_OTHER
                        && after.location.as_deref() == Some("/sign-in"),
                    || format!("{role:?} still signed in after {}", instance.own),
                );
            }
        }
    }
    let wiltshire_diff = changed(&wiltshire_before, &snapshot(&db, &wiltshire, true));
    tally.check(wiltshire_diff.is_empty(), || {
        format!("Torbay's users changed Wiltshire's records: {wiltshire_diff:#?}")
    });
    // The snapshot sees what a POST changes: Torbay's chair opened their own sitting
    // with nothing but the CSRF token, and nia recorded her attendance.
    assert!(
        changed_by_allowed
            .iter()
            .any(|c| c.contains(&format!("/sittings/{sitting_ours}/open"))),
        "{changed_by_allowed:#?}"
    );

    let with_other = walk.iter().filter(|i| i.other.is_some()).count();
    eprintln!(
        "page matrix on {:?}: {} routes ({} with the steps expanded, {} of them with an \
         authority's ids) x {} walkers (signed out and {} roles) x own/other authority = \
         {} requests; allowed POSTs that changed Torbay's records: {changed_by_allowed:#?}",
        db.backend(),
        routes.len(),
        walk.len(),
        with_other,
        walkers().len(),
        walkers().len() - 1,
        tally.requests
    );
    assert!(
        tally.failures.is_empty(),
        "{} of {} answers were wrong:\n{}",
        tally.failures.len(),
        tally.requests,
        tally.failures.join("\n")
    );
}

#[actix_web::test]
async fn every_page_by_every_role_and_another_authority_on_sqlite() {
    let test_db = TestDb::sqlite().unwrap();
    walk(test_db.db.clone()).await;
}

#[actix_web::test]
async fn every_page_by_every_role_and_another_authority_on_postgres() {
    let test_db = TestDb::postgres().unwrap();
    walk(test_db.db.clone()).await;
}
