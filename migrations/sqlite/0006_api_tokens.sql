-- Admin API tokens (SQLite dialect). Only a SHA-256 hash of each token is
-- kept: a stolen database does not hand out working credentials.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'department', 'cooperative')),
    producer_id  INTEGER REFERENCES producers(id),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT,
    CHECK ((role = 'cooperative') = (producer_id IS NOT NULL))
);
