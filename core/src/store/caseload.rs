//! The caseload as a searchable, filterable list paged by keyset, the officer a case is
//! allocated to, and how a case closed: the queries behind a caseworker's home page at
//! 20,000 open cases.
//!
//! Paging is by keyset on `(cases.next_due_on, cases.id)`, never by offset: a page reads
//! only the rows after the last one shown through the `cases_by_due` (or, for one
//! officer, `cases_by_officer`) index, so the hundredth page costs what the first does,
//! and a case inserted while someone pages appears in its place without shifting the
//! rows they have not reached yet.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::cases::nothing_due;
use super::rows::{not_found, parse};
use super::schema::{agenda_items, cases, children, deadlines, requests, sittings};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{
    CaseId, CaseStage, ChildId, ClosedReason, Deadline, DeadlineStatus, PanelId, SettingType,
    UserId,
};

/// Which cases a caseload query matches. Every part is optional; together they narrow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// What was typed into the search box, already classified.
    pub search: Option<CaseSearch>,
    /// One stage; `None` for every open stage.
    pub stage: Option<CaseStage>,
    /// Whose cases.
    pub officer: OfficerFilter,
    /// Cases on the agenda of a sitting of this panel, not yet decided there.
    pub panel: Option<PanelId>,
    /// The setting type the request named.
    pub setting: Option<SettingType>,
    /// Cases whose soonest open limit falls in this window (inclusive).
    pub due_between: Option<(NaiveDate, NaiveDate)>,
    /// Children born in this window (inclusive): a national curriculum year group.
    pub born_between: Option<(NaiveDate, NaiveDate)>,
}

/// What a search term is taken to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseSearch {
    /// A UPN, exactly.
    Upn(String),
    /// An NHS number, exactly (ten digits).
    NhsNumber(String),
    /// A date of birth.
    Born(NaiveDate),
    /// The start of a case's id (its reference), lower-case.
    CaseReference(String),
    /// Part of a name (lower-case), or an authority or imported reference exactly.
    Text(String),
    /// A [`CaseSearch::Text`] already resolved to the cases it matches
    /// ([`Tx::cases_matching_text`]), so a page and its count read the children once.
    Among(Vec<CaseId>),
}

/// Whose cases a query lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OfficerFilter {
    /// Everyone's.
    #[default]
    Anyone,
    /// Cases no officer is allocated to.
    Unallocated,
    /// One officer's.
    Officer(UserId),
}

/// One case as the caseload lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseloadRow {
    /// The case.
    pub case_id: CaseId,
    /// The child.
    pub child_id: ChildId,
    /// "Given Family".
    pub child_name: String,
    /// The child's date of birth.
    pub date_of_birth: NaiveDate,
    /// Where it stands.
    pub stage: CaseStage,
    /// The day the request was received.
    pub received_on: NaiveDate,
    /// The soonest open limit's day; `None` when nothing is due.
    pub next_due_on: Option<NaiveDate>,
    /// The allocated officer.
    pub officer_id: Option<UserId>,
    /// The setting type the request named.
    pub setting: SettingType,
}

/// A position in the caseload's order: the page after it starts with the next row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseCursor {
    /// The soonest open limit's day of the last row shown (`9999-12-31` for none).
    pub due: NaiveDate,
    /// The last row's case.
    pub case: CaseId,
}

/// One officer's open cases, as the team view counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficerLoad {
    /// The officer; `None` for the unallocated cases.
    pub officer: Option<UserId>,
    /// Open cases.
    pub open: usize,
    /// Of those, with a limit already past.
    pub overdue: usize,
    /// Of those, with a limit due within the window given (and not past).
    pub due_soon: usize,
}

const CLOSED_STAGES: [&str; 2] = ["ceased", "closed"];

#[derive(Queryable)]
struct RowTuple {
    id: String,
    child_id: String,
    given_name: String,
    family_name: String,
    date_of_birth: NaiveDate,
    stage: String,
    received_on: NaiveDate,
    next_due_on: NaiveDate,
    officer_id: Option<String>,
    setting_type: String,
}

