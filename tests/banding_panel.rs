//! A band and its funding decided at Torbay's Independent Placement Overview Panel (its
//! `decides` list in `authority.toml` routes banding there), on both databases: the
//! officer proposes a commitment that confirms the plugin's band advice; the members
//! read it in the papers beside the advice and vote; the chair's confirmation records
//! the decision and the commitment (with its event and the family's letter and e-mail)
//! in the transaction that closes the item. A banding item without its proposal, or
//! with one that would be refused outside a sitting, is refused naming the field with
//! nothing written; one that departs from the advice says so in the papers; a
//! commitment made outside the sitting after the proposal makes confirming a conflict,
//! changing nothing; the chair confirming while an admin commits records one.
//!
//! The band, its amounts and its tariff rule are illustrative, not Torbay's tariff; the
//! advice stands in for the plugin's as the host records it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Barrier};

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{
    AdviceId, AgendaItemId, AgendaItemStatus, BandTerms, CaseId, DecisionKind, DecisionOutcome,
    DocumentKind, EventKind, FundingElement, HoursTerms, NewAdvice, NewPlugin, PlacementId,
    Proposal, StoredAdvice,
};
use sendpanel_core::events::CaseEvent;
use sendpanel_core::notify::{MailSettings, Notifier};
use sendpanel_core::panel::{AddToAgenda, Closed, PanelError, add_to_agenda, open_papers};
use sendpanel_core::placement::decision::decide_placement;
use sendpanel_core::placement::funding::{CommitFunding, commit_funding, commitments_for};
use sendpanel_core::policy::contract::{BandAdvice, PolicyError};
use sendpanel_core::store::{AuthorityScope, Database, StoreError};
use sendpanel_core::workflow::WorkflowError;
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{date, shipped_letters};
use sendpanel_tests::journey::on;

use crate::placement_panel::{Ipop, ipop, joint, refused_field, services, setting};

/// The tariff rule the illustrative advice cites.
const RULE: &str = "Illustrative tariff: £10,000 place funding and an £8,757 top-up";

/// Installs the notifier with Torbay's shipped letters, as `serve` does.
fn install_letters(db: &Database) {
    let notifier = Notifier::new(
        shipped_letters(&["torbay"]).unwrap(),
        &MailSettings::default(),
        BankHolidays::england_and_wales(),
    )
    .unwrap();
    db.observe(Arc::new(notifier)).unwrap();
}

/// Banding advice on `case` as the host records the plugin's answer: an illustrative
/// special-school band, from a stored stand-in for the plugin.
fn banding_advice(db: &Database, scope: &AuthorityScope, case: CaseId) -> StoredAdvice {
    let band = BandAdvice {
        band_code: "TOR-ILL-1".into(),
        band_title: "Illustrative special-school band".into(),
        place_funding: 1_000_000,
        yearly_top_up: 875_700,
        months_funded: 12,
        elements: Vec::new(),
        rule: RULE.into(),
    };
    let output = serde_json::to_string(&Ok::<_, PolicyError>(band)).unwrap();
    db.write(|tx| {
        let plugin = tx.insert_plugin(
            scope,
            &NewPlugin {
                authority_id: scope.authority().clone(),
                policy_name: "Torbay banding (illustrative)".into(),
                policy_version: "1".into(),
                api_version: "1.0.0".into(),
                effective_from: date(2023, 9, 1),
                bytes: b"stands in for a component".to_vec(),
            },
        )?;
        tx.record_advice(
            scope,
            &NewAdvice {
                case_id: case,
                plugin_sha256: plugin.sha256,
                api_version: "1.0.0".into(),
                call: "banding".into(),
                input_json: "{}".into(),
                outcome: "advice".into(),
                output_json: Some(output.clone()),
                unavailable_reason: None,
                fuel_used: 1,
            },
        )
    })
    .unwrap()
}

/// A case with a special-school placement from 2 September 2024 and the plugin's band
/// advice on it: what a banding item funds.
struct Funded {
    p: Ipop,
    placement: PlacementId,
    advice: StoredAdvice,
}

fn funded(db: &Database, urn: &str) -> Funded {
    let p = ipop(db);
    let s = services(db);
    let school = setting(&s, &p.admin, urn, "special");
    let placement = decide_placement(&s, &p.admin, p.case, &joint(school))
        .unwrap()
        .id;
    let advice = banding_advice(db, &p.scope, p.case);
    Funded {
        p,
        placement,
        advice,
    }
}

