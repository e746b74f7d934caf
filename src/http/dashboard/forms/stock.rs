//! Stock forms on a product page, one set per SKU: a receipt (nhập kho), a
//! removal (xuất / hủy, with its reason) and a count (kiểm kê: the counted
//! quantity). They go through `crate::inventory`, as `kho stock add|set` and
//! `PUT|POST /api/v1/stock/…` do, so the rules and the ledger are the same.

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::super::format;
use super::super::i18n::{Lang, Msg};
use super::super::pages::{self, Ctx, PageError};
use super::{acting, actor, done, failed, unprocessable};
use crate::catalog::limits::MAX_STOCK;
use crate::http::AppState;
use crate::inventory::{self, MoveOptions, StockError};
use crate::store::inventory::MovementOutcome;
use crate::store::lots::LotSpec;

/// The longest reason kept in the ledger.
pub const MAX_REASON_CHARS: usize = 200;

/// What a person asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Receipt,
    Removal,
    Count,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Receipt, Action::Removal, Action::Count];

    fn code(self) -> &'static str {
        match self {
            Action::Receipt => "receipt",
            Action::Removal => "removal",
            Action::Count => "count",
        }
    }

    fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == s)
    }

    fn title(self) -> Msg {
        match self {
            Action::Receipt => Msg::FormReceipt,
            Action::Removal => Msg::FormRemoval,
            Action::Count => Msg::FormCount,
        }
    }

    fn quantity_label(self) -> Msg {
        match self {
            Action::Count => Msg::CountedQuantity,
            Action::Receipt | Action::Removal => Msg::Quantity,
        }
    }

    /// The smallest quantity that means something.
    fn min(self) -> i64 {
        match self {
            Action::Count => 0,
            Action::Receipt | Action::Removal => 1,
        }
    }
}

/// The form as typed: kept as text so a mistake is shown with what was
/// typed, not a parsed guess.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StockForm {
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub lot: String,
    #[serde(default)]
    pub harvested: String,
    #[serde(default)]
    pub best_before: String,
}

/// Why a form was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    QuantityMissing,
    QuantityNotWhole,
    QuantityRange {
        min: i64,
        max: i64,
    },
    ReasonRequired,
    ReasonTooLong,
    /// Fewer available than the removal or count would take away.
    NotEnough {
        available: i64,
        reserved: i64,
    },
    AboveLimit,
    /// A harvest or best-before day without a lot code.
    DatesNeedLot,
    DateInvalid,
    LotCodeTooLong,
    /// Anything else `inventory` refused, as it said it.
    Refused(String),
}

impl Problem {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Problem::QuantityMissing => lang.t(Msg::QuantityMissing).to_owned(),
            Problem::QuantityNotWhole => lang.t(Msg::QuantityNotWhole).to_owned(),
            Problem::QuantityRange { min, max } => format!(
                "{} {}–{}.",
                lang.t(Msg::QuantityBetween),
                format::int(*min),
                format::int(*max)
            ),
            Problem::ReasonRequired => lang.t(Msg::ReasonRequired).to_owned(),
            Problem::ReasonTooLong => {
                format!("{} {MAX_REASON_CHARS}.", lang.t(Msg::ReasonTooLong))
            }
            Problem::NotEnough {
                available,
                reserved,
            } => format!(
                "{} {} · {} {}.",
                lang.t(Msg::NotEnoughAvailable),
                format::int(*available),
                lang.t(Msg::Reserved),
                format::int(*reserved)
            ),
            Problem::AboveLimit => format!(
                "{} {}.",
                lang.t(Msg::AboveStockLimit),
                format::int(MAX_STOCK)
            ),
            Problem::DatesNeedLot => lang.t(Msg::LotDatesNeedLot).to_owned(),
            Problem::DateInvalid => lang.t(Msg::DateInvalid).to_owned(),
            Problem::LotCodeTooLong => lang.t(Msg::LotCodeTooLong).to_owned(),
            Problem::Refused(why) => why.clone(),
        }
    }
}

