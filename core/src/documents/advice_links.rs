//! The link a professional uploads their advice through, and the chasers sent while it
//! is awaited (SEND Regulations 2014 reg. 6(1): the advice an EHC needs assessment
//! must seek; reg. 8(1): each piece is due within 6 weeks of the request).
//!
//! - [`request_with_link`]: one transaction records the request ([`RequestAdvice`],
//!   which starts its own 6-week limit), stores the link, keeps the letter to the
//!   professional on the case, queues the e-mail carrying the link, and appends
//!   `AdviceLinkSent`. Nothing is half done: a letter that will not render or an
//!   address the mailer refuses undoes the request too.
//! - The token is 32 random bytes in hex; only its SHA-256 is stored. It appears only
//!   in the e-mail: never in the stored letter, an event, or a log line.
//! - A link works once, until the end (UTC) of the last day of the 6 weeks. UTC ends
//!   the day at or after London does, so it is never shorter than the statutory
//!   window. Advice arriving later still settles its request, but is sent to the
//!   caseworker another way and recorded with [`RecordAdviceReceived`].
//! - [`link_page`] and [`upload_through_link`] are for whoever holds the link, with no
//!   account: the page shows only the child's initials, the authority, whom the
//!   advice was asked of, the question and the due date. A link belongs to one case,
//!   so it can never reach another.
//! - [`send_chasers`]: the token is not stored, so a chaser cannot repeat it. Each
//!   chaser therefore re-issues the link with a fresh token, which stops the earlier
//!   one working, and says so. The chaser row is claimed in the same transaction
//!   ([`Tx::claim_advice_chaser`]), so a second run, a restart or a second server
//!   never sends one twice.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::evidence::{blocking, record_evidence};
use super::staging::Staged;
use super::{DocumentError, Documents, NewEvidence};
use crate::clock::limits;
use crate::domain::{
    AdviceLinkId, AdviceSource, CaseId, Deadline, DeadlineStatus, DocumentId, DocumentKind, Email,
    Evidence, EvidenceKind, ReceivedThrough, text,
};
use crate::events::{self, CaseEvent};
use crate::notify::letters::{AdvicePart, AuthorityPart, ChildPart, LetterContext};
use crate::notify::mail::{Outgoing, build};
use crate::notify::{LetterBook, LetterKind, NotifyError};
use crate::services::{Actor, Services};
use crate::store::{
    AdviceLink, AuthorityScope, Database, NewEvent, NewMail, OutboxId, StoreError, Tx,
};
use crate::time::Clock;
use crate::workflow::{
    Context, RecordAdviceReceived, RequestAdvice, Step, WorkflowError, execute, in_case,
};

/// When chasers go when the caller names no other points: 14 and 7 days before the
/// 6-week limit (reg. 8(1)).
pub const DEFAULT_CHASE_DAYS: [u32; 2] = [14, 7];
/// The longest name accepted for the professional.
const MAX_NAME_CHARS: usize = 200;
/// The longest question accepted: long enough for a paragraph per area of need.
const MAX_QUESTION_CHARS: usize = 4000;

/// What the e-mails about advice links need: the letters (each authority's
/// `advice-request.hbs`), where the link points, and who sends it.
#[derive(Debug, Clone)]
pub struct AdviceMail {
    /// Every authority's letters.
    pub letters: Arc<LetterBook>,
    /// The address people open the service at, without a trailing slash: never a
    /// request's `Host`, which an attacker chooses.
    pub public_url: String,
    /// The sender's address, as the mail settings give it.
    pub from_address: String,
    /// The sender's display name.
    pub from_name: String,
}

/// A request for advice sent with an upload link, as a caseworker makes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdviceLink {
    /// Whom the advice is asked of (reg. 6(1)).
    pub from: AdviceSource,
    /// The day it is asked: the 6 weeks of reg. 8(1) count from it.
    pub requested_on: NaiveDate,
    /// The professional's name.
    pub recipient_name: String,
    /// Where the link (and any chaser) goes.
    pub recipient_email: String,
    /// What the authority wants to know, shown on the upload page.
    pub question: String,
}

/// The fields of a [`NewAdviceLink`] once checked.
struct CheckedLink {
    name: String,
    email: Email,
    question: String,
}

