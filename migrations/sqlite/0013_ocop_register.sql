-- The province's OCOP register as the department last exported it from its
-- own information system (SQLite dialect). kho is not a second register: the
-- table is replaced whole on each import and only compared with the catalog.
CREATE TABLE ocop_register_source (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    file_name   TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    entries     INTEGER NOT NULL
);

CREATE TABLE ocop_register (
    id            INTEGER PRIMARY KEY,
    line          INTEGER NOT NULL,
    cert_no       TEXT NOT NULL UNIQUE,
    product_name  TEXT NOT NULL,
    producer_name TEXT NOT NULL,
    stars         INTEGER NOT NULL CHECK (stars BETWEEN 3 AND 5),
    expires       TEXT NOT NULL,
    district      TEXT NOT NULL DEFAULT ''
);
