//! The dashboard: the figures an authority watches and reports, for a period it
//! chooses (`?from=YYYY-MM-DD&to=YYYY-MM-DD`, or a preset: this month, quarter,
//! financial year, academic year; every record when none is chosen).
//!
//! First the scrutiny table, in the shape councils give their scrutiny committees
//! (latest, previous, direction of travel, target, RAG, England), then the plan report
//! (plans issued, ceased and maintained, month by month and year by year, and plans
//! ceased by route and by age), then each figure as a bar chart drawn on the server
//! with the same numbers in a table beside it. Every table downloads as CSV
//! (`/dashboard/{table}.csv`, same period), each cell through
//! [`reports::csv::write_table`], so nothing in it runs as a spreadsheet formula.
//!
//! Every figure comes from [`reports::reports`], computed from the record; this page
//! only lays it out. A share with nothing to count is said in words ("No decisions
//! yet"), never shown as 0%, and requests not yet decided are shown apart from the
//! refusal rate, which is over decided requests only. Open to every signed-in role of
//! the authority.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use sendpanel_core::reports::{
    self, AgeBand, CeaseRoute, Dashboard, Indicator, LedgerRow, Period, PeriodError, PlanReport,
    Preset, Reports, Scrutiny, Timeliness,
};
use serde::Deserialize;
use serde_json::{Value, json};
use strum::IntoEnumIterator;

use super::chart::{Bar, BarChart, Colour};
use super::render::{PageError, render};
use super::session::SignedIn;
use super::work::{authority_config, blocking, words};
use crate::state::AppState;

/// Mounts these pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", web::get().to(dashboard))
        .route("/dashboard/{file}", web::get().to(dashboard_csv));
}

/// The period in the query: `from` and `to`, or a `period` preset.
#[derive(Debug, Default, Deserialize)]
struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
    period: Option<String>,
}

impl PeriodQuery {
    fn period(&self, today: NaiveDate) -> Result<Option<Period>, PeriodError> {
        Period::from_query(
            self.from.as_deref(),
            self.to.as_deref(),
            self.period.as_deref(),
            today,
        )
    }
}

/// Every report, for the period asked for.
async fn reports_for(
    state: web::Data<AppState>,
    who: &SignedIn,
    period: Option<Period>,
) -> Result<Reports, PageError> {
    let targets = authority_config(&state, &who.scope)?.targets.clone();
    let scope = who.scope.clone();
    let today = state.clock.today();
    blocking(move || reports::reports(&state.db, &scope, &targets, period.as_ref(), today)).await
}

/// `GET /dashboard`: the authority's figures for the period, as tables and charts. A
/// bad period comes back with the error summary naming the field, and no figures.
#[tracing::instrument(skip_all, fields(user_id = %who.user.id))]
async fn dashboard(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let today = state.clock.today();
    let form = json!({
        "from": query.from.clone().unwrap_or_default(),
        "to": query.to.clone().unwrap_or_default(),
    });
    let period = match query.period(today) {
        Ok(period) => period,
        Err(error) => {
            let (field, message) = refusal(&error);
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "dashboard",
                "Error: Dashboard",
                &who.frame,
                json!({
                    "errors": [{ "href": format!("#{}", if field == "period" { "from" } else { field }), "text": message }],
                    "field_errors": { field: message },
                    "form": form,
                    "presets": presets(today, None),
                    "tables": [],
                }),
            );
        }
    };
    let all = reports_for(state, &who, period).await?;
    let query = period.map(|p| p.query());
    let tables: Vec<Value> = tables(&all)
        .iter()
        .map(|t| t.to_json(query.as_deref()))
        .collect();
    render(
        StatusCode::OK,
        "dashboard",
        "Dashboard",
        &who.frame,
        json!({
            "period_name": period.map_or_else(|| "Every record".to_owned(), |p| p.name()),
            "period_span": period.map(|p| p.span()),
            "scrutiny_default": period.is_none().then(|| all.scrutiny.period.name()),
            "form": form,
            "presets": presets(today, period),
            "tables": tables,
        }),
    )
}

