//! The access log for auditors: who read which child's record, when, what and through
//! which route, newest first, for the whole authority, one child (`?child=`) or one
//! user (`?user=`), fifty to a page, and the same as CSV (`/audit.csv`) for an
//! investigation or a subject access request. The core decides who may read it
//! ([`sendpanel_core::access::LOG_READERS`]).

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use sendpanel_core::access::{self, AccessFilter, NamedAccess};
use sendpanel_core::reports::csv::{CsvError, write_table};
use serde_json::{Value, json};

use crate::pages::render::{PageError, render};
use crate::pages::session::SignedIn;
use crate::pages::work::blocking;
use crate::state::AppState;

/// Reads `?child=` and `?user=` (empty means no filter); an id that does not parse is
/// a page that is not there.
fn filter_of(query: &HashMap<String, String>) -> Result<AccessFilter, PageError> {
    fn id<T: std::str::FromStr>(
        query: &HashMap<String, String>,
        key: &str,
    ) -> Result<Option<T>, PageError> {
        query
            .get(key)
            .filter(|v| !v.is_empty())
            .map(|v| v.parse().map_err(|_| PageError::NotFound))
            .transpose()
    }
    Ok(AccessFilter {
        child: id(query, "child")?,
        user: id(query, "user")?,
    })
}

/// The query string that keeps a filter across pages and into the CSV link.
fn filter_query(filter: &AccessFilter) -> String {
    let mut parts = Vec::new();
    if let Some(child) = filter.child {
        parts.push(format!("child={child}"));
    }
    if let Some(user) = filter.user {
        parts.push(format!("user={user}"));
    }
    parts.join("&")
}

fn row(named: &NamedAccess) -> Value {
    let r = &named.record;
    json!({
        "when": r.read_at.format("%-d %B %Y at %H:%M:%S UTC").to_string(),
        "datetime": r.read_at.to_rfc3339(),
        "user_name": named.user_name,
        "user_href": format!("/audit?user={}", r.user_id),
        "role": r.role.to_string().replace('_', " "),
        "child_name": named.child_name,
        "child_href": format!("/audit?child={}", r.child_id),
        "what": r.what.words(),
        "route": r.route,
    })
}

/// `GET /audit`: one page of the access log.
#[tracing::instrument(skip_all, fields(user_id = %who.user.id))]
pub async fn audit_page(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let filter = filter_of(&query)?;
    let page: i64 = query
        .get("page")
        .map(|p| p.parse().map_err(|_| PageError::NotFound))
        .transpose()?
        .unwrap_or(1);
    let (services, actor) = (state.services(), who.actor());
    let found = blocking(move || access::log_page(&services, &actor, filter, page)).await?;
    let keep = filter_query(&filter);
    let href = |page: i64| {
        if keep.is_empty() {
            format!("/audit?page={page}")
        } else {
            format!("/audit?{keep}&page={page}")
        }
    };
    let last = ((found.total + found.per_page - 1) / found.per_page).max(1);
    let first_shown = (found.page - 1) * found.per_page + 1;
    let heading = match (filter.child, filter.user, found.records.first()) {
        (Some(_), _, Some(first)) => format!("Reads of {}'s record", first.child_name),
        (None, Some(_), Some(first)) => format!("Reads by {}", first.user_name),
        (Some(_), _, None) | (None, Some(_), None) => "Reads matching the filter".to_owned(),
        (None, None, _) => "Who read which child's record".to_owned(),
    };
    render(
        StatusCode::OK,
        "audit",
        "Access log",
        &who.frame,
        json!({
            "heading": heading,
            "filtered": filter.child.is_some() || filter.user.is_some(),
            "rows": found.records.iter().map(row).collect::<Vec<_>>(),
            "total": found.total,
            "showing": if found.records.is_empty() {
                "No reads recorded".to_owned()
            } else {
                format!(
                    "Showing {} to {} of {}",
                    first_shown,
                    first_shown + i64::try_from(found.records.len()).unwrap_or(0) - 1,
                    found.total
                )
            },
            "previous": (found.page > 1).then(|| href(found.page - 1)),
            "next": (found.page < last).then(|| href(found.page + 1)),
            "csv_href": if keep.is_empty() { "/audit.csv".to_owned() } else { format!("/audit.csv?{keep}") },
        }),
    )
}

/// `GET /audit.csv`: every record matching the filter, newest first, as CSV.
#[tracing::instrument(skip_all, fields(user_id = %who.user.id))]
pub async fn audit_csv(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let filter = filter_of(&query)?;
    let (services, actor) = (state.services(), who.actor());
    let records = blocking(move || access::log_all(&services, &actor, filter)).await?;
    let body = to_csv(&records).map_err(PageError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"access-log.csv\"",
        ))
        .body(body))
}

/// The records as CSV with a header row, through the core's one CSV writer: a cell a
/// spreadsheet would run as a formula is prefixed with `'`, so an exported name cannot
/// run anything on an auditor's machine.
fn to_csv(records: &[NamedAccess]) -> Result<Vec<u8>, CsvError> {
    write_table(
        &[
            "read_at",
            "user_id",
            "user_name",
            "role",
            "case_id",
            "child_id",
            "child_name",
            "what",
            "route",
        ],
        records.iter().map(|named| {
            let r = &named.record;
            [
                r.read_at.to_rfc3339(),
                r.user_id.to_string(),
                named.user_name.clone(),
                r.role.to_string(),
                r.case_id.to_string(),
                r.child_id.to_string(),
                named.child_name.clone(),
                r.what.to_string(),
                r.route.clone(),
            ]
        }),
    )
}
