//! Seeded fault injection. One RNG, seeded from the config, is drawn a fixed number of times per request (and per
//! webhook), so the sequence of faults depends only on the seed and the order of calls: a failing test can be
//! replayed exactly.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::config::FaultConfig;

/// What to do to one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultDecision {
    /// Close the socket without answering, and do not apply the call.
    pub drop_before: bool,
    /// Answer with this 5xx status, and do not apply the call.
    pub server_error: Option<u16>,
    /// Wait this long before answering.
    pub delay: Option<Duration>,
    /// Apply the call, then close the socket without answering.
    pub drop_after: bool,
}

/// What to do to one webhook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookFault {
    pub drop: bool,
    pub duplicate: bool,
}

#[derive(Debug)]
pub struct Faults {
    config: FaultConfig,
    rng: StdRng,
}

impl Faults {
    pub fn new(config: FaultConfig) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        Self { config, rng }
    }

    pub fn config(&self) -> &FaultConfig {
        &self.config
    }

    /// Replaces the settings and re-seeds the RNG.
    pub fn reconfigure(&mut self, config: FaultConfig) {
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
        if draws[0] < c.drop_connection {
            d.drop_before = true;
            return d;
        }
        if draws[1] < c.server_error {
            let statuses = &c.server_error_statuses;
            let pick = (draws[2] * statuses.len() as f64) as usize;
            d.server_error = Some(statuses.get(pick).copied().unwrap_or(500));
            return d;
        }
        if draws[3] < c.slow {
            d.delay = Some(Duration::from_millis(c.slow_delay_ms));
        }
        if draws[4] < c.drop_after_apply {
            d.drop_after = true;
        }
        d
    }

    pub fn decide_webhook(&mut self) -> WebhookFault {
        let a: f64 = self.rng.random();
        let b: f64 = self.rng.random();
        WebhookFault {
            drop: a < self.config.webhook_drop,
            duplicate: b < self.config.webhook_duplicate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_faults() {
        let cfg = FaultConfig {
            seed: 42,
            server_error: 0.3,
            drop_connection: 0.2,
            slow: 0.2,
            ..Default::default()
        };
        let run = |cfg: &FaultConfig| {
            let mut f = Faults::new(cfg.clone());
            (0..200).map(|_| f.decide_request()).collect::<Vec<_>>()
        };
        let a = run(&cfg);
        assert_eq!(a, run(&cfg));
        assert!(a.iter().any(|d| d.drop_before));
        assert!(a.iter().any(|d| d.server_error.is_some()));
        assert!(a.iter().any(|d| *d == FaultDecision::default()));
        let other = FaultConfig { seed: 43, ..cfg };
        assert_ne!(a, run(&other));
    }
}
