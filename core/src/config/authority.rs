//! Validated authority configuration.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use strum::IntoEnumIterator;

use super::raw::{RawAuthority, RawPanel, RawTarget};
use super::sign_in::{SignInConfig, validate_sign_in};
use super::{ConfigDir, ConfigError};
use crate::domain::{AuthorityId, DecisionKind, LaNumber, PanelCode, PanelRole, Slug};
use crate::reports::scrutiny::{Indicator, Target, TargetDirection, Unit};
use chrono::NaiveDate;

/// How a panel reaches its decision (Loomio's and councils' conventions; see
/// `practice-and-peers.md`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::EnumString, strum::Display, strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum VotingRule {
    /// More agree than disagree; abstentions do not count either way.
    SimpleMajority,
    /// Every voting member agrees.
    Consensus,
    /// Members advise; the chair decides after hearing them.
    ChairDecides,
}

/// What happens when votes tie.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::EnumString, strum::Display, strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TieBreak {
    /// The chair's vote decides (the usual committee convention).
    ChairCastingVote,
    /// The item is deferred to a later sitting.
    Defer,
}

/// Who must be present for a panel to decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quorum {
    /// At least this many members present and not conflicted.
    pub min_members: u32,
    /// And at least one member in each of these roles.
    pub required_roles: BTreeSet<PanelRole>,
}

/// One panel as the authority configures it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PanelConfig {
    /// Its code, unique within the authority.
    pub code: PanelCode,
    /// Its name on papers and letters.
    pub name: String,
    /// The decisions routed to it; each kind goes to at most one panel, and to at most
    /// one more that takes it only for young people (`young_people_only`).
    pub decides: BTreeSet<DecisionKind>,
    /// The kinds of `decides` this panel takes only for young people, those over
    /// compulsory school age (Children and Families Act 2014 s.83(2),
    /// [`crate::transitions::over_compulsory_school_age`] on the day it sits): Torbay's
    /// Transitions Panel and the cessation of post-16 plans. Empty for most panels.
    pub young_people_only: BTreeSet<DecisionKind>,
    /// The roles members sit in; always includes `chair`.
    pub roles: Vec<PanelRole>,
    /// How it decides.
    pub voting_rule: VotingRule,
    /// What a tie does.
    pub tie_break: TieBreak,
    /// Days before a sitting that papers must reach members (local practice).
    pub papers_due_days_before: u8,
    /// Who must be present.
    pub quorum: Quorum,
}

/// One authority's configuration, every value checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorityConfig {
    /// Its code (equal to its folder's name).
    pub id: AuthorityId,
    /// Its name on letters.
    pub name: String,
    /// Its DfE number.
    pub la_number: LaNumber,
    /// Its panels.
    pub panels: Vec<PanelConfig>,
    /// How its people sign in (`[sign_in]`; passwords only when absent).
    pub sign_in: SignInConfig,
    /// Its targets for the scrutiny table (`[[targets]]`; none when absent, and the
    /// table's RAG column then says "N/A").
    pub targets: Vec<Target>,
}

impl AuthorityConfig {
    /// The panel a kind of decision is routed to for every child and young person, if
    /// any (not one that takes it only for young people).
    pub fn panel_for(&self, kind: DecisionKind) -> Option<&PanelConfig> {
        self.panels
            .iter()
            .find(|p| p.decides.contains(&kind) && !p.young_people_only.contains(&kind))
    }
}

/// The longest notice for papers we accept; more is almost certainly a typo.
const MAX_PAPERS_DAYS: u8 = 30;

/// Reads every `<dir>/<code>/authority.toml`, in code order, from a folder on disk or
/// the copy shipped in the binary ([`ConfigDir`]). An empty or missing directory is an
/// error: a service with no authority can do nothing.
pub fn load_authorities(dir: impl Into<ConfigDir>) -> Result<Vec<AuthorityConfig>, ConfigError> {
    let dir = dir.into();
    let unreadable = |detail: String| {
        ConfigError::new(
            dir.display_path(),
            "",
            format!("cannot read the authorities directory: {detail}"),
        )
    };
    let folders = dir
        .folders()
        .map_err(|e| unreadable(e.to_string()))?
        .ok_or_else(|| unreadable("it does not exist".to_owned()))?;
    let mut loaded = Vec::with_capacity(folders.len());
    for folder in folders {
        if let Some(config) = read_authority(&dir.join(&folder), &folder)? {
            loaded.push(config);
        }
    }
    if loaded.is_empty() {
        return Err(ConfigError::new(
            dir.display_path(),
            "",
            "no authority configured: add <code>/authority.toml",
        ));
    }
    Ok(loaded)
}

