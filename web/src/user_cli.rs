//! `sendpanel user ...`: add an authority's users and issue, list and revoke their API
//! tokens. The rules live in `sendpanel_core::identity`; this module reads flags,
//! calls it and prints. A token is printed once, alone on stdout, so a script can
//! capture it with `$(sendpanel user token ...)`; everything said about it goes to
//! stderr.

use anyhow::anyhow;
use clap::Subcommand;
use sendpanel_core::domain::{ApiTokenId, DomainError, Email, UserRole};
use sendpanel_core::identity;
use sendpanel_core::store::Database;
use sendpanel_core::time::SystemClock;

use crate::plugin_cli::registry;
use crate::settings::Settings;

/// The environment variable `user add` reads a password from. A variable, not a flag,
/// so the password stays out of shell history and the process list.
pub const NEW_PASSWORD_VAR: &str = "SENDPANEL_NEW_PASSWORD";

/// The roles as typed on the command line, for help and error messages.
const ROLES: &str = "caseworker, panel_member, panel_chair, admin, auditor";

/// The user subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user to an authority. Reads a password from SENDPANEL_NEW_PASSWORD if set
    /// (at least 12 characters); otherwise the account cannot sign in with a password
    /// until one is set.
    Add {
        /// The address the person signs in with (unique across authorities).
        email: String,
        /// The authority's code, e.g. torbay.
        #[arg(long, value_name = "CODE")]
        authority: String,
        /// caseworker, panel_member, panel_chair, admin (plugins and configuration) or
        /// auditor (reads everything, changes nothing).
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// Name shown on papers, minutes and votes [default: the address].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// Issue an API bearer token for a user and print it once (only its SHA-256 is kept).
    Token {
        /// The user's address.
        email: String,
        /// The authority's code.
        #[arg(long, value_name = "CODE")]
        authority: String,
        /// What the token is for, shown in `user list`.
        #[arg(long, value_name = "TEXT")]
        label: Option<String>,
    },
    /// Revoke an API token by its id (from `user token` or `user list`); it stops
    /// working at once.
    RevokeToken {
        /// The token's id.
        id: String,
        /// The authority's code.
        #[arg(long, value_name = "CODE")]
        authority: String,
    },
    /// Switch a user off: their sessions end and their API tokens are revoked at once.
    /// Nothing of theirs is deleted (decisions and votes name them).
    Disable {
        /// The user's address.
        email: String,
        /// The authority's code.
        #[arg(long, value_name = "CODE")]
        authority: String,
    },
    /// Switch a disabled user on again (their old API tokens stay revoked).
    Enable {
        /// The user's address.
        email: String,
        /// The authority's code.
        #[arg(long, value_name = "CODE")]
        authority: String,
    },
    /// Give a user another role, from their next request.
    Role {
        /// The user's address.
        email: String,
        /// The authority's code.
        #[arg(long, value_name = "CODE")]
        authority: String,
        /// The new role.
        #[arg(long, value_name = "ROLE")]
        role: String,
    },
    /// Remove a user's authenticator app and recovery codes (a lost phone, the codes
    /// gone) and end their sessions; an admin sets one up again at next sign-in.
    ResetTwoFactor {
        /// The user's address.
        email: String,
        /// The authority's code.
        #[arg(long, value_name = "CODE")]
        authority: String,
    },
    /// Turn a user's daily deadline digest e-mail on or off (on unless they opted out;
    /// they can also change it on their account page).
    Digest {
        /// The user's address.
        email: String,
        /// The authority's code.
        #[arg(long, value_name = "CODE")]
        authority: String,
        /// `on` or `off`.
        #[arg(value_parser = ["on", "off"])]
        setting: String,
    },
    /// List an authority's users: role, whether enabled, last sign-in, and their tokens
    /// (ids and labels, never the tokens).
    List {
        /// The authority's code.
        #[arg(long, value_name = "CODE")]
        authority: String,
    },
}

