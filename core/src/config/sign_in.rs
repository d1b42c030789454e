//! How an authority's people sign in: `[sign_in]` in its `authority.toml`.
//!
//! Only the OpenID Connect settings live here; the protocol itself is the web crate's
//! (`sendpanel_web::oidc`). The client secret is never in the file, only the name of the
//! environment variable that holds it, so the configuration can be committed and
//! reviewed.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::Path;

use serde::Serialize;
use strum::IntoEnumIterator;

use super::ConfigError;
use super::raw::{RawOidc, RawSignIn};
use crate::domain::UserRole;

/// The sign-in choices of one authority. The default (no `[sign_in]`) is passwords only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignInConfig {
    /// Sign-in through the council's own OpenID Provider, when configured.
    pub oidc: Option<OidcConfig>,
}

/// `[sign_in.oidc]`, checked: which OpenID Provider vouches for the authority's people,
/// and how to read who they are from its ID tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OidcConfig {
    /// The provider's issuer identifier; discovery reads
    /// `<issuer>/.well-known/openid-configuration` and every ID token's `iss` must equal it.
    pub issuer: OidcIssuer,
    /// The client id the council registered for sendpanel at its provider.
    pub client_id: String,
    /// The environment variable holding the client secret (the secret is never in a file).
    pub client_secret_env: String,
    /// The ID token claim holding the e-mail address users are matched by: `email` by
    /// default; Entra ID often needs `preferred_username` or `upn`.
    pub email_claim: String,
    /// The ID token claim listing the user's groups, if the provider sends one.
    pub groups_claim: Option<String>,
    /// Provider group to sendpanel role. Entra ID sends group object ids unless the app
    /// registration is set to send names, so the keys are whatever the provider sends.
    pub group_roles: BTreeMap<String, UserRole>,
}

impl OidcConfig {
    /// The roles the mapping gives someone in `groups`, each once, in [`UserRole`]
    /// order; groups the mapping does not name give nothing.
    pub fn roles_for_groups<S: AsRef<str>>(&self, groups: &[S]) -> Vec<UserRole> {
        let granted: Vec<UserRole> = groups
            .iter()
            .filter_map(|g| self.group_roles.get(g.as_ref()).copied())
            .collect();
        UserRole::iter().filter(|r| granted.contains(r)).collect()
    }
}

/// An OpenID issuer identifier as configured: an `https` URL (plain `http` only on a
/// loopback host, for tests) without query or fragment. Kept as written, because the
/// provider's `issuer` and each token's `iss` must match it character for character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct OidcIssuer(String);

impl OidcIssuer {
    /// Checks `value` against the rules above; the error is the rule broken.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        let url = url::Url::parse(value)
            .map_err(|e| format!("`{value}` is not a URL ({e}); use https://..."))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(format!(
                    "`{value}` must use https (http is allowed only on a loopback host, for tests)"
                ));
            }
            other => return Err(format!("`{value}` must use https, not `{other}`")),
        }
        if url.host().is_none() {
            return Err(format!("`{value}` has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "`{value}` must not have a query or fragment (OpenID Connect Discovery 1.0, section 2)"
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("`{value}` must not carry a user name or password"));
        }
        Ok(Self(value.to_owned()))
    }

    /// The issuer exactly as configured.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OidcIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Checks `[sign_in]`; errors name the key under `sign_in.oidc`.
pub(super) fn validate_sign_in(
    file: &Path,
    raw: Option<RawSignIn>,
) -> Result<SignInConfig, ConfigError> {
    let oidc = match raw.and_then(|r| r.oidc) {
        Some(raw) => Some(validate_oidc(file, raw)?),
        None => None,
    };
    Ok(SignInConfig { oidc })
}

