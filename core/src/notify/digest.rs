//! The daily deadline digest: one e-mail a day to each officer about their own cases,
//! and one to each manager about the team.
//!
//! - An **officer** is whoever an open case is allocated to (`cases.officer_id`). Their
//!   digest lists, for their allocated open cases, the limits already overdue, those
//!   due today or within [`DUE_SOON_WORKING_DAYS`] working days (England and Wales bank
//!   holidays skipped, [`BankHolidays`]), and every request for advice still awaited
//!   (an open `AdviceDue` limit, whenever it is due). An overdue or soon-due request
//!   for advice is therefore listed twice: once by its date, once as advice awaited.
//! - A **manager** is a user with the `admin` role in the authority: sendpanel has no
//!   separate manager role, and admins are who allocates cases and manages the team.
//!   Their digest gives, for each officer with something to report, the counts of the
//!   three lists, a line for the cases allocated to nobody, and the number of open
//!   cases allocated to nobody. An admin with cases of their own gets both digests.
//! - A child is named by **initials only**, with the link to the case, as the advice
//!   link's page does: an e-mail leaves the service's access control (it is kept in
//!   mailboxes, forwarded, previewed on phones), while the record behind the link asks
//!   for a sign-in.
//! - **Once a day, even across restarts and servers.** Each digest is one transaction:
//!   it reads what to report, records the `digests_sent` row (unique per person, kind
//!   and day; [`crate::store::Tx::claim_digest`]) and queues the e-mail in the outbox.
//!   A second run the same day, after a restart or on another server, finds the row
//!   and sends nothing; two runs at the same moment both try, and the database refuses
//!   the second row, rolling its e-mail back.
//! - **Nothing to report, no e-mail, and no row.** A person with nothing overdue, due
//!   soon or awaited gets nothing that day; as no row is written, a later run the same
//!   day sends them a digest if something has come up since (a case allocated at
//!   noon). Still at most one of each kind a day.
//! - **Opt-out.** `users.deadline_digest` (on by default) is turned off on the account
//!   page or with `sendpanel user digest`; [`set_deadline_digest`] records the change as
//!   an `AccountChanged` event. An opted-out person is counted in
//!   [`DigestRun::skipped_opted_out`] and sent nothing.
//! - **Working days only.** `serve` runs [`spawn_digests`] hourly and sends on a
//!   working day once it is 07:00 in England ([`digest_day`]); on a weekend or bank
//!   holiday nothing goes. `sendpanel digests send --on DAY` sends for any day asked.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use chrono_tz::Europe::London;

use super::letters::{AuthorityPart, DigestLine, DigestPart, LetterContext, TeamLine};
use super::mail::{Outgoing, build};
use super::{LetterBook, LetterKind, NotifyError, day_and_date, long_date};
use crate::clock::{BankHolidays, ClockError};
use crate::domain::{Account, AdviceSource, DeadlineKind, Email, UserId, UserRole};
use crate::events::{AccountChange, AccountChanged, CaseEvent};
use crate::store::{
    AuthorityScope, Database, DigestDeadline, DigestKind, NewEvent, NewMail, OutboxId, StoreError,
    Tx,
};
use crate::time::Clock;

/// How far ahead "due soon" reaches: today and the next 10 working days.
pub const DUE_SOON_WORKING_DAYS: u32 = 10;

/// The hour (in England) from which a working day's digests go.
pub const DIGEST_HOUR: u32 = 7;

/// What the digest e-mails need: the letters (each authority's `deadline-digest.hbs`),
/// the address the case links are built on, and the sender.
#[derive(Debug, Clone)]
pub struct DigestMail {
    /// Every authority's letters.
    pub letters: Arc<LetterBook>,
    /// The address people open the service at, without a trailing slash.
    pub public_url: String,
    /// The sender's address, as the mail settings give it.
    pub from_address: String,
}

/// What one run of [`send_digests`] did, over every authority it was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DigestRun {
    /// Officers' digests queued.
    pub officers: usize,
    /// Managers' digests queued.
    pub managers: usize,
    /// Digests not sent because the person opted out.
    pub skipped_opted_out: usize,
    /// Digests already queued for that day (an earlier run, a restart, another server).
    pub already_sent: usize,
}

/// Why a digest run stopped. Digests queued before the failure stay queued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DigestError {
    /// The letter or the e-mail could not be written.
    #[error("the digest e-mail could not be written: {0}")]
    Notify(NotifyError),
    /// The working days could not be counted.
    #[error("the working days could not be counted: {0}")]
    Clock(#[from] ClockError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<NotifyError> for DigestError {
    fn from(e: NotifyError) -> Self {
        match e {
            NotifyError::Store(store) => Self::Store(store),
            other => Self::Notify(other),
        }
    }
}

