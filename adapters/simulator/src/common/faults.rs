//! Seeded fault injection. One RNG, seeded from the settings, is drawn a
//! fixed number of times per request (and per push), so the sequence of
//! faults depends only on the seed and the order of calls: a failing test can
//! be replayed exactly. Each simulator has its own instance and settings
//! type, so one marketplace's traffic never moves another's sequence.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The probabilities a simulator's fault settings carry, whatever the
/// marketplace calls them.
pub(crate) trait FaultSettings: Clone {
    fn seed(&self) -> u64;
    fn drop_connection(&self) -> f64;
    fn server_error(&self) -> f64;
    fn server_error_statuses(&self) -> &[u16];
    fn slow(&self) -> f64;
    fn slow_delay_ms(&self) -> u64;
    fn drop_after_apply(&self) -> f64;
    /// Probability that a push (webhook) is silently not sent.
    fn push_drop(&self) -> f64;
    /// Probability that a push (webhook) is sent twice.
    fn push_duplicate(&self) -> f64;
    /// Whether faults leave calls to this path alone.
    fn spares(&self, path: &str) -> bool;
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FaultDecision {
    /// Close the socket without answering, and do not apply the call.
    pub drop_before: bool,
    /// Answer with this status, and do not apply the call.
    pub server_error: Option<u16>,
    /// Wait this long before answering.
    pub delay: Option<Duration>,
    /// Apply the call, then close the socket without answering.
    pub drop_after: bool,
}

/// What to do to one push (webhook).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PushFault {
    pub drop: bool,
    pub duplicate: bool,
}

#[derive(Debug)]
pub(crate) struct Faults<C> {
    config: C,
    rng: StdRng,
}

impl<C: FaultSettings> Faults<C> {
    pub fn new(config: C) -> Self {
        let rng = StdRng::seed_from_u64(config.seed());
        Self { config, rng }
    }

    pub fn config(&self) -> &C {
        &self.config
    }

    /// Replaces the settings and re-seeds the RNG.
    pub fn reconfigure(&mut self, config: C) {
        *self = Self::new(config);
    }

    pub fn decide_request(&mut self, path: &str) -> FaultDecision {
        if self.config.spares(path) {
            return FaultDecision::default();
        }
        // Always draw all five numbers so one probability's value never shifts the others' sequence.
        let draws: [f64; 5] = [
            self.rng.random(),
            self.rng.random(),
            self.rng.random(),
            self.rng.random(),
            self.rng.random(),
        ];
        let c = &self.config;
        let mut d = FaultDecision::default();
        if draws[0] < c.drop_connection() {
            d.drop_before = true;
            return d;
        }
        if draws[1] < c.server_error() {
            let statuses = c.server_error_statuses();
            let pick = (draws[2] * statuses.len() as f64) as usize;
            d.server_error = Some(statuses.get(pick).copied().unwrap_or(500));
            return d;
        }
        if draws[3] < c.slow() {
            d.delay = Some(Duration::from_millis(c.slow_delay_ms()));
        }
        if draws[4] < c.drop_after_apply() {
            d.drop_after = true;
        }
        d
    }

    pub fn decide_push(&mut self) -> PushFault {
        let a: f64 = self.rng.random();
        let b: f64 = self.rng.random();
        PushFault {
            drop: a < self.config.push_drop(),
            duplicate: b < self.config.push_duplicate(),
        }
    }
}

/// Implements [`FaultSettings`] for a settings struct with the usual field
/// names; `$drop`/`$dup` name its push fields.
macro_rules! fault_settings {
    ($ty:ty, $drop:ident, $dup:ident) => {
        impl $crate::common::faults::FaultSettings for $ty {
            fn seed(&self) -> u64 {
                self.seed
            }
            fn drop_connection(&self) -> f64 {
                self.drop_connection
            }
            fn server_error(&self) -> f64 {
                self.server_error
            }
            fn server_error_statuses(&self) -> &[u16] {
                &self.server_error_statuses
            }
            fn slow(&self) -> f64 {
                self.slow
            }
            fn slow_delay_ms(&self) -> u64 {
                self.slow_delay_ms
            }
            fn drop_after_apply(&self) -> f64 {
                self.drop_after_apply
            }
            fn push_drop(&self) -> f64 {
                self.$drop
            }
            fn push_duplicate(&self) -> f64 {
                self.$dup
            }
            fn spares(&self, path: &str) -> bool {
                self.spared_paths.iter().any(|p| path.ends_with(p.as_str()))
            }
        }
    };
}
pub(crate) use fault_settings;

