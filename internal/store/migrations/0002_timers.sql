-- 0002: timers. Reversible containment that an agent ran may carry a time
-- limit: when it is due, the undo runs unless a human confirmed the action.
CREATE TABLE timers (
    id         TEXT PRIMARY KEY,
    action_id  TEXT NOT NULL UNIQUE,
    case_id    TEXT NOT NULL,
    tool       TEXT NOT NULL,
    args       BLOB,
    due        TEXT NOT NULL,
    status     TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX timers_due ON timers (status, due);
