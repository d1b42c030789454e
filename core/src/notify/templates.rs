//! The letter templates on disk: one shared set, and for each authority only the
//! templates it words differently.
//!
//! The shared set (`config/letters/`) holds every letter sendpanel writes, one file per
//! [`LetterKind`] (`refusal-to-assess.hbs`), and the partials they use, whose names
//! begin with `_` (`_layout.hbs` is used as `{{#> layout}}`). An authority's folder
//! (`config/authorities/<code>/letters/`, which may be absent) holds its overrides: a
//! file there replaces the shared template of the same name, for that authority alone.
//!
//! Read, then checked, then compiled (by the letter book): [`TemplateSet::shared`]
//! refuses a shared folder that lacks a letter or holds a file that is neither a letter
//! nor a partial; [`TemplateSet::with_overrides`] refuses an override whose name is not
//! a shared template, because a misspelt file would never be used and the council would
//! go on sending the shared letter without knowing. Every error names the file and the
//! rule. Files not ending in `.hbs` are left alone, so a folder may keep a README.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::NotifyError;
use super::letters::LetterKind;
use crate::config::ConfigDir;

/// One template as read from disk.
#[derive(Debug, Clone)]
pub(super) struct TemplateFile {
    /// Where it came from: the shared folder or the authority's, for error messages.
    pub path: PathBuf,
    /// Its handlebars source.
    pub text: String,
}

/// Every template one authority's letters use: the shared set with the authority's
/// overrides applied. Always holds every [`LetterKind`].
#[derive(Debug, Clone)]
pub(super) struct TemplateSet {
    /// Where the shared set was read, named by override errors.
    shared_folder: PathBuf,
    letters: BTreeMap<LetterKind, TemplateFile>,
    /// Partials by the name templates call them (`layout` for `_layout.hbs`).
    partials: BTreeMap<String, TemplateFile>,
}

/// What a template file's name makes it.
enum TemplateName {
    Letter(LetterKind),
    Partial(String),
}

impl TemplateSet {
    /// Reads the shared set from `folder`: every letter must be there.
    pub(super) fn shared(folder: impl Into<ConfigDir>) -> Result<Self, NotifyError> {
        let folder = folder.into();
        let files = read_folder(&folder)?.ok_or_else(|| {
            fail(
                &folder.display_path(),
                "the shared letters folder does not exist".into(),
            )
        })?;
        let mut set = Self {
            shared_folder: folder.display_path(),
            letters: BTreeMap::new(),
            partials: BTreeMap::new(),
        };
        for (stem, file) in files {
            match name_of(&stem) {
                Some(TemplateName::Letter(kind)) => {
                    set.letters.insert(kind, file);
                }
                Some(TemplateName::Partial(name)) => {
                    set.partials.insert(name, file);
                }
                None => {
                    return Err(fail(
                        &file.path,
                        format!(
                            "is not a letter sendpanel writes; letters are {}, and partials begin with _",
                            all_letter_file_names()
                        ),
                    ));
                }
            }
        }
        for kind in <LetterKind as strum::IntoEnumIterator>::iter() {
            if !set.letters.contains_key(&kind) {
                return Err(fail(
                    &folder.display_path().join(kind.file_name()),
                    "is missing: the shared letters need every letter, which authorities may then override".into(),
                ));
            }
        }
        Ok(set)
    }

    /// This set with the templates in `folder` put in place of the shared ones of the
    /// same name. A folder that does not exist overrides nothing.
    pub(super) fn with_overrides(&self, folder: impl Into<ConfigDir>) -> Result<Self, NotifyError> {
        let mut set = self.clone();
        for (stem, file) in read_folder(&folder.into())?.unwrap_or_default() {
            let slot = match name_of(&stem) {
                Some(TemplateName::Letter(kind)) => set.letters.get_mut(&kind),
                Some(TemplateName::Partial(name)) => set.partials.get_mut(&name),
                None => None,
            };
            let Some(slot) = slot else {
                return Err(fail(
                    &file.path,
                    format!(
                        "is not the name of a shared template, so it would never be used: \
                         an authority's file replaces the one of the same name in {} ({})",
                        self.shared_folder.display(),
                        self.file_names()
                    ),
                ));
            };
            *slot = file;
        }
        Ok(set)
    }

    /// Every letter's template, in kind order.
    pub(super) fn letters(&self) -> &BTreeMap<LetterKind, TemplateFile> {
        &self.letters
    }

    /// Every partial by the name templates call it, in name order.
    pub(super) fn partials(&self) -> &BTreeMap<String, TemplateFile> {
        &self.partials
    }

