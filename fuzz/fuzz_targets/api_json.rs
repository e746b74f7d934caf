//! The Admin API's request bodies and query strings through the API's own extractors (`Json<T>`,
//! `Query<T>`: axum's parsing plus the API's error shape), then the checks that need no database: codes,
//! catalog rows built from a new product's variants, page parameters. A bad request must be answered with a
//! 4xx, never a panic or a 5xx.
#![no_main]

use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts};
use axum::response::IntoResponse;
use http::{Request, header};
use kho::catalog::Producer;
use kho::http::api::catalog::{
    NewProducer, NewProduct, ProducerPatch, ProductFilter, ProductPatch, blank_entry, check_code,
    validate_cells, variant_cells,
};
use kho::http::api::channels::{DeadLetterParams, RetryRequest};
use kho::http::api::orders::{OrderFilter, SalesParams};
use kho::http::api::reconcile::RunFilter;
use kho::http::api::stock::{StockAdjustment, StockCount};
use kho::http::api::{Json, PageParams, Query};
use kho::http::error::ApiError;
use kho_fuzz::Input;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
});

static PRODUCER: LazyLock<Producer> = LazyLock::new(|| Producer {
    id: 1,
    code: "HTX-CHI-LANG".into(),
    name: "HTX Na Chi Lăng".into(),
    district: "Chi Lăng".into(),
});

/// An API error must be the client's fault (4xx) and render as a response.
fn refused(e: ApiError) {
    let response = e.into_response();
    assert!(
        response.status().is_client_error(),
        "a bad request answered {}",
        response.status()
    );
}

fn body<T: DeserializeOwned>(content_type: Option<&[u8]>, bytes: &[u8]) -> Option<T> {
    let mut request = Request::post("/api/v1/x");
    if let Some(ct) = content_type {
        request = request.header(header::CONTENT_TYPE, ct);
    }
    let request = request.body(Body::from(bytes.to_vec())).ok()?;
    match RUNTIME.block_on(Json::<T>::from_request(request, &())) {
        Ok(Json(v)) => Some(v),
        Err(e) => {
            refused(e);
            None
        }
    }
}

fn query<T: DeserializeOwned + Send>(bytes: &[u8]) -> Option<T> {
    let text = std::str::from_utf8(bytes).ok()?;
    let request = Request::get(format!("/api/v1/x?{text}")).body(()).ok()?;
    let (mut parts, ()) = request.into_parts();
    match RUNTIME.block_on(Query::<T>::from_request_parts(&mut parts, &())) {
        Ok(Query(v)) => Some(v),
        Err(e) => {
            refused(e);
            None
        }
    }
}

fn page(limit: Option<i64>, cursor: Option<String>) {
    if let Err(e) = (PageParams { limit, cursor }).resolve() {
        refused(e);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let selector = input.byte();
    let flags = input.byte();
    let custom_type;
    let content_type: Option<&[u8]> = match flags % 4 {
        0 | 1 => Some(b"application/json"),
        2 => None,
        _ => {
            custom_type = input.line();
            Some(custom_type)
        }
    };
    let rest = input.rest();
    match selector % 12 {
        0 => {
            if let Some(p) = body::<NewProducer>(content_type, rest)
                && let Err(e) = check_code("code", p.code.trim())
            {
                refused(e);
            }
        }
        1 => {
            let _ = body::<ProducerPatch>(content_type, rest);
        }
        2 => {
            if let Some(p) = body::<NewProduct>(content_type, rest) {
                let mut base = blank_entry(&PRODUCER);
                base.product_code = p.code.clone();
                base.product_name = p.name.clone();
                base.category = p.category.clone();
                base.description = p.description.clone();
                base.ocop_stars = p.ocop_stars;
                base.ocop_cert_no = p.ocop_cert_no.clone();
                base.ocop_cert_expires = p.ocop_cert_expires;
                let rows = p.variants.iter().map(|v| variant_cells(&base, v)).collect();
                if let Err(e) = validate_cells(rows, Some(0)) {
                    refused(e);
                }
            }
        }
        3 => {
            let _ = body::<ProductPatch>(content_type, rest);
        }
        4 => {
            let _ = body::<RetryRequest>(content_type, rest);
        }
        5 => {
            let _ = body::<StockCount>(content_type, rest);
        }
        6 => {
            let _ = body::<StockAdjustment>(content_type, rest);
        }
        7 => {
            if let Some(q) = query::<ProductFilter>(rest) {
                page(q.limit, q.cursor);
            }
        }
        8 => {
            if let Some(q) = query::<OrderFilter>(rest) {
                page(q.limit, q.cursor);
            }
        }
        9 => {
            let _ = query::<SalesParams>(rest);
        }
        10 => {
            if let Some(q) = query::<RunFilter>(rest) {
                page(q.limit, q.cursor);
            }
        }
        _ => {
            if let Some(q) = query::<DeadLetterParams>(rest) {
                page(q.limit, q.cursor);
            }
        }
    }
});