impl NewAdviceLink {
    /// Trims and checks what was typed: the name one line of 1 to 200 characters, the
    /// address an e-mail address, the question free text of 1 to 4000 characters.
    fn checked(&self) -> Result<CheckedLink, AdviceLinkError> {
        let name = text::one_line("recipient_name", self.recipient_name.trim())?;
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS {
            return Err(AdviceLinkError::invalid(
                "recipient_name",
                format!("give the professional's name, in {MAX_NAME_CHARS} characters or fewer"),
            ));
        }
        let email = Email::parse(self.recipient_email.trim()).map_err(|e| {
            AdviceLinkError::invalid("recipient_email", format!("is not an e-mail address: {e}"))
        })?;
        let question = text::free_text("question", self.question.trim())?;
        let chars = question.chars().count();
        if chars == 0 || chars > MAX_QUESTION_CHARS {
            return Err(AdviceLinkError::invalid(
                "question",
                format!("say what advice is wanted, in {MAX_QUESTION_CHARS} characters or fewer"),
            ));
        }
        Ok(CheckedLink {
            name: name.to_owned(),
            email,
            question: question.to_owned(),
        })
    }
}

/// What the professional adds beside the file: the bytes say what type it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdviceUpload {
    /// The organisation that wrote it (the EP service, an NHS trust).
    pub author_organisation: String,
    /// The day it was written; today when not given.
    pub written_on: Option<NaiveDate>,
}

/// Why an advice link did not do what was asked. Nothing was recorded.
#[derive(Debug, thiserror::Error)]
pub enum AdviceLinkError {
    /// A field broke a rule.
    #[error("{field}: {rule}")]
    Invalid {
        /// The field, as the form and the API name it.
        field: &'static str,
        /// The rule, in plain English.
        rule: String,
    },
    /// The link has brought its advice already (or another upload got there first).
    #[error("this link has already been used to send advice")]
    Used,
    /// The link's time ran out.
    #[error("this link has expired")]
    Expired,
    /// A caseworker withdrew the link.
    #[error("this link has been withdrawn")]
    Revoked,
    /// No link has this token: never issued, replaced by a chaser's, or mistyped.
    #[error("this link is not recognised")]
    Unknown,
    /// The file was refused, or could not be kept.
    #[error(transparent)]
    Document(DocumentError),
    /// The case, the role or the store refused.
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    /// The letter or the e-mail could not be written.
    #[error("the letter or e-mail could not be written: {0}")]
    Notify(NotifyError),
}

impl AdviceLinkError {
    fn invalid(field: &'static str, rule: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            rule: rule.into(),
        }
    }
}

impl From<StoreError> for AdviceLinkError {
    fn from(e: StoreError) -> Self {
        Self::Workflow(WorkflowError::Store(e))
    }
}

impl From<crate::domain::DomainError> for AdviceLinkError {
    fn from(e: crate::domain::DomainError) -> Self {
        match e {
            crate::domain::DomainError::Invalid { field, rule } => Self::Invalid { field, rule },
        }
    }
}

impl From<NotifyError> for AdviceLinkError {
    fn from(e: NotifyError) -> Self {
        match e {
            // A conflict stays a conflict.
            NotifyError::Store(store) => store.into(),
            other => Self::Notify(other),
        }
    }
}

impl From<DocumentError> for AdviceLinkError {
    fn from(e: DocumentError) -> Self {
        match e {
            DocumentError::Workflow(w) => Self::Workflow(w),
            other => Self::Document(other),
        }
    }
}

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::Display, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum LinkState {
    /// Waiting for the advice.
    Waiting,
    /// The advice came through it.
    Used,
    /// Its time ran out before any advice came.
    Expired,
    /// A caseworker withdrew it.
    Revoked,
}

fn state_of(link: &AdviceLink, now: DateTime<Utc>) -> LinkState {
    if link.used_at.is_some() {
        LinkState::Used
    } else if link.revoked_at.is_some() {
        LinkState::Revoked
    } else if now > link.expires_at {
        LinkState::Expired
    } else {
        LinkState::Waiting
    }
}

/// What a link's page may show to whoever holds the link: no more than the
/// professional needs to know which child and which question it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkPage {
    /// The link works.
    Open(OpenLink),
    /// The link accepts nothing: used, expired or revoked.
    Closed(LinkState),
    /// No link has this token. A token of another authority looks the same.
    Unknown,
}

/// A working link, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLink {
    /// The child's initials ("A. E."), never the name: the link may be forwarded.
    pub child_initials: String,
    /// The authority asking.
    pub authority_name: String,
    /// Whom the advice was asked of.
    pub from: AdviceSource,
    /// The professional's name.
    pub recipient_name: String,
    /// The question.
    pub question: String,
    /// The last day of the 6 weeks (reg. 8(1)).
    pub due_on: NaiveDate,
}

/// What sending a link recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSent {
    /// The link.
    pub link: AdviceLinkId,
    /// The request's 6-week limit.
    pub deadline: Deadline,
    /// The last moment the link works.
    pub expires_at: DateTime<Utc>,
    /// The letter kept on the case (without the link).
    pub letter: DocumentId,
}

