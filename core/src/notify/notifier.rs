//! The event observer that writes letters and queues e-mail, inside the transaction of
//! the event that calls for them.
//!
//! | event | letter (kept on the case) | e-mail |
//! | --- | --- | --- |
//! | `decision_recorded`, assess, agreed / refused | decision to assess / refusal to assess | to the family |
//! | `decision_recorded`, issue, agreed / refused | decision to issue / not to issue | to the family |
//! | `draft_plan_served` | draft plan cover | to the family |
//! | `final_plan_issued` | final plan cover | to the family |
//! | `review_decision_recorded`, maintain or amend / cease | annual review / ceasing | to the family |
//! | `next_steps_meeting_arranged` | next-steps invitation | to the family, with `.ics` |
//! | `sitting_scheduled` | (none) | to each member, with `.ics` |
//!
//! A family without a contact e-mail still gets the letter stored, for posting. Any
//! failure (a template that will not render, a missing fact) rolls the event's whole
//! transaction back, so a decision never stands without its letter.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;
use lettre::Address;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::calendar::{self, Invitation};
use super::letters::{
    AssessmentPart, AuthorityPart, ChildPart, DraftPart, FundingPart, LetterContext, MeetingPart,
    NextStepsPart, PlacementPart, PlanPart, ReviewPart, Rights, SittingPart,
};
use super::mail::{self, Outgoing};
use super::{LetterBook, LetterKind, MailSettings, NotifyError, day_and_date, long_date};
use crate::clock::{BankHolidays, ClockFacts, Deadlines};
use crate::domain::{
    Authority, CaseId, Document, DocumentId, DocumentKind, Email, Event, Pence, RequestedBy,
};
use crate::events::{self, CaseEvent};
use crate::policy::contract::{Attendee, NextStepsPlan, Venue};
use crate::store::{AuthorityScope, EventObserver, NewEvent, NewMail, OutboxId, StoreError, Tx};

/// How long a next-steps meeting is put in the family's calendar.
const MEETING_MINUTES: i64 = 60;
/// How long a panel sitting is put in members' calendars: a morning.
const SITTING_MINUTES: i64 = 180;

