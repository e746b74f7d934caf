//! The dashboard at `/`: server-rendered HTML (maud), Vietnamese by default
//! with an English switch, no JavaScript at all.
//!
//! People sign in with a one-time link (`kho login-link`, see [`login`]) or
//! by pasting an API token; either opens a server-side session whose
//! secret is the HttpOnly, SameSite=Strict cookie. Every page checks the
//! session again, so a revoked session (or the token it was opened with)
//! signs its holder out at the next click. Forms are CSRF-safe twice over: the cookie is never sent on a
//! cross-site request, and a POST whose Origin (or Referer) names another
//! site is refused. Every response carries a strict Content-Security-Policy
//! (no inline script or style; the stylesheet is served from `/assets`).

mod chart;
mod connect;
#[cfg(test)]
mod contrast;
pub mod format;
mod forms;
pub mod i18n;
mod login;
mod pages;

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::Markup;

use self::i18n::{Lang, Msg};
use self::pages::{Ctx, PageError, Viewer};
use super::AppState;

pub use self::pages::{CERTIFICATE_WINDOW_DAYS, CHART_DAYS, DEFAULT_LOW_STOCK, PRODUCTS_PER_PAGE};

const SESSION_COOKIE: &str = "kho_session";
const LANG_COOKIE: &str = "kho_lang";
const STYLESHEET_PATH: &str = "/assets/dashboard.css";
const STYLESHEET: &str = include_str!("dashboard.css");
/// A language choice is remembered for a year.
const LANG_MAX_AGE: u32 = 365 * 24 * 3600;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(overview))
        .route("/products", get(products))
        .route("/products/{code}", get(product))
        .route("/accounts", get(accounts))
        .route(
            "/accounts/{name}/connect",
            axum::routing::post(connect::start),
        )
        .route("/drift", get(drift))
        .route("/certificates", get(certificates))
        .route("/freshness", get(freshness))
        .merge(pages::reports::router())
        .route("/signin", get(signin_form).post(signin))
        .route("/signout", axum::routing::post(signout))
        .route("/login/{secret}", get(login::show).post(login::spend))
        .route(STYLESHEET_PATH, get(stylesheet))
        .merge(forms::router())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(security_headers))
}

/// A bug in a page answers a plain error page (the panic goes to the log,
/// never to the browser) instead of a dropped connection.
fn panicked(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned());
    let (status, markup) = pages::error_page(None, Lang::Vi, &PageError::Bug(what));
    html_response(status, markup, None)
}

/// Headers every dashboard response carries.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages hold figures of one viewer: never cached on the way.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// One cookie's value from the request (the last one wins, as browsers
/// send the most specific path first and we only use `Path=/`).
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .next_back()
}

/// The language: `?lang=` (remembered in a cookie), else the cookie, else
/// Vietnamese. An unknown `?lang=` is an error naming the choices.
fn language(headers: &HeaderMap, q: &HashMap<String, String>) -> Result<(Lang, bool), PageError> {
    if let Some(asked) = q.get("lang") {
        return Lang::parse(asked).map(|l| (l, true)).ok_or_else(|| {
            PageError::BadRequest(format!("unknown language {asked:?}: use vi or en"))
        });
    }
    Ok((
        cookie(headers, LANG_COOKIE)
            .and_then(Lang::parse)
            .unwrap_or(Lang::Vi),
        false,
    ))
}

fn lang_cookie(lang: Lang) -> String {
    format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age={LANG_MAX_AGE}; SameSite=Strict; HttpOnly",
        lang.code()
    )
}

