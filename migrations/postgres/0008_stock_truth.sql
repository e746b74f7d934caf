-- Stock truth (PostgreSQL dialect).
--
-- Per variant: the units its orders took in the current window, whether the
-- burst guard splits its shared shops into quotas, and whether its orders
-- moved since it was last at rest (see src/outbox/policy.rs).
CREATE TABLE variant_bursts (
    variant_id    BIGINT PRIMARY KEY REFERENCES variants (id) ON DELETE CASCADE,
    window_start  TIMESTAMPTZ NOT NULL,
    window_units  BIGINT NOT NULL,
    window_orders BIGINT NOT NULL DEFAULT 0,
    last_order_at TIMESTAMPTZ NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT FALSE,
    unsettled     BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX variant_bursts_unsettled ON variant_bursts (last_order_at) WHERE unsettled;

-- A cancellation after the parcel left is a return on its way back: its
-- units count again only when the return is received (by a person, or by the
-- marketplace's return-completed status).
ALTER TABLE orders ADD COLUMN awaiting_return BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE orders ADD COLUMN return_received BOOLEAN NOT NULL DEFAULT FALSE;