impl Funded {
    /// The officer's proposal: the plugin's band as advised, with Teachers' Pay and
    /// Pensions, from the day the placement starts.
    fn confirming(&self) -> CommitFunding {
        CommitFunding {
            placement: self.placement,
            advice: Some(self.advice.id),
            band: None,
            hours: None,
            other_elements: vec![FundingElement {
                name: "Teachers' Pay and Pensions".into(),
                yearly_pence: 66_000,
            }],
            reasons: None,
            starts_on: date(2024, 9, 2),
            ends_on: None,
            expected_latest: None,
        }
    }

    /// A higher top-up than the advice's: a departure, which needs reasons.
    fn departing(&self) -> CommitFunding {
        CommitFunding {
            band: Some(BandTerms {
                band_code: "TOR-ILL-2".into(),
                band_title: "Illustrative higher band".into(),
                place_funding_pence: 1_000_000,
                top_up_pence: 1_200_000,
            }),
            ..self.confirming()
        }
    }

    /// Puts the case on the IPOP's agenda with `funding` proposed.
    fn propose(
        &self,
        db: &Database,
        proposal: Proposal,
        funding: Option<CommitFunding>,
    ) -> Result<AgendaItemId, PanelError> {
        add_to_agenda(
            db,
            &self.p.scope,
            &self.p.config,
            self.p.sitting,
            &AddToAgenda {
                case: self.p.case,
                proposal,
                placement: None,
                funding,
            },
            self.p.chair.id,
            &on(2024, 2, 19),
        )
        .map(|item| item.id)
    }

    fn commitments(&self, db: &Database) -> Vec<sendpanel_core::domain::FundingCommitment> {
        commitments_for(&services(db), &self.p.admin, self.p.case).unwrap()
    }

    fn banding_decisions(&self, db: &Database) -> usize {
        db.read(|tx| tx.list_decisions(&self.p.scope, self.p.case))
            .unwrap()
            .iter()
            .filter(|d| d.kind == DecisionKind::Banding)
            .count()
    }
}

