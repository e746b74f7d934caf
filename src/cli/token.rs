//! `kho token create|list|revoke`: the admin API's credentials.

use serde_json::json;

use super::args::TokenCommand;
use super::output::{Output, table};
use super::{Failure, exit};
use crate::store::Store;
use crate::store::tokens::TokenError;

pub async fn run(store: &Store, cmd: TokenCommand, out: &Output) -> Result<u8, Failure> {
    match cmd {
        TokenCommand::Create {
            role,
            producer,
            name,
        } => {
            let name = name.unwrap_or_else(|| match &producer {
                Some(p) => format!("{role} {p}"),
                None => role.to_string(),
            });
            // The name is written into every ledger movement the token makes.
            crate::catalog::limits::check_text("--name", &name, crate::catalog::limits::Lines::One)
                .map_err(Failure::usage)?;
            let (id, token) = store
                .create_token(&name, role, producer.as_deref())
                .await
                .map_err(|e| match e {
                    TokenError::Store(e) => Failure::from(e),
                    other => Failure::usage_error(&other),
                })?;
            // The token alone on stdout, so `TOKEN=$(kho token create …)`
            // works; the reminder goes to stderr.
            out.doc(
                &json!({ "id": id, "name": name, "role": role, "producer": producer, "token": token }),
                || token.clone(),
            );
            if !out.json() {
                eprintln!(
                    "kho: created token {id} ({role}{}); it is shown only this once",
                    producer
                        .as_deref()
                        .map(|p| format!(" for {p}"))
                        .unwrap_or_default()
                );
            }
            Ok(exit::OK)
        }
        TokenCommand::List => {
            let tokens = store.list_tokens().await?;
            out.doc(&tokens, || {
                let mut t = table(&[
                    "ID",
                    "NAME",
                    "ROLE",
                    "PRODUCER",
                    "CREATED",
                    "LAST USED",
                    "REVOKED",
                ]);
                let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
                    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_else(|| "-".into())
                };
                for tok in &tokens {
                    t.add_row(vec![
                        tok.id.to_string(),
                        tok.name.clone(),
                        tok.role.to_string(),
                        tok.producer.clone().unwrap_or_else(|| "-".into()),
                        time(Some(tok.created_at)),
                        time(tok.last_used_at),
                        time(tok.revoked_at),
                    ]);
                }
                t.to_string()
            });
            Ok(exit::OK)
        }
        TokenCommand::Revoke { id } => {
            if store.revoke_token(id).await? {
                out.doc(&json!({ "revoked": id }), || format!("token {id} revoked"));
                Ok(exit::OK)
            } else {
                Err(Failure::usage(format!(
                    "no live token with id {id} (see `kho token list`)"
                )))
            }
        }
    }
}