impl TryFrom<RowTuple> for CaseloadRow {
    type Error = StoreError;
    fn try_from(row: RowTuple) -> Result<Self, StoreError> {
        Ok(Self {
            case_id: parse("cases.id", &row.id)?,
            child_id: parse("cases.child_id", &row.child_id)?,
            child_name: format!("{} {}", row.given_name, row.family_name),
            date_of_birth: row.date_of_birth,
            stage: parse("cases.stage", &row.stage)?,
            received_on: row.received_on,
            next_due_on: (row.next_due_on != nothing_due()).then_some(row.next_due_on),
            officer_id: row
                .officer_id
                .as_deref()
                .map(|id| parse("cases.officer_id", id))
                .transpose()?,
            setting: parse("requests.setting_type", &row.setting_type)?,
        })
    }
}

/// Every part of `$filter` added to `$query`, a boxed query over `cases` (joined to
/// its child and request, or not): one place for the page and its count. Each
/// condition is on the case itself, the child's and the request's through subqueries
/// on their ids, so the count reads the cases table and its indexes alone, and a name
/// search starts from the children whose name matches rather than walking every case.
macro_rules! case_filters {
    ($query:expr, $authority:expr, $filter:expr) => {{
        let mut query = $query;
        let authority: String = $authority;
        let filter: &CaseFilter = $filter;
        query = match filter.stage {
            Some(stage) => query.filter(cases::stage.eq(stage.to_string())),
            None => query.filter(cases::stage.ne_all(CLOSED_STAGES)),
        };
        query = match filter.officer {
            OfficerFilter::Anyone => query,
            OfficerFilter::Unallocated => query.filter(cases::officer_id.is_null()),
            OfficerFilter::Officer(officer) => {
                query.filter(cases::officer_id.eq(officer.to_string()))
            }
        };
        if let Some((from, to)) = filter.due_between {
            query = query.filter(cases::next_due_on.between(from, to));
        }
        if let Some(panel) = filter.panel {
            let on_agenda = agenda_items::table
                .inner_join(sittings::table.on(sittings::id.eq(agenda_items::sitting_id)))
                .filter(agenda_items::authority_id.eq(authority.clone()))
                .filter(sittings::panel_id.eq(panel.to_string()))
                .filter(agenda_items::status.eq("pending"))
                .select(agenda_items::case_id);
            query = query.filter(cases::id.eq_any(on_agenda));
        }
        let the_children = diesel::alias!(children as the_children);
        let children_here = the_children.filter(
            the_children
                .field(children::authority_id)
                .eq(authority.clone()),
        );
        let child_id = the_children.field(children::id);
        if let Some(setting) = filter.setting {
            let the_requests = diesel::alias!(requests as the_requests);
            let requested = the_requests
                .filter(
                    the_requests
                        .field(requests::authority_id)
                        .eq(authority.clone()),
                )
                .filter(
                    the_requests
                        .field(requests::setting_type)
                        .eq(setting.to_string()),
                )
                .select(the_requests.field(requests::id));
            query = query.filter(cases::request_id.eq_any(requested));
        }
        if let Some((from, to)) = filter.born_between {
            let born = children_here
                .clone()
                .filter(
                    the_children
                        .field(children::date_of_birth)
                        .between(from, to),
                )
                .select(child_id);
            query = query.filter(cases::child_id.eq_any(born));
        }
        match &filter.search {
            None => {}
            Some(CaseSearch::Upn(upn)) => {
                let found = children_here
                    .filter(the_children.field(children::upn).eq(upn.clone()))
                    .select(child_id);
                query = query.filter(cases::child_id.eq_any(found));
            }
            Some(CaseSearch::NhsNumber(nhs)) => {
                let found = children_here
                    .filter(the_children.field(children::nhs_number).eq(nhs.clone()))
                    .select(child_id);
                query = query.filter(cases::child_id.eq_any(found));
            }
            Some(CaseSearch::Born(day)) => {
                let found = children_here
                    .filter(the_children.field(children::date_of_birth).eq(*day))
                    .select(child_id);
                query = query.filter(cases::child_id.eq_any(found));
            }
            Some(CaseSearch::Among(ids)) => {
                let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
                query = query.filter(cases::id.eq_any(ids));
            }
            Some(CaseSearch::CaseReference(prefix)) => {
                query = query.filter(cases::id.like(format!("{}%", escape_like(prefix))))
            }
            Some(CaseSearch::Text(text)) => {
                // The cases of the children whose name (or reference) holds the text,
                // and the case imported under it, as one list of case ids: both
                // databases then fetch those few cases by id, where an OR of the two
                // had them read every case (13 ms to 5 ms on PostgreSQL at 20,000).
                let named = children_here
                    .filter(
                        the_children
                            .field(children::search_name)
                            .like(format!("%{}%", escape_like(text)))
                            .escape('\\')
                            .or(the_children
                                .field(children::authority_reference)
                                .eq(text.to_uppercase())),
                    )
                    .select(child_id);
                let the_cases = diesel::alias!(cases as the_cases);
                let by_name = the_cases
                    .filter(the_cases.field(cases::authority_id).eq(authority.clone()))
                    .filter(the_cases.field(cases::child_id).eq_any(named))
                    .select(the_cases.field(cases::id));
                let by_reference = the_cases
                    .filter(the_cases.field(cases::authority_id).eq(authority.clone()))
                    .filter(the_cases.field(cases::external_reference).eq(text.clone()))
                    .select(the_cases.field(cases::id));
                query = query.filter(cases::id.eq_any(by_name.union_all(by_reference)));
            }
        }
        query
    }};
}

