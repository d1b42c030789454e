//! The dashboard: the figures an authority watches and reports to the DfE, each as a
//! bar chart drawn on the server with the same numbers in a table beside it.
//!
//! Every figure comes from [`reports::dashboard`], computed from the record; this page
//! only lays it out. A share with nothing to count is said in words ("No decisions
//! yet"), never shown as 0%, and requests not yet decided are shown apart from the
//! refusal rate, which is over decided requests only. Open to every signed-in role of
//! the authority.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use sendpanel_core::reports::{self, Dashboard, Timeliness};
use serde_json::{Value, json};

use super::chart::{Bar, BarChart, Colour};
use super::render::{PageError, render};
use super::session::SignedIn;
use super::work::{blocking, words};
use crate::state::AppState;

/// Mounts these pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", web::get().to(dashboard));
}

/// `GET /dashboard`: the authority's figures, as charts and tables.
#[tracing::instrument(skip_all, fields(user_id = %who.user.id))]
async fn dashboard(state: web::Data<AppState>, who: SignedIn) -> Result<HttpResponse, PageError> {
    let scope = who.scope.clone();
    let board = blocking(move || reports::dashboard(&state.db, &scope)).await?;
    render(
        StatusCode::OK,
        "dashboard",
        "Dashboard",
        &who.frame,
        json!({ "charts": sections(&board) }),
    )
}

/// A share in words: "75%", or `none` when nothing was counted.
fn share(percent: Option<u32>, none: &str) -> String {
    percent.map_or_else(|| none.to_owned(), |p| format!("{p}%"))
}

/// `2026-11` as "November 2026"; anything else as it came.
fn month_name(month: &str) -> String {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_or_else(|_| month.to_owned(), |day| day.format("%B %Y").to_string())
}

/// One table cell: a row header or a number (right-aligned, as GOV.UK tables do).
fn cell(text: impl ToString, header: bool, numeric: bool) -> Value {
    json!({ "text": text.to_string(), "header": header, "numeric": numeric })
}

/// A table row: a header cell, then figures.
fn row(name: impl ToString, figures: &[String]) -> Value {
    let mut cells = vec![cell(name, true, false)];
    cells.extend(figures.iter().map(|f| cell(f, false, true)));
    Value::Array(cells)
}

/// A chart and its table, as the template lays them out side by side. A table with
/// nothing to list says so in a row of its own.
fn section(chart: &BarChart, intro: &str, columns: &[&str], mut rows: Vec<Value>) -> Value {
    if rows.is_empty() {
        rows.push(row(chart.empty.trim_end_matches('.'), &["0".to_owned()]));
    }
    json!({
        "id": chart.id,
        "heading": chart.title,
        "intro": intro,
        "svg": chart.svg(),
        "caption": format!("{}: the figures", chart.title),
        "columns": columns,
        "rows": rows,
    })
}

/// Counts by outcome (as the record names them), as bars and rows.
fn by_outcome(counts: &std::collections::BTreeMap<String, usize>) -> (Vec<Bar>, Vec<Value>) {
    counts
        .iter()
        .map(|(outcome, n)| {
            (
                Bar::new(words(outcome), *n, Colour::Blue),
                row(words(outcome), &[n.to_string()]),
            )
        })
        .unzip()
}

/// Within the limit and later, as two bars.
fn on_time_bars(label: &str, limit: &str, t: Timeliness) -> Vec<Bar> {
    vec![
        Bar::new(
            words(&format!("{label}within {limit}")),
            t.within_limit,
            Colour::Green,
        ),
        Bar::new(
            words(&format!("{label}later")),
            t.total.saturating_sub(t.within_limit),
            Colour::Red,
        ),
    ]
}

fn chart(id: &str, title: &str, summary: &str, bars: Vec<Bar>, empty: &str) -> BarChart {
    BarChart {
        id: id.into(),
        title: title.into(),
        summary: summary.into(),
        bars,
        empty: empty.into(),
    }
}

