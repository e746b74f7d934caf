//! Signing people in with a one-time link (`kho login-link`), and the
//! session cookie every way of signing in ends with.
//!
//! Opening the link (GET) only shows who it is for and a button: chat apps
//! and mail scanners fetch every URL they see, and such a preview must not
//! spend the link. The button POSTs, from this site only, and that spends
//! the link and opens the session. The page speaks both languages at once:
//! whoever opens a link has chosen neither yet.

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};

use super::i18n::{Lang, Msg};
use super::pages::{self, PageError, Viewer};
use super::{AppState, SESSION_COOKIE, html_response, same_origin};
use crate::auth::Role;
use crate::store::sessions::{Grant, LinkCheck, NewSession, SESSION_LIFETIME, SignInError};

/// The cookie that carries a session: never readable by a script, never
/// sent on a cross-site request, only over HTTPS when kho is served so.
pub(super) fn session_cookie(state: &AppState, session: &NewSession) -> Option<HeaderValue> {
    let max_age = SESSION_LIFETIME.num_seconds();
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        session.secret,
        secure(state)
    ))
    .ok()
}

/// The cookie that removes the session cookie.
pub(super) fn cleared_cookie(state: &AppState) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{}",
        secure(state)
    ))
    .ok()
}

fn secure(state: &AppState) -> &'static str {
    if state.public_url.scheme() == "https" {
        "; Secure"
    } else {
        ""
    }
}

/// The viewer of a session cookie, or None for no live session.
pub(super) async fn viewer(
    state: &AppState,
    secret: &str,
) -> Result<Option<Viewer>, crate::store::StoreError> {
    Ok(state
        .store
        .authenticate_session(secret)
        .await?
        .map(|s| Viewer {
            writer: matches!(s.grant.role, Role::Admin | Role::Cooperative),
            name: s.person,
            producer: s.grant.producer,
        }))
}

/// Both languages of one line, Vietnamese first.
struct Both(&'static str, &'static str);

const TITLE: Both = Both("Đăng nhập", "Sign in");
const FOR: Both = Both("Liên kết đăng nhập cho", "Sign-in link for");
const ASK_NAME: Both = Both("Họ và tên của bạn", "Your full name");
const ASK_NAME_HELP: Both = Both(
    "Tên này được ghi vào mọi thao tác bạn làm.",
    "This name is recorded with everything you do.",
);
const VALID_UNTIL: Both = Both("Dùng được đến", "Valid until");
const ONCE: Both = Both(
    "Liên kết chỉ dùng được một lần, trên trình duyệt này.",
    "The link works once, in this browser.",
);
const EXPIRED: Both = Both(
    "Liên kết đăng nhập này đã hết hạn. Hãy xin quản trị viên một liên kết mới.",
    "This sign-in link has expired. Ask an administrator for a new one.",
);
const USED: Both = Both(
    "Liên kết đăng nhập này đã được dùng. Mỗi liên kết chỉ dùng một lần; hãy xin liên kết mới.",
    "This sign-in link has already been used. Each link works once; ask for a new one.",
);
const UNKNOWN: Both = Both(
    "Không có liên kết đăng nhập này. Hãy kiểm tra lại đường dẫn hoặc xin liên kết mới.",
    "There is no such sign-in link. Check the address or ask for a new one.",
);
const NAME_NEEDED: Both = Both(
    "Hãy nhập họ và tên (một dòng, tối đa 120 ký tự).",
    "Enter your full name (one line, at most 120 characters).",
);
const TOKEN_INSTEAD: Both = Both("Đăng nhập bằng mã truy cập", "Sign in with an access token");

fn both(b: &Both) -> Markup {
    html! { span lang="vi" { (b.0) } " / " span lang="en" { (b.1) } }
}

/// The role, and a cooperative by its name (its code only when the name
/// cannot be read).
async fn role_text(state: &AppState, grant: &Grant) -> String {
    match (grant.role, grant.producer.as_deref()) {
        (Role::Admin, _) => "quản trị / admin".into(),
        (Role::Department, _) => "Sở / department".into(),
        (Role::Cooperative, code) => {
            let code = code.unwrap_or_default();
            let name = state
                .store
                .producers()
                .await
                .ok()
                .and_then(|all| all.into_iter().find(|p| p.code == code))
                .map_or_else(|| code.to_owned(), |p| p.name);
            format!("HTX / cooperative: {name}")
        }
    }
}

