//! The catalog upload: a CSV or XLSX file (the format of `kho import`) is
//! first planned without changing anything and shown as a preview — what
//! would be created or changed, or every problem by line and column — and
//! only an explicit "Apply" imports it.
//!
//! Apply imports exactly the previewed file: the uploaded bytes stay in this
//! process, keyed by their SHA-256 and the viewer who sent them, for
//! [`KEEP`]; the Apply form carries only the digest. An expired, foreign or
//! unknown digest is refused, never replaced by another file. Both steps run
//! `api::catalog::import_file`, the code the API's `POST /catalog/import`
//! runs, so the rules (a cooperative imports only its own rows) are one.

use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Form, Multipart, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::super::format;
use super::super::i18n::{Lang, Msg};
use super::super::pages::{Ctx, PageError, PageResult, layout};
use super::{Acting, acting, actor, done, failed, unprocessable};
use crate::catalog::Problems;
use crate::catalog::plan::Plan;
use crate::http::AppState;
use crate::http::api::catalog::import_file;
use crate::store::catalog::ImportError;

/// How long a preview can be applied.
pub const KEEP: Duration = Duration::from_secs(30 * 60);
/// Previews kept at once (the oldest goes first): each may be 20 MiB.
const MAX_KEPT: usize = 4;
const PATH: &str = "/catalog/import";

/// An uploaded file waiting for its "Apply".
struct Kept {
    digest: String,
    /// Whose it is: the viewer's name and producer scope.
    owner: (String, Option<String>),
    file_name: String,
    bytes: Arc<Vec<u8>>,
    at: Instant,
}

static KEPT: LazyLock<Mutex<Vec<Kept>>> = LazyLock::new(|| Mutex::new(Vec::new()));

fn owner(who: &Acting) -> (String, Option<String>) {
    (who.viewer.name.clone(), who.viewer.producer.clone())
}

fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn keep(owner: (String, Option<String>), file_name: &str, bytes: Vec<u8>) -> String {
    let d = digest(&bytes);
    let mut kept = KEPT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    kept.retain(|k| k.at.elapsed() < KEEP && !(k.digest == d && k.owner == owner));
    while kept.len() >= MAX_KEPT {
        kept.remove(0);
    }
    kept.push(Kept {
        digest: d.clone(),
        owner,
        file_name: file_name.to_owned(),
        bytes: Arc::new(bytes),
        at: Instant::now(),
    });
    d
}

/// The previewed file with this digest, if it is the viewer's and fresh.
fn kept(owner: &(String, Option<String>), d: &str) -> Option<(String, Arc<Vec<u8>>)> {
    let kept = KEPT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    kept.iter()
        .find(|k| k.digest == d && &k.owner == owner && k.at.elapsed() < KEEP)
        .map(|k| (k.file_name.clone(), Arc::clone(&k.bytes)))
}

fn forget(d: &str) {
    let mut kept = KEPT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    kept.retain(|k| k.digest != d);
}

/// What the page shows under the form.
enum Outcome {
    Nothing,
    NoFile,
    Expired,
    Rejected(Problems),
    Planned {
        digest: String,
        file: String,
        plan: Box<Plan>,
    },
}

fn page_uri() -> Uri {
    Uri::from_static(PATH)
}

/// `GET /catalog/import`: the upload form.
pub(in super::super) async fn form(
    State(state): State<AppState>,
    h: HeaderMap,
    uri: Uri,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    super::super::page(state, h, uri, q, async |ctx, _| {
        render(ctx, &Outcome::Nothing)
    })
    .await
}

/// `POST /catalog/import`: the file, planned and shown.
pub(in super::super) async fn preview(
    State(state): State<AppState>,
    h: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let who = match acting(&state, &h).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(b) if !b.is_empty() => file = Some((name, b.to_vec())),
                    Ok(_) => {}
                    Err(e) => {
                        return failed(who.lang, &PageError::BadRequest(e.body_text()));
                    }
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return failed(who.lang, &PageError::BadRequest(e.body_text())),
        }
    }
    let outcome = match file {
        None => Outcome::NoFile,
        Some((name, bytes)) => {
            match import_file(
                &state.store,
                who.viewer.producer.as_deref(),
                &bytes,
                &name,
                true,
                actor(&who.viewer),
            )
            .await
            {
                Ok(plan) => Outcome::Planned {
                    digest: keep(owner(&who), &name, bytes),
                    file: name,
                    plan: Box::new(plan),
                },
                Err(ImportError::Rejected(p)) => Outcome::Rejected(p),
                Err(ImportError::Store(e)) => return failed(who.lang, &e.into()),
            }
        }
    };
    // A preview that lists problems answers 422, a plan 200.
    let rejected = matches!(outcome, Outcome::Rejected(_) | Outcome::NoFile);
    let res = super::super::page(
        state,
        h,
        page_uri(),
        Default::default(),
        async move |ctx, _| render(ctx, &outcome),
    )
    .await;
    if rejected { unprocessable(res) } else { res }
}