/// How one person's digest went.
enum Outcome {
    Sent,
    OptedOut,
    AlreadySent,
    NothingToReport,
}

/// The day whose digests are due at `now`: today in England, if it is a working day
/// and 07:00 has passed there; `None` on weekends, bank holidays and before 07:00.
pub fn digest_day(now: DateTime<Utc>, holidays: &BankHolidays) -> Option<NaiveDate> {
    let local = now.with_timezone(&London);
    let today = local.date_naive();
    (local.hour() >= DIGEST_HOUR && holidays.is_working_day(today)).then_some(today)
}

/// Queues the digests for `today` in each of `scopes`' authorities: one to each enabled
/// officer with allocated open cases to report on, one to each enabled admin (the
/// managers) while the team has anything to report, each in its own transaction with
/// its `digests_sent` row. Sends for `today` whatever day it is: [`digest_day`] is what
/// keeps the service to working days. Safe to run again: what went already is counted
/// in [`DigestRun::already_sent`] and not sent again.
pub fn send_digests(
    db: &Database,
    mail: &DigestMail,
    scopes: &[AuthorityScope],
    today: NaiveDate,
    holidays: &BankHolidays,
    clock: &dyn Clock,
) -> Result<DigestRun, DigestError> {
    let from: lettre::Address =
        mail.from_address
            .parse()
            .map_err(|e: lettre::address::AddressError| {
                DigestError::Notify(NotifyError::Settings {
                    key: "from_address",
                    rule: e.to_string(),
                })
            })?;
    let due_by = holidays.working_days_after(today, DUE_SOON_WORKING_DAYS)?;
    let mut run = DigestRun::default();
    for scope in scopes {
        let (accounts, officers) = db.read(|tx| {
            let accounts = tx.list_accounts(scope)?;
            let mut officers: Vec<UserId> = tx
                .digest_deadlines(scope, due_by, None)?
                .into_iter()
                .filter_map(|d| d.officer)
                .collect();
            officers.sort();
            officers.dedup();
            Ok((accounts, officers))
        })?;
        let enabled = |id: UserId| accounts.iter().any(|a| a.user.id == id && a.is_enabled());
        let mut wanted: Vec<(UserId, DigestKind)> = officers
            .into_iter()
            .filter(|&id| enabled(id))
            .map(|id| (id, DigestKind::Officer))
            .collect();
        wanted.extend(
            accounts
                .iter()
                .filter(|a| a.is_enabled() && a.user.role == UserRole::Admin)
                .map(|a| (a.user.id, DigestKind::Manager)),
        );
        for (user, kind) in wanted {
            let job = Job {
                mail,
                from: &from,
                scope,
                today,
                due_by,
                at: clock.now(),
            };
            let outcome = db.write_with(|tx| job.digest(tx, user, kind));
            match outcome {
                Ok(Outcome::Sent) => {
                    tracing::info!(authority = %scope.authority(), user_id = %user, %kind, "deadline digest queued");
                    match kind {
                        DigestKind::Officer => run.officers += 1,
                        DigestKind::Manager => run.managers += 1,
                    }
                }
                Ok(Outcome::OptedOut) => run.skipped_opted_out += 1,
                Ok(Outcome::AlreadySent) => run.already_sent += 1,
                Ok(Outcome::NothingToReport) => {}
                // Another run claimed the same digest in the same moment: its row
                // stands, and this transaction (its e-mail too) rolled back.
                Err(DigestError::Store(StoreError::Conflict(_))) => run.already_sent += 1,
                Err(error) => return Err(error),
            }
        }
    }
    Ok(run)
}

/// Runs [`send_digests`] for `scopes` every `every` (hourly in `serve`), sending only
/// when [`digest_day`] says a day's digests are due, off the async workers, until the
/// task is dropped. The `digests_sent` rows make every round after the first of the
/// day send nothing more, even on another server. A failed round is logged and tried
/// again next time.
pub fn spawn_digests(
    db: Database,
    mail: DigestMail,
    scopes: Vec<AuthorityScope>,
    holidays: BankHolidays,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let Some(today) = digest_day(crate::time::SystemClock.now(), &holidays) else {
                continue;
            };
            let (db, mail, scopes, holidays) =
                (db.clone(), mail.clone(), scopes.clone(), holidays.clone());
            let round = tokio::task::spawn_blocking(move || {
                send_digests(
                    &db,
                    &mail,
                    &scopes,
                    today,
                    &holidays,
                    &crate::time::SystemClock,
                )
            })
            .await;
            match round {
                Ok(Ok(run)) if run.officers + run.managers > 0 => {
                    tracing::info!(
                        officers = run.officers,
                        managers = run.managers,
                        opted_out = run.skipped_opted_out,
                        "deadline digests queued"
                    );
                }
                Ok(Ok(_)) => {}
                Ok(Err(error)) => {
                    tracing::error!(%error, "deadline digests failed this round");
                }
                Err(error) => tracing::error!(%error, "the deadline digest round stopped"),
            }
        }
    })
}

