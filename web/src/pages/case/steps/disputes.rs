//! The forms for a family's disagreement with a decision: mediation (Children and
//! Families Act 2014 s.53; SEND Regulations 2014 regs. 32-42), an appeal to the
//! First-tier Tribunal (SEND) (s.51), the Tribunal's decision, and each step of its
//! order carried out (reg. 44(2)).
//!
//! [`super`] owns the steps' names, headings and who may record them; this
//! module draws their fields, reads them into the core's commands and runs them. When
//! each step is offered mirrors the core's own guards: a dispute needs a decision on
//! the case to dispute, an outcome needs an open mediation, the Tribunal's decision a
//! pending appeal. The core still checks all of it.

use chrono::NaiveDate;
use sendpanel_core::domain::{CaseId, DeadlineKind, DecisionId};
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::workflow::{
    CaseView, DeadlineView, LodgeAppeal, MediationOutcome, RecordMediationOutcome,
    RecordOrderComplied, RecordTribunalDecision, RequestMediation, TribunalOrder, TribunalOutcome,
    WorkflowError,
};

use crate::pages::case::facts::Group;
use crate::pages::fields::{Field, Kind, Reader};
use crate::pages::work::{long_date, words};

/// A dispute form read into the core's command.
pub enum Parsed {
    Mediation(RequestMediation),
    MediationOutcome(RecordMediationOutcome),
    Appeal(LodgeAppeal),
    Tribunal(RecordTribunalDecision),
    Complied(RecordOrderComplied),
}

/// The steps of a Tribunal order still to be carried out.
fn open_steps(view: &CaseView) -> impl Iterator<Item = &DeadlineView> {
    let kind = DeadlineKind::TribunalOrder.to_string();
    view.deadlines
        .iter()
        .filter(move |d| d.kind == kind && d.status == "open")
}

/// The case's decisions as choices: what was decided, and when.
fn decisions(view: &CaseView) -> Kind {
    Kind::Radios(
        view.decisions
            .iter()
            .map(|d| {
                let outcome = d
                    .choice
                    .map_or_else(|| d.outcome.to_string(), |c| c.to_string());
                (
                    d.id.to_string(),
                    format!(
                        "{}: {}, decided on {}",
                        words(&d.kind.to_string()),
                        words(&outcome).to_lowercase(),
                        long_date(d.decided_at.date_naive())
                    ),
                )
            })
            .collect(),
    )
}

fn disputed(view: &CaseView) -> Field {
    Field::new(
        "decision",
        "Decision the family disagrees with",
        decisions(view),
    )
}

fn notice_sent_on() -> Field {
    Field::new("notice_sent_on", "Day the decision notice was sent", Kind::Date)
        .hint("The letter that told the family of the decision and of their right to mediation and to appeal")
}

/// Recording that the family asked for mediation.
pub fn mediation_fields(view: &CaseView, today: NaiveDate) -> Vec<Group> {
    vec![(
        None,
        vec![
            disputed(view),
            notice_sent_on(),
            Field::new("requested_on", "Day the family asked for mediation", Kind::Date)
                .hint("The day the authority was told: the 30 days to hold mediation start here (SEND Regulations 2014 regs. 36-37)")
                .on(today),
        ],
    )]
}

/// Recording how mediation ended.
pub fn mediation_outcome_fields(today: NaiveDate) -> Vec<Group> {
    let outcomes = [
        (
            MediationOutcome::Agreement,
            "Agreement reached: the authority must act on it (SEND Regulations 2014 reg. 42)",
        ),
        (
            MediationOutcome::NoAgreement,
            "Held, without agreement: the family may appeal",
        ),
        (
            MediationOutcome::Withdrawn,
            "The family withdrew before it was held",
        ),
    ];
    vec![(
        None,
        vec![
            Field::new("ended_on", "Day mediation was held, or withdrawn", Kind::Date).on(today),
            Field::new(
                "outcome",
                "How it ended",
                Kind::Radios(
                    outcomes
                        .iter()
                        .map(|(o, label)| (o.to_string(), (*label).to_owned()))
                        .collect(),
                ),
            ),
            Field::new(
                "certificate_issued_on",
                "Day the mediation certificate was issued (optional)",
                Kind::Date,
            )
            .hint("If one was: the family may then appeal until a month after it, if that is later than 2 months from the decision notice"),
        ],
    )]
}