/// What advice through a link recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdviceUploaded {
    /// The case it went to.
    pub case_id: CaseId,
    /// The evidence kept.
    pub evidence: Evidence,
    /// The request's limit, now met.
    pub deadline: Deadline,
    /// Whether it came within the 6 weeks of reg. 8(1).
    pub within_six_weeks: bool,
}

/// One link on a case, as the caseworker's status table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AdviceLinkView {
    /// The link.
    #[schema(value_type = String)]
    pub link: AdviceLinkId,
    /// Whom the advice was asked of.
    pub from: AdviceSource,
    /// The day it was asked.
    pub requested_on: NaiveDate,
    /// The professional.
    pub recipient_name: String,
    /// Their address.
    pub recipient_email: String,
    /// The last day of the 6 weeks.
    pub due_on: NaiveDate,
    /// The days chasers went.
    pub chased_on: Vec<NaiveDate>,
    /// The day the advice came through the link.
    pub received_on: Option<NaiveDate>,
    /// The request is settled: advice came, through the link or recorded by a
    /// caseworker.
    pub received: bool,
    /// The due date has passed and no advice has come.
    pub overdue: bool,
    /// Where the link stands.
    pub state: LinkState,
}

/// What one run of [`send_chasers`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChaserReport {
    /// Chasers queued.
    pub sent: usize,
    /// Chasers due but already sent (by an earlier run or another server).
    pub already_sent: usize,
}

/// Asks a professional for advice and sends them a link to upload it through, in one
/// transaction with the case taken: the request and its 6-week limit (reg. 8(1)), the
/// link (only its token's SHA-256 stored), the letter kept on the case without the
/// link, the e-mail with it queued in the outbox, and `AdviceLinkSent`. Refused,
/// changing nothing, for a role that may not request advice, a field that breaks a
/// rule, or a request [`RequestAdvice`] refuses (not assessing, a date in the future).
pub fn request_with_link(
    services: &Services,
    actor: &Actor,
    mail: &AdviceMail,
    case_id: CaseId,
    details: &NewAdviceLink,
) -> Result<LinkSent, AdviceLinkError> {
    if !Step::RequestAdvice.allows(actor.role) {
        return Err(WorkflowError::NotAllowed {
            role: actor.role,
            doing: Step::RequestAdvice.doing(),
        }
        .into());
    }
    let checked = details.checked()?;
    let from = sender(mail)?;
    let token = new_token();
    let scope = &actor.scope;
    let clock = services.clock.as_ref();
    let now = clock.now();
    let command = RequestAdvice {
        from: details.from,
        requested_on: details.requested_on,
    };
    services.db.write_with(|tx| {
        let case = tx.lock_case(scope, case_id)?;
        let child_id = case.child_id;
        let deadline = in_case(tx, scope, case, |tx, case| {
            let ctx = Context::new(scope, case.id, Some(actor.user), &services.holidays, clock);
            execute(tx, scope, &case, &command, ctx)
        })?;
        let expires_at = end_of(deadline.due_on);
        let link = AdviceLink {
            id: AdviceLinkId::new(),
            case_id,
            deadline_id: deadline.id,
            source: details.from,
            recipient_name: checked.name.clone(),
            recipient_email: checked.email.to_string(),
            question: checked.question.clone(),
            token_sha256: sha256_hex(&token),
            created_by: actor.user,
            created_at: now,
            expires_at,
            used_at: None,
            revoked_at: None,
            evidence_id: None,
        };
        tx.insert_advice_link(scope, &link)?;

        let mut ctx = letter_context(tx, scope, child_id, &link, deadline.due_on, clock)?;
        // The copy kept on the case: it says the link was e-mailed, and holds no token.
        let kept = mail
            .letters
            .render(scope.authority(), LetterKind::AdviceRequest, &ctx)?;
        let letter = keep_letter(tx, scope, case_id, actor, &kept, now)?;
        if let Some(advice) = ctx.advice.as_mut() {
            advice.link = Some(link_url(mail, &token));
        }
        let emailed = mail
            .letters
            .render(scope.authority(), LetterKind::AdviceRequest, &ctx)?;
        let subject = format!(
            "{}: {}",
            ctx.authority.name,
            LetterKind::AdviceRequest.title()
        );
        queue(
            tx,
            scope,
            mail,
            &from,
            &link,
            &checked.email,
            &subject,
            &emailed.html,
            "advice:request",
            now,
        )?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                actor: Some(actor.user),
                fact: CaseEvent::AdviceLinkSent(events::AdviceLinkSent {
                    link: link.id,
                    deadline: deadline.id,
                    from: details.from,
                    expires_at,
                }),
                occurred_at: now,
            },
        )?;
        tracing::info!(case_id = %case_id, link = %link.id, "advice link sent");
        Ok(LinkSent {
            link: link.id,
            deadline,
            expires_at,
            letter,
        })
    })
}