/// The signed-in viewer, or `None` for no, unknown, expired or revoked
/// session.
async fn viewer(state: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, PageError> {
    let Some(secret) = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    // A cookie set before sessions existed holds the API token itself; it
    // still signs its holder in (as the token's name, checked on every
    // page like a session) so that an upgrade signs nobody out. Every new
    // sign-in gets a session.
    if secret.starts_with(crate::auth::TOKEN_PREFIX) {
        return Ok(authenticate(&state.store, secret).await?.map(|p| p.viewer));
    }
    Ok(login::viewer(state, secret).await?)
}

/// A checked token: its id (for the log), role and what it may see.
struct Checked {
    token_id: i64,
    role: crate::auth::Role,
    viewer: Viewer,
}

/// The one place the dashboard asks the token store.
async fn authenticate(
    store: &crate::store::Store,
    token: &str,
) -> Result<Option<Checked>, crate::store::StoreError> {
    Ok(store.authenticate_token(token).await?.map(|p| Checked {
        token_id: p.token_id,
        role: p.role,
        viewer: Viewer {
            writer: p.can_write(),
            name: p.name,
            producer: match p.role {
                crate::auth::Role::Cooperative => p.producer,
                crate::auth::Role::Admin | crate::auth::Role::Department => None,
            },
        },
    }))
}

fn html_response(status: u16, markup: Markup, set_lang: Option<Lang>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (status, markup).into_response();
    if let Some(lang) = set_lang
        && let Ok(v) = HeaderValue::from_str(&lang_cookie(lang))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Renders a page for a signed-in viewer: language, tenancy and errors
/// handled once for every page.
async fn page<F>(
    state: AppState,
    headers: HeaderMap,
    uri: Uri,
    q: HashMap<String, String>,
    render: F,
) -> Response
where
    F: AsyncFnOnce(&Ctx, &crate::store::Store) -> pages::PageResult,
{
    let (lang, remember) = match language(&headers, &q) {
        Ok(l) => l,
        Err(e) => {
            let (status, markup) = pages::error_page(None, Lang::Vi, &e);
            return html_response(status, markup, None);
        }
    };
    let set_lang = remember.then_some(lang);
    let viewer = match viewer(&state, &headers).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            let mut res = Redirect::to(&signin_url(&uri)).into_response();
            if let Some(l) = set_lang
                && let Ok(v) = HeaderValue::from_str(&lang_cookie(l))
            {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            return res;
        }
        Err(e) => {
            let (status, markup) = pages::error_page(None, lang, &e);
            return html_response(status, markup, set_lang);
        }
    };
    let flash = forms::flash(&headers);
    let had_flash = flash.is_some();
    let ctx = Ctx {
        lang,
        viewer,
        flash,
        tz: state.timezone,
        now: crate::store::now(),
        path: uri.path().to_owned(),
        filter: q.get("producer").filter(|p| !p.is_empty()).cloned(),
        keep: {
            let mut keep: Vec<(String, String)> = q
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "lang" | "producer"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            keep.sort();
            keep
        },
    };
    let mut res = match render(&ctx, &state.store).await {
        Ok(markup) => html_response(200, markup, set_lang),
        Err(e) => {
            let (status, markup) = pages::error_page(Some(&ctx), lang, &e);
            html_response(status, markup, set_lang)
        }
    };
    if had_flash {
        forms::clear_flash(&mut res);
    }
    res
}

type Q = Query<HashMap<String, String>>;

/// The overview reloads itself (a `Refresh` header: no script) so a
/// screen left open keeps up with orders and failures.
const OVERVIEW_REFRESH_SECS: u32 = 120;

async fn overview(State(s): State<AppState>, h: HeaderMap, uri: Uri, Query(q): Q) -> Response {
    let mut res = page(s, h, uri, q, async |ctx, store| {
        pages::overview(ctx, store).await
    })
    .await;
    if res.status() == StatusCode::OK {
        res.headers_mut()
            .insert("refresh", HeaderValue::from(OVERVIEW_REFRESH_SECS));
    }
    res
}

/// The products page's options from the query string, or what is wrong
/// with them.
fn stock_view(q: &HashMap<String, String>) -> Result<pages::StockView, PageError> {
    let mut view = pages::StockView::default();
    if let Some(v) = q.get("low") {
        view.low = v.parse().ok().filter(|n: &i64| *n >= 0).ok_or_else(|| {
            PageError::BadRequest(format!("low={v:?} is not a whole number of units"))
        })?;
    }
    match q.get("show").map(String::as_str) {
        None | Some("all") => {}
        Some("short") => view.only_short = true,
        Some(other) => {
            return Err(PageError::BadRequest(format!(
                "show={other:?}: use all or short"
            )));
        }
    }
    if let Some(v) = q.get("page") {
        view.page = v
            .parse()
            .ok()
            .filter(|n: &i64| *n >= 1)
            .ok_or_else(|| PageError::BadRequest(format!("page={v:?} is not a page number")))?;
    }
    Ok(view)
}

async fn products(State(s): State<AppState>, h: HeaderMap, uri: Uri, Query(q): Q) -> Response {
    let view = stock_view(&q);
    page(s, h, uri, q, async move |ctx, store| {
        pages::products(ctx, store, view?).await
    })
    .await
}

async fn product(
    State(s): State<AppState>,
    h: HeaderMap,
    uri: Uri,
    Path(code): Path<String>,
    Query(q): Q,
) -> Response {
    page(s, h, uri, q, async move |ctx, store| {
        pages::product(ctx, store, &code).await
    })
    .await
}

async fn accounts(State(s): State<AppState>, h: HeaderMap, uri: Uri, Query(q): Q) -> Response {
    page(s, h, uri, q, async |ctx, store| {
        pages::accounts(ctx, store).await
    })
    .await
}

async fn drift(State(s): State<AppState>, h: HeaderMap, uri: Uri, Query(q): Q) -> Response {
    page(s, h, uri, q, async |ctx, store| {
        pages::drift(ctx, store).await
    })
    .await
}

async fn certificates(State(s): State<AppState>, h: HeaderMap, uri: Uri, Query(q): Q) -> Response {
    page(s, h, uri, q, async |ctx, store| {
        pages::certificates(ctx, store).await
    })
    .await
}

async fn freshness(State(s): State<AppState>, h: HeaderMap, uri: Uri, Query(q): Q) -> Response {
    page(s, h, uri, q, async |ctx, store| {
        pages::freshness(ctx, store).await
    })
    .await
}

async fn signin_form(State(s): State<AppState>, h: HeaderMap, Query(q): Q) -> Response {
    let (lang, remember) = match language(&h, &q) {
        Ok(l) => l,
        Err(e) => {
            let (status, markup) = pages::error_page(None, Lang::Vi, &e);
            return html_response(status, markup, None);
        }
    };
    // Already signed in: straight to the overview.
    if let Ok(Some(_)) = viewer(&s, &h).await {
        return Redirect::to("/").into_response();
    }
    let next = q.get("next").and_then(|n| local_path(n));
    html_response(
        200,
        pages::signin(lang, None, next),
        remember.then_some(lang),
    )
}

/// True when a browser says the form came from this very site: the Origin
/// (or, without one, the Referer) names the host the request was sent to —
/// the `Host` header, or `X-Forwarded-Host` behind a reverse proxy (a
/// cross-site page cannot set either). Browsers send Origin on every
/// cross-site POST; a request with neither header comes from no web page,
/// and carries no ambient cookie anyway (`SameSite=Strict`).
fn same_origin(headers: &HeaderMap) -> bool {
    let hosts: Vec<&str> = [header::HOST.as_str(), "x-forwarded-host"]
        .into_iter()
        .filter_map(|name| headers.get(name).and_then(|h| h.to_str().ok()))
        .collect();
    if hosts.is_empty() {
        return false;
    }
    let matches = |url: &str| {
        url::Url::parse(url).is_ok_and(|u| {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            u.host_str()
                .is_some_and(|h| hosts.iter().any(|host| format!("{h}{port}") == *host))
        })
    };
    match headers.get(header::ORIGIN) {
        Some(o) => o.to_str().is_ok_and(|o| o != "null" && matches(o)),
        None => headers
            .get(header::REFERER)
            .is_none_or(|r| r.to_str().is_ok_and(matches)),
    }
}

fn refused(lang: Lang) -> Response {
    let (_, markup) = pages::error_page(
        None,
        lang,
        &PageError::BadRequest(lang.t(Msg::CrossOrigin).to_owned()),
    );
    html_response(403, markup, None)
}

#[derive(serde::Deserialize)]
struct SignIn {
    #[serde(default)]
    token: String,
    /// Where the viewer was going when sent to sign in.
    #[serde(default)]
    next: Option<String>,
}

/// `next` when it is a path on this site, never another site (`//host`,
/// `/\\host` and schemes are refused): an open redirect would let a link
/// to kho's sign-in send a signed-in user anywhere.
fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() <= 2048
        && !next.starts_with("/signin")
        && !next.starts_with("/signout");
    ok.then_some(next)
}

