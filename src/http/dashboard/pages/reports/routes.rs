//! The reports page's routes: the page, its downloads and the register
//! upload. Sign-in, language and tenancy go through the dashboard's own
//! helpers, as for every page.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::html;

use super::{Ask, ask, load, ocop, page};
use crate::http::AppState;
use crate::http::api::orders::{XLSX_TYPE, download};
use crate::http::dashboard::i18n::Lang;
use crate::http::dashboard::pages::{Ctx, PageError, Viewer, error_page};
use crate::http::dashboard::{self as dash, LANG_COOKIE, cookie, html_response};

/// Register files are small; a larger upload is refused before parsing.
const REGISTER_LIMIT: usize = 5 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(reports))
        .route("/reports/sales.csv", get(sales_csv))
        .route("/reports/sales.xlsx", get(sales_xlsx))
        .route("/reports/ocop-sales", get(ocop_sales))
        .route(
            "/reports/ocop-register",
            axum::routing::post(register_upload)
                .layer(axum::extract::DefaultBodyLimit::max(REGISTER_LIMIT)),
        )
}

type Q = Query<HashMap<String, String>>;

async fn reports(State(s): State<AppState>, h: HeaderMap, uri: Uri, Query(q): Q) -> Response {
    let today = crate::store::now().with_timezone(&s.timezone).date_naive();
    let asked = ask(&q, today);
    dash::page(s, h, uri, q, async move |ctx, store| {
        page(ctx, store, asked, html! {}).await
    })
    .await
}

