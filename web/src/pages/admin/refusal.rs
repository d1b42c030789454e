//! Why an uploaded plugin was refused, in words an authority's admin can act on (the
//! core's messages are written for the plugin's developer and the logs).

use sendpanel_core::policy::{LoadError, RegistryError};
use sendpanel_core::store::StoreError;

/// The refusal of a plugin at upload, as a sentence or two for the result page.
pub(super) fn explain(error: &RegistryError) -> String {
    match error {
        RegistryError::Load(load) => explain_load(load),
        RegistryError::TooManyVectors { count, max } => format!("The plugin carries {count} test vectors; at most {max} are run when a plugin is uploaded. Ask its developer to keep the vectors that show its rules (the limit is max_vectors in the [policy] settings)."),
        RegistryError::VetFuelExhausted { budget } => format!("The plugin's test vectors together used more than {budget} units of fuel, the most an upload may use (vet_fuel in the [policy] settings). Ask its developer why its rules need so much work, or to keep fewer vectors."),
        RegistryError::NoVectors => "The plugin carries no test vectors, so there is no way to check that it does what its author meant. Ask its developer to add test vectors and build it again.".to_owned(),
        RegistryError::VectorsUnavailable(reason) => format!(
            "The plugin's test vectors could not be read, so it cannot be checked ({reason})."
        ),
        RegistryError::VectorsFail(report) => format!(
            "{} of the plugin's own test vectors fail: it does not give the answers its author expects. The table shows what differed.",
            report.failures.len()
        ),
        RegistryError::WrongAuthority { plugin, authority } => format!(
            "The plugin encodes the policy of {plugin}, not {authority}. Upload your own authority's plugin."
        ),
        RegistryError::NotTheVettedPlugin => {
            "The file changed while it was being checked. Upload it again.".to_owned()
        }
        RegistryError::Store(StoreError::Conflict(_)) => "This plugin is already stored: a plugin with exactly the same contents was uploaded before. It is in the list of plugins.".to_owned(),
        other => other.to_string(),
    }
}

fn explain_load(error: &LoadError) -> String {
    match error {
        LoadError::TooLarge { bytes, limit } => {
            format!("The file is {bytes} bytes; a plugin may be at most {limit} bytes.")
        }
        LoadError::NotAComponent(detail) => format!(
            "The file is not a WebAssembly component, so it is not a sendpanel plugin. Upload the component the command sendpanel plugin componentize makes from the plugin's build ({detail})."
        ),
        LoadError::Invalid(detail) => format!(
            "The component is damaged or was built wrongly, and cannot be compiled ({detail})."
        ),
        LoadError::ForbiddenImport { name, allowed } => format!(
            "The plugin asks for something plugins may not use ({name}). Plugins work only on the facts they are given: they may import only {allowed}."
        ),
        LoadError::WrongWorld(detail) => format!(
            "The plugin does not offer what sendpanel asks of a policy plugin (the sendpanel:policy contract): {detail}."
        ),
        LoadError::UnsupportedApiVersion { found, supported } => format!(
            "The plugin was built for version {found} of the policy contract; this service runs version {supported}. Ask its developer to rebuild it."
        ),
        LoadError::BadInfo(detail) => format!(
            "The plugin's description of itself (its authority, policy name, version and effective date) is unusable: info() {detail}."
        ),
        other => other.to_string(),
    }
}
