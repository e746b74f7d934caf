-- Orders from the marketplaces, received webhook events and polling cursors
-- (SQLite dialect).

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES channel_accounts(id),
    remote_order_id TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('unpaid', 'ready', 'shipped', 'delivered', 'cancelled', 'returned')),
    raw_status      TEXT NOT NULL,
    total_vnd       INTEGER NOT NULL DEFAULT 0,
    ordered_at      TEXT NOT NULL,
    remote_updated_at TEXT,
    first_seen_at   TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (account_id, remote_order_id)
);
CREATE INDEX orders_ordered_at ON orders(ordered_at);

-- Each line remembers how many of its units it holds (reserved), has sold
-- and has put back, so that seeing the same order again changes nothing and
-- every transition moves stock by the difference only.
CREATE TABLE order_lines (
    id             INTEGER PRIMARY KEY,
    order_id       INTEGER NOT NULL REFERENCES orders(id),
    line_key       TEXT NOT NULL,
    seller_sku     TEXT NOT NULL,
    variant_id     INTEGER REFERENCES variants(id),
    quantity       INTEGER NOT NULL,
    unit_price_vnd INTEGER NOT NULL,
    reserved       INTEGER NOT NULL DEFAULT 0,
    sold           INTEGER NOT NULL DEFAULT 0,
    restocked      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (order_id, line_key)
);
CREATE INDEX order_lines_variant ON order_lines(variant_id);

-- Webhook deliveries, stored before they are acknowledged.
CREATE TABLE webhook_events (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    account_id   INTEGER REFERENCES channel_accounts(id),
    dedupe_key   TEXT NOT NULL,
    body         TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    processed_at TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    UNIQUE (channel, dedupe_key)
);
CREATE INDEX webhook_events_pending ON webhook_events(processed_at, id);

CREATE TABLE order_cursors (
    account_id  INTEGER PRIMARY KEY REFERENCES channel_accounts(id),
    polled_to   TEXT NOT NULL
);