/// A file for a signed-in viewer, or the sign-in page, or an error page.
async fn file<F>(
    s: AppState,
    h: HeaderMap,
    uri: Uri,
    q: HashMap<String, String>,
    make: F,
) -> Response
where
    F: AsyncFnOnce(&Ctx, &crate::store::Store, Option<String>) -> Result<Response, PageError>,
{
    let lang = cookie(&h, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or(Lang::Vi);
    let viewer: Viewer = match dash::viewer(&s, &h).await {
        Ok(Some(v)) => v,
        Ok(None) => return Redirect::to(&dash::signin_url(&uri)).into_response(),
        Err(e) => {
            let (status, markup) = error_page(None, lang, &e);
            return html_response(status, markup, None);
        }
    };
    let ctx = Ctx {
        lang,
        viewer,
        flash: None,
        tz: s.timezone,
        now: crate::store::now(),
        path: uri.path().to_owned(),
        filter: q.get("producer").filter(|p| !p.is_empty()).cloned(),
        keep: Vec::new(),
    };
    let result = match ctx.scope(&s.store).await {
        Ok(scope) => make(&ctx, &s.store, scope).await,
        Err(e) => Err(e),
    };
    result.unwrap_or_else(|e| {
        let (status, markup) = error_page(Some(&ctx), lang, &e);
        html_response(status, markup, None)
    })
}

fn bug(e: crate::reports::ReportError) -> PageError {
    match e {
        crate::reports::ReportError::Invalid(m) => PageError::BadRequest(m),
        crate::reports::ReportError::Store(e) => PageError::Store(e),
        crate::reports::ReportError::Write(e) => PageError::Bug(e.to_string()),
    }
}

fn stem(a: &Ask) -> String {
    format!(
        "kho-sales-{}-{}-{}",
        a.by.as_str(),
        a.period.from,
        a.period.to
    )
}

async fn sales_csv(State(s): State<AppState>, h: HeaderMap, uri: Uri, Query(q): Q) -> Response {
    let today = crate::store::now().with_timezone(&s.timezone).date_naive();
    let asked = ask(&q, today);
    file(s, h, uri, q, async move |ctx, store, scope| {
        let a = asked?;
        let r = load(ctx, store, &a, scope.as_deref()).await?;
        let mut out = Vec::new();
        crate::reports::export::write_csv(&mut out, &r).map_err(bug)?;
        Ok(download(
            out,
            "text/csv; charset=utf-8",
            &format!("{}.csv", stem(&a)),
        ))
    })
    .await
}

async fn sales_xlsx(State(s): State<AppState>, h: HeaderMap, uri: Uri, Query(q): Q) -> Response {
    let today = crate::store::now().with_timezone(&s.timezone).date_naive();
    let asked = ask(&q, today);
    let vi = q.get("lang").map(String::as_str) != Some("en");
    file(s, h, uri, q, async move |ctx, store, scope| {
        let a = asked?;
        let r = load(ctx, store, &a, scope.as_deref()).await?;
        let out = crate::reports::export::write_xlsx(&r, vi).map_err(bug)?;
        Ok(download(out, XLSX_TYPE, &format!("{}.xlsx", stem(&a))))
    })
    .await
}

async fn ocop_sales(State(s): State<AppState>, h: HeaderMap, uri: Uri, Query(q): Q) -> Response {
    let month = q.get("month").cloned().unwrap_or_default();
    let format = q.get("format").cloned().unwrap_or_else(|| "xlsx".into());
    file(s, h, uri, q, async move |ctx, store, scope| {
        let rows =
            crate::reports::ocop::sales::month_sales(store, ctx.tz, &month, scope.as_deref())
                .await
                .map_err(bug)?;
        let name = format!("kho-ocop-sales-{month}");
        match format.as_str() {
            "csv" => {
                let mut out = Vec::new();
                crate::reports::ocop::sales::write_csv(&mut out, &rows).map_err(bug)?;
                Ok(download(
                    out,
                    "text/csv; charset=utf-8",
                    &format!("{name}.csv"),
                ))
            }
            "xlsx" => Ok(download(
                crate::reports::ocop::sales::write_xlsx(&rows).map_err(bug)?,
                XLSX_TYPE,
                &format!("{name}.xlsx"),
            )),
            other => Err(PageError::BadRequest(format!(
                "format={other:?}: use xlsx or csv"
            ))),
        }
    })
    .await
}

/// The upload's file and options, or what is wrong with the form.
async fn read_form(mut form: Multipart) -> Result<(String, Vec<u8>, bool), PageError> {
    let (mut name, mut bytes, mut dry_run) = (String::new(), None, false);
    let bad = |e: axum::extract::multipart::MultipartError| PageError::BadRequest(e.body_text());
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("file") => {
                name = field.file_name().unwrap_or("register").to_owned();
                bytes = Some(field.bytes().await.map_err(bad)?.to_vec());
            }
            Some("dry_run") => dry_run = true,
            _ => {}
        }
    }
    match bytes {
        Some(b) if !b.is_empty() => Ok((name, b, dry_run)),
        _ => Err(PageError::BadRequest(
            "choose the certificate list (CSV or XLSX) to upload".into(),
        )),
    }
}

async fn register_upload(
    State(s): State<AppState>,
    h: HeaderMap,
    uri: Uri,
    form: Multipart,
) -> Response {
    let lang = cookie(&h, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or(Lang::Vi);
    if !dash::same_origin(&h) {
        return dash::refused(lang);
    }
    let form = read_form(form).await;
    let today = crate::store::now().with_timezone(&s.timezone).date_naive();
    let asked = ask(&HashMap::new(), today);
    dash::page(s, h, uri, HashMap::new(), async move |ctx, store| {
        if ctx.viewer.producer.is_some() {
            return Err(PageError::BadRequest(
                "the OCOP register is the department's: a cooperative cannot replace it".into(),
            ));
        }
        let (name, bytes, dry_run) = form?;
        let outcome = match crate::reports::ocop::read_register(&bytes) {
            Err(p) => Err(p),
            Ok(entries) => {
                if !dry_run {
                    store
                        .replace_ocop_register(&name, &ctx.viewer.actor(), &entries)
                        .await?;
                }
                Ok((entries.len(), dry_run))
            }
        };
        page(ctx, store, asked, ocop::notice(ctx.lang, &name, &outcome)).await
    })
    .await
}