/// What the public upload page shows for `token`: the working link's few facts, or
/// why it accepts nothing. A token that is not 64 hex characters is not looked up.
pub fn link_page(db: &Database, token: &str, clock: &dyn Clock) -> Result<LinkPage, StoreError> {
    let Some(sha) = token_sha256(token) else {
        return Ok(LinkPage::Unknown);
    };
    let now = clock.now();
    db.read(|tx| {
        let Some((authority, link)) = tx.advice_link_by_token(&sha)? else {
            return Ok(LinkPage::Unknown);
        };
        let state = state_of(&link, now);
        if state != LinkState::Waiting {
            return Ok(LinkPage::Closed(state));
        }
        let scope = AuthorityScope::new(authority);
        let case = tx.get_case(&scope, link.case_id)?;
        let child = tx.get_child(&scope, case.child_id)?;
        let authority_name = tx
            .find_authority(scope.authority())?
            .map(|a| a.name)
            .unwrap_or_else(|| scope.authority().to_string());
        let due_on = due_on(tx, &scope, &link)?;
        Ok(LinkPage::Open(OpenLink {
            child_initials: initials(&[child.given_name.as_str(), child.family_name.as_str()]),
            authority_name,
            from: link.source,
            recipient_name: link.recipient_name,
            question: link.question,
            due_on,
        }))
    })
}

/// Adds the advice uploaded through `token` to the link's own case: the link must be
/// waiting, then the file is checked and kept ([`Documents::check_and_keep`]), then in
/// one transaction with the case taken the link is marked used, the evidence recorded
/// (received through the link, its kind from whom it was asked), and
/// [`RecordAdviceReceived`] settles the oldest open request to that source (reg. 8(1)).
/// A used, expired, revoked or unknown link accepts nothing and keeps nothing; of two
/// uploads at once through one link, one is refused as [`AdviceLinkError::Used`] and
/// the bytes only it brought are removed again.
pub async fn upload_through_link(
    documents: &Documents,
    services: &Services,
    token: &str,
    file_name: &str,
    staged: Staged,
    details: &AdviceUpload,
) -> Result<AdviceUploaded, AdviceLinkError> {
    let sha = token_sha256(token).ok_or(AdviceLinkError::Unknown)?;
    let now = services.clock.now();
    let today = services.clock.today();
    let (db, looked_up) = (services.db.clone(), sha.clone());
    let (authority, link) =
        off_thread(move || Ok(db.read(|tx| tx.advice_link_by_token(&looked_up))?))
            .await?
            .ok_or(AdviceLinkError::Unknown)?;
    usable(&link, now)?;
    let written_on = details.written_on.unwrap_or(today);
    let (organisation, _) = NewEvidence {
        kind: EvidenceKind::of_advice(link.source),
        author_organisation: details.author_organisation.clone(),
        written_on,
        areas: Vec::new(),
    }
    .checked(today)?;
    let scope = AuthorityScope::new(authority.clone());
    let evidence = Evidence {
        id: DocumentId::new(),
        authority_id: authority,
        case_id: link.case_id,
        kind: EvidenceKind::of_advice(link.source),
        file_name: file_name.to_owned(),
        media_type: String::new(),
        size_bytes: staged.size(),
        sha256: staged.sha256().to_owned(),
        author_organisation: organisation,
        written_on,
        areas: Vec::new(),
        received_through: ReceivedThrough::AdviceLink,
        uploaded_by: None,
        uploaded_at: now,
        removed_at: None,
    };
    let held_before = documents.storage.holds(staged.sha256()).await?;
    let file_type = documents.check_and_keep(file_name, &staged).await?;
    let evidence = Evidence {
        media_type: file_type.media_type().to_owned(),
        ..evidence
    };
    let (services_, stored) = (services.clone(), evidence.clone());
    let recorded =
        off_thread(move || record_upload(&services_, &scope, &sha, &link, &stored)).await;
    match recorded {
        Ok((deadline, within_six_weeks)) => {
            tracing::info!(case_id = %evidence.case_id, evidence = %evidence.id, "advice received through a link");
            Ok(AdviceUploaded {
                case_id: evidence.case_id,
                evidence,
                deadline,
                within_six_weeks,
            })
        }
        Err(error) => {
            if !held_before {
                forget_bytes(documents, services, &evidence.sha256).await;
            }
            Err(error)
        }
    }
}

