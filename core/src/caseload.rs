//! A whole authority's caseload, searched, filtered and paged: what a caseworker opens
//! first ("my cases"), what a manager reads to balance the team, and what the API lists.
//!
//! The query arrives as text (a page's query string or the API's), is parsed here into
//! a typed [`CaseloadQuery`] with each bad part named by its field, and runs as one
//! keyset-paged query in the store ([`crate::store::CaseFilter`]): fast at 20,000 open
//! cases, and stable while cases are added (a new case takes its place in the order;
//! the next page still starts after the last row shown).

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::{CaseStage, NhsNumber, PanelId, SettingType, Upn, UserId};
use crate::services::{Actor, Services};
use crate::store::{
    AuthorityScope, CaseCursor, CaseFilter, CaseSearch, Database, OfficerFilter, StoreError,
    nothing_due,
};
use crate::workflow::{AT_RISK_DAYS, CaseloadEntry, DeadlineView, OfficerRef, WorkflowError};

/// Rows per page unless the caller asks for fewer (or more, up to [`MAX_PER_PAGE`]).
pub const PER_PAGE: i64 = 50;
/// The most rows one page may hold.
pub const MAX_PER_PAGE: i64 = 200;
/// The most cases a name search is resolved to before its page and count are read.
const RESOLVED_SEARCH: i64 = 500;

/// The caseload's query as typed: every part optional text, from a page's query string
/// or the API's. [`CaseloadParams::parse`] checks it.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    utoipa::IntoParams,
    utoipa::ToSchema,
)]
#[into_params(parameter_in = Query)]
pub struct CaseloadParams {
    /// Name (or part of it), UPN, NHS number, date of birth (YYYY-MM-DD or DD/MM/YYYY),
    /// the start of a case reference, or an authority or imported reference.
    pub q: Option<String>,
    /// One stage (e.g. `assessing`); also `closed` or `ceased` to list those.
    pub stage: Option<String>,
    /// `me`, `unallocated`, or an officer's user id.
    pub officer: Option<String>,
    /// A panel's id: cases on the agenda of one of its sittings, not yet decided.
    pub panel: Option<String>,
    /// The setting type the request named (e.g. `mainstream`).
    pub setting: Option<String>,
    /// `overdue`, `at_risk` (due within 10 days) or `this_week`.
    pub due: Option<String>,
    /// A national curriculum year group: `-2` to `14` (`0` is Reception).
    pub year_group: Option<String>,
    /// The page after this position (the `next` of the page before).
    pub after: Option<String>,
    /// Rows per page, 1 to 200.
    pub per_page: Option<String>,
}

/// A checked caseload query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseloadQuery {
    /// Which cases.
    pub filter: CaseFilter,
    /// Where the page starts.
    pub after: Option<CaseCursor>,
    /// Rows per page.
    pub per_page: i64,
}

/// One page of the caseload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseloadPage {
    /// The cases, the soonest next deadline first.
    pub cases: Vec<CaseloadEntry>,
    /// How many cases match, over all pages.
    pub total: i64,
    /// Pass as `after` for the next page; `None` on the last.
    pub next: Option<String>,
}

/// One officer's open cases, for the team view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TeamRow {
    /// The officer; `None` for cases not yet allocated.
    pub officer: Option<OfficerRef>,
    /// Open cases.
    pub open: usize,
    /// With a limit already past.
    pub overdue: usize,
    /// With a limit due within 10 days (and none past).
    pub at_risk: usize,
}