/// A form shown again: what was typed, the field at fault and why.
#[derive(Debug, Clone)]
pub struct Failed {
    pub form: StockForm,
    /// `quantity`, `reason`, `lot`, `harvested`, `best_before`, or empty
    /// for the form as a whole.
    pub field: &'static str,
    pub problem: Problem,
}

/// A checked form, ready for `inventory`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub action: Action,
    pub quantity: i64,
    pub reason: String,
    /// The lot and (a receipt's) dates; no lot: stock kept without one.
    pub lot: Option<String>,
    pub harvested: Option<NaiveDate>,
    pub best_before: Option<NaiveDate>,
}

/// A day as a date field sends it (`YYYY-MM-DD`); empty is none.
fn day(field: &'static str, typed: &str) -> Result<Option<NaiveDate>, (&'static str, Problem)> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(typed, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| (field, Problem::DateInvalid))
}

/// A whole number as people type it: `50`, `1.000` or `1 000` (Vietnamese
/// groups thousands with dots), never a fraction.
fn whole_number(s: &str) -> Option<i64> {
    let s = s.trim();
    let groups: Vec<&str> = s.split(['.', ' ', '\u{a0}']).collect();
    let grouped = groups.len() > 1;
    let ok = groups.iter().enumerate().all(|(i, g)| {
        !g.is_empty()
            && g.chars().all(|c| c.is_ascii_digit())
            && (!grouped || (i == 0 && g.len() <= 3) || (i > 0 && g.len() == 3))
    });
    if !ok || s.len() > 12 {
        return None;
    }
    groups.concat().parse().ok()
}

pub fn check(form: &StockForm) -> Result<Checked, (&'static str, Problem)> {
    let action =
        Action::parse(&form.action).ok_or(("", Problem::Refused("unknown action".into())))?;
    let typed = form.quantity.trim();
    if typed.is_empty() {
        return Err(("quantity", Problem::QuantityMissing));
    }
    let quantity = whole_number(typed).ok_or(("quantity", Problem::QuantityNotWhole))?;
    if !(action.min()..=MAX_STOCK).contains(&quantity) {
        return Err((
            "quantity",
            Problem::QuantityRange {
                min: action.min(),
                max: MAX_STOCK,
            },
        ));
    }
    let reason = form.reason.trim();
    if action == Action::Removal && reason.is_empty() {
        return Err(("reason", Problem::ReasonRequired));
    }
    if reason.chars().count() > MAX_REASON_CHARS || reason.chars().any(char::is_control) {
        return Err(("reason", Problem::ReasonTooLong));
    }
    let lot = form.lot.trim();
    if lot.chars().count() > 64 || lot.chars().any(char::is_control) {
        return Err(("lot", Problem::LotCodeTooLong));
    }
    let (harvested, best_before) = if action == Action::Receipt {
        (
            day("harvested", &form.harvested)?,
            day("best_before", &form.best_before)?,
        )
    } else {
        (None, None)
    };
    if lot.is_empty() && (harvested.is_some() || best_before.is_some()) {
        return Err(("lot", Problem::DatesNeedLot));
    }
    Ok(Checked {
        action,
        quantity,
        reason: reason.to_owned(),
        lot: (!lot.is_empty()).then(|| lot.to_owned()),
        harvested,
        best_before,
    })
}

fn refused(e: StockError) -> Result<(&'static str, Problem), PageError> {
    Ok(match e {
        StockError::WouldGoNegative {
            available,
            reserved,
            ..
        } => (
            "quantity",
            Problem::NotEnough {
                available,
                reserved,
            },
        ),
        StockError::AboveLimit { .. } => ("quantity", Problem::AboveLimit),
        e @ (StockError::UnknownLot { .. }
        | StockError::LotShort { .. }
        | StockError::LotDates { .. }) => ("lot", Problem::Refused(e.to_string())),
        StockError::Store(e) => return Err(e.into()),
        e @ (StockError::UnknownSku(_)
        | StockError::UnknownLocation { .. }
        | StockError::Invalid(_)) => ("", Problem::Refused(e.to_string())),
    })
}