async fn link_form(
    state: &AppState,
    secret: &str,
    grant: &Grant,
    person: Option<&str>,
    expires_at: DateTime<Utc>,
    problem: Option<&Both>,
) -> Markup {
    let role = role_text(state, grant).await;
    let body = html! {
        section class="card signin" {
            h1 { "kho" }
            @if let Some(p) = problem { p class="alert" role="alert" { (both(p)) } }
            p { (both(&FOR)) ": " strong class="person" { (person.unwrap_or("—")) } " (" (role) ")" }
            form method="post" action=(format!("/login/{secret}")) {
                @if person.is_none() {
                    label for="name" { (both(&ASK_NAME)) }
                    input id="name" name="name" type="text" autocomplete="name" maxlength="120" required;
                    small { (both(&ASK_NAME_HELP)) }
                }
                button type="submit" { (both(&TITLE)) }
            }
            p { small { (both(&VALID_UNTIL)) " " (super::format::datetime(expires_at, state.timezone)) " (" (state.timezone.name()) "). " (both(&ONCE)) } }
        }
    };
    pages::bare(Lang::Vi, Msg::SignIn, body)
}

fn dead_link(why: &Both) -> Markup {
    let body = html! {
        section class="card signin error-page" {
            h1 { "kho" }
            p class="alert" role="alert" { (both(why)) }
            p { a href="/signin" { (both(&TOKEN_INSTEAD)) } }
        }
    };
    pages::bare(Lang::Vi, Msg::SignIn, body)
}

/// The answer for a link that cannot sign anyone in.
fn not_usable(check: &LinkCheck) -> Option<Response> {
    let (status, why) = match check {
        LinkCheck::Valid { .. } => return None,
        LinkCheck::Expired => (410, &EXPIRED),
        LinkCheck::Used => (410, &USED),
        LinkCheck::Unknown => (404, &UNKNOWN),
    };
    Some(html_response(status, dead_link(why), None))
}

fn failed(e: crate::store::StoreError) -> Response {
    let (status, markup) = pages::error_page(None, Lang::Vi, &PageError::Store(e));
    html_response(status, markup, None)
}

/// `GET /login/{secret}`: who the link is for and a button; spends nothing.
pub(super) async fn show(State(state): State<AppState>, Path(secret): Path<String>) -> Response {
    let check = match state.store.check_login_link(&secret).await {
        Ok(c) => c,
        Err(e) => return failed(e),
    };
    if let Some(res) = not_usable(&check) {
        return res;
    }
    let LinkCheck::Valid {
        grant,
        person,
        expires_at,
    } = check
    else {
        return html_response(404, dead_link(&UNKNOWN), None);
    };
    // The dashboard's Referrer-Policy (same-origin) keeps the link in the
    // URL from reaching any other site; "no-referrer" would also blank the
    // Origin the button's POST is checked by.
    html_response(
        200,
        link_form(&state, &secret, &grant, person.as_deref(), expires_at, None).await,
        None,
    )
}

#[derive(serde::Deserialize)]
pub(super) struct LinkForm {
    #[serde(default)]
    name: Option<String>,
}

/// `POST /login/{secret}`: spends the link and opens the session.
pub(super) async fn spend(
    State(state): State<AppState>,
    h: HeaderMap,
    Path(secret): Path<String>,
    Form(form): Form<LinkForm>,
) -> Response {
    if !same_origin(&h) {
        return super::refused(Lang::Vi);
    }
    let spent = state
        .store
        .spend_login_link(&secret, form.name.as_deref())
        .await;
    let (check, session) = match spent {
        Ok(done) => done,
        Err(SignInError::BadName(_)) => {
            return match state.store.check_login_link(&secret).await {
                Ok(LinkCheck::Valid {
                    grant,
                    person,
                    expires_at,
                }) => html_response(
                    400,
                    link_form(
                        &state,
                        &secret,
                        &grant,
                        person.as_deref(),
                        expires_at,
                        Some(&NAME_NEEDED),
                    )
                    .await,
                    None,
                ),
                Ok(other) => not_usable(&other)
                    .unwrap_or_else(|| html_response(404, dead_link(&UNKNOWN), None)),
                Err(e) => failed(e),
            };
        }
        Err(SignInError::Store(e)) => return failed(e),
        Err(other) => {
            // The link's grant no longer holds (its producer is gone).
            tracing::warn!(error = %other, "a sign-in link cannot open a session");
            return html_response(404, dead_link(&UNKNOWN), None);
        }
    };
    if let Some(res) = not_usable(&check) {
        return res;
    }
    let Some(session) = session else {
        return html_response(410, dead_link(&USED), None);
    };
    tracing::info!(session = session.id, "dashboard sign-in with a link");
    let mut res = Redirect::to("/").into_response();
    if let Some(v) = session_cookie(&state, &session) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}
