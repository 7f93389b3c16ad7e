-- pushd's SQLite schema. Times are epoch seconds (REAL); labels and annotations are JSON text.
CREATE TABLE IF NOT EXISTS alerts (
    id            INTEGER PRIMARY KEY,
    fingerprint   TEXT    NOT NULL UNIQUE,
    alertname     TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    severity      TEXT    NOT NULL,
    labels        TEXT    NOT NULL,
    annotations   TEXT    NOT NULL,
    starts_at     REAL    NOT NULL,
    ends_at       REAL,
    expires_at    REAL,
    last_seen     REAL    NOT NULL,
    count         INTEGER NOT NULL,
    generator_url TEXT,
    source        TEXT    NOT NULL
);
-- Lists are newest first by id (when pushd first saw the alert): free in rowid order, and stable
-- while Prometheus re-sends what still fires. An index on last_seen would be rewritten by every
-- re-send; the ones below change only when an alert changes state.
DROP INDEX IF EXISTS alerts_last_seen;
DROP INDEX IF EXISTS alerts_status_seen;
CREATE INDEX IF NOT EXISTS alerts_status_severity ON alerts (status, severity);
CREATE INDEX IF NOT EXISTS alerts_expiry ON alerts (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS alert_history (
    id       INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    ts       REAL    NOT NULL,
    action   TEXT    NOT NULL,
    status   TEXT    NOT NULL,
    actor    TEXT    NOT NULL,
    comment  TEXT
);
CREATE INDEX IF NOT EXISTS alert_history_alert ON alert_history (alert_id, id);

CREATE TABLE IF NOT EXISTS metrics (
    ts             REAL PRIMARY KEY,
    cpu_percent    REAL NOT NULL,
    memory_percent REAL NOT NULL,
    swap_percent   REAL NOT NULL,
    disk_percent   REAL NOT NULL,
    load1          REAL NOT NULL,
    load5          REAL NOT NULL,
    load15         REAL NOT NULL,
    net_in_bps     REAL NOT NULL,
    net_out_bps    REAL NOT NULL
) WITHOUT ROWID;
