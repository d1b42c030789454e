//! Where uploaded documents' bytes live: the local disk (one server, the default), or
//! S3-compatible or Azure Blob storage (several servers), behind `object_store`'s one
//! interface. Every document is kept under its SHA-256, so the same file uploaded to
//! ten cases is stored once, a stored file can never be overwritten with other bytes,
//! and every read checks the bytes are still the ones recorded.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};
use std::io::Read;

use super::DocumentError;
use super::staging::{Staged, hex};

/// Which store, as the settings name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageConfig {
    /// A folder on this server's disk (`data/documents` by default).
    Local {
        /// The folder; created if missing.
        directory: PathBuf,
    },
    /// An S3-compatible bucket. Credentials come from the environment
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), never from a settings file.
    S3 {
        /// The bucket.
        bucket: String,
        /// The region.
        region: String,
        /// The endpoint, for S3-compatible services other than AWS.
        endpoint: Option<String>,
        /// Allow plain http (a loopback test server only).
        allow_http: bool,
    },
    /// An Azure Blob Storage container. The account and key come from the environment
    /// (`AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY`).
    Azure {
        /// The container.
        container: String,
    },
}

/// The document store: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct DocumentStorage {
    store: Arc<dyn ObjectStore>,
    describe: String,
}

impl fmt::Debug for DocumentStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DocumentStorage")
            .field("store", &self.describe)
            .finish()
    }
}

/// Bytes read and written per step when a document streams into the store: the size
/// of one S3 multipart part, so a 25 MB upload holds at most a few parts in memory.
const PART: usize = 5 * 1024 * 1024;

impl DocumentStorage {
    /// Opens the store `config` names.
    pub fn open(config: &StorageConfig) -> Result<Self, DocumentError> {
        let unavailable = |e: &dyn fmt::Display| DocumentError::Storage(e.to_string());
        let (store, describe): (Arc<dyn ObjectStore>, String) = match config {
            StorageConfig::Local { directory } => {
                std::fs::create_dir_all(directory).map_err(|e| {
                    DocumentError::Storage(format!(
                        "cannot create the documents folder {}: {e}",
                        directory.display()
                    ))
                })?;
                let store = object_store::local::LocalFileSystem::new_with_prefix(directory)
                    .map_err(|e| unavailable(&e))?;
                (
                    Arc::new(store),
                    format!("local folder {}", directory.display()),
                )
            }
            StorageConfig::S3 {
                bucket,
                region,
                endpoint,
                allow_http,
            } => {
                let mut builder = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_allow_http(*allow_http);
                if let Some(endpoint) = endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                let store = builder.build().map_err(|e| unavailable(&e))?;
                (Arc::new(store), format!("S3 bucket {bucket}"))
            }
            StorageConfig::Azure { container } => {
                let store = object_store::azure::MicrosoftAzureBuilder::from_env()
                    .with_container_name(container)
                    .build()
                    .map_err(|e| unavailable(&e))?;
                (Arc::new(store), format!("Azure container {container}"))
            }
        };
        Ok(Self { store, describe })
    }

    /// A store built elsewhere (a test's loopback S3 server with its own credentials).
    pub fn with_store(store: Arc<dyn ObjectStore>, describe: impl Into<String>) -> Self {
        Self {
            store,
            describe: describe.into(),
        }
    }

    /// Where a document with this hash is kept: fanned out by its first two bytes so no
    /// folder holds every document.
    fn key(sha256: &str) -> ObjectPath {
        let fan = sha256.get(..2).unwrap_or("00");
        ObjectPath::from(format!("sha256/{fan}/{sha256}"))
    }

    /// Whether bytes with this hash are already kept.
    pub async fn holds(&self, sha256: &str) -> Result<bool, DocumentError> {
        match self.store.head(&Self::key(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(DocumentError::Storage(e.to_string())),
        }
    }

    /// Keeps a staged upload, streaming it in parts; nothing is written when the same
    /// bytes are already kept. Returns whether it was newly written.
    pub async fn keep(&self, staged: &Staged) -> Result<bool, DocumentError> {
        if self.holds(staged.sha256()).await? {
            return Ok(false);
        }
        let failed = |e: &dyn fmt::Display| DocumentError::Storage(e.to_string());
        let upload = self
            .store
            .put_multipart(&Self::key(staged.sha256()))
            .await
            .map_err(|e| failed(&e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut reader = staged.reader()?;
        let mut buffer = vec![0_u8; PART];
        loop {
            let read = reader
                .read(&mut buffer)
                .map_err(|e| DocumentError::Staging(e.to_string()))?;
            let Some(chunk) = buffer.get(..read).filter(|c| !c.is_empty()) else {
                break;
            };
            writer.wait_for_capacity(2).await.map_err(|e| failed(&e))?;
            writer.write(chunk);
        }
        writer.finish().await.map_err(|e| failed(&e))?;
        Ok(true)
    }

    /// The bytes kept under `sha256`, checked against it: a store that hands back
    /// other bytes (tampered with, or damaged) is an error, never a document.
    pub async fn read(&self, sha256: &str) -> Result<Bytes, DocumentError> {
        let bytes = self
            .store
            .get(&Self::key(sha256))
            .await
            .map_err(|e| DocumentError::Storage(e.to_string()))?
            .bytes()
            .await
            .map_err(|e| DocumentError::Storage(e.to_string()))?;
        if hex(&Sha256::digest(&bytes)) != sha256 {
            return Err(DocumentError::Storage(format!(
                "the stored bytes of document {sha256} no longer match their hash"
            )));
        }
        Ok(bytes)
    }

    /// Removes the bytes kept under `sha256`: for the retention job only, never a
    /// request.
    pub async fn remove(&self, sha256: &str) -> Result<(), DocumentError> {
        match self.store.delete(&Self::key(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(DocumentError::Storage(e.to_string())),
        }
    }

    /// The store in words, for the log at start-up.
    pub fn describe(&self) -> &str {
        &self.describe
    }
}
