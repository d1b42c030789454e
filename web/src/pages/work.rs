//! What every page handler shares: running core work off the actix worker, and the
//! words and dates pages show.

use actix_web::web;
use chrono::NaiveDate;
use sendpanel_core::domain::UserRole;

use sendpanel_core::config::AuthorityConfig;
use sendpanel_core::store::AuthorityScope;
use serde_json::Value;

use super::render::PageError;
use super::session::SignedIn;
use crate::state::AppState;

/// Runs core work off the actix worker, in the request's span. Another authority's
/// record is not found; a refused command becomes [`PageError::Refused`].
pub async fn blocking<T, E>(
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, PageError>
where
    T: Send + 'static,
    E: Into<PageError> + Send + 'static,
{
    let span = tracing::Span::current();
    web::block(move || span.in_scope(work))
        .await
        .map_err(PageError::internal)?
        .map_err(Into::into)
}

/// The authority's configuration (panels, quorum, voting rule). Every authority a user
/// can sign in to has one loaded at start-up, so a missing one is our fault.
pub fn authority_config<'a>(
    state: &'a AppState,
    scope: &AuthorityScope,
) -> Result<&'a AuthorityConfig, PageError> {
    state.config_of(scope.authority()).ok_or_else(|| {
        PageError::internal(format!(
            "no configuration is loaded for authority {}",
            scope.authority()
        ))
    })
}

/// `object` with `value` moved in under `key`. `json!` serialises every `Value` it is
/// given into a new one, a deep copy; the case steps' forms (fields within groups
/// within forms, each with its options) were copied four times that way.
pub fn with(mut object: Value, key: &str, value: Value) -> Value {
    if let Some(fields) = object.as_object_mut() {
        fields.insert(key.to_owned(), value);
    }
    object
}

/// A form field as typed, trimmed; empty when absent.
pub fn text<'a>(form: &'a std::collections::HashMap<String, String>, field: &str) -> &'a str {
    form.get(field).map_or("", |v| v.trim())
}

/// "2 October 2023", as GOV.UK writes dates.
pub fn long_date(day: NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
}

/// `decide_whether_to_assess` as "Decide whether to assess".
pub fn words(code: &str) -> String {
    let spaced = code.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Refuses the page unless the signed-in person has one of `roles`.
pub fn require_role(who: &SignedIn, roles: &[UserRole], what: &str) -> Result<(), PageError> {
    if roles.contains(&who.user.role) {
        Ok(())
    } else {
        Err(PageError::Forbidden(format!(
            "a {} cannot {what}",
            who.user.role
        )))
    }
}

/// A panel role's code as people write it: `sen_manager` as "SEN manager", `senco`
/// as "SENCO".
pub fn role_words(code: &str) -> String {
    words(code)
        .split(' ')
        .map(|word| match word.to_lowercase().as_str() {
            "sen" | "senco" | "send" => word.to_uppercase(),
            _ => word.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_words_with_acronyms_kept() {
        assert_eq!(
            words("decide_whether_to_assess"),
            "Decide whether to assess"
        );
        assert_eq!(role_words("sen_manager"), "SEN manager");
        assert_eq!(role_words("senco"), "SENCO");
        assert_eq!(
            role_words("educational_psychologist"),
            "Educational psychologist"
        );
    }
}
