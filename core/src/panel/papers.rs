//! A case's papers for a sitting: the request, the legal test in plain words beside the
//! plugin's criteria (which weigh evidence and never replace the test, CFA s.36(8)),
//! banding advice where there is some (with, for a banding item, the funding proposed
//! and whether it departs from the advice), the deadlines and decisions so far. Every
//! opening is recorded: the record of who read what is the evidence that the panel's
//! review was real (UK GDPR art. 22).

use chrono::NaiveDate;
use serde::Serialize;

use super::{PanelError, seated};
use crate::domain::{
    AgendaItemId, AssessmentRequest, CaseId, Conflict, Decision, DecisionKind, PaperOpening,
    PaperOpeningId, Proposal, SittingId, UserId,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent};
use crate::time::Clock;
use crate::workflow::DeadlineView;

/// The statutory test for each decision, in words a panel member (and a parent) can
/// follow. Shown above the plugin's criteria so the criteria are read as evidence for
/// the test, never as a test of their own.
pub fn legal_test(kind: DecisionKind) -> &'static str {
    match kind {
        DecisionKind::Assess => {
            "Children and Families Act 2014 s.36(8): the authority must assess if the child or young person has or may have special educational needs, and it may be necessary for special educational provision to be made through an EHC plan. The test is whether they MAY have needs and a plan MAY be necessary, not that they do. If the authority refuses, it must give its reasons (s.36(5))."
        }
        DecisionKind::Issue => {
            "Children and Families Act 2014 s.37(1): after the assessment, the authority must make an EHC plan where it is necessary for special educational provision to be made in accordance with one."
        }
        DecisionKind::AnnualReview => {
            "Children and Families Act 2014 s.44 and SEND Regulations 2014 reg. 20(10): after reviewing the plan the authority decides to keep it as it is, amend it, or cease to maintain it, and tells the family within 4 weeks of the review meeting."
        }
        DecisionKind::Placement => {
            "Children and Families Act 2014 s.39-40: the school or other institution named must be the one the family asks for unless it is unsuitable, incompatible with the efficient education of others, or an inefficient use of resources."
        }
        DecisionKind::Post16 => {
            "Children and Families Act 2014 s.44 and SEND Regulations 2014 reg. 18: a plan is reviewed and amended before a young person moves to post-16 education, naming the institution by 31 March of the year of transfer."
        }
        DecisionKind::Banding => {
            "The authority must secure the special educational provision in the plan (Children and Families Act 2014 s.42); banding sets the funding, not the provision."
        }
    }
}

/// One piece of plugin advice as the papers show it: the answer parsed, with the hash
/// of the plugin that gave it, so a member can see exactly which rules advised.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AdviceOnPapers {
    /// graduated-response, banding or next-steps.
    pub call: String,
    /// The plugin's SHA-256.
    pub plugin_sha256: String,
    /// advice, declined or unavailable.
    pub outcome: String,
    /// The plugin's answer (criteria with reasons and evidence ids), when it gave one.
    pub answer: Option<serde_json::Value>,
    /// Why no answer came, when none did.
    pub unavailable_reason: Option<String>,
}

/// What a member reads for one agenda item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Papers {
    /// The item.
    pub item: AgendaItemId,
    /// The sitting.
    pub sitting: SittingId,
    /// The case the papers are for.
    pub case: CaseId,
    /// The day it sits.
    pub sits_on: NaiveDate,
    /// The decision asked for.
    pub decision_kind: DecisionKind,
    /// What members are asked to agree with.
    pub proposal: Option<Proposal>,
    /// The child's name as the papers address them.
    pub child_name: String,
    /// The child's date of birth.
    pub date_of_birth: NaiveDate,
    /// The request as received.
    pub request: AssessmentRequest,
    /// The statutory test, in plain words.
    pub legal_test: &'static str,
    /// The plugin's advice on the case, oldest first (criteria, banding, next steps).
    pub advice: Vec<AdviceOnPapers>,
    /// Deadlines with their rules.
    pub deadlines: Vec<DeadlineView>,
    /// Decisions so far, with who and why.
    pub decisions: Vec<Decision>,
    /// Conflicts declared on this item.
    pub conflicts: Vec<Conflict>,
    /// The documents on the case, by the day each was written, each marked with
    /// whether this reader has opened it from these papers yet.
    pub evidence: Vec<EvidenceOnPapers>,
    /// For a placement item: the placement proposed, with its setting as the register
    /// holds it.
    pub proposed_placement: Option<PlacementOnPapers>,
    /// For a banding item: the funding proposed, beside the plugin's band advice.
    pub proposed_funding: Option<FundingOnPapers>,
}

