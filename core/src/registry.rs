//! Brings the database in line with the authorities' configuration at start-up: each
//! configured authority and panel gets its row, so cases, sittings and seats can refer
//! to them. Idempotent; never removes anything (a panel dropped from configuration
//! keeps its history).

use crate::config::AuthorityConfig;
use crate::domain::{Authority, Panel, PanelId};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, StoreError};
use crate::time::Clock;

/// What registration added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Registered {
    /// Authorities added.
    pub authorities: usize,
    /// Panels added.
    pub panels: usize,
}

/// Adds any configured authority or panel the database lacks, in one transaction.
pub fn register_authorities(
    db: &Database,
    configs: &[AuthorityConfig],
    clock: &dyn Clock,
) -> Result<Registered, StoreError> {
    let now = clock.now();
    db.write(|tx| {
        let mut added = Registered::default();
        for config in configs {
            let scope = AuthorityScope::new(config.id.clone());
            if tx.find_authority(&config.id)?.is_none() {
                tx.insert_authority(
                    &Authority {
                        id: config.id.clone(),
                        name: config.name.clone(),
                        la_number: config.la_number,
                    },
                    now,
                )?;
                tx.append_event(
                    &scope,
                    NewEvent {
                        case_id: None,
                        fact: CaseEvent::AuthorityRegistered(events::AuthorityRegistered {
                            authority: config.id.clone(),
                            la_number: config.la_number,
                        }),
                        actor: None,
                        occurred_at: now,
                    },
                )?;
                added.authorities += 1;
            }
            let existing = tx.list_panels(&scope)?;
            for panel in &config.panels {
                if existing.iter().any(|p| p.code == panel.code) {
                    continue;
                }
                tx.insert_panel(
                    &scope,
                    &Panel {
                        id: PanelId::new(),
                        authority_id: config.id.clone(),
                        code: panel.code.clone(),
                        name: panel.name.clone(),
                    },
                )?;
                added.panels += 1;
            }
        }
        Ok(added)
    })
}
