//! The access log: one row per read of a child's record, appended and listed, never
//! changed (the database's triggers refuse UPDATE, DELETE and TRUNCATE).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::authorities::parse_authority;
use super::cases::insert_all;
use super::rows::{from_db_time, parse, to_db_time};
use super::schema::access_log;
use super::{AuthorityScope, StoreError, Tx};
use crate::access::{AccessFilter, AccessRecord};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = access_log)]
#[diesel(treat_none_as_default_value = false)]
struct AccessRow {
    id: String,
    authority_id: String,
    user_id: String,
    role: String,
    case_id: String,
    child_id: String,
    what: String,
    route: String,
    read_at: NaiveDateTime,
}

impl AccessRow {
    fn new(record: &AccessRecord) -> Self {
        Self {
            id: record.id.to_string(),
            authority_id: record.authority_id.to_string(),
            user_id: record.user_id.to_string(),
            role: record.role.to_string(),
            case_id: record.case_id.to_string(),
            child_id: record.child_id.to_string(),
            what: record.what.to_string(),
            route: record.route.clone(),
            read_at: to_db_time(record.read_at),
        }
    }
}

impl TryFrom<AccessRow> for AccessRecord {
    type Error = StoreError;
    fn try_from(row: AccessRow) -> Result<Self, StoreError> {
        Ok(AccessRecord {
            id: parse("access_log.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            user_id: parse("access_log.user_id", &row.user_id)?,
            role: parse("access_log.role", &row.role)?,
            case_id: parse("access_log.case_id", &row.case_id)?,
            child_id: parse("access_log.child_id", &row.child_id)?,
            what: parse("access_log.what", &row.what)?,
            route: row.route,
            read_at: from_db_time(row.read_at),
        })
    }
}

/// The scope's access log narrowed by `filter`, as a boxed query both the count and the
/// page share, so they can never disagree on which rows match.
macro_rules! filtered {
    ($scope:expr, $filter:expr) => {{
        let mut query = access_log::table
            .filter(access_log::authority_id.eq($scope.authority().to_string()))
            .into_boxed();
        if let Some(child) = $filter.child {
            query = query.filter(access_log::child_id.eq(child.to_string()));
        }
        if let Some(user) = $filter.user {
            query = query.filter(access_log::user_id.eq(user.to_string()));
        }
        query
    }};
}

impl Tx<'_> {
    /// Appends many reads at once (an export's), a thousand rows a statement.
    pub fn insert_accesses(
        &mut self,
        scope: &AuthorityScope,
        records: &[AccessRecord],
    ) -> Result<(), StoreError> {
        for chunk in records.chunks(1000) {
            let mut rows = Vec::with_capacity(chunk.len());
            for record in chunk {
                scope.admit("access record", &record.authority_id)?;
                rows.push(AccessRow::new(record));
            }
            insert_all!(self.conn, access_log::table, rows);
        }
        Ok(())
    }

    /// Appends one read of a child's record.
    pub fn insert_access(
        &mut self,
        scope: &AuthorityScope,
        record: &AccessRecord,
    ) -> Result<(), StoreError> {
        scope.admit("access record", &record.authority_id)?;
        diesel::insert_into(access_log::table)
            .values(AccessRow::new(record))
            .execute(self.conn)?;
        Ok(())
    }

    /// The scope's access records matching `filter`, newest first, `limit` of them
    /// after skipping `offset`: an auditor pages through them.
    pub fn list_access(
        &mut self,
        scope: &AuthorityScope,
        filter: &AccessFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AccessRecord>, StoreError> {
        filtered!(scope, filter)
            .order((access_log::read_at.desc(), access_log::id.desc()))
            .limit(limit)
            .offset(offset)
            .select(AccessRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(AccessRecord::try_from)
            .collect()
    }

    /// How many of the scope's access records match `filter`.
    pub fn count_access(
        &mut self,
        scope: &AuthorityScope,
        filter: &AccessFilter,
    ) -> Result<i64, StoreError> {
        Ok(filtered!(scope, filter).count().get_result(self.conn)?)
    }
}
