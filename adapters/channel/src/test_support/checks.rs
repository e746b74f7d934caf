//! Checks every adapter runs on its own mapping code: each adapter supplies its marketplace's table or
//! samples, the check holds the expectation all adapters share, so the contract is stated once.

use crate::error::WebhookError;
use crate::order::OrderStatus;
use crate::webhook::WebhookEvent;

/// The order-status contract: every raw status in `documented` maps to the canonical status it is listed
/// under, and `unknown` (a status nobody documented) maps to `None`, so the adapter can log it and keep the
/// stock reserved instead of guessing.
pub fn assert_order_statuses(
    map: impl Fn(&str) -> Option<OrderStatus>,
    documented: &[(OrderStatus, &[&str])],
    unknown: &str,
) {
    for (want, raws) in documented {
        for raw in *raws {
            assert_eq!(map(raw), Some(*want), "{raw}");
        }
    }
    assert_eq!(map(unknown), None, "{unknown} is not a documented status");
}

/// The push-parsing contract for bodies that are not a usable push: each of `bodies`, and a body that is not
/// JSON at all, is refused as malformed (the HTTP layer answers 400 and nothing reaches the core).
pub fn assert_malformed_pushes<T: std::fmt::Debug>(
    parse: impl Fn(&[u8]) -> Result<T, WebhookError>,
    bodies: &[&[u8]],
) {
    for body in [&b"not json"[..]].iter().chain(bodies) {
        let got = parse(body);
        assert!(
            matches!(got, Err(WebhookError::Malformed(_))),
            "{}: {got:?}",
            String::from_utf8_lossy(body)
        );
    }
}

/// A push about a listing becomes `ListingStatusChanged` for `item_id`, carrying the marketplace's status
/// as `raw_status`, so the core re-reads the listing.
pub fn assert_listing_push(
    parse: impl Fn(&[u8]) -> Result<Vec<WebhookEvent>, WebhookError>,
    body: &[u8],
    shop_id: Option<&str>,
    item_id: &str,
    raw_status: &str,
) {
    let want = WebhookEvent::ListingStatusChanged {
        shop_id: shop_id.map(str::to_owned),
        item_id: item_id.into(),
        raw_status: raw_status.into(),
    };
    match parse(body) {
        Ok(events) => assert_eq!(events, vec![want]),
        Err(e) => panic!("{}: {e}", String::from_utf8_lossy(body)),
    }
}

/// A push kho does not act on is still passed on, as `Other` with the marketplace's `code` and shop, so it
/// is logged and counted rather than dropped.
pub fn assert_other_push(
    parse: impl Fn(&[u8]) -> Result<Vec<WebhookEvent>, WebhookError>,
    body: &[u8],
    code: &str,
    shop_id: Option<&str>,
) {
    let want = WebhookEvent::Other {
        code: code.into(),
        shop_id: shop_id.map(str::to_owned),
    };
    match parse(body) {
        Ok(events) => assert_eq!(events, vec![want]),
        Err(e) => panic!("{}: {e}", String::from_utf8_lossy(body)),
    }
}
