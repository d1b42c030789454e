//! The checks a child's record must pass to go in the file: the DfE's published
//! validation for the person-level return, as far as we could find it (mandatory items
//! present, dates in order and not after the census, codes in the year's lists, the
//! UPN's check letter). Each failure names the rule by the number of the item it is
//! about (the DfE guide's item numbers; **the DfE's own validation rule numbers are not
//! confirmed**, so the number here is the item's) and says what broke it.

use chrono::NaiveDate;

use super::gather::Built;
use super::{Codes, RuleFailure};
use crate::domain::Upn;

fn fail(failures: &mut Vec<RuleFailure>, rule: &str, text: String) {
    failures.push(RuleFailure {
        rule: rule.to_owned(),
        text,
    });
}

/// Every rule `built` breaks for the census on `census`; empty when it may be exported.
pub fn check(codes: &Codes, census: NaiveDate, built: &Built) -> Vec<RuleFailure> {
    let mut failures = Vec::new();
    let p = &built.person;
    if p.surname.trim().is_empty() {
        fail(&mut failures, "1.1", "Surname must be present".into());
    }
    if p.forename.trim().is_empty() {
        fail(&mut failures, "1.2", "Forename must be present".into());
    }
    if p.person_birth_date > census {
        fail(
            &mut failures,
            "1.3",
            format!(
                "Date of birth must be on or before the census date ({} is after {census})",
                p.person_birth_date
            ),
        );
    }
    if p.sex.is_empty() {
        fail(
            &mut failures,
            "1.4",
            "Sex must be present (M, F or U): it is not recorded for the child".into(),
        );
    } else if !codes.sex.contains_key(&p.sex) {
        fail(
            &mut failures,
            "1.4",
            format!("Sex must be a code in the year's list, not {:?}", p.sex),
        );
    }
    if let Some(code) = &p.ethnicity
        && !codes.ethnicity.contains_key(code)
    {
        fail(
            &mut failures,
            "1.5",
            format!("Ethnicity must be a code in the year's list, not {code:?}"),
        );
    }
    match (&p.upn, &p.unique_learner_number, &p.upn_unknown) {
        (None, None, None) => fail(
            &mut failures,
            "1.7",
            "A UPN, a ULN or the reason both are unavailable must be given: the record has no UPN for the child and no reason".into(),
        ),
        (Some(upn), _, _) => {
            if let Err(e) = Upn::parse(upn) {
                fail(&mut failures, "1.7", format!("The UPN must be valid: {e}"));
            }
        }
        (None, _, Some(reason)) if !codes.upn_unknown.contains_key(reason) => fail(
            &mut failures,
            "1.9",
            format!("The reason the UPN and ULN are unavailable must be a code in the year's list, not {reason:?}"),
        ),
        _ => {}
    }
    for (request, made_here) in p.requests.iter().zip(built.plan_made_here.iter().copied()) {
        let received = request.received_date;
        let on = |what: &str| format!("(the request received {received}: {what})");
        // A plan imported from the earlier system carries the import's day as its
        // request's, which may follow the census; its plan's own day is what counts.
        let imported = request
            .assessment
            .as_ref()
            .is_some_and(|a| a.named_plan.is_some())
            && !made_here;
        if received > census && !imported {
            fail(
                &mut failures,
                "2.1",
                format!(
                    "The request must have been received on or before the census date {}",
                    on(&received.to_string())
                ),
            );
        }
        if let Some(source) = &request.request_source
            && !codes.request_source.contains_key(source)
        {
            fail(
                &mut failures,
                "2.2",
                format!(
                    "Request source must be a code in the year's list {}",
                    on(source)
                ),
            );
        }
        match (&request.request_outcome, request.request_outcome_date) {
            (Some(code), Some(date)) => {
                if !codes.request_outcome.contains_key(code) {
                    fail(
                        &mut failures,
                        "2.5",
                        format!(
                            "Request outcome must be a code in the year's list {}",
                            on(code)
                        ),
                    );
                }
                if date < received || date > census {
                    fail(
                        &mut failures,
                        "2.4",
                        format!(
                            "Request outcome date must be on or after the date received and on or before the census date {}",
                            on(&date.to_string())
                        ),
                    );
                }
            }
            (Some(_), None) | (None, Some(_)) => fail(
                &mut failures,
                "2.4",
                format!(
                    "Request outcome and its date must be given together {}",
                    on("one is missing")
                ),
            ),
            (None, None) => {}
        }
        let Some(assessment) = &request.assessment else {
            continue;
        };
        match (
            &assessment.assessment_outcome,
            assessment.assessment_outcome_date,
        ) {
            (Some(code), Some(date)) => {
                if !codes.assessment_outcome.contains_key(code) {
                    fail(
                        &mut failures,
                        "3.1",
                        format!(
                            "Assessment outcome must be a code in the year's list {}",
                            on(code)
                        ),
                    );
                }
                if (made_here && date < received) || date > census {
                    fail(
                        &mut failures,
                        "3.2",
                        format!(
                            "Assessment outcome date must be on or after the date received and on or before the census date {}",
                            on(&date.to_string())
                        ),
                    );
                }
            }
            (Some(_), None) | (None, Some(_)) => fail(
                &mut failures,
                "3.2",
                format!(
                    "Assessment outcome and its date must be given together {}",
                    on("one is missing")
                ),
            ),
            (None, None) => {}
        }
        let Some(plan) = &assessment.named_plan else {
            continue;
        };
        if (made_here && plan.start_date < received) || plan.start_date > census {
            fail(
                &mut failures,
                "4.1",
                format!(
                    "The plan's start date must be on or after the request was received and on or before the census date {}",
                    on(&plan.start_date.to_string())
                ),
            );
        }
        if let Some(ceased) = plan.cease_date
            && (ceased < plan.start_date || ceased > census)
        {
            fail(
                &mut failures,
                "4.5",
                format!(
                    "The plan's cease date must be on or after its start date and on or before the census date {}",
                    on(&ceased.to_string())
                ),
            );
        }
        if let Some(reason) = &plan.cease_reason
            && !codes.cease_reason.contains_key(reason)
        {
            fail(
                &mut failures,
                "4.6",
                format!(
                    "Cease reason must be a code in the year's list {}",
                    on(reason)
                ),
            );
        }
        let placements = plan.plan_detail.iter().chain(
            request
                .active_plans
                .iter()
                .flat_map(|a| a.placement_detail.iter()),
        );
        for setting in placements.filter_map(|d| d.sen_setting.as_ref()) {
            if !codes.sen_setting.contains_key(setting) {
                fail(
                    &mut failures,
                    "4.7c",
                    format!(
                        "SEN setting must be a code in the year's list {}",
                        on(setting)
                    ),
                );
            }
        }
        if let Some(active) = &request.active_plans {
            if let Some(outcome) = &active.review_outcome
                && !codes.review_outcome.contains_key(outcome)
            {
                fail(
                    &mut failures,
                    "5.5",
                    format!(
                        "Annual review decision must be a code in the year's list {}",
                        on(outcome)
                    ),
                );
            }
            for need in &active.sen_need {
                if !codes.sen_type.contains_key(&need.sen_type) {
                    fail(
                        &mut failures,
                        "5.8",
                        format!(
                            "SEN type must be a code in the year's list {}",
                            on(&need.sen_type)
                        ),
                    );
                }
            }
        }
    }
    failures
}