#[derive(Debug, Deserialize)]
pub(in super::super) struct ApplyForm {
    #[serde(default)]
    digest: String,
}

/// `POST /catalog/import/apply`: the previewed file, imported.
pub(in super::super) async fn apply(
    State(state): State<AppState>,
    h: HeaderMap,
    Form(form): Form<ApplyForm>,
) -> Response {
    let who = match acting(&state, &h).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let Some((name, bytes)) = kept(&owner(&who), form.digest.trim()) else {
        let res = super::super::page(state, h, page_uri(), Default::default(), async |ctx, _| {
            render(ctx, &Outcome::Expired)
        })
        .await;
        return unprocessable(res);
    };
    let result = import_file(
        &state.store,
        who.viewer.producer.as_deref(),
        &bytes,
        &name,
        false,
        actor(&who.viewer),
    )
    .await;
    match result {
        Ok(plan) => {
            forget(&form.digest);
            tracing::info!(file = %name, by = %actor(&who.viewer), "catalog imported from the dashboard");
            done("/products", &summary_text(who.lang, &name, &plan))
        }
        // The catalog changed since the preview: the new problems, nothing applied.
        Err(ImportError::Rejected(p)) => {
            let outcome = Outcome::Rejected(p);
            unprocessable(
                super::super::page(
                    state,
                    h,
                    page_uri(),
                    Default::default(),
                    async move |ctx, _| render(ctx, &outcome),
                )
                .await,
            )
        }
        Err(ImportError::Store(e)) => failed(who.lang, &e.into()),
    }
}

fn counts(plan: &Plan) -> [(Msg, usize); 8] {
    [
        (Msg::NewProducers, plan.new_producers.len()),
        (Msg::UpdatedProducers, plan.producer_updates.len()),
        (Msg::NewProducts, plan.new_products.len()),
        (Msg::UpdatedProducts, plan.product_updates.len()),
        (Msg::NewVariants, plan.new_variants.len()),
        (Msg::UpdatedVariants, plan.variant_updates.len()),
        (Msg::StockCounts, plan.stock_counts.len()),
        (Msg::UnchangedRows, plan.unchanged),
    ]
}

fn summary_text(lang: Lang, file: &str, plan: &Plan) -> String {
    let parts: Vec<String> = counts(plan)
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(m, n)| format!("{} {}", lang.t(m), format::int(n as i64)))
        .collect();
    format!(
        "{} {file}: {}.",
        lang.t(Msg::ImportApplied),
        parts.join(" · ")
    )
}

/// The catalog's column and field names as people read them.
const FIELDS: &[(&str, &str, &str)] = &[
    ("producer_code", "Mã HTX", "Cooperative code"),
    ("producer_name", "Tên HTX", "Cooperative name"),
    ("district", "Huyện", "District"),
    ("product_code", "Mã sản phẩm", "Product code"),
    ("product_name", "Tên sản phẩm", "Product name"),
    ("variant_sku", "SKU", "SKU"),
    ("variant_name", "Tên phân loại", "Variant name"),
    ("name", "Tên", "Name"),
    ("price_vnd", "Giá (₫)", "Price (₫)"),
    ("stock", "Tồn kho", "Stock"),
    ("weight_g", "Khối lượng (g)", "Weight (g)"),
    ("ocop_stars", "Sao OCOP", "OCOP stars"),
    ("ocop_cert_no", "Số chứng nhận OCOP", "OCOP certificate no."),
    (
        "ocop_cert_expires",
        "Hạn chứng nhận OCOP",
        "OCOP certificate expiry",
    ),
    ("category", "Danh mục", "Category"),
    ("description", "Mô tả", "Description"),
    ("image_urls", "Ảnh", "Images"),
    ("active", "Đang bán", "Active"),
    ("product_active", "Sản phẩm đang bán", "Product active"),
    ("variant_active", "Phân loại đang bán", "Variant active"),
];

