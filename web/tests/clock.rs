//! `sendpanel clock`, table-driven: each case gives one JSON object on stdin and expects
//! exactly one JSON object of deadlines back (every key, no more), or exit 1 with one
//! line naming the key. Expected dates were worked by hand from the rules: "N weeks of
//! X" is X + 7N days; "15 days beginning with" counts the first day; "N months after"
//! clamps to the month's last day; "12 months starting with" ends the day before the
//! anniversary; the appeal (Tribunal time, HESC Rules 2008 r.20(1)(c)) moves off
//! Christmas and August (r.12(3)(a)) and off any other day that is not a working day
//! (r.12(2)), while the Regulations' own limits end on the day counted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

enum Expect {
    Out(Value),
    Error(&'static str),
}
use Expect::{Error, Out};

fn run(input: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sendpanel"))
        .arg("clock")
        .env_remove("SENDPANEL_BANK_HOLIDAYS_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[allow(clippy::too_many_lines)]
fn cases() -> Vec<(&'static str, Value, Expect)> {
    vec![
        // Reg 5, 10, 13(2): 6, 16 and 20 weeks from the request.
        (
            "request in January",
            json!({"request_received": "2025-01-01"}),
            Out(
                json!({"decide_whether_to_assess_by": "2025-02-12", "decide_not_to_issue_by": "2025-04-23", "final_plan_by": "2025-05-21"}),
            ),
        ),
        (
            "request across a leap day",
            json!({"request_received": "2024-02-01"}),
            Out(
                json!({"decide_whether_to_assess_by": "2024-03-14", "decide_not_to_issue_by": "2024-05-23", "final_plan_by": "2024-06-20"}),
            ),
        ),
        (
            "request across the new year",
            json!({"request_received": "2023-12-20"}),
            Out(
                json!({"decide_whether_to_assess_by": "2024-01-31", "decide_not_to_issue_by": "2024-04-10", "final_plan_by": "2024-05-08"}),
            ),
        ),
        (
            "statutory weeks ignore bank holidays",
            json!({"request_received": "2025-08-20"}),
            Out(
                json!({"decide_whether_to_assess_by": "2025-10-01", "decide_not_to_issue_by": "2025-12-10", "final_plan_by": "2026-01-07"}),
            ),
        ),
        (
            "request on a leap day",
            json!({"request_received": "2024-02-29"}),
            Out(
                json!({"decide_whether_to_assess_by": "2024-04-11", "decide_not_to_issue_by": "2024-06-20", "final_plan_by": "2024-07-18"}),
            ),
        ),
        // Reg 8: 6 weeks from the request for advice.
        (
            "advice asked in November",
            json!({"advice_requested": "2024-11-15"}),
            Out(json!({"advice_due_by": "2024-12-27"})),
        ),
        (
            "advice asked on new year's day",
            json!({"advice_requested": "2025-01-01"}),
            Out(json!({"advice_due_by": "2025-02-12"})),
        ),
        (
            "advice asked the day of the request",
            json!({"request_received": "2025-01-01", "advice_requested": "2025-01-01"}),
            Out(
                json!({"decide_whether_to_assess_by": "2025-02-12", "decide_not_to_issue_by": "2025-04-23", "final_plan_by": "2025-05-21", "advice_due_by": "2025-02-12"}),
            ),
        ),
        // Reg 13(1): 15 days beginning with the day served.
        (
            "draft served in June",
            json!({"draft_plan_served": "2025-06-01"}),
            Out(json!({"representations_due_by": "2025-06-15"})),
        ),
        (
            "draft served in a leap February",
            json!({"draft_plan_served": "2024-02-15"}),
            Out(json!({"representations_due_by": "2024-02-29"})),
        ),
        (
            "draft served before Christmas",
            json!({"draft_plan_served": "2025-12-20"}),
            Out(json!({"representations_due_by": "2026-01-03"})),
        ),
        (
            "draft served on the last day of January",
            json!({"draft_plan_served": "2025-01-31"}),
            Out(json!({"representations_due_by": "2025-02-14"})),
        ),
        // s.44: 12 months starting with the issue or the last review.
        (
            "plan issued 1 March",
            json!({"plan_issued": "2025-03-01"}),
            Out(json!({"annual_review_by": "2026-02-28"})),
        ),
        (
            "plan issued 1 March before a leap year",
            json!({"plan_issued": "2023-03-01"}),
            Out(json!({"annual_review_by": "2024-02-29"})),
        ),
        (
            "plan issued on a leap day",
            json!({"plan_issued": "2024-02-29"}),
            Out(json!({"annual_review_by": "2025-02-27"})),
        ),
        (
            "plan issued on new year's day",
            json!({"plan_issued": "2025-01-01"}),
            Out(json!({"annual_review_by": "2025-12-31"})),
        ),
        (
            "the last review counts from its decision",
            json!({"plan_issued": "2024-06-01", "last_review_decision": "2025-06-10"}),
            Out(json!({"annual_review_by": "2026-06-09"})),
        ),
        (
            "last review at a month end",
            json!({"last_review_decision": "2025-01-31"}),
            Out(json!({"annual_review_by": "2026-01-30"})),
        ),
        // Regs 20-21: papers 2 weeks before, report within 2 weeks, decision within 4.
        (
            "review meeting in March",
            json!({"review_meeting": "2025-03-03"}),
            Out(
                json!({"review_papers_by": "2025-02-17", "review_report_by": "2025-03-17", "review_decision_by": "2025-03-31"}),
            ),
        ),
        (
            "review meeting after a leap day",
            json!({"review_meeting": "2024-03-05"}),
            Out(
                json!({"review_papers_by": "2024-02-20", "review_report_by": "2024-03-19", "review_decision_by": "2024-04-02"}),
            ),
        ),
        (
            "review meeting in early January",
            json!({"review_meeting": "2026-01-05"}),
            Out(
                json!({"review_papers_by": "2025-12-22", "review_report_by": "2026-01-19", "review_decision_by": "2026-02-02"}),
            ),
        ),
        // Reg 22: 8 weeks from the proposals.
        (
            "amendments proposed in October",
            json!({"amendment_proposals_sent": "2025-10-01"}),
            Out(json!({"amended_plan_by": "2025-11-26"})),
        ),
        (
            "amendments proposed across a leap February",
            json!({"amendment_proposals_sent": "2024-01-10"}),
            Out(json!({"amended_plan_by": "2024-03-06"})),
        ),
        // Reg 18: 15 February / 31 March of the year of transfer.
        (
            "school phase transfer",
            json!({"transfer_year": 2027, "transfer_kind": "school"}),
            Out(json!({"phase_transfer_by": "2027-02-15"})),
        ),
        (
            "post-16 transfer",
            json!({"transfer_year": 2026, "transfer_kind": "post16"}),
            Out(json!({"phase_transfer_by": "2026-03-31"})),
        ),
        (
            "school transfer in a leap year",
            json!({"transfer_year": 2028, "transfer_kind": "school"}),
            Out(json!({"phase_transfer_by": "2028-02-15"})),
        ),
        // Reg 33 and Tribunal rules 20 and 12.
        (
            "decision notice in March: the appeal moves off Saturday, mediation does not",
            json!({"decision_notice_sent": "2025-03-10"}),
            Out(json!({"mediation_contact_by": "2025-05-10", "appeal_by": "2025-05-12"})),
        ),
        (
            "an appeal date on a Sunday moves to Monday (r.12(2))",
            json!({"decision_notice_sent": "2025-03-11"}),
            Out(json!({"mediation_contact_by": "2025-05-11", "appeal_by": "2025-05-12"})),
        ),
        (
            "an appeal date on the spring bank holiday moves to Tuesday (r.12(2))",
            json!({"decision_notice_sent": "2025-03-26"}),
            Out(json!({"mediation_contact_by": "2025-05-26", "appeal_by": "2025-05-27"})),
        ),
        (
            "an appeal date on Good Friday moves past Easter Monday (r.12(2))",
            json!({"decision_notice_sent": "2025-02-18"}),
            Out(json!({"mediation_contact_by": "2025-04-18", "appeal_by": "2025-04-22"})),
        ),
        (
            "an appeal date on a working day stays",
            json!({"decision_notice_sent": "2025-03-12"}),
            Out(json!({"mediation_contact_by": "2025-05-12", "appeal_by": "2025-05-12"})),
        ),
        (
            "a Saturday before Christmas moves by r.12(2) alone",
            json!({"decision_notice_sent": "2022-10-24"}),
            Out(json!({"mediation_contact_by": "2022-12-24", "appeal_by": "2022-12-28"})),
        ),
        (
            "appeal deadline in August moves to September",
            json!({"decision_notice_sent": "2025-06-15"}),
            Out(json!({"mediation_contact_by": "2025-08-15", "appeal_by": "2025-09-01"})),
        ),
        (
            "appeal deadline on 30 August moves",
            json!({"decision_notice_sent": "2025-06-30"}),
            Out(json!({"mediation_contact_by": "2025-08-30", "appeal_by": "2025-09-01"})),
        ),
        (
            "appeal deadline on 1 August moves",
            json!({"decision_notice_sent": "2026-06-01"}),
            Out(json!({"mediation_contact_by": "2026-08-01", "appeal_by": "2026-09-01"})),
        ),
        (
            "31 August 2026 is a bank holiday",
            json!({"decision_notice_sent": "2026-06-30"}),
            Out(json!({"mediation_contact_by": "2026-08-30", "appeal_by": "2026-09-01"})),
        ),
        (
            "1 September does not move",
            json!({"decision_notice_sent": "2025-07-01"}),
            Out(json!({"mediation_contact_by": "2025-09-01", "appeal_by": "2025-09-01"})),
        ),
        (
            "Christmas Day moves to 2 January",
            json!({"decision_notice_sent": "2025-10-25"}),
            Out(json!({"mediation_contact_by": "2025-12-25", "appeal_by": "2026-01-02"})),
        ),
        (
            "New Year's Eve moves",
            json!({"decision_notice_sent": "2025-10-31"}),
            Out(json!({"mediation_contact_by": "2025-12-31", "appeal_by": "2026-01-02"})),
        ),
        (
            "New Year's Day moves",
            json!({"decision_notice_sent": "2025-11-01"}),
            Out(json!({"mediation_contact_by": "2026-01-01", "appeal_by": "2026-01-02"})),
        ),
        (
            "Christmas Eve does not move",
            json!({"decision_notice_sent": "2025-10-24"}),
            Out(json!({"mediation_contact_by": "2025-12-24", "appeal_by": "2025-12-24"})),
        ),
        (
            "2 January does not move",
            json!({"decision_notice_sent": "2025-11-02"}),
            Out(json!({"mediation_contact_by": "2026-01-02", "appeal_by": "2026-01-02"})),
        ),
        (
            "after 1 January the first working day can be a Monday",
            json!({"decision_notice_sent": "2026-10-30"}),
            Out(json!({"mediation_contact_by": "2026-12-30", "appeal_by": "2027-01-04"})),
        ),
        (
            "two months from 31 December clamp to February, a Saturday for the appeal",
            json!({"decision_notice_sent": "2025-12-31"}),
            Out(json!({"mediation_contact_by": "2026-02-28", "appeal_by": "2026-03-02"})),
        ),
        (
            "two months from 31 December in a leap year",
            json!({"decision_notice_sent": "2023-12-31"}),
            Out(json!({"mediation_contact_by": "2024-02-29", "appeal_by": "2024-02-29"})),
        ),
        (
            "a later certificate extends the appeal",
            json!({"decision_notice_sent": "2025-03-10", "mediation_certificate_issued": "2025-05-20"}),
            Out(json!({"mediation_contact_by": "2025-05-10", "appeal_by": "2025-06-20"})),
        ),
        (
            "an early certificate does not shorten it",
            json!({"decision_notice_sent": "2025-03-10", "mediation_certificate_issued": "2025-03-20"}),
            Out(json!({"mediation_contact_by": "2025-05-10", "appeal_by": "2025-05-12"})),
        ),
        (
            "a later certificate's month ending on a Saturday moves to Monday",
            json!({"decision_notice_sent": "2025-03-10", "mediation_certificate_issued": "2025-05-14"}),
            Out(json!({"mediation_contact_by": "2025-05-10", "appeal_by": "2025-06-16"})),
        ),
        (
            "a certificate deadline in August moves too",
            json!({"decision_notice_sent": "2025-05-15", "mediation_certificate_issued": "2025-07-10"}),
            Out(json!({"mediation_contact_by": "2025-07-15", "appeal_by": "2025-09-01"})),
        ),
        (
            "a certificate month clamps at month end",
            json!({"decision_notice_sent": "2025-01-10", "mediation_certificate_issued": "2025-01-31"}),
            Out(json!({"mediation_contact_by": "2025-03-10", "appeal_by": "2025-03-10"})),
        ),
        // Reg 34: certificate within 3 working days.
        (
            "certificate over Christmas",
            json!({"mediation_adviser_contacted": "2025-12-24"}),
            Out(json!({"certificate_due_by": "2025-12-31"})),
        ),
        (
            "certificate over Easter",
            json!({"mediation_adviser_contacted": "2025-04-17"}),
            Out(json!({"certificate_due_by": "2025-04-24"})),
        ),
        (
            "certificate over a weekend",
            json!({"mediation_adviser_contacted": "2025-03-05"}),
            Out(json!({"certificate_due_by": "2025-03-10"})),
        ),
        (
            "certificate over the Coronation holiday",
            json!({"mediation_adviser_contacted": "2023-05-05"}),
            Out(json!({"certificate_due_by": "2023-05-11"})),
        ),
        (
            "certificate asked on a Saturday",
            json!({"mediation_adviser_contacted": "2025-03-08"}),
            Out(json!({"certificate_due_by": "2025-03-12"})),
        ),
        // Regs 36-37: mediation within 30 days.
        (
            "mediation across the new year",
            json!({"mediation_requested": "2025-12-05"}),
            Out(json!({"mediation_by": "2026-01-04"})),
        ),
        (
            "mediation across a leap February",
            json!({"mediation_requested": "2024-02-10"}),
            Out(json!({"mediation_by": "2024-03-11"})),
        ),
        ("nothing given, nothing due", json!({}), Out(json!({}))),
        // Refusals: unknown keys, malformed values, impossible orders.
        (
            "unknown key",
            json!({"request_recieved": "2025-01-01"}),
            Error("request_recieved: unknown key"),
        ),
        (
            "short date",
            json!({"request_received": "2025-1-5"}),
            Error("request_received: \"2025-1-5\" is not a calendar date"),
        ),
        (
            "British date order",
            json!({"request_received": "05/01/2025"}),
            Error("request_received: \"05/01/2025\" is not a calendar date"),
        ),
        (
            "30 February",
            json!({"plan_issued": "2025-02-30"}),
            Error("plan_issued: \"2025-02-30\" is not a calendar date"),
        ),
        (
            "29 February in a common year",
            json!({"draft_plan_served": "2025-02-29"}),
            Error("draft_plan_served: \"2025-02-29\" is not a calendar date"),
        ),
        (
            "a number for a date",
            json!({"review_meeting": 20250101}),
            Error("review_meeting: 20250101 must be a date"),
        ),
        (
            "transfer year without kind",
            json!({"transfer_year": 2027}),
            Error("transfer_year: needs transfer_kind"),
        ),
        (
            "transfer kind without year",
            json!({"transfer_kind": "school"}),
            Error("transfer_kind: needs transfer_year"),
        ),
        (
            "unknown transfer kind",
            json!({"transfer_year": 2027, "transfer_kind": "college"}),
            Error("transfer_kind: \"college\" must be \"school\" or \"post16\""),
        ),
        (
            "transfer year out of range",
            json!({"transfer_year": 1999, "transfer_kind": "school"}),
            Error("transfer_year: 1999 must be a year from 2000 to 2100"),
        ),
        (
            "draft served before the request",
            json!({"request_received": "2025-07-10", "draft_plan_served": "2025-07-01"}),
            Error("draft_plan_served: 2025-07-01 is before request_received (2025-07-10)"),
        ),
        (
            "advice asked before the request",
            json!({"request_received": "2025-07-10", "advice_requested": "2025-07-09"}),
            Error("advice_requested: 2025-07-09 is before request_received (2025-07-10)"),
        ),
        (
            "final plan before the draft",
            json!({"draft_plan_served": "2025-07-10", "plan_issued": "2025-07-01"}),
            Error("plan_issued: 2025-07-01 is before draft_plan_served (2025-07-10)"),
        ),
        (
            "review decision before the plan",
            json!({"plan_issued": "2025-07-10", "last_review_decision": "2024-07-01"}),
            Error("last_review_decision: 2024-07-01 is before plan_issued (2025-07-10)"),
        ),
        (
            "review meeting before the plan",
            json!({"plan_issued": "2025-07-10", "review_meeting": "2025-07-01"}),
            Error("review_meeting: 2025-07-01 is before plan_issued (2025-07-10)"),
        ),
        (
            "amendments before the plan",
            json!({"plan_issued": "2025-07-10", "amendment_proposals_sent": "2025-07-09"}),
            Error("amendment_proposals_sent: 2025-07-09 is before plan_issued (2025-07-10)"),
        ),
        (
            "certificate before the notice",
            json!({"decision_notice_sent": "2025-07-10", "mediation_certificate_issued": "2025-07-01"}),
            Error(
                "mediation_certificate_issued: 2025-07-01 is before decision_notice_sent (2025-07-10)",
            ),
        ),
        (
            "adviser contacted before the notice",
            json!({"decision_notice_sent": "2025-07-10", "mediation_adviser_contacted": "2025-07-01"}),
            Error(
                "mediation_adviser_contacted: 2025-07-01 is before decision_notice_sent (2025-07-10)",
            ),
        ),
        (
            "mediation asked before the notice",
            json!({"decision_notice_sent": "2025-07-10", "mediation_requested": "2025-06-01"}),
            Error("mediation_requested: 2025-06-01 is before decision_notice_sent (2025-07-10)"),
        ),
        (
            "notice before the request",
            json!({"request_received": "2025-07-10", "decision_notice_sent": "2025-06-30"}),
            Error("decision_notice_sent: 2025-06-30 is before request_received (2025-07-10)"),
        ),
        (
            "not an object",
            json!(["2025-01-01"]),
            Error("input: must be one JSON object"),
        ),
    ]
}

#[test]
fn every_rule_and_edge_gives_the_dates_worked_by_hand() {
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut failures = Vec::new();
    for (name, input, expect) in cases {
        let (code, stdout, stderr) = run(&input.to_string());
        match expect {
            Out(want) => {
                let got: Option<Value> = serde_json::from_str(&stdout).ok();
                if code != Some(0) || got.as_ref() != Some(&want) {
                    failures.push(format!(
                        "{name}: exit {code:?}, got {stdout}{stderr}, want {want}"
                    ));
                }
            }
            Error(fragment) => {
                let lines: Vec<&str> = stderr
                    .lines()
                    .filter(|l| l.starts_with("sendpanel: error:"))
                    .collect();
                if code != Some(1)
                    || lines.len() != 1
                    || !lines.iter().any(|l| l.contains(fragment))
                    || !stdout.is_empty()
                {
                    failures.push(format!("{name}: exit {code:?}, stderr {stderr:?}, want one line containing {fragment:?}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn input_that_is_not_json_is_one_line() {
    let (code, stdout, stderr) = run("request_received=2025-01-01");
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty());
    assert!(
        stderr.starts_with("sendpanel: error: stdin: not JSON"),
        "{stderr}"
    );
}
