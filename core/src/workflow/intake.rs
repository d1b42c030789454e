//! Intake: a request for an EHC needs assessment is logged and the statutory clock
//! starts (CFA s.36(1); Reg 5(1), 10(1), 13(2)).

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::{WorkflowError, set_deadline};
use crate::clock::limits::{self, Anchor};
use crate::domain::{
    AssessmentRequest, AuthorityReference, Case, CaseId, CaseStage, Child, ChildId, Deadline,
    DeadlineId, DeadlineKind, DeadlineStatus, Email, NeedType, NhsNumber, PersonName, RequestId,
    RequestedBy, SettingType, Upn, UserId, text,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, StoreError, Tx};
use crate::time::Clock;

/// A request as a caseworker logs it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveRequest {
    /// The child's given name.
    pub given_name: String,
    /// The child's family name.
    pub family_name: String,
    /// The child's date of birth.
    pub date_of_birth: NaiveDate,
    /// Unique Pupil Number, when the child has one (under-5s, post-16 learners and
    /// home-educated children may not). Its check letter is checked when given.
    #[serde(default)]
    pub upn: Option<String>,
    /// The authority's own reference for the child: finds a child without a UPN who is
    /// already recorded. A new child without either is given one.
    #[serde(default)]
    pub authority_reference: Option<String>,
    /// Set once the caseworker has seen the children already recorded with the same
    /// name and date of birth and says this is a different child.
    #[serde(default)]
    pub confirm_new_child: bool,
    /// NHS number, if shared.
    #[serde(default)]
    pub nhs_number: Option<String>,
    /// The day the authority received the request: the statutory clock counts from it.
    pub received_on: NaiveDate,
    /// Who asked (CFA s.36(1)).
    pub requested_by: RequestedBy,
    /// The requester's name and capacity, as letters will address them.
    pub requester: String,
    /// The setting the child attends.
    pub setting_type: SettingType,
    /// The primary need the requester describes.
    pub primary_need: NeedType,
    /// The caseworker's summary.
    pub summary: String,
    /// The parent's or young person's e-mail, for decision letters.
    #[serde(default)]
    pub contact_email: Option<String>,
}

/// The opened case and its deadlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The case.
    pub case: Case,
    /// Its statutory deadlines, soonest first.
    pub deadlines: Vec<Deadline>,
}

/// Oldest age at which a request can still lead to an EHC plan (CFA s.83(2): up to 25).
const OLDEST: i32 = 25;
/// A young person is over compulsory school age (CFA s.83(2)); 16 is used here.
const YOUNG_PERSON_FROM: i32 = 16;

fn age_on(date_of_birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut years = day.year() - date_of_birth.year();
    if (day.month(), day.day()) < (date_of_birth.month(), date_of_birth.day()) {
        years -= 1;
    }
    years
}

/// A deadline counted from the request, as its entry in the table of limits says.
pub(super) fn statutory_deadline(
    scope: &AuthorityScope,
    case: CaseId,
    kind: DeadlineKind,
    received_on: NaiveDate,
) -> Result<Deadline, WorkflowError> {
    let limit = limits::of(kind);
    if limit.anchor() != Anchor::RequestReceived {
        return Err(WorkflowError::invalid(
            "kind",
            format!("{kind} is not counted from the request"),
        ));
    }
    Ok(Deadline {
        id: DeadlineId::new(),
        authority_id: scope.authority().clone(),
        case_id: case,
        kind,
        due_on: limit
            .calendar_due(received_on, None)
            .map_err(|e| WorkflowError::invalid("received_on", e.to_string()))?,
        status: DeadlineStatus::Open,
        subject: None,
    })
}

/// A request checked and ready to write: the child (new, or known by UPN), the request.
pub(super) struct Intake {
    /// The child, reusing the known child's id when the UPN is already recorded.
    pub child: Child,
    /// Whether the child is already recorded (then it is not inserted again).
    pub known: bool,
    /// The request.
    pub request: AssessmentRequest,
}

