//! The dashboard's forms: stock receipts, removals and counts, the catalog
//! upload with its preview, retrying failed pushes and re-linking a shop.
//!
//! Every POST goes through [`acting`] first: the request must come from
//! this site (Origin/Referer, on top of the SameSite=Strict cookie), the
//! viewer must be signed in and allowed to change things (the department
//! is read-only), and each handler then checks the producer the change is
//! about against the viewer's own. A change answers with a redirect to a
//! page (POST-redirect-GET) and a one-time flash message in a cookie; a
//! form with mistakes is shown again with the typed values and the reasons.

pub(super) mod import;
mod problems;
pub(super) mod stock;
pub(super) mod sync;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;

use super::i18n::{Lang, Msg};
use super::pages::{self, PageError, Viewer};
use super::{LANG_COOKIE, cookie, html_response, refused, same_origin, viewer};
use crate::http::AppState;

const FLASH_COOKIE: &str = "kho_flash";
/// A flash is read on the page the redirect leads to, within seconds.
const FLASH_MAX_AGE: u32 = 60;
/// Longer flashes are cut: a cookie holds about 4 KiB.
const FLASH_MAX_CHARS: usize = 400;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/products/{code}/stock", post(stock::submit))
        .route(
            "/catalog/import",
            axum::routing::get(import::form)
                .post(import::preview)
                .layer(DefaultBodyLimit::max(
                    crate::http::api::IMPORT_BODY_LIMIT + 64 * 1024,
                )),
        )
        .route("/catalog/import/apply", post(import::apply))
        .route("/accounts/{name}/retry", post(sync::retry_all))
        .route("/accounts/{name}/retry/{job}", post(sync::retry_one))
        .route("/accounts/{name}/link", post(sync::relink))
}

/// Who a change is recorded against in the ledger and the catalog's
/// provenance: the signed-in person (`web:Name`, see [`Viewer::actor`]).
pub fn actor(v: &Viewer) -> String {
    v.actor()
}

/// The person in a ledger's `actor` (`web:Name`, `api:7:Name`), for
/// showing; other actors (`cli:…`, the sync engine) are shown as they are.
pub fn person(actor: &str) -> &str {
    if let Some(name) = actor.strip_prefix("web:") {
        return name;
    }
    if let Some(rest) = actor.strip_prefix("api:")
        && let Some((id, name)) = rest.split_once(':')
        && id.chars().all(|c| c.is_ascii_digit())
    {
        return name;
    }
    actor
}

/// A signed-in viewer who may change things, in their language.
pub(super) struct Acting {
    pub lang: Lang,
    pub viewer: Viewer,
}

/// The checks every form shares; `Err` is the answer to send instead.
pub(super) async fn acting(state: &AppState, h: &HeaderMap) -> Result<Acting, Response> {
    let lang = cookie(h, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or(Lang::Vi);
    if !same_origin(h) {
        return Err(refused(lang));
    }
    match viewer(state, h).await {
        Ok(Some(v)) if v.writer => Ok(Acting { lang, viewer: v }),
        Ok(Some(_)) => Err(forbidden(lang)),
        Ok(None) => Err(Redirect::to("/signin").into_response()),
        Err(e) => Err(failed(lang, &e)),
    }
}

/// 403 for a viewer who may look but not change (the department).
pub(super) fn forbidden(lang: Lang) -> Response {
    let (_, markup) = pages::error_page(
        None,
        lang,
        &PageError::BadRequest(lang.t(Msg::ReadOnly).to_owned()),
    );
    html_response(403, markup, None)
}

pub(super) fn failed(lang: Lang, e: &PageError) -> Response {
    let (status, markup) = pages::error_page(None, lang, e);
    html_response(status, markup, None)
}

/// POST-redirect-GET: to `to`, with `text` shown once there.
pub(super) fn done(to: &str, text: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    let short: String = text.chars().take(FLASH_MAX_CHARS).collect();
    let value: String = url::form_urlencoded::byte_serialize(short.as_bytes()).collect();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={value}; Path=/; Max-Age={FLASH_MAX_AGE}; HttpOnly; SameSite=Strict"
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The flash a redirect left, if any (read once: see [`clear_flash`]).
pub(super) fn flash(h: &HeaderMap) -> Option<String> {
    let raw = cookie(h, FLASH_COOKIE).filter(|v| !v.is_empty())?;
    let text: String = url::form_urlencoded::parse(format!("f={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    let text: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(FLASH_MAX_CHARS)
        .collect();
    (!text.trim().is_empty()).then_some(text)
}

/// Forgets a flash once shown.
pub(super) fn clear_flash(res: &mut Response) {
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("kho_flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"),
    );
}

/// A page answer re-used for a form shown again with its mistakes.
pub(super) fn unprocessable(mut res: Response) -> Response {
    if res.status() == StatusCode::OK {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_names_the_person() {
        let v = Viewer {
            name: "Chị Lan (HTX Bảo Lâm)".into(),
            producer: Some("htx-bao-lam".into()),
            writer: true,
        };
        assert_eq!(actor(&v), "web:Chị Lan (HTX Bảo Lâm)");
        assert_eq!(person(&actor(&v)), "Chị Lan (HTX Bảo Lâm)");
        assert_eq!(person("api:12:Kế toán"), "Kế toán");
        assert_eq!(person("api:x:y"), "api:x:y");
        assert_eq!(person("cli:unknown"), "cli:unknown");
    }

    #[test]
    fn a_flash_survives_its_cookie_and_nothing_else_does() {
        let res = done("/products/NA", "Đã nhập 50 vào NA-1; còn 1.250");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let set = res.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
        let pair = set.split(';').next().unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(pair).unwrap());
        assert_eq!(flash(&h).as_deref(), Some("Đã nhập 50 vào NA-1; còn 1.250"));
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("kho_flash=%0A%20"));
        assert_eq!(flash(&h), None);
    }
}
