//! `kho sim`: one marketplace simulator standalone, optionally seeded with a
//! listing per catalog SKU, printing what an account needs to reach it.

use kho::catalog::CatalogEntry;
use kho::cli::{Failure, Output, SimArgs, SimCommand, exit};
use serde_json::json;

pub async fn sim(cmd: SimCommand, out: &Output) -> Result<u8, Failure> {
    match cmd {
        SimCommand::Shopee(args) => run_shopee(&args, out).await,
        SimCommand::Tiktok(args) => run_tiktok(&args, out).await,
        SimCommand::Lazada(args) => run_lazada(&args, out).await,
        SimCommand::Woocommerce(args) => run_woocommerce(&args, out).await,
        SimCommand::Tiki(args) => run_tiki(&args, out).await,
    }
}

/// The simulator's settings from `--settings`, or its defaults.
fn sim_settings<T: serde::de::DeserializeOwned + Default>(args: &SimArgs) -> Result<T, Failure> {
    match &args.settings {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
            serde_json::from_str(&text)
                .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
        }
        None => Ok(T::default()),
    }
}

/// The `--seed-catalog` entries, only `--producer`'s when given (none
/// without a catalog).
fn sim_seed_entries(args: &SimArgs) -> Result<Vec<CatalogEntry>, Failure> {
    let Some(path) = &args.seed_catalog else {
        return Ok(Vec::new());
    };
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let entries = kho::catalog::read_entries(&bytes).map_err(|errors| Failure {
        code: exit::USAGE,
        message: format!("{}: {}", path.display(), errors.count_text()),
        problems: errors.iter().map(ToString::to_string).collect(),
        causes: Vec::new(),
    })?;
    Ok(entries
        .into_iter()
        .filter(|e| args.producer.as_ref().is_none_or(|p| &e.producer_code == p))
        .collect())
}

/// Binds `--listen` (or the channel's default port); returns the listener and
/// the base URL it is reachable at (the real port when 0 was asked for).
async fn sim_listener(
    args: &SimArgs,
    default_port: u16,
) -> Result<(tokio::net::TcpListener, String), Failure> {
    let addr = args
        .listen
        .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], default_port)));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::runtime(format!("cannot listen on {addr}: {e}")))?;
    let bound = listener.local_addr().unwrap_or(addr);
    Ok((listener, format!("http://{bound}")))
}

async fn sim_stopped() {
    let _ = tokio::signal::ctrl_c().await;
}

async fn run_shopee(args: &SimArgs, out: &Output) -> Result<u8, Failure> {
    use kho_simulator::shopee::{SimConfig, SimControl};
    let config: SimConfig = sim_settings(args)?;
    let control = SimControl::new(config).map_err(|e| Failure::usage(e.to_string()))?;
    let shop = control
        .state()
        .shops
        .first()
        .map(|s| s.shop_id)
        .ok_or_else(|| Failure::usage("the simulator settings have no shop"))?;
    let mut seeded = 0;
    for item in crate::sim::shopee_items(&sim_seed_entries(args)?) {
        control
            .seed_item(shop, item)
            .map_err(|e| Failure::usage(e.to_string()))?;
        seeded += 1;
    }
    let (listener, base) = sim_listener(args, 9100).await?;
    let tokens = control
        .tokens(shop)
        .map_err(|e| Failure::runtime(e.to_string()))?;
    out.doc(
        &json!({ "channel": "shopee", "base_url": base, "partner_id": control.partner_id(),
                 "shop_id": shop, "items_seeded": seeded, "access_token": tokens.access_token,
                 "refresh_token": tokens.refresh_token }),
        || {
            format!(
                "Shopee simulator on {base} (partner_id {}, shop_id {shop}, {seeded} item(s) seeded)\n\
                 tokens: access {} refresh {}\ncontrol API: {base}/_sim/state · Ctrl-C stops it",
                control.partner_id(),
                tokens.access_token,
                tokens.refresh_token
            )
        },
    );
    control.serve(listener, sim_stopped()).await;
    Ok(exit::OK)
}

/// `kho sim tiktok`: one listener is the Open API host, the auth host and
/// the consent host, so `base_url`, `auth_url` and `consent_url` are the
/// same URL. The app secret is
/// not printed (it is the simulator's, or the one in `--settings`).
async fn run_tiktok(args: &SimArgs, out: &Output) -> Result<u8, Failure> {
    use kho_simulator::tiktok::{SimConfig, SimControl};
    let config: SimConfig = sim_settings(args)?;
    let control = SimControl::new(config).map_err(|e| Failure::usage(e.to_string()))?;
    let shop = control
        .state()
        .shops
        .into_iter()
        .next()
        .ok_or_else(|| Failure::usage("the simulator settings have no shop"))?;
    let warehouse = shop.warehouses.first().map(|w| w.id.clone());
    let mut seeded = 0;
    for product in crate::sim::tiktok_products(&sim_seed_entries(args)?) {
        control
            .seed_product(&shop.shop_id, product)
            .map_err(|e| Failure::usage(e.to_string()))?;
        seeded += 1;
    }
    let (listener, base) = sim_listener(args, 9101).await?;
    let tokens = control
        .tokens(&shop.shop_id)
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let app_key = control.app_key();
    let service_id = control.service_id();
    out.doc(
        &json!({ "channel": "tiktok", "base_url": base, "auth_url": base, "consent_url": base,
                 "app_key": app_key, "service_id": service_id,
                 "shop_id": shop.shop_id, "shop_cipher": shop.cipher, "warehouse_id": warehouse,
                 "products_seeded": seeded, "access_token": tokens.access_token,
                 "refresh_token": tokens.refresh_token }),
        || {
            format!(
                "TikTok Shop simulator on {base} (API, auth and consent host; app_key {app_key}, \
                 service_id {service_id}, shop_id {}, \
                 shop_cipher {}, warehouse {}, {seeded} product(s) seeded)\n\
                 tokens: access {} refresh {}\ncontrol API: {base}/_sim/state · Ctrl-C stops it",
                shop.shop_id,
                shop.cipher,
                warehouse.as_deref().unwrap_or("-"),
                tokens.access_token,
                tokens.refresh_token
            )
        },
    );
    control.serve(listener, sim_stopped()).await;
    Ok(exit::OK)
}