/// Writes letters and queues e-mail for the events in the module table. Install once
/// with [`crate::store::Database::observe`].
pub struct Notifier {
    letters: LetterBook,
    from: Address,
    holidays: BankHolidays,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("letters", &self.letters)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Notifier {
    /// A notifier writing `letters`, sending from the settings' `from_address`, and
    /// counting appeal dates with `holidays` (Tribunal time: a last day at Christmas or
    /// in August, or on any other day that is not a working day, moves to a working day;
    /// HESC Rules 2008 r.12).
    pub fn new(
        letters: LetterBook,
        settings: &MailSettings,
        holidays: BankHolidays,
    ) -> Result<Self, NotifyError> {
        let from = settings
            .from_address
            .parse()
            .map_err(|e: lettre::address::AddressError| NotifyError::Settings {
                key: "from_address",
                rule: e.to_string(),
            })?;
        Ok(Self {
            letters,
            from,
            holidays,
        })
    }

    fn notify(
        &self,
        tx: &mut Tx<'_>,
        scope: &AuthorityScope,
        event: &Event,
    ) -> Result<(), NotifyError> {
        use crate::domain::{DecisionKind as K, DecisionOutcome as O, ReviewDecision as R};
        let kind = match &event.fact {
            CaseEvent::DecisionRecorded(decided) => match (decided.kind, decided.outcome) {
                (K::Assess, O::Agreed) => LetterKind::DecisionToAssess,
                (K::Assess, O::Refused) => LetterKind::RefusalToAssess,
                (K::Issue, O::Agreed) => LetterKind::DecisionToIssue,
                (K::Issue, O::Refused) => LetterKind::DecisionNotToIssue,
                // Deferred items and the kinds without a family letter yet (placement,
                // banding, post-16) write none.
                _ => return Ok(()),
            },
            CaseEvent::DraftPlanServed(_) => LetterKind::DraftPlan,
            CaseEvent::FinalPlanIssued(_) => LetterKind::FinalPlan,
            CaseEvent::ReviewDecisionRecorded(review) => match review.choice {
                R::Maintain | R::Amend => LetterKind::AnnualReview,
                R::Cease => LetterKind::Ceasing,
            },
            CaseEvent::NextStepsMeetingArranged(_) => LetterKind::NextStepsMeeting,
            CaseEvent::PlacementDecided(_) => LetterKind::PlacementNamed,
            CaseEvent::FundingCommitted(_) => LetterKind::FundingAgreed,
            CaseEvent::SittingScheduled(sitting) => {
                return self.invite_sitting(tx, scope, event, sitting);
            }
            // Facts with no letter or e-mail of their own. Listed, not defaulted: a new
            // kind of event must be placed in this table before it compiles.
            CaseEvent::AuthorityRegistered(_)
            | CaseEvent::UserAdded(_)
            | CaseEvent::AccountChanged(_)
            | CaseEvent::EvidenceAdded(_)
            | CaseEvent::AdviceLinkSent(_)
            | CaseEvent::AdviceChased(_)
            | CaseEvent::AdviceLinkRevoked(_)
            | CaseEvent::CaseAllocated(_)
            | CaseEvent::RequestWithdrawn(_)
            | CaseEvent::CaseClosed(_)
            | CaseEvent::CaseReopened(_)
            | CaseEvent::ChildDetailsCorrected(_)
            | CaseEvent::CaseNoteRecorded(_)
            | CaseEvent::PlanImported(_)
            | CaseEvent::RequestImported(_)
            | CaseEvent::RequestReceived(_)
            | CaseEvent::DeadlineSet(_)
            | CaseEvent::AgendaItemAdded(_)
            | CaseEvent::VoteCast(_)
            | CaseEvent::DocumentStored(_)
            | CaseEvent::AdviceRecorded(_)
            | CaseEvent::NextStepsOutcomeRecorded(_)
            | CaseEvent::ExceptionRecorded(_)
            | CaseEvent::AdviceRequested(_)
            | CaseEvent::AdviceReceived(_)
            | CaseEvent::ReviewMeetingScheduled(_)
            | CaseEvent::PhaseTransferPlanned(_)
            | CaseEvent::PhaseTransferCompleted(_)
            | CaseEvent::MoveOutNotified(_)
            | CaseEvent::PlanTransferredOut(_)
            | CaseEvent::PlanTransferredIn(_)
            | CaseEvent::TransferNoticeSent(_)
            | CaseEvent::MediationRequested(_)
            | CaseEvent::MediationConcluded(_)
            | CaseEvent::AppealLodged(_)
            | CaseEvent::TribunalDecided(_)
            | CaseEvent::TribunalOrderComplied(_)
            | CaseEvent::PapersOpened(_)
            | CaseEvent::ConflictDeclared(_)
            | CaseEvent::AgendaItemClosed(_) => return Ok(()),
        };
        self.case_letter(tx, scope, event, kind)
    }

    /// Renders the letter for a case event, keeps it on the case, and queues it to the
    /// family's address when there is one.
    fn case_letter(
        &self,
        tx: &mut Tx<'_>,
        scope: &AuthorityScope,
        event: &Event,
        kind: LetterKind,
    ) -> Result<(), NotifyError> {
        let p = Facts(event);
        let case_id = event
            .case_id
            .ok_or_else(|| p.invalid("case_id", "is required for a letter"))?;
        let case = tx.get_case(scope, case_id)?;
        let request = tx.get_request(scope, case.request_id)?;
        let child = tx.get_child(scope, case.child_id)?;
        let authority = self.authority(tx, scope)?;

        let letter_date = match &event.fact {
            CaseEvent::DraftPlanServed(served) => served.served_on,
            CaseEvent::FinalPlanIssued(issued) => issued.issued_on,
            CaseEvent::NextStepsMeetingArranged(_)
            | CaseEvent::PlacementDecided(_)
            | CaseEvent::FundingCommitted(_) => {
                event.occurred_at.with_timezone(&London).date_naive()
            }
            CaseEvent::DecisionRecorded(decided) => decided.decided_on,
            CaseEvent::ReviewDecisionRecorded(review) => review.decided_on,
            _ => return Err(p.invalid("kind", "this event has no case letter")),
        };
        let mut ctx = LetterContext::new(kind, authority_part(&authority), long_date(letter_date));
        ctx.child = Some(ChildPart {
            given_name: child.given_name.to_string(),
            family_name: child.family_name.to_string(),
            full_name: format!("{} {}", child.given_name, child.family_name),
        });
        if request.requested_by == RequestedBy::YoungPerson {
            ctx.salutation = format!("Dear {}", child.given_name);
        }
        let payload_rights = |p: &Facts<'_>| -> Result<Rights, NotifyError> {
            let (mediation_contact_by, appeal_by) = p.family_dates()?;
            Ok(Rights {
                mediation_contact_by: long_date(mediation_contact_by),
                appeal_by: long_date(appeal_by),
            })
        };
        let mut calendar_file = None;
        match kind {
            LetterKind::DecisionToAssess | LetterKind::DecisionToIssue => {
                ctx.reasons = Some(reasons(tx, scope, case_id, &p)?);
                let dates = self.clock(
                    &p,
                    ClockFacts {
                        request_received: Some(request.received_on),
                        ..ClockFacts::default()
                    },
                )?;
                ctx.assessment = Some(AssessmentPart {
                    issue_decision_by: long_date(date_of(&p, &dates, "decide_not_to_issue_by")?),
                    final_plan_by: long_date(date_of(&p, &dates, "final_plan_by")?),
                });
            }
            LetterKind::RefusalToAssess => {
                ctx.reasons = Some(reasons(tx, scope, case_id, &p)?);
                ctx.rights = Some(payload_rights(&p)?);
                ctx.next_steps = self.planned_next_steps(tx, scope, case_id, letter_date)?;
            }
            LetterKind::DecisionNotToIssue | LetterKind::Ceasing => {
                ctx.reasons = Some(reasons(tx, scope, case_id, &p)?);
                ctx.rights = Some(payload_rights(&p)?);
            }
            LetterKind::DraftPlan => {
                ctx.draft = Some(DraftPart {
                    served_on: long_date(letter_date),
                    representations_by: long_date(match &event.fact {
                        CaseEvent::DraftPlanServed(served) => served.representations_by,
                        _ => return Err(p.invalid("representations_by", "is missing")),
                    }),
                });
            }
            LetterKind::FinalPlan => {
                // The plan's issue is the decision notice for an appeal against its
                // contents (Tribunal rule 20) and starts its first 12 months (CFA s.44(1)).
                let dates = self.clock(
                    &p,
                    ClockFacts {
                        plan_issued: Some(letter_date),
                        decision_notice_sent: Some(letter_date),
                        ..ClockFacts::default()
                    },
                )?;
                ctx.plan = Some(PlanPart {
                    issued_on: long_date(letter_date),
                    review_by: long_date(date_of(&p, &dates, "annual_review_by")?),
                });
                ctx.rights = Some(Rights {
                    mediation_contact_by: long_date(date_of(&p, &dates, "mediation_contact_by")?),
                    appeal_by: long_date(date_of(&p, &dates, "appeal_by")?),
                });
            }
            LetterKind::AnnualReview => {
                ctx.reasons = Some(reasons(tx, scope, case_id, &p)?);
                let CaseEvent::ReviewDecisionRecorded(review) = &event.fact else {
                    return Err(p.invalid("choice", "is missing"));
                };
                let amend = review.choice == crate::domain::ReviewDecision::Amend;
                ctx.review = Some(ReviewPart {
                    maintain: !amend,
                    amend,
                    next_review_by: review.next_review_by.map(long_date),
                    amended_plan_by: review.amended_plan_by.map(long_date),
                });
                if !amend {
                    ctx.rights = Some(payload_rights(&p)?);
                }
            }
            LetterKind::NextStepsMeeting => {
                let CaseEvent::NextStepsMeetingArranged(meeting) = &event.fact else {
                    return Err(p.invalid("meets_on", "is missing"));
                };
                let (meets_on, starts_at) = (meeting.meets_on, meeting.starts_at);
                let location = meeting.location.clone();
                let with = meeting.with.clone();
                let starts = calendar::london(meets_on, starts_at).ok_or_else(|| {
                    p.invalid("starts_at", "is not a time that exists in England that day")
                })?;
                let description = format!(
                    "A meeting with {} to talk about the next steps for {}'s support.",
                    authority.name, child.given_name
                );
                calendar_file = request.contact_email.as_ref().map(|email| {
                    calendar::ics(&Invitation {
                        uid: format!("next-steps-{}@{}", event.id, self.domain()),
                        summary: &format!("Next-steps meeting with {}", authority.name),
                        description: &description,
                        location: &location,
                        starts,
                        ends: starts + chrono::Duration::minutes(MEETING_MINUTES),
                        stamp: event.occurred_at,
                        organizer_name: &authority.name,
                        organizer_address: self.from.as_ref(),
                        attendee_address: email.as_str(),
                    })
                });
                ctx.meeting = Some(MeetingPart {
                    meets_on: day_and_date(meets_on),
                    starts_at: starts_at.format("%H:%M").to_string(),
                    location,
                    with,
                });
            }
            LetterKind::PlacementNamed => {
                let CaseEvent::PlacementDecided(placed) = &event.fact else {
                    return Err(p.invalid("placement", "is missing"));
                };
                let setting = tx.get_education_setting(scope, placed.setting)?;
                ctx.placement = Some(placement_part(&setting, placed.starts_on));
                ctx.reasons = Some(paragraphs(&placed.reasons));
                // This letter is the notice an appeal against the setting named runs
                // from (CFA s.51; Tribunal rule 20).
                let dates = self.clock(
                    &p,
                    ClockFacts {
                        decision_notice_sent: Some(letter_date),
                        ..ClockFacts::default()
                    },
                )?;
                ctx.rights = Some(Rights {
                    mediation_contact_by: long_date(date_of(&p, &dates, "mediation_contact_by")?),
                    appeal_by: long_date(date_of(&p, &dates, "appeal_by")?),
                });
            }
            LetterKind::FundingAgreed => {
                let CaseEvent::FundingCommitted(committed) = &event.fact else {
                    return Err(p.invalid("commitment", "is missing"));
                };
                let commitment = tx
                    .commitments_of(scope, case_id)?
                    .into_iter()
                    .find(|c| c.id == committed.commitment)
                    .ok_or_else(|| p.invalid("commitment", "names no commitment on this case"))?;
                let setting = tx.get_education_setting(scope, commitment.setting_id)?;
                let placed_from = tx
                    .placements_of(scope, case_id)?
                    .into_iter()
                    .find(|placement| placement.id == commitment.placement_id)
                    .map_or(commitment.starts_on, |placement| placement.terms.starts_on);
                ctx.placement = Some(placement_part(&setting, placed_from));
                ctx.funding = Some(FundingPart {
                    band: format!("{} ({})", commitment.band_title, commitment.band_code),
                    place_funding: Pence::new(commitment.place_funding_pence).to_string(),
                    top_up: Pence::new(commitment.top_up_pence).to_string(),
                    other_elements: commitment
                        .other_elements
                        .iter()
                        .map(|e| format!("{} {}", e.name, Pence::new(e.yearly_pence)))
                        .collect(),
                    starts_on: long_date(commitment.starts_on),
                    ends_on: commitment.ends_on.map(long_date),
                });
            }
            LetterKind::SittingInvitation => {
                return Err(p.invalid("kind", "a sitting invitation is not a case letter"));
            }
            LetterKind::AdviceRequest => {
                return Err(p.invalid(
                    "kind",
                    "a request for advice is written when the link is sent, not for an event",
                ));
            }
            LetterKind::DeadlineDigest => {
                return Err(p.invalid("kind", "a deadline digest is not a case letter"));
            }
        }

        let letter = self.letters.render(scope.authority(), kind, &ctx)?;
        let document = Document {
            id: DocumentId::new(),
            authority_id: scope.authority().clone(),
            case_id,
            kind: DocumentKind::Letter,
            title: kind.title().to_owned(),
            media_type: "text/html".into(),
            sha256: Sha256::digest(letter.html.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            content: letter.html.clone().into_bytes(),
            template_version: Some(letter.template_version.clone()),
            created_at: event.occurred_at,
        };
        tx.insert_document(scope, &document)?;
        let emailed = request.contact_email.is_some();
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::DocumentStored(events::DocumentStored {
                    document: document.id,
                    kind: DocumentKind::Letter,
                    letter: Some(kind),
                    template_version: Some(letter.template_version),
                    emailed,
                }),
                actor: event.actor,
                occurred_at: event.occurred_at,
            },
        )?;
        if let Some(email) = request.contact_email {
            self.enqueue(
                tx,
                scope,
                Queued {
                    case_id: Some(case_id),
                    purpose: format!("letter:{kind}"),
                    to: &email,
                    to_name: None,
                    subject: &format!("{}: {}", authority.name, kind.title()),
                    html: &letter.html,
                    sender_name: &authority.name,
                    at: event.occurred_at,
                    calendar: calendar_file,
                },
            )?;
        }
        Ok(())
    }

    /// One invitation per member of a new sitting, each with the sitting in a calendar
    /// file; the same `UID` for every member, so it is one meeting in shared calendars.
    fn invite_sitting(
        &self,
        tx: &mut Tx<'_>,
        scope: &AuthorityScope,
        event: &Event,
        scheduled: &events::SittingScheduled,
    ) -> Result<(), NotifyError> {
        let p = Facts(event);
        let sitting = scheduled.sitting;
        let panel_name = scheduled.panel_name.clone();
        let sits_on = scheduled.sits_on;
        let starts_at = scheduled.starts_at;
        let location = scheduled.location.clone();
        let starts = calendar::london(sits_on, starts_at).ok_or_else(|| {
            p.invalid("starts_at", "is not a time that exists in England that day")
        })?;
        let authority = self.authority(tx, scope)?;
        for member in &scheduled.members {
            let role = member.role.as_str().replace(['_', '-'], " ");
            let user = tx.get_user(scope, member.user)?;
            let mut ctx = LetterContext::new(
                LetterKind::SittingInvitation,
                authority_part(&authority),
                long_date(event.occurred_at.with_timezone(&London).date_naive()),
            );
            ctx.salutation = format!("Dear {}", user.display_name);
            ctx.sitting = Some(SittingPart {
                panel_name: panel_name.clone(),
                sits_on: day_and_date(sits_on),
                starts_at: starts_at.format("%H:%M").to_string(),
                location: location.clone(),
                member_name: user.display_name.clone(),
                role,
            });
            let letter =
                self.letters
                    .render(scope.authority(), LetterKind::SittingInvitation, &ctx)?;
            let ics = calendar::ics(&Invitation {
                uid: format!("sitting-{sitting}@{}", self.domain()),
                summary: &format!("{panel_name} ({})", authority.name),
                description: &format!(
                    "{panel_name} sitting. Open the papers in sendpanel before the sitting and declare any conflict of interest."
                ),
                location: &location,
                starts,
                ends: starts + chrono::Duration::minutes(SITTING_MINUTES),
                stamp: event.occurred_at,
                organizer_name: &authority.name,
                organizer_address: self.from.as_ref(),
                attendee_address: user.email.as_str(),
            });
            self.enqueue(
                tx,
                scope,
                Queued {
                    case_id: None,
                    purpose: "invitation:sitting".into(),
                    to: &user.email,
                    to_name: Some(&user.display_name),
                    subject: &format!(
                        "{}: invitation to {panel_name} on {}",
                        authority.name,
                        long_date(sits_on)
                    ),
                    html: &letter.html,
                    sender_name: &authority.name,
                    at: event.occurred_at,
                    calendar: Some(ics),
                },
            )?;
        }
        Ok(())
    }

    /// The meeting the authority's next-steps plugin planned after the refusal, if it
    /// advised one; `None` (the letter then says the authority will be in touch) when
    /// there is no such advice, the plugin said no meeting is needed, or the stored
    /// answer no longer reads as a plan.
    fn planned_next_steps(
        &self,
        tx: &mut Tx<'_>,
        scope: &AuthorityScope,
        case_id: CaseId,
        decided_on: NaiveDate,
    ) -> Result<Option<NextStepsPart>, NotifyError> {
        let advice = tx.advice_for_case(scope, &case_id)?;
        let Some(latest) = advice
            .iter()
            .rev()
            .find(|a| a.call == "next-steps" && a.outcome == "advice")
        else {
            return Ok(None);
        };
        let plan = latest
            .output_json
            .as_deref()
            .and_then(|json| serde_json::from_str::<Value>(json).ok())
            .and_then(|mut answer| answer.get_mut("Ok").map(Value::take))
            .and_then(|plan| serde_json::from_value::<NextStepsPlan>(plan).ok());
        let Some(plan) = plan else {
            tracing::warn!(advice = %latest.id, "next-steps advice is not a plan; letter says we will be in touch");
            return Ok(None);
        };
        if !plan.meeting_required {
            return Ok(None);
        }
        let days = u32::from(plan.within_working_days);
        let meet_by = self
            .holidays
            .working_days_after(decided_on, days)
            .map_err(|e| NotifyError::Payload {
                event: "advice".into(),
                field: "within_working_days",
                rule: e.to_string(),
            })?;
        Ok(Some(NextStepsPart {
            within_working_days: days,
            meet_by: long_date(meet_by),
            attendees: plan
                .attendees
                .iter()
                .map(|a| attendee(*a).to_owned())
                .collect(),
            venue: venue(plan.venue).to_owned(),
            agenda: plan.agenda,
        }))
    }

    fn enqueue(
        &self,
        tx: &mut Tx<'_>,
        scope: &AuthorityScope,
        mail: Queued<'_>,
    ) -> Result<(), NotifyError> {
        let id = OutboxId::new();
        let message = mail::build(Outgoing {
            id,
            from_name: mail.sender_name,
            from_address: &self.from,
            to: mail.to,
            to_name: mail.to_name,
            subject: mail.subject,
            html: mail.html,
            date: mail.at,
            calendar: mail.calendar,
        });
        let message = match message {
            Ok(message) => message,
            // An address our light check accepted but the mailer cannot: the letter is
            // kept for posting; a decision is not undone for a mistyped address.
            Err(error) => {
                tracing::warn!(%error, purpose = %mail.purpose, "e-mail not queued; the letter is kept for posting");
                return Ok(());
            }
        };
        tx.enqueue_mail(
            scope,
            &NewMail {
                id,
                case_id: mail.case_id,
                purpose: mail.purpose,
                recipient: mail.to.clone(),
                subject: mail.subject.to_owned(),
                message,
                created_at: mail.at,
            },
        )?;
        Ok(())
    }

    fn authority(&self, tx: &mut Tx<'_>, scope: &AuthorityScope) -> Result<Authority, NotifyError> {
        tx.find_authority(scope.authority())?.ok_or_else(|| {
            NotifyError::Store(StoreError::NotFound {
                entity: "authority",
                id: scope.authority().to_string(),
            })
        })
    }

    fn clock(&self, p: &Facts<'_>, facts: ClockFacts) -> Result<Deadlines, NotifyError> {
        facts
            .deadlines(&self.holidays)
            .map_err(|e| p.invalid("dates", &e.to_string()))
    }

    fn domain(&self) -> &str {
        self.from.domain()
    }
}