/// Checks a request's facts against the rules of intake, changing nothing: shared by a
/// new request and by a plan transferred in from another authority, which arrives with
/// the request that started it.
pub(super) fn check_request(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    command: &ReceiveRequest,
    clock: &dyn Clock,
) -> Result<Intake, WorkflowError> {
    let today = clock.today();
    if command.received_on > today {
        return Err(WorkflowError::invalid(
            "received_on",
            format!(
                "{} is in the future (today is {today})",
                command.received_on
            ),
        ));
    }
    if command.date_of_birth > command.received_on {
        return Err(WorkflowError::invalid(
            "date_of_birth",
            "must be before the day the request was received",
        ));
    }
    let age = age_on(command.date_of_birth, command.received_on);
    if age > OLDEST {
        return Err(WorkflowError::invalid(
            "date_of_birth",
            format!(
                "the child or young person was {age} when the request was received; EHC plans are for those up to {OLDEST}"
            ),
        ));
    }
    if command.requested_by == RequestedBy::YoungPerson && age < YOUNG_PERSON_FROM {
        return Err(WorkflowError::invalid(
            "requested_by",
            format!("a young person is over compulsory school age; this child was {age}"),
        ));
    }
    if command.requester.trim().is_empty() {
        return Err(WorkflowError::invalid(
            "requester",
            "must name who made the request",
        ));
    }
    if command.summary.trim().is_empty() {
        return Err(WorkflowError::invalid(
            "summary",
            "must say what the request is about",
        ));
    }
    text::one_line("requester", &command.requester)?;
    text::free_text("summary", &command.summary)?;
    let upn = command
        .upn
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .map(Upn::parse)
        .transpose()?;
    let reference = command
        .authority_reference
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .map(AuthorityReference::parse)
        .transpose()?;
    let given_name = PersonName::parse("given_name", &command.given_name)?;
    let family_name = PersonName::parse("family_name", &command.family_name)?;
    let known = match (&upn, &reference) {
        (Some(upn), _) => tx.find_child_by_upn(scope, upn)?,
        (None, Some(reference)) => tx.find_child_by_reference(scope, reference)?,
        (None, None) => None,
    };
    if let Some(known) = &known
        && known.date_of_birth != command.date_of_birth
    {
        let field = if upn.is_some() {
            "upn"
        } else {
            "authority_reference"
        };
        return Err(WorkflowError::invalid(
            field,
            "is already recorded for a child with another date of birth; check both",
        ));
    }
    if known.is_none() && !command.confirm_new_child {
        // Two different UPNs are two different pupils; a twin without one (recorded
        // before school, say), or a new child without one, may be the same child.
        let twins: Vec<Child> = tx
            .find_children_by_name_and_birth(
                scope,
                &given_name,
                &family_name,
                command.date_of_birth,
            )?
            .into_iter()
            .filter(|twin| twin.upn.is_none() || upn.is_none())
            .collect();
        if !twins.is_empty() {
            let listed: Vec<String> = twins.iter().map(identify).collect();
            return Err(WorkflowError::invalid(
                "confirm_new_child",
                format!(
                    "a child with this name and date of birth is already recorded ({}); give their UPN or reference to add this request to their record, or confirm this is a different child",
                    listed.join("; ")
                ),
            ));
        }
    }
    let id = known.as_ref().map_or_else(ChildId::new, |k| k.id);
    let authority_reference = match (&known, reference, &upn) {
        (Some(known), None, _) => known.authority_reference.clone(),
        (_, Some(reference), _) => Some(reference),
        // A new child without a UPN is given a reference, so they can be found again.
        (None, None, None) => Some(generated_reference(id)?),
        (None, None, Some(_)) => None,
    };
    let child = Child {
        id,
        authority_id: scope.authority().clone(),
        given_name,
        family_name,
        date_of_birth: command.date_of_birth,
        upn: upn.or_else(|| known.as_ref().and_then(|k| k.upn.clone())),
        nhs_number: command
            .nhs_number
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .map(NhsNumber::parse)
            .transpose()?,
        authority_reference,
        sex: known.as_ref().and_then(|k| k.sex),
        ethnicity: known.as_ref().and_then(|k| k.ethnicity.clone()),
        postcode: known.as_ref().and_then(|k| k.postcode.clone()),
    };
    let request = AssessmentRequest {
        id: RequestId::new(),
        authority_id: scope.authority().clone(),
        child_id: child.id,
        received_on: command.received_on,
        requested_by: command.requested_by,
        requester: command.requester.trim().to_owned(),
        setting_type: command.setting_type,
        primary_need: command.primary_need,
        summary: command.summary.trim().to_owned(),
        logged_at: clock.now(),
        contact_email: command
            .contact_email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(|e| {
                Email::parse(e).map_err(|_| {
                    WorkflowError::invalid(
                        "contact_email",
                        "must be an e-mail address, like name@example.org",
                    )
                })
            })
            .transpose()?,
    };
    Ok(Intake {
        child,
        known: known.is_some(),
        request,
    })
}