/// Recording an appeal lodged with the Tribunal.
pub fn appeal_fields(view: &CaseView, today: NaiveDate) -> Vec<Group> {
    vec![(
        None,
        vec![
            disputed(view),
            notice_sent_on(),
            Field::new(
                "lodged_on",
                "Day the Tribunal received the appeal",
                Kind::Date,
            )
            .on(today),
            Field::new(
                "mediation_certificate_issued_on",
                "Day a mediation certificate was issued (optional)",
                Kind::Date,
            )
            .hint("Leave empty if there was none"),
        ],
    )]
}

/// Recording the Tribunal's decision, and any order.
pub fn tribunal_fields(today: NaiveDate) -> Vec<Group> {
    let outcomes = [
        (
            TribunalOutcome::Dismissed,
            "Dismissed: the Tribunal upheld the authority's decision",
        ),
        (TribunalOutcome::Withdrawn, "The family withdrew the appeal"),
        (
            TribunalOutcome::Conceded,
            "Conceded: the authority did not oppose the appeal (SEND Regulations 2014 reg. 45)",
        ),
        (
            TribunalOutcome::Ordered,
            "Ordered: the Tribunal ordered the authority to act",
        ),
    ];
    let orders = [
        (
            TribunalOrder::Assess,
            "Assess: tell the family within 2 weeks; decide not to issue within 10 weeks, or issue the final plan within 14 weeks",
        ),
        (
            TribunalOrder::MakePlan,
            "Make and maintain a plan: the draft within 5 weeks, the final plan within 11 weeks",
        ),
        (
            TribunalOrder::Reconsider,
            "Reconsider the case: within 2 weeks",
        ),
        (
            TribunalOrder::AmendProvision,
            "Amend the plan's provision: within 5 weeks",
        ),
        (
            TribunalOrder::ChangeSetting,
            "Name another school, college or type of setting: within 2 weeks",
        ),
        (
            TribunalOrder::ContinueToMaintain,
            "Continue to maintain the plan: at once",
        ),
        (
            TribunalOrder::ContinueAndAmend,
            "Continue to maintain and amend the plan: at once, the amended plan within 5 weeks",
        ),
    ];
    let radios = |choices: &[(String, &str)]| {
        Kind::Radios(
            choices
                .iter()
                .map(|(code, label)| (code.clone(), (*label).to_owned()))
                .collect(),
        )
    };
    let outcomes: Vec<_> = outcomes.iter().map(|(o, l)| (o.to_string(), *l)).collect();
    // A radio cannot be unticked: "No order" lets a caseworker who ticked an order by
    // mistake take it back when the appeal was not ordered.
    let orders: Vec<_> = std::iter::once((String::new(), "No order"))
        .chain(orders.iter().map(|(o, l)| (o.to_string(), *l)))
        .collect();
    vec![(
        None,
        vec![
            Field::new("decided_on", "Day of the decision or order", Kind::Date).on(today),
            Field::new("outcome", "How the appeal ended", radios(&outcomes)),
            Field::new("order", "What the Tribunal ordered", radios(&orders)).hint(
                "Only when the Tribunal ordered the authority to act; each step's time limit is set from the day of the order (SEND Regulations 2014 regs. 43(2) and 44(2))",
            ),
        ],
    )]
}

