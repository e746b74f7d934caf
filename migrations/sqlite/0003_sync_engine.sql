-- The sync engine: desired state per listing, the durable outbox, push
-- audit and account leases (SQLite dialect).

ALTER TABLE channel_accounts ADD COLUMN allocation TEXT NOT NULL DEFAULT '{"mode":"shared"}';
ALTER TABLE channel_accounts ADD COLUMN delist_on_expiry BOOLEAN NOT NULL DEFAULT 1;

-- What each listing should show, recomputed in the same transaction as any
-- change that affects it.
ALTER TABLE listings ADD COLUMN desired_stock INTEGER;
ALTER TABLE listings ADD COLUMN desired_price INTEGER;
ALTER TABLE listings ADD COLUMN desired_active BOOLEAN;

-- One pending job per (listing, kind): a burst of changes coalesces into one
-- row whose version counts them. The payload is read when the call is made.
CREATE TABLE sync_jobs (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES channel_accounts(id),
    listing_id      INTEGER NOT NULL REFERENCES listings(id),
    kind            TEXT NOT NULL CHECK (kind IN ('stock', 'price', 'status')),
    version         INTEGER NOT NULL DEFAULT 1,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
    due_at          TEXT NOT NULL,
    first_queued_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT,
    lease_until     TEXT,
    last_error      TEXT,
    UNIQUE (listing_id, kind)
);
CREATE INDEX sync_jobs_due ON sync_jobs(account_id, state, due_at);

CREATE TABLE push_audit (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES channel_accounts(id),
    listing_id  INTEGER NOT NULL REFERENCES listings(id),
    kind        TEXT NOT NULL,
    before      TEXT,
    after       TEXT NOT NULL,
    instance    TEXT NOT NULL,
    request_id  TEXT,
    pushed_at   TEXT NOT NULL
);
CREATE INDEX push_audit_account ON push_audit(account_id, id);

-- Which daemon instance works which account: exactly one at a time.
CREATE TABLE account_leases (
    account_id INTEGER PRIMARY KEY REFERENCES channel_accounts(id),
    owner      TEXT NOT NULL,
    epoch      INTEGER NOT NULL,
    expires_at TEXT NOT NULL
);