/// The transaction of [`upload_through_link`].
fn record_upload(
    services: &Services,
    scope: &AuthorityScope,
    token_sha: &str,
    link: &AdviceLink,
    evidence: &Evidence,
) -> Result<(Deadline, bool), AdviceLinkError> {
    let clock = services.clock.as_ref();
    services.db.write_with(|tx| {
        let case = tx.lock_case(scope, link.case_id)?;
        // Read again under the lock: a chaser may have replaced the token meanwhile.
        match tx.advice_link_by_token(token_sha)? {
            Some((_, current)) if current.id == link.id => usable(&current, clock.now())?,
            _ => return Err(AdviceLinkError::Unknown),
        }
        // The evidence first (the link names it); a link another upload used meanwhile
        // then refuses, and the whole transaction, evidence too, rolls back.
        record_evidence(tx, scope, evidence, None)?;
        if !tx.use_advice_link(scope, link.id, evidence.id, evidence.uploaded_at)? {
            return Err(AdviceLinkError::Used);
        }
        let received = in_case(tx, scope, case, |tx, case| {
            let command = RecordAdviceReceived {
                from: link.source,
                received_on: clock.today(),
            };
            let ctx = Context::new(scope, case.id, None, &services.holidays, clock);
            execute(tx, scope, &case, &command, ctx)
        })?;
        Ok((received.deadline, received.within_six_weeks))
    })
}

/// Withdraws a waiting link on `case` for a caseworker: it accepts nothing from now
/// on, and `AdviceLinkRevoked` is appended. The request's limit still runs. Refused
/// for a role that may not request advice, a link not on the case (`NotFound`), or
/// one already used or revoked.
pub fn revoke(
    services: &Services,
    actor: &Actor,
    case_id: CaseId,
    link: AdviceLinkId,
) -> Result<(), AdviceLinkError> {
    if !Step::RequestAdvice.allows(actor.role) {
        return Err(WorkflowError::NotAllowed {
            role: actor.role,
            doing: "withdraw a link for advice",
        }
        .into());
    }
    let scope = &actor.scope;
    let now = services.clock.now();
    services.db.write_with(|tx| {
        tx.lock_case(scope, case_id)?;
        let found = tx
            .list_advice_links(scope, case_id)?
            .into_iter()
            .find(|l| l.id == link)
            .ok_or_else(|| StoreError::NotFound {
                entity: "advice link",
                id: link.to_string(),
            })?;
        if !tx.revoke_advice_link(scope, case_id, link, now)? {
            return Err(match state_of(&found, now) {
                LinkState::Used => AdviceLinkError::Used,
                _ => AdviceLinkError::Revoked,
            });
        }
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                actor: Some(actor.user),
                fact: CaseEvent::AdviceLinkRevoked(events::AdviceLinkRevoked { link }),
                occurred_at: now,
            },
        )?;
        Ok(())
    })
}

