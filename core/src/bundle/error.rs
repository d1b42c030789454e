//! Why a bundle could not be built.

/// A bundle that cannot be built whole is not built at all: a Tribunal bundle with a
/// document silently missing is worse than none, so every failure names the part at
/// fault and the officer can replace that one upload.
///
/// Reasons are kept as text so no PDF or image library type leaks into the public API.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// An uploaded PDF that cannot be parsed (damaged, truncated, or not a PDF at all).
    #[error(
        "\"{title}\" is not a readable PDF ({reason}); upload it again or attach it separately"
    )]
    UnreadablePdf {
        /// The part's title, as shown in the index.
        title: String,
        /// What the PDF reader reported.
        reason: String,
    },
    /// An uploaded PDF protected by encryption: its pages cannot be merged and stamped
    /// without breaking the protection, so an unprotected copy is needed.
    #[error("\"{title}\" is a protected (encrypted) PDF; ask the sender for an unprotected copy")]
    EncryptedPdf {
        /// The part's title, as shown in the index.
        title: String,
    },
    /// An uploaded PDF with no pages: the index would point at nothing.
    #[error("\"{title}\" is a PDF with no pages")]
    EmptyPdf {
        /// The part's title, as shown in the index.
        title: String,
    },
    /// An uploaded image that cannot be decoded (or is not PNG or JPEG).
    #[error("\"{title}\" is not a readable PNG or JPEG image ({reason}); attach it separately")]
    UnreadableImage {
        /// The part's title, as shown in the index.
        title: String,
        /// What the image decoder reported.
        reason: String,
    },
    /// A generated letter whose HTML could not be turned into text.
    #[error("the letter \"{title}\" could not be read ({reason})")]
    UnreadableLetter {
        /// The part's title, as shown in the index.
        title: String,
        /// What the HTML reader reported.
        reason: String,
    },
    /// Our own pages could not be assembled: a fault in this module, not in any upload.
    #[error("the bundle could not be assembled: {0}")]
    Assembly(String),
}
