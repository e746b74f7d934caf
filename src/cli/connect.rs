//! `kho accounts connect`: the authorisation link for a shop, or the
//! exchange of a code by hand when the callback cannot be reached.

use serde_json::json;

use super::args::ConnectArgs;
use super::channels::{account, prepare};
use super::output::Output;
use super::{Failure, exit};
use crate::channels::connect::{self, ConnectError};
use crate::config::Config;
use crate::store::Store;

pub async fn run(
    store: &Store,
    config: &Config,
    args: &ConnectArgs,
    out: &Output,
) -> Result<u8, Failure> {
    prepare(store, config).await?;
    let acc = account(config, &args.account)?;
    let transport = crate::channels::transport().map_err(|e| Failure::runtime_error(&e))?;
    let Some(code) = &args.code else {
        let public_url = &config.server.public_url;
        let link = connect::authorization_link(store, &transport, acc, public_url)
            .await
            .map_err(failure)?;
        let redirect = connect::redirect_uri(public_url, acc);
        out.doc(
            &json!({
                "account": acc.name,
                "channel": acc.channel.as_str(),
                "url": link.as_str(),
                "redirect_uri": redirect,
                "expires_in_seconds": connect::STATE_TTL.num_seconds(),
            }),
            || {
                format!(
                    "Open this link as the shop's seller and agree ({} minutes):\n\n{link}\n\n\
                     The marketplace then sends the browser to {redirect},\n\
                     where `kho serve` connects {}. If that address cannot be reached, copy the\n\
                     `code` from the address bar and run: kho accounts connect {} --code CODE{}",
                    connect::STATE_TTL.num_minutes(),
                    acc.name,
                    acc.name,
                    if acc.channel == crate::config::ChannelKind::Shopee {
                        " --shop-id SHOP_ID"
                    } else {
                        ""
                    }
                )
            },
        );
        return Ok(exit::OK);
    };
    let public_url = &config.server.public_url;
    let done = connect::exchange(
        store,
        &transport,
        acc,
        code,
        args.shop_id.as_deref(),
        public_url,
    )
    .await
    .map_err(failure)?;
    out.doc(&done, || {
        let mut s = format!(
            "{} connected: tokens stored (access token valid until {} UTC)",
            done.account,
            done.access_expires_at.format("%Y-%m-%d %H:%M")
        );
        for w in &done.warnings {
            s.push_str(&format!("\nwarning: {w}"));
        }
        s
    });
    Ok(if done.warnings.is_empty() {
        exit::OK
    } else {
        exit::PROBLEMS
    })
}

/// A refused code or another shop is bad input (nothing was stored: exit
/// 2); an unreachable marketplace or database is a runtime failure (3).
fn failure(e: ConnectError) -> Failure {
    let code = match &e {
        ConnectError::Exchange(ce) if ce.kind.is_retryable() => exit::RUNTIME,
        ConnectError::Store(_) => exit::RUNTIME,
        _ => exit::USAGE,
    };
    let mut f = Failure::from_error(code, &e);
    if code == exit::USAGE && !matches!(e, ConnectError::NoConnect(_)) {
        f.problems.push(
            "the account is unchanged; get a new code from a new link (codes work once)".into(),
        );
    }
    f
}
