//! The contract's rules that WIT types cannot express (non-negative money, reasons a
//! parent can read, evidence that exists). A plugin that breaks one gives no advice.

use std::collections::HashSet;

use super::contract::{
    BandAdvice, BandRequest, GraduatedResponseAdvice, NextStepsPlan, PluginInfo, PolicyError,
    RequestFacts,
};
use super::error::Unavailable;

fn malformed(field: impl Into<String>, rule: &str) -> Unavailable {
    Unavailable::MalformedOutput {
        field: field.into(),
        rule: rule.to_owned(),
    }
}

fn not_blank(field: impl Into<String>, text: &str) -> Result<(), Unavailable> {
    if text.trim().is_empty() {
        Err(malformed(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// Every evidence id the request carries; advice may cite only these.
fn evidence_ids(facts: &RequestFacts) -> HashSet<&str> {
    let needs = facts.needs.iter().flat_map(|n| &n.evidence);
    let cycles = facts.support_cycles.iter().flat_map(|c| &c.evidence);
    let professionals = facts.professionals.iter().flat_map(|p| &p.evidence);
    needs
        .chain(cycles)
        .chain(professionals)
        .map(String::as_str)
        .collect()
}

pub(super) fn graduated_response(
    advice: &GraduatedResponseAdvice,
    facts: &RequestFacts,
) -> Result<(), Unavailable> {
    if advice.criteria.is_empty() {
        return Err(malformed("criteria", "must list at least one criterion"));
    }
    let known = evidence_ids(facts);
    let mut seen = HashSet::new();
    for (i, c) in advice.criteria.iter().enumerate() {
        not_blank(format!("criteria[{i}].id"), &c.id)?;
        if !seen.insert(c.id.as_str()) {
            return Err(malformed(format!("criteria[{i}].id"), "must be unique"));
        }
        not_blank(format!("criteria[{i}].title"), &c.title)?;
        not_blank(format!("criteria[{i}].reason"), &c.reason)?;
        if c.evidence.iter().any(|e| !known.contains(e.as_str())) {
            return Err(malformed(
                format!("criteria[{i}].evidence"),
                "must cite only evidence ids that are in the request",
            ));
        }
    }
    Ok(())
}

pub(super) fn band(advice: &BandAdvice, _request: &BandRequest) -> Result<(), Unavailable> {
    not_blank("band-code", &advice.band_code)?;
    not_blank("band-title", &advice.band_title)?;
    not_blank("rule", &advice.rule)?;
    if advice.place_funding < 0 {
        return Err(malformed("place-funding", "must not be negative"));
    }
    if advice.yearly_top_up < 0 {
        return Err(malformed("yearly-top-up", "must not be negative"));
    }
    if !(1..=12).contains(&advice.months_funded) {
        return Err(malformed("months-funded", "must be 1 to 12"));
    }
    for (i, e) in advice.elements.iter().enumerate() {
        not_blank(format!("elements[{i}].name"), &e.name)?;
        if e.amount < 0 {
            return Err(malformed(
                format!("elements[{i}].amount"),
                "must not be negative",
            ));
        }
    }
    Ok(())
}

pub(super) fn next_steps(plan: &NextStepsPlan, _facts: &RequestFacts) -> Result<(), Unavailable> {
    if plan.meeting_required {
        if plan.within_working_days == 0 {
            return Err(malformed(
                "within-working-days",
                "must be at least 1 when a meeting is required",
            ));
        }
        if plan.attendees.is_empty() {
            return Err(malformed("attendees", "must name who attends the meeting"));
        }
    }
    if plan.agenda.is_empty() {
        return Err(malformed("agenda", "must list at least one item"));
    }
    for (i, item) in plan.agenda.iter().enumerate() {
        not_blank(format!("agenda[{i}]"), item)?;
    }
    Ok(())
}

pub(super) fn policy_error(error: &PolicyError) -> Result<(), Unavailable> {
    let (PolicyError::MissingFact(text)
    | PolicyError::NotCovered(text)
    | PolicyError::InvalidFact(text)) = error;
    not_blank("policy-error", text)
}

/// `info()` must name an authority code, a policy and a version, and a real date.
pub(super) fn info(info: &PluginInfo) -> Result<(), String> {
    let code_ok = !info.authority.is_empty()
        && info
            .authority
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !code_ok {
        return Err(format!(
            "authority {:?} must be a lower-case code like \"torbay\"",
            info.authority
        ));
    }
    if info.policy_name.trim().is_empty() {
        return Err("policy-name must not be empty".to_owned());
    }
    if info.policy_version.trim().is_empty() {
        return Err("policy-version must not be empty".to_owned());
    }
    let d = info.effective_from;
    if chrono::NaiveDate::from_ymd_opt(d.year, u32::from(d.month), u32::from(d.day)).is_none() {
        return Err(format!(
            "effective-from {}-{}-{} is not a calendar date",
            d.year, d.month, d.day
        ));
    }
    Ok(())
}