/// The sign-in form, returning to `uri` afterwards.
fn signin_url(uri: &Uri) -> String {
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    if target == "/" || local_path(target).is_none() {
        return "/signin".into();
    }
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("next", target);
    format!("/signin?{}", q.finish())
}

async fn signin(State(s): State<AppState>, h: HeaderMap, Form(form): Form<SignIn>) -> Response {
    let lang = cookie(&h, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or(Lang::Vi);
    if !same_origin(&h) {
        return refused(lang);
    }
    let token = form.token.trim();
    let next = form.next.as_deref().and_then(local_path);
    if token.is_empty() {
        return html_response(
            400,
            pages::signin(lang, Some(Msg::TokenMissing), next),
            None,
        );
    }
    match authenticate(&s.store, token).await {
        Ok(Some(p)) => {
            // The session is named after the token: its name is what the
            // ledger records for everything done in it.
            let grant = crate::store::sessions::Grant {
                role: p.role,
                producer: p.viewer.producer.clone(),
            };
            let opened = s
                .store
                .open_session(
                    &grant,
                    &p.viewer.name,
                    &format!("token:{}", p.token_id),
                    Some(p.token_id),
                )
                .await;
            let session = match opened {
                Ok(session) => session,
                Err(crate::store::sessions::SignInError::Store(e)) => {
                    let (status, markup) = pages::error_page(None, lang, &PageError::Store(e));
                    return html_response(status, markup, None);
                }
                Err(e) => {
                    tracing::warn!(token_id = p.token_id, error = %e, "a token cannot open a session");
                    return html_response(
                        401,
                        pages::signin(lang, Some(Msg::TokenInvalid), next),
                        None,
                    );
                }
            };
            tracing::info!(token_id = p.token_id, session = session.id, name = %p.viewer.name, "dashboard sign-in");
            let mut res = Redirect::to(next.unwrap_or("/")).into_response();
            if let Some(v) = login::session_cookie(&s, &session) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Ok(None) => {
            tracing::info!("dashboard sign-in refused: unknown or revoked token");
            html_response(
                401,
                pages::signin(lang, Some(Msg::TokenInvalid), next),
                None,
            )
        }
        Err(e) => {
            let (status, markup) = pages::error_page(None, lang, &PageError::Store(e));
            html_response(status, markup, None)
        }
    }
}

async fn signout(State(s): State<AppState>, h: HeaderMap) -> Response {
    let lang = cookie(&h, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or(Lang::Vi);
    if !same_origin(&h) {
        return refused(lang);
    }
    // The session ends on the server, not only in this browser.
    if let Some(secret) = cookie(&h, SESSION_COOKIE)
        && let Err(e) = s.store.end_session(secret).await
    {
        let (status, markup) = pages::error_page(None, lang, &PageError::Store(e));
        return html_response(status, markup, None);
    }
    let mut res = Redirect::to("/signin").into_response();
    if let Some(v) = login::cleared_cookie(&s) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn forms_must_come_from_this_site() {
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:9090")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "null")
        ])));
        // Behind a proxy that keeps the public host in X-Forwarded-Host.
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("x-forwarded-host", "kho.langson.gov.vn"),
            ("origin", "https://kho.langson.gov.vn"),
        ])));
        // Without Origin the Referer decides; with neither, no page sent it.
        assert!(same_origin(&headers(&[
            ("host", "a.example"),
            ("referer", "https://a.example/signin")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "a.example"),
            ("referer", "https://b.example/x")
        ])));
        assert!(same_origin(&headers(&[("host", "a.example")])));
        assert!(!same_origin(&headers(&[("origin", "http://a.example")])));
    }

    #[test]
    fn sign_in_returns_only_to_paths_of_this_site() {
        assert_eq!(local_path("/products?page=2"), Some("/products?page=2"));
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "products",
            "/signin",
            "/a\nb",
            "",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        let uri: Uri = "/products?producer=htx-bao-lam".parse().unwrap();
        assert_eq!(
            signin_url(&uri),
            "/signin?next=%2Fproducts%3Fproducer%3Dhtx-bao-lam"
        );
        assert_eq!(signin_url(&"/".parse().unwrap()), "/signin");
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let h = headers(&[(
            "cookie",
            "kho_session_x=1; kho_session=kho_abc=; kho_lang=en",
        )]);
        assert_eq!(cookie(&h, "kho_session"), Some("kho_abc="));
        assert_eq!(cookie(&h, "kho_lang"), Some("en"));
        assert_eq!(cookie(&h, "other"), None);
    }

    #[test]
    fn product_options_name_what_is_wrong() {
        let q = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect()
        };
        assert_eq!(stock_view(&q(&[])).unwrap(), pages::StockView::default());
        let v = stock_view(&q(&[("low", "5"), ("show", "short"), ("page", "2")])).unwrap();
        assert_eq!((v.low, v.only_short, v.page), (5, true, 2));
        for (k, v, needle) in [
            ("low", "-1", "low=\"-1\""),
            ("low", "12.5", "low=\"12.5\""),
            ("show", "some", "use all or short"),
            ("page", "0", "page=\"0\""),
        ] {
            match stock_view(&q(&[(k, v)])) {
                Err(PageError::BadRequest(m)) => assert!(m.contains(needle), "{m}"),
                other => panic!("{k}={v}: {other:?}"),
            }
        }
    }
}