/// `GET /dashboard/{table}.csv`: one of the page's tables for the same period, as CSV.
#[tracing::instrument(skip_all, fields(user_id = %who.user.id))]
async fn dashboard_csv(
    state: web::Data<AppState>,
    who: SignedIn,
    file: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, PageError> {
    let Some(id) = file.strip_suffix(".csv") else {
        return Err(PageError::NotFound);
    };
    let period = query.period(state.clock.today()).map_err(|e| {
        let (field, rule) = refusal(&e);
        PageError::invalid(field, rule)
    })?;
    let all = reports_for(state, &who, period).await?;
    let tables = tables(&all);
    let table = tables
        .iter()
        .find(|t| t.id == id)
        .ok_or(PageError::NotFound)?;
    let header: Vec<&str> = table.columns.iter().map(|c| c.0.as_str()).collect();
    let body =
        reports::csv::write_table(&header, table.rows.iter()).map_err(PageError::internal)?;
    let name = match period {
        Some(p) => format!("{id}-{}-to-{}.csv", p.from, p.to),
        None => format!("{id}-every-record.csv"),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body))
}

/// The field at fault and the rule, without the field's name in front.
fn refusal(error: &PeriodError) -> (&'static str, String) {
    let message = error.to_string();
    let rule = message
        .split_once(": ")
        .map_or(message.as_str(), |(_, rule)| rule)
        .to_owned();
    (error.field(), rule)
}

/// The preset links, the chosen one marked.
fn presets(today: NaiveDate, chosen: Option<Period>) -> Vec<Value> {
    let mut out: Vec<Value> = Preset::iter()
        .map(|preset| {
            let period = preset.period(today);
            json!({
                "text": format!("{} ({})", preset.label(), period.name()),
                "href": format!("/dashboard?period={preset}"),
                "current": chosen == Some(period),
            })
        })
        .collect();
    out.push(json!({ "text": "Every record", "href": "/dashboard", "current": chosen.is_none() }));
    out
}

/// A table as the page shows it and the CSV writes it: a heading, columns (each with
/// whether it holds figures), rows whose first cell names the row, and a chart when
/// it has one. The page shows the first `page_columns` columns; the CSV all of them.
struct Table {
    id: &'static str,
    heading: String,
    intro: String,
    columns: Vec<(String, bool)>,
    rows: Vec<Vec<String>>,
    page_columns: usize,
    chart: Option<BarChart>,
    /// Where the RAG column is, to show its words as a coloured tag too.
    rag_column: Option<usize>,
    /// Notes under the table (the targets' sources).
    notes: Vec<String>,
}

impl Table {
    fn new(id: &'static str, heading: &str, intro: &str, columns: &[&str]) -> Self {
        Self {
            id,
            heading: heading.to_owned(),
            intro: intro.to_owned(),
            columns: columns
                .iter()
                .enumerate()
                .map(|(i, c)| ((*c).to_owned(), i > 0))
                .collect(),
            rows: Vec::new(),
            page_columns: columns.len(),
            chart: None,
            rag_column: None,
            notes: Vec::new(),
        }
    }

    fn to_json(&self, query: Option<&str>) -> Value {
        let shown = self.page_columns;
        let columns: Vec<Value> = self
            .columns
            .iter()
            .take(shown)
            .map(|(text, numeric)| json!({ "text": text, "numeric": numeric }))
            .collect();
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                Value::Array(
                    row.iter()
                        .take(shown)
                        .enumerate()
                        .map(|(i, text)| {
                            let tag = (self.rag_column == Some(i)).then(|| rag_colour(text));
                            json!({
                                "text": text,
                                "header": i == 0,
                                "numeric": self.columns.get(i).is_some_and(|c| c.1),
                                "tag": tag,
                            })
                        })
                        .collect(),
                )
            })
            .collect();
        let heading = self
            .chart
            .as_ref()
            .map_or(self.heading.as_str(), |c| c.title.as_str());
        json!({
            "id": self.id,
            "heading": heading,
            "intro": self.intro,
            "svg": self.chart.as_ref().map(BarChart::svg),
            "caption": format!("{heading}: the figures"),
            "columns": columns,
            "rows": rows,
            "notes": self.notes,
            "csv_href": match query {
                Some(q) => format!("/dashboard/{}.csv?{q}", self.id),
                None => format!("/dashboard/{}.csv", self.id),
            },
        })
    }
}

