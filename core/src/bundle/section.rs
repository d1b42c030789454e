//! The sections of a hearing bundle and the order the Tribunal reads them in.

use std::fmt;

/// One section of a First-tier Tribunal (SEND) hearing bundle.
///
/// The declaration order *is* the bundle order (the derived `Ord` sorts by it), so the
/// Tribunal's order is written down exactly once.
///
/// Source: the Tribunal's bundle rules are the Senior President of Tribunals' *Practice
/// Direction on the preparation of bundles in the SEND and disability discrimination
/// jurisdictions of the HESC Chamber* (No. 1 of 2025, for hearings listed after 15 July
/// 2025, replacing the SEND40 guidance). It makes the local authority prepare one
/// electronic, paginated PDF with an index, arranged in sections, with the evidence in
/// date order within each section. We could not read its Schedule One (the SEND section
/// list) itself, so the lettering and the contents of each section below are as we read
/// the Tribunal's guidance; not confirmed. Check them against Schedule One before relying
/// on them for a real hearing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    /// A: the appeal itself: the appeal form, the decision under appeal, the EHC plan.
    AppealDocuments,
    /// B: the local authority's response to the appeal and its decision letters.
    LocalAuthorityResponse,
    /// C: the parents' (or young person's) evidence and views.
    ParentEvidence,
    /// D: the local authority's evidence: the advice gathered in the assessment and the
    /// professional reports.
    LocalAuthorityEvidence,
    /// E: anything else, chiefly correspondence.
    Other,
}

impl Section {
    /// Every section, in bundle order; the builder walks this to place dividers.
    pub const ALL: [Section; 5] = [
        Section::AppealDocuments,
        Section::LocalAuthorityResponse,
        Section::ParentEvidence,
        Section::LocalAuthorityEvidence,
        Section::Other,
    ];

    /// The letter the Tribunal and the parties cite pages by ("B12"), so it never changes
    /// with the wording of the title.
    pub fn letter(self) -> char {
        match self {
            Section::AppealDocuments => 'A',
            Section::LocalAuthorityResponse => 'B',
            Section::ParentEvidence => 'C',
            Section::LocalAuthorityEvidence => 'D',
            Section::Other => 'E',
        }
    }

    /// The section's title without its letter, for the divider page's second line.
    pub fn title(self) -> &'static str {
        match self {
            Section::AppealDocuments => "Appeal documents",
            Section::LocalAuthorityResponse => "The local authority's response and decisions",
            Section::ParentEvidence => "The parents' evidence and views",
            Section::LocalAuthorityEvidence => "The local authority's evidence",
            Section::Other => "Other documents and correspondence",
        }
    }
}

impl fmt::Display for Section {
    /// The heading as printed on the index and the divider: "Section A: Appeal documents".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Section {}: {}", self.letter(), self.title())
    }
}