/// Reads one authority's folder (`<dir>/authority.toml`).
pub fn load_authority(folder: impl Into<ConfigDir>) -> Result<AuthorityConfig, ConfigError> {
    let folder = folder.into();
    let display = folder.display_path();
    let folder_name = display
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    read_authority(&folder, &folder_name)?.ok_or_else(|| {
        ConfigError::new(
            display.join("authority.toml"),
            "",
            "cannot read: no such file",
        )
    })
}

/// The authority in `folder`, or `None` when the folder holds no `authority.toml`.
fn read_authority(
    folder: &ConfigDir,
    folder_name: &str,
) -> Result<Option<AuthorityConfig>, ConfigError> {
    let file = folder.file("authority.toml").map_err(|e| {
        ConfigError::new(
            folder.display_path().join("authority.toml"),
            "",
            format!("cannot read: {e}"),
        )
    })?;
    file.map(|file| parse_authority(&file.path, &file.text, folder_name))
        .transpose()
}

/// Parses and validates the text of an `authority.toml` found in folder `folder_name`.
pub(crate) fn parse_authority(
    file: &Path,
    text: &str,
    folder_name: &str,
) -> Result<AuthorityConfig, ConfigError> {
    let deserializer = toml::Deserializer::parse(text)
        .map_err(|e| ConfigError::new(file, "", toml_message(&e, text)))?;
    let raw: RawAuthority = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let key = e.path().to_string();
        let key = if key == "." { String::new() } else { key };
        ConfigError::new(file, key, toml_message(e.inner(), text))
    })?;
    validate(file, raw, folder_name)
}

/// toml's own message is several lines with a caret diagram; we keep one line.
fn toml_message(error: &toml::de::Error, text: &str) -> String {
    let message = error.message().trim().replace('\n', " ");
    match error.span() {
        Some(span) => {
            let line = text
                .get(..span.start)
                .map_or(1, |t| t.matches('\n').count() + 1);
            format!("{message} (line {line})")
        }
        None => message,
    }
}

fn validate(
    file: &Path,
    raw: RawAuthority,
    folder_name: &str,
) -> Result<AuthorityConfig, ConfigError> {
    let err = |key: &str, rule: String| ConfigError::new(file, key, rule);
    let id = AuthorityId::parse(&raw.code).map_err(|e| err("code", rule_of(&e)))?;
    if id.as_str() != folder_name {
        return Err(err(
            "code",
            format!("`{id}` must equal the folder name `{folder_name}`"),
        ));
    }
    if raw.name.trim().is_empty() {
        return Err(err("name", "must not be empty".into()));
    }
    let la_number = LaNumber::new(raw.la_number).map_err(|e| err("la_number", rule_of(&e)))?;
    let mut panels: Vec<PanelConfig> = Vec::with_capacity(raw.panels.len());
    for (index, raw_panel) in raw.panels.into_iter().enumerate() {
        let panel = validate_panel(file, index, raw_panel)?;
        if panels.iter().any(|p| p.code == panel.code) {
            return Err(err(
                &format!("panels[{index}].code"),
                format!("`{}` is used by another panel", panel.code),
            ));
        }
        // One panel for everyone and at most one more for young people only: a second
        // of the same sort would leave a case two panels to go to.
        for kind in &panel.decides {
            let narrowed = panel.young_people_only.contains(kind);
            if let Some(other) = panels.iter().find(|p| {
                p.decides.contains(kind) && p.young_people_only.contains(kind) == narrowed
            }) {
                let (key, rule) = if narrowed {
                    (
                        "young_people_only",
                        "a second panel cannot take it for young people only",
                    )
                } else {
                    ("decides", "each decision goes to one panel")
                };
                return Err(err(
                    &format!("panels[{index}].{key}"),
                    format!(
                        "`{kind}` is already decided by panel `{}`; {rule}",
                        other.code
                    ),
                ));
            }
        }
        panels.push(panel);
    }
    let sign_in = validate_sign_in(file, raw.sign_in)?;
    let mut targets: Vec<Target> = Vec::with_capacity(raw.targets.len());
    for (index, raw_target) in raw.targets.into_iter().enumerate() {
        let target = validate_target(file, index, raw_target)?;
        if targets
            .iter()
            .any(|t| t.indicator == target.indicator && t.from == target.from)
        {
            return Err(err(
                &format!("targets[{index}].from"),
                format!(
                    "another target for `{}` already starts {}; give each a different `from`",
                    target.indicator,
                    target
                        .from
                        .map_or_else(|| "with no `from`".to_owned(), |d| format!("on {d}"))
                ),
            ));
        }
        targets.push(target);
    }
    Ok(AuthorityConfig {
        id,
        name: raw.name.trim().to_owned(),
        la_number,
        panels,
        sign_in,
        targets,
    })
}