/// Turns `user`'s daily deadline digest on or off, recording an `AccountChanged`
/// event (`deadline_digest_changed`) in the same transaction; `by` is who changed it
/// (`None` for the command line). Returns `false`, recording nothing, when it already
/// was so.
pub fn set_deadline_digest(
    db: &Database,
    scope: &AuthorityScope,
    user: UserId,
    on: bool,
    by: Option<UserId>,
    clock: &dyn Clock,
) -> Result<bool, StoreError> {
    let now = clock.now();
    db.write(|tx| {
        if !tx.set_deadline_digest(scope, user, on)? {
            return Ok(false);
        }
        tx.append_event(
            scope,
            NewEvent {
                case_id: None,
                fact: CaseEvent::AccountChanged(AccountChanged {
                    user,
                    change: AccountChange::DeadlineDigestChanged { on },
                }),
                actor: by,
                occurred_at: now,
            },
        )?;
        tracing::info!(user_id = %user, on, "deadline digest preference changed");
        Ok(true)
    })
}

/// Whether `user` gets the daily deadline digest.
pub fn wants_deadline_digest(
    db: &Database,
    scope: &AuthorityScope,
    user: UserId,
) -> Result<bool, StoreError> {
    db.read(|tx| tx.wants_deadline_digest(scope, user))
}

/// One run's fixed inputs, for each person's transaction.
struct Job<'a> {
    mail: &'a DigestMail,
    from: &'a lettre::Address,
    scope: &'a AuthorityScope,
    today: NaiveDate,
    due_by: NaiveDate,
    at: DateTime<Utc>,
}