/// The funding a banding item proposes, as the papers show it: beside the band the
/// plugin advised, and whether the proposal departs from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FundingOnPapers {
    /// The setting funded: the proposed placement's, as the register holds it.
    pub setting: crate::domain::EducationSetting,
    /// The proposal as the officer made it.
    pub proposed: crate::domain::ProposedCommitment,
    /// The band and amounts committed if the chair confirms it: the proposal's own, its
    /// hours as a band line, or the advice's as given.
    pub band: crate::domain::BandTerms,
    /// The band and amounts the plugin advised, when the proposal names its advice.
    pub advised: Option<crate::domain::BandTerms>,
    /// The tariff rule the advice cited.
    pub tariff_rule: Option<String>,
    /// Whether the proposal departs from the plugin's advice (or there is none to
    /// follow); the officer's reasons then say why.
    pub departs_from_advice: bool,
}

/// The placement a placement item proposes, as the papers show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlacementOnPapers {
    /// The setting proposed.
    pub setting: crate::domain::EducationSetting,
    /// The proposal: start, the family's preference, reasons and shares.
    pub proposed: crate::domain::ProposedPlacement,
}

/// One document as the papers list it: what it is, who wrote it and when, and whether
/// the member reading the papers has opened it yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EvidenceOnPapers {
    /// The document.
    #[schema(value_type = String)]
    pub id: crate::domain::DocumentId,
    /// What it is.
    pub kind: crate::domain::EvidenceKind,
    /// Its file name.
    pub file_name: String,
    /// The organisation that wrote it.
    pub author_organisation: String,
    /// The day it was written.
    pub written_on: NaiveDate,
    /// Whether this reader has opened it from these papers.
    pub opened: bool,
}

/// The papers for an item, recording that `reader` opened them through `route` (with a
/// `PapersOpened` event on the case, and a read in the access log, [`crate::access`]),
/// all in the transaction that reads them: papers that cannot be recorded are not
/// shown. Refused unless the reader has a seat at the sitting, and refused to a reader
/// who declared a conflict on the item: the papers are a child's record, and a
/// conflicted member takes no part in the item.
pub fn open_papers(
    db: &Database,
    scope: &AuthorityScope,
    item_id: AgendaItemId,
    reader: UserId,
    route: &str,
    clock: &dyn Clock,
) -> Result<Papers, PanelError> {
    let now = clock.now();
    let today = clock.today();
    db.write(|tx| {
        // Taken like every other write to the case, so this event queues behind a vote
        // or close rather than racing it for its place in the case's stream.
        super::lock_item_case(tx, scope, item_id)?;
        let (papers, role) = match gather(tx, scope, item_id, reader, today)? {
            Ok(found) => found,
            Err(refused) => return Ok(Err(refused)),
        };
        tx.insert_paper_opening(
            scope,
            &PaperOpening {
                id: PaperOpeningId::new(),
                authority_id: scope.authority().clone(),
                agenda_item_id: item_id,
                user_id: reader,
                opened_at: now,
            },
        )?;
        let user_role = tx.get_user(scope, reader)?.role;
        let child = tx.get_case(scope, papers.case)?.child_id;
        crate::access::record(
            tx,
            scope,
            (reader, user_role),
            (papers.case, child),
            crate::access::AccessKind::Papers,
            route,
            now,
        )?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(papers.case),
                fact: CaseEvent::PapersOpened(events::PapersOpened {
                    item: item_id,
                    sitting: papers.sitting,
                    role,
                }),
                actor: Some(reader),
                occurred_at: now,
            },
        )?;
        Ok(Ok(papers))
    })?
}

/// The same papers, recording nothing: for showing them again beside a form the
/// member sent that was refused, which must change nothing (the papers were recorded
/// as read when the page that sent the form opened them). Refused like
/// [`open_papers`].
pub fn reread_papers(
    db: &Database,
    scope: &AuthorityScope,
    item_id: AgendaItemId,
    reader: UserId,
    today: chrono::NaiveDate,
) -> Result<Papers, PanelError> {
    db.read(|tx| gather(tx, scope, item_id, reader, today))?
        .map(|(papers, _)| papers)
}

