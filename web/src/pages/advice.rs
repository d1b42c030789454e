//! A policy plugin's stored advice as pages show it: the recommendation, then each
//! criterion with whether it was met and the plugin's reason in words a parent can
//! read, and the plugin's hash so anyone can tell exactly which rules advised. Advice
//! weighs evidence for the statutory test; it never replaces it (CFA s.36(8)).

use sendpanel_core::domain::Pence;
use sendpanel_core::policy::Unavailable;
use serde_json::{Map, Value, json};

use super::work::words;

/// One stored piece of advice for the `advice` partial, from the plugin's `output` as
/// stored: its `result`, whose `Ok` is the advice and whose `Err` says why the plugin
/// declined. Without an answer, `unavailable_reason` says why.
pub fn advice_view(
    call: &str,
    outcome: &str,
    plugin_sha256: &str,
    output: Option<&Value>,
    unavailable_reason: Option<&str>,
) -> Value {
    let (answer, reason) = match output.and_then(Value::as_object) {
        Some(result) => match (
            result.get("Ok").and_then(Value::as_object),
            result.get("Err"),
        ) {
            (Some(ok), _) => (Some(readable(ok)), None),
            (None, Some(Value::Object(err))) => (
                None,
                err.iter().next().map(|(why, what)| {
                    format!(
                        "the plugin declined ({}: {})",
                        spaced(why).to_lowercase(),
                        what.as_str().unwrap_or("")
                    )
                }),
            ),
            _ => (None, unavailable_reason.map(str::to_owned)),
        },
        None => (None, unavailable_reason.map(str::to_owned)),
    };
    let reason = reason.map(|r| in_words(&r));
    shown(
        call,
        outcome,
        plugin_sha256,
        answer.as_ref(),
        reason.as_deref().or(Some("no answer was recorded")),
    )
}

/// Why advice was unavailable, in words: the store keeps the named reason as JSON
/// (`{"kind":"out-of-fuel","budget":...}`) so reports can count reasons by kind.
fn in_words(stored: &str) -> String {
    match serde_json::from_str::<Unavailable>(stored) {
        Ok(reason) => {
            let text = reason.to_string();
            text.strip_prefix("advice unavailable: ")
                .map_or_else(|| text.clone(), str::to_owned)
        }
        Err(_) => stored.to_owned(),
    }
}

/// The partial's fields: criteria listed when the answer has them, any other fields
/// (a band, a meeting plan) as a summary list of their top-level values.
fn shown(
    call: &str,
    outcome: &str,
    plugin_sha256: &str,
    answer: Option<&Value>,
    unavailable_reason: Option<&str>,
) -> Value {
    let criteria: Vec<Value> = answer
        .and_then(|a| a.get("criteria"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|c| {
                    json!({
                        "title": c.get("title").and_then(Value::as_str).unwrap_or_default(),
                        "met": c.get("met").and_then(Value::as_bool).unwrap_or(false),
                        "reason": c.get("reason").and_then(Value::as_str).unwrap_or_default(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let details: Vec<Value> = answer
        .and_then(Value::as_object)
        .map(|fields| {
            fields
                .iter()
                .filter(|(key, _)| key.as_str() != "criteria" && key.as_str() != "recommendation")
                .map(|(key, value)| json!({ "key": words(key), "value": plain(value) }))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "call": words(&call.replace('-', "_")),
        "outcome": words(outcome),
        "available": answer.is_some(),
        "recommendation": answer
            .and_then(|a| a.get("recommendation"))
            .map(|r| words(&plain(r).replace('-', "_"))),
        "criteria": criteria,
        "details": details,
        "unavailable_reason": unavailable_reason,
        "plugin": plugin_sha256.get(..12).unwrap_or(plugin_sha256),
        "plugin_sha256": plugin_sha256,
    })
}

/// `DoNotAssess` as "Do not assess": the contract's enum names in words. Capitals
/// after a capital stay (`ASC`), so codes are left alone.
fn spaced(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut after_lower = false;
    for ch in name.chars() {
        if after_lower && ch.is_ascii_uppercase() {
            out.push(' ');
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
        after_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
    }
    out
}

/// A plugin's answer made readable: enum names in words, money in pounds, yes and
/// no, lists joined. Only the presentation changes; nothing is added or dropped.
fn readable(answer: &Map<String, Value>) -> Value {
    let text = |value: &Value| match value {
        Value::String(s) => spaced(s),
        Value::Bool(true) => "Yes".to_owned(),
        Value::Bool(false) => "No".to_owned(),
        other => other.to_string(),
    };
    let money = |value: &Value| {
        value
            .as_i64()
            .map_or_else(|| text(value), |p| Pence::new(p).to_string())
    };
    let out: Map<String, Value> = answer
        .iter()
        .map(|(key, value)| {
            let shown = match (key.as_str(), value) {
                ("criteria", _) => value.clone(),
                ("place_funding" | "yearly_top_up", _) => Value::String(money(value)),
                ("elements", Value::Array(items)) => Value::String(
                    items
                        .iter()
                        .map(|e| {
                            format!(
                                "{}: {}",
                                e.get("name").and_then(Value::as_str).unwrap_or(""),
                                e.get("amount").map(money).unwrap_or_default()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                ("band_code" | "band_title" | "rule", Value::String(s)) => Value::String(s.clone()),
                ("agenda", Value::Array(items)) => Value::String(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                (_, Value::Array(items)) => {
                    Value::String(items.iter().map(text).collect::<Vec<_>>().join(", "))
                }
                (_, other) => Value::String(text(other)),
            };
            (key.clone(), shown)
        })
        .collect();
    Value::Object(out)
}

/// A JSON value as plain text: strings as they are, anything else as compact JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_read_as_words_and_pounds() {
        assert_eq!(spaced("DoNotAssess"), "Do not assess");
        assert_eq!(spaced("ASC"), "ASC");
        let answer = json!({
            "recommendation": "MoreInformationNeeded",
            "place_funding": 1_000_000,
            "meeting_required": true,
            "attendees": ["SenCaseworker", "Senco"],
            "band_code": "B3",
        });
        let shown = readable(answer.as_object().unwrap_or(&Map::new()));
        let field = |key: &str| {
            shown
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(field("recommendation"), "More information needed");
        assert_eq!(field("place_funding"), "£10,000.00");
        assert_eq!(field("meeting_required"), "Yes");
        assert_eq!(field("attendees"), "Sen caseworker, Senco");
        assert_eq!(field("band_code"), "B3");
    }

    #[test]
    fn unavailable_advice_says_why_in_words() {
        let shown = advice_view(
            "graduated-response",
            "unavailable",
            "abc",
            None,
            Some(r#"{"kind":"out-of-fuel","budget":50000000}"#),
        );
        assert_eq!(
            shown.get("unavailable_reason").and_then(Value::as_str),
            Some("the plugin ran out of fuel (budget 50000000)")
        );
    }
}
