-- Marketplace accounts, their tokens, and the listings linked to variants (SQLite dialect).

CREATE TABLE channel_accounts (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    channel      TEXT NOT NULL,
    producer_id  INTEGER REFERENCES producers(id),
    state        TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'paused', 'needs_reauth')),
    paused_until TEXT,
    last_error   TEXT,
    last_push_at TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- The current tokens of each account. Rotating refresh tokens are written here
-- before they are used, so a restart never loses a shop's authorisation.
CREATE TABLE account_tokens (
    account_id         INTEGER PRIMARY KEY REFERENCES channel_accounts(id),
    access_token       TEXT NOT NULL,
    refresh_token      TEXT NOT NULL,
    access_expires_at  TEXT NOT NULL,
    refresh_expires_at TEXT,
    updated_at         TEXT NOT NULL
);

-- A remote listing (one sellable unit: a model, or an item without models)
-- linked to a variant. `remote_*` is what the marketplace last showed;
-- `acked_*` is what kho last pushed and the marketplace acknowledged.
CREATE TABLE listings (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES channel_accounts(id),
    variant_id        INTEGER NOT NULL REFERENCES variants(id),
    remote_item_id    TEXT NOT NULL,
    remote_variant_id TEXT NOT NULL DEFAULT '',
    seller_sku        TEXT NOT NULL,
    remote_stock      INTEGER,
    remote_price      INTEGER,
    remote_status     TEXT,
    remote_seen_at    TEXT,
    acked_stock       INTEGER,
    acked_price       INTEGER,
    acked_active      BOOLEAN,
    acked_at          TEXT,
    linked_at         TEXT NOT NULL,
    UNIQUE (account_id, variant_id),
    UNIQUE (account_id, remote_item_id, remote_variant_id)
);
CREATE INDEX listings_variant ON listings(variant_id);