/// Reads the papers for a seated reader, with the seat's role; a refusal when they
/// have no seat.
fn gather(
    tx: &mut crate::store::Tx<'_>,
    scope: &AuthorityScope,
    item_id: AgendaItemId,
    reader: UserId,
    today: chrono::NaiveDate,
) -> Result<Result<(Papers, crate::domain::PanelRole), PanelError>, crate::store::StoreError> {
    let seated = match seated(tx, scope, item_id, reader) {
        Ok(found) => found,
        Err(PanelError::Store(e)) => return Err(e),
        Err(other) => return Ok(Err(other)),
    };
    let item = seated.item;
    if tx
        .list_conflicts(scope, item.id)?
        .iter()
        .any(|c| c.user_id == reader)
    {
        return Ok(Err(PanelError::NotSeated(
            "You declared a conflict of interest on this item, so its papers are closed to you"
                .to_owned(),
        )));
    }
    let case = tx.get_case(scope, item.case_id)?;
    let request = tx.get_request(scope, case.request_id)?;
    let child = tx.get_child(scope, case.child_id)?;
    let advice = tx
        .advice_for_case(scope, &case.id)?
        .into_iter()
        .map(|a| AdviceOnPapers {
            call: a.call,
            plugin_sha256: a.plugin_sha256.to_string(),
            outcome: a.outcome,
            answer: a
                .output_json
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok()),
            unavailable_reason: a.unavailable_reason,
        })
        .collect();
    let deadlines = tx
        .list_deadlines(scope, case.id)?
        .iter()
        .map(|d| DeadlineView::new(d, today))
        .collect();
    let papers = Papers {
        item: item.id,
        sitting: seated.sitting.id,
        case: case.id,
        sits_on: seated.sitting.sits_on,
        decision_kind: item.decision_kind,
        proposal: item.proposal,
        child_name: format!(
            "{} {}",
            child.given_name.as_str(),
            child.family_name.as_str()
        ),
        date_of_birth: child.date_of_birth,
        request,
        legal_test: legal_test(item.decision_kind),
        advice,
        deadlines,
        decisions: tx.list_decisions(scope, case.id)?,
        conflicts: tx.list_conflicts(scope, item.id)?,
        evidence: evidence_on_papers(tx, scope, case.id, item.id, reader)?,
        proposed_placement: match tx.proposed_placement(scope, item.id)? {
            Some(proposed) => Some(PlacementOnPapers {
                setting: tx.get_education_setting(scope, proposed.terms.setting_id)?,
                proposed,
            }),
            None => None,
        },
        proposed_funding: funding_on_papers(tx, scope, item.id)?,
    };
    Ok(Ok((papers, seated.seat.role)))
}

/// The funding an item proposes, if it proposes any, weighed against the advice it
/// names, with the setting of the placement it funds.
fn funding_on_papers(
    tx: &mut crate::store::Tx<'_>,
    scope: &AuthorityScope,
    item: AgendaItemId,
) -> Result<Option<FundingOnPapers>, crate::store::StoreError> {
    let Some(proposed) = tx.proposed_commitment(scope, item)? else {
        return Ok(None);
    };
    let weighed = crate::placement::banding_at_panel::weigh(tx, scope, &proposed)?;
    let placement = tx
        .placements_of(scope, proposed.case_id)?
        .into_iter()
        .find(|p| p.id == proposed.placement_id)
        .ok_or_else(|| crate::store::StoreError::NotFound {
            entity: "placement",
            id: proposed.placement_id.to_string(),
        })?;
    Ok(Some(FundingOnPapers {
        setting: tx.get_education_setting(scope, placement.terms.setting_id)?,
        proposed,
        band: weighed.band,
        advised: weighed.advised,
        tariff_rule: weighed.tariff_rule,
        departs_from_advice: weighed.departs,
    }))
}

/// The case's documents (those the retention job has not removed), each marked with
/// whether `reader` opened it from this item's papers.
fn evidence_on_papers(
    tx: &mut crate::store::Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
    item: AgendaItemId,
    reader: UserId,
) -> Result<Vec<EvidenceOnPapers>, crate::store::StoreError> {
    let opened = tx.evidence_opened_by(scope, item, reader)?;
    Ok(tx
        .list_evidence(scope, case)?
        .into_iter()
        .filter(|e| e.removed_at.is_none())
        .map(|e| EvidenceOnPapers {
            opened: opened.contains(&e.id),
            id: e.id,
            kind: e.kind,
            file_name: e.file_name,
            author_organisation: e.author_organisation,
            written_on: e.written_on,
        })
        .collect())
}

/// A document from an item's papers, for a seated member without a conflict on the
/// item: the opening is recorded (for the member's "not opened yet" marks, and in the
/// access log) in the transaction that reads it. `NotFound` for a document not on the
/// item's case, or another authority's.
pub fn open_evidence_from_papers(
    db: &Database,
    scope: &AuthorityScope,
    item_id: AgendaItemId,
    document: crate::domain::DocumentId,
    reader: UserId,
    route: &str,
    clock: &dyn Clock,
) -> Result<crate::domain::Evidence, PanelError> {
    let now = clock.now();
    db.write(|tx| {
        let seated = match seated(tx, scope, item_id, reader) {
            Ok(found) => found,
            Err(PanelError::Store(e)) => return Err(e),
            Err(other) => return Ok(Err(other)),
        };
        if tx
            .list_conflicts(scope, item_id)?
            .iter()
            .any(|c| c.user_id == reader)
        {
            return Ok(Err(PanelError::NotSeated(
                "You declared a conflict of interest on this item, so its papers are closed to you"
                    .to_owned(),
            )));
        }
        let case = seated.item.case_id;
        let evidence = tx.get_evidence(scope, case, document)?;
        if let Some(removed) = evidence.removed_at {
            return Ok(Err(PanelError::Closed(format!(
                "{} was removed on {} under the authority's retention schedule",
                evidence.file_name,
                removed.date_naive()
            ))));
        }
        tx.insert_evidence_opening(scope, item_id, document, reader, now)?;
        let role = tx.get_user(scope, reader)?.role;
        let child = tx.get_case(scope, case)?.child_id;
        crate::access::record(
            tx,
            scope,
            (reader, role),
            (case, child),
            crate::access::AccessKind::Document,
            route,
            now,
        )?;
        Ok(Ok(evidence))
    })?
}