fn validate_oidc(file: &Path, raw: RawOidc) -> Result<OidcConfig, ConfigError> {
    let err =
        |field: &str, rule: String| ConfigError::new(file, format!("sign_in.oidc.{field}"), rule);
    let issuer = OidcIssuer::parse(&raw.issuer).map_err(|rule| err("issuer", rule))?;
    let client_id = raw.client_id.trim();
    if client_id.is_empty() {
        return Err(err(
            "client_id",
            "must not be empty: use the client (application) id the provider gave sendpanel".into(),
        ));
    }
    if client_id
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(err(
            "client_id",
            "must not contain spaces or control characters".into(),
        ));
    }
    let secret_env = raw.client_secret_env.trim();
    if !is_env_name(secret_env) {
        return Err(err(
            "client_secret_env",
            format!(
                "`{secret_env}` is not an environment variable name: use capitals, digits and `_`, \
                 such as SENDPANEL_TORBAY_OIDC_SECRET (the secret itself never goes in this file)"
            ),
        ));
    }
    let email_claim = claim_name(&raw.email_claim).map_err(|rule| err("email_claim", rule))?;
    let groups_claim = raw
        .groups_claim
        .as_deref()
        .map(claim_name)
        .transpose()
        .map_err(|rule| err("groups_claim", rule))?;
    let mut group_roles = BTreeMap::new();
    for (group, role) in raw.group_roles {
        let key = format!("group_roles.\"{group}\"");
        if group.trim().is_empty() {
            return Err(err(&key, "the group name must not be empty".into()));
        }
        let role = role.parse::<UserRole>().map_err(|_| {
            err(
                &key,
                format!("`{role}` is not a role; use one of {}", role_choices()),
            )
        })?;
        group_roles.insert(group, role);
    }
    if !group_roles.is_empty() && groups_claim.is_none() {
        return Err(err(
            "group_roles",
            "needs `groups_claim`: the claim the provider lists groups in".into(),
        ));
    }
    Ok(OidcConfig {
        issuer,
        client_id: client_id.to_owned(),
        client_secret_env: secret_env.to_owned(),
        email_claim,
        groups_claim,
        group_roles,
    })
}

