//! How much of a SKU's available stock an account advertises.

use crate::config::Allocation;

/// The stock an account should show for `available` units (on hand minus
/// reserved). Never more than `available`, never negative.
pub fn desired_stock(available: i64, rule: &Allocation) -> i64 {
    let available = available.max(0);
    match *rule {
        Allocation::Shared {
            buffer,
            percent,
            maximum,
            threshold,
        } => {
            let base = (available - buffer.max(0)).max(0);
            let mut shown = base.saturating_mul(i64::from(percent.min(100))) / 100;
            if let Some(max) = maximum {
                shown = shown.min(max.max(0));
            }
            if shown < threshold { 0 } else { shown }
        }
        Allocation::Partition { share, buffer } => {
            // Each account rounds its share down, so the shares of accounts
            // whose percentages add up to at most 100 never exceed the pool.
            let base = (available - buffer.max(0)).max(0);
            base.saturating_mul(i64::from(share.min(100))) / 100
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shared(buffer: i64, percent: u32, maximum: Option<i64>, threshold: i64) -> Allocation {
        Allocation::Shared {
            buffer,
            percent,
            maximum,
            threshold,
        }
    }

    #[test]
    fn shared_rules() {
        assert_eq!(desired_stock(10, &shared(0, 100, None, 0)), 10);
        assert_eq!(desired_stock(10, &shared(3, 100, None, 0)), 7);
        assert_eq!(desired_stock(10, &shared(0, 50, None, 0)), 5);
        assert_eq!(desired_stock(10, &shared(0, 100, Some(4), 0)), 4);
        assert_eq!(desired_stock(3, &shared(0, 100, None, 5)), 0);
        assert_eq!(desired_stock(-4, &shared(0, 100, None, 0)), 0);
    }

    #[test]
    fn partition_rounds_down() {
        let p = |share| Allocation::Partition { share, buffer: 0 };
        assert_eq!(desired_stock(10, &p(33)), 3);
        assert_eq!(desired_stock(10, &p(34)), 3);
        assert_eq!(desired_stock(10, &p(33)) * 2 + desired_stock(10, &p(34)), 9);
    }

    proptest! {
        #[test]
        fn never_above_available(available in -50i64..10_000, buffer in 0i64..50, percent in 0u32..=100,
                                 maximum in proptest::option::of(0i64..500), threshold in 0i64..20) {
            let s = desired_stock(available, &shared(buffer, percent, maximum, threshold));
            prop_assert!(s >= 0);
            prop_assert!(s <= available.max(0));
        }

        #[test]
        fn partition_shares_never_oversell(available in 0i64..10_000, shares in proptest::collection::vec(1u32..=100, 1..5)) {
            let total: u32 = shares.iter().sum();
            prop_assume!(total <= 100);
            let sum: i64 = shares.iter().map(|&share| desired_stock(available, &Allocation::Partition { share, buffer: 0 })).sum();
            prop_assert!(sum <= available);
        }
    }
}
