//! Compiled components on disk, keyed by the plugin's SHA-256 and the engine's
//! compatibility hash, so a plugin is compiled once (about 100 ms) rather than at every
//! start, and a wasmtime upgrade or a changed setting simply misses the cache.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

use sha2::{Digest, Sha256};

use super::error::LoadError;

/// Where compiled components are kept; `None` compiles every time (tests, `plugin check`).
#[derive(Debug, Clone)]
pub(super) struct ComponentCache {
    dir: Option<PathBuf>,
}

impl ComponentCache {
    pub(super) fn new(dir: Option<PathBuf>) -> Self {
        Self { dir }
    }

    /// The compiled component for `bytes` whose SHA-256 is `sha256`.
    pub(super) fn compile(
        &self,
        engine: &Engine,
        sha256: &str,
        bytes: &[u8],
    ) -> Result<Component, LoadError> {
        let Some(dir) = &self.dir else {
            return compile(engine, bytes);
        };
        let path = dir.join(format!("{sha256}-{}.cwasm", engine_key(engine)));
        if path.exists() {
            match load(engine, &path) {
                Ok(component) => return Ok(component),
                // A truncated or stale file: compile afresh and replace it.
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "recompiling a cached plugin")
                }
            }
        }
        let component = compile(engine, bytes)?;
        store(&component, dir, &path)?;
        Ok(component)
    }
}

fn compile(engine: &Engine, bytes: &[u8]) -> Result<Component, LoadError> {
    Component::from_binary(engine, bytes).map_err(|e| LoadError::Invalid(format!("{e:#}")))
}

/// A short key for everything that makes compiled code incompatible: the wasmtime
/// version and the engine's settings. SHA-256, not `DefaultHasher`, whose output may
/// change between Rust releases.
fn engine_key(engine: &Engine) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let digest = hasher.0.finalize();
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Feeds `Hash` into SHA-256.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        // Unused: `engine_key` reads the whole digest.
        0
    }
}

#[allow(unsafe_code)]
fn load(engine: &Engine, path: &Path) -> Result<Component, LoadError> {
    if !matches!(
        Engine::detect_precompiled_file(path),
        Ok(Some(wasmtime::Precompiled::Component))
    ) {
        return Err(LoadError::Cache(format!(
            "{} is not a compiled component",
            path.display()
        )));
    }
    // SAFETY: deserializing runs machine code, so it is only safe for files this host
    // wrote itself. The cache directory is the service's own (like its database), each
    // file is named by the SHA-256 of the plugin it was compiled from, and wasmtime
    // checks the file's header against this engine's version and settings.
    unsafe { Component::deserialize_file(engine, path) }
        .map_err(|e| LoadError::Cache(format!("{}: {e:#}", path.display())))
}

fn store(component: &Component, dir: &Path, path: &Path) -> Result<(), LoadError> {
    let cache_error = |e: std::io::Error| LoadError::Cache(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(cache_error)?;
    let compiled = component
        .serialize()
        .map_err(|e| LoadError::Cache(format!("serialize: {e:#}")))?;
    // A uniquely named temporary file, renamed into place: a crash never leaves a
    // half-written file under the real name, and two loaders never share one.
    let mut partial = tempfile::NamedTempFile::new_in(dir).map_err(cache_error)?;
    std::io::Write::write_all(&mut partial, &compiled).map_err(cache_error)?;
    partial
        .persist(path)
        .map(|_| ())
        .map_err(|e| cache_error(e.error))
}