/// On SQLite, the ids of at most `limit` of the authority's cases whose child's name
/// holds `text` (three characters or more) or whose reference it is: the name through
/// the FTS5 trigram index, matched as one quoted phrase so no character of `text` is
/// read as FTS5 syntax.
fn cases_named_through_trigrams(
    conn: &mut diesel::SqliteConnection,
    authority: &str,
    text: &str,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    use diesel::sql_types::{BigInt, Text};
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = Text)]
        id: String,
    }
    let phrase = format!("\"{}\"", text.replace('"', "\"\""));
    Ok(diesel::sql_query(
        "SELECT cases.id AS id FROM cases \
         WHERE cases.authority_id = ?1 AND cases.child_id IN ( \
             SELECT child_id FROM children_name_trigrams \
             WHERE children_name_trigrams MATCH ?2 AND authority_id = ?1 \
             UNION ALL \
             SELECT id FROM children WHERE authority_id = ?1 AND authority_reference = ?3) \
         LIMIT ?4",
    )
    .bind::<Text, _>(authority)
    .bind::<Text, _>(phrase)
    .bind::<Text, _>(text.to_uppercase())
    .bind::<BigInt, _>(limit)
    .load::<Found>(conn)?
    .into_iter()
    .map(|found| found.id)
    .collect())
}

