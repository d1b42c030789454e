//! Children, their requests for assessment, and the cases those requests open.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::authorities::parse_authority;
use super::rows::{from_db_time, not_found, parse, to_db_time};
use super::schema::{cases, children, requests};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{
    AssessmentRequest, AuthorityReference, Case, CaseId, CaseStage, Child, ChildId, Closure,
    EthnicityCode, NhsNumber, PersonName, Postcode, RequestId, Upn,
};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = children)]
#[diesel(treat_none_as_default_value = false)]
struct ChildRow {
    id: String,
    authority_id: String,
    given_name: String,
    family_name: String,
    date_of_birth: NaiveDate,
    upn: Option<String>,
    nhs_number: Option<String>,
    created_at: NaiveDateTime,
    authority_reference: Option<String>,
    sex: Option<String>,
    ethnicity: Option<String>,
    postcode: Option<String>,
    search_name: String,
}

impl ChildRow {
    fn new(child: &Child, created_at: NaiveDateTime) -> Self {
        Self {
            id: child.id.to_string(),
            authority_id: child.authority_id.to_string(),
            given_name: child.given_name.to_string(),
            family_name: child.family_name.to_string(),
            date_of_birth: child.date_of_birth,
            upn: child.upn.as_ref().map(|u| u.to_string()),
            nhs_number: child.nhs_number.as_ref().map(|n| n.as_str().to_owned()),
            created_at,
            authority_reference: child.authority_reference.as_ref().map(|r| r.to_string()),
            sex: child.sex.map(|s| s.to_string()),
            ethnicity: child.ethnicity.as_ref().map(|e| e.as_str().to_owned()),
            postcode: child.postcode.as_ref().map(|p| p.as_str().to_owned()),
            search_name: search_name(child),
        }
    }
}

/// The lower-cased "given family" the caseload's name search matches against.
pub(super) fn search_name(child: &Child) -> String {
    child.full_name().to_lowercase()
}

fn corrupt(column: &'static str) -> impl Fn(crate::domain::DomainError) -> StoreError {
    move |e| StoreError::Corrupt {
        column,
        detail: e.to_string(),
    }
}