impl EventObserver for Notifier {
    fn observed(
        &self,
        tx: &mut Tx<'_>,
        scope: &AuthorityScope,
        event: &Event,
    ) -> Result<(), StoreError> {
        self.notify(tx, scope, event).map_err(|error| match error {
            // Keep the store's own error (a conflict stays a conflict).
            NotifyError::Store(store) => store,
            other => StoreError::Observer(format!(
                "the letter or e-mail for this {} could not be written, so nothing was saved: {other}",
                event.kind()
            )),
        })
    }
}

/// One message to queue.
struct Queued<'a> {
    case_id: Option<CaseId>,
    purpose: String,
    to: &'a Email,
    to_name: Option<&'a str>,
    subject: &'a str,
    html: &'a str,
    sender_name: &'a str,
    at: DateTime<Utc>,
    calendar: Option<String>,
}

/// Names the event and field in every error about what a letter needed from it.
struct Facts<'a>(&'a Event);

impl Facts<'_> {
    fn invalid(&self, field: &'static str, rule: &str) -> NotifyError {
        NotifyError::payload(self.0.kind(), field, rule)
    }

    /// The decision the event records.
    fn decision(&self) -> Result<crate::domain::DecisionId, NotifyError> {
        match &self.0.fact {
            CaseEvent::DecisionRecorded(decided) => Ok(decided.decision),
            CaseEvent::ReviewDecisionRecorded(review) => Ok(review.decision),
            _ => Err(self.invalid("decision", "is missing")),
        }
    }

    /// The family's last days to contact a mediation adviser and to appeal, which a
    /// decision carrying appeal rights must state.
    fn family_dates(&self) -> Result<(NaiveDate, NaiveDate), NotifyError> {
        let (mediation, appeal) = match &self.0.fact {
            CaseEvent::DecisionRecorded(decided) => {
                (decided.mediation_contact_by, decided.appeal_by)
            }
            CaseEvent::ReviewDecisionRecorded(review) => {
                (review.mediation_contact_by, review.appeal_by)
            }
            _ => (None, None),
        };
        Ok((
            mediation.ok_or_else(|| self.invalid("mediation_contact_by", "is missing"))?,
            appeal.ok_or_else(|| self.invalid("appeal_by", "is missing"))?,
        ))
    }
}

