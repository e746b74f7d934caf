//! The import path of `kho import` and `POST /catalog/import`: reading,
//! validation and the diff against a stored catalog in which another
//! producer's SKU holds units for open orders. Any input must end in at most
//! `MAX_PROBLEMS` problems (a flood of bad lines once answered 362 MB), and
//! no problem may carry the other producer's stock unless the row itself
//! wrote that text.
#![no_main]

use std::collections::HashMap;

use kho::catalog::plan::{Snapshot, StoredVariant, diff};
use kho::catalog::{MAX_PROBLEMS, Producer, Product, Variant, file};
use libfuzzer_sys::fuzz_target;

/// The other producer's on hand and reserved units: more digits than any
/// valid stock, price or weight, so only a leak (or the row's own text)
/// can put them in a message.
const ON_HAND: i64 = 91_234_567_890;
const RESERVED: i64 = 81_234_567_890;

fn snapshot() -> Snapshot {
    let mut s = Snapshot::default();
    for (id, code) in [(1, "htx-chi-lang"), (2, "htx-bao-lam")] {
        s.producers.insert(
            code.to_owned(),
            Producer {
                id,
                code: code.to_owned(),
                name: code.to_owned(),
                district: String::new(),
            },
        );
    }
    for (id, producer_id, code) in [(10, 1, "NA"), (20, 2, "HONG")] {
        s.products.insert(
            code.to_owned(),
            Product {
                id,
                producer_id,
                code: code.to_owned(),
                name: code.to_owned(),
                category: String::new(),
                description: String::new(),
                ocop_stars: None,
                ocop_cert_no: None,
                ocop_cert_expires: None,
                active: true,
            },
        );
    }
    // htx-chi-lang's own SKU, then htx-bao-lam's.
    for (id, product_id, product, sku, on_hand, reserved) in [
        (100, 10, "NA", "NA-1KG", 5, 3),
        (200, 20, "HONG", "HONG-3KG", ON_HAND, RESERVED),
    ] {
        s.variants.insert(
            sku.to_owned(),
            StoredVariant {
                variant: Variant {
                    id,
                    product_id,
                    sku: sku.to_owned(),
                    name: sku.to_owned(),
                    price_vnd: 1000,
                    weight_g: 100,
                    image_urls: String::new(),
                    active: true,
                },
                product_code: product.to_owned(),
                location_id: id,
                on_hand,
                reserved,
            },
        );
    }
    s
}

fuzz_target!(|data: &[u8]| {
    let rows = match file::read_rows(data) {
        Ok(rows) => rows,
        Err(problems) => {
            assert!(!problems.is_empty(), "reading failed without saying why");
            assert!(
                problems.len() <= MAX_PROBLEMS,
                "{} problems listed",
                problems.len()
            );
            return;
        }
    };
    let by_line: HashMap<usize, String> = rows.iter().map(|r| (r.line, format!("{r:?}"))).collect();
    if let Err(problems) = diff(&snapshot(), &rows) {
        assert!(!problems.is_empty(), "the diff failed without saying why");
        assert!(
            problems.len() <= MAX_PROBLEMS,
            "{} problems listed",
            problems.len()
        );
        for p in problems.iter() {
            let row = by_line.get(&p.line).map(String::as_str).unwrap_or_default();
            let own = rows
                .iter()
                .find(|r| r.line == p.line)
                .map(|r| r.producer_code.as_str());
            for secret in [ON_HAND.to_string(), RESERVED.to_string()] {
                if own == Some("htx-chi-lang") && p.message.contains(&secret) {
                    assert!(
                        row.contains(&secret),
                        "line {}: {p} gives away {secret}",
                        p.line
                    );
                }
            }
        }
    }
});