impl TryFrom<ChildRow> for Child {
    type Error = StoreError;
    fn try_from(row: ChildRow) -> Result<Self, StoreError> {
        Ok(Child {
            id: parse("children.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            given_name: PersonName::parse("given_name", &row.given_name)
                .map_err(corrupt("children.given_name"))?,
            family_name: PersonName::parse("family_name", &row.family_name)
                .map_err(corrupt("children.family_name"))?,
            date_of_birth: row.date_of_birth,
            upn: row
                .upn
                .as_deref()
                .map(Upn::parse)
                .transpose()
                .map_err(corrupt("children.upn"))?,
            nhs_number: row
                .nhs_number
                .as_deref()
                .map(NhsNumber::parse)
                .transpose()
                .map_err(corrupt("children.nhs_number"))?,
            authority_reference: row
                .authority_reference
                .as_deref()
                .map(AuthorityReference::parse)
                .transpose()
                .map_err(corrupt("children.authority_reference"))?,
            sex: row
                .sex
                .as_deref()
                .map(|s| parse("children.sex", s))
                .transpose()?,
            ethnicity: row
                .ethnicity
                .as_deref()
                .map(EthnicityCode::parse)
                .transpose()
                .map_err(corrupt("children.ethnicity"))?,
            postcode: row
                .postcode
                .as_deref()
                .map(Postcode::parse)
                .transpose()
                .map_err(corrupt("children.postcode"))?,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = requests)]
#[diesel(treat_none_as_default_value = false)]
struct RequestRow {
    id: String,
    authority_id: String,
    child_id: String,
    received_on: NaiveDate,
    requested_by: String,
    requester: String,
    setting_type: String,
    primary_need: String,
    summary: String,
    logged_at: NaiveDateTime,
    contact_email: Option<String>,
}

impl RequestRow {
    fn new(request: &AssessmentRequest) -> Self {
        Self {
            id: request.id.to_string(),
            authority_id: request.authority_id.to_string(),
            child_id: request.child_id.to_string(),
            received_on: request.received_on,
            requested_by: request.requested_by.to_string(),
            requester: request.requester.clone(),
            setting_type: request.setting_type.to_string(),
            primary_need: request.primary_need.to_string(),
            summary: request.summary.clone(),
            logged_at: to_db_time(request.logged_at),
            contact_email: request
                .contact_email
                .as_ref()
                .map(|e| e.as_str().to_owned()),
        }
    }
}

impl TryFrom<RequestRow> for AssessmentRequest {
    type Error = StoreError;
    fn try_from(row: RequestRow) -> Result<Self, StoreError> {
        Ok(AssessmentRequest {
            id: parse("requests.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            child_id: parse("requests.child_id", &row.child_id)?,
            received_on: row.received_on,
            requested_by: parse("requests.requested_by", &row.requested_by)?,
            requester: row.requester,
            setting_type: parse("requests.setting_type", &row.setting_type)?,
            primary_need: parse("requests.primary_need", &row.primary_need)?,
            summary: row.summary,
            logged_at: from_db_time(row.logged_at),
            contact_email: row
                .contact_email
                .as_deref()
                .map(|v| {
                    crate::domain::Email::parse(v).map_err(|e| StoreError::Corrupt {
                        column: "requests.contact_email",
                        detail: e.to_string(),
                    })
                })
                .transpose()?,
        })
    }
}

#[derive(Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = cases)]
#[diesel(treat_none_as_default_value = false)]
struct CaseRow {
    id: String,
    authority_id: String,
    child_id: String,
    request_id: String,
    stage: String,
    opened_at: NaiveDateTime,
    officer_id: Option<String>,
    next_due_on: NaiveDate,
    closed_on: Option<NaiveDate>,
    closed_reason: Option<String>,
    reopen_stage: Option<String>,
    external_reference: Option<String>,
    setting_name: Option<String>,
}

/// `cases.next_due_on` when no deadline is open: the far end of the caseload's order,
/// so the caseload pages on one non-null key.
pub(crate) fn nothing_due() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

impl CaseRow {
    fn new(case: &Case, next_due_on: Option<NaiveDate>) -> Self {
        Self {
            id: case.id.to_string(),
            authority_id: case.authority_id.to_string(),
            child_id: case.child_id.to_string(),
            request_id: case.request_id.to_string(),
            stage: case.stage.to_string(),
            opened_at: to_db_time(case.opened_at),
            officer_id: case.officer_id.map(|id| id.to_string()),
            next_due_on: next_due_on.unwrap_or_else(nothing_due),
            closed_on: case.closure.as_ref().map(|c| c.on),
            closed_reason: case.closure.as_ref().map(|c| c.reason.to_string()),
            reopen_stage: case
                .closure
                .as_ref()
                .and_then(|c| c.reopens_to)
                .map(|s| s.to_string()),
            external_reference: case.external_reference.clone(),
            setting_name: case.setting_name.clone(),
        }
    }
}

impl TryFrom<CaseRow> for Case {
    type Error = StoreError;
    fn try_from(row: CaseRow) -> Result<Self, StoreError> {
        Ok(Case {
            id: parse("cases.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            child_id: parse("cases.child_id", &row.child_id)?,
            request_id: parse("cases.request_id", &row.request_id)?,
            stage: parse("cases.stage", &row.stage)?,
            opened_at: from_db_time(row.opened_at),
            officer_id: row
                .officer_id
                .as_deref()
                .map(|id| parse("cases.officer_id", id))
                .transpose()?,
            closure: match (row.closed_on, row.closed_reason.as_deref()) {
                (Some(on), Some(reason)) => Some(Closure {
                    on,
                    reason: parse("cases.closed_reason", reason)?,
                    reopens_to: row
                        .reopen_stage
                        .as_deref()
                        .map(|s| parse("cases.reopen_stage", s))
                        .transpose()?,
                }),
                _ => None,
            },
            external_reference: row.external_reference,
            setting_name: row.setting_name,
        })
    }
}

/// Inserts `rows` into `table`: on PostgreSQL in one multi-row statement (one round
/// trip for a thousand rows), on SQLite one row at a time, which in one transaction on
/// an embedded database costs no round trips (and diesel's SQLite has no multi-row
/// insert for rows with optional columns).
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        if !rows.is_empty() {
            match &mut *$conn {
                super::connection::AnyConnection::Postgres(pg) => {
                    diesel::insert_into($table).values(&rows).execute(pg)?;
                }
                super::connection::AnyConnection::Sqlite(lite) => {
                    for row in &rows {
                        diesel::insert_into($table).values(row).execute(lite)?;
                    }
                }
            }
        }
    }};
}

pub(super) use insert_all;

impl Tx<'_> {
    /// Records a child known to the scope's authority.
    pub fn insert_child(
        &mut self,
        scope: &AuthorityScope,
        child: &Child,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        scope.admit("child", &child.authority_id)?;
        diesel::insert_into(children::table)
            .values(ChildRow::new(child, to_db_time(at)))
            .execute(self.conn)?;
        Ok(())
    }

    /// The scope's child with this UPN, if known: a second request for the same child
    /// reuses the record rather than duplicating it.
    pub fn find_child_by_upn(
        &mut self,
        scope: &AuthorityScope,
        upn: &crate::domain::Upn,
    ) -> Result<Option<Child>, StoreError> {
        children::table
            .filter(children::authority_id.eq(scope.authority().as_str()))
            .filter(children::upn.eq(upn.as_str()))
            .select(ChildRow::as_select())
            .first(self.conn)
            .optional()?
            .map(Child::try_from)
            .transpose()
    }

    /// The scope's child with this authority reference, if known.
    pub fn find_child_by_reference(
        &mut self,
        scope: &AuthorityScope,
        reference: &AuthorityReference,
    ) -> Result<Option<Child>, StoreError> {
        children::table
            .filter(children::authority_id.eq(scope.authority().as_str()))
            .filter(children::authority_reference.eq(reference.as_str()))
            .select(ChildRow::as_select())
            .first(self.conn)
            .optional()?
            .map(Child::try_from)
            .transpose()
    }

    /// The scope's children with this name (ignoring case) and date of birth: the
    /// possible duplicates a caseworker sees before a new child is recorded.
    pub fn find_children_by_name_and_birth(
        &mut self,
        scope: &AuthorityScope,
        given_name: &PersonName,
        family_name: &PersonName,
        date_of_birth: NaiveDate,
    ) -> Result<Vec<Child>, StoreError> {
        let name = format!("{} {}", given_name.as_str(), family_name.as_str()).to_lowercase();
        children::table
            .filter(children::authority_id.eq(scope.authority().as_str()))
            .filter(children::date_of_birth.eq(date_of_birth))
            .filter(children::search_name.eq(name))
            .order(children::id)
            .select(ChildRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Child::try_from)
            .collect()
    }

    /// A child of the scope's authority.
    pub fn get_child(&mut self, scope: &AuthorityScope, id: ChildId) -> Result<Child, StoreError> {
        children::table
            .filter(children::authority_id.eq(scope.authority().as_str()))
            .filter(children::id.eq(id.to_string()))
            .select(ChildRow::as_select())
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("child", id))?
            .try_into()
    }

