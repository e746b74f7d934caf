//! The dashboard's "Connect the shop" button on an account that waits in
//! `needs_reauth`: for an admin or the cooperative whose shop it is, a fresh
//! authorisation link (see `crate::channels::connect`), and the browser sent
//! there. The person who then agrees must be the shop's seller.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::i18n::{Lang, Msg};
use super::pages::{self, PageError};
use super::{LANG_COOKIE, cookie, html_response, refused, same_origin, viewer};
use crate::http::AppState;

pub(super) async fn start(
    State(state): State<AppState>,
    h: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let lang = cookie(&h, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or(Lang::Vi);
    if !same_origin(&h) {
        return refused(lang);
    }
    let fail = |e: PageError| {
        let (status, markup) = pages::error_page(None, lang, &e);
        html_response(status, markup, None)
    };
    let who = match viewer(&state, &h).await {
        Ok(Some(v)) if v.writer => v,
        Ok(_) => return Redirect::to("/signin").into_response(),
        Err(e) => return fail(e),
    };
    let mine = match state.store.accounts(Some(&name)).await {
        Ok(rows) => rows
            .into_iter()
            .any(|a| a.producer.as_deref().is_some_and(|p| who.sees(p))),
        Err(e) => return fail(e.into()),
    };
    let config = state
        .connect
        .as_ref()
        .and_then(|c| Some((c, c.account(&name)?)));
    let (true, Some((connector, config))) = (mine, config) else {
        return fail(PageError::NotFound(Msg::Account, Some(name)));
    };
    match crate::channels::connect::authorization_link(
        &state.store,
        &connector.transport,
        config,
        &connector.public_url,
    )
    .await
    {
        Ok(link) => {
            // The log is the record of who started it: the person, by name.
            tracing::info!(account = %name, actor = %who.actor(), "shop authorisation started from the dashboard");
            Redirect::to(link.as_str()).into_response()
        }
        Err(e) => fail(PageError::BadRequest(e.to_string())),
    }
}