impl CaseloadParams {
    /// Checks the query: each bad part is refused naming its field and rule. `me` is
    /// the person asking, whose id `officer=me` stands for.
    pub fn parse(&self, me: UserId, today: NaiveDate) -> Result<CaseloadQuery, WorkflowError> {
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let mut filter = CaseFilter::default();
        if let Some(q) = given(&self.q) {
            filter.search = Some(classify(q)?);
        }
        if let Some(stage) = given(&self.stage) {
            filter.stage = Some(stage.parse::<CaseStage>().map_err(|_| {
                invalid(
                    "stage",
                    format!("{stage:?} is not a stage, such as assessing"),
                )
            })?);
        }
        filter.officer =
            match given(&self.officer) {
                None => OfficerFilter::Anyone,
                Some("me") => OfficerFilter::Officer(me),
                Some("unallocated") => OfficerFilter::Unallocated,
                Some(id) => OfficerFilter::Officer(id.parse().map_err(|_| {
                    invalid("officer", "must be me, unallocated, or an officer's id")
                })?),
            };
        if let Some(panel) = given(&self.panel) {
            filter.panel = Some(
                panel
                    .parse::<PanelId>()
                    .map_err(|_| invalid("panel", "must be a panel's id"))?,
            );
        }
        if let Some(setting) = given(&self.setting) {
            filter.setting =
                Some(setting.parse::<SettingType>().map_err(|_| {
                    invalid("setting", format!("{setting:?} is not a setting type"))
                })?);
        }
        if let Some(due) = given(&self.due) {
            filter.due_between = Some(due_window(due, today)?);
        }
        if let Some(year) = given(&self.year_group) {
            let year: i32 = year
                .parse()
                .ok()
                .filter(|y| (-2..=14).contains(y))
                .ok_or_else(|| invalid("year_group", "must be a year group from -2 to 14"))?;
            filter.born_between = Some(born_in_year_group(year, today));
        }
        let after = given(&self.after).map(parse_cursor).transpose()?;
        let per_page = match given(&self.per_page) {
            None => PER_PAGE,
            Some(n) => n
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                .ok_or_else(|| invalid("per_page", "must be a number from 1 to 200"))?,
        };
        Ok(CaseloadQuery {
            filter,
            after,
            per_page,
        })
    }
}

fn invalid(field: &'static str, rule: impl Into<String>) -> WorkflowError {
    WorkflowError::Invalid {
        field,
        rule: rule.into(),
    }
}

/// What a search term is: a UPN or NHS number when it has their shape (and is then
/// checked as one), a date of birth, the start of a case reference, or else text.
fn classify(q: &str) -> Result<CaseSearch, WorkflowError> {
    if q.len() > 100 {
        return Err(invalid("q", "must be 100 characters or fewer"));
    }
    let compact: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    let upn_shaped = compact.len() == 13
        && compact.starts_with(|c: char| c.is_ascii_alphabetic())
        && compact.chars().skip(1).all(|c| c.is_ascii_digit());
    if upn_shaped {
        let upn = Upn::parse(&compact).map_err(|e| invalid("q", e.to_string()))?;
        return Ok(CaseSearch::Upn(upn.to_string()));
    }
    if compact.len() == 10 && compact.chars().all(|c| c.is_ascii_digit()) {
        let nhs = NhsNumber::parse(&compact).map_err(|e| invalid("q", e.to_string()))?;
        return Ok(CaseSearch::NhsNumber(nhs.as_str().to_owned()));
    }
    for format in ["%Y-%m-%d", "%d/%m/%Y"] {
        if let Ok(day) = NaiveDate::parse_from_str(q, format) {
            return Ok(CaseSearch::Born(day));
        }
    }
    let reference_shaped = compact.len() >= 8
        && compact.len() <= 36
        && compact.contains('-')
        && compact.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    if reference_shaped {
        return Ok(CaseSearch::CaseReference(compact.to_ascii_lowercase()));
    }
    Ok(CaseSearch::Text(q.trim().to_lowercase()))
}

/// The days a `due` filter covers, inclusive.
fn due_window(due: &str, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), WorkflowError> {
    let days = |n: u64| today.checked_add_days(Days::new(n)).unwrap_or(today);
    match due {
        // Any day a database holds is after 1900; NaiveDate::MIN is not one PostgreSQL can.
        "overdue" => Ok((
            NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(today),
            today.pred_opt().unwrap_or(today),
        )),
        "at_risk" => Ok((today, days(AT_RISK_DAYS.unsigned_abs()))),
        "this_week" => {
            let to_sunday = 6 - u64::from(today.weekday().num_days_from_monday());
            Ok((today, days(to_sunday)))
        }
        other => Err(invalid(
            "due",
            format!("{other:?} is not one of overdue, at_risk, this_week"),
        )),
    }
}

/// The birthdays of a national curriculum year group in the school year holding
/// `today`: a child enters Reception (year 0) in the September after their fourth
/// birthday, so year `n` in the school year starting in September of `start` holds
/// children born from 1 September of `start - 5 - n` to 31 August of `start - 4 - n`.
pub fn born_in_year_group(year: i32, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let start = school_year_start(today);
    let from = NaiveDate::from_ymd_opt(start - 5 - year, 9, 1).unwrap_or(NaiveDate::MIN);
    let to = NaiveDate::from_ymd_opt(start - 4 - year, 8, 31).unwrap_or(NaiveDate::MAX);
    (from, to)
}

