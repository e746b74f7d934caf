//! Configuration parsing from TOML text: the embedded defaults, the user's file and (empty) environment
//! layered and validated as `kho` does at start-up, then rendered as `kho config` shows it.
#![no_main]

use kho::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::from_toml_str(text, Default::default()) {
        Ok(config) => {
            let shown = config.to_redacted_toml();
            assert!(!shown.starts_with("# cannot render"), "{shown}");
        }
        Err(e) => {
            assert!(
                !e.problems.is_empty(),
                "a configuration error without a problem"
            );
            let _ = e.to_string();
        }
    }
});
