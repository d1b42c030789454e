//! Where configuration is read from: the copy carried in the binary, or a folder on
//! disk.
//!
//! The binary carries the repository's `config/` folder (the shipped authorities, their
//! letter overrides and the shared letters), so `sendpanel serve` runs from any
//! directory, in a container or under systemd, without a checkout beside it. A folder
//! named in the settings replaces the shipped copy of that folder as a whole: a shared
//! service lists its own councils, and none of the shipped three comes back unasked.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The repository's `config/` folder, compiled in (debug builds too, with rust-embed's
/// `debug-embed`, so the tests run the binary that ships).
#[derive(rust_embed::RustEmbed)]
#[folder = "../config/"]
#[include = "authorities/**/*"]
#[include = "letters/**/*"]
struct Shipped;

/// Where a configuration folder is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigDir {
    /// A folder inside the copy carried in the binary (`authorities`, `letters`,
    /// `authorities/torbay/letters`).
    Shipped(PathBuf),
    /// A folder on disk.
    Disk(PathBuf),
}

/// A file read from a [`ConfigDir`]: its name (without the folder) and text.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// Where it was read, for error messages (`<shipped>/letters/_layout.hbs`).
    pub path: PathBuf,
    /// The file's name inside its folder.
    pub name: String,
    /// Its text.
    pub text: String,
}

impl ConfigDir {
    /// The shipped authorities (`config/authorities/` as built into the binary).
    pub fn shipped_authorities() -> Self {
        Self::Shipped(PathBuf::from("authorities"))
    }

    /// The shipped shared letters (`config/letters/` as built into the binary).
    pub fn shipped_letters() -> Self {
        Self::Shipped(PathBuf::from("letters"))
    }

    /// A folder inside this one.
    pub fn join(&self, part: impl AsRef<Path>) -> Self {
        match self {
            Self::Shipped(folder) => Self::Shipped(folder.join(part)),
            Self::Disk(folder) => Self::Disk(folder.join(part)),
        }
    }

    /// How the folder is named in messages: its path on disk, or `<shipped>/...`.
    pub fn display_path(&self) -> PathBuf {
        match self {
            Self::Shipped(folder) => Path::new("<shipped>").join(folder),
            Self::Disk(folder) => folder.clone(),
        }
    }

    /// The files directly inside this folder (not in folders below it), in name order;
    /// `None` when the folder does not exist.
    pub fn files(&self) -> std::io::Result<Option<Vec<ConfigFile>>> {
        match self {
            Self::Shipped(folder) => {
                let mut files = Vec::new();
                let mut exists = false;
                for path in Shipped::iter() {
                    let path = Path::new(path.as_ref());
                    if !path.starts_with(folder) {
                        continue;
                    }
                    exists = true;
                    if path.parent() != Some(folder.as_path()) {
                        continue;
                    }
                    files.push(shipped_file(path)?);
                }
                files.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(exists.then_some(files))
            }
            Self::Disk(folder) => {
                let entries = match std::fs::read_dir(folder) {
                    Ok(entries) => entries,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(e),
                };
                let mut paths = Vec::new();
                for entry in entries {
                    let path = entry?.path();
                    if path.is_file() {
                        paths.push(path);
                    }
                }
                paths.sort();
                let mut files = Vec::with_capacity(paths.len());
                for path in paths {
                    let text = std::fs::read_to_string(&path)?;
                    let name = file_name(&path);
                    files.push(ConfigFile { path, name, text });
                }
                Ok(Some(files))
            }
        }
    }

    /// The folders directly inside this one, in name order; `None` when this folder
    /// does not exist.
    pub fn folders(&self) -> std::io::Result<Option<Vec<String>>> {
        match self {
            Self::Shipped(folder) => {
                let mut names = std::collections::BTreeSet::new();
                let mut exists = false;
                for path in Shipped::iter() {
                    let Ok(rest) = Path::new(path.as_ref()).strip_prefix(folder) else {
                        continue;
                    };
                    exists = true;
                    let mut parts = rest.components();
                    if let (Some(first), Some(_)) = (parts.next(), parts.next()) {
                        names.insert(first.as_os_str().to_string_lossy().into_owned());
                    }
                }
                Ok(exists.then(|| names.into_iter().collect()))
            }
            Self::Disk(folder) => {
                let entries = match std::fs::read_dir(folder) {
                    Ok(entries) => entries,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(e),
                };
                let mut names = Vec::new();
                for entry in entries {
                    let path = entry?.path();
                    if path.is_dir() {
                        names.push(file_name(&path));
                    }
                }
                names.sort();
                Ok(Some(names))
            }
        }
    }