/// `text` with LIKE's wildcards taken literally.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl Tx<'_> {
    /// One page of the scope's cases matching `filter`, in the caseload's order (the
    /// soonest open limit first, then by case), starting after `after`; `limit` rows at
    /// most.
    pub fn search_cases(
        &mut self,
        scope: &AuthorityScope,
        filter: &CaseFilter,
        after: Option<CaseCursor>,
        limit: i64,
    ) -> Result<Vec<CaseloadRow>, StoreError> {
        let authority = scope.authority().to_string();
        let joined = cases::table
            .inner_join(
                children::table.on(children::id
                    .eq(cases::child_id)
                    .and(children::authority_id.eq(cases::authority_id))),
            )
            .inner_join(
                requests::table.on(requests::id
                    .eq(cases::request_id)
                    .and(requests::authority_id.eq(cases::authority_id))),
            )
            .filter(cases::authority_id.eq(authority.clone()))
            .into_boxed();
        let mut query = case_filters!(joined, authority, filter);
        if let Some(after) = after {
            let id = after.case.to_string();
            // `(due, id) > (after.due, after.case)`, with the bound on the due day
            // alone first so both databases seek the index to it: without it
            // PostgreSQL read the index from the start, filtering (2.1 ms to 0.04 ms
            // a hundred pages in).
            query = query
                .filter(cases::next_due_on.ge(after.due))
                .filter(cases::next_due_on.gt(after.due).or(cases::id.gt(id)));
        }
        query
            .order((cases::next_due_on, cases::id))
            .limit(limit)
            .select((
                cases::id,
                cases::child_id,
                children::given_name,
                children::family_name,
                children::date_of_birth,
                cases::stage,
                requests::received_on,
                cases::next_due_on,
                cases::officer_id,
                requests::setting_type,
            ))
            .load::<RowTuple>(self.conn)?
            .into_iter()
            .map(CaseloadRow::try_from)
            .collect()
    }

    /// The cases (at any stage) of the children whose name holds `text` or whose
    /// reference it is, and the case imported under it: at most `limit` of the first
    /// (each read by the child's index, not as an OR that reads every case).
    pub fn cases_matching_text(
        &mut self,
        scope: &AuthorityScope,
        text: &str,
        limit: i64,
    ) -> Result<Vec<CaseId>, StoreError> {
        let authority = scope.authority().to_string();
        let mut ids = match &mut *self.conn {
            // Three characters or more: through the FTS5 trigram index (migration
            // 2026-12-07-000013), 3 to 4 ms to under 1 ms at 20,000 children. Fewer
            // make no trigram, and walk the names as PostgreSQL's query does.
            super::connection::AnyConnection::Sqlite(lite) if text.chars().count() >= 3 => {
                cases_named_through_trigrams(lite, &authority, text, limit)?
            }
            conn => {
                let named = children::table
                    .filter(children::authority_id.eq(authority.clone()))
                    .filter(
                        children::search_name
                            .like(format!("%{}%", escape_like(text)))
                            .escape('\\')
                            .or(children::authority_reference.eq(text.to_uppercase())),
                    )
                    .select(children::id);
                cases::table
                    .filter(cases::authority_id.eq(authority.clone()))
                    .filter(cases::child_id.eq_any(named))
                    .select(cases::id)
                    .limit(limit)
                    .load(conn)?
            }
        };
        let imported: Option<String> = cases::table
            .filter(cases::authority_id.eq(authority))
            .filter(cases::external_reference.eq(text))
            .select(cases::id)
            .first(self.conn)
            .optional()?;
        ids.extend(imported.filter(|id| !ids.contains(id)));
        ids.iter().map(|id| parse("cases.id", id)).collect()
    }

    /// How many of the scope's cases match `filter`, from the cases table and its
    /// indexes alone: the count a caseworker sees on every page must not cost a join
    /// of the whole caseload to its children and requests.
    pub fn count_cases(
        &mut self,
        scope: &AuthorityScope,
        filter: &CaseFilter,
    ) -> Result<i64, StoreError> {
        let authority = scope.authority().to_string();
        let query = cases::table
            .filter(cases::authority_id.eq(authority.clone()))
            .into_boxed();
        let query = case_filters!(query, authority, filter);
        Ok(query.select(diesel::dsl::count_star()).first(self.conn)?)
    }

    /// The open deadlines of these cases, soonest first: what each row of a caseload
    /// page says is due next.
    pub fn open_deadlines_of(
        &mut self,
        scope: &AuthorityScope,
        cases: &[CaseId],
    ) -> Result<Vec<Deadline>, StoreError> {
        let ids: Vec<String> = cases.iter().map(ToString::to_string).collect();
        let mut found = Vec::new();
        // By case only, with the status checked here: given `status = 'open'` as well,
        // SQLite without statistics walks every open deadline of the authority by the
        // (authority, status, due) index to find fifty cases' (19 ms at 20,000 cases
        // instead of 0.3 ms).
        for ids in ids.chunks(500) {
            for row in deadlines::table
                .filter(deadlines::authority_id.eq(scope.authority().as_str()))
                .filter(deadlines::case_id.eq_any(ids))
                .select(super::records::DeadlineRow::as_select())
                .load(self.conn)?
            {
                let deadline = Deadline::try_from(row)?;
                if deadline.status == DeadlineStatus::Open {
                    found.push(deadline);
                }
            }
        }
        found.sort_by_key(|d| (d.due_on, d.id));
        Ok(found)
    }

    /// Every open case's officer and soonest limit: the team view counts them per
    /// officer. Two small columns a case, so 20,000 cases are read in one go.
    pub fn officer_loads(
        &mut self,
        scope: &AuthorityScope,
        today: NaiveDate,
        due_by: NaiveDate,
    ) -> Result<Vec<OfficerLoad>, StoreError> {
        let rows: Vec<(Option<String>, NaiveDate)> = cases::table
            .filter(cases::authority_id.eq(scope.authority().as_str()))
            .filter(cases::stage.ne_all(CLOSED_STAGES))
            .select((cases::officer_id, cases::next_due_on))
            .load(self.conn)?;
        let mut loads: std::collections::BTreeMap<Option<String>, OfficerLoad> =
            std::collections::BTreeMap::new();
        for (officer, due) in rows {
            let entry = loads.entry(officer.clone()).or_insert(OfficerLoad {
                officer: officer
                    .as_deref()
                    .map(|id| parse("cases.officer_id", id))
                    .transpose()?,
                open: 0,
                overdue: 0,
                due_soon: 0,
            });
            entry.open += 1;
            if due < today {
                entry.overdue += 1;
            } else if due <= due_by {
                entry.due_soon += 1;
            }
        }
        Ok(loads.into_values().collect())
    }

    /// Allocates a case to `officer` (or leaves it unallocated). The caller has taken
    /// the case ([`Tx::lock_case`]) and records the `CaseAllocated` event with it.
    pub fn set_case_officer(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
        officer: Option<UserId>,
    ) -> Result<(), StoreError> {
        let updated = diesel::update(
            cases::table
                .filter(cases::authority_id.eq(scope.authority().as_str()))
                .filter(cases::id.eq(case.to_string())),
        )
        .set(cases::officer_id.eq(officer.map(|o| o.to_string())))
        .execute(self.conn)?;
        if updated == 0 {
            return Err(not_found("case", case));
        }
        Ok(())
    }

    /// Records how a case closed (or clears it, when the case reopens). The stage is
    /// moved by the workflow's record of the fact, in the same transaction.
    pub fn set_case_closure(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
        closure: Option<(NaiveDate, ClosedReason, Option<CaseStage>)>,
    ) -> Result<(), StoreError> {
        let (on, reason, reopens) = match closure {
            Some((on, reason, reopens)) => (
                Some(on),
                Some(reason.to_string()),
                reopens.map(|s| s.to_string()),
            ),
            None => (None, None, None),
        };
        let updated = diesel::update(
            cases::table
                .filter(cases::authority_id.eq(scope.authority().as_str()))
                .filter(cases::id.eq(case.to_string())),
        )
        .set((
            cases::closed_on.eq(on),
            cases::closed_reason.eq(reason),
            cases::reopen_stage.eq(reopens),
        ))
        .execute(self.conn)?;
        if updated == 0 {
            return Err(not_found("case", case));
        }
        Ok(())
    }

    /// The scope's cases at one of `stages`: what the closing job walks.
    pub fn cases_at(
        &mut self,
        scope: &AuthorityScope,
        stages: &[CaseStage],
    ) -> Result<Vec<CaseId>, StoreError> {
        let stages: Vec<String> = stages.iter().map(ToString::to_string).collect();
        cases::table
            .filter(cases::authority_id.eq(scope.authority().as_str()))
            .filter(cases::stage.eq_any(stages))
            .order(cases::id)
            .select(cases::id)
            .load::<String>(self.conn)?
            .iter()
            .map(|id| parse("cases.id", id))
            .collect()
    }

    /// The scope's cases for one child, oldest first.
    pub fn cases_of_child(
        &mut self,
        scope: &AuthorityScope,
        child: ChildId,
    ) -> Result<Vec<CaseId>, StoreError> {
        cases::table
            .filter(cases::authority_id.eq(scope.authority().as_str()))
            .filter(cases::child_id.eq(child.to_string()))
            .order(cases::id)
            .select(cases::id)
            .load::<String>(self.conn)?
            .iter()
            .map(|id| parse("cases.id", id))
            .collect()
    }
}