/// Sends the chasers now due for the scope's authority: for each waiting link, once
/// the limit is within one of `days_before` days ([`DEFAULT_CHASE_DAYS`]), the chaser
/// for the nearest point reached, if that one has not gone. Each chaser is its own
/// transaction with the case taken: the claim, a fresh token for the link (the old one
/// stops working; see the module notes), the e-mail, and `AdviceChased`. A point
/// already claimed (an earlier run, a restart, another server) sends nothing, and a
/// point passed unsent while a nearer one was reached is never sent late.
pub fn send_chasers(
    db: &Database,
    mail: &AdviceMail,
    scope: &AuthorityScope,
    clock: &dyn Clock,
    days_before: &[u32],
) -> Result<ChaserReport, AdviceLinkError> {
    let from = sender(mail)?;
    let (now, today) = (clock.now(), clock.today());
    let waiting = db.read(|tx| {
        let mut waiting = Vec::new();
        for link in tx.list_waiting_advice_links(scope)? {
            if state_of(&link, now) == LinkState::Waiting {
                let due = due_on(tx, scope, &link)?;
                waiting.push((link, due));
            }
        }
        Ok(waiting)
    })?;
    let mut report = ChaserReport::default();
    for (link, due) in waiting {
        let days_left = (due - today).num_days();
        let Some(point) = days_before
            .iter()
            .copied()
            .filter(|&d| i64::from(d) >= days_left)
            .min()
        else {
            continue;
        };
        if days_left < 0 {
            continue;
        }
        match chase(db, mail, scope, clock, &from, &link, due, point) {
            Ok(true) => report.sent += 1,
            Ok(false) => report.already_sent += 1,
            // Another server claimed the same chaser in the same moment: its claim
            // stands and this transaction sent nothing.
            Err(AdviceLinkError::Workflow(WorkflowError::Store(StoreError::Conflict(_)))) => {
                report.already_sent += 1;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

/// Runs [`send_chasers`] with [`DEFAULT_CHASE_DAYS`] for each of `scopes` every
/// `every`, off the async workers, until the task is dropped: `serve` runs it beside
/// the outbox worker. A failed round is logged and tried again next time; the claims
/// make a round that overlaps another server's harmless.
pub fn spawn_chasers(
    db: Database,
    mail: AdviceMail,
    scopes: Vec<AuthorityScope>,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let (db, mail, scopes) = (db.clone(), mail.clone(), scopes.clone());
            let round = tokio::task::spawn_blocking(move || {
                for scope in &scopes {
                    match send_chasers(&db, &mail, scope, &crate::time::SystemClock, &DEFAULT_CHASE_DAYS) {
                        Ok(report) if report.sent > 0 => {
                            tracing::info!(authority = %scope.authority(), sent = report.sent, "advice chasers queued");
                        }
                        Ok(_) => {}
                        Err(error) => {
                            tracing::error!(authority = %scope.authority(), %error, "advice chasers failed this round");
                        }
                    }
                }
            })
            .await;
            if let Err(error) = round {
                tracing::error!(%error, "the advice chaser round stopped");
            }
        }
    })
}

/// One chaser, in its own transaction: `false` when already sent or the link stopped
/// waiting.
#[allow(clippy::too_many_arguments)]
fn chase(
    db: &Database,
    mail: &AdviceMail,
    scope: &AuthorityScope,
    clock: &dyn Clock,
    from: &lettre::Address,
    link: &AdviceLink,
    due: NaiveDate,
    days_before: u32,
) -> Result<bool, AdviceLinkError> {
    let now = clock.now();
    db.write_with(|tx| {
        let case = tx.lock_case(scope, link.case_id)?;
        let still_waiting = tx
            .list_advice_links(scope, link.case_id)?
            .into_iter()
            .find(|l| l.id == link.id)
            .is_some_and(|l| state_of(&l, now) == LinkState::Waiting);
        if !still_waiting || !tx.claim_advice_chaser(link.id, days_before, now)? {
            return Ok(false);
        }
        let token = new_token();
        if !tx.reissue_advice_link_token(scope, link.id, &sha256_hex(&token))? {
            return Ok(false);
        }
        let mut ctx = letter_context(tx, scope, case.child_id, link, due, clock)?;
        if let Some(advice) = ctx.advice.as_mut() {
            advice.link = Some(link_url(mail, &token));
            advice.reminder = true;
        }
        ctx.title = format!("Reminder: {}", LetterKind::AdviceRequest.title());
        let letter = mail
            .letters
            .render(scope.authority(), LetterKind::AdviceRequest, &ctx)?;
        let to = Email::parse(&link.recipient_email)?;
        let subject = format!("{}: {}", ctx.authority.name, ctx.title);
        queue(
            tx,
            scope,
            mail,
            from,
            link,
            &to,
            &subject,
            &letter.html,
            "advice:chaser",
            now,
        )?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(link.case_id),
                actor: None,
                fact: CaseEvent::AdviceChased(events::AdviceChased {
                    link: link.id,
                    days_before,
                }),
                occurred_at: now,
            },
        )?;
        tracing::info!(case_id = %link.case_id, link = %link.id, days_before, "advice chased");
        Ok(true)
    })
}

/// Every advice link on `case`, oldest first, with what the caseworker needs to see:
/// when it was asked, of whom, the chasers, whether the advice came, whether it is
/// overdue (the 6 weeks of reg. 8(1) passed with no advice), and the link's state.
pub fn advice_status(
    db: &Database,
    scope: &AuthorityScope,
    case: CaseId,
    today: NaiveDate,
) -> Result<Vec<AdviceLinkView>, StoreError> {
    let now = end_of(today);
    db.read(|tx| {
        tx.get_case(scope, case)?;
        let deadlines = tx.list_deadlines(scope, case)?;
        let mut views = Vec::new();
        for link in tx.list_advice_links(scope, case)? {
            let deadline = deadlines.iter().find(|d| d.id == link.deadline_id);
            let due_on = deadline.map_or(link.expires_at.date_naive(), |d| d.due_on);
            let met = deadline.is_some_and(|d| d.status == DeadlineStatus::Met);
            let received_on = link.used_at.map(|at| at.date_naive());
            let chased_on = tx
                .list_advice_chasers(link.id)?
                .into_iter()
                .map(|(_, at)| at.date_naive())
                .collect();
            views.push(AdviceLinkView {
                link: link.id,
                from: link.source,
                requested_on: limits::ADVICE_DUE
                    .anchor_of(due_on)
                    .unwrap_or(link.created_at.date_naive()),
                recipient_name: link.recipient_name.clone(),
                recipient_email: link.recipient_email.clone(),
                due_on,
                chased_on,
                received_on,
                received: met || received_on.is_some(),
                overdue: !met && received_on.is_none() && due_on < today,
                state: state_of(&link, now),
            });
        }
        Ok(views)
    })
}

