-- Partition mode: each account's quota of a SKU, fixed at the last
-- rebalance, and the units its own orders have taken since (SQLite dialect).
-- A shop then never shows more than its quota minus its own sales, whatever
-- the other shops sell, so the shops together never sell more than there is.
ALTER TABLE listings ADD COLUMN quota INTEGER;
ALTER TABLE listings ADD COLUMN consumed INTEGER NOT NULL DEFAULT 0;