/// Every chart, in the order the page shows them.
fn sections(board: &Dashboard) -> Vec<Value> {
    let mut out = Vec::new();

    let bars: Vec<Bar> = board
        .requests_per_month
        .iter()
        .map(|m| Bar::new(month_name(&m.month), m.requests, Colour::Blue))
        .collect();
    let rows = board
        .requests_per_month
        .iter()
        .map(|m| row(month_name(&m.month), &[m.requests.to_string()]))
        .collect();
    out.push(section(
        &chart(
            "requests",
            "Requests received per month",
            "Requests for an EHC needs assessment received, by month.",
            bars,
            "No requests received yet.",
        ),
        "Requests for an EHC needs assessment, by the month they were received.",
        &["Month", "Requests received"],
        rows,
    ));

    let assess = board.decisions_to_assess;
    out.push(section(
        &chart(
            "assess-timeliness",
            "Decisions whether to assess within 6 weeks",
            "Decisions whether to assess, within the 6 weeks of SEND Regulations 2014 reg. 5(1) and later.",
            on_time_bars("", "6 weeks", assess),
            "No decisions yet.",
        ),
        "The authority must decide whether to assess within 6 weeks of the request (SEND Regulations 2014 reg. 5(1)).",
        &["Decisions", "Number"],
        vec![
            row("Decisions made", &[assess.total.to_string()]),
            row("Within 6 weeks", &[assess.within_limit.to_string()]),
            row(
                "Later",
                &[assess.total.saturating_sub(assess.within_limit).to_string()],
            ),
            row(
                "Share within 6 weeks",
                &[share(assess.percent(), "No decisions yet")],
            ),
        ],
    ));

    let plans = board.final_plans;
    let clean = board.final_plans_without_exceptions;
    let mut bars = on_time_bars("All plans: ", "20 weeks", plans);
    bars.extend(on_time_bars("Without exceptions: ", "20 weeks", clean));
    out.push(section(
        &chart(
            "final-plans",
            "Final plans within 20 weeks",
            "Final EHC plans issued within the 20 weeks of SEND Regulations 2014 reg. 13(2) and later, for all plans and leaving out plans an exception applied to.",
            bars,
            "No plans issued yet.",
        ),
        "Final plans are due within 20 weeks of the request (SEND Regulations 2014 reg. 13(2)). The second row leaves out plans whose limit an exception disapplied (reg. 13(3)), as the SEN2 return does.",
        &["Plans", "Issued", "Within 20 weeks", "Share within 20 weeks"],
        vec![
            row(
                "All plans",
                &[
                    plans.total.to_string(),
                    plans.within_limit.to_string(),
                    share(plans.percent(), "No plans issued yet"),
                ],
            ),
            row(
                "Without exceptions",
                &[
                    clean.total.to_string(),
                    clean.within_limit.to_string(),
                    share(clean.percent(), "No plans issued yet"),
                ],
            ),
        ],
    ));

    let outcomes = board.assessment_outcomes;
    out.push(section(
        &chart(
            "refusals",
            "Refusal rate",
            "Requests agreed for assessment, refused, and not yet decided.",
            vec![
                Bar::new("Agreed to assess", outcomes.agreed, Colour::Blue),
                Bar::new("Refused", outcomes.refused, Colour::Red),
                Bar::new("Not yet decided", outcomes.pending, Colour::Grey),
            ],
            "No requests yet.",
        ),
        "The refusal rate is over decided requests only; requests not yet decided are shown apart and not counted in it.",
        &["Requests", "Number"],
        vec![
            row("Agreed to assess", &[outcomes.agreed.to_string()]),
            row("Refused", &[outcomes.refused.to_string()]),
            row(
                "Refusal rate (of decided requests)",
                &[share(outcomes.refusal_percent(), "No decisions yet")],
            ),
            row(
                "Not yet decided (not in the rate)",
                &[outcomes.pending.to_string()],
            ),
        ],
    ));

    let (bars, rows) = by_outcome(&board.next_steps_outcomes);
    out.push(section(
        &chart(
            "next-steps",
            "Next-steps outcomes",
            "What next-steps meetings after a refusal to assess led to.",
            bars,
            "No next-steps outcomes recorded yet.",
        ),
        "After a refusal to assess, the authority meets the family; this is what those meetings led to.",
        &["Outcome", "Meetings"],
        rows,
    ));

    let (mut bars, mut rows) = by_outcome(&board.mediation_outcomes);
    bars.insert(
        0,
        Bar::new("Requested", board.mediations_requested, Colour::Blue),
    );
    rows.insert(
        0,
        row("Requested", &[board.mediations_requested.to_string()]),
    );
    out.push(section(
        &chart(
            "mediations",
            "Mediations",
            "Mediations requested, and how those that ended came out.",
            bars,
            "No mediations yet.",
        ),
        "Mediations the family asked for (SEND Regulations 2014 regs. 36-37), and how those that ended came out.",
        &["Mediations", "Number"],
        rows,
    ));

    let appeals = board.appeals;
    out.push(section(
        &chart(
            "appeals",
            "Appeals to the Tribunal",
            "Appeals lodged by the family's last day (Tribunal rule 20) and after it.",
            vec![
                Bar::new("In time", appeals.within_limit, Colour::Green),
                Bar::new(
                    "Late",
                    appeals.total.saturating_sub(appeals.within_limit),
                    Colour::Red,
                ),
            ],
            "No appeals yet.",
        ),
        "Appeals to the First-tier Tribunal (SEND), and whether each came by the family's last day.",
        &["Appeals", "Number"],
        vec![
            row("Appeals lodged", &[appeals.total.to_string()]),
            row("In time", &[appeals.within_limit.to_string()]),
            row(
                "Late",
                &[appeals.total.saturating_sub(appeals.within_limit).to_string()],
            ),
            row(
                "Share in time",
                &[share(appeals.percent(), "No appeals yet")],
            ),
        ],
    ));

    let (bars, rows) = by_outcome(&board.tribunal_outcomes);
    out.push(section(
        &chart(
            "tribunal",
            "Tribunal outcomes",
            "Appeals the Tribunal decided, by outcome.",
            bars,
            "No Tribunal decisions yet.",
        ),
        "Appeals the Tribunal has decided, by outcome.",
        &["Outcome", "Appeals"],
        rows,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_named_and_empty_shares_are_words() {
        assert_eq!(month_name("2026-11"), "November 2026");
        assert_eq!(month_name("nonsense"), "nonsense");
        assert_eq!(share(None, "No decisions yet"), "No decisions yet");
        assert_eq!(share(Some(0), "No decisions yet"), "0%");
    }

    #[test]
    fn an_empty_record_draws_every_chart_without_a_zero_percent() {
        let sections = sections(&Dashboard::default());
        assert_eq!(sections.len(), 8);
        let text = serde_json::to_string(&sections).unwrap_or_default();
        assert!(!text.contains("\"text\":\"0%\""), "{text}");
        assert!(text.contains("No decisions yet"), "{text}");
        assert!(text.contains("No plans issued yet"), "{text}");
    }
}
