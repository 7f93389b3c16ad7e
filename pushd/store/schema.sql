-- pushd's SQLite schema. Times are epoch seconds (REAL); labels and annotations are JSON text.
-- The current schema, run at every start after the migrations (pushd/store/migrations): every statement must
-- be idempotent (IF NOT EXISTS). A new table or index may simply be appended; a new column of an existing
-- table goes in its CREATE TABLE here and in a migration (ALTER TABLE ... ADD COLUMN).
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
    source        TEXT    NOT NULL,
    -- 1 from a resolve by hand until the source ends that firing (it sends "resolved") or starts a
    -- new one (another startsAt): while 1, the source's re-sends leave the alert resolved (README).
    -- A database from before it gets the column at start (migrations/m0001_baseline.py).
    hand_resolved INTEGER NOT NULL DEFAULT 0
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

-- Free-text search (`q`) looks in the values of an alert's labels (its name among them) and
-- annotations, not in their JSON: one row per alert (id = alerts.id), its values case-folded,
-- joined by U+001F (sqlite_store.search_text), scanned with instr(). An FTS5 trigram index found
-- substrings without the scan but cut ingest to 0.24-0.30 of Alertmanager's rate (bench/README.md); a search
-- reads ~2 MB per 10,000 alerts instead. The store writes it along with each alert (triggers would
-- too, but made ingest several times slower). A database from before it gets it filled at start
-- (migrations/m0001_baseline.py).
CREATE TABLE IF NOT EXISTS alert_text (id INTEGER PRIMARY KEY, body TEXT NOT NULL);

-- Host samples: the `metrics` table is generated from shared.models.METRIC_FIELDS (sqlite_store.py).

-- Access control. Passwords are scrypt hashes; token secrets are stored only as SHA-256 hashes.
CREATE TABLE IF NOT EXISTS users (
    username      TEXT    PRIMARY KEY,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    REAL    NOT NULL,
    updated_at    REAL    NOT NULL
);

-- API tokens (kind 'api', with their own role), users' login sessions (kind 'session', with the
-- user's current role) and single-use WebSocket tickets (kind 'ticket', acting as `parent_id`).
CREATE TABLE IF NOT EXISTS tokens (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    role        TEXT,
    username    TEXT    REFERENCES users (username) ON DELETE CASCADE,
    parent_id   INTEGER REFERENCES tokens (id) ON DELETE CASCADE,
    secret_hash TEXT    NOT NULL UNIQUE,
    created_at  REAL    NOT NULL,
    created_by  TEXT    NOT NULL,
    expires_at  REAL,
    revoked_at  REAL
);
CREATE INDEX IF NOT EXISTS tokens_kind ON tokens (kind, id);
CREATE INDEX IF NOT EXISTS tokens_username ON tokens (username) WHERE username IS NOT NULL;
CREATE INDEX IF NOT EXISTS tokens_parent ON tokens (parent_id) WHERE parent_id IS NOT NULL;