impl Job<'_> {
    /// One person's digest of `kind`, decided on what this transaction reads: opted
    /// out, already sent, nothing to report, or claimed and queued.
    fn digest(
        &self,
        tx: &mut Tx<'_>,
        user: UserId,
        kind: DigestKind,
    ) -> Result<Outcome, DigestError> {
        let scope = self.scope;
        let account = tx.get_account(scope, user)?;
        if !account.is_enabled() {
            return Ok(Outcome::NothingToReport);
        }
        if !tx.wants_deadline_digest(scope, user)? {
            return Ok(Outcome::OptedOut);
        }
        if tx.digest_sent(user, kind, self.today)? {
            return Ok(Outcome::AlreadySent);
        }
        let part = match kind {
            DigestKind::Officer => {
                let deadlines = tx.digest_deadlines(scope, self.due_by, Some(user))?;
                self.officer_part(&deadlines)
            }
            DigestKind::Manager => {
                let deadlines = tx.digest_deadlines(scope, self.due_by, None)?;
                let unallocated = tx.count_unallocated_open_cases(scope)?;
                let accounts = tx.list_accounts(scope)?;
                self.manager_part(&deadlines, unallocated, &accounts)
            }
        };
        let Some(part) = part else {
            return Ok(Outcome::NothingToReport);
        };
        if !tx.claim_digest(scope, user, kind, self.today, self.at)? {
            return Ok(Outcome::AlreadySent);
        }
        let authority =
            tx.find_authority(scope.authority())?
                .ok_or_else(|| StoreError::NotFound {
                    entity: "authority",
                    id: scope.authority().to_string(),
                })?;
        let mut ctx = LetterContext::new(
            LetterKind::DeadlineDigest,
            AuthorityPart {
                name: authority.name.clone(),
                code: authority.id.to_string(),
            },
            long_date(self.today),
        );
        ctx.title = match kind {
            DigestKind::Officer => format!("Your deadlines on {}", long_date(self.today)),
            DigestKind::Manager => format!("Team deadlines on {}", long_date(self.today)),
        };
        ctx.salutation = format!("Dear {}", account.user.display_name);
        ctx.digest = Some(part);
        let letter =
            self.mail
                .letters
                .render(scope.authority(), LetterKind::DeadlineDigest, &ctx)?;
        let subject = format!("{}: {}", authority.name, ctx.title);
        self.queue(
            tx,
            &account.user.email,
            &account.user.display_name,
            &authority.name,
            &subject,
            &letter.html,
            kind,
        )?;
        Ok(Outcome::Sent)
    }

    /// An officer's lists, or `None` when they are all empty.
    fn officer_part(&self, deadlines: &[DigestDeadline]) -> Option<DigestPart> {
        let (mut overdue, mut due_soon, mut advice) = (Vec::new(), Vec::new(), Vec::new());
        for deadline in deadlines {
            let line = || DigestLine {
                initials: initials(&deadline.given_name, &deadline.family_name),
                link: format!(
                    "{}/cases/{}",
                    self.mail.public_url.trim_end_matches('/'),
                    deadline.case_id
                ),
                limit: limit_words(deadline.kind, deadline.subject.as_deref()),
                due_on: long_date(deadline.due_on),
            };
            match bucket(deadline.due_on, self.today, self.due_by) {
                Bucket::Overdue => overdue.push(line()),
                Bucket::DueSoon => due_soon.push(line()),
                Bucket::Later => {}
            }
            if deadline.kind == DeadlineKind::AdviceDue {
                advice.push(line());
            }
        }
        if overdue.is_empty() && due_soon.is_empty() && advice.is_empty() {
            return None;
        }
        Some(DigestPart {
            overdue,
            due_soon,
            advice,
            ..self.empty_part(false)
        })
    }

    /// A manager's team totals, or `None` when the team has nothing to report and no
    /// case is unallocated.
    fn manager_part(
        &self,
        deadlines: &[DigestDeadline],
        unallocated: i64,
        accounts: &[Account],
    ) -> Option<DigestPart> {
        let mut counts: BTreeMap<Option<UserId>, (usize, usize, usize)> = BTreeMap::new();
        for deadline in deadlines {
            let entry = counts.entry(deadline.officer).or_default();
            match bucket(deadline.due_on, self.today, self.due_by) {
                Bucket::Overdue => entry.0 += 1,
                Bucket::DueSoon => entry.1 += 1,
                Bucket::Later => {}
            }
            if deadline.kind == DeadlineKind::AdviceDue {
                entry.2 += 1;
            }
        }
        if counts.is_empty() && unallocated == 0 {
            return None;
        }
        let name = |officer: Option<UserId>| match officer {
            None => "Not allocated".to_owned(),
            Some(id) => accounts
                .iter()
                .find(|a| a.user.id == id)
                .map_or_else(|| id.to_string(), |a| a.user.display_name.clone()),
        };
        let mut team: Vec<(bool, String, TeamLine)> = counts
            .into_iter()
            .map(|(officer, (overdue, due_soon, advice))| {
                let officer_name = name(officer);
                (
                    officer.is_none(),
                    officer_name.clone(),
                    TeamLine {
                        officer: officer_name,
                        overdue,
                        due_soon,
                        advice,
                    },
                )
            })
            .collect();
        // Officers by name, the unallocated cases' line last.
        team.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        Some(DigestPart {
            team: team.into_iter().map(|(_, _, line)| line).collect(),
            unallocated,
            ..self.empty_part(true)
        })
    }

    fn empty_part(&self, manager: bool) -> DigestPart {
        DigestPart {
            manager,
            day: day_and_date(self.today),
            working_days: DUE_SOON_WORKING_DAYS,
            overdue: Vec::new(),
            due_soon: Vec::new(),
            advice: Vec::new(),
            team: Vec::new(),
            unallocated: 0,
            caseload_link: format!("{}/caseload", self.mail.public_url.trim_end_matches('/')),
        }
    }

    /// Queues the digest in the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    fn queue(
        &self,
        tx: &mut Tx<'_>,
        to: &Email,
        to_name: &str,
        sender_name: &str,
        subject: &str,
        html: &str,
        kind: DigestKind,
    ) -> Result<(), DigestError> {
        let id = OutboxId::new();
        let message = build(Outgoing {
            id,
            from_name: sender_name,
            from_address: self.from,
            to,
            to_name: Some(to_name),
            subject,
            html,
            date: self.at,
            calendar: None,
        })?;
        tx.enqueue_mail(
            self.scope,
            &NewMail {
                id,
                case_id: None,
                purpose: format!("digest:{kind}"),
                recipient: to.clone(),
                subject: subject.to_owned(),
                message,
                created_at: self.at,
            },
        )?;
        Ok(())
    }
}

