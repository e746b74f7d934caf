//! `kho login-link` and `kho sessions`: signing people in to the dashboard
//! without handing them an API token.

use std::io::IsTerminal;

use chrono::TimeDelta;
use serde_json::json;

use super::args::{LoginLinkArgs, SessionsCommand};
use super::output::{Output, table};
use super::{Failure, actor, exit};
use crate::auth::Role;
use crate::config::Config;
use crate::store::Store;
use crate::store::sessions::{Grant, SignInError};

/// The role a link is for: `--producer` alone means a cooperative's.
pub fn grant(role: Option<Role>, producer: Option<String>) -> Result<Grant, SignInError> {
    let role = match (role, &producer) {
        (Some(r), _) => r,
        (None, Some(_)) => Role::Cooperative,
        (None, None) => return Err(SignInError::ProducerRequired),
    };
    Ok(Grant { role, producer })
}

/// The sign-in URL under `server.public_url` (which may have a path).
pub fn link_url(public_url: &url::Url, secret: &str) -> String {
    format!(
        "{}/login/{secret}",
        public_url.as_str().trim_end_matches('/')
    )
}

/// The URL as a QR code of Unicode half blocks, for a phone to scan off
/// the screen.
fn qr(url: &str) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

fn usage(e: SignInError) -> Failure {
    match e {
        SignInError::Store(e) => Failure::from(e),
        other => Failure::usage_error(&other),
    }
}

pub async fn login_link(
    store: &Store,
    config: &Config,
    args: LoginLinkArgs,
    out: &Output,
) -> Result<u8, Failure> {
    let grant = grant(args.role, args.producer).map_err(usage)?;
    let valid = TimeDelta::from_std(args.valid).map_err(|_| usage(SignInError::BadValidity))?;
    let link = store
        .create_login_link(&grant, args.name.as_deref(), valid, &actor())
        .await
        .map_err(usage)?;
    let url = link_url(&config.server.public_url, &link.secret);
    let doc = json!({
        "url": url,
        "expires_at": link.expires_at,
        "role": grant.role,
        "producer": grant.producer,
        "name": args.name,
    });
    let terminal = std::io::stdout().is_terminal();
    out.doc(&doc, || match qr(&url).filter(|_| terminal) {
        Some(code) => format!("{code}\n{url}"),
        None => url.clone(),
    });
    if !out.json() {
        eprintln!(
            "kho: the link signs in {} as {}{} once, until {} (UTC)",
            args.name
                .as_deref()
                .unwrap_or("whoever opens it (they type their name)"),
            grant.role,
            grant
                .producer
                .as_deref()
                .map(|p| format!(" of {p}"))
                .unwrap_or_default(),
            link.expires_at.format("%Y-%m-%d %H:%M")
        );
    }
    Ok(exit::OK)
}

pub async fn sessions(store: &Store, cmd: SessionsCommand, out: &Output) -> Result<u8, Failure> {
    match cmd {
        SessionsCommand::List => {
            let sessions = store.list_sessions().await?;
            out.doc(&sessions, || {
                let mut t = table(&[
                    "ID",
                    "PERSON",
                    "ROLE",
                    "PRODUCER",
                    "FROM",
                    "LAST SEEN",
                    "EXPIRES",
                    "STATE",
                ]);
                let time =
                    |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
                for s in &sessions {
                    t.add_row(vec![
                        s.id.to_string(),
                        s.person.clone(),
                        s.role.to_string(),
                        s.producer.clone().unwrap_or_else(|| "-".into()),
                        s.origin.clone(),
                        time(s.last_seen_at),
                        time(s.expires_at),
                        match (s.active, s.revoked_at) {
                            (true, _) => "active".into(),
                            (false, Some(_)) => "revoked".into(),
                            (false, None) => "ended".into(),
                        },
                    ]);
                }
                t.to_string()
            });
            Ok(exit::OK)
        }
        SessionsCommand::Revoke { id } => {
            if store.revoke_session(id).await? {
                out.doc(&json!({ "revoked": id }), || {
                    format!("session {id} revoked")
                });
                Ok(exit::OK)
            } else {
                Err(Failure::usage(format!(
                    "no unrevoked session with id {id} (see `kho sessions list`)"
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_producer_alone_means_a_cooperative() {
        let g = grant(None, Some("htx-a".into())).unwrap();
        assert_eq!(
            (g.role, g.producer.as_deref()),
            (Role::Cooperative, Some("htx-a"))
        );
        assert_eq!(grant(Some(Role::Admin), None).unwrap().role, Role::Admin);
        assert!(grant(None, None).is_err());
    }

    #[test]
    fn links_live_under_the_public_url() {
        let base: url::Url = "https://kho.example.org/base/".parse().unwrap();
        assert_eq!(
            link_url(&base, "abc"),
            "https://kho.example.org/base/login/abc"
        );
        let root: url::Url = "http://127.0.0.1:8080".parse().unwrap();
        assert_eq!(link_url(&root, "abc"), "http://127.0.0.1:8080/login/abc");
        let code = qr("https://kho.example.org/login/abc").unwrap();
        assert!(code.lines().count() > 10 && code.contains('█'));
    }
}
