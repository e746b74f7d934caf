//! Lazada push verification and parsing through the adapter's `Channel` impl.
#![no_main]

use std::sync::LazyLock;

use kho_fuzz::{LAZADA_APP_KEY, LAZADA_APP_SECRET, drive_webhook, lazada_channel};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;

static CHANNEL: LazyLock<kho_lazada::LazadaChannel> = LazyLock::new(lazada_channel);

fuzz_target!(|data: &[u8]| {
    let secret = SecretString::from(LAZADA_APP_SECRET);
    drive_webhook(
        &*CHANNEL,
        "https://kho.example/webhooks/lazada",
        LAZADA_APP_SECRET,
        data,
        |body| kho_lazada::push_authorization(&secret, LAZADA_APP_KEY, body),
    );
});
