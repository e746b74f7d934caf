-- The kho instances sharing this database, each renewing its own row with
-- one statement per heartbeat. An account's sync lease (account_leases) is
-- held as long as its owner's row has not expired, so the lease rows are
-- written only when an account changes hands, never to renew them; an
-- owner of '' means released. account_leases.expires_at is left as the
-- time the row was last written.
CREATE TABLE instances (
    id           TEXT PRIMARY KEY,
    started_at   TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    -- A `kho serve` sharing out the accounts, rather than a one-off
    -- command (`kho sync`) holding one account for a while.
    member       BOOLEAN NOT NULL
);
CREATE INDEX account_leases_owner ON account_leases(owner);

-- When the pushed change was first queued: change-to-push latency per push,
-- read back by benchmarks across instances (NULL before this migration).
ALTER TABLE push_audit ADD COLUMN queued_at TIMESTAMPTZ;
