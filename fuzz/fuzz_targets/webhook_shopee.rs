//! Shopee push verification and parsing through the adapter's `Channel` impl.
#![no_main]

use std::sync::LazyLock;

use kho_fuzz::{SHOPEE_CALLBACK_URL, SHOPEE_PARTNER_KEY, drive_webhook, shopee_channel};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;

static CHANNEL: LazyLock<kho_shopee::ShopeeChannel> = LazyLock::new(shopee_channel);

fuzz_target!(|data: &[u8]| {
    let key = SecretString::from(SHOPEE_PARTNER_KEY);
    drive_webhook(
        &*CHANNEL,
        SHOPEE_CALLBACK_URL,
        SHOPEE_PARTNER_KEY,
        data,
        |body| kho_shopee::push_authorization(&key, SHOPEE_CALLBACK_URL, body),
    );
});