/// Runs one user subcommand on the database, after migrating it and registering the
/// configured authorities (so a fresh database works straight away).
pub fn run(
    command: UserCommand,
    settings: &Settings,
    open_database: impl FnOnce(&Settings) -> anyhow::Result<Database>,
) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            email,
            authority,
            role,
            name,
        } => {
            let email = parse_email(&email)?;
            let role = parse_role(&role)?;
            let password = match std::env::var(NEW_PASSWORD_VAR) {
                Ok(value) => Some(value),
                Err(std::env::VarError::NotPresent) => None,
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(anyhow!(
                        "environment variable {NEW_PASSWORD_VAR}: must be valid UTF-8"
                    ));
                }
            };
            let name = name.unwrap_or_else(|| email.to_string());
            let (db, scope) = registry(settings, open_database, &authority)?;
            let user = identity::add_user(
                &db,
                &scope,
                &email,
                &name,
                role,
                password.as_deref(),
                &SystemClock,
            )
            .map_err(|e| match e {
                identity::IdentityError::Invalid {
                    field: "password",
                    rule,
                } => anyhow!("environment variable {NEW_PASSWORD_VAR}: password: {rule}"),
                identity::IdentityError::Invalid {
                    field: "display_name",
                    rule,
                } => anyhow!("--name: {rule}"),
                other => other.into(),
            })?;
            println!(
                "added {} to {} as {} ({})",
                user.email, user.authority_id, user.role, user.id
            );
            if password.is_none() {
                eprintln!(
                    "note: {NEW_PASSWORD_VAR} was not set, so {} cannot sign in with a password until one is set; `sendpanel user token` gives API access",
                    user.email
                );
            }
            Ok(())
        }
        UserCommand::Token {
            email,
            authority,
            label,
        } => {
            let email = parse_email(&email)?;
            let (db, scope) = registry(settings, open_database, &authority)?;
            let (id, token) =
                identity::issue_token(&db, &scope, &email, label.as_deref(), &SystemClock)
                    .map_err(|e| match e {
                        identity::IdentityError::Invalid {
                            field: "label",
                            rule,
                        } => anyhow!("--label: {rule}"),
                        other => other.into(),
                    })?;
            eprintln!(
                "token {id} for {email}: shown once, now; sendpanel keeps only its SHA-256. Revoke it with `sendpanel user revoke-token {id} --authority {authority}`"
            );
            println!("{token}");
            Ok(())
        }
        UserCommand::RevokeToken { id, authority } => {
            let id: ApiTokenId = id
                .parse()
                .map_err(|_| anyhow!("ID: {id:?} must be a token id (a UUID) as printed by `sendpanel user token` or `user list`"))?;
            let (db, scope) = registry(settings, open_database, &authority)?;
            db.write(|tx| tx.revoke_api_token(&scope, id))?;
            println!("revoked token {id}");
            Ok(())
        }
        UserCommand::Disable { email, authority } => {
            let (db, scope, user) = named_user(settings, open_database, &authority, &email)?;
            let done = identity::accounts::disable(&db, &scope, None, user.id, &SystemClock)?;
            println!(
                "disabled {} ({} sessions ended, {} API tokens revoked)",
                user.email, done.sessions_ended, done.tokens_revoked
            );
            Ok(())
        }
        UserCommand::Enable { email, authority } => {
            let (db, scope, user) = named_user(settings, open_database, &authority, &email)?;
            identity::accounts::enable(&db, &scope, None, user.id, &SystemClock)?;
            println!(
                "enabled {}; issue new API tokens if they need them",
                user.email
            );
            Ok(())
        }
        UserCommand::Role {
            email,
            authority,
            role,
        } => {
            let role = parse_role(&role)?;
            let (db, scope, user) = named_user(settings, open_database, &authority, &email)?;
            identity::accounts::change_role(&db, &scope, None, user.id, role, &SystemClock)?;
            println!("{} is now {role} (was {})", user.email, user.role);
            Ok(())
        }
        UserCommand::ResetTwoFactor { email, authority } => {
            let (db, scope, user) = named_user(settings, open_database, &authority, &email)?;
            identity::two_factor::reset(&db, &scope, None, user.id)?;
            println!(
                "removed the authenticator app of {}; their sessions ended, and they set one up again at next sign-in",
                user.email
            );
            Ok(())
        }
        UserCommand::Digest {
            email,
            authority,
            setting,
        } => {
            let on = setting == "on";
            let (db, scope, user) = named_user(settings, open_database, &authority, &email)?;
            let changed = sendpanel_core::notify::digest::set_deadline_digest(
                &db,
                &scope,
                user.id,
                on,
                None,
                &SystemClock,
            )?;
            println!(
                "the daily deadline digest of {} is {setting}{}",
                user.email,
                if changed { "" } else { " (it already was)" }
            );
            Ok(())
        }
        UserCommand::List { authority } => {
            let (db, scope) = registry(settings, open_database, &authority)?;
            let users = db.read(|tx| {
                tx.list_accounts(&scope)?
                    .into_iter()
                    .map(|account| {
                        let tokens = tx.list_api_tokens(&scope, account.user.id)?;
                        Ok((account, tokens))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })?;
            if users.is_empty() {
                println!("{authority} has no users");
            }
            for (account, tokens) in &users {
                let user = &account.user;
                let status = if account.is_enabled() {
                    "enabled"
                } else {
                    "disabled"
                };
                let last = account.last_sign_in_at.map_or_else(
                    || "never signed in".to_owned(),
                    |at| format!("last signed in {}", at.format("%Y-%m-%d %H:%M")),
                );
                println!(
                    "{}  {:<12}  {:<8}  {}  {}  ({last})",
                    user.id,
                    user.role.to_string(),
                    status,
                    user.email,
                    user.display_name
                );
                for token in tokens {
                    let state = match token.revoked_at {
                        Some(at) => format!("revoked {}", at.format("%Y-%m-%d %H:%M")),
                        None => "active".to_owned(),
                    };
                    println!(
                        "  token {}  {}  issued {}  {}",
                        token.id,
                        state,
                        token.created_at.format("%Y-%m-%d %H:%M"),
                        token.label.as_deref().unwrap_or("-")
                    );
                }
            }
            Ok(())
        }
    }
}