/// `POST /products/{code}/stock`.
pub(in super::super) async fn submit(
    State(state): State<AppState>,
    h: HeaderMap,
    Path(code): Path<String>,
    Form(form): Form<StockForm>,
) -> Response {
    let who = match acting(&state, &h).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    // The SKU must be one of this product's, and the product the viewer's
    // own producer's; anything else reads as "no such product".
    let rows = match state.store.stock_rows(None, Some(&code)).await {
        Ok(r) => r,
        Err(e) => return failed(who.lang, &e.into()),
    };
    let Some(row) = rows
        .iter()
        .find(|r| r.sku == form.sku && who.viewer.sees(&r.producer_code))
    else {
        return failed(
            who.lang,
            &PageError::NotFound(Msg::NotFoundProduct, Some(code)),
        );
    };
    let back = format!("/products/{}", row.product_code);
    let outcome = match check(&form) {
        Ok(c) => {
            let by = actor(&who.viewer);
            let reason = match (c.action, c.reason.is_empty()) {
                (_, false) => c.reason.clone(),
                (Action::Receipt, true) => who.lang.t(Msg::FormReceipt).to_owned(),
                (_, true) => who.lang.t(Msg::FormCount).to_owned(),
            };
            let opts = MoveOptions {
                lot: c.lot.as_deref().map(|code| LotSpec {
                    code,
                    harvested: c.harvested,
                    best_before: c.best_before,
                }),
                reason: &reason,
                location: None,
                reference: None,
                actor: &by,
            };
            let result = match c.action {
                Action::Receipt => inventory::add(&state.store, &row.sku, c.quantity, &opts).await,
                Action::Removal => inventory::add(&state.store, &row.sku, -c.quantity, &opts).await,
                Action::Count => inventory::set(&state.store, &row.sku, c.quantity, &opts).await,
            };
            match result {
                Ok(o) => Ok((c, o)),
                Err(e) => match refused(e) {
                    Ok(p) => Err(p),
                    Err(e) => return failed(who.lang, &e),
                },
            }
        }
        Err(p) => Err(p),
    };
    match outcome {
        Ok((c, o)) => done(&back, &applied(who.lang, &row.sku, &c, &o)),
        Err((field, problem)) => {
            let failed = Failed {
                form,
                field,
                problem,
            };
            let uri: Uri = back
                .parse()
                .unwrap_or_else(|_| Uri::from_static("/products"));
            let product = row.product_code.clone();
            unprocessable(
                super::super::page(
                    state,
                    h,
                    uri,
                    Default::default(),
                    async move |ctx, store| {
                        pages::product_page::page(ctx, store, &product, Some(&failed)).await
                    },
                )
                .await,
            )
        }
    }
}

/// The flash after a change: what was done and what is available now.
fn applied(lang: Lang, sku: &str, c: &Checked, o: &MovementOutcome) -> String {
    let what = match c.action {
        Action::Receipt => Msg::DoneReceipt,
        Action::Removal => Msg::DoneRemoval,
        Action::Count => Msg::DoneCount,
    };
    match o {
        MovementOutcome::Applied {
            on_hand, reserved, ..
        }
        | MovementOutcome::Unchanged { on_hand, reserved } => format!(
            "{} {sku}: {}. {} {}.",
            lang.t(what),
            format::int(c.quantity),
            lang.t(Msg::Available),
            format::int(on_hand - reserved)
        ),
        _ => format!("{} {sku}.", lang.t(what)),
    }
}

