-- Canonical catalog and the append-only inventory ledger (SQLite dialect).
-- Money is whole VND (INTEGER); times are UTC RFC 3339 text; dates are YYYY-MM-DD.

CREATE TABLE producers (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    district    TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE locations (
    id          INTEGER PRIMARY KEY,
    producer_id INTEGER NOT NULL REFERENCES producers(id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    is_default  BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (producer_id, code)
);
CREATE UNIQUE INDEX locations_one_default ON locations(producer_id) WHERE is_default;

CREATE TABLE products (
    id                INTEGER PRIMARY KEY,
    producer_id       INTEGER NOT NULL REFERENCES producers(id),
    code              TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    category          TEXT NOT NULL DEFAULT '',
    description       TEXT NOT NULL DEFAULT '',
    ocop_stars        INTEGER CHECK (ocop_stars BETWEEN 3 AND 5),
    ocop_cert_no      TEXT,
    ocop_cert_expires TEXT,
    active            BOOLEAN NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX products_producer ON products(producer_id);

CREATE TABLE variants (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products(id),
    sku         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    price_vnd   INTEGER NOT NULL CHECK (price_vnd >= 0),
    weight_g    INTEGER NOT NULL CHECK (weight_g >= 0),
    image_urls  TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX variants_product ON variants(product_id);

-- Cached balance per variant and location, updated in the same transaction as
-- every movement; tests check it equals the ledger sum.
CREATE TABLE stock_levels (
    variant_id  INTEGER NOT NULL REFERENCES variants(id),
    location_id INTEGER NOT NULL REFERENCES locations(id),
    on_hand     INTEGER NOT NULL DEFAULT 0,
    reserved    INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    PRIMARY KEY (variant_id, location_id)
);

CREATE TABLE stock_movements (
    id            INTEGER PRIMARY KEY,
    variant_id    INTEGER NOT NULL REFERENCES variants(id),
    location_id   INTEGER NOT NULL REFERENCES locations(id),
    kind          TEXT NOT NULL CHECK (kind IN ('receipt', 'adjustment', 'count', 'sale', 'cancellation', 'return')),
    quantity      INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    reference     TEXT,
    actor         TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX stock_movements_variant ON stock_movements(variant_id, id);

CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements
BEGIN
    SELECT RAISE(ABORT, 'stock_movements is append-only');
END;
CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
BEGIN
    SELECT RAISE(ABORT, 'stock_movements is append-only');
END;
