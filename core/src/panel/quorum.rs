//! Quorum by role: a minimum count of members present and not conflicted on the item,
//! and someone in each required role (Dorset: "someone from the EP Team and the SEN
//! leadership team"). Pure, so it can be shown live and checked again at closing.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::config::Quorum;
use crate::domain::PanelRole;

/// Whether an item can be decided, and if not, what is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct QuorumCheck {
    /// Both the count and every required role are met.
    pub met: bool,
    /// Members present and not conflicted.
    pub counted: usize,
    /// The least the panel needs.
    pub min_members: u32,
    /// Required roles with nobody present and unconflicted to fill them.
    pub missing_roles: Vec<PanelRole>,
}

impl QuorumCheck {
    /// The reason an item is deferred for want of quorum, for the minutes and the
    /// chair's screen.
    pub fn shortfall(&self) -> Option<String> {
        if self.met {
            return None;
        }
        let mut parts = Vec::new();
        if self.counted < self.min_members as usize {
            parts.push(format!(
                "{} of the {} members needed are present and free of conflicts",
                self.counted, self.min_members
            ));
        }
        if !self.missing_roles.is_empty() {
            let roles: Vec<String> = self
                .missing_roles
                .iter()
                .map(|r| r.as_str().replace('_', " "))
                .collect();
            parts.push(format!("nobody present to sit as {}", roles.join(", ")));
        }
        Some(parts.join("; "))
    }
}

/// Checks `quorum` against the roles of the members who count: present at the sitting
/// and not conflicted on the item.
pub fn check(quorum: &Quorum, counted_roles: &[PanelRole]) -> QuorumCheck {
    let present: BTreeSet<&PanelRole> = counted_roles.iter().collect();
    let missing_roles: Vec<PanelRole> = quorum
        .required_roles
        .iter()
        .filter(|role| !present.contains(role))
        .cloned()
        .collect();
    let counted = counted_roles.len();
    QuorumCheck {
        met: counted >= quorum.min_members as usize && missing_roles.is_empty(),
        counted,
        min_members: quorum.min_members,
        missing_roles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Slug;

    fn role(code: &str) -> PanelRole {
        Slug::parse("role", code).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn torbay_sen_panel() -> Quorum {
        Quorum {
            min_members: 4,
            required_roles: ["chair", "educational_psychologist", "sen_manager"]
                .into_iter()
                .map(role)
                .collect(),
        }
    }

    #[test]
    fn met_with_enough_members_and_every_required_role() {
        let roles: Vec<PanelRole> = ["chair", "educational_psychologist", "sen_manager", "health"]
            .into_iter()
            .map(role)
            .collect();
        let check = check(&torbay_sen_panel(), &roles);
        assert!(check.met);
        assert_eq!(check.shortfall(), None);
    }

    #[test]
    fn not_met_without_an_educational_psychologist_however_many_attend() {
        let roles: Vec<PanelRole> = ["chair", "sen_manager", "health", "senco", "social_care"]
            .into_iter()
            .map(role)
            .collect();
        let check = check(&torbay_sen_panel(), &roles);
        assert!(!check.met);
        assert_eq!(check.missing_roles, vec![role("educational_psychologist")]);
        assert_eq!(
            check.shortfall().as_deref(),
            Some("nobody present to sit as educational psychologist")
        );
    }

    #[test]
    fn not_met_with_every_role_but_too_few_members() {
        let roles: Vec<PanelRole> = ["chair", "educational_psychologist", "sen_manager"]
            .into_iter()
            .map(role)
            .collect();
        let check = check(&torbay_sen_panel(), &roles);
        assert!(!check.met);
        assert!(check.missing_roles.is_empty());
        assert_eq!(
            check.shortfall().as_deref(),
            Some("3 of the 4 members needed are present and free of conflicts")
        );
    }
}
