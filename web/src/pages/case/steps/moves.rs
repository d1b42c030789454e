//! The forms for a plan that moves: to the next phase of education (SEND Regulations
//! 2014 reg. 18), or with the child to another authority's area (reg. 15), and the
//! notice to the family of a plan transferred in (reg. 15(4)).
//!
//! [`super`] owns the steps' names, headings and who may record them; this
//! module draws their fields, reads them into the core's commands and runs them. Each
//! step is offered as the core accepts it: only while a final plan is maintained, and
//! the second half of each pair (the transfer completed, the plan sent) only once the
//! first has opened its limit. A plan received from another authority opens a new case,
//! so it is not a step on one.

use chrono::NaiveDate;
use sendpanel_core::clock::TransferKind;
use sendpanel_core::domain::CaseId;
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::workflow::{
    CompletePhaseTransfer, NotifyMoveOut, PlanPhaseTransfer, SendTransferNotice, TransferPlanOut,
    WorkflowError,
};

use crate::pages::case::facts::Group;
use crate::pages::fields::{Field, Kind, Reader};

/// A move form read into the core's command.
pub enum Parsed {
    PlanTransfer(PlanPhaseTransfer),
    CompleteTransfer(CompletePhaseTransfer),
    MoveOut(NotifyMoveOut),
    TransferOut(TransferPlanOut),
    Notice(SendTransferNotice),
}

/// Planning a phase transfer.
pub fn plan_transfer_fields() -> Vec<Group> {
    vec![(
        None,
        vec![
            Field::new(
                "transfer_year",
                "Year the child moves on",
                Kind::Text("govuk-input--width-4"),
            )
            .hint("The year of the September start, for example 2027"),
            Field::new(
                "transfer_kind",
                "Which transfer",
                Kind::Radios(vec![
                    (
                        "school".into(),
                        "Between school phases: the amended plan is due by 15 February".into(),
                    ),
                    (
                        "post16".into(),
                        "From secondary school to post-16: the amended plan is due by 31 March"
                            .into(),
                    ),
                ]),
            ),
        ],
    )]
}

/// The plan amended for the transfer.
pub fn complete_transfer_fields(today: NaiveDate) -> Vec<Group> {
    vec![(
        None,
        vec![
            Field::new("amended_on", "Day the amended plan was issued", Kind::Date).on(today),
            Field::new(
                "next_setting",
                "School or college the amended plan names",
                Kind::Text(""),
            ),
        ],
    )]
}

/// The child moving to another authority's area.
pub fn move_out_fields(today: NaiveDate) -> Vec<Group> {
    vec![(
        None,
        vec![
            Field::new(
                "to_authority",
                "Authority the child is moving to",
                Kind::Text(""),
            )
            .hint("As letters name it, for example Devon County Council"),
            Field::new(
                "aware_on",
                "Day the authority learned of the move",
                Kind::Date,
            )
            .on(today),
            Field::new("moves_on", "Day of the move", Kind::Date),
        ],
    )]
}

/// The plan sent to the new authority.
pub fn transfer_out_fields(today: NaiveDate) -> Vec<Group> {
    vec![(
        None,
        vec![Field::new("transferred_on", "Day the plan was transferred", Kind::Date).on(today)],
    )]
}

/// The family told of a plan transferred in.
pub fn notice_fields(today: NaiveDate) -> Vec<Group> {
    vec![(
        None,
        vec![
            Field::new("sent_on", "Day the notice was sent", Kind::Date).on(today),
            Field::new(
                "will_assess",
                "Does the authority propose to make an EHC needs assessment?",
                Kind::Radios(vec![
                    ("yes".into(), "Yes".into()),
                    ("no".into(), "No".into()),
                ]),
            )
            .hint("The notice must say so (SEND Regulations 2014 reg. 15(4)(b))"),
        ],
    )]
}

/// Reads the planned transfer.
pub fn read_plan_transfer(reader: &mut Reader<'_>) -> Option<Parsed> {
    let before = reader.errors.len();
    let year = reader.optional_number::<i32>("transfer_year", "Year the child moves on");
    if year.is_none() && reader.errors.len() == before {
        reader.fail("transfer_year", "Enter the year the child moves on");
    }
    let kind = reader.choice::<TransferKind>(
        "transfer_kind",
        "Select between school phases or to post-16",
    );
    Some(Parsed::PlanTransfer(PlanPhaseTransfer {
        transfer_year: year?,
        transfer_kind: kind?,
    }))
}

/// Reads the completed transfer; whether a setting is named is the core's rule.
pub fn read_complete_transfer(reader: &mut Reader<'_>) -> Option<Parsed> {
    let amended_on = reader.date("amended_on", "Day the amended plan was issued");
    Some(Parsed::CompleteTransfer(CompletePhaseTransfer {
        amended_on: amended_on?,
        next_setting: reader.text("next_setting").to_owned(),
    }))
}

/// Reads the move out; whether the new authority is named is the core's rule.
pub fn read_move_out(reader: &mut Reader<'_>) -> Option<Parsed> {
    let aware_on = reader.date("aware_on", "Day the authority learned of the move");
    let moves_on = reader.date("moves_on", "Day of the move");
    Some(Parsed::MoveOut(NotifyMoveOut {
        to_authority: reader.text("to_authority").to_owned(),
        aware_on: aware_on?,
        moves_on: moves_on?,
    }))
}

/// Reads the plan sent out.
pub fn read_transfer_out(reader: &mut Reader<'_>) -> Option<Parsed> {
    Some(Parsed::TransferOut(TransferPlanOut {
        transferred_on: reader.date("transferred_on", "Day the plan was transferred")?,
    }))
}

/// Reads the notice of a transferred plan.
pub fn read_notice(reader: &mut Reader<'_>) -> Option<Parsed> {
    let sent_on = reader.date("sent_on", "Day the notice was sent");
    let will_assess = match reader.text("will_assess") {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            reader.fail(
                "will_assess",
                "Select whether the authority proposes to make an EHC needs assessment",
            );
            None
        }
    };
    Some(Parsed::Notice(SendTransferNotice {
        sent_on: sent_on?,
        will_assess: will_assess?,
    }))
}

/// Runs a move command through the core, as the API does.
pub fn run(
    services: &Services,
    actor: &Actor,
    id: CaseId,
    parsed: &Parsed,
) -> Result<(), WorkflowError> {
    match parsed {
        Parsed::PlanTransfer(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::CompleteTransfer(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::MoveOut(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::TransferOut(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::Notice(c) => {
            services.run(actor, id, c)?;
        }
    }
    Ok(())
}
