//! Shopee response parsing as the client runs it: the envelope classifier decoding each payload type the
//! client asks for, then the conversions into kho's listings, orders and per-item errors.
#![no_main]

use std::sync::LazyLock;

use kho_fuzz::{Input, raw_response, show};
use kho_shopee::classify::{Shape, classify};
use kho_shopee::wire::{
    AddItemResponse, BatchReply, Ignored, ItemBaseInfo, ItemBaseInfoResponse, ItemListResponse,
    ModelListResponse, OrderDetailResponse, OrderListResponse, TokenResponse, UploadImageResponse,
};
use kho_shopee::{listings::listings_from, to_remote_order};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

/// The item a model list belongs to (`get_model_list` is only called for items with models).
static ITEM_WITH_MODELS: LazyLock<ItemBaseInfo> = LazyLock::new(|| {
    serde_json::from_value(serde_json::json!({
        "item_id": 800123, "item_status": "NORMAL", "item_name": "Mật ong", "item_sku": "",
        "has_model": true
    }))
    .expect("fixed item")
});

fn decode<T: DeserializeOwned>(raw: &kho_channel::RawResponse, shape: Shape) -> Option<T> {
    let classified = classify::<T>(raw, shape);
    match classified.result {
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
    match endpoint % 10 {
        0 => {
            let _ = decode::<ItemListResponse>(&raw, Shape::Wrapped);
        }
        1 => {
            if let Some(base) = decode::<ItemBaseInfoResponse>(&raw, Shape::Wrapped) {
                for item in &base.item_list {
                    let _ = listings_from(item, None);
                }
            }
        }
        2 => {
            if let Some(models) = decode::<ModelListResponse>(&raw, Shape::Wrapped) {
                let _ = listings_from(&ITEM_WITH_MODELS, Some(&models));
            }
        }
        3 => {
            let _ = decode::<OrderListResponse>(&raw, Shape::Wrapped);
        }
        4 => {
            if let Some(detail) = decode::<OrderDetailResponse>(&raw, Shape::Wrapped) {
                for order in &detail.order_list {
                    let _ = to_remote_order(order);
                }
            }
        }
        5 => {
            if let Some(reply) = decode::<BatchReply>(&raw, Shape::Batch) {
                for failure in &reply.failure_list {
                    show(&kho_shopee::inventory::failure_kind(&failure.failed_reason));
                }
            }
        }
        6 => {
            let _ = decode::<TokenResponse>(&raw, Shape::TopLevel { sensitive: true });
        }
        7 => {
            let _ = decode::<UploadImageResponse>(&raw, Shape::Wrapped);
        }
        8 => {
            let _ = decode::<AddItemResponse>(&raw, Shape::Wrapped);
        }
        _ => {
            let _ = decode::<Ignored>(&raw, Shape::Wrapped);
        }
    }
});
