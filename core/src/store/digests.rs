//! The daily deadline digest's rows: who wants it (`users.deadline_digest`), the open
//! limits it lists, and `digests_sent`, one row per person, kind and day.
//!
//! A digest is *claimed* by inserting its `digests_sent` row in the transaction that
//! queues its e-mail ([`Tx::claim_digest`]). The row is unique on (user, kind, day):
//! a second run the same day finds it and sends nothing; two runs at once both insert,
//! and the database refuses the second (PostgreSQL makes it wait for the first to
//! commit, then reports the duplicate; SQLite's writers are serialised), whose whole
//! transaction, e-mail included, then rolls back. The same statements run on SQLite
//! and PostgreSQL.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::rows::{not_found, parse, to_db_time};
use super::schema::{cases, children, deadlines, digests_sent, users};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{CaseId, DeadlineKind, DeadlineStatus, UserId};

/// Stages of a case that is no longer open: its limits are not chased.
const CLOSED_STAGES: [&str; 2] = ["ceased", "closed"];

/// Which digest: an officer's own cases, or a manager's team totals. The stored words
/// are fixed by a CHECK in the database.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
)]
#[strum(serialize_all = "snake_case")]
pub enum DigestKind {
    /// The officer's allocated open cases with something due.
    Officer,
    /// The team's totals, for the authority's admins.
    Manager,
}

/// One open limit on an open case, as the digest lists it: which case, whose it is,
/// the child's names (for initials only), the limit and its last day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestDeadline {
    /// The case.
    pub case_id: CaseId,
    /// The officer the case is allocated to; `None` while unallocated.
    pub officer: Option<UserId>,
    /// The child's given name (the digest prints initials only).
    pub given_name: String,
    /// The child's family name (likewise).
    pub family_name: String,
    /// Which limit.
    pub kind: DeadlineKind,
    /// Its last day.
    pub due_on: NaiveDate,
    /// Which of several of its kind (an advice source), when the kind has several.
    pub subject: Option<String>,
}

/// A digest deadline as read: case, officer, given and family name, kind, due day,
/// subject.
type DigestRow = (
    String,
    Option<String>,
    String,
    String,
    String,
    NaiveDate,
    Option<String>,
);