/// `kho sim lazada`: the API gateway and the auth host are both
/// `http://ADDR/rest` (signed paths are what follows `/rest`).
async fn run_lazada(args: &SimArgs, out: &Output) -> Result<u8, Failure> {
    use kho_simulator::lazada::{SimConfig, SimControl};
    let config: SimConfig = sim_settings(args)?;
    let control = SimControl::new(config).map_err(|e| Failure::usage(e.to_string()))?;
    let seller = control
        .state()
        .sellers
        .first()
        .map(|s| s.seller_id)
        .ok_or_else(|| Failure::usage("the simulator settings have no seller"))?;
    let mut seeded = 0;
    for product in crate::sim::lazada_products(&sim_seed_entries(args)?) {
        control
            .seed_product(seller, product)
            .map_err(|e| Failure::usage(e.to_string()))?;
        seeded += 1;
    }
    let (listener, root) = sim_listener(args, 9102).await?;
    let base = format!("{root}/rest");
    let tokens = control
        .tokens(seller)
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let app_key = control.app_key();
    out.doc(
        &json!({ "channel": "lazada", "base_url": base, "auth_url": base, "app_key": app_key,
                 "seller_id": seller, "products_seeded": seeded,
                 "access_token": tokens.access_token, "refresh_token": tokens.refresh_token }),
        || {
            format!(
                "Lazada simulator on {base} (API and auth host; app_key {app_key}, seller_id {seller}, \
                 {seeded} product(s) seeded)\n\
                 tokens: access {} refresh {}\ncontrol API: {root}/_sim/state · Ctrl-C stops it",
                tokens.access_token, tokens.refresh_token
            )
        },
    );
    control.serve(listener, sim_stopped()).await;
    Ok(exit::OK)
}

/// `kho sim woocommerce`: one site over plain http, so kho signs with OAuth
/// 1.0a as it must there. The consumer secret and webhook secret are printed:
/// an account needs them, and they are the simulator's own.
async fn run_woocommerce(args: &SimArgs, out: &Output) -> Result<u8, Failure> {
    use kho_simulator::woocommerce::{SimConfig, SimControl};
    let config: SimConfig = sim_settings(args)?;
    let control = SimControl::new(config);
    let mut seeded = 0;
    for product in crate::sim::woocommerce_products(&sim_seed_entries(args)?) {
        control
            .seed_product(&product)
            .map_err(|e| Failure::usage(e.to_string()))?;
        seeded += 1;
    }
    let (listener, base) = sim_listener(args, 9104).await?;
    let cfg = control.config();
    out.doc(
        &json!({ "channel": "woocommerce", "base_url": base, "consumer_key": cfg.consumer_key,
                 "consumer_secret": cfg.consumer_secret, "webhook_secret": cfg.webhook_secret,
                 "rate_limit_per_second": cfg.rate_limit_per_second, "products_seeded": seeded }),
        || {
            format!(
                "WooCommerce simulator on {base} (site root; {seeded} product(s) seeded, {} calls/s)\n\
                 credentials: consumer_key {} consumer_secret {} webhook_secret {}\n\
                 control API: {base}/_sim/state · Ctrl-C stops it",
                cfg.rate_limit_per_second
                    .map_or_else(|| "unlimited".to_owned(), |n| n.to_string()),
                cfg.consumer_key,
                cfg.consumer_secret,
                cfg.webhook_secret
            )
        },
    );
    control.serve(listener, sim_stopped()).await;
    Ok(exit::OK)
}

/// `kho sim tiki`: the integration API and the OAuth endpoints share one
/// host, as on Tiki (so an account needs no `auth_url`).
async fn run_tiki(args: &SimArgs, out: &Output) -> Result<u8, Failure> {
    use kho_simulator::tiki::{SimConfig, SimControl};
    let config: SimConfig = sim_settings(args)?;
    let control = SimControl::new(config);
    let seller = control
        .seller_ids()
        .first()
        .copied()
        .ok_or_else(|| Failure::usage("the simulator settings have no seller"))?;
    let mut seeded = 0;
    for product in crate::sim::tiki_products(&sim_seed_entries(args)?) {
        control.seed_product(seller, product);
        seeded += 1;
    }
    let (listener, base) = sim_listener(args, 9103).await?;
    let tokens = control
        .tokens(seller)
        .ok_or_else(|| Failure::runtime("the simulator lost its seller"))?;
    let client_id = control.client_id();
    out.doc(
        &json!({ "channel": "tiki", "base_url": base, "client_id": client_id,
                 "client_secret": control.client_secret(), "seller_id": seller,
                 "products_seeded": seeded, "access_token": tokens.access_token,
                 "refresh_token": tokens.refresh_token }),
        || {
            format!(
                "Tiki simulator on {base} (API and OAuth host; client_id {client_id}, seller {seller}, \
                 {seeded} product(s) seeded)\n\
                 tokens: access {} refresh {}\ncontrol API: {base}/_sim/state · Ctrl-C stops it",
                tokens.access_token, tokens.refresh_token
            )
        },
    );
    control.serve(listener, sim_stopped()).await;
    Ok(exit::OK)
}