/// A claim name: not empty, no spaces or control characters.
fn claim_name(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{value}` must not contain spaces or control characters"
        ));
    }
    Ok(value.to_owned())
}

/// POSIX's portable environment variable names: capitals, digits and `_`, not starting
/// with a digit.
fn is_env_name(value: &str) -> bool {
    let mut chars = value.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn role_choices() -> String {
    UserRole::iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::authority::parse_authority;
    use super::*;

    const AUTHORITY: &str = r#"
code = "testshire"
name = "Testshire County Council"
la_number = 999
"#;

    const OIDC: &str = r#"
[sign_in.oidc]
issuer = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"
client_id = "sendpanel-test"
client_secret_env = "SENDPANEL_TESTSHIRE_OIDC_SECRET"
groups_claim = "groups"
[sign_in.oidc.group_roles]
"SEN caseworkers" = "caseworker"
"SEN panel chairs" = "panel_chair"
"#;

    fn parse(oidc: &str) -> Result<super::super::AuthorityConfig, ConfigError> {
        parse_authority(
            Path::new("testshire/authority.toml"),
            &format!("{AUTHORITY}{oidc}"),
            "testshire",
        )
    }

    #[test]
    fn without_sign_in_it_is_passwords_only() {
        assert_eq!(parse("").unwrap().sign_in, SignInConfig::default());
        assert_eq!(parse("[sign_in]\n").unwrap().sign_in.oidc, None);
    }

    #[test]
    fn a_good_oidc_section_parses_with_defaults() {
        let oidc = parse(OIDC).unwrap().sign_in.oidc.unwrap();
        assert_eq!(
            oidc.issuer.as_str(),
            "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"
        );
        assert_eq!(oidc.client_id, "sendpanel-test");
        assert_eq!(oidc.client_secret_env, "SENDPANEL_TESTSHIRE_OIDC_SECRET");
        assert_eq!(oidc.email_claim, "email", "the default claim");
        assert_eq!(oidc.groups_claim.as_deref(), Some("groups"));
        assert_eq!(
            oidc.group_roles.get("SEN caseworkers"),
            Some(&UserRole::Caseworker)
        );
        let roles = oidc.roles_for_groups(&["SEN panel chairs", "Everyone", "SEN caseworkers"]);
        assert_eq!(roles, [UserRole::Caseworker, UserRole::PanelChair]);
        assert!(oidc.roles_for_groups::<&str>(&[]).is_empty());
    }

    #[test]
    fn the_issuer_is_kept_as_written() {
        // Discovery and `iss` compare character for character: no trailing slash added.
        let oidc = parse(&OIDC.replace(
            "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
            "https://accounts.google.com",
        ))
        .unwrap()
        .sign_in
        .oidc
        .unwrap();
        assert_eq!(oidc.issuer.as_str(), "https://accounts.google.com");
    }

    #[test]
    fn http_is_allowed_only_on_loopback() {
        for issuer in [
            "http://127.0.0.1:4010",
            "http://localhost:4010/tenant",
            "http://[::1]:4010",
        ] {
            assert!(OidcIssuer::parse(issuer).is_ok(), "{issuer}");
        }
        for issuer in [
            "http://login.example.gov.uk",
            "http://10.0.0.1",
            "ftp://login.example.gov.uk",
            "https://login.example.gov.uk/?tenant=x",
            "https://login.example.gov.uk/#x",
            "https://user:pw@login.example.gov.uk",
            "login.example.gov.uk",
        ] {
            assert!(OidcIssuer::parse(issuer).is_err(), "{issuer}");
        }
    }

    #[test]
    fn errors_name_the_key_and_the_rule() {
        let issuer = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0";
        let cases = [
            (
                OIDC.replace(issuer, "http://login.example.gov.uk"),
                "sign_in.oidc.issuer",
                "must use https",
            ),
            (
                OIDC.replace(issuer, "not a url"),
                "sign_in.oidc.issuer",
                "is not a URL",
            ),
            (
                OIDC.replace("\"sendpanel-test\"", "\"  \""),
                "sign_in.oidc.client_id",
                "must not be empty",
            ),
            (
                OIDC.replace("SENDPANEL_TESTSHIRE_OIDC_SECRET", "s3cr3t-value!"),
                "sign_in.oidc.client_secret_env",
                "is not an environment variable name",
            ),
            (
                OIDC.replace("\"caseworker\"", "\"case_worker\""),
                "sign_in.oidc.group_roles.\"SEN caseworkers\"",
                "`case_worker` is not a role; use one of caseworker, panel_member",
            ),
            (
                OIDC.replace("groups_claim = \"groups\"\n", ""),
                "sign_in.oidc.group_roles",
                "needs `groups_claim`",
            ),
            (
                OIDC.replace("groups_claim = \"groups\"", "groups_claim = \"\""),
                "sign_in.oidc.groups_claim",
                "must not be empty",
            ),
            (
                OIDC.replace("client_id =", "email_claim = \"e mail\"\nclient_id ="),
                "sign_in.oidc.email_claim",
                "must not contain spaces",
            ),
            (
                OIDC.replace("client_id =", "clientid = \"x\"\nclient_id ="),
                "sign_in.oidc.clientid",
                "unknown field `clientid`",
            ),
            (
                OIDC.replace(
                    "client_secret_env = \"SENDPANEL_TESTSHIRE_OIDC_SECRET\"\n",
                    "",
                ),
                "sign_in.oidc",
                "missing field `client_secret_env`",
            ),
        ];
        for (text, key, rule) in cases {
            let error = parse(&text).unwrap_err();
            assert_eq!(error.key, key, "{error}");
            assert!(error.rule.contains(rule), "{error}");
            assert!(
                error.to_string().starts_with("testshire/authority.toml: "),
                "{error}"
            );
        }
    }

    #[test]
    fn the_secret_itself_is_refused_as_a_key() {
        let error =
            parse(&OIDC.replace("client_id =", "client_secret = \"x\"\nclient_id =")).unwrap_err();
        assert!(
            error.rule.contains("unknown field `client_secret`"),
            "{error}"
        );
    }
}
