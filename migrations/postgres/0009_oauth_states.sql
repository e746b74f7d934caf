-- Authorisation states (PostgreSQL dialect): the `state` of a marketplace
-- authorisation link that `kho accounts connect` printed, bound to the
-- account it is for. Only a SHA-256 hash is kept, it expires, and the
-- callback spends it once (`used_at`), so a link cannot be replayed.
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES channel_accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);