fn field(lang: Lang, code: &str) -> String {
    FIELDS.iter().find(|(c, _, _)| *c == code).map_or_else(
        || code.to_owned(),
        |(_, vi, en)| match lang {
            Lang::Vi => (*vi).to_owned(),
            Lang::En => (*en).to_owned(),
        },
    )
}

/// A changed value as people read it: prices and counts formatted.
fn value(code: &str, v: &str) -> String {
    match (code, v.parse::<i64>()) {
        ("price_vnd", Ok(n)) => format::vnd(n),
        ("stock" | "weight_g", Ok(n)) => format::int(n),
        _ if v.is_empty() => "—".to_owned(),
        _ => v.to_owned(),
    }
}

fn render(ctx: &Ctx, outcome: &Outcome) -> PageResult {
    let upload = html! {
        section class="card" id="upload" {
            @if ctx.viewer.writer {
                p class="hint" { (ctx.t(Msg::ImportHelp)) }
                form method="post" action=(PATH) enctype="multipart/form-data" class="upload" {
                    label for="file" { (ctx.t(Msg::ImportFile)) }
                    input id="file" name="file" type="file" required
                        accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
                    button type="submit" { (ctx.t(Msg::ImportPreviewButton)) }
                }
            } @else {
                p class="alert" { (ctx.t(Msg::ReadOnly)) }
            }
        }
    };
    let result = match outcome {
        Outcome::Nothing => html! {},
        Outcome::NoFile => html! { p class="alert" role="alert" { (ctx.t(Msg::ImportNoFile)) } },
        Outcome::Expired => html! { p class="alert" role="alert" { (ctx.t(Msg::ImportExpired)) } },
        Outcome::Rejected(problems) => rejected(ctx, problems),
        Outcome::Planned { digest, file, plan } => planned(ctx, digest, file, plan),
    };
    let markup = layout(ctx, Msg::ImportCatalog, html! { (result) (upload) });
    Ok(markup)
}

fn rejected(ctx: &Ctx, problems: &Problems) -> Markup {
    html! {
        section class="card" id="preview" data-outcome="rejected" {
            h2 { (ctx.t(Msg::ImportPreview)) }
            p class="alert" role="alert" { (ctx.t(Msg::ImportRejected)) }
            p class="hint" { (super::problems::count(ctx.lang, problems)) }
            table class="problems cards" {
                thead { tr { th class="num" { (ctx.t(Msg::Line)) } th { (ctx.t(Msg::Column)) } th { (ctx.t(Msg::Problem)) } } }
                tbody {
                    @for e in problems.iter() {
                        tr {
                            td class="num" data-label=(ctx.t(Msg::Line)) { (e.line) }
                            td data-label=(ctx.t(Msg::Column)) { (field(ctx.lang, &e.column)) }
                            td class="error" data-label=(ctx.t(Msg::Problem)) { (super::problems::message(ctx.lang, e)) }
                        }
                    }
                }
            }
        }
    }
}