/// Writes a checked request and its case at `stage`, with the `RequestReceived` event,
/// inside the caller's transaction.
pub(super) fn write_intake(
    tx: &mut crate::store::Tx<'_>,
    scope: &AuthorityScope,
    intake: &Intake,
    case: &Case,
    actor: Option<UserId>,
) -> Result<(), crate::store::StoreError> {
    let now = intake.request.logged_at;
    if !intake.known {
        tx.insert_child(scope, &intake.child, now)?;
    }
    tx.insert_request(scope, &intake.request)?;
    tx.insert_case(scope, case)?;
    tx.append_event(
        scope,
        NewEvent {
            case_id: Some(case.id),
            fact: CaseEvent::RequestReceived(events::RequestReceived {
                request: intake.request.id,
                child: intake.child.id,
                received_on: intake.request.received_on,
                requested_by: intake.request.requested_by,
            }),
            actor,
            occurred_at: now,
        },
    )?;
    Ok(())
}

/// Logs a request: the child, the request, the case at `RequestReceived`, the 6-week
/// deadline for deciding whether to assess, and their events, in one transaction. (The
/// 16- and 20-week limits also count from the request but bind only once the authority
/// decides to assess, so they are set then.)
pub fn receive_request(
    db: &Database,
    scope: &AuthorityScope,
    command: &ReceiveRequest,
    actor: Option<UserId>,
    clock: &dyn Clock,
) -> Result<Received, WorkflowError> {
    new_case(db, |tx| {
        let intake = check_request(tx, scope, command, clock)?;
        let now = intake.request.logged_at;
        let case = Case::opened(
            scope.authority().clone(),
            intake.child.id,
            intake.request.id,
            CaseStage::RequestReceived,
            now,
        );
        let deadlines = vec![statutory_deadline(
            scope,
            case.id,
            DeadlineKind::DecideWhetherToAssess,
            command.received_on,
        )?];
        write_intake(tx, scope, &intake, &case, actor)?;
        for deadline in &deadlines {
            set_deadline(tx, scope, deadline, actor, now)?;
        }
        Ok(Received { case, deadlines })
    })
}

/// How a caseworker tells a recorded child apart: UPN, reference, or neither.
pub(crate) fn identify(child: &Child) -> String {
    let mut ids = Vec::new();
    if let Some(upn) = &child.upn {
        ids.push(format!("UPN {upn}"));
    }
    if let Some(reference) = &child.authority_reference {
        ids.push(format!("reference {reference}"));
    }
    if ids.is_empty() {
        ids.push("no UPN or reference".to_owned());
    }
    format!("{}, {}", child.full_name(), ids.join(", "))
}

/// The reference given to a new child recorded without a UPN or reference: `SP-` and
/// the first ten characters of the child's id's random part, which is unique enough
/// within one authority and stable (it is derived once and stored).
pub(crate) fn generated_reference(id: ChildId) -> Result<AuthorityReference, WorkflowError> {
    let hex: String = id
        .to_string()
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect();
    let tail = hex.get(hex.len().saturating_sub(10)..).unwrap_or(&hex);
    Ok(AuthorityReference::parse(&format!(
        "SP-{}",
        tail.to_ascii_uppercase()
    ))?)
}

/// Opens a case in one transaction that reads what it checks (is the child known by
/// their UPN?) and writes the child, request and case. Two requests for a child not
/// yet known can race to record the child; the loser's insert is refused by the unique
/// UPN, and it runs once more, now finding the child the other recorded.
pub(super) fn new_case<T>(
    db: &Database,
    mut open: impl FnMut(&mut Tx<'_>) -> Result<T, WorkflowError>,
) -> Result<T, WorkflowError> {
    match db.write_with(&mut open) {
        Err(WorkflowError::Store(StoreError::Conflict(_))) => db.write_with(open),
        other => other,
    }
}