/// The authority's scope and its user with `email`, or an error naming the address.
fn named_user(
    settings: &Settings,
    open_database: impl FnOnce(&Settings) -> anyhow::Result<Database>,
    authority: &str,
    email: &str,
) -> anyhow::Result<(
    Database,
    sendpanel_core::store::AuthorityScope,
    sendpanel_core::domain::User,
)> {
    let email = parse_email(email)?;
    let (db, scope) = registry(settings, open_database, authority)?;
    let user = db
        .read(|tx| tx.find_user_by_email(&scope, &email))?
        .ok_or_else(|| anyhow!("EMAIL: no user {email} in authority {authority}"))?;
    Ok((db, scope, user))
}

fn parse_email(text: &str) -> anyhow::Result<Email> {
    Email::parse(text).map_err(|e| match e {
        DomainError::Invalid { rule, .. } => anyhow!("EMAIL: {text:?} {rule}"),
        other => anyhow!("EMAIL: {other}"),
    })
}

/// The role by its stored name; refused in one line naming the flag and the choices,
/// rather than clap's multi-line usage error.
fn parse_role(text: &str) -> anyhow::Result<UserRole> {
    text.parse()
        .map_err(|_| anyhow!("--role: {text:?} is not a role; must be one of {ROLES}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_is_named_in_the_refusal_and_parses() {
        for role in [
            UserRole::Caseworker,
            UserRole::PanelMember,
            UserRole::PanelChair,
            UserRole::Admin,
            UserRole::Auditor,
        ] {
            assert!(ROLES.contains(&role.to_string()), "{role}");
            assert_eq!(parse_role(&role.to_string()).ok(), Some(role));
        }
        let error = parse_role("chair").err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "--role: \"chair\" is not a role; must be one of caseworker, panel_member, panel_chair, admin, auditor"
            )
        );
    }
}