impl Tx<'_> {
    /// Whether `user` wants the daily deadline digest (on unless they opted out).
    pub fn wants_deadline_digest(
        &mut self,
        scope: &AuthorityScope,
        user: UserId,
    ) -> Result<bool, StoreError> {
        users::table
            .filter(users::authority_id.eq(scope.authority().as_str()))
            .filter(users::id.eq(user.to_string()))
            .select(users::deadline_digest)
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("user", user))
    }

    /// Every user of the scope who opted out of the digest.
    pub fn deadline_digest_opted_out(
        &mut self,
        scope: &AuthorityScope,
    ) -> Result<Vec<UserId>, StoreError> {
        users::table
            .filter(users::authority_id.eq(scope.authority().as_str()))
            .filter(users::deadline_digest.eq(false))
            .select(users::id)
            .load::<String>(self.conn)?
            .iter()
            .map(|id| parse("users.id", id))
            .collect()
    }

    /// Turns `user`'s digest on or off; `false` when it already was so (nothing
    /// changed).
    pub fn set_deadline_digest(
        &mut self,
        scope: &AuthorityScope,
        user: UserId,
        on: bool,
    ) -> Result<bool, StoreError> {
        if self.wants_deadline_digest(scope, user)? == on {
            return Ok(false);
        }
        diesel::update(
            users::table
                .filter(users::authority_id.eq(scope.authority().as_str()))
                .filter(users::id.eq(user.to_string())),
        )
        .set(users::deadline_digest.eq(on))
        .execute(self.conn)?;
        Ok(true)
    }

    /// The open limits of the scope's open cases that a digest for `today` lists: every
    /// one due on or before `due_by` (overdue, or due soon), and every open request
    /// for advice whenever it is due. Soonest first; only `officer`'s cases when given.
    pub fn digest_deadlines(
        &mut self,
        scope: &AuthorityScope,
        due_by: NaiveDate,
        officer: Option<UserId>,
    ) -> Result<Vec<DigestDeadline>, StoreError> {
        let authority = scope.authority().as_str();
        let advice: &'static str = DeadlineKind::AdviceDue.into();
        let open: &'static str = DeadlineStatus::Open.into();
        let mut query = deadlines::table
            .inner_join(cases::table.on(cases::id.eq(deadlines::case_id)))
            .inner_join(children::table.on(children::id.eq(cases::child_id)))
            .filter(deadlines::authority_id.eq(authority))
            .filter(cases::authority_id.eq(authority))
            .filter(children::authority_id.eq(authority))
            .filter(deadlines::status.eq(open))
            .filter(cases::stage.ne_all(CLOSED_STAGES))
            .filter(deadlines::due_on.le(due_by).or(deadlines::kind.eq(advice)))
            .into_boxed();
        if let Some(officer) = officer {
            query = query.filter(cases::officer_id.eq(officer.to_string()));
        }
        let rows: Vec<DigestRow> = query
            .order((deadlines::due_on, cases::id, deadlines::id))
            .select((
                cases::id,
                cases::officer_id,
                children::given_name,
                children::family_name,
                deadlines::kind,
                deadlines::due_on,
                deadlines::subject,
            ))
            .load(self.conn)?;
        rows.into_iter()
            .map(
                |(case, officer, given_name, family_name, kind, due_on, subject)| {
                    Ok(DigestDeadline {
                        case_id: parse("cases.id", &case)?,
                        officer: officer
                            .as_deref()
                            .map(|id| parse("cases.officer_id", id))
                            .transpose()?,
                        given_name,
                        family_name,
                        kind: parse("deadlines.kind", &kind)?,
                        due_on,
                        subject,
                    })
                },
            )
            .collect()
    }

    /// The scope's open cases allocated to nobody.
    pub fn count_unallocated_open_cases(
        &mut self,
        scope: &AuthorityScope,
    ) -> Result<i64, StoreError> {
        Ok(cases::table
            .filter(cases::authority_id.eq(scope.authority().as_str()))
            .filter(cases::officer_id.is_null())
            .filter(cases::stage.ne_all(CLOSED_STAGES))
            .count()
            .get_result(self.conn)?)
    }

    /// Whether `user`'s `kind` digest for `on` was already queued.
    pub fn digest_sent(
        &mut self,
        user: UserId,
        kind: DigestKind,
        on: NaiveDate,
    ) -> Result<bool, StoreError> {
        let kind: &'static str = kind.into();
        let found: i64 = digests_sent::table
            .filter(digests_sent::user_id.eq(user.to_string()))
            .filter(digests_sent::kind.eq(kind))
            .filter(digests_sent::sent_on.eq(on))
            .count()
            .get_result(self.conn)?;
        Ok(found > 0)
    }

    /// Records `user`'s `kind` digest for `on`, once: `false` when it was already
    /// recorded (an earlier run, a restart). Two runs at once: the unique row refuses
    /// the second with [`StoreError::Conflict`], rolling its transaction back.
    pub fn claim_digest(
        &mut self,
        scope: &AuthorityScope,
        user: UserId,
        kind: DigestKind,
        on: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if self.digest_sent(user, kind, on)? {
            return Ok(false);
        }
        let kind: &'static str = kind.into();
        diesel::insert_into(digests_sent::table)
            .values((
                digests_sent::id.eq(Uuid::now_v7().to_string()),
                digests_sent::authority_id.eq(scope.authority().as_str()),
                digests_sent::user_id.eq(user.to_string()),
                digests_sent::kind.eq(kind),
                digests_sent::sent_on.eq(on),
                digests_sent::queued_at.eq(to_db_time(at)),
            ))
            .execute(self.conn)?;
        Ok(true)
    }

    /// The digests queued for the scope on `on`, as (user, kind), for reports and
    /// tests.
    pub fn list_digests_sent(
        &mut self,
        scope: &AuthorityScope,
        on: NaiveDate,
    ) -> Result<Vec<(UserId, DigestKind)>, StoreError> {
        digests_sent::table
            .filter(digests_sent::authority_id.eq(scope.authority().as_str()))
            .filter(digests_sent::sent_on.eq(on))
            .order((digests_sent::user_id, digests_sent::kind))
            .select((digests_sent::user_id, digests_sent::kind))
            .load::<(String, String)>(self.conn)?
            .iter()
            .map(|(user, kind)| {
                Ok((
                    parse("digests_sent.user_id", user)?,
                    parse("digests_sent.kind", kind)?,
                ))
            })
            .collect()
    }
}