    /// The scope's children, by family name.
    pub fn list_children(&mut self, scope: &AuthorityScope) -> Result<Vec<Child>, StoreError> {
        children::table
            .filter(children::authority_id.eq(scope.authority().as_str()))
            .order((children::family_name, children::given_name, children::id))
            .select(ChildRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Child::try_from)
            .collect()
    }

    /// Records a request for assessment.
    pub fn insert_request(
        &mut self,
        scope: &AuthorityScope,
        request: &AssessmentRequest,
    ) -> Result<(), StoreError> {
        scope.admit("request", &request.authority_id)?;
        diesel::insert_into(requests::table)
            .values(RequestRow::new(request))
            .execute(self.conn)?;
        Ok(())
    }

    /// A request of the scope's authority.
    pub fn get_request(
        &mut self,
        scope: &AuthorityScope,
        id: RequestId,
    ) -> Result<AssessmentRequest, StoreError> {
        requests::table
            .filter(requests::authority_id.eq(scope.authority().as_str()))
            .filter(requests::id.eq(id.to_string()))
            .select(RequestRow::as_select())
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("request", id))?
            .try_into()
    }

    /// The scope's requests, oldest received first (the order the clock runs out).
    pub fn list_requests(
        &mut self,
        scope: &AuthorityScope,
    ) -> Result<Vec<AssessmentRequest>, StoreError> {
        requests::table
            .filter(requests::authority_id.eq(scope.authority().as_str()))
            .order((requests::received_on, requests::id))
            .select(RequestRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(AssessmentRequest::try_from)
            .collect()
    }

    /// Opens a case.
    pub fn insert_case(&mut self, scope: &AuthorityScope, case: &Case) -> Result<(), StoreError> {
        scope.admit("case", &case.authority_id)?;
        diesel::insert_into(cases::table)
            .values(CaseRow::new(case, None))
            .execute(self.conn)?;
        Ok(())
    }

    /// A case of the scope's authority.
    pub fn get_case(&mut self, scope: &AuthorityScope, id: CaseId) -> Result<Case, StoreError> {
        cases::table
            .filter(cases::authority_id.eq(scope.authority().as_str()))
            .filter(cases::id.eq(id.to_string()))
            .select(CaseRow::as_select())
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("case", id))?
            .try_into()
    }

    /// Takes the case for this transaction and returns it as it stands: no other
    /// writer can change the case until this transaction ends, so a command that checks
    /// the case after this call decides on the state it commits against (one decision
    /// per command). Every case command calls this first.
    ///
    /// On PostgreSQL the row is read `FOR UPDATE`, in one round trip: a second writer
    /// waits for the first to commit and then reads what it wrote. The read is built
    /// with diesel's `for_update`, not written as SQL text, so it is prepared once per
    /// connection: as text it was parsed and planned on every command (53 µs of planning
    /// each in the national benchmark). On SQLite (one writer at a time) the row is
    /// written to itself, which takes the database's write lock at the start of the
    /// transaction, before anything is read.
    pub fn lock_case(&mut self, scope: &AuthorityScope, id: CaseId) -> Result<Case, StoreError> {
        if let super::connection::AnyConnection::Postgres(pg) = &mut *self.conn {
            return cases::table
                .filter(cases::authority_id.eq(scope.authority().as_str()))
                .filter(cases::id.eq(id.to_string()))
                .select(CaseRow::as_select())
                .for_update()
                .get_result::<CaseRow>(pg)
                .optional()?
                .ok_or_else(|| not_found("case", id))?
                .try_into();
        }
        let locked = diesel::update(
            cases::table
                .filter(cases::authority_id.eq(scope.authority().as_str()))
                .filter(cases::id.eq(id.to_string())),
        )
        .set(cases::stage.eq(cases::stage))
        .execute(self.conn)?;
        if locked == 0 {
            return Err(not_found("case", id));
        }
        self.get_case(scope, id)
    }

    /// A case of the scope's authority with its request and child, in one query: what
    /// a case page opens with. Three lookups were three round trips on PostgreSQL.
    pub fn get_case_with_request_and_child(
        &mut self,
        scope: &AuthorityScope,
        id: CaseId,
    ) -> Result<(Case, AssessmentRequest, Child), StoreError> {
        let (case, request, child) = cases::table
            .inner_join(
                requests::table.on(requests::id
                    .eq(cases::request_id)
                    .and(requests::authority_id.eq(cases::authority_id))),
            )
            .inner_join(
                children::table.on(children::id
                    .eq(cases::child_id)
                    .and(children::authority_id.eq(cases::authority_id))),
            )
            .filter(cases::authority_id.eq(scope.authority().as_str()))
            .filter(cases::id.eq(id.to_string()))
            .select((
                CaseRow::as_select(),
                RequestRow::as_select(),
                ChildRow::as_select(),
            ))
            .first::<(CaseRow, RequestRow, ChildRow)>(self.conn)
            .optional()?
            .ok_or_else(|| not_found("case", id))?;
        Ok((case.try_into()?, request.try_into()?, child.try_into()?))
    }

    /// The scope's cases, oldest first.
    pub fn list_cases(&mut self, scope: &AuthorityScope) -> Result<Vec<Case>, StoreError> {
        cases::table
            .filter(cases::authority_id.eq(scope.authority().as_str()))
            .order(cases::id)
            .select(CaseRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Case::try_from)
            .collect()
    }

    /// Moves a case to a stage (the workflow decides when; this only records it).
    pub fn set_case_stage(
        &mut self,
        scope: &AuthorityScope,
        id: CaseId,
        stage: CaseStage,
    ) -> Result<(), StoreError> {
        let updated = diesel::update(
            cases::table
                .filter(cases::authority_id.eq(scope.authority().as_str()))
                .filter(cases::id.eq(id.to_string())),
        )
        .set(cases::stage.eq(stage.to_string()))
        .execute(self.conn)?;
        if updated == 0 {
            return Err(not_found("case", id));
        }
        Ok(())
    }

    /// Keeps `cases.next_due_on` equal to the case's soonest open deadline: the caseload
    /// orders, filters and pages on it without reading every deadline. Called by every
    /// store function that sets or settles a deadline. The case is only noted here;
    /// its soonest deadline is read and written once, when the transaction's work is
    /// done ([`Tx::write_stale_next_due`]), however many deadlines the work changed. A
    /// command that settles one limit and sets the next was two reads and two writes
    /// of the case row; `next_due_on` is in three indexes, so each write was costly.
    pub(crate) fn refresh_next_due(&mut self, scope: &AuthorityScope, case: CaseId) {
        let stale = (scope.authority().clone(), case);
        if !self.next_due_stale.contains(&stale) {
            self.next_due_stale.push(stale);
        }
    }

    /// Writes the soonest open deadline of each case [`Tx::refresh_next_due`] noted,
    /// where it changed: a case whose soonest deadline stayed the same is not written
    /// (a write of the row touches every index that holds `next_due_on`).
    pub(crate) fn write_stale_next_due(&mut self) -> Result<(), StoreError> {
        use super::schema::deadlines;
        for (authority, case) in std::mem::take(&mut self.next_due_stale) {
            let soonest: Option<NaiveDate> = deadlines::table
                .filter(deadlines::authority_id.eq(authority.as_str()))
                .filter(deadlines::case_id.eq(case.to_string()))
                .filter(deadlines::status.eq(crate::domain::DeadlineStatus::Open.to_string()))
                .select(diesel::dsl::min(deadlines::due_on))
                .first(self.conn)?;
            let soonest = soonest.unwrap_or_else(nothing_due);
            diesel::update(
                cases::table
                    .filter(cases::authority_id.eq(authority.as_str()))
                    .filter(cases::id.eq(case.to_string()))
                    .filter(cases::next_due_on.ne(soonest)),
            )
            .set(cases::next_due_on.eq(soonest))
            .execute(self.conn)?;
        }
        Ok(())
    }

    /// Writes many cases at once, each with its request, its child (unless already
    /// recorded) and its deadlines, in a few multi-row statements: what an import of a
    /// council's existing plans (or a load test's seed) writes, thousands at a time.
    /// The events each case needs are the caller's to append, as for one case.
    pub fn insert_cases_in_bulk(
        &mut self,
        scope: &AuthorityScope,
        cases: &[BulkCase],
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        use super::schema::deadlines;
        let created = to_db_time(at);
        for item in cases {
            scope.admit("case", &item.case.authority_id)?;
        }
        // Few enough rows per statement to stay under PostgreSQL's 65,535 parameters.
        for chunk in cases.chunks(1000) {
            let children: Vec<ChildRow> = chunk
                .iter()
                .filter_map(|c| c.new_child.as_ref())
                .map(|child| ChildRow::new(child, created))
                .collect();
            insert_all!(self.conn, children::table, children);
            let requests: Vec<RequestRow> =
                chunk.iter().map(|c| RequestRow::new(&c.request)).collect();
            insert_all!(self.conn, requests::table, requests);
            let rows: Vec<CaseRow> = chunk
                .iter()
                .map(|c| {
                    let soonest = c
                        .deadlines
                        .iter()
                        .filter(|d| d.status == crate::domain::DeadlineStatus::Open)
                        .map(|d| d.due_on)
                        .min();
                    CaseRow::new(&c.case, soonest)
                })
                .collect();
            insert_all!(self.conn, cases::table, rows);
            let limits: Vec<super::records::DeadlineRow> = chunk
                .iter()
                .flat_map(|c| c.deadlines.iter())
                .map(super::records::DeadlineRow::new)
                .collect();
            insert_all!(self.conn, deadlines::table, limits);
        }
        Ok(())
    }
}

/// One case for [`Tx::insert_cases_in_bulk`].
#[derive(Debug, Clone)]
pub struct BulkCase {
    /// The child, when not yet recorded; `None` for a child already in the record.
    pub new_child: Option<Child>,
    /// The request that opened the case.
    pub request: AssessmentRequest,
    /// The case.
    pub case: Case,
    /// Its deadlines.
    pub deadlines: Vec<crate::domain::Deadline>,
}