    /// The shared templates' file names, partials first, for error messages.
    fn file_names(&self) -> String {
        let partials = self.partials.keys().map(|name| format!("_{name}.hbs"));
        let letters = self.letters.keys().map(|kind| kind.file_name());
        partials.chain(letters).collect::<Vec<_>>().join(", ")
    }
}

/// The `.hbs` files in `folder` as (name without `.hbs`, file), in name order; `None`
/// when the folder does not exist.
fn read_folder(folder: &ConfigDir) -> Result<Option<Vec<(String, TemplateFile)>>, NotifyError> {
    let files = folder.files().map_err(|e| {
        fail(
            &folder.display_path(),
            format!("cannot read the letters folder: {e}"),
        )
    })?;
    let Some(files) = files else {
        return Ok(None);
    };
    let mut templates = Vec::with_capacity(files.len());
    for file in files {
        let Some(stem) = file.name.strip_suffix(".hbs") else {
            continue;
        };
        templates.push((
            stem.to_owned(),
            TemplateFile {
                path: file.path,
                text: file.text,
            },
        ));
    }
    Ok(Some(templates))
}

/// A partial (`_layout`), a letter (`refusal-to-assess`), or neither.
fn name_of(stem: &str) -> Option<TemplateName> {
    match stem.strip_prefix('_') {
        Some(partial) if !partial.is_empty() => Some(TemplateName::Partial(partial.to_owned())),
        Some(_) => None,
        None => stem.parse().ok().map(TemplateName::Letter),
    }
}

fn all_letter_file_names() -> String {
    <LetterKind as strum::IntoEnumIterator>::iter()
        .map(LetterKind::file_name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn fail(file: &Path, detail: String) -> NotifyError {
    NotifyError::Template {
        file: file.to_path_buf(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped_shared() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/letters")
    }

    fn shipped_authority(code: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../config/authorities")
            .join(code)
            .join("letters")
    }

    #[test]
    fn an_override_replaces_only_the_template_of_its_name() {
        let shared = TemplateSet::shared(shipped_shared()).unwrap();
        let torbay = shared.with_overrides(shipped_authority("torbay")).unwrap();
        let layout = |set: &TemplateSet| set.partials().get("layout").unwrap().path.clone();
        assert_eq!(
            layout(&torbay),
            shipped_authority("torbay").join("_layout.hbs")
        );
        assert_eq!(layout(&shared), shipped_shared().join("_layout.hbs"));
        for (kind, file) in torbay.letters() {
            assert_eq!(file.path, shipped_shared().join(kind.file_name()));
        }
        assert_eq!(
            torbay.partials().get("rights").unwrap().path,
            shipped_shared().join("_rights.hbs")
        );
    }

    #[test]
    fn a_missing_authority_folder_overrides_nothing() {
        let shared = TemplateSet::shared(shipped_shared()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let set = shared
            .with_overrides(dir.path().join("newshire/letters"))
            .unwrap();
        assert_eq!(
            set.partials().get("layout").unwrap().path,
            shipped_shared().join("_layout.hbs")
        );
    }

    #[test]
    fn an_override_with_no_shared_template_of_its_name_is_refused_naming_it() {
        let shared = TemplateSet::shared(shipped_shared()).unwrap();
        for misspelt in ["refusal-to-asess.hbs", "_footer.hbs", "_.hbs"] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(misspelt), "x").unwrap();
            let err = shared.with_overrides(dir.path()).unwrap_err().to_string();
            assert!(err.contains(misspelt), "{err}");
            assert!(
                err.contains("is not the name of a shared template"),
                "{err}"
            );
            assert!(err.contains("refusal-to-assess.hbs"), "{err}");
        }
        // Other files are not templates and are left alone.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("README.md"), "Our letters").unwrap();
        shared.with_overrides(dir.path()).unwrap();
    }

    #[test]
    fn the_shared_set_needs_every_letter_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let err = TemplateSet::shared(dir.path()).unwrap_err().to_string();
        assert!(err.contains("is missing"), "{err}");

        let err = TemplateSet::shared(dir.path().join("nowhere"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not exist"), "{err}");

        for entry in std::fs::read_dir(shipped_shared()).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
        TemplateSet::shared(dir.path()).unwrap();
        std::fs::write(dir.path().join("refusal.hbs"), "x").unwrap();
        let err = TemplateSet::shared(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("refusal.hbs") && err.contains("refusal-to-assess.hbs"),
            "{err}"
        );
    }
}