/// Refuses a link that accepts nothing, saying why.
fn usable(link: &AdviceLink, now: DateTime<Utc>) -> Result<(), AdviceLinkError> {
    match state_of(link, now) {
        LinkState::Waiting => Ok(()),
        LinkState::Used => Err(AdviceLinkError::Used),
        LinkState::Expired => Err(AdviceLinkError::Expired),
        LinkState::Revoked => Err(AdviceLinkError::Revoked),
    }
}

/// The letter's data for `link`, without the link itself.
fn letter_context(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    child: crate::domain::ChildId,
    link: &AdviceLink,
    due: NaiveDate,
    clock: &dyn Clock,
) -> Result<LetterContext, AdviceLinkError> {
    let child = tx.get_child(scope, child)?;
    let authority = tx
        .find_authority(scope.authority())?
        .ok_or_else(|| StoreError::NotFound {
            entity: "authority",
            id: scope.authority().to_string(),
        })?;
    let mut ctx = LetterContext::new(
        LetterKind::AdviceRequest,
        AuthorityPart {
            name: authority.name,
            code: authority.id.to_string(),
        },
        long_date(clock.today()),
    );
    ctx.salutation = format!("Dear {}", link.recipient_name);
    ctx.child = Some(ChildPart {
        given_name: child.given_name.to_string(),
        family_name: child.family_name.to_string(),
        full_name: format!("{} {}", child.given_name, child.family_name),
    });
    ctx.advice = Some(AdvicePart {
        source: asked_of(link.source).to_owned(),
        question: link.question.clone(),
        due_on: long_date(due),
        recipient_name: link.recipient_name.clone(),
        link: None,
        reminder: false,
    });
    Ok(ctx)
}

/// Keeps the letter (without the link) on the case, with its `DocumentStored` event.
fn keep_letter(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case_id: CaseId,
    actor: &Actor,
    letter: &crate::notify::Letter,
    now: DateTime<Utc>,
) -> Result<DocumentId, AdviceLinkError> {
    let document = crate::domain::Document {
        id: DocumentId::new(),
        authority_id: scope.authority().clone(),
        case_id,
        kind: DocumentKind::Letter,
        title: LetterKind::AdviceRequest.title().to_owned(),
        media_type: "text/html".into(),
        sha256: hex(&Sha256::digest(letter.html.as_bytes())),
        content: letter.html.clone().into_bytes(),
        template_version: Some(letter.template_version.clone()),
        created_at: now,
    };
    tx.insert_document(scope, &document)?;
    tx.append_event(
        scope,
        NewEvent {
            case_id: Some(case_id),
            actor: Some(actor.user),
            fact: CaseEvent::DocumentStored(events::DocumentStored {
                document: document.id,
                kind: DocumentKind::Letter,
                letter: Some(LetterKind::AdviceRequest),
                template_version: Some(letter.template_version.clone()),
                emailed: true,
            }),
            occurred_at: now,
        },
    )?;
    Ok(document.id)
}

/// Queues one e-mail to the professional in the caller's transaction.
#[allow(clippy::too_many_arguments)]
fn queue(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    mail: &AdviceMail,
    from: &lettre::Address,
    link: &AdviceLink,
    to: &Email,
    subject: &str,
    html: &str,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<(), AdviceLinkError> {
    let id = OutboxId::new();
    let message = build(Outgoing {
        id,
        from_name: &mail.from_name,
        from_address: from,
        to,
        to_name: Some(&link.recipient_name),
        subject,
        html,
        date: now,
        calendar: None,
    })?;
    tx.enqueue_mail(
        scope,
        &NewMail {
            id,
            case_id: Some(link.case_id),
            purpose: purpose.to_owned(),
            recipient: to.clone(),
            subject: subject.to_owned(),
            message,
            created_at: now,
        },
    )?;
    Ok(())
}

/// Removes bytes this upload alone brought, after its transaction was refused: best
/// effort, as the retention job would find them unheld later anyway.
async fn forget_bytes(documents: &Documents, services: &Services, sha256: &str) {
    let (db, sha) = (services.db.clone(), sha256.to_owned());
    let held = blocking(move || Ok(db.read(|tx| tx.evidence_bytes_still_held(&sha))?)).await;
    if let Ok(false) = held
        && let Err(error) = documents.storage.remove(sha256).await
    {
        tracing::warn!(%error, "bytes of a refused advice upload were not removed");
    }
}

/// Runs a database step off the async workers.
async fn off_thread<T: Send + 'static>(
    step: impl FnOnce() -> Result<T, AdviceLinkError> + Send + 'static,
) -> Result<T, AdviceLinkError> {
    tokio::task::spawn_blocking(step).await.map_err(|e| {
        AdviceLinkError::Document(DocumentError::Staging(format!(
            "a database step stopped: {e}"
        )))
    })?
}

