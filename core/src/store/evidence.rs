//! Evidence documents on a case, their openings from a sitting's papers, and the links
//! professionals upload their advice through. The bytes are not here: the document
//! store keeps them under their SHA-256.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::authorities::parse_authority;
use super::rows::{from_db_time, not_found, parse, to_db_time};
use super::schema::{advice_chasers, advice_links, evidence, evidence_openings};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{
    AdviceLinkId, AdviceSource, AgendaItemId, CaseId, DeadlineId, DocumentId, Evidence,
    EvidenceOpeningId, NeedArea, UserId,
};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = evidence)]
#[diesel(treat_none_as_default_value = false)]
struct EvidenceRow {
    id: String,
    authority_id: String,
    case_id: String,
    kind: String,
    file_name: String,
    media_type: String,
    size_bytes: i64,
    sha256: String,
    author_organisation: String,
    written_on: NaiveDate,
    areas: String,
    received_through: String,
    uploaded_by: Option<String>,
    uploaded_at: NaiveDateTime,
    removed_at: Option<NaiveDateTime>,
}

impl TryFrom<EvidenceRow> for Evidence {
    type Error = StoreError;
    fn try_from(row: EvidenceRow) -> Result<Self, StoreError> {
        Ok(Evidence {
            id: parse("evidence.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            case_id: parse("evidence.case_id", &row.case_id)?,
            kind: parse("evidence.kind", &row.kind)?,
            file_name: row.file_name,
            media_type: row.media_type,
            size_bytes: u64::try_from(row.size_bytes).map_err(|e| StoreError::Corrupt {
                column: "evidence.size_bytes",
                detail: e.to_string(),
            })?,
            sha256: row.sha256,
            author_organisation: row.author_organisation,
            written_on: row.written_on,
            areas: row
                .areas
                .split(',')
                .filter(|a| !a.is_empty())
                .map(|a| parse::<NeedArea>("evidence.areas", a))
                .collect::<Result<_, _>>()?,
            received_through: parse("evidence.received_through", &row.received_through)?,
            uploaded_by: row
                .uploaded_by
                .as_deref()
                .map(|u| parse("evidence.uploaded_by", u))
                .transpose()?,
            uploaded_at: from_db_time(row.uploaded_at),
            removed_at: row.removed_at.map(from_db_time),
        })
    }
}

/// A link a professional was sent to upload the advice asked of them. The token
/// itself is never stored: only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdviceLink {
    /// The link's id.
    pub id: AdviceLinkId,
    /// The case.
    pub case_id: CaseId,
    /// The request for advice (its 6-week limit) the link answers.
    pub deadline_id: DeadlineId,
    /// Whom the advice was asked of.
    pub source: AdviceSource,
    /// The professional's name.
    pub recipient_name: String,
    /// Where the link and the chasers go.
    pub recipient_email: String,
    /// The question asked, shown on the upload page.
    pub question: String,
    /// SHA-256 of the token in the link.
    pub token_sha256: String,
    /// Who sent it.
    pub created_by: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The last moment it works.
    pub expires_at: DateTime<Utc>,
    /// When it was used, if it was.
    pub used_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The advice uploaded through it.
    pub evidence_id: Option<DocumentId>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = advice_links)]
#[diesel(treat_none_as_default_value = false)]
struct AdviceLinkRow {
    id: String,
    authority_id: String,
    case_id: String,
    deadline_id: String,
    source: String,
    recipient_name: String,
    recipient_email: String,
    question: String,
    token_sha256: String,
    created_by: String,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
    evidence_id: Option<String>,
}

impl TryFrom<AdviceLinkRow> for AdviceLink {
    type Error = StoreError;
    fn try_from(row: AdviceLinkRow) -> Result<Self, StoreError> {
        Ok(AdviceLink {
            id: parse("advice_links.id", &row.id)?,
            case_id: parse("advice_links.case_id", &row.case_id)?,
            deadline_id: parse("advice_links.deadline_id", &row.deadline_id)?,
            source: parse("advice_links.source", &row.source)?,
            recipient_name: row.recipient_name,
            recipient_email: row.recipient_email,
            question: row.question,
            token_sha256: row.token_sha256,
            created_by: parse("advice_links.created_by", &row.created_by)?,
            created_at: from_db_time(row.created_at),
            expires_at: from_db_time(row.expires_at),
            used_at: row.used_at.map(from_db_time),
            revoked_at: row.revoked_at.map(from_db_time),
            evidence_id: row
                .evidence_id
                .as_deref()
                .map(|e| parse("advice_links.evidence_id", e))
                .transpose()?,
        })
    }
}

