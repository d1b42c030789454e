//! Children, their requests for assessment, and the cases those requests open.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::authorities::parse_authority;
use super::rows::{from_db_time, not_found, parse, to_db_time};
use super::schema::{cases, children, requests};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{
    AssessmentRequest, Case, CaseId, CaseStage, Child, ChildId, NhsNumber, PersonName, RequestId,
    Upn,
};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = children)]
struct ChildRow {
    id: String,
    authority_id: String,
    given_name: String,
    family_name: String,
    date_of_birth: NaiveDate,
    upn: String,
    nhs_number: Option<String>,
    created_at: NaiveDateTime,
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
            upn: Upn::parse(&row.upn).map_err(corrupt("children.upn"))?,
            nhs_number: row
                .nhs_number
                .as_deref()
                .map(NhsNumber::parse)
                .transpose()
                .map_err(corrupt("children.nhs_number"))?,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = requests)]
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
struct CaseRow {
    id: String,
    authority_id: String,
    child_id: String,
    request_id: String,
    stage: String,
    opened_at: NaiveDateTime,
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
        })
    }
}

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
            .values(ChildRow {
                id: child.id.to_string(),
                authority_id: child.authority_id.to_string(),
                given_name: child.given_name.to_string(),
                family_name: child.family_name.to_string(),
                date_of_birth: child.date_of_birth,
                upn: child.upn.to_string(),
                nhs_number: child.nhs_number.as_ref().map(|n| n.as_str().to_owned()),
                created_at: to_db_time(at),
            })
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
            .values(RequestRow {
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
            })
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
            .values(CaseRow {
                id: case.id.to_string(),
                authority_id: case.authority_id.to_string(),
                child_id: case.child_id.to_string(),
                request_id: case.request_id.to_string(),
                stage: case.stage.to_string(),
                opened_at: to_db_time(case.opened_at),
            })
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
    /// waits for the first to commit and then reads what it wrote. On SQLite (one
    /// writer at a time) the row is written to itself, which takes the database's
    /// write lock at the start of the transaction, before anything is read.
    pub fn lock_case(&mut self, scope: &AuthorityScope, id: CaseId) -> Result<Case, StoreError> {
        if let super::connection::AnyConnection::Postgres(pg) = &mut *self.conn {
            use diesel::sql_types::Text;
            return diesel::sql_query(
                "SELECT id, authority_id, child_id, request_id, stage, opened_at \
                 FROM cases WHERE authority_id = $1 AND id = $2 FOR UPDATE",
            )
            .bind::<Text, _>(scope.authority().as_str())
            .bind::<Text, _>(id.to_string())
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
}
