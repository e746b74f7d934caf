//! `GET /oauth/{channel}/callback`: where a marketplace sends the seller
//! after they authorised kho (see `crate::channels::connect`). The state is
//! checked and spent first, then the code is exchanged once; the seller
//! sees a short page in Vietnamese and English saying it worked or why not.
//! The page never repeats the code, the state or the marketplace's tokens.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kho_channel::{ErrorKind, Transport};
use maud::{DOCTYPE, html};
use url::Url;

use super::AppState;
use super::dashboard::i18n::{Lang, Msg};
use crate::channels::connect::{self, ConnectError};
use crate::config::AccountConfig;
use crate::store::oauth::StateCheck;

/// What the daemon needs to connect its configured accounts.
pub struct Connector {
    pub accounts: Vec<AccountConfig>,
    pub public_url: Url,
    pub transport: Arc<Transport>,
}

impl Connector {
    pub fn account(&self, name: &str) -> Option<&AccountConfig> {
        self.accounts.iter().find(|a| a.name == name)
    }
}

pub async fn callback(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !matches!(channel.as_str(), "shopee" | "tiktok" | "lazada" | "tiki") {
        return page(StatusCode::NOT_FOUND, Msg::ConnectStateUnknown, None);
    }
    let get = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    // A seller who declines comes back without a code (Lazada and TikTok
    // add `error`); the state is then left unspent, the link still usable.
    let Some(code) = get("code") else {
        let why = if get("error").is_some() {
            Msg::ConnectDeclined
        } else {
            Msg::ConnectNoCode
        };
        return page(StatusCode::BAD_REQUEST, why, None);
    };
    let Some(st) = get("state") else {
        return page(StatusCode::BAD_REQUEST, Msg::ConnectStateMissing, None);
    };
    let account = match state.store.spend_oauth_state(&channel, st).await {
        Ok(StateCheck::Valid { account }) => account,
        Ok(StateCheck::Expired) => return page(StatusCode::GONE, Msg::ConnectStateExpired, None),
        Ok(StateCheck::Used) => return page(StatusCode::GONE, Msg::ConnectStateUsed, None),
        Ok(StateCheck::Unknown) => {
            return page(StatusCode::BAD_REQUEST, Msg::ConnectStateUnknown, None);
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot check an authorisation state");
            return page(StatusCode::SERVICE_UNAVAILABLE, Msg::ConnectRefused, None);
        }
    };
    let Some(connector) = state.connect.as_ref() else {
        return page(StatusCode::NOT_FOUND, Msg::ConnectUnavailable, None);
    };
    let Some(config) = connector.account(&account) else {
        return page(StatusCode::NOT_FOUND, Msg::ConnectUnavailable, None);
    };
    match connect::exchange(
        &state.store,
        &connector.transport,
        config,
        code,
        get("shop_id"),
        &connector.public_url,
    )
    .await
    {
        Ok(done) => {
            for w in &done.warnings {
                tracing::warn!(account = %account, "{w}");
            }
            page(StatusCode::OK, Msg::ConnectDone, Some(&account))
        }
        Err(e) => {
            tracing::warn!(account = %account, error = %e, "connecting the shop failed");
            let detail = refusal(&e);
            page_with(
                StatusCode::BAD_GATEWAY,
                Msg::ConnectRefused,
                Some(&account),
                detail,
            )
        }
    }
}

/// The marketplace's own code and message, which name no secret; nothing
/// for failures of kho's own (those go to the log).
fn refusal(e: &ConnectError) -> Option<String> {
    match e {
        ConnectError::Exchange(ce) => match &ce.kind {
            ErrorKind::ReauthRequired { code, message }
            | ErrorKind::AuthExpired { code, message }
            | ErrorKind::Permanent { code, message }
            | ErrorKind::NotFound { code, message } => Some(format!("{code}: {message}")),
            ErrorKind::RateLimited { code, .. } => Some(code.clone()),
            ErrorKind::Transient { .. } => None,
        },
        ConnectError::Mismatch(m) | ConnectError::NoConnect(m) => Some(m.clone()),
        ConnectError::Setup(_) | ConnectError::Store(_) => None,
    }
}

fn page(status: StatusCode, msg: Msg, account: Option<&str>) -> Response {
    page_with(status, msg, account, None)
}

/// Both languages on one page: the seller arrives from the marketplace,
/// with no kho session or language choice.
fn page_with(
    status: StatusCode,
    msg: Msg,
    account: Option<&str>,
    detail: Option<String>,
) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (Lang::Vi.t(Msg::ConnectTitle)) " · kho" }
            }
            body {
                @for lang in [Lang::Vi, Lang::En] {
                    section lang=(lang.code()) {
                        h1 { (lang.t(Msg::ConnectTitle)) }
                        @if let Some(a) = account { p { code { (a) } } }
                        p class="result" { (lang.t(msg)) }
                    }
                }
                @if let Some(d) = &detail { p class="detail" { (d) } }
            }
        }
    };
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        markup.into_string(),
    )
        .into_response()
}
