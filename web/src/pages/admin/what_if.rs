//! What if a candidate plugin had been in use: the latest advice of each kind on each
//! of the authority's cases is replayed with the candidate (`policy::replay_on`, on the
//! input exactly as recorded), and its answer set beside the one on record. The page
//! counts the recommendations that would change and lists them, so an admin sees the
//! effect of a new policy before activating it. Nothing is recorded: advice on a case
//! changes only when a caseworker seeks it again.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sendpanel_core::domain::StoredAdvice;
use sendpanel_core::policy::contract::{
    BandAdvice, GraduatedResponseAdvice, NextStepsPlan, PolicyError, Recommendation,
};
use sendpanel_core::policy::{self, Call, Unavailable};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::super::render::{PageError, render};
use super::super::session::SignedIn;
use super::super::work::blocking;
use super::plugins::{parse_sha, short};
use super::{pounds, require_admin};
use crate::state::AppState;

/// One recorded piece of advice beside the candidate's answer to the same input.
struct Compared {
    case_id: String,
    child_name: String,
    call: &'static str,
    before: String,
    after: String,
}

/// An answer in one line: the recommendation, band or plan, or why there is none. Two
/// answers whose lines are equal make the same recommendation, whatever their reasons'
/// wording.
fn headline(call: Call, output_json: Option<&str>, unavailable: Option<&str>) -> String {
    let Some(json) = output_json else {
        return match unavailable.and_then(|r| serde_json::from_str::<Unavailable>(r).ok()) {
            Some(reason) => format!("No advice: {reason}"),
            None => "No advice: the plugin gave no usable answer".to_owned(),
        };
    };
    match call {
        Call::GraduatedResponse => answer(json, |advice: GraduatedResponseAdvice| {
            match advice.recommendation {
                Recommendation::Assess => "Assess",
                Recommendation::DoNotAssess => "Do not assess",
                Recommendation::MoreInformationNeeded => "More information needed",
            }
            .to_owned()
        }),
        Call::Banding => answer(json, |band: BandAdvice| {
            format!(
                "Band {}: place {}, top-up {} a year",
                band.band_code,
                pounds(band.place_funding),
                pounds(band.yearly_top_up)
            )
        }),
        Call::NextSteps => answer(json, |plan: NextStepsPlan| {
            if plan.meeting_required {
                format!("Meeting within {} working days", plan.within_working_days)
            } else {
                "No meeting needed".to_owned()
            }
        }),
    }
}

/// A stored answer (`{"Ok": ...}` or `{"Err": ...}`) in one line.
fn answer<T: DeserializeOwned>(json: &str, line: impl FnOnce(T) -> String) -> String {
    match serde_json::from_str::<Result<T, PolicyError>>(json) {
        Ok(Ok(advice)) => line(advice),
        Ok(Err(PolicyError::MissingFact(fact))) => format!("Declined: a fact is missing ({fact})"),
        Ok(Err(PolicyError::NotCovered(what))) => format!("Declined: not covered ({what})"),
        Ok(Err(PolicyError::InvalidFact(fact))) => format!("Declined: a fact is wrong ({fact})"),
        Err(_) => "An answer this service cannot read".to_owned(),
    }
}

fn call_words(call: Call) -> &'static str {
    match call {
        Call::GraduatedResponse => "Graduated response",
        Call::Banding => "Banding",
        Call::NextSteps => "Next steps",
    }
}

/// `GET /admin/plugins/{sha}/what-if`: the candidate over the advice on record.
pub(super) async fn page(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    require_admin(&who, "compare policy plugins")?;
    let candidate = parse_sha(&path)?;
    let scope = who.scope.clone();
    let (plugin, compared, unreplayable) = blocking(move || {
        let db = &state.db;
        let (plugin, latest) = db.read(|tx| {
            let plugin = tx.plugin(&scope, &candidate)?;
            let names = tx
                .list_children(&scope)?
                .into_iter()
                .map(|c| {
                    let name = format!("{} {}", c.given_name.as_str(), c.family_name.as_str());
                    (c.id, name)
                })
                .collect::<HashMap<_, _>>();
            let mut latest: Vec<(StoredAdvice, String)> = Vec::new();
            for case in tx.list_cases(&scope)? {
                let child = names.get(&case.child_id).cloned().unwrap_or_default();
                let mut seen = Vec::new();
                // Newest first; the first of each call is the advice the case stands on.
                for advice in tx.advice_for_case(&scope, &case.id)?.into_iter().rev() {
                    if !seen.contains(&advice.call) {
                        seen.push(advice.call.clone());
                        latest.push((advice, child.clone()));
                    }
                }
            }
            Ok((plugin, latest))
        })?;
        // Compiled once (and kept by the catalogue), not once per piece of advice.
        let loaded = state.catalogue.plugin(db, &scope, &candidate)?;
        let mut compared = Vec::new();
        let mut unreplayable = 0_usize;
        for (advice, child_name) in latest {
            let Ok(call) = advice.call.parse::<Call>() else {
                unreplayable += 1;
                continue;
            };
            // The recorded input, answered by the candidate instead of its own plugin.
            match policy::replay_on(&loaded, &advice) {
                Ok(replayed) => compared.push(Compared {
                    case_id: advice.case_id.to_string(),
                    child_name,
                    call: call_words(call),
                    before: headline(
                        call,
                        advice.output_json.as_deref(),
                        advice.unavailable_reason.as_deref(),
                    ),
                    after: headline(call, replayed.output_json.as_deref(), None),
                }),
                Err(error) => {
                    tracing::warn!(advice_id = %advice.id, %error, "advice not replayable");
                    unreplayable += 1;
                }
            }
        }
        Ok::<_, PageError>((plugin, compared, unreplayable))
    })
    .await?;
    let changed = compared
        .iter()
        .filter(|c| c.before != c.after)
        .map(|c| {
            json!({
                "case_id": c.case_id,
                "child_name": c.child_name,
                "call": c.call,
                "before": c.before,
                "after": c.after,
            })
        })
        .collect::<Vec<_>>();
    render(
        StatusCode::OK,
        "admin_what_if",
        &format!(
            "What if {} {} were used",
            plugin.policy_name, plugin.policy_version
        ),
        &who.frame.with_back(
            format!("/admin/plugins/{}", plugin.sha256),
            "Back to the plugin",
        ),
        json!({
            "sha": plugin.sha256.as_str(),
            "short": short(&plugin.sha256),
            "name": plugin.policy_name,
            "version": plugin.policy_version,
            "compared": compared.len(),
            "changed_count": changed.len(),
            "changed": changed,
            "unreplayable": unreplayable,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_name_the_recommendation_not_the_reasons() {
        let assess = r#"{"Ok":{"recommendation":"Assess","criteria":[]}}"#;
        let refuse = r#"{"Ok":{"recommendation":"DoNotAssess","criteria":[]}}"#;
        assert_eq!(
            headline(Call::GraduatedResponse, Some(assess), None),
            "Assess"
        );
        assert_eq!(
            headline(Call::GraduatedResponse, Some(refuse), None),
            "Do not assess"
        );
        let declined = r#"{"Err":{"MissingFact":"attendance"}}"#;
        assert_eq!(
            headline(Call::NextSteps, Some(declined), None),
            "Declined: a fact is missing (attendance)"
        );
        assert!(headline(Call::Banding, None, None).starts_with("No advice"));
    }
}
