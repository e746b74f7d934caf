//! The soak run's final checks: what the marketplaces show against kho,
//! orders and stock counted once, rate limits kept and resources that did
//! not keep growing.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Every order id on every simulated marketplace, as `channel:id`.
pub(super) fn marketplace_orders(world: &SimWorld) -> Vec<String> {
    let mut ids: Vec<String> = world
        .shopee
        .state()
        .orders
        .iter()
        .map(|o| format!("shopee:{}", o.order_sn))
        .collect();
    ids.extend(
        world
            .tiktok
            .state()
            .orders
            .iter()
            .map(|o| format!("tiktok:{}", o.id)),
    );
    ids.extend(
        world
            .lazada
            .state()
            .orders
            .iter()
            .map(|o| format!("lazada:{}", o.order_id)),
    );
    ids.extend(
        world
            .woocommerce
            .order_ids()
            .iter()
            .map(|id| format!("woocommerce:{id}")),
    );
    ids.extend(
        world
            .tiki
            .orders()
            .iter()
            .map(|o| format!("tiki:{}", o.code)),
    );
    ids.sort();
    ids
}

/// What each marketplace shows, read through the adapters, against what
/// kho wants for every linked listing.
pub(super) async fn compare_listings(
    store: &Store,
    config: &Config,
    checks: &mut Checks,
) -> Result<(), Failure> {
    let transport = kho::channels::transport().map_err(fail)?;
    let accounts = store.accounts(None).await?;
    for acc in &config.accounts {
        let Some(row) = accounts.iter().find(|a| a.name == acc.name) else {
            continue;
        };
        let channel = kho::channels::build(acc, &transport, store).map_err(fail)?;
        let mut remote = HashMap::new();
        let mut page: Option<PageToken> = None;
        let mut readable = true;
        loop {
            let got = match channel.list_listings(page.as_ref()).await {
                Ok(got) => got,
                Err(e) => {
                    checks
                        .accounts_unreadable
                        .push(format!("{}: {e}", acc.name));
                    readable = false;
                    break;
                }
            };
            for l in got.items {
                remote.insert(
                    (
                        l.id.item_id.clone(),
                        l.id.variant_id.clone().unwrap_or_default(),
                    ),
                    l,
                );
            }
            match got.next {
                Some(next) => page = Some(next),
                None => break,
            }
        }
        if !readable {
            continue;
        }
        // What each listing must show at rest: its allocation of what is
        // available (not merely what kho wants, which could itself hide
        // units).
        let (inputs, _) = store.plan_inputs(row.id).await?;
        let allocation: std::collections::HashMap<(String, String), i64> = inputs
            .iter()
            .filter(|l| l.account_id == row.id)
            .map(|l| {
                (
                    (l.remote_item_id.clone(), l.remote_variant_id.clone()),
                    l.at_rest(),
                )
            })
            .collect();
        for want in store.desired_states(row.id).await? {
            checks.listings_compared += 1;
            let key = (want.remote_item_id.clone(), want.remote_variant_id.clone());
            let Some(have) = remote.get(&key) else {
                checks
                    .listings_differing
                    .push(format!("{} {}: not on the marketplace", acc.name, want.sku));
                continue;
            };
            let active = have.status == ListingStatus::Active;
            // An unlisted listing keeps its last values until it is relisted.
            let listed = want.active != Some(false);
            let at_rest = allocation.get(&key).copied();
            let stock_ok = !listed
                || (want.stock.is_none_or(|s| s == have.stock)
                    && at_rest.is_none_or(|s| s == have.stock));
            let price_ok = !listed || want.price_vnd.is_none_or(|p| p == have.price_vnd);
            let status_ok = want.active.is_none_or(|a| a == active);
            if !(stock_ok && price_ok && status_ok) {
                checks.listings_differing.push(format!(
                    "{} {}: kho wants stock {:?} (allocation {:?}) price {:?} active {:?}, the marketplace shows {} {} {}",
                    acc.name, want.sku, want.stock, at_rest, want.price_vnd, want.active, have.stock,
                    have.price_vnd, active
                ));
            }
        }
    }
    Ok(())
}

pub(super) async fn compare_orders(
    store: &Store,
    on_marketplaces: &[String],
    checks: &mut Checks,
) -> Result<(), Failure> {
    let mut in_kho: Vec<String> = store
        .orders(None, None, i64::MAX)
        .await?
        .into_iter()
        .map(|o| format!("{}:{}", o.channel, o.remote_order_id))
        .collect();
    in_kho.sort();
    checks.orders_on_marketplaces = on_marketplaces.len();
    checks.orders_in_kho = in_kho.len();
    let kho: std::collections::BTreeSet<&String> = in_kho.iter().collect();
    let market: std::collections::BTreeSet<&String> = on_marketplaces.iter().collect();
    checks.orders_missing = market.difference(&kho).map(|s| (*s).clone()).collect();
    checks.orders_unexpected = kho.difference(&market).map(|s| (*s).clone()).collect();
    Ok(())
}