fn authority_part(authority: &Authority) -> AuthorityPart {
    AuthorityPart {
        name: authority.name.clone(),
        code: authority.id.to_string(),
    }
}

fn date_of(p: &Facts<'_>, dates: &Deadlines, key: &'static str) -> Result<NaiveDate, NotifyError> {
    dates
        .get(key)
        .copied()
        .ok_or_else(|| p.invalid(key, "could not be worked out"))
}

/// The decision the event records, its reasons split into paragraphs.
/// The setting a letter names, in words a family reads.
fn placement_part(
    setting: &crate::domain::EducationSetting,
    starts_on: NaiveDate,
) -> PlacementPart {
    PlacementPart {
        setting: setting.name.clone(),
        kind: setting.kind.words().to_owned(),
        out_of_area: !setting.in_area,
        starts_on: long_date(starts_on),
    }
}

/// Free text as a letter's paragraphs: one per non-empty line.
fn paragraphs(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

fn reasons(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case_id: CaseId,
    p: &Facts<'_>,
) -> Result<Vec<String>, NotifyError> {
    let id = p.decision()?;
    let decision = tx
        .list_decisions(scope, case_id)?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| p.invalid("decision", "names no decision on this case"))?;
    Ok(decision
        .reasons
        .as_str()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Who the plugin plans to invite, in words a parent knows.
fn attendee(who: Attendee) -> &'static str {
    match who {
        Attendee::ParentOrYoungPerson => "you",
        Attendee::SenCaseworker => "your SEN caseworker",
        Attendee::Senco => {
            "the special educational needs co-ordinator (SENCO) at your child's school or setting"
        }
        Attendee::EducationalPsychologist => "an educational psychologist",
        Attendee::SettingLeader => "the head teacher or manager of your child's school or setting",
        Attendee::Health => "someone from health services",
        Attendee::SocialCare => "someone from social care",
        Attendee::ParentCarerForum => "someone from the parent carer forum",
        Attendee::Sendiass => {
            "SENDIASS, the free and impartial information, advice and support service, if you would like them there"
        }
    }
}

/// Where the meeting will be, as the letter says it.
fn venue(venue: Venue) -> &'static str {
    match venue {
        Venue::Setting => "at your child's school or setting",
        Venue::LocalAuthorityOffice => "at our offices",
        Venue::Online => "online",
        Venue::FamilyChoice => "at a place that suits you",
    }
}