fn planned(ctx: &Ctx, digest: &str, file: &str, plan: &Plan) -> Markup {
    let changes: Vec<(String, &'static str, &str, &str)> = plan
        .producer_updates
        .iter()
        .flat_map(|u| {
            u.changes
                .iter()
                .map(move |c| (u.code.clone(), c.field, c.from.as_str(), c.to.as_str()))
        })
        .chain(plan.product_updates.iter().flat_map(|u| {
            u.changes
                .iter()
                .map(move |c| (u.code.clone(), c.field, c.from.as_str(), c.to.as_str()))
        }))
        .chain(plan.variant_updates.iter().flat_map(|u| {
            u.changes
                .iter()
                .map(move |c| (u.sku.clone(), c.field, c.from.as_str(), c.to.as_str()))
        }))
        .collect();
    html! {
        section class="card" id="preview" data-outcome="planned" {
            h2 { (ctx.t(Msg::ImportPreview)) }
            p { (ctx.t(Msg::FileName)) ": " strong { (file) } }
            @if plan.is_empty() {
                p class="good" { (ctx.t(Msg::ImportNothing)) }
            } @else {
                p { (ctx.t(Msg::ImportWouldChange)) }
            }
            ul class="counts" {
                @for (m, n) in counts(plan) {
                    li class=[(n == 0).then_some("none")] { span { (ctx.t(m)) } " " strong class="num" { (format::int(n as i64)) } }
                }
            }
            @if !plan.new_products.is_empty() {
                h3 { (ctx.t(Msg::NewProducts)) }
                ul class="plain" {
                    @for p in &plan.new_products { li { code { (p.code) } " " (p.fields.name) } }
                }
            }
            @if !plan.new_variants.is_empty() {
                h3 { (ctx.t(Msg::NewVariants)) }
                ul class="plain" {
                    @for v in &plan.new_variants {
                        li { code { (v.sku) } " " (v.fields.name) " · " (format::vnd(v.fields.price_vnd)) " · " (ctx.t(Msg::OnHand)) " " (format::int(v.stock)) }
                    }
                }
            }
            @if !changes.is_empty() {
                h3 { (ctx.t(Msg::UpdatedVariants)) " / " (ctx.t(Msg::UpdatedProducts)) }
                table class="changes cards" {
                    thead { tr { th { (ctx.t(Msg::Product)) } th { (ctx.t(Msg::Field)) } th { (ctx.t(Msg::Before)) } th { (ctx.t(Msg::After)) } } }
                    tbody {
                        @for (what, f, from, to) in &changes {
                            tr {
                                td data-label=(ctx.t(Msg::Product)) { code { (what) } }
                                td data-label=(ctx.t(Msg::Field)) { (field(ctx.lang, f)) }
                                td data-label=(ctx.t(Msg::Before)) { (value(f, from)) }
                                td data-label=(ctx.t(Msg::After)) { (value(f, to)) }
                            }
                        }
                    }
                }
            }
            @if !plan.stock_counts.is_empty() {
                h3 { (ctx.t(Msg::StockCounts)) }
                table class="changes cards" {
                    thead { tr { th { (ctx.t(Msg::Sku)) } th class="num" { (ctx.t(Msg::Before)) } th class="num" { (ctx.t(Msg::After)) } } }
                    tbody {
                        @for c in &plan.stock_counts {
                            tr {
                                td data-label=(ctx.t(Msg::Sku)) { code { (c.sku) } }
                                td class="num" data-label=(ctx.t(Msg::Before)) { (format::int(c.from)) }
                                td class="num" data-label=(ctx.t(Msg::After)) { (format::int(c.to)) }
                            }
                        }
                    }
                }
            }
            @if !plan.is_empty() {
                form method="post" action={(PATH) "/apply"} class="apply" {
                    input type="hidden" name="digest" value=(digest);
                    button type="submit" { (ctx.t(Msg::ImportApply)) }
                    " "
                    a href=(PATH) { (ctx.t(Msg::ImportCancel)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(name: &str, producer: Option<&str>) -> (String, Option<String>) {
        (name.to_owned(), producer.map(str::to_owned))
    }

    #[test]
    fn only_the_previewed_file_of_its_owner_can_be_applied() {
        let a = who("HTX A test-keep", Some("htx-a"));
        let b = who("HTX B test-keep", Some("htx-b"));
        let d = keep(a.clone(), "a.csv", b"producer_code\nx".to_vec());
        assert_eq!(d, digest(b"producer_code\nx"));
        let (name, bytes) = kept(&a, &d).expect("kept");
        assert_eq!(
            (name.as_str(), bytes.as_slice()),
            ("a.csv", &b"producer_code\nx"[..])
        );
        assert!(kept(&b, &d).is_none(), "another viewer's preview");
        assert!(kept(&a, &digest(b"other")).is_none(), "another file");
        forget(&d);
        assert!(kept(&a, &d).is_none(), "applied once");
    }

    #[test]
    fn fields_and_values_read_as_words() {
        assert_eq!(field(Lang::Vi, "price_vnd"), "Giá (₫)");
        assert_eq!(field(Lang::En, "variant_sku"), "SKU");
        assert_eq!(field(Lang::Vi, "mystery"), "mystery");
        assert_eq!(value("price_vnd", "85000"), format::vnd(85_000));
        assert_eq!(value("stock", "1200"), "1.200");
        assert_eq!(value("name", ""), "—");
        for (c, vi, en) in FIELDS {
            assert!(!vi.is_empty() && !en.is_empty(), "{c}");
        }
    }
}