/// Available now = available at the start + stock edits − units of every
/// order that was not cancelled: an order applied twice (or never) breaks it.
pub(super) async fn count_stock(
    store: &Store,
    opening: &BTreeMap<String, i64>,
    edits: &BTreeMap<String, i64>,
    checks: &mut Checks,
) -> Result<(), Failure> {
    let far = chrono::Duration::days(3650);
    let now = chrono::Utc::now();
    let mut sold: BTreeMap<String, i64> = BTreeMap::new();
    for l in store.sale_lines(now - far, now + far).await? {
        *sold.entry(l.sku).or_default() += l.quantity;
    }
    let current = available(store).await?;
    for (sku, start) in opening {
        let expected =
            start + edits.get(sku).copied().unwrap_or(0) - sold.get(sku).copied().unwrap_or(0);
        let have = current.get(sku).copied().unwrap_or(0);
        if have != expected {
            checks.skus_miscounted.push(format!(
                "{sku}: available {have}, expected {start} + edits {} − sold {} = {expected}",
                edits.get(sku).copied().unwrap_or(0),
                sold.get(sku).copied().unwrap_or(0)
            ));
        }
    }
    Ok(())
}

pub(super) fn rate_limits(world: &SimWorld, checks: &mut Checks) {
    let log = world.shopee.request_log();
    for (shop, c) in &log.per_shop {
        checks
            .max_calls_in_one_second
            .insert(format!("shopee:{shop}"), c.max_calls_in_one_second);
        checks.rate_limit_violations += c.rate_limit_violations;
    }
    let log = world.tiktok.request_log();
    for (shop, c) in &log.per_shop {
        checks
            .max_calls_in_one_second
            .insert(format!("tiktok:{shop}"), c.max_calls_in_one_second);
        checks.rate_limit_violations += c.rate_limit_violations;
    }
    let log = world.lazada.request_log();
    for (seller, c) in &log.per_seller {
        checks
            .max_calls_in_one_second
            .insert(format!("lazada:{seller}"), c.max_calls_in_one_second);
        checks.rate_limit_violations += c.rate_limit_violations;
    }
    let log = world.tiki.request_log();
    for (seller, (_, most)) in &log.per_seller {
        checks
            .max_calls_in_one_second
            .insert(format!("tiki:{seller}"), *most);
    }
    checks.rate_limit_violations += log.rate_limit_violations;
}

/// Growth of the second daemon between the end of its warm-up (the first
/// 40 % of its life) and its last fifth, each side averaged.
pub(super) fn growth(samples: &[Sample], checks: &mut Checks) {
    let second: Vec<&Sample> = samples.iter().filter(|s| s.daemon == 2).collect();
    if second.len() < 4 {
        return;
    }
    let (first_at, last_at) = (second[0].at_s, second[second.len() - 1].at_s);
    let life = (last_at - first_at).max(1.0);
    let window = |from: f64, to: f64| -> Vec<&Sample> {
        second
            .iter()
            .copied()
            .filter(|s| s.at_s >= first_at + from * life && s.at_s <= first_at + to * life)
            .collect()
    };
    let base = window(0.4, 0.6);
    let end = window(0.8, 1.0);
    if base.is_empty() || end.is_empty() {
        return;
    }
    let avg =
        |v: &[&Sample], f: fn(&Sample) -> f64| v.iter().map(|s| f(s)).sum::<f64>() / v.len() as f64;
    let rss0 = avg(&base, |s| s.rss_kib as f64);
    let rss1 = avg(&end, |s| s.rss_kib as f64);
    checks.rss_growth_percent = (rss1 - rss0) / rss0 * 100.0;
    checks.fd_growth = (avg(&end, |s| s.fds as f64) - avg(&base, |s| s.fds as f64)).round() as i64;
    let tasks = |v: &[&Sample]| {
        let t: Vec<f64> = v.iter().filter_map(|s| s.tasks).map(|t| t as f64).collect();
        (!t.is_empty()).then(|| t.iter().sum::<f64>() / t.len() as f64)
    };
    if let (Some(t0), Some(t1)) = (tasks(&base), tasks(&end)) {
        checks.task_growth = (t1 - t0).round() as i64;
    }
}