-- Incidents (issue #7). The id is the incident's number. `group_key` is set for incidents a grouping
-- rule opened (rule id and the values of its group_by labels), so later alerts of the group find it.
CREATE TABLE IF NOT EXISTS incidents (
    id         INTEGER PRIMARY KEY,
    title      TEXT    NOT NULL,
    severity   TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    assignee   TEXT,
    group_key  TEXT,
    created_at REAL    NOT NULL,
    created_by TEXT    NOT NULL,
    updated_at REAL    NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_status ON incidents (status, id);
CREATE INDEX IF NOT EXISTS incidents_group ON incidents (group_key, id) WHERE group_key IS NOT NULL;

-- No foreign key to alerts: pruning a resolved alert must not rewrite an incident's past; the
-- timeline keeps what the alert was when it was attached.
CREATE TABLE IF NOT EXISTS incident_alerts (
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    alert_id    INTEGER NOT NULL,
    attached_at REAL    NOT NULL,
    PRIMARY KEY (incident_id, alert_id)
);
CREATE INDEX IF NOT EXISTS incident_alerts_alert ON incident_alerts (alert_id);

-- Append-only: one row per thing that happened, numbered per incident (`seq` from 1). `data` is JSON
-- whose shape depends on `kind` (docs/push.md lists the kinds).
CREATE TABLE IF NOT EXISTS incident_timeline (
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    ts          REAL    NOT NULL,
    actor       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    PRIMARY KEY (incident_id, seq)
);

-- Grouping rules (issue #7): matching alerts open or join an incident of their group.
-- `matchers` and `group_by` are JSON (Alertmanager API v2 matchers; label names).
CREATE TABLE IF NOT EXISTS grouping_rules (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE,
    matchers       TEXT    NOT NULL,
    group_by       TEXT    NOT NULL,
    window_seconds REAL    NOT NULL,
    auto_mitigate  INTEGER NOT NULL,
    created_at     REAL    NOT NULL,
    created_by     TEXT    NOT NULL,
    updated_at     REAL    NOT NULL
);
-- Runbooks (预案). A runbook is its id and whether it was deleted; what it says lives in its
-- versions, which are never changed or removed once written: editing adds version n+1, deleting
-- marks the runbook, so a run that started on (runbook_id, version) can always read that version.
-- matchers and steps are JSON (shared.runbooks validates them on the way in).
CREATE TABLE IF NOT EXISTS runbooks (
    id         INTEGER PRIMARY KEY,
    version    INTEGER NOT NULL,  -- the current version
    created_at REAL    NOT NULL,
    deleted_at REAL,
    deleted_by TEXT
);
CREATE TABLE IF NOT EXISTS runbook_versions (
    runbook_id  INTEGER NOT NULL REFERENCES runbooks (id),
    version     INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL,
    matchers    TEXT    NOT NULL,
    steps       TEXT    NOT NULL,
    author      TEXT    NOT NULL,
    created_at  REAL    NOT NULL,
    PRIMARY KEY (runbook_id, version)
) WITHOUT ROWID;

-- Runbook runs (issue #7): a runbook followed for an incident, at the version it started with
-- (runbook_versions rows are never changed, so the run's steps are that version's). A step has a
-- row once marked; the row holds its latest mark, and every mark is also a `runbook_step` entry of
-- the incident's timeline.
CREATE TABLE IF NOT EXISTS runbook_runs (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    runbook_id  INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    started_at  REAL    NOT NULL,
    started_by  TEXT    NOT NULL,
    FOREIGN KEY (runbook_id, version) REFERENCES runbook_versions (runbook_id, version)
);
CREATE INDEX IF NOT EXISTS runbook_runs_incident ON runbook_runs (incident_id, id);
CREATE TABLE IF NOT EXISTS runbook_run_steps (
    run_id INTEGER NOT NULL REFERENCES runbook_runs (id) ON DELETE CASCADE,
    n      INTEGER NOT NULL,  -- from 1, in the version's order
    state  TEXT    NOT NULL,  -- done | skipped
    note   TEXT,
    actor  TEXT    NOT NULL,
    ts     REAL    NOT NULL,
    PRIMARY KEY (run_id, n)
) WITHOUT ROWID;

-- Silences (Alertmanager's API v2): ids are UUIDs as Alertmanager makes them; matchers are JSON in
-- its API shape. Expired silences stay for PUSHD_SILENCE_RETENTION_HOURS after they end, then go.
CREATE TABLE IF NOT EXISTS silences (
    id                   TEXT    PRIMARY KEY,
    matchers             TEXT    NOT NULL,
    starts_at            REAL    NOT NULL,
    ends_at              REAL    NOT NULL,
    created_by           TEXT    NOT NULL,
    comment              TEXT    NOT NULL,
    updated_at           REAL    NOT NULL,
    expire_when_resolved INTEGER NOT NULL DEFAULT 0,
    actor                TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
