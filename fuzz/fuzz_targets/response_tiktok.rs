//! TikTok Shop response parsing as the client runs it: the envelope classifier decoding each `data` type
//! the client asks for, then the conversions into kho's listings, orders, returns and per-SKU errors.
#![no_main]

use kho_fuzz::{Input, raw_response, show};
use kho_tiktok::classify::classify;
use kho_tiktok::inventory::write_error_kind;
use kho_tiktok::listings::{listings_from, product_status};
use kho_tiktok::orders::return_brings_goods_back;
use kho_tiktok::wire::{
    CancellationSearchData, CreateProductData, OrderDetailData, OrderSearchData, ProductDetail,
    ProductSearchData, ReturnSearchData, ShopsData, TokenData, UploadImageData, WarehousesData,
    WriteErrors,
};
use kho_tiktok::{canonical_status, to_remote_order};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

/// `sensitive` is what the client passes: true on the auth host (token answers).
fn decode<T: DeserializeOwned>(raw: &kho_channel::RawResponse, sensitive: bool) -> Option<T> {
    match classify::<T>(raw, sensitive).result {
        Ok(v) => Some(v),
        Err(kind) => {
            show(&kind);
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let endpoint = input.byte();
    let raw = raw_response(input);
    match endpoint % 12 {
        0 => {
            if let Some(found) = decode::<ProductSearchData>(&raw, false) {
                for p in &found.products {
                    let _ = product_status(&p.status);
                }
            }
        }
        1 => {
            if let Some(product) = decode::<ProductDetail>(&raw, false) {
                let _ = listings_from(&product, None);
                let _ = listings_from(&product, Some("7068517275539719942"));
            }
        }
        2 => {
            if let Some(found) = decode::<OrderSearchData>(&raw, false) {
                for o in &found.orders {
                    let _ = canonical_status(&o.status);
                }
            }
        }
        3 => {
            if let Some(detail) = decode::<OrderDetailData>(&raw, false) {
                for o in &detail.orders {
                    let _ = to_remote_order(o);
                }
            }
        }
        4 => {
            if let Some(reply) = decode::<WriteErrors>(&raw, false) {
                for e in &reply.errors {
                    show(&write_error_kind(e));
                }
            }
        }
        5 => {
            let _ = decode::<TokenData>(&raw, true);
        }
        6 => {
            let _ = decode::<ShopsData>(&raw, false);
        }
        7 => {
            let _ = decode::<WarehousesData>(&raw, false);
        }
        8 => {
            if let Some(page) = decode::<ReturnSearchData>(&raw, false) {
                for r in &page.returns {
                    let _ = return_brings_goods_back(r);
                }
            }
        }
        9 => {
            let _ = decode::<CancellationSearchData>(&raw, false);
        }
        10 => {
            let _ = decode::<CreateProductData>(&raw, false);
        }
        _ => {
            let _ = decode::<UploadImageData>(&raw, false);
        }
    }
});