/// The three forms of one SKU (for a viewer who may change stock), opened
/// when one of them is shown again with a mistake.
pub fn forms(ctx: &Ctx, product: &str, sku: &str, failed: Option<&Failed>) -> Markup {
    if !ctx.viewer.writer {
        return html! {};
    }
    let mine = failed.filter(|f| f.form.sku == sku);
    html! {
        details class="stock-forms" open[mine.is_some()] {
            summary { (ctx.t(Msg::UpdateStock)) }
            div class="forms" {
                @for action in Action::ALL {
                    @let here = mine.filter(|f| f.form.action == action.code());
                    @let id = format!("{}-{}", action.code(), sku);
                    form method="post" action={"/products/" (product) "/stock"} class={"stock-form " (action.code())} {
                        h4 { (ctx.t(action.title())) }
                        input type="hidden" name="sku" value=(sku);
                        input type="hidden" name="action" value=(action.code());
                        @if let Some(f) = here.filter(|f| f.field.is_empty()) {
                            p class="alert" role="alert" { (f.problem.text(ctx.lang)) }
                        }
                        label for={"q-" (id)} { (ctx.t(action.quantity_label())) }
                        input id={"q-" (id)} name="quantity" inputmode="numeric" autocomplete="off" required
                            value=(here.map_or("", |f| f.form.quantity.as_str()))
                            aria-invalid=[here.filter(|f| f.field == "quantity").map(|_| "true")];
                        @if let Some(f) = here.filter(|f| f.field == "quantity") {
                            p class="alert field" role="alert" { (f.problem.text(ctx.lang)) }
                        }
                        label for={"r-" (id)} {
                            (ctx.t(Msg::Reason))
                            @if action == Action::Removal { " *" } @else { " " small { (ctx.t(Msg::Optional)) } }
                        }
                        input id={"r-" (id)} name="reason" maxlength=(MAX_REASON_CHARS) autocomplete="off"
                            required[action == Action::Removal]
                            value=(here.map_or("", |f| f.form.reason.as_str()))
                            aria-invalid=[here.filter(|f| f.field == "reason").map(|_| "true")];
                        @if let Some(f) = here.filter(|f| f.field == "reason") {
                            p class="alert field" role="alert" { (f.problem.text(ctx.lang)) }
                        }
                        (lot_fields(ctx, action, &id, here))
                        button type="submit" { (ctx.t(action.title())) }
                    }
                }
            }
        }
    }
}

