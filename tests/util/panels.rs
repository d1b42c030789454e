//! A panel ready to sit, for the panel tests: Torbay's configuration as shipped (its SEN
//! panel decides assessment and issue, quorum 4 with a chair, an educational
//! psychologist and a SEN manager, simple majority with the chair's casting vote), its
//! authority and panels registered, and members seated in their roles.

use std::path::PathBuf;

use sendpanel_core::config::{AuthorityConfig, load_authority};
use sendpanel_core::domain::{AgendaItem, CaseId, Proposal, Sitting, Slug, User, UserId, UserRole};
use sendpanel_core::panel::{
    AddToAgenda, ScheduleSitting, add_to_agenda, open_sitting, schedule_sitting, seat_member,
};
use sendpanel_core::registry::register_authorities;
use sendpanel_core::store::{AuthorityScope, Database};

use crate::fixtures::user;
use crate::journey::on;

/// The shipped configuration folder of one authority.
pub fn config_dir(code: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("config")
        .join("authorities")
        .join(code)
}

/// Torbay registered from its shipped `authority.toml`, with its panels.
pub fn torbay(db: &Database) -> anyhow::Result<(AuthorityScope, AuthorityConfig)> {
    let config = load_authority(config_dir("torbay"))?;
    register_authorities(db, std::slice::from_ref(&config), &on(2023, 9, 1))?;
    Ok((AuthorityScope::new(config.id.clone()), config))
}

/// A user seated on `panel` in `role` (a chair gets the panel-chair user role).
pub fn seated(
    db: &Database,
    scope: &AuthorityScope,
    config: &AuthorityConfig,
    panel: &str,
    role: &str,
) -> anyhow::Result<User> {
    let user_role = if role == "chair" {
        UserRole::PanelChair
    } else {
        UserRole::PanelMember
    };
    let member = user(db, scope, &format!("{role}@{panel}.example"), user_role)?;
    seat_member(
        db,
        scope,
        config,
        &Slug::parse("panel", panel)?,
        member.id,
        &Slug::parse("role", role)?,
    )?;
    Ok(member)
}

/// A sitting of Torbay's SEN panel on Monday 2 October 2023 with `members` (the chair
/// first), scheduled and `case` put on its agenda to decide whether to assess on 20
/// September, then opened by the chair on the day: what the live-tally tests and
/// benchmarks sit.
pub fn open_assess_sitting(
    db: &Database,
    scope: &AuthorityScope,
    config: &AuthorityConfig,
    members: &[UserId],
    case: CaseId,
) -> anyhow::Result<(Sitting, AgendaItem)> {
    let chair = *members
        .first()
        .ok_or_else(|| anyhow::anyhow!("a sitting needs its chair"))?;
    let sitting = schedule_sitting(
        db,
        scope,
        config,
        &ScheduleSitting {
            panel: Slug::parse("panel", "sen-panel")?,
            sits_on: crate::fixtures::date(2023, 10, 2),
            starts_at: chrono::NaiveTime::from_hms_opt(9, 30, 0)
                .ok_or_else(|| anyhow::anyhow!("09:30 is a time"))?,
            location: "Online".into(),
            members: members.to_vec(),
        },
        chair,
        &on(2023, 9, 20),
    )?;
    let item = add_to_agenda(
        db,
        scope,
        config,
        sitting.id,
        &AddToAgenda {
            case,
            proposal: Proposal::Assess,
            placement: None,
            funding: None,
        },
        chair,
        &on(2023, 9, 20),
    )?;
    open_sitting(db, scope, sitting.id, chair, &on(2023, 10, 2))?;
    Ok((sitting, item))
}