/// The fault settings of the Shopee, Lazada and WooCommerce simulators (TikTok names its push fields after
/// webhooks; Tiki spares its token endpoint by default). Decisions come from one RNG seeded with `seed`, drawn in
/// request order, so a sequential test sees the same faults on every run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    pub seed: u64,
    /// Probability of answering with a 5xx before doing anything.
    pub server_error: f64,
    /// Statuses picked (uniformly) for an injected 5xx. 500 carries the marketplace's own server-error envelope;
    /// others a plain body.
    pub server_error_statuses: Vec<u16>,
    /// Probability of answering slowly (the call is still applied).
    pub slow: f64,
    /// Delay of a slow answer, in milliseconds.
    pub slow_delay_ms: u64,
    /// Probability of closing the socket without an answer, before applying the call.
    pub drop_connection: f64,
    /// Probability of applying the call and then closing the socket without an answer (a lost response).
    pub drop_after_apply: f64,
    /// Probability that a push (webhook delivery) is silently not sent.
    pub push_drop: f64,
    /// Probability that a push is sent twice.
    pub push_duplicate: f64,
    /// Paths no fault touches (matched at the end of the request path), e.g. the token endpoint: a lost
    /// answer to a refresh that rotated the single-use refresh token costs the shop its authorisation, which no
    /// client can prevent.
    pub spared_paths: Vec<String>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            server_error: 0.0,
            server_error_statuses: vec![500, 502, 503],
            slow: 0.0,
            slow_delay_ms: 2000,
            drop_connection: 0.0,
            drop_after_apply: 0.0,
            push_drop: 0.0,
            push_duplicate: 0.0,
            spared_paths: Vec::new(),
        }
    }
}

fault_settings!(FaultConfig, push_drop, push_duplicate);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Default)]
    struct Settings {
        seed: u64,
        server_error: f64,
        server_error_statuses: Vec<u16>,
        slow: f64,
        slow_delay_ms: u64,
        drop_connection: f64,
        drop_after_apply: f64,
        push_drop: f64,
        push_duplicate: f64,
        spared_paths: Vec<String>,
    }
    fault_settings!(Settings, push_drop, push_duplicate);

    #[test]
    fn same_seed_same_faults() {
        let cfg = Settings {
            seed: 42,
            server_error: 0.3,
            server_error_statuses: vec![500, 503],
            drop_connection: 0.2,
            slow: 0.2,
            push_drop: 0.5,
            ..Default::default()
        };
        let run = |cfg: &Settings| {
            let mut f = Faults::new(cfg.clone());
            (0..200)
                .map(|_| (f.decide_request("/api"), f.decide_push()))
                .collect::<Vec<_>>()
        };
        let a = run(&cfg);
        assert_eq!(a, run(&cfg));
        assert!(a.iter().any(|(d, _)| d.drop_before));
        assert!(a.iter().any(|(d, _)| d.server_error.is_some()));
        assert!(a.iter().any(|(d, _)| *d == FaultDecision::default()));
        assert!(a.iter().any(|(_, p)| p.drop) && a.iter().any(|(_, p)| !p.drop));
        let other = Settings {
            seed: 43,
            ..cfg.clone()
        };
        assert_ne!(a, run(&other));
        let spared = Settings {
            server_error: 1.0,
            spared_paths: vec!["/token/refresh".into()],
            ..cfg
        };
        let mut f = Faults::new(spared);
        assert_eq!(
            f.decide_request("/api/v2/token/refresh"),
            FaultDecision::default()
        );
        assert!(f.decide_request("/api/v2/orders").server_error.is_some());
    }
}
