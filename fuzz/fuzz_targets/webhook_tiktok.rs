//! TikTok Shop webhook verification, parsing and delivery id through the adapter's `Channel` impl.
#![no_main]

use std::sync::LazyLock;

use kho_fuzz::{TIKTOK_APP_KEY, TIKTOK_APP_SECRET, drive_webhook, tiktok_channel};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;

static CHANNEL: LazyLock<kho_tiktok::TikTokChannel> = LazyLock::new(tiktok_channel);

fuzz_target!(|data: &[u8]| {
    let secret = SecretString::from(TIKTOK_APP_SECRET);
    drive_webhook(
        &*CHANNEL,
        "https://kho.example/webhooks/tiktok",
        TIKTOK_APP_SECRET,
        data,
        |body| kho_tiktok::webhook_authorization(&secret, TIKTOK_APP_KEY, body),
    );
});