/// The GOV.UK tag colour for a RAG word.
fn rag_colour(text: &str) -> &'static str {
    match text {
        "Green" => "green",
        "Amber" => "yellow",
        "Red" => "red",
        _ => "grey",
    }
}

/// Every table, in the order the page shows them.
fn tables(all: &Reports) -> Vec<Table> {
    let mut out = vec![scrutiny_table(&all.scrutiny)];
    out.extend(plan_tables(&all.plans));
    out.extend(sections(&all.dashboard));
    out
}

/// The scrutiny table, Leicestershire's columns (indicator, latest, period, previous,
/// direction of travel, target, RAG, England), with the targets' sources in the CSV.
fn scrutiny_table(scrutiny: &Scrutiny) -> Table {
    let mut table = Table::new(
        "scrutiny",
        "Scrutiny table",
        &format!(
            "{} against the {} before it ({}). Direction of travel says better or worse only where the target, or a statutory time limit, sets which way is better. RAG is against the authority's own target: green when met, amber when missed by no more than the target's amber band, red beyond it.",
            scrutiny.period.name(),
            if scrutiny.period.whole_months().is_some() {
                "same number of months"
            } else {
                "same number of days"
            },
            scrutiny.previous.name()
        ),
        &[
            "Indicator",
            "Latest",
            "Period",
            "Previous",
            "Previous period",
            "Direction of travel",
            "Target",
            "RAG",
            "England",
            "Target source",
        ],
    );
    for i in [1, 3] {
        if let Some(c) = table.columns.get_mut(i) {
            c.1 = true;
        }
    }
    for i in [2, 4, 5, 6, 7, 8, 9] {
        if let Some(c) = table.columns.get_mut(i) {
            c.1 = false;
        }
    }
    table.page_columns = 9;
    table.rag_column = Some(7);
    for row in &scrutiny.rows {
        let target = row.target.as_ref();
        table.rows.push(vec![
            row.indicator.label().to_owned(),
            row.latest.text(),
            scrutiny.period.name(),
            row.previous.text(),
            scrutiny.previous.name(),
            row.travel_text(),
            target.map_or_else(|| "None set".to_owned(), |t| t.text()),
            row.rag.label().to_owned(),
            row.england_text().to_owned(),
            target.map_or_else(String::new, |t| t.source.clone()),
        ]);
        if let Some(t) = target {
            table
                .notes
                .push(format!("{}: {}", row.indicator.label(), t.source));
        }
    }
    if table.notes.is_empty() {
        table.notes.push(
            "None: the authority's configuration sets no target in force for this period, so each RAG is N/A.".to_owned(),
        );
    }
    debug_assert_eq!(scrutiny.rows.len(), Indicator::ALL.len());
    table
}

/// Whether a ledger row covers less than its whole month (`2024-03`) or year (`2024`):
/// the period began or ended inside it.
fn clipped(label: &str, from: NaiveDate, to: NaiveDate) -> bool {
    use chrono::Datelike;
    let whole_year =
        label.len() == 4 && (from.month(), from.day(), to.month(), to.day()) == (1, 1, 12, 31);
    let whole_month =
        label.len() == 7 && from.day() == 1 && to.succ_opt().is_some_and(|d| d.day() == 1);
    !(whole_year || whole_month)
}

fn ledger_row(row: &LedgerRow, label: String) -> Vec<String> {
    vec![
        label,
        row.opening.to_string(),
        row.issued.to_string(),
        row.transferred_in.to_string(),
        row.imported.to_string(),
        row.ceased.to_string(),
        row.closing.to_string(),
    ]
}

const LEDGER_COLUMNS: [&str; 7] = [
    "Plans at the start",
    "Issued",
    "Transferred in",
    "Imported (issued before the service)",
    "Ceased",
    "Plans at the end",
    "",
];

