-- Alerts sent (SQLite dialect): one row per item, recipient and day, so
-- that what needs attention reaches each recipient at most once a day
-- however often the scheduler or `kho alerts send` runs.
CREATE TABLE alerts_sent (
    item_key  TEXT NOT NULL,
    recipient TEXT NOT NULL,
    day       TEXT NOT NULL,
    sent_at   TEXT NOT NULL,
    PRIMARY KEY (item_key, recipient, day)
);
CREATE INDEX alerts_sent_day ON alerts_sent (day);
