//! What may be uploaded as evidence, read from the bytes and never from the file's
//! name: PDF, Word (.docx), OpenDocument text (.odt), plain text, PNG and JPEG. The
//! name's extension is the uploader's claim; bytes that are something else are refused,
//! so an executable renamed `report.pdf` never reaches a panel member's browser.

use super::DocumentError;
use super::staging::Staged;

/// A file type the service keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::IntoStaticStr)]
pub enum FileType {
    /// A PDF: opened inline in the browser, merged into a Tribunal bundle.
    #[strum(serialize = "PDF")]
    Pdf,
    /// A Word document (Office Open XML).
    #[strum(serialize = "Word document")]
    Docx,
    /// An OpenDocument text document.
    #[strum(serialize = "OpenDocument text")]
    Odt,
    /// Plain text in UTF-8.
    #[strum(serialize = "plain text")]
    Text,
    /// A PNG image.
    #[strum(serialize = "PNG image")]
    Png,
    /// A JPEG image.
    #[strum(serialize = "JPEG image")]
    Jpeg,
}

/// The extensions a file may carry, with the type each claims.
const EXTENSIONS: [(&str, FileType); 7] = [
    ("pdf", FileType::Pdf),
    ("docx", FileType::Docx),
    ("odt", FileType::Odt),
    ("txt", FileType::Text),
    ("png", FileType::Png),
    ("jpg", FileType::Jpeg),
    ("jpeg", FileType::Jpeg),
];

/// What the service accepts, in the words every refusal ends with.
pub const ACCEPTED: &str =
    "PDF, Word (.docx), OpenDocument (.odt), plain text (.txt), PNG and JPEG files are accepted";

impl FileType {
    /// The media type it is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Odt => "application/vnd.oasis.opendocument.text",
            Self::Text => "text/plain; charset=utf-8",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
        }
    }

    /// The type a stored media type names, for documents read back.
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        [
            Self::Pdf,
            Self::Docx,
            Self::Odt,
            Self::Text,
            Self::Png,
            Self::Jpeg,
        ]
        .into_iter()
        .find(|t| t.media_type() == media_type)
    }

    /// Whether a browser shows it in place (a PDF, an image, text); the rest download.
    pub fn opens_inline(self) -> bool {
        matches!(self, Self::Pdf | Self::Png | Self::Jpeg | Self::Text)
    }
}

/// Checks an uploaded file's name: one plain name with an accepted extension, so it can
/// be shown, sent in a `Content-Disposition` header and written nowhere but where the
/// store puts it. Returns the type the name claims.
pub fn check_file_name(name: &str) -> Result<FileType, DocumentError> {
    let refuse = |rule: &str| DocumentError::Refused {
        field: "file",
        rule: rule.to_owned(),
    };
    if name.trim().is_empty() {
        return Err(refuse("the file has no name"));
    }
    if name.chars().count() > 200 {
        return Err(refuse("the file's name must be 200 characters or fewer"));
    }
    if name.contains(['/', '\\']) || name.contains("..") {
        return Err(refuse(
            "the file's name must be a plain name, without folders or \"..\"",
        ));
    }
    if name.chars().any(char::is_control) || name.starts_with('.') {
        return Err(refuse(
            "the file's name must not start with a dot or contain control characters",
        ));
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    EXTENSIONS
        .iter()
        .find(|(ext, _)| *ext == extension)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            refuse(&format!(
                "the file's name must end in an accepted type: {ACCEPTED}"
            ))
        })
}

/// Reads the type from the staged bytes and checks it is the one the name claims.
/// Refused: an empty file, HEIC photos (not converted; the message says how to send a
/// JPEG), bytes of another type than claimed, an encrypted PDF, text that is not UTF-8.
pub fn check_content(claimed: FileType, staged: &Staged) -> Result<FileType, DocumentError> {
    let refuse = |rule: String| DocumentError::Refused {
        field: "file",
        rule,
    };
    if staged.size() == 0 {
        return Err(refuse("the file is empty".to_owned()));
    }
    let found = infer::get(staged.head());
    if let Some(kind) = found
        && matches!(kind.mime_type(), "image/heif" | "image/heic" | "image/avif")
    {
        return Err(refuse(
            "HEIC photos are not accepted: save the photo as a JPEG (on an iPhone, \
             Settings > Camera > Formats > Most Compatible) and upload that"
                .to_owned(),
        ));
    }
    let actual = match found.map(|k| k.mime_type()) {
        Some("application/pdf") => Some(FileType::Pdf),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document") => {
            Some(FileType::Docx)
        }
        Some("application/vnd.oasis.opendocument.text") => Some(FileType::Odt),
        Some("image/png") => Some(FileType::Png),
        Some("image/jpeg") => Some(FileType::Jpeg),
        Some(_) => None,
        None if claimed == FileType::Text && staged.is_utf8_text() => Some(FileType::Text),
        None => None,
    };
    let Some(actual) = actual else {
        let what = match found {
            Some(kind) if kind.matcher_type() == infer::MatcherType::App => {
                "an executable program".to_owned()
            }
            Some(kind) => format!("a {} file", kind.extension()),
            None if claimed == FileType::Text => "not plain UTF-8 text".to_owned(),
            None => "not a type the service can recognise".to_owned(),
        };
        return Err(refuse(format!(
            "the file's name says it is a {claimed} but its contents are {what}; {ACCEPTED}"
        )));
    };
    if actual != claimed {
        return Err(refuse(format!(
            "the file's name says it is a {claimed} but its contents are a {actual}: \
             rename it to match, or upload the right file"
        )));
    }
    if actual == FileType::Pdf && staged.mentions_encryption() {
        return Err(refuse(
            "the PDF is encrypted or password-protected: panel members could not open \
             it; save it again without a password and upload that"
                .to_owned(),
        ));
    }
    Ok(actual)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_with_accepted_extensions_pass() {
        assert_eq!(check_file_name("EP report.PDF").ok(), Some(FileType::Pdf));
        assert_eq!(check_file_name("views.txt").ok(), Some(FileType::Text));
        assert_eq!(check_file_name("photo.jpeg").ok(), Some(FileType::Jpeg));
    }

    #[test]
    fn names_that_could_climb_out_of_a_folder_are_refused() {
        for name in [
            "../../etc/passwd.pdf",
            "a/b.pdf",
            "..\\x.pdf",
            ".hidden.pdf",
            "a..pdf",
        ] {
            let err = check_file_name(name).err();
            assert!(
                matches!(&err, Some(DocumentError::Refused { field: "file", .. })),
                "{name}: {err:?}"
            );
        }
    }

    #[test]
    fn names_without_an_accepted_type_are_refused_naming_what_is() {
        let Err(DocumentError::Refused { rule, .. }) = check_file_name("setup.exe") else {
            panic!("an .exe was accepted");
        };
        assert!(rule.contains("PDF, Word"), "{rule}");
    }
}