/// The last day of `link`'s 6 weeks, from its deadline.
fn due_on(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    link: &AdviceLink,
) -> Result<NaiveDate, StoreError> {
    Ok(tx
        .list_deadlines(scope, link.case_id)?
        .into_iter()
        .find(|d| d.id == link.deadline_id)
        .map_or(link.expires_at.date_naive(), |d| d.due_on))
}

/// The last moment of `day`, UTC.
fn end_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(23, 59, 59).unwrap_or_default().and_utc()
}

/// The sender's address, parsed.
fn sender(mail: &AdviceMail) -> Result<lettre::Address, AdviceLinkError> {
    mail.from_address
        .parse()
        .map_err(|e: lettre::address::AddressError| {
            AdviceLinkError::Notify(NotifyError::Settings {
                key: "from_address",
                rule: e.to_string(),
            })
        })
}

fn link_url(mail: &AdviceMail, token: &str) -> String {
    format!("{}/advice/{token}", mail.public_url.trim_end_matches('/'))
}

/// 32 random bytes from the thread's secure generator, as 64 hex characters.
fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex(&bytes)
}

/// The stored form of a presented token; `None` for anything that is not 64 hex
/// characters (no lookup is made for it).
fn token_sha256(token: &str) -> Option<String> {
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| sha256_hex(&token.to_ascii_lowercase()))
}

fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    super::staging::hex(bytes)
}

/// "A. E." from "Alex" and "Example".
fn initials(names: &[&str]) -> String {
    names
        .iter()
        .flat_map(|n| n.split([' ', '-']))
        .filter_map(|part| part.chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A date as letters write it: "2 December 2023".
fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// Whom the advice is asked of, as the letter says it (reg. 6(1)).
fn asked_of(source: AdviceSource) -> &'static str {
    match source {
        AdviceSource::EducationalPsychologist => "an educational psychologist",
        AdviceSource::Health => "a health care professional",
        AdviceSource::SocialCare => "social care",
        AdviceSource::Setting => "the head teacher or principal of the school or setting",
        AdviceSource::Parent => "the child's parent or the young person",
        AdviceSource::Other => "a professional",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_the_first_letter_of_each_name_part() {
        assert_eq!(initials(&["Alex", "Example"]), "A. E.");
        assert_eq!(initials(&["mary-jane", "O'Neil Smith"]), "M. J. O. S.");
    }

    #[test]
    fn only_a_64_hex_token_is_looked_up() {
        assert!(token_sha256(&"a".repeat(64)).is_some());
        assert!(token_sha256(&"a".repeat(63)).is_none());
        assert!(token_sha256(&"g".repeat(64)).is_none());
        assert_eq!(new_token().len(), 64);
        assert_ne!(new_token(), new_token());
    }

    #[test]
    fn a_link_is_used_revoked_expired_or_waiting_in_that_order() {
        let at = |h| {
            chrono::NaiveDate::from_ymd_opt(2023, 11, 13)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .map(|d| d.and_utc())
                .unwrap_or_default()
        };
        let mut link = AdviceLink {
            id: AdviceLinkId::new(),
            case_id: CaseId::new(),
            deadline_id: crate::domain::DeadlineId::new(),
            source: AdviceSource::Health,
            recipient_name: "Dr P".into(),
            recipient_email: "p@example.org".into(),
            question: "?".into(),
            token_sha256: String::new(),
            created_by: crate::domain::UserId::new(),
            created_at: at(1),
            expires_at: at(12),
            used_at: None,
            revoked_at: None,
            evidence_id: None,
        };
        assert_eq!(state_of(&link, at(11)), LinkState::Waiting);
        assert_eq!(state_of(&link, at(13)), LinkState::Expired);
        link.revoked_at = Some(at(2));
        assert_eq!(state_of(&link, at(13)), LinkState::Revoked);
        link.used_at = Some(at(3));
        assert_eq!(state_of(&link, at(13)), LinkState::Used);
    }
}