/// One `[[targets]]` entry: a known indicator and direction, a share within 0-100, a
/// date-only `from`, and a source.
fn validate_target(file: &Path, index: usize, raw: RawTarget) -> Result<Target, ConfigError> {
    let err = |field: &str, rule: String| {
        ConfigError::new(file, format!("targets[{index}].{field}"), rule)
    };
    let indicator = raw.indicator.parse::<Indicator>().map_err(|_| {
        err(
            "indicator",
            format!(
                "`{}` is not an indicator; use one of {}",
                raw.indicator,
                choices::<Indicator>()
            ),
        )
    })?;
    let direction = raw.direction.parse::<TargetDirection>().map_err(|_| {
        err(
            "direction",
            format!(
                "`{}` is not a direction; use one of {}",
                raw.direction,
                choices::<TargetDirection>()
            ),
        )
    })?;
    if indicator.unit() == Unit::Percent {
        for (field, figure) in [("value", raw.value), ("amber_within", raw.amber_within)] {
            if figure > 100 {
                return Err(err(
                    field,
                    format!("{figure} must be a whole per cent from 0 to 100 for `{indicator}`"),
                ));
            }
        }
    }
    let from = match raw.from {
        None => None,
        Some(when) => match (when.date, when.time) {
            (Some(date), None) => Some(
                NaiveDate::from_ymd_opt(
                    i32::from(date.year),
                    u32::from(date.month),
                    u32::from(date.day),
                )
                .ok_or_else(|| err("from", format!("{when} is not a day")))?,
            ),
            _ => {
                return Err(err(
                    "from",
                    format!("{when} must be a date alone, such as 2023-07-01"),
                ));
            }
        },
    };
    let source = raw.source.trim();
    if source.is_empty() {
        return Err(err(
            "source",
            "say where the target comes from (the council's paper and line), or why it is illustrative"
                .into(),
        ));
    }
    if source.chars().any(char::is_control) {
        return Err(err(
            "source",
            "must be one line, without control characters".into(),
        ));
    }
    Ok(Target {
        indicator,
        value: raw.value,
        direction,
        amber_within: raw.amber_within,
        from,
        source: source.to_owned(),
        illustrative: raw.illustrative,
    })
}

