//! The order state machine: what each line of an order holds, has sold and
//! has put back in each canonical status. Ingestion moves stock by the
//! difference between a line's recorded state and its target, so seeing the
//! same order twice changes nothing, and an out-of-date event (a push that
//! arrives after a later one) never moves an order backwards.

use kho_channel::OrderStatus;
use serde::Serialize;

/// Units of one order line in each stock state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LineState {
    /// Held for the order (lowers `available`, not `on_hand`).
    pub reserved: i64,
    /// Gone from the shelf (a `sale` movement).
    pub sold: i64,
    /// Back on the shelf after a completed return (a `return` movement).
    pub restocked: i64,
}

pub fn as_str(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Unpaid => "unpaid",
        OrderStatus::Ready => "ready",
        OrderStatus::Shipped => "shipped",
        OrderStatus::Delivered => "delivered",
        OrderStatus::Cancelled => "cancelled",
        OrderStatus::Returned => "returned",
    }
}

pub fn parse(s: &str) -> Option<OrderStatus> {
    Some(match s {
        "unpaid" => OrderStatus::Unpaid,
        "ready" => OrderStatus::Ready,
        "shipped" => OrderStatus::Shipped,
        "delivered" => OrderStatus::Delivered,
        "cancelled" => OrderStatus::Cancelled,
        "returned" => OrderStatus::Returned,
        _ => return None,
    })
}

/// How far an order has gone; an order only moves forward.
fn rank(status: OrderStatus) -> u8 {
    match status {
        OrderStatus::Unpaid => 0,
        OrderStatus::Ready => 1,
        OrderStatus::Shipped => 2,
        OrderStatus::Delivered => 3,
        OrderStatus::Cancelled | OrderStatus::Returned => 4,
    }
}

/// The status to act on when `incoming` is seen for an order recorded as
/// `current`: the incoming one unless it is older. Cancelled and returned
/// are both final: the first one seen stays.
pub fn effective(current: OrderStatus, incoming: OrderStatus) -> OrderStatus {
    if rank(incoming) > rank(current) || incoming == current {
        incoming
    } else {
        current
    }
}

/// Where a line of `quantity` units should be in `status`. Stock is reserved
/// as soon as an order appears (unpaid included: the marketplace already
/// holds it), sold when shipped, released on cancellation, and put back when
/// a return completes if `restock_on_return`.
pub fn target(status: OrderStatus, quantity: i64, restock_on_return: bool) -> LineState {
    let quantity = quantity.max(0);
    match status {
        OrderStatus::Unpaid | OrderStatus::Ready => LineState {
            reserved: quantity,
            ..LineState::default()
        },
        OrderStatus::Shipped | OrderStatus::Delivered => LineState {
            sold: quantity,
            ..LineState::default()
        },
        OrderStatus::Cancelled => LineState::default(),
        OrderStatus::Returned => LineState {
            reserved: 0,
            sold: quantity,
            restocked: if restock_on_return { quantity } else { 0 },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn status() -> impl Strategy<Value = OrderStatus> {
        prop_oneof![
            Just(OrderStatus::Unpaid),
            Just(OrderStatus::Ready),
            Just(OrderStatus::Shipped),
            Just(OrderStatus::Delivered),
            Just(OrderStatus::Cancelled),
            Just(OrderStatus::Returned),
        ]
    }

    #[test]
    fn never_moves_backwards() {
        assert_eq!(
            effective(OrderStatus::Shipped, OrderStatus::Unpaid),
            OrderStatus::Shipped
        );
        assert_eq!(
            effective(OrderStatus::Unpaid, OrderStatus::Cancelled),
            OrderStatus::Cancelled
        );
        assert_eq!(
            effective(OrderStatus::Cancelled, OrderStatus::Ready),
            OrderStatus::Cancelled
        );
    }

    proptest! {
        /// Whatever order events arrive in, and however often, the line ends
        /// where the furthest status puts it: stock moves exactly once.
        #[test]
        fn replays_and_reorderings_converge(events in proptest::collection::vec(status(), 1..12), qty in 1i64..5) {
            let mut current = events[0];
            let mut state = LineState::default();
            let mut on_hand_change = 0i64;
            for (i, e) in events.iter().enumerate() {
                let eff = if i == 0 { *e } else { effective(current, *e) };
                let t = target(eff, qty, true);
                on_hand_change += -(t.sold - state.sold) + (t.restocked - state.restocked);
                state = t;
                current = eff;
            }
            let furthest = events.iter().copied().fold(events[0], effective);
            prop_assert_eq!(state, target(furthest, qty, true));
            prop_assert_eq!(on_hand_change, -state.sold + state.restocked);
        }
    }
}
