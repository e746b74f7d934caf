//! Lazada response parsing as the client runs it: the envelope classifier decoding each payload type the
//! client asks for, then the conversions into kho's listings, orders and per-SKU errors.
#![no_main]

use kho_fuzz::{Input, raw_response, show};
use kho_lazada::classify::{Shape, classify};
use kho_lazada::inventory::detail_kind;
use kho_lazada::listings::listings_from;
use kho_lazada::wire::{
    BatchReply, CreateProductResponse, Ignored, ImageResponse, OrderItemsList, OrdersResponse,
    Product, ProductsResponse, TokenResponse,
};
use kho_lazada::{order_status, to_remote_order};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

fn decode<T: DeserializeOwned>(raw: &kho_channel::RawResponse, shape: Shape) -> Option<T> {
    match classify::<T>(raw, shape).result {
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
    match endpoint % 9 {
        0 => {
            if let Some(list) = decode::<ProductsResponse>(&raw, Shape::Data) {
                for p in &list.products {
                    let _ = listings_from(p, None);
                    let _ = listings_from(p, Some("dropshipping"));
                }
            }
        }
        1 => {
            if let Some(p) = decode::<Product>(&raw, Shape::Data) {
                let _ = listings_from(&p, None);
            }
        }
        2 => {
            if let Some(list) = decode::<OrdersResponse>(&raw, Shape::Data) {
                for o in &list.orders {
                    let _ = order_status(&o.statuses);
                }
            }
        }
        3 => {
            if let Some(entries) = decode::<OrderItemsList>(&raw, Shape::Data) {
                for entry in &entries.into_vec() {
                    let _ = to_remote_order(entry);
                }
            }
        }
        4 => {
            if let Some(reply) = decode::<BatchReply>(&raw, Shape::Batch) {
                for d in &reply.detail {
                    show(&detail_kind(d, &reply));
                }
            }
        }
        5 => {
            let _ = decode::<TokenResponse>(&raw, Shape::TopLevel { sensitive: true });
        }
        6 => {
            let _ = decode::<CreateProductResponse>(&raw, Shape::Data);
        }
        7 => {
            let _ = decode::<ImageResponse>(&raw, Shape::Data);
        }
        _ => {
            let _ = decode::<Ignored>(&raw, Shape::Data);
        }
    }
});