fn validate_panel(file: &Path, index: usize, raw: RawPanel) -> Result<PanelConfig, ConfigError> {
    let key = |field: &str| format!("panels[{index}].{field}");
    let err = |field: &str, rule: String| ConfigError::new(file, key(field), rule);
    let code = Slug::parse("code", &raw.code).map_err(|e| err("code", rule_of(&e)))?;
    if raw.name.trim().is_empty() {
        return Err(err("name", "must not be empty".into()));
    }
    let decides = raw
        .decides
        .iter()
        .map(|d| {
            d.parse::<DecisionKind>().map_err(|_| {
                err(
                    "decides",
                    format!(
                        "`{d}` is not a decision; use one of {}",
                        choices::<DecisionKind>()
                    ),
                )
            })
        })
        .collect::<Result<BTreeSet<_>, _>>()?;
    if decides.is_empty() {
        return Err(err(
            "decides",
            "a panel must decide at least one kind of decision".into(),
        ));
    }
    let mut young_people_only = BTreeSet::new();
    for d in &raw.young_people_only {
        let kind = d.parse::<DecisionKind>().map_err(|_| {
            err(
                "young_people_only",
                format!(
                    "`{d}` is not a decision; use one of {}",
                    choices::<DecisionKind>()
                ),
            )
        })?;
        if !decides.contains(&kind) {
            return Err(err(
                "young_people_only",
                format!("`{kind}` is not in this panel's `decides`; list it there too"),
            ));
        }
        young_people_only.insert(kind);
    }
    let mut roles: Vec<PanelRole> = Vec::with_capacity(raw.roles.len());
    for role in &raw.roles {
        let role = Slug::parse("roles", role).map_err(|e| err("roles", rule_of(&e)))?;
        if roles.contains(&role) {
            return Err(err("roles", format!("`{role}` is listed twice")));
        }
        roles.push(role);
    }
    if !roles.iter().any(|r| r.as_str() == "chair") {
        return Err(err(
            "roles",
            "must include `chair`: someone records the decision".into(),
        ));
    }
    let voting_rule = raw.voting_rule.parse::<VotingRule>().map_err(|_| {
        err(
            "voting_rule",
            format!(
                "`{}` is not a voting rule; use one of {}",
                raw.voting_rule,
                choices::<VotingRule>()
            ),
        )
    })?;
    let tie_break = raw.tie_break.parse::<TieBreak>().map_err(|_| {
        err(
            "tie_break",
            format!(
                "`{}` is not a tie rule; use one of {}",
                raw.tie_break,
                choices::<TieBreak>()
            ),
        )
    })?;
    if raw.papers_due_days_before > MAX_PAPERS_DAYS {
        return Err(err(
            "papers_due_days_before",
            format!(
                "{} must be between 0 and {MAX_PAPERS_DAYS} days",
                raw.papers_due_days_before
            ),
        ));
    }
    let role_count = u32::try_from(roles.len()).unwrap_or(u32::MAX);
    if raw.quorum.min_members == 0 || raw.quorum.min_members > role_count {
        return Err(err(
            "quorum.min_members",
            format!(
                "{} must be at least 1 and at most the number of roles ({role_count})",
                raw.quorum.min_members
            ),
        ));
    }
    let mut required_roles = BTreeSet::new();
    for role in &raw.quorum.required_roles {
        let role = Slug::parse("required_roles", role)
            .map_err(|e| err("quorum.required_roles", rule_of(&e)))?;
        if !roles.contains(&role) {
            return Err(err(
                "quorum.required_roles",
                format!("`{role}` is not one of this panel's roles"),
            ));
        }
        required_roles.insert(role);
    }
    Ok(PanelConfig {
        code,
        name: raw.name.trim().to_owned(),
        decides,
        young_people_only,
        roles,
        voting_rule,
        tie_break,
        papers_due_days_before: raw.papers_due_days_before,
        quorum: super::Quorum {
            min_members: raw.quorum.min_members,
            required_roles,
        },
    })
}

fn rule_of(error: &crate::domain::DomainError) -> String {
    match error {
        crate::domain::DomainError::Invalid { rule, .. } => rule.clone(),
    }
}