/// The plan report's four tables.
fn plan_tables(plans: &PlanReport) -> Vec<Table> {
    let ledger = |id,
                  heading: &str,
                  first: &str,
                  rows: &[LedgerRow],
                  name: &dyn Fn(&str) -> String| {
        let name = |r: &LedgerRow| match (r.from, r.to) {
            (Some(from), Some(to)) if clipped(&r.label, from, to) => format!(
                "{} ({} to {})",
                name(&r.label),
                from.format("%-d %B"),
                to.format("%-d %B")
            ),
            _ => name(&r.label),
        };
        let mut columns = vec![first];
        columns.extend(LEDGER_COLUMNS.iter().take(6));
        let mut table = Table::new(
            id,
            heading,
            "Plans maintained at the start and end of each, and in between those issued, transferred in from another authority, made before the service and imported, and ceased (every route, transfers out included).",
            &columns,
        );
        table.rows = rows.iter().map(|r| ledger_row(r, name(r))).collect();
        if table.rows.is_empty() {
            let mut empty = vec!["No plans in the record".to_owned()];
            empty.extend(std::iter::repeat_n("0".to_owned(), 6));
            table.rows.push(empty);
        }
        table
    };
    let mut by_route = Table::new(
        "plans-ceased-by-route",
        "Plans ceased, by how they ceased",
        "The route the record shows. The SEN2 return's cease reasons (needs met, maximum age, employment and the rest) are not recorded, so they are not given here.",
        &["How the plan ceased", "Plans"],
    );
    by_route.rows = CeaseRoute::iter()
        .map(|route| {
            vec![
                route.label().to_owned(),
                plans
                    .ceased_by_route
                    .get(&route)
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            ]
        })
        .collect();
    let mut by_age = Table::new(
        "plans-ceased-by-age",
        "Plans ceased, by age",
        "The child's or young person's age on the day the plan ceased, in the SEN2 return's bands.",
        &["Age", "Plans"],
    );
    by_age.rows = AgeBand::iter()
        .filter(|band| *band != AgeBand::Over25 || plans.ceased_by_age.contains_key(band))
        .map(|band| {
            vec![
                band.label().to_owned(),
                plans
                    .ceased_by_age
                    .get(&band)
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            ]
        })
        .collect();
    if plans.ceased_age_unknown > 0 {
        by_age.rows.push(vec![
            "Date of birth not in the record".to_owned(),
            plans.ceased_age_unknown.to_string(),
        ]);
    }
    vec![
        ledger(
            "plans-by-month",
            "EHC plans by month",
            "Month",
            &plans.months,
            &|m| month_name(m),
        ),
        ledger(
            "plans-by-year",
            "EHC plans by year",
            "Calendar year",
            &plans.years,
            &|y| y.to_owned(),
        ),
        by_route,
        by_age,
    ]
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

/// A table row: a header cell, then figures.
fn row(name: impl ToString, figures: &[String]) -> Vec<String> {
    let mut cells = vec![name.to_string()];
    cells.extend(figures.iter().cloned());
    cells
}

/// A chart and its table, as the template lays them out side by side. A table with
/// nothing to list says so in a row of its own.
fn section(chart: BarChart, intro: &str, columns: &[&str], mut rows: Vec<Vec<String>>) -> Table {
    if rows.is_empty() {
        rows.push(row(chart.empty.trim_end_matches('.'), &["0".to_owned()]));
    }
    let id: &'static str = CHARTS
        .iter()
        .find(|id| **id == chart.id)
        .copied()
        .unwrap_or("chart");
    let mut table = Table::new(id, &chart.title, intro, columns);
    table.rows = rows;
    table.chart = Some(chart);
    table
}

/// The charts' ids, which name their CSV files.
const CHARTS: [&str; 8] = [
    "requests",
    "assess-timeliness",
    "final-plans",
    "refusals",
    "next-steps",
    "mediations",
    "appeals",
    "tribunal",
];

/// Counts by outcome (as the record names them), as bars and rows.
fn by_outcome(counts: &std::collections::BTreeMap<String, usize>) -> (Vec<Bar>, Vec<Vec<String>>) {
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
fn sections(board: &Dashboard) -> Vec<Table> {
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
        chart(
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
        chart(
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
        chart(
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
        chart(
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
        chart(
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
        chart(
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
        chart(
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
        chart(
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
        let sections: Vec<Value> = sections(&Dashboard::default())
            .iter()
            .map(|t| t.to_json(None))
            .collect();
        assert_eq!(sections.len(), 8);
        let text = serde_json::to_string(&sections).unwrap_or_default();
        assert!(!text.contains("\"text\":\"0%\""), "{text}");
        assert!(text.contains("No decisions yet"), "{text}");
        assert!(text.contains("No plans issued yet"), "{text}");
    }
}
