-- Harvest lots (SQLite dialect). A lot is what one receipt of a variant at a
-- location brought in: a code, when it was harvested or produced, and until
-- when it may be sold. `on_hand` is the lot's cached balance, moved in the
-- same transaction as each of its movements; the lots of a variant and
-- location add up to `stock_levels.on_hand`. Stock received without a lot is
-- kept in the lot whose code is '' and which has no dates.
CREATE TABLE lots (
    id           INTEGER PRIMARY KEY,
    variant_id   INTEGER NOT NULL REFERENCES variants(id),
    location_id  INTEGER NOT NULL REFERENCES locations(id),
    code         TEXT NOT NULL,
    harvested_on TEXT,
    best_before  TEXT,
    on_hand      INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    UNIQUE (variant_id, location_id, code)
);
CREATE INDEX lots_best_before ON lots(best_before) WHERE best_before IS NOT NULL;

-- Existing stock becomes one dateless lot per variant and location.
INSERT INTO lots (variant_id, location_id, code, on_hand, created_at)
SELECT variant_id, location_id, '', on_hand, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM stock_levels;
INSERT INTO lots (variant_id, location_id, code, on_hand, created_at)
SELECT DISTINCT m.variant_id, m.location_id, '', 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM stock_movements m
WHERE NOT EXISTS (SELECT 1 FROM lots o WHERE o.variant_id = m.variant_id AND o.location_id = m.location_id);

-- Every movement records its lot, and units past their best-before leave
-- with an `expiry` movement: SQLite changes a CHECK only by copying the table.
CREATE TABLE stock_movements_new (
    id            INTEGER PRIMARY KEY,
    variant_id    INTEGER NOT NULL REFERENCES variants(id),
    location_id   INTEGER NOT NULL REFERENCES locations(id),
    lot_id        INTEGER NOT NULL REFERENCES lots(id),
    kind          TEXT NOT NULL CHECK (kind IN ('receipt', 'adjustment', 'count', 'sale', 'cancellation', 'return', 'expiry')),
    quantity      INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    reference     TEXT,
    actor         TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
INSERT INTO stock_movements_new (id, variant_id, location_id, lot_id, kind, quantity, balance_after,
                                 reason, reference, actor, created_at)
SELECT m.id, m.variant_id, m.location_id,
       (SELECT o.id FROM lots o WHERE o.variant_id = m.variant_id AND o.location_id = m.location_id AND o.code = ''),
       m.kind, m.quantity, m.balance_after, m.reason, m.reference, m.actor, m.created_at
FROM stock_movements m;
DROP TABLE stock_movements;
ALTER TABLE stock_movements_new RENAME TO stock_movements;
CREATE INDEX stock_movements_variant ON stock_movements(variant_id, id);
CREATE INDEX stock_movements_lot ON stock_movements(lot_id, id);
CREATE INDEX stock_movements_expiry ON stock_movements(created_at) WHERE kind = 'expiry';

CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements
BEGIN
    SELECT RAISE(ABORT, 'stock_movements is append-only');
END;
CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
BEGIN
    SELECT RAISE(ABORT, 'stock_movements is append-only');
END;

-- A product's shelf life gives a lot harvested on a given day its default
-- best-before; an account sees only units that keep at least its minimum.
ALTER TABLE products ADD COLUMN shelf_life_days INTEGER CHECK (shelf_life_days > 0);
ALTER TABLE channel_accounts ADD COLUMN min_shelf_life_days INTEGER NOT NULL DEFAULT 0;