/// Recording a step of an order carried out.
pub fn complied_fields(view: &CaseView, today: NaiveDate) -> Vec<Group> {
    let steps = open_steps(view)
        .filter_map(|d| {
            let step = d.subject.as_deref()?;
            Some((
                step.to_owned(),
                format!("{}, due {}", words(step), long_date(d.due_on)),
            ))
        })
        .collect();
    vec![(
        None,
        vec![
            Field::new("step", "Step carried out", Kind::Radios(steps)),
            Field::new("complied_on", "Day it was done", Kind::Date).on(today),
        ],
    )]
}

/// Reads the mediation request's form.
pub fn read_mediation(reader: &mut Reader<'_>) -> Option<Parsed> {
    let decision =
        reader.choice::<DecisionId>("decision", "Select the decision the family disagrees with");
    let notice_sent_on = reader.date("notice_sent_on", "Day the decision notice was sent");
    let requested_on = reader.date("requested_on", "Day the family asked for mediation");
    Some(Parsed::Mediation(RequestMediation {
        decision: decision?,
        notice_sent_on: notice_sent_on?,
        requested_on: requested_on?,
    }))
}

/// Reads the mediation outcome's form.
pub fn read_mediation_outcome(reader: &mut Reader<'_>) -> Option<Parsed> {
    let ended_on = reader.date("ended_on", "Day mediation was held, or withdrawn");
    let outcome = reader.choice::<MediationOutcome>("outcome", "Select how mediation ended");
    let certificate_issued_on = reader.optional_date(
        "certificate_issued_on",
        "Day the mediation certificate was issued",
    );
    Some(Parsed::MediationOutcome(RecordMediationOutcome {
        ended_on: ended_on?,
        outcome: outcome?,
        certificate_issued_on,
    }))
}

/// Reads the appeal's form.
pub fn read_appeal(reader: &mut Reader<'_>) -> Option<Parsed> {
    let decision = reader.choice::<DecisionId>("decision", "Select the decision appealed");
    let notice_sent_on = reader.date("notice_sent_on", "Day the decision notice was sent");
    let lodged_on = reader.date("lodged_on", "Day the Tribunal received the appeal");
    let certificate = reader.optional_date(
        "mediation_certificate_issued_on",
        "Day a mediation certificate was issued",
    );
    Some(Parsed::Appeal(LodgeAppeal {
        decision: decision?,
        notice_sent_on: notice_sent_on?,
        lodged_on: lodged_on?,
        mediation_certificate_issued_on: certificate,
    }))
}

/// Reads the Tribunal's decision. Whether an order belongs with the outcome is the
/// core's rule; the page only reads what was chosen.
pub fn read_tribunal(reader: &mut Reader<'_>) -> Option<Parsed> {
    let decided_on = reader.date("decided_on", "Day of the decision or order");
    let outcome = reader.choice::<TribunalOutcome>("outcome", "Select how the appeal ended");
    let order = if reader.text("order").is_empty() {
        None
    } else {
        Some(reader.choice::<TribunalOrder>("order", "Select what the Tribunal ordered")?)
    };
    Some(Parsed::Tribunal(RecordTribunalDecision {
        decided_on: decided_on?,
        outcome: outcome?,
        order,
    }))
}

/// Reads the step of an order carried out.
pub fn read_complied(reader: &mut Reader<'_>) -> Option<Parsed> {
    let step = reader.optional("step");
    if step.is_none() {
        reader.fail("step", "Select the step carried out");
    }
    let complied_on = reader.date("complied_on", "Day it was done");
    Some(Parsed::Complied(RecordOrderComplied {
        step: step?,
        complied_on: complied_on?,
    }))
}

/// Runs a dispute command through the core, as the API does.
pub fn run(
    services: &Services,
    actor: &Actor,
    id: CaseId,
    parsed: &Parsed,
) -> Result<(), WorkflowError> {
    match parsed {
        Parsed::Mediation(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::MediationOutcome(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::Appeal(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::Tribunal(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::Complied(c) => {
            services.run(actor, id, c)?;
        }
    }
    Ok(())
}
