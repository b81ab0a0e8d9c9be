-- 0001: the case store. Times are fixed-width RFC 3339 text in UTC with
-- nanoseconds ("2026-01-02T03:04:05.000000000Z"), so they sort as text and stay
-- readable in the sqlite3 shell; the empty string means "not set". Lists are
-- JSON arrays; the empty string means an empty list.

-- counters hands out the numbers behind readable ids (CASE-000042, FND-000007).
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

-- A finding's id is "FND-" and its num; an integer key keeps ingest to one
-- index besides the table itself.
CREATE TABLE findings (
    num         INTEGER PRIMARY KEY,
    fingerprint BLOB NOT NULL UNIQUE,
    source      TEXT NOT NULL,
    rule_id     TEXT NOT NULL DEFAULT '',
    time        TEXT NOT NULL DEFAULT '',
    severity    TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    count       INTEGER NOT NULL DEFAULT 1,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    doc         BLOB NOT NULL,
    raw         BLOB NOT NULL
);

CREATE TABLE cases (
    id              TEXT PRIMARY KEY,
    seq             INTEGER NOT NULL UNIQUE,
    title           TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL,
    verdict         TEXT NOT NULL DEFAULT '',
    summary         TEXT NOT NULL DEFAULT '',
    analyst_verdict TEXT NOT NULL DEFAULT '',
    analyst_note    TEXT NOT NULL DEFAULT '',
    analyst_name    TEXT NOT NULL DEFAULT '',
    score           INTEGER NOT NULL DEFAULT 0,
    confidence      REAL NOT NULL DEFAULT 0,
    severity        TEXT NOT NULL DEFAULT '',
    techniques      TEXT NOT NULL DEFAULT '',
    sources         TEXT NOT NULL DEFAULT '',
    flags           TEXT NOT NULL DEFAULT '',
    planner         TEXT NOT NULL DEFAULT '',
    score_factors   BLOB,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    closed_at       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cases_state ON cases (state, seq);

CREATE TABLE case_findings (
    case_id     TEXT NOT NULL REFERENCES cases (id),
    finding_num INTEGER NOT NULL REFERENCES findings (num),
    attached_at TEXT NOT NULL,
    PRIMARY KEY (case_id, finding_num)
) WITHOUT ROWID;
CREATE INDEX case_findings_finding ON case_findings (finding_num);

-- case_entities is the correlation index: which case saw which "kind:value"
-- entity, and when last.
CREATE TABLE case_entities (
    key        TEXT NOT NULL,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (key, case_id)
) WITHOUT ROWID;
CREATE INDEX case_entities_case ON case_entities (case_id, key);

-- steps is the audit chain, one chain for all cases. case_id has no foreign
-- key on purpose: the record must outlive anything else in the file.
CREATE TABLE steps (
    seq             INTEGER PRIMARY KEY,
    case_id         TEXT NOT NULL,
    time            TEXT NOT NULL,
    actor           TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL DEFAULT '',
    ref             TEXT NOT NULL DEFAULT '',
    tool            TEXT NOT NULL DEFAULT '',
    args            BLOB,
    decision        TEXT NOT NULL DEFAULT '',
    reasons         TEXT NOT NULL DEFAULT '',
    policy_version  TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT '',
    output          BLOB,
    summary         TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL DEFAULT '',
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX steps_case ON steps (case_id, seq);

-- chain_head remembers the newest step, so that deleting the tail of the chain
-- is detected and new steps never link to a row an attacker removed.
CREATE TABLE chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE actions (
    id              TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL DEFAULT '',
    ref             TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL UNIQUE,
    tool            TEXT NOT NULL,
    args            BLOB,
    actor           TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    decision        BLOB,
    result          BLOB,
    error           TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    approval_id     TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX actions_case ON actions (case_id, created_at);
CREATE INDEX actions_status ON actions (status);
CREATE INDEX actions_tool ON actions (tool, created_at);

CREATE TABLE decisions (
    id             TEXT PRIMARY KEY,
    action_id      TEXT NOT NULL DEFAULT '',
    case_id        TEXT NOT NULL DEFAULT '',
    tool           TEXT NOT NULL DEFAULT '',
    time           TEXT NOT NULL,
    input          BLOB,
    input_digest   TEXT NOT NULL DEFAULT '',
    outcome        TEXT NOT NULL,
    reasons        TEXT NOT NULL DEFAULT '',
    policy_version TEXT NOT NULL DEFAULT ''
);
CREATE INDEX decisions_time ON decisions (time);

CREATE TABLE approvals (
    id            TEXT PRIMARY KEY,
    action_id     TEXT NOT NULL DEFAULT '',
    case_id       TEXT NOT NULL DEFAULT '',
    tool          TEXT NOT NULL DEFAULT '',
    args          BLOB,
    args_digest   TEXT NOT NULL DEFAULT '',
    requested_by  TEXT NOT NULL DEFAULT '',
    approver_role TEXT NOT NULL DEFAULT '',
    reasons       TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    decided_by    TEXT NOT NULL DEFAULT '',
    decided_at    TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    used_at       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX approvals_status ON approvals (status, created_at);

CREATE TABLE tasks (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL DEFAULT '',
    ref        TEXT NOT NULL DEFAULT '',
    title      TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- Tasks without a ref are never deduplicated.
CREATE UNIQUE INDEX tasks_case_ref ON tasks (case_id, ref) WHERE ref != '';
CREATE INDEX tasks_status ON tasks (status, created_at);
