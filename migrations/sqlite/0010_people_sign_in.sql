-- Sign-in for people (SQLite dialect). A login link is a one-time secret
-- that `kho login-link` prints for one person: only its SHA-256 hash is
-- kept, it expires, and opening it spends it once (`used_at`). A session is
-- what the dashboard's cookie names: again only a hash, with the person's
-- name for every action they take; it ends when idle too long (after
-- `last_seen_at`), at `expires_at` whatever happens, or when revoked.
CREATE TABLE login_links (
    id          INTEGER PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'department', 'cooperative')),
    producer_id INTEGER REFERENCES producers(id),
    -- NULL: the person types their name when they open the link.
    person      TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    CHECK ((role = 'cooperative') = (producer_id IS NOT NULL))
);
CREATE INDEX login_links_expiry ON login_links (expires_at);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    session_hash TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'department', 'cooperative')),
    producer_id  INTEGER REFERENCES producers(id),
    person       TEXT NOT NULL,
    -- How the session began: `link` or `token:ID`.
    origin       TEXT NOT NULL,
    -- The API token it was opened with, if any: revoking the token ends it.
    token_id     INTEGER REFERENCES api_tokens(id),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT,
    CHECK ((role = 'cooperative') = (producer_id IS NOT NULL))
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
