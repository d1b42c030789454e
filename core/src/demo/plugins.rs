//! The demo authorities' policy plugins, shipped inside the binary so a new user's demo
//! has advice to show without building anything.
//!
//! The components in `plugins/dist/` are built from `plugins/authorities/<code>/` as the
//! SDK builds a plugin (the `plugin` profile for `wasm32-unknown-unknown`, made a
//! component by `policy::component_from_module`), paths remapped so any checkout builds the
//! same bytes. A test in the `tests` crate (`policy::shipped_plugins_are_built_from_these_sources`)
//! builds each from source and compares SHA-256s, so the bytes shipped are the sources
//! in this repository; `SENDPANEL_WRITE_PLUGINS=1` on that test rewrites them after a
//! plugin changes.

use chrono::NaiveDate;

use crate::domain::{AuthorityId, StoredPlugin};
use crate::policy::{self, PolicyHost, RegistryError};
use crate::store::{AuthorityScope, Database};

/// One shipped component: the authority it advises and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct ShippedPlugin {
    /// The authority's code, as the plugin's `info()` names it.
    pub authority: &'static str,
    /// The component, as built into `plugins/dist/<authority>.wasm`.
    pub bytes: &'static [u8],
}

/// Every shipped component, one per demo authority.
pub const SHIPPED_PLUGINS: [ShippedPlugin; 3] = [
    ShippedPlugin {
        authority: "torbay",
        bytes: include_bytes!("../../../plugins/dist/torbay.wasm"),
    },
    ShippedPlugin {
        authority: "wiltshire",
        bytes: include_bytes!("../../../plugins/dist/wiltshire.wasm"),
    },
    ShippedPlugin {
        authority: "leicestershire",
        bytes: include_bytes!("../../../plugins/dist/leicestershire.wasm"),
    },
];

/// Vets the authority's shipped plugin exactly as an upload is vetted (the component
/// checked, its own test vectors run) and installs it, in force from the day its policy
/// says it takes effect: the date the authority itself gives, so advice on older demo
/// requests comes from the policy of their day. `None` when no plugin is shipped for
/// the authority.
pub(super) fn install_shipped(
    db: &Database,
    host: &PolicyHost,
    authority: &AuthorityId,
) -> Result<Option<StoredPlugin>, RegistryError> {
    let Some(shipped) = SHIPPED_PLUGINS
        .iter()
        .find(|p| p.authority == authority.as_str())
    else {
        return Ok(None);
    };
    let bytes = shipped.bytes.to_vec();
    let (plugin, _report) = policy::vet(host, &bytes)?;
    let from: NaiveDate = plugin.effective_from();
    let scope = AuthorityScope::new(authority.clone());
    policy::install(db, &scope, &plugin, bytes, Some(from)).map(Some)
}