both_backends! {
    fn the_ipop_confirms_the_plugins_band_and_the_family_is_told_in_the_same_transaction(db) {
        let f = funded(db, "100040");
        let p = &f.p;
        install_letters(db);
        let item = f.propose(db, Proposal::ConfirmFunding, Some(f.confirming()))?;
        assert!(f.commitments(db).is_empty(), "proposing commits nothing");

        // The members read the proposal beside the plugin's advice.
        let papers = open_papers(db, &p.scope, item, p.members[0].id, "/agenda-items/x", &on(2024, 2, 26))?;
        assert!(papers.advice.iter().any(|a| a.call == "banding"), "the advice is on the papers");
        let on_papers = papers.proposed_funding.expect("a banding item's papers show the proposal");
        assert_eq!(on_papers.proposed.placement_id, f.placement);
        assert_eq!((on_papers.band.band_code.as_str(), on_papers.band.top_up_pence), ("TOR-ILL-1", 875_700));
        assert_eq!(on_papers.advised.as_ref().map(|b| b.top_up_pence), Some(875_700));
        assert_eq!(on_papers.tariff_rule.as_deref(), Some(RULE));
        assert!(!on_papers.departs_from_advice);

        p.sit_and_agree(db, item);
        let outbox_before = db.read(|tx| tx.list_outbox(&p.scope, Some(p.case)))?.len();
        let Closed::Decided { decision, departed_from_majority, .. } = p.close(db, item, Proposal::ConfirmFunding)? else {
            panic!("expected a decision");
        };
        assert!(!departed_from_majority);
        assert_eq!((decision.kind, decision.outcome), (DecisionKind::Banding, DecisionOutcome::Agreed));
        assert_eq!(decision.agenda_item_id, Some(item));
        assert_eq!(db.read(|tx| tx.get_agenda_item(&p.scope, item))?.status, AgendaItemStatus::Decided);

        // The commitment, exactly as one made outside a sitting records it, decided by
        // the chair with the chair's reasons.
        let committed = f.commitments(db);
        assert_eq!(committed.len(), 1);
        let c = &committed[0];
        assert_eq!((c.band_code.as_str(), c.place_funding_pence, c.top_up_pence), ("TOR-ILL-1", 1_000_000, 875_700));
        assert_eq!(c.other_elements.iter().map(|e| e.yearly_pence).collect::<Vec<_>>(), [66_000]);
        assert_eq!((c.placement_id, c.starts_on, c.ends_on), (f.placement, date(2024, 9, 2), None));
        assert_eq!(c.decided_by, p.chair.id, "the chair's decision");
        assert_eq!(c.reasons.as_deref(), Some(decision.reasons.as_str()));
        assert_eq!(c.source.advice_id, Some(f.advice.id));
        assert_eq!(c.source.plugin_sha256.as_ref(), Some(&f.advice.plugin_sha256));
        assert_eq!(c.source.tariff_rule.as_deref(), Some(RULE));
        assert!(!c.source.departs_from_advice);

        // The item closes, the decision is recorded and the commitment follows, in order.
        let events = db.read(|tx| tx.list_events(&p.scope, Some(p.case)))?;
        let kinds: Vec<EventKind> = events.iter().map(|e| e.kind()).collect();
        let closed = kinds.iter().rposition(|k| *k == EventKind::AgendaItemClosed).unwrap();
        assert_eq!(&kinds[closed..closed + 3], [EventKind::AgendaItemClosed, EventKind::DecisionRecorded, EventKind::FundingCommitted]);
        let CaseEvent::FundingCommitted(fact) = &events[closed + 2].fact else { panic!("{:?}", events[closed + 2]) };
        assert_eq!((fact.commitment, fact.departs_from_advice), (c.id, false));

        // The family's letter says it, and went to them in the same transaction.
        let letter = db
            .read(|tx| tx.list_documents(&p.scope, p.case))?
            .into_iter()
            .filter(|d| d.kind == DocumentKind::Letter)
            .find(|l| l.title == "The funding agreed for the place named in the EHC plan")
            .expect("a funding letter");
        let text = String::from_utf8(letter.content.clone())?;
        for part in [
            "<li>Band: Illustrative special-school band (TOR-ILL-1)</li>",
            "<li>Place funding: £10,000.00 a year</li>",
            "<li>Top-up: £8,757.00 a year</li>",
            "from 2 September 2024.",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        let purposes: Vec<String> = db
            .read(|tx| tx.list_outbox(&p.scope, Some(p.case)))?
            .into_iter()
            .skip(outbox_before)
            .map(|m| m.purpose)
            .collect();
        assert_eq!(purposes, ["letter:funding-agreed"]);
        Ok(())
    }

    fn a_banding_item_is_refused_without_its_proposal_naming_the_field(db) {
        let f = funded(db, "100041");
        let p = &f.p;
        assert_eq!(refused_field(f.propose(db, Proposal::ConfirmFunding, None)), "funding");
        let hours = HoursTerms { tenths_per_week: 150, hourly_rate_pence: 1_850, weeks_per_year: 39 };
        for (bad, field) in [
            (f.departing(), "reasons"),
            (CommitFunding { advice: None, ..f.confirming() }, "band"),
            (CommitFunding { advice: Some(AdviceId::new()), ..f.confirming() }, "advice"),
            (CommitFunding { placement: PlacementId::new(), ..f.confirming() }, "placement"),
            (CommitFunding { starts_on: date(2024, 9, 1), ..f.confirming() }, "starts_on"),
            (CommitFunding { ends_on: Some(date(2024, 8, 31)), ..f.confirming() }, "ends_on"),
            (CommitFunding { hours: Some(hours), ..f.departing() }, "hours"),
        ] {
            assert_eq!(refused_field(f.propose(db, Proposal::ConfirmFunding, Some(bad))), field);
        }
        // Funding proposed on an item of another kind is refused too.
        let school = db.read(|tx| tx.placements_of(&p.scope, p.case))?[0].terms.setting_id;
        let on_placement_item = add_to_agenda(db, &p.scope, &p.config, p.sitting, &AddToAgenda {
            case: p.case,
            proposal: Proposal::NamePlacement,
            placement: Some(joint(school)),
            funding: Some(f.confirming()),
        }, p.chair.id, &on(2024, 2, 19));
        assert_eq!(refused_field(on_placement_item), "funding");
        assert_eq!(p.agenda_len(db), 0, "nothing refused was written");
        assert!(f.commitments(db).is_empty());

        // A departure with its reasons is put to the panel, and the papers say it departs.
        let why = "Two-to-one support at lunch, agreed at the annual review (illustrative)";
        let item = f.propose(db, Proposal::ConfirmFunding, Some(CommitFunding { reasons: Some(why.into()), ..f.departing() }))?;
        let on_papers = open_papers(db, &p.scope, item, p.members[1].id, "/agenda-items/x", &on(2024, 2, 26))?
            .proposed_funding
            .expect("the proposal on the papers");
        assert!(on_papers.departs_from_advice);
        assert_eq!((on_papers.band.band_code.as_str(), on_papers.band.top_up_pence), ("TOR-ILL-2", 1_200_000));
        assert_eq!(on_papers.advised.map(|b| b.top_up_pence), Some(875_700));
        assert_eq!(on_papers.proposed.reasons.as_deref(), Some(why));
        Ok(())
    }

    fn a_commitment_made_outside_the_sitting_after_the_proposal_makes_confirming_a_conflict(db) {
        let f = funded(db, "100042");
        let p = &f.p;
        let s = services(db);
        let item = f.propose(db, Proposal::ConfirmFunding, Some(f.confirming()))?;
        p.sit_and_agree(db, item);
        // Meanwhile an admin commits funding outside the sitting.
        let outside = commit_funding(&s, &p.admin, p.case, &f.confirming())?;
        let refused = p.close(db, item, Proposal::ConfirmFunding);
        assert!(
            matches!(refused, Err(PanelError::Workflow(WorkflowError::Store(StoreError::Conflict(_))))),
            "{refused:?}"
        );
        assert_eq!(f.commitments(db).iter().map(|c| c.id).collect::<Vec<_>>(), [outside.id], "nothing more was committed");
        assert_eq!(db.read(|tx| tx.get_agenda_item(&p.scope, item))?.status, AgendaItemStatus::Pending);
        assert_eq!(f.banding_decisions(db), 0, "no decision without its commitment");
        // Declining needs no current view and commits nothing (departing from the
        // members' agreement, so the chair says why).
        let departing = p.close(db, item, Proposal::DeclineFunding);
        assert!(matches!(departing, Err(PanelError::Invalid { field: "departure_reason", .. })), "{departing:?}");
        let why = Some("Funding was committed outside the sitting meanwhile.");
        let Closed::Decided { decision, .. } = p.close_departing(db, item, Proposal::DeclineFunding, why)? else {
            panic!("expected a decision");
        };
        assert_eq!((decision.kind, decision.outcome), (DecisionKind::Banding, DecisionOutcome::Refused));
        assert_eq!(f.commitments(db).len(), 1);
        Ok(())
    }

    fn the_chair_confirming_while_an_admin_commits_records_one_commitment(db) {
        let f = funded(db, "100043");
        let p = &f.p;
        let s = services(db);
        let item = f.propose(db, Proposal::ConfirmFunding, Some(f.confirming()))?;
        p.sit_and_agree(db, item);
        let barrier = Arc::new(Barrier::new(2));
        let chair = {
            let (db, barrier) = (db.clone(), barrier.clone());
            let p = Ipop { scope: p.scope.clone(), config: p.config.clone(), chair: p.chair.clone(), members: Vec::new(), admin: p.admin.clone(), case: p.case, sitting: p.sitting };
            std::thread::spawn(move || { barrier.wait(); p.close(&db, item, Proposal::ConfirmFunding).is_ok() })
        };
        let admin = {
            let (s, barrier, admin, case, command) = (s.clone(), barrier.clone(), p.admin.clone(), p.case, f.confirming());
            std::thread::spawn(move || { barrier.wait(); commit_funding(&s, &admin, case, &command).is_ok() })
        };
        let (confirmed, committed) = (chair.join().unwrap(), admin.join().unwrap());
        assert!(confirmed ^ committed, "exactly one wins: chair {confirmed}, admin {committed}");
        assert_eq!(f.commitments(db).len(), 1);
        let events = db.read(|tx| tx.list_events(&p.scope, Some(p.case)))?;
        assert_eq!(events.iter().filter(|e| e.kind() == EventKind::FundingCommitted).count(), 1);
        assert_eq!(f.banding_decisions(db), usize::from(confirmed), "a decision only with the chair's commitment");
        Ok(())
    }
}
