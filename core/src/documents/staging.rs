//! An upload on its way in: written chunk by chunk to a temporary file while its
//! SHA-256 and size are counted, so a 25 MB document never sits whole in memory and a
//! body over the limit is cut off at the limit. Dropped without being kept, the file
//! is deleted: a refused upload leaves nothing behind.

use std::io::{Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use super::DocumentError;

/// How many leading bytes the type check reads (every signature `infer` knows, and the
/// zip entries that tell a .docx from an .odt, sit in the first few kilobytes).
const HEAD: usize = 8 * 1024;

/// The marker of PDF encryption: an `/Encrypt` entry in the trailer (ISO 32000-1
/// s.7.6.1). Trailers and cross-reference stream dictionaries are never compressed, so
/// a search of the raw bytes finds it.
const ENCRYPT: &[u8] = b"/Encrypt";

/// An upload being received.
#[derive(Debug)]
pub struct Staging {
    file: NamedTempFile,
    hasher: Sha256,
    size: u64,
    limit: u64,
    head: Vec<u8>,
    /// The last bytes of the previous chunk, so a marker split across two is found.
    carry: Vec<u8>,
    encrypt: bool,
    text: Utf8Check,
}

/// A received upload, whole, on disk.
#[derive(Debug)]
pub struct Staged {
    file: NamedTempFile,
    sha256: String,
    size: u64,
    head: Vec<u8>,
    encrypt: bool,
    utf8: bool,
}

impl Staging {
    /// Starts receiving into a new temporary file in `directory` (the system's when
    /// `None`), refusing anything over `limit` bytes.
    pub fn new(directory: Option<&Path>, limit: u64) -> Result<Self, DocumentError> {
        let file = match directory {
            Some(dir) => NamedTempFile::new_in(dir),
            None => NamedTempFile::new(),
        }
        .map_err(|e| DocumentError::Staging(e.to_string()))?;
        Ok(Self {
            file,
            hasher: Sha256::new(),
            size: 0,
            limit,
            head: Vec::with_capacity(HEAD),
            carry: Vec::new(),
            encrypt: false,
            text: Utf8Check::default(),
        })
    }

    /// Adds the next chunk. Over the limit it is refused at once (the caller stops
    /// reading the body), and the file is deleted when this is dropped.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), DocumentError> {
        let size = self.size.saturating_add(chunk.len() as u64);
        if size > self.limit {
            return Err(DocumentError::TooLarge { limit: self.limit });
        }
        self.size = size;
        self.file
            .write_all(chunk)
            .map_err(|e| DocumentError::Staging(e.to_string()))?;
        self.hasher.update(chunk);
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(chunk.len());
            self.head.extend(chunk.iter().take(take));
        }
        if !self.encrypt {
            self.carry.extend_from_slice(chunk);
            self.encrypt = memchr::memmem::find(&self.carry, ENCRYPT).is_some();
            let keep = ENCRYPT.len().saturating_sub(1).min(self.carry.len());
            self.carry.drain(..self.carry.len() - keep);
        }
        self.text.push(chunk);
        Ok(())
    }

    /// The whole upload, flushed to disk.
    pub fn finish(mut self) -> Result<Staged, DocumentError> {
        self.file
            .flush()
            .map_err(|e| DocumentError::Staging(e.to_string()))?;
        let sha256 = hex(&self.hasher.finalize());
        Ok(Staged {
            file: self.file,
            sha256,
            size: self.size,
            head: self.head,
            encrypt: self.encrypt,
            utf8: self.text.finish(),
        })
    }

    /// Stages bytes already in memory (a test's fixture, a document the service made).
    pub fn bytes(
        directory: Option<&Path>,
        limit: u64,
        bytes: &[u8],
    ) -> Result<Staged, DocumentError> {
        let mut staging = Self::new(directory, limit)?;
        for chunk in bytes.chunks(64 * 1024) {
            staging.push(chunk)?;
        }
        staging.finish()
    }
}

impl Staged {
    /// Hex SHA-256 of the bytes.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The leading bytes, for the type check.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Where the bytes are on disk.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Whether the bytes carry PDF's encryption marker.
    pub(super) fn mentions_encryption(&self) -> bool {
        self.encrypt
    }

    /// Whether the bytes are UTF-8 with no NUL: plain text.
    pub(super) fn is_utf8_text(&self) -> bool {
        self.utf8
    }

    /// Opens the bytes for reading from the start.
    pub fn reader(&self) -> Result<impl Read + use<>, DocumentError> {
        self.file
            .reopen()
            .map_err(|e| DocumentError::Staging(e.to_string()))
    }
}

/// Whether a stream of chunks is valid UTF-8 without NUL bytes, keeping only the few
/// bytes of a character split across two chunks.
#[derive(Debug, Default)]
struct Utf8Check {
    pending: Vec<u8>,
    bad: bool,
}

impl Utf8Check {
    fn push(&mut self, chunk: &[u8]) {
        if self.bad {
            return;
        }
        if chunk.contains(&0) {
            self.bad = true;
            return;
        }
        self.pending.extend_from_slice(chunk);
        match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.clear(),
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                self.pending.drain(..valid);
            }
            Err(_) => self.bad = true,
        }
    }

    fn finish(self) -> bool {
        !self.bad && self.pending.is_empty()
    }
}

/// Lower-case hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_over_the_limit_is_refused_at_the_limit() {
        let mut staging = Staging::new(None, 10).unwrap();
        staging.push(b"12345").unwrap();
        assert!(matches!(
            staging.push(b"678901"),
            Err(DocumentError::TooLarge { limit: 10 })
        ));
    }

    #[test]
    fn the_hash_and_markers_are_found_across_chunk_boundaries() {
        let mut staging = Staging::new(None, 1000).unwrap();
        staging.push(b"%PDF-1.7 trailer << /Enc").unwrap();
        staging.push(b"rypt 5 0 R >>").unwrap();
        let staged = staging.finish().unwrap();
        assert!(staged.mentions_encryption());
        assert_eq!(
            staged.sha256(),
            hex(&Sha256::digest(b"%PDF-1.7 trailer << /Encrypt 5 0 R >>"))
        );
    }

    #[test]
    fn text_split_inside_a_character_is_still_text_but_nul_is_not() {
        let pound = "£".as_bytes();
        let mut check = Utf8Check::default();
        check.push(&pound[..1]);
        check.push(&pound[1..]);
        assert!(check.finish());
        let mut check = Utf8Check::default();
        check.push(b"a\0b");
        assert!(!check.finish());
    }
}
