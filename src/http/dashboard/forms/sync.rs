//! Failed pushes and linking from the accounts page: put an account's dead
//! letters (or one of them) back in the queue, as `kho sync retry-dead`
//! does, and re-read a shop's listings to link them by seller SKU, as
//! `kho link` does. For an admin and the cooperative whose shop it is.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{Markup, html};

use super::super::format;
use super::super::i18n::{Lang, Msg};
use super::super::pages::{Ctx, PageError};
use super::{Acting, acting, done, failed};
use crate::http::AppState;
use crate::store::accounts::AccountRow;

const BACK: &str = "/accounts";

/// The account if the viewer may act on it; 404 otherwise (a cooperative
/// learns nothing about another's shops).
async fn own_account(state: &AppState, who: &Acting, name: &str) -> Result<AccountRow, Response> {
    match state.store.accounts(Some(name)).await {
        Ok(rows) => rows
            .into_iter()
            .find(|a| a.producer.as_deref().is_some_and(|p| who.viewer.sees(p)))
            .ok_or_else(|| {
                failed(
                    who.lang,
                    &PageError::NotFound(Msg::Account, Some(name.to_owned())),
                )
            }),
        Err(e) => Err(failed(who.lang, &e.into())),
    }
}

fn requeued(lang: Lang, account: &str, n: u64) -> String {
    if n == 0 {
        format!("{account}: {}", lang.t(Msg::NothingToRetry))
    } else {
        format!(
            "{account}: {} {}. {}",
            format::int(i64::try_from(n).unwrap_or(i64::MAX)),
            lang.t(Msg::Requeued),
            lang.t(Msg::RequeuedHelp)
        )
    }
}

/// `POST /accounts/{name}/retry`: every dead letter of the account.
pub(in super::super) async fn retry_all(
    State(state): State<AppState>,
    h: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let who = match acting(&state, &h).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let account = match own_account(&state, &who, &name).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    match state.store.retry_dead(Some(&account.name)).await {
        Ok(n) => {
            tracing::info!(account = %account.name, by = %super::actor(&who.viewer), n, "dead letters retried from the dashboard");
            done(BACK, &requeued(who.lang, &account.name, n))
        }
        Err(e) => failed(who.lang, &PageError::Store(e)),
    }
}

/// `POST /accounts/{name}/retry/{job}`: one dead letter.
pub(in super::super) async fn retry_one(
    State(state): State<AppState>,
    h: HeaderMap,
    Path((name, job)): Path<(String, i64)>,
) -> Response {
    let who = match acting(&state, &h).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let account = match own_account(&state, &who, &name).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    match state.store.retry_dead_job(&account.name, job).await {
        Ok(n) => {
            tracing::info!(account = %account.name, job, by = %super::actor(&who.viewer), n, "dead letter retried from the dashboard");
            done(BACK, &requeued(who.lang, &account.name, n))
        }
        Err(e) => failed(who.lang, &PageError::Store(e)),
    }
}

/// `POST /accounts/{name}/link`: `kho link` for the account.
pub(in super::super) async fn relink(
    State(state): State<AppState>,
    h: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let who = match acting(&state, &h).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let account = match own_account(&state, &who, &name).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let lang = who.lang;
    let config = state
        .connect
        .as_ref()
        .and_then(|c| Some((c, c.account(&account.name)?)));
    let Some((connector, config)) = config else {
        return done(
            BACK,
            &format!("{}: {}", account.name, lang.t(Msg::NotConfigured)),
        );
    };
    let channel = match crate::channels::build(config, &connector.transport, &state.store) {
        Ok(c) => c,
        Err(e) => return done(BACK, &format!("{}: {e}", account.name)),
    };
    let result = crate::sync::link::link(
        &state.store,
        channel.as_ref(),
        account.id,
        &config.producer,
        false,
        &|_| {},
    )
    .await;
    match result {
        Ok(r) => {
            tracing::info!(account = %account.name, by = %super::actor(&who.viewer), linked = r.linked.len(), "shop re-linked from the dashboard");
            let text = format!(
                "{}: {} {} · {} {} ({} {}) · {} {} · {} {}",
                account.name,
                format::int(len(r.remote_listings)),
                lang.t(Msg::RemoteListings),
                format::int(len(r.linked.len())),
                lang.t(Msg::Linked),
                format::int(len(r.new_links)),
                lang.t(Msg::NewLinks),
                format::int(len(r.unmatched.len()
                    + r.blank_sku.len()
                    + r.duplicates.len())),
                lang.t(Msg::Unmatched),
                format::int(len(r.not_listed.len())),
                lang.t(Msg::NotListed),
            );
            done(BACK, &text)
        }
        Err(crate::sync::link::LinkError::Channel(e)) => {
            if let Err(se) = crate::sync::push::mark_account(&state.store, &account.name, &e).await
            {
                return failed(lang, &PageError::Store(se));
            }
            done(
                BACK,
                &format!("{}: {} {e}", account.name, lang.t(Msg::LinkFailed)),
            )
        }
        Err(crate::sync::link::LinkError::Store(e)) => failed(lang, &PageError::Store(e)),
    }
}

fn len(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// An account's buttons: retry its failed pushes, re-link the shop.
pub fn account_actions(ctx: &Ctx, account: &str, dead: i64) -> Markup {
    if !ctx.viewer.writer {
        return html! {};
    }
    html! {
        div class="actions" {
            @if dead > 0 {
                form method="post" action={"/accounts/" (account) "/retry"} {
                    button type="submit" { (ctx.t(Msg::RetryAll)) " (" (format::int(dead)) ")" }
                }
            }
            form method="post" action={"/accounts/" (account) "/link"} {
                button type="submit" class="secondary" { (ctx.t(Msg::Relink)) }
            }
        }
    }
}

/// The button that retries one failed push.
pub fn retry_button(ctx: &Ctx, account: &str, job: i64) -> Markup {
    if !ctx.viewer.writer {
        return html! {};
    }
    html! {
        form method="post" action={"/accounts/" (account) "/retry/" (job)} class="inline" {
            button type="submit" { (ctx.t(Msg::Retry)) }
        }
    }
}