    /// One file in this folder; `None` when there is no such file.
    pub fn file(&self, name: &str) -> std::io::Result<Option<ConfigFile>> {
        match self {
            Self::Shipped(folder) => {
                let path = folder.join(name);
                match Shipped::get(&path.to_string_lossy()) {
                    Some(_) => shipped_file(&path).map(Some),
                    None => Ok(None),
                }
            }
            Self::Disk(folder) => {
                let path = folder.join(name);
                match std::fs::read_to_string(&path) {
                    Ok(text) => Ok(Some(ConfigFile {
                        path,
                        name: name.to_owned(),
                        text,
                    })),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e),
                }
            }
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn shipped_file(path: &Path) -> std::io::Result<ConfigFile> {
    let invalid = |detail: &str| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: {detail}", path.display()),
        )
    };
    let embedded = Shipped::get(&path.to_string_lossy()).ok_or_else(|| invalid("not shipped"))?;
    let text = match embedded.data {
        Cow::Borrowed(bytes) => std::str::from_utf8(bytes)
            .map_err(|_| invalid("is not UTF-8"))?
            .to_owned(),
        Cow::Owned(bytes) => String::from_utf8(bytes).map_err(|_| invalid("is not UTF-8"))?,
    };
    Ok(ConfigFile {
        path: Path::new("<shipped>").join(path),
        name: file_name(path),
        text,
    })
}

impl From<&Path> for ConfigDir {
    fn from(folder: &Path) -> Self {
        Self::Disk(folder.to_path_buf())
    }
}

impl From<&PathBuf> for ConfigDir {
    fn from(folder: &PathBuf) -> Self {
        Self::Disk(folder.clone())
    }
}

impl From<PathBuf> for ConfigDir {
    fn from(folder: PathBuf) -> Self {
        Self::Disk(folder)
    }
}

impl From<&ConfigDir> for ConfigDir {
    fn from(dir: &ConfigDir) -> Self {
        dir.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository_config() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../config")
    }

    /// The copy in the binary is the repository's folder, file for file.
    #[test]
    fn the_shipped_copy_holds_the_repository_folders() {
        for part in ["letters", "authorities/torbay/letters"] {
            let shipped = ConfigDir::Shipped(PathBuf::from(part))
                .files()
                .unwrap()
                .unwrap();
            let disk = ConfigDir::Disk(repository_config().join(part))
                .files()
                .unwrap()
                .unwrap();
            let names = |files: &[ConfigFile]| {
                files
                    .iter()
                    .map(|f| (f.name.clone(), f.text.clone()))
                    .collect::<Vec<_>>()
            };
            assert!(!shipped.is_empty(), "{part} shipped empty");
            assert_eq!(names(&shipped), names(&disk), "{part}");
        }
        let shipped = ConfigDir::shipped_authorities().folders().unwrap().unwrap();
        let disk = ConfigDir::Disk(repository_config().join("authorities"))
            .folders()
            .unwrap()
            .unwrap();
        assert_eq!(shipped, disk);
        assert_eq!(shipped, ["leicestershire", "torbay", "wiltshire"]);
    }

    #[test]
    fn a_folder_that_is_not_there_is_none_and_a_missing_file_too() {
        let nowhere = ConfigDir::shipped_authorities().join("atlantis");
        assert!(nowhere.files().unwrap().is_none());
        assert!(nowhere.folders().unwrap().is_none());
        assert!(nowhere.file("authority.toml").unwrap().is_none());
        let torbay = ConfigDir::shipped_authorities().join("torbay");
        let file = torbay.file("authority.toml").unwrap().unwrap();
        assert!(file.text.contains("torbay"));
        assert_eq!(
            file.path,
            Path::new("<shipped>/authorities/torbay/authority.toml")
        );
    }
}
