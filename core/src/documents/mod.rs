//! Documents as evidence on a case: uploaded by a caseworker, or by a professional
//! through the link their request for advice carried; checked (type from the bytes,
//! size, encryption, viruses) before anything is kept; stored once by their SHA-256;
//! opened by the people who may read the case, every opening recorded.
//!
//! - [`staging`]: the upload streamed to a temporary file, with its hash and a hard cap.
//! - [`rules`]: what may be uploaded, read from the bytes.
//! - [`scan`]: clamd, when configured.
//! - [`storage`]: the local disk, S3 or Azure, through `object_store`.
//! - [`evidence`]: adding a document to a case and opening it again.
//! - `advice_links`: the link a professional uploads their advice through, and the
//!   chasers sent while it is awaited.

pub mod advice_links;
pub mod evidence;
pub mod retention;
pub mod rules;
pub mod scan;
pub mod staging;
pub mod storage;
pub mod tribunal;

use std::path::PathBuf;

pub use advice_links::{AdviceLinkError, AdviceMail, LinkPage, NewAdviceLink};
pub use evidence::{NewEvidence, OpenedDocument};
pub use rules::{ACCEPTED, FileType};
pub use scan::{ClamdAddress, Scanner};
pub use staging::{Staged, Staging};
pub use storage::{DocumentStorage, StorageConfig};

use crate::workflow::WorkflowError;

/// The upload limit when the settings name none: 25 MB.
pub const DEFAULT_MAX_BYTES: u64 = 25 * 1024 * 1024;

/// Why a document was not added (or opened). Nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The file or a field broke a rule.
    #[error("{field}: {rule}")]
    Refused {
        /// The field, as the form and the API name it.
        field: &'static str,
        /// The rule, in plain English.
        rule: String,
    },
    /// The body went over the size limit; reading stopped there.
    #[error("file: the file is larger than the {} MB limit", limit / (1024 * 1024))]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The virus scanner found something.
    #[error("file: the virus scanner found {signature} in the file; it was not stored")]
    Infected {
        /// What clamd named.
        signature: String,
    },
    /// A scanner is configured but could not check the file: refused rather than
    /// stored unchecked.
    #[error("file: the file cannot be checked for viruses now; try again later ({0})")]
    ScanUnavailable(String),
    /// The document store failed.
    #[error("the document store failed: {0}")]
    Storage(String),
    /// The temporary file the upload is received into failed.
    #[error("the upload could not be received: {0}")]
    Staging(String),
    /// The case, the role or the store refused.
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
}

impl From<crate::store::StoreError> for DocumentError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Workflow(WorkflowError::Store(e))
    }
}

impl From<crate::domain::DomainError> for DocumentError {
    fn from(e: crate::domain::DomainError) -> Self {
        Self::Workflow(WorkflowError::from(e))
    }
}

/// The document service every upload and opening goes through: where the bytes are
/// kept, the scanner if there is one, and the limits. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Documents {
    /// Where the bytes are kept.
    pub storage: DocumentStorage,
    /// clamd, when configured: every upload is scanned before it is kept.
    pub scanner: Option<Scanner>,
    /// The largest upload accepted, in bytes.
    pub max_bytes: u64,
    /// Where uploads are received before they are checked (the system's temporary
    /// folder when `None`).
    pub staging_dir: Option<PathBuf>,
}

impl Documents {
    /// Documents kept in a local folder, unscanned, with the default limit: the
    /// embedded start and tests.
    pub fn local(directory: impl Into<PathBuf>) -> Result<Self, DocumentError> {
        Ok(Self {
            storage: DocumentStorage::open(&StorageConfig::Local {
                directory: directory.into(),
            })?,
            scanner: None,
            max_bytes: DEFAULT_MAX_BYTES,
            staging_dir: None,
        })
    }

    /// Documents kept in a new folder of their own under the system's temporary folder:
    /// for tests and benchmarks, which must not share (or leave) a store.
    pub fn scratch() -> Result<Self, DocumentError> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let folder = std::env::temp_dir().join(format!(
            "sendpanel-documents-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        Self::local(folder)
    }

    /// A new upload, received under this service's limit.
    pub fn staging(&self) -> Result<Staging, DocumentError> {
        Staging::new(self.staging_dir.as_deref(), self.max_bytes)
    }

    /// Checks a staged upload named `file_name` and keeps it: the type from its bytes,
    /// then the virus scan, then the store. Returns its type. Refused, keeping nothing,
    /// when any check fails.
    pub(crate) async fn check_and_keep(
        &self,
        file_name: &str,
        staged: &Staged,
    ) -> Result<FileType, DocumentError> {
        let claimed = rules::check_file_name(file_name)?;
        let actual = rules::check_content(claimed, staged)?;
        if let Some(scanner) = &self.scanner {
            match scanner.scan_file(staged.path()).await {
                Ok(scan::Verdict::Clean) => {}
                Ok(scan::Verdict::Infected { signature }) => {
                    tracing::warn!(%signature, "an upload was refused by the virus scanner");
                    return Err(DocumentError::Infected { signature });
                }
                Err(e) => {
                    tracing::error!(error = %e, "the virus scanner could not check an upload");
                    return Err(DocumentError::ScanUnavailable(e.to_string()));
                }
            }
        }
        self.storage.keep(staged).await?;
        Ok(actual)
    }
}
