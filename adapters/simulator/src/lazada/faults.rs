//! Seeded fault injection (a copy of the Shopee simulator's generic logic, kept separate so neither module's
//! changes move the other's fault sequence). One RNG, seeded from the config, is drawn a fixed number of times per
//! request (and per push), so the sequence of faults depends only on the seed and the order of calls.

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

/// What to do to one push.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushFault {
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

    pub fn decide_push(&mut self) -> PushFault {
        let a: f64 = self.rng.random();
        let b: f64 = self.rng.random();
        PushFault {
            drop: a < self.config.push_drop,
            duplicate: b < self.config.push_duplicate,
        }
    }
}