/// A date field: its name, its label and what was typed in it.
type DateField = (&'static str, Msg, fn(&StockForm) -> &str);

/// The lot a form moves, and a receipt's dates (a new lot's).
fn lot_fields(ctx: &Ctx, action: Action, id: &str, here: Option<&Failed>) -> Markup {
    let typed = |f: fn(&StockForm) -> &str| here.map_or("", |h| f(&h.form));
    let wrong = |field: &str| here.filter(|f| f.field == field);
    let dates: &[DateField] = if action == Action::Receipt {
        &[
            ("harvested", Msg::HarvestedOn, |f| f.harvested.as_str()),
            ("best_before", Msg::BestBefore, |f| f.best_before.as_str()),
        ]
    } else {
        &[]
    };
    html! {
        label for={"l-" (id)} { (ctx.t(Msg::LotCode)) " " small { (ctx.t(Msg::Optional)) } }
        input id={"l-" (id)} name="lot" maxlength="64" autocomplete="off"
            value=(typed(|f| f.lot.as_str()))
            aria-describedby={"lh-" (id)}
            aria-invalid=[wrong("lot").map(|_| "true")];
        small id={"lh-" (id)} class="hint" { (ctx.t(Msg::LotEmptyDefault)) }
        @if let Some(f) = wrong("lot") {
            p class="alert field" role="alert" { (f.problem.text(ctx.lang)) }
        }
        @for (name, label, value) in dates {
            label for={(name) "-" (id)} { (ctx.t(*label)) " " small { (ctx.t(Msg::Optional)) } }
            input id={(name) "-" (id)} name=(name) type="date" value=(typed(*value))
                aria-invalid=[wrong(name).map(|_| "true")];
            @if let Some(f) = wrong(name) {
                p class="alert field" role="alert" { (f.problem.text(ctx.lang)) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(action: &str, quantity: &str, reason: &str) -> StockForm {
        StockForm {
            sku: "NA-1".into(),
            action: action.into(),
            quantity: quantity.into(),
            reason: reason.into(),
            ..StockForm::default()
        }
    }

    #[test]
    fn quantities_are_whole_numbers_as_people_type_them() {
        for (typed, n) in [("50", 50), (" 7 ", 7), ("1.000", 1000), ("12 500", 12_500)] {
            assert_eq!(whole_number(typed), Some(n), "{typed}");
        }
        for bad in [
            "", "1,5", "1.5", "12.50", "-3", "+3", "1..000", "abc", "1e3",
        ] {
            assert_eq!(whole_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_form_is_bounded_and_a_removal_needs_its_reason() {
        assert_eq!(
            check(&form("receipt", "50", "")),
            Ok(Checked {
                action: Action::Receipt,
                quantity: 50,
                reason: String::new(),
                lot: None,
                harvested: None,
                best_before: None,
            })
        );
        assert_eq!(check(&form("count", "0", "")).map(|c| c.quantity), Ok(0));
        assert_eq!(
            check(&form("receipt", "0", "")),
            Err((
                "quantity",
                Problem::QuantityRange {
                    min: 1,
                    max: MAX_STOCK
                }
            ))
        );
        assert_eq!(
            check(&form("count", "100000", "")).unwrap_err().0,
            "quantity"
        );
        assert_eq!(
            check(&form("removal", "3", "  ")),
            Err(("reason", Problem::ReasonRequired))
        );
        assert_eq!(
            check(&form("removal", "3", "dập nát")).map(|c| c.reason),
            Ok("dập nát".to_owned())
        );
        assert_eq!(
            check(&form("removal", "", "x")),
            Err(("quantity", Problem::QuantityMissing))
        );
        assert_eq!(
            check(&form("receipt", "2", &"a".repeat(MAX_REASON_CHARS + 1))),
            Err(("reason", Problem::ReasonTooLong))
        );
        assert_eq!(check(&form("steal", "2", "")).unwrap_err().0, "");
        let lot = |lot: &str, harvested: &str, best_before: &str| StockForm {
            lot: lot.into(),
            harvested: harvested.into(),
            best_before: best_before.into(),
            ..form("receipt", "5", "")
        };
        let c = check(&lot(" NA-0612 ", "2026-12-06", "2026-12-10"));
        assert_eq!(
            c.map(|c| (c.lot, c.harvested, c.best_before)),
            Ok((
                Some("NA-0612".to_owned()),
                NaiveDate::from_ymd_opt(2026, 12, 6),
                NaiveDate::from_ymd_opt(2026, 12, 10)
            ))
        );
        assert_eq!(
            check(&lot("", "", "2026-12-10")),
            Err(("lot", Problem::DatesNeedLot))
        );
        assert_eq!(
            check(&lot("A", "6/12/2026", "")),
            Err(("harvested", Problem::DateInvalid))
        );
        assert_eq!(
            check(&lot(&"x".repeat(65), "", "")),
            Err(("lot", Problem::LotCodeTooLong))
        );
    }

    #[test]
    fn problems_read_in_both_languages() {
        let p = Problem::QuantityRange {
            min: 1,
            max: 99_998,
        };
        assert_eq!(
            p.text(Lang::Vi),
            "Số lượng phải là số nguyên trong khoảng 1–99.998."
        );
        assert_eq!(
            p.text(Lang::En),
            "The quantity must be a whole number in the range 1–99.998."
        );
        let p = Problem::NotEnough {
            available: 4,
            reserved: 2,
        };
        assert!(
            p.text(Lang::Vi).contains("Không đủ hàng"),
            "{}",
            p.text(Lang::Vi)
        );
    }
}
