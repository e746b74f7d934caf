//! The benchmarks measure what they say: a run whose work did not happen
//! fails instead of printing a figure (`kho bench sync` once printed
//! "0 pushes/s" when its tokens could not be opened).

use serde_json::Value;

use crate::support::{TestDb, ok};

#[test]
fn sync_bench_pushes_every_listing_in_process_and_through_the_daemon() {
    let db = TestDb::sqlite();
    for extra in [&[][..], &["--serve"][..]] {
        let mut args = vec![
            "--json",
            "bench",
            "sync",
            "--skus",
            "100",
            "--accounts",
            "2",
        ];
        args.extend_from_slice(extra);
        let out = ok(&db.kho(&args));
        let v: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["jobs_queued"], 200, "{extra:?}: {v}");
        assert_eq!(v["pushed"], 200, "{extra:?}: {v}");
        // Two items of 50 models per shop: a call an item at least (a claim
        // boundary may split an item).
        let calls = v["update_stock_calls"].as_u64().unwrap_or_default();
        assert!((4..=20).contains(&calls), "{extra:?}: {v}");
        if !extra.is_empty() {
            assert!(
                v["serve_peak_rss_mib"].as_f64().is_some_and(|m| m > 0.0),
                "{v}"
            );
        }
    }
}

/// One driver serves every channel: Tiki and WooCommerce push every listing
/// too, in process and through a child `kho serve`, and count their own
/// write calls.
#[test]
fn sync_bench_pushes_every_listing_on_tiki_and_woocommerce() {
    for (channel, key) in [
        ("tiki", "update_skus_calls"),
        ("woocommerce", "batch_calls"),
    ] {
        for extra in [&[][..], &["--serve"][..]] {
            let db = TestDb::sqlite();
            let mut args = vec![
                "--json",
                "bench",
                "sync",
                "--channel",
                channel,
                "--skus",
                "60",
                "--accounts",
                "2",
            ];
            args.extend_from_slice(extra);
            let out = ok(&db.kho(&args));
            let v: Value = serde_json::from_str(&out).expect("json");
            assert_eq!(v["channel"], channel, "{v}");
            assert_eq!(v["jobs_queued"], 120, "{channel} {extra:?}: {v}");
            assert_eq!(v["pushed"], 120, "{channel} {extra:?}: {v}");
            let calls = v[key].as_u64().unwrap_or_default();
            assert!(calls >= 2, "{channel} {extra:?}: {v}");
            assert_eq!(v["write_calls"], v[key], "{v}");
            assert_eq!(v["rate_limit_rejections"], 0, "{v}");
        }
    }
}