/// The calendar year in whose September the school year holding `today` began.
pub fn school_year_start(today: NaiveDate) -> i32 {
    if today.month() >= 9 {
        today.year()
    } else {
        today.year() - 1
    }
}

/// The national curriculum year group a child born on `born` is in on `today`.
pub fn year_group(born: NaiveDate, today: NaiveDate) -> i32 {
    let start = school_year_start(today);
    let cohort = if born.month() >= 9 {
        born.year()
    } else {
        born.year() - 1
    };
    start - 5 - cohort
}

/// How long a caseload total is remembered at most, for writes this process does not
/// see (another server on the same PostgreSQL, or the import command beside a running
/// server): the total beside a list may lag those by this much, never the list.
const COUNT_REMEMBERED_FOR: std::time::Duration = std::time::Duration::from_secs(5);

/// A cursor as text: the last row's due day and case id.
fn cursor_text(cursor: CaseCursor) -> String {
    format!("{}_{}", cursor.due, cursor.case)
}

pub(crate) fn parse_cursor(text: &str) -> Result<CaseCursor, WorkflowError> {
    let bad = || {
        invalid(
            "after",
            "is not a position this list gave; start again from the first page",
        )
    };
    let (due, case) = text.split_once('_').ok_or_else(bad)?;
    Ok(CaseCursor {
        due: NaiveDate::parse_from_str(due, "%Y-%m-%d").map_err(|_| bad())?,
        case: case.parse().map_err(|_| bad())?,
    })
}

/// One page of the scope's caseload for `query`: the cases with their child, stage,
/// officer and next deadline, how many match, and where the next page starts.
pub fn search(
    db: &Database,
    scope: &AuthorityScope,
    query: &CaseloadQuery,
    today: NaiveDate,
) -> Result<CaseloadPage, WorkflowError> {
    Ok(db.read(|tx| {
        let names = officer_names(&tx.list_users(scope)?);
        page_in(db, tx, scope, query, today, &names)
    })?)
}

/// [`search`] inside a read the caller holds, with the officers' names it has already
/// read: so a page that also needs the officer list reads the users once.
fn page_in(
    db: &Database,
    tx: &mut crate::store::Tx<'_>,
    scope: &AuthorityScope,
    query: &CaseloadQuery,
    today: NaiveDate,
    names: &HashMap<UserId, String>,
) -> Result<CaseloadPage, StoreError> {
    // A name search reads every child's name: done once here, for the page and
    // its count, unless it matches so many cases that the list would be long.
    let mut filter = query.filter.clone();
    if let Some(CaseSearch::Text(text)) = &filter.search {
        let found = tx.cases_matching_text(scope, text, RESOLVED_SEARCH + 1)?;
        if found.len() <= usize::try_from(RESOLVED_SEARCH).unwrap_or(0) {
            filter.search = Some(CaseSearch::Among(found));
        }
    }
    let query = &CaseloadQuery {
        filter,
        after: query.after,
        per_page: query.per_page,
    };
    let mut rows = tx.search_cases(scope, &query.filter, query.after, query.per_page + 1)?;
    let more = rows.len() > usize::try_from(query.per_page).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(query.per_page).unwrap_or(usize::MAX));
    // A first page that is also the last holds every match: no need to count.
    // Otherwise the count is remembered between pages until the next write.
    let total = if query.after.is_none() && !more {
        i64::try_from(rows.len()).unwrap_or(i64::MAX)
    } else if matches!(query.filter.search, Some(CaseSearch::Among(_))) {
        // Counting among a few hundred cases by id is cheap; not worth a long key.
        tx.count_cases(scope, &query.filter)?
    } else {
        let key = format!("caseload {} {:?}", scope.authority(), query.filter);
        db.remembered_count(&key, COUNT_REMEMBERED_FOR, || {
            tx.count_cases(scope, &query.filter)
        })?
    };
    let ids: Vec<_> = rows.iter().map(|r| r.case_id).collect();
    let mut next_deadline = HashMap::new();
    for deadline in tx.open_deadlines_of(scope, &ids)? {
        next_deadline.entry(deadline.case_id).or_insert(deadline);
    }
    let next = more.then(|| rows.last()).flatten().map(|last| {
        cursor_text(CaseCursor {
            due: last.next_due_on.unwrap_or_else(nothing_due),
            case: last.case_id,
        })
    });
    let cases = rows
        .into_iter()
        .map(|row| CaseloadEntry {
            id: row.case_id,
            child_id: row.child_id,
            child_name: row.child_name,
            date_of_birth: row.date_of_birth,
            stage: row.stage,
            received_on: row.received_on,
            officer: row.officer_id.map(|id| OfficerRef {
                id,
                name: names.get(&id).cloned().unwrap_or_default(),
            }),
            next_deadline: next_deadline
                .get(&row.case_id)
                .map(|d| DeadlineView::new(d, today)),
        })
        .collect();
    Ok(CaseloadPage { cases, total, next })
}