impl Tx<'_> {
    /// Adds a piece of evidence to a case of the scope's authority.
    pub fn insert_evidence(
        &mut self,
        scope: &AuthorityScope,
        document: &Evidence,
    ) -> Result<(), StoreError> {
        scope.admit("evidence", &document.authority_id)?;
        let areas: Vec<&str> = document.areas.iter().map(|a| a.into()).collect();
        diesel::insert_into(evidence::table)
            .values(EvidenceRow {
                id: document.id.to_string(),
                authority_id: document.authority_id.to_string(),
                case_id: document.case_id.to_string(),
                kind: document.kind.to_string(),
                file_name: document.file_name.clone(),
                media_type: document.media_type.clone(),
                size_bytes: i64::try_from(document.size_bytes).unwrap_or(i64::MAX),
                sha256: document.sha256.clone(),
                author_organisation: document.author_organisation.clone(),
                written_on: document.written_on,
                areas: areas.join(","),
                received_through: document.received_through.to_string(),
                uploaded_by: document.uploaded_by.map(|u| u.to_string()),
                uploaded_at: to_db_time(document.uploaded_at),
                removed_at: None,
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// A case's evidence, by the day each was written, then as uploaded.
    pub fn list_evidence(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
    ) -> Result<Vec<Evidence>, StoreError> {
        evidence::table
            .filter(evidence::authority_id.eq(scope.authority().as_str()))
            .filter(evidence::case_id.eq(case.to_string()))
            .order((evidence::written_on, evidence::uploaded_at, evidence::id))
            .select(EvidenceRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Evidence::try_from)
            .collect()
    }

    /// One piece of evidence on `case`: `NotFound` for another case's or authority's.
    pub fn get_evidence(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
        id: DocumentId,
    ) -> Result<Evidence, StoreError> {
        evidence::table
            .filter(evidence::authority_id.eq(scope.authority().as_str()))
            .filter(evidence::case_id.eq(case.to_string()))
            .filter(evidence::id.eq(id.to_string()))
            .select(EvidenceRow::as_select())
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("document", id))?
            .try_into()
    }

    /// The evidence on `case` with these bytes, if any: the same file uploaded twice.
    pub fn find_evidence_by_hash(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
        sha256: &str,
    ) -> Result<Option<Evidence>, StoreError> {
        evidence::table
            .filter(evidence::authority_id.eq(scope.authority().as_str()))
            .filter(evidence::case_id.eq(case.to_string()))
            .filter(evidence::sha256.eq(sha256))
            .select(EvidenceRow::as_select())
            .first(self.conn)
            .optional()?
            .map(Evidence::try_from)
            .transpose()
    }

    /// Records that `user` opened a piece of evidence from an agenda item's papers.
    pub fn insert_evidence_opening(
        &mut self,
        scope: &AuthorityScope,
        item: AgendaItemId,
        document: DocumentId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        diesel::insert_into(evidence_openings::table)
            .values((
                evidence_openings::id.eq(EvidenceOpeningId::new().to_string()),
                evidence_openings::authority_id.eq(scope.authority().as_str()),
                evidence_openings::agenda_item_id.eq(item.to_string()),
                evidence_openings::evidence_id.eq(document.to_string()),
                evidence_openings::user_id.eq(user.to_string()),
                evidence_openings::opened_at.eq(to_db_time(at)),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// The evidence `user` has opened from an agenda item's papers.
    pub fn evidence_opened_by(
        &mut self,
        scope: &AuthorityScope,
        item: AgendaItemId,
        user: UserId,
    ) -> Result<Vec<DocumentId>, StoreError> {
        evidence_openings::table
            .filter(evidence_openings::authority_id.eq(scope.authority().as_str()))
            .filter(evidence_openings::agenda_item_id.eq(item.to_string()))
            .filter(evidence_openings::user_id.eq(user.to_string()))
            .select(evidence_openings::evidence_id)
            .distinct()
            .load::<String>(self.conn)?
            .iter()
            .map(|id| parse("evidence_openings.evidence_id", id))
            .collect()
    }

    /// Stores a new advice link.
    pub fn insert_advice_link(
        &mut self,
        scope: &AuthorityScope,
        link: &AdviceLink,
    ) -> Result<(), StoreError> {
        diesel::insert_into(advice_links::table)
            .values(AdviceLinkRow {
                id: link.id.to_string(),
                authority_id: scope.authority().to_string(),
                case_id: link.case_id.to_string(),
                deadline_id: link.deadline_id.to_string(),
                source: link.source.to_string(),
                recipient_name: link.recipient_name.clone(),
                recipient_email: link.recipient_email.clone(),
                question: link.question.clone(),
                token_sha256: link.token_sha256.clone(),
                created_by: link.created_by.to_string(),
                created_at: to_db_time(link.created_at),
                expires_at: to_db_time(link.expires_at),
                used_at: None,
                revoked_at: None,
                evidence_id: None,
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// The link whose token hashes to `token_sha256`, with its authority, whatever its
    /// state: the caller says why a used, revoked or expired one accepts nothing. Two
    /// uploads through one link are settled by [`Tx::use_advice_link`], which only an
    /// unused link passes.
    pub fn advice_link_by_token(
        &mut self,
        token_sha256: &str,
    ) -> Result<Option<(crate::domain::AuthorityId, AdviceLink)>, StoreError> {
        advice_links::table
            .filter(advice_links::token_sha256.eq(token_sha256))
            .select(AdviceLinkRow::as_select())
            .first(self.conn)
            .optional()?
            .map(|row| {
                let authority = parse_authority(&row.authority_id)?;
                Ok((authority, AdviceLink::try_from(row)?))
            })
            .transpose()
    }

    /// A case's advice links, oldest first.
    pub fn list_advice_links(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
    ) -> Result<Vec<AdviceLink>, StoreError> {
        advice_links::table
            .filter(advice_links::authority_id.eq(scope.authority().as_str()))
            .filter(advice_links::case_id.eq(case.to_string()))
            .order((advice_links::created_at, advice_links::id))
            .select(AdviceLinkRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(AdviceLink::try_from)
            .collect()
    }

    /// Every link of the scope's authority still waiting for advice (not used, not
    /// revoked), for the chaser job.
    pub fn list_waiting_advice_links(
        &mut self,
        scope: &AuthorityScope,
    ) -> Result<Vec<AdviceLink>, StoreError> {
        advice_links::table
            .filter(advice_links::authority_id.eq(scope.authority().as_str()))
            .filter(advice_links::used_at.is_null())
            .filter(advice_links::revoked_at.is_null())
            .order((advice_links::created_at, advice_links::id))
            .select(AdviceLinkRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(AdviceLink::try_from)
            .collect()
    }

    /// Marks a link used by the advice it brought. Only an unused, unrevoked link
    /// changes: `false` says another upload (or a revocation) got there first.
    pub fn use_advice_link(
        &mut self,
        scope: &AuthorityScope,
        link: AdviceLinkId,
        evidence_id: DocumentId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let changed = diesel::update(
            advice_links::table
                .filter(advice_links::authority_id.eq(scope.authority().as_str()))
                .filter(advice_links::id.eq(link.to_string()))
                .filter(advice_links::used_at.is_null())
                .filter(advice_links::revoked_at.is_null()),
        )
        .set((
            advice_links::used_at.eq(Some(to_db_time(at))),
            advice_links::evidence_id.eq(Some(evidence_id.to_string())),
        ))
        .execute(self.conn)?;
        Ok(changed == 1)
    }

    /// Revokes an unused link. `false` when it was already used or revoked.
    pub fn revoke_advice_link(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
        link: AdviceLinkId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let changed = diesel::update(
            advice_links::table
                .filter(advice_links::authority_id.eq(scope.authority().as_str()))
                .filter(advice_links::case_id.eq(case.to_string()))
                .filter(advice_links::id.eq(link.to_string()))
                .filter(advice_links::used_at.is_null())
                .filter(advice_links::revoked_at.is_null()),
        )
        .set(advice_links::revoked_at.eq(Some(to_db_time(at))))
        .execute(self.conn)?;
        Ok(changed == 1)
    }

    /// Gives an unused, unrevoked link a new token (its SHA-256): the old token stops
    /// working at once. A chaser re-issues the link this way because the token itself
    /// is never stored, so it cannot be repeated. `false` when the link was used or
    /// revoked meanwhile.
    pub fn reissue_advice_link_token(
        &mut self,
        scope: &AuthorityScope,
        link: AdviceLinkId,
        token_sha256: &str,
    ) -> Result<bool, StoreError> {
        let changed = diesel::update(
            advice_links::table
                .filter(advice_links::authority_id.eq(scope.authority().as_str()))
                .filter(advice_links::id.eq(link.to_string()))
                .filter(advice_links::used_at.is_null())
                .filter(advice_links::revoked_at.is_null()),
        )
        .set(advice_links::token_sha256.eq(token_sha256))
        .execute(self.conn)?;
        Ok(changed == 1)
    }

    /// Records a chaser for `link` at `days_before` the limit, once: `false` when one
    /// was already recorded (by this server before a restart, or by another server).
    pub fn claim_advice_chaser(
        &mut self,
        link: AdviceLinkId,
        days_before: u32,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let days = i32::try_from(days_before).unwrap_or(i32::MAX);
        let already: i64 = advice_chasers::table
            .filter(advice_chasers::link_id.eq(link.to_string()))
            .filter(advice_chasers::days_before.eq(days))
            .count()
            .get_result(self.conn)?;
        if already > 0 {
            return Ok(false);
        }
        // Two servers claiming at once: the primary key refuses the second, whose
        // transaction (and the chaser in it) then rolls back as a conflict.
        diesel::insert_into(advice_chasers::table)
            .values((
                advice_chasers::link_id.eq(link.to_string()),
                advice_chasers::days_before.eq(days),
                advice_chasers::sent_at.eq(to_db_time(at)),
            ))
            .execute(self.conn)?;
        Ok(true)
    }

    /// When chasers went for `link`: days before the limit, and when.
    pub fn list_advice_chasers(
        &mut self,
        link: AdviceLinkId,
    ) -> Result<Vec<(u32, DateTime<Utc>)>, StoreError> {
        advice_chasers::table
            .filter(advice_chasers::link_id.eq(link.to_string()))
            .order(advice_chasers::sent_at)
            .select((advice_chasers::days_before, advice_chasers::sent_at))
            .load::<(i32, NaiveDateTime)>(self.conn)?
            .into_iter()
            .map(|(days, at)| {
                Ok((
                    u32::try_from(days).map_err(|e| StoreError::Corrupt {
                        column: "advice_chasers.days_before",
                        detail: e.to_string(),
                    })?,
                    from_db_time(at),
                ))
            })
            .collect()
    }
}

impl Tx<'_> {
    /// Stamps a piece of evidence as removed by the retention job; the row (what it was,
    /// who sent it, when) stays. `false` when it was already removed.
    pub fn mark_evidence_removed(
        &mut self,
        scope: &AuthorityScope,
        id: DocumentId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let changed = diesel::update(
            evidence::table
                .filter(evidence::authority_id.eq(scope.authority().as_str()))
                .filter(evidence::id.eq(id.to_string()))
                .filter(evidence::removed_at.is_null()),
        )
        .set(evidence::removed_at.eq(Some(to_db_time(at))))
        .execute(self.conn)?;
        Ok(changed == 1)
    }

    /// Whether any evidence not removed, of any authority, still holds these bytes: the
    /// store keeps one copy for all of them, so it goes only when none does.
    pub fn evidence_bytes_still_held(&mut self, sha256: &str) -> Result<bool, StoreError> {
        let held: i64 = evidence::table
            .filter(evidence::sha256.eq(sha256))
            .filter(evidence::removed_at.is_null())
            .count()
            .get_result(self.conn)?;
        Ok(held > 0)
    }
}