fn choices<E: IntoEnumIterator + std::fmt::Display>() -> String {
    E::iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
code = "testshire"
name = "Testshire County Council"
la_number = 999

[[panels]]
code = "sen-panel"
name = "SEN Panel"
decides = ["assess", "issue"]
roles = ["chair", "educational_psychologist", "sen_manager", "senco"]
voting_rule = "simple_majority"
papers_due_days_before = 5
[panels.quorum]
min_members = 3
required_roles = ["educational_psychologist", "sen_manager"]
"#;

    fn parse(text: &str) -> Result<AuthorityConfig, ConfigError> {
        parse_authority(Path::new("testshire/authority.toml"), text, "testshire")
    }

    #[test]
    fn a_good_file_parses_with_defaults() {
        let config = parse(GOOD).unwrap();
        assert_eq!(config.name, "Testshire County Council");
        let panel = config.panel_for(DecisionKind::Assess).unwrap();
        assert_eq!(panel.tie_break, TieBreak::ChairCastingVote);
        assert_eq!(panel.quorum.required_roles.len(), 2);
        assert!(config.panel_for(DecisionKind::Banding).is_none());
    }

    #[test]
    fn errors_name_the_file_the_key_and_the_rule() {
        let cases = [
            (
                GOOD.replace("min_members = 3", "min_members = 9"),
                "panels[0].quorum.min_members",
                "at most the number of roles",
            ),
            (
                GOOD.replace(
                    "[\"educational_psychologist\", \"sen_manager\"]",
                    "[\"health\"]",
                ),
                "panels[0].quorum.required_roles",
                "`health` is not one of this panel's roles",
            ),
            (
                GOOD.replace("simple_majority", "show_of_hands"),
                "panels[0].voting_rule",
                "use one of simple_majority, consensus, chair_decides",
            ),
            (
                GOOD.replace("\"assess\", \"issue\"", "\"assess\", \"lunch\""),
                "panels[0].decides",
                "`lunch` is not a decision",
            ),
            (
                GOOD.replace("\"chair\", ", ""),
                "panels[0].roles",
                "must include `chair`",
            ),
            (
                GOOD.replace(
                    "decides = [\"assess\", \"issue\"]",
                    "decides = [\"assess\", \"issue\"]\nyoung_people_only = [\"post_16\"]",
                ),
                "panels[0].young_people_only",
                "`post_16` is not a decision",
            ),
            (
                GOOD.replace(
                    "decides = [\"assess\", \"issue\"]",
                    "decides = [\"assess\", \"issue\"]\nyoung_people_only = [\"annual_review\"]",
                ),
                "panels[0].young_people_only",
                "`annual_review` is not in this panel's `decides`",
            ),
            (
                GOOD.replace("code = \"testshire\"", "code = \"otherside\""),
                "code",
                "must equal the folder name",
            ),
            (
                GOOD.replace("la_number = 999", "la_number = 12"),
                "la_number",
                "three-digit",
            ),
            (
                GOOD.replace("min_members", "min_membrs"),
                "panels[0].quorum.min_membrs",
                "unknown field `min_membrs`",
            ),
            (
                GOOD.replace("la_number = 999", "la_number = \"880\""),
                "la_number",
                "invalid type",
            ),
        ];
        for (text, key, rule) in cases {
            let error = parse(&text).unwrap_err();
            assert_eq!(error.key, key, "{error}");
            assert!(error.rule.contains(rule), "{error}");
            let line = error.to_string();
            assert!(line.starts_with("testshire/authority.toml: "), "{line}");
            assert!(!line.contains('\n'), "one line: {line}");
        }
    }

    #[test]
    fn broken_toml_gives_a_line_number() {
        let error = parse("code = \"testshire\"\nname = \n").unwrap_err();
        assert!(error.rule.contains("(line 2)"), "{error}");
    }

    #[test]
    fn a_decision_kind_goes_to_one_panel_only() {
        let second = r#"
[[panels]]
code = "issue-panel"
name = "Issue Panel"
decides = ["issue"]
roles = ["chair", "sen_manager"]
voting_rule = "chair_decides"
[panels.quorum]
min_members = 2
"#;
        let error = parse(&format!("{GOOD}{second}")).unwrap_err();
        assert_eq!(error.key, "panels[1].decides", "{error}");
        assert!(
            error
                .rule
                .contains("`issue` is already decided by panel `sen-panel`"),
            "{error}"
        );
        let fine = second.replace("[\"issue\"]", "[\"banding\"]");
        assert_eq!(parse(&format!("{GOOD}{fine}")).unwrap().panels.len(), 2);

        // One more panel may take the kind for young people only; issue is still routed
        // to the panel that takes it for everyone. A third, narrowed too, is refused.
        let narrowed = second.replace(
            "decides = [\"issue\"]",
            "decides = [\"issue\"]\nyoung_people_only = [\"issue\"]",
        );
        let both = parse(&format!("{GOOD}{narrowed}")).unwrap();
        assert_eq!(
            both.panel_for(DecisionKind::Issue).map(|p| p.code.as_str()),
            Some("sen-panel")
        );
        let third = narrowed.replace("issue-panel", "post16-issue-panel");
        let error = parse(&format!("{GOOD}{narrowed}{third}")).unwrap_err();
        assert_eq!(error.key, "panels[2].young_people_only", "{error}");
        assert!(
            error
                .rule
                .contains("`issue` is already decided by panel `issue-panel`"),
            "{error}"
        );
    }

    const TARGETS: &str = r#"
[[targets]]
indicator = "requests_per_month"
value = 20
direction = "at_most"
amber_within = 2
source = "Testshire's paper, L1"

[[targets]]
indicator = "requests_per_month"
value = 15
direction = "at_most"
amber_within = 2
from = 2023-07-01
source = "Testshire's paper, L2"

[[targets]]
indicator = "final_plans_within_twenty_weeks"
value = 60
direction = "at_least"
amber_within = 5
source = "Shows the RAG column"
illustrative = true
"#;

    #[test]
    fn targets_parse_with_their_dates_and_sources() {
        let config = parse(&format!("{GOOD}{TARGETS}")).unwrap();
        assert_eq!(config.targets.len(), 3);
        let fifteen = &config.targets[1];
        assert_eq!(fifteen.indicator, Indicator::RequestsPerMonth);
        assert_eq!(fifteen.direction, TargetDirection::AtMost);
        assert_eq!(fifteen.from, NaiveDate::from_ymd_opt(2023, 7, 1));
        assert_eq!(fifteen.text(), "At most 15 a month");
        assert!(config.targets[2].illustrative);
        assert_eq!(config.targets[2].text(), "At least 60% (illustrative)");
        assert!(parse(GOOD).unwrap().targets.is_empty());
    }

    #[test]
    fn a_bad_target_names_its_field() {
        let with = |text: String| format!("{GOOD}{text}");
        let cases = [
            (
                TARGETS.replacen("requests_per_month", "requests_a_week", 1),
                "targets[0].indicator",
                "`requests_a_week` is not an indicator; use one of requests_per_month",
            ),
            (
                TARGETS.replacen("at_most", "below", 1),
                "targets[0].direction",
                "use one of at_least, at_most",
            ),
            (
                TARGETS.replace("value = 60", "value = 160"),
                "targets[2].value",
                "160 must be a whole per cent from 0 to 100",
            ),
            (
                TARGETS.replace("amber_within = 5", "amber_within = 101"),
                "targets[2].amber_within",
                "from 0 to 100",
            ),
            (
                TARGETS.replace("from = 2023-07-01", "from = 2023-07-01T09:00:00"),
                "targets[1].from",
                "must be a date alone",
            ),
            (
                TARGETS.replace("from = 2023-07-01\n", ""),
                "targets[1].from",
                "another target for `requests_per_month` already starts with no `from`",
            ),
            (
                TARGETS.replace("\"Testshire's paper, L1\"", "\"  \""),
                "targets[0].source",
                "say where the target comes from",
            ),
            (
                TARGETS.replace("value = 20", "value = -20"),
                "targets[0].value",
                "invalid value",
            ),
            (
                TARGETS.replace("amber_within = 2\nsource", "amber = 2\nsource"),
                "targets[0].amber",
                "unknown field `amber`",
            ),
        ];
        for (text, key, rule) in cases {
            let error = parse(&with(text)).unwrap_err();
            assert_eq!(error.key, key, "{error}");
            assert!(error.rule.contains(rule), "{error}");
        }
    }

    #[test]
    fn the_shipped_authorities_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/authorities");
        let all = load_authorities(&dir).unwrap();
        let codes: Vec<_> = all.iter().map(|a| a.id.to_string()).collect();
        assert_eq!(codes, ["leicestershire", "torbay", "wiltshire"]);
        // Torbay's targets are those its papers give, each citing them.
        let torbay = &all[1];
        let targets: Vec<_> = torbay
            .targets
            .iter()
            .map(|t| (t.indicator, t.value))
            .collect();
        assert_eq!(
            targets,
            [
                (Indicator::RequestsPerMonth, 20),
                (Indicator::RequestsPerMonth, 15),
                (Indicator::PlansActive, 1568)
            ]
        );
        assert!(
            torbay
                .targets
                .iter()
                .all(|t| !t.illustrative && t.source.contains("torbay-pack-part1.md L"))
        );
        for authority in &all {
            assert!(
                authority.panel_for(DecisionKind::Assess).is_some(),
                "{}",
                authority.id
            );
        }
        // Torbay's Transitions Panel decides post-16 placements, and the annual reviews
        // of young people (the cessation of post-16 plans, seed 001 L399); every other
        // annual review goes to the Annual Review Panel.
        let transitions = torbay
            .panels
            .iter()
            .find(|p| p.code.as_str() == "transitions-panel")
            .unwrap();
        assert_eq!(
            transitions.decides,
            BTreeSet::from([DecisionKind::Post16, DecisionKind::AnnualReview])
        );
        assert_eq!(
            transitions.young_people_only,
            BTreeSet::from([DecisionKind::AnnualReview])
        );
        assert_eq!(
            torbay
                .panel_for(DecisionKind::AnnualReview)
                .map(|p| p.code.as_str()),
            Some("annual-review-panel")
        );
    }
}