/// Where a limit falls on the digest's day.
enum Bucket {
    Overdue,
    DueSoon,
    Later,
}

fn bucket(due_on: NaiveDate, today: NaiveDate, due_by: NaiveDate) -> Bucket {
    if due_on < today {
        Bucket::Overdue
    } else if due_on <= due_by {
        Bucket::DueSoon
    } else {
        Bucket::Later
    }
}

/// "A. E." from "Alex" and "Example": each part of each name, hyphenated or spaced.
fn initials(given: &str, family: &str) -> String {
    [given, family]
        .iter()
        .flat_map(|n| n.split([' ', '-']))
        .filter_map(|part| part.chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The limit in words, as a caseworker names it, with the rule's source.
fn limit_words(kind: DeadlineKind, subject: Option<&str>) -> String {
    use DeadlineKind as K;
    let words = match kind {
        K::DecideWhetherToAssess => "Decide whether to assess (reg. 5(1))",
        K::AdviceDue => {
            let from = subject
                .and_then(|s| s.parse::<AdviceSource>().ok())
                .map(advice_from);
            return match from {
                Some(from) => format!("Advice from {from} (reg. 8(1))"),
                None => "Advice (reg. 8(1))".to_owned(),
            };
        }
        K::DecideNotToIssue => "Decide whether to issue a plan (reg. 10(1))",
        K::RepresentationsDue => "Representations on the draft plan (reg. 13(1))",
        K::FinalPlan => "Final plan (reg. 13(2))",
        K::AnnualReview => "Annual review (CFA s.44(1))",
        K::ReviewPapers => "Review meeting papers (reg. 20(3))",
        K::ReviewReport => "Review report (reg. 20(7))",
        K::ReviewDecision => "Review decision (reg. 20(10))",
        K::AmendedPlan => "Amended plan (reg. 22(3))",
        K::PhaseTransfer => "Phase transfer review (reg. 18)",
        K::PlanTransfer => "Transfer the plan (reg. 15(2))",
        K::TransferNotice => "Transfer notice to the family (reg. 15(4))",
        K::Mediation => "Mediation (reg. 37)",
        K::TribunalOrder => {
            return match subject {
                Some(step) => format!("Tribunal order: {step} (reg. 44(2))"),
                None => "Tribunal order (reg. 44(2))".to_owned(),
            };
        }
    };
    words.to_owned()
}

/// Whom advice was asked of, in a few words.
fn advice_from(source: AdviceSource) -> &'static str {
    match source {
        AdviceSource::EducationalPsychologist => "the educational psychologist",
        AdviceSource::Health => "health",
        AdviceSource::SocialCare => "social care",
        AdviceSource::Setting => "the school or setting",
        AdviceSource::Parent => "the parent or young person",
        AdviceSource::Other => "another professional",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn initials_take_the_first_letter_of_each_name_part() {
        assert_eq!(initials("Alex", "Example"), "A. E.");
        assert_eq!(initials("mary-jane", "O'Neil Smith"), "M. J. O. S.");
    }

    #[test]
    fn digests_go_on_working_days_from_seven_in_england() {
        let holidays = BankHolidays::england_and_wales();
        let at = |m, d, h| {
            Utc.with_ymd_and_hms(2026, m, d, h, 0, 0)
                .single()
                .unwrap_or_default()
        };
        // Monday 7 December 2026, GMT: 06:59 is too early, 07:00 is time.
        assert_eq!(digest_day(at(12, 7, 6), &holidays), None);
        assert_eq!(
            digest_day(at(12, 7, 7), &holidays),
            NaiveDate::from_ymd_opt(2026, 12, 7)
        );
        // Saturday, and Christmas Day: nothing.
        assert_eq!(digest_day(at(12, 5, 9), &holidays), None);
        assert_eq!(digest_day(at(12, 25, 9), &holidays), None);
        // Summer time: 06:00 UTC is 07:00 in London.
        assert_eq!(
            digest_day(at(6, 1, 6), &holidays),
            NaiveDate::from_ymd_opt(2026, 6, 1)
        );
    }

    #[test]
    fn a_limit_falls_overdue_due_soon_or_later() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap_or_default();
        assert!(matches!(bucket(d(4), d(7), d(21)), Bucket::Overdue));
        assert!(matches!(bucket(d(7), d(7), d(21)), Bucket::DueSoon));
        assert!(matches!(bucket(d(21), d(7), d(21)), Bucket::DueSoon));
        assert!(matches!(bucket(d(22), d(7), d(21)), Bucket::Later));
    }
}
