-- Reconciliation: one run per account with its outcome, the drift items it
-- found, remote listings filed as awaiting a person, and a lease per
-- account so two runs of one account never overlap (SQLite dialect).

CREATE TABLE reconcile_runs (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES channel_accounts(id),
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'clean', 'drift', 'failed')),
    error       TEXT,
    fixed       BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX reconcile_runs_account ON reconcile_runs(account_id, id);

CREATE TABLE reconcile_items (
    id                INTEGER PRIMARY KEY,
    run_id            INTEGER NOT NULL REFERENCES reconcile_runs(id),
    kind              TEXT NOT NULL,
    sku               TEXT,
    remote_item_id    TEXT,
    remote_variant_id TEXT,
    field             TEXT,
    kho_value         TEXT,
    pushed_value      TEXT,
    remote_value      TEXT,
    cause             TEXT NOT NULL,
    detail            TEXT
);
CREATE INDEX reconcile_items_run ON reconcile_items(run_id, kind);

-- Unknown and duplicated seller SKUs that --fix handed to a person: while
-- the same remote listings carry the same SKU they are not drift again.
CREATE TABLE reconcile_awaiting (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES channel_accounts(id),
    kind        TEXT NOT NULL,
    seller_sku  TEXT NOT NULL,
    remote_ids  TEXT NOT NULL,
    detail      TEXT,
    filed_at    TEXT NOT NULL,
    UNIQUE (account_id, kind, seller_sku, remote_ids)
);

-- Separate from account_leases: a reconciliation never blocks the sync
-- workers of its account.
CREATE TABLE reconcile_leases (
    account_id INTEGER PRIMARY KEY REFERENCES channel_accounts(id),
    owner      TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
