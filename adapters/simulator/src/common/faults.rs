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

    pub fn decide_request(&mut self) -> FaultDecision {
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
        }
    };
}
pub(crate) use fault_settings;

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
                .map(|_| (f.decide_request(), f.decide_push()))
                .collect::<Vec<_>>()
        };
        let a = run(&cfg);
        assert_eq!(a, run(&cfg));
        assert!(a.iter().any(|(d, _)| d.drop_before));
        assert!(a.iter().any(|(d, _)| d.server_error.is_some()));
        assert!(a.iter().any(|(d, _)| *d == FaultDecision::default()));
        assert!(a.iter().any(|(_, p)| p.drop) && a.iter().any(|(_, p)| !p.drop));
        let other = Settings { seed: 43, ..cfg };
        assert_ne!(a, run(&other));
    }
}