/// Each user's display name by id, for naming the officer a case is allocated to.
fn officer_names<'a>(
    users: impl IntoIterator<Item = &'a crate::domain::User>,
) -> HashMap<UserId, String> {
    users
        .into_iter()
        .map(|u| (u.id, u.display_name.clone()))
        .collect()
}

/// The team view: every officer's open cases, overdue and at risk, and the unallocated
/// cases, the busiest officer first.
pub fn team(
    db: &Database,
    scope: &AuthorityScope,
    today: NaiveDate,
) -> Result<Vec<TeamRow>, WorkflowError> {
    let due_by = today
        .checked_add_days(Days::new(AT_RISK_DAYS.unsigned_abs()))
        .unwrap_or(today);
    Ok(db.read(|tx| {
        let names = officer_names(&tx.list_users(scope)?);
        let mut rows: Vec<TeamRow> = tx
            .officer_loads(scope, today, due_by)?
            .into_iter()
            .map(|load| TeamRow {
                officer: load.officer.map(|id| OfficerRef {
                    id,
                    name: names.get(&id).cloned().unwrap_or_default(),
                }),
                open: load.open,
                overdue: load.overdue,
                at_risk: load.due_soon,
            })
            .collect();
        rows.sort_by(|a, b| {
            (a.officer.is_none(), std::cmp::Reverse(a.open))
                .cmp(&(b.officer.is_none(), std::cmp::Reverse(b.open)))
        });
        Ok::<_, StoreError>(rows)
    })?)
}

/// [`search`] for `actor`, refused for a role that may not open cases: a panel member
/// learns of a child only through the papers of a sitting they sit on.
pub fn caseload_for(
    services: &Services,
    actor: &Actor,
    params: &CaseloadParams,
) -> Result<CaseloadPage, WorkflowError> {
    crate::access::refuse_unless_may_open(actor)?;
    let today = services.clock.today();
    let query = params.parse(actor.user, today)?;
    search(&services.db, &actor.scope, &query, today)
}

/// [`team`] for `actor`, refused like [`caseload_for`].
pub fn team_for(services: &Services, actor: &Actor) -> Result<Vec<TeamRow>, WorkflowError> {
    crate::access::refuse_unless_may_open(actor)?;
    team(&services.db, &actor.scope, services.clock.today())
}

/// Every case matching `params` (all pages), for `actor`: the caseload as a download
/// through `route`. Each case in it is recorded in the access log as read before the
/// list is handed over. Refused like [`caseload_for`].
pub fn export_for(
    services: &Services,
    actor: &Actor,
    params: &CaseloadParams,
    route: &str,
) -> Result<Vec<CaseloadEntry>, WorkflowError> {
    crate::access::refuse_unless_may_open(actor)?;
    let today = services.clock.today();
    let mut query = params.parse(actor.user, today)?;
    query.after = None;
    query.per_page = MAX_PER_PAGE;
    let mut entries = Vec::new();
    loop {
        let page = search(&services.db, &actor.scope, &query, today)?;
        entries.extend(page.cases);
        match page.next {
            Some(next) => query.after = Some(parse_cursor(&next)?),
            None => break,
        }
    }
    let read: Vec<_> = entries.iter().map(|e| (e.id, e.child_id)).collect();
    crate::access::record_export(
        services,
        actor,
        &read,
        crate::access::AccessKind::CaseloadExport,
        route,
    )?;
    Ok(entries)
}

/// What the caseload page shows: one page, and the choices its filters offer (the
/// officers a case can be allocated to, the authority's panels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseloadScreen {
    /// The page of cases.
    pub page: CaseloadPage,
    /// Enabled caseworkers and admins, by name.
    pub officers: Vec<OfficerRef>,
    /// The authority's panels: (id, name).
    pub panels: Vec<(PanelId, String)>,
}

/// [`caseload_for`] with the filters' choices, for the caseload page: the page, the
/// officers and the panels in one read, so the page costs one trip to the pool.
pub fn screen_for(
    services: &Services,
    actor: &Actor,
    params: &CaseloadParams,
) -> Result<CaseloadScreen, WorkflowError> {
    crate::access::refuse_unless_may_open(actor)?;
    let today = services.clock.today();
    let query = params.parse(actor.user, today)?;
    let scope = &actor.scope;
    Ok(services.db.read(|tx| {
        let accounts = tx.list_accounts(scope)?;
        let names = officer_names(accounts.iter().map(|a| &a.user));
        let page = page_in(&services.db, tx, scope, &query, today, &names)?;
        let officers = crate::workflow::lifecycle::officers_among(accounts)
            .into_iter()
            .map(|u| OfficerRef {
                id: u.id,
                name: u.display_name,
            })
            .collect();
        let panels = tx
            .list_panels(scope)?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        Ok::<_, StoreError>(CaseloadScreen {
            page,
            officers,
            panels,
        })
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn year_groups_follow_the_september_birthday_cut() {
        let today = day(2026, 12, 6);
        // Reception in 2026/27: born 1 Sep 2021 to 31 Aug 2022.
        assert_eq!(
            born_in_year_group(0, today),
            (day(2021, 9, 1), day(2022, 8, 31))
        );
        assert_eq!(year_group(day(2021, 9, 1), today), 0);
        assert_eq!(year_group(day(2021, 8, 31), today), 1);
        // Born March 2015: Reception from September 2019, so Year 7 in 2026/27.
        assert_eq!(year_group(day(2015, 3, 10), today), 7);
        // In July the school year is still the one that began last September.
        assert_eq!(year_group(day(2015, 3, 10), day(2027, 7, 1)), 7);
        assert_eq!(year_group(day(2015, 3, 10), day(2027, 9, 1)), 8);
    }

    #[test]
    fn search_terms_are_read_as_what_they_look_like() {
        assert_eq!(
            classify("u880123426001").ok(),
            Some(CaseSearch::Upn("U880123426001".into()))
        );
        assert!(matches!(
            classify("A880123426001"),
            Err(WorkflowError::Invalid { field: "q", .. })
        ));
        assert_eq!(
            classify("943 476 5919").ok(),
            Some(CaseSearch::NhsNumber("9434765919".into()))
        );
        assert_eq!(
            classify("28/02/2018").ok(),
            Some(CaseSearch::Born(day(2018, 2, 28)))
        );
        assert_eq!(
            classify("0190f3a2-7b").ok(),
            Some(CaseSearch::CaseReference("0190f3a2-7b".into()))
        );
        assert_eq!(
            classify(" Okafor ").ok(),
            Some(CaseSearch::Text("okafor".into()))
        );
    }

    #[test]
    fn bad_parts_of_a_query_are_named() {
        let me = UserId::new();
        let today = day(2026, 12, 6);
        for (params, field) in [
            (
                CaseloadParams {
                    stage: Some("nowhere".into()),
                    ..Default::default()
                },
                "stage",
            ),
            (
                CaseloadParams {
                    due: Some("soon".into()),
                    ..Default::default()
                },
                "due",
            ),
            (
                CaseloadParams {
                    year_group: Some("15".into()),
                    ..Default::default()
                },
                "year_group",
            ),
            (
                CaseloadParams {
                    per_page: Some("0".into()),
                    ..Default::default()
                },
                "per_page",
            ),
            (
                CaseloadParams {
                    after: Some("x".into()),
                    ..Default::default()
                },
                "after",
            ),
            (
                CaseloadParams {
                    officer: Some("bob".into()),
                    ..Default::default()
                },
                "officer",
            ),
        ] {
            match params.parse(me, today) {
                Err(WorkflowError::Invalid { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        let mine = CaseloadParams {
            officer: Some("me".into()),
            ..Default::default()
        };
        assert_eq!(
            mine.parse(me, today).map(|q| q.filter.officer).ok(),
            Some(OfficerFilter::Officer(me))
        );
    }
}
