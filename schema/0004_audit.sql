-- fundledger schema, migration 4: the audit chain, the write journal, period events, and the
-- line activity that `check` reads.

-- The audit chain: one link per recorded row, in recording order. A link's hash is
-- SHA-256(previous link's hash ‖ table ‖ the row's canonical content, operator and time
-- included), computed by fundledger when it writes the row. `verify` re-derives every hash
-- from the stored rows, so a row edited, removed, inserted or moved behind fundledger's back
-- breaks the chain at that row. The hash of the last link is the ledger's fingerprint.
CREATE TABLE chain (
    seq   INTEGER PRIMARY KEY,
    tbl   TEXT NOT NULL,
    rid   INTEGER NOT NULL,
    hash  BLOB NOT NULL CHECK (typeof(hash) = 'blob' AND length(hash) = 32)
);
CREATE TRIGGER chain_no_update BEFORE UPDATE ON chain
BEGIN SELECT RAISE(ABORT, 'R4: the audit chain is appended to, never edited'); END;
CREATE TRIGGER chain_no_delete BEFORE DELETE ON chain
BEGIN SELECT RAISE(ABORT, 'R4: the audit chain is appended to, never edited'); END;

-- The write journal (`fundledger log`): one row per write that recorded something, naming the
-- command, who ran it, when, and the chain links it appended. The row is itself chained.
CREATE TABLE writes (
    id           INTEGER PRIMARY KEY,
    command      TEXT NOT NULL CHECK (length(command) BETWEEN 1 AND 40),
    detail       TEXT NOT NULL DEFAULT '',
    summary      TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    first_link   INTEGER NOT NULL,
    last_link    INTEGER NOT NULL,
    operator     TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    CHECK (first_link <= last_link)
);
CREATE TRIGGER writes_no_update BEFORE UPDATE ON writes
BEGIN SELECT RAISE(ABORT, 'R4: the write journal is appended to, never edited'); END;
CREATE TRIGGER writes_no_delete BEFORE DELETE ON writes
BEGIN SELECT RAISE(ABORT, 'R4: the write journal is appended to, never edited'); END;

-- R5 as events: a year is closed, and may be reopened with a reason, then closed again. The
-- latest event of a year decides. `closed_years` (migration 1) is kept as it was recorded
-- and copied here; new closes go to this table only.
CREATE TABLE period_events (
    id           INTEGER PRIMARY KEY,
    year         INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
    action       TEXT NOT NULL CHECK (action IN ('close', 'reopen')),
    reason       TEXT NOT NULL DEFAULT '',
    operator     TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    CHECK (action = 'close' OR length(trim(reason)) > 0)
);
CREATE INDEX period_events_by_year ON period_events(year, id);
INSERT INTO period_events (year, action, reason, operator, recorded_at)
    SELECT year, 'close', '', operator, closed_at FROM closed_years ORDER BY rowid;

CREATE TRIGGER period_events_no_update BEFORE UPDATE ON period_events
BEGIN SELECT RAISE(ABORT, 'R5: a close or reopen is a recorded fact'); END;
CREATE TRIGGER period_events_no_delete BEFORE DELETE ON period_events
BEGIN SELECT RAISE(ABORT, 'R5: a close or reopen is a recorded fact'); END;
-- Events alternate: close an open year, reopen a closed one.
CREATE TRIGGER period_events_alternate BEFORE INSERT ON period_events
WHEN coalesce((SELECT action FROM period_events WHERE year = NEW.year ORDER BY id DESC LIMIT 1), 'reopen')
     = NEW.action
BEGIN SELECT RAISE(ABORT, 'R5: a year is closed only when open and reopened only when closed'); END;
CREATE TRIGGER closed_years_superseded BEFORE INSERT ON closed_years
BEGIN SELECT RAISE(ABORT, 'R5: closes are recorded in period_events'); END;

-- R5 now reads the latest event of the entry's year.
DROP TRIGGER entries_not_in_closed_year;
CREATE TRIGGER entries_not_in_closed_year BEFORE INSERT ON entries
WHEN (SELECT action FROM period_events WHERE year = CAST(substr(NEW.date, 1, 4) AS INTEGER)
      ORDER BY id DESC LIMIT 1) = 'close'
BEGIN SELECT RAISE(ABORT, 'R5: the entry is dated in a closed year'); END;

-- Line activity for `check`, maintained with the balances (derived state, checked by `verify`).
ALTER TABLE line_balances ADD COLUMN last_entry TEXT;
ALTER TABLE line_balances ADD COLUMN last_disbursed TEXT;
UPDATE line_balances SET
    last_entry = (SELECT max(date) FROM entries e
                  WHERE e.appropriation_id = line_balances.appropriation_id
                    AND e.subproject_id = line_balances.subproject_id),
    last_disbursed = (SELECT max(date) FROM entries e
                      WHERE e.appropriation_id = line_balances.appropriation_id
                        AND e.subproject_id = line_balances.subproject_id AND e.kind = 'disburse');

-- Each line's movements per calendar year (reversals netted by the date they carry), so that
-- year-end statements and the review read O(lines × years), not every entry. Derived state,
-- checked by `verify`.
CREATE TABLE line_years (
    appropriation_id  INTEGER NOT NULL REFERENCES appropriations(id),
    subproject_id     INTEGER NOT NULL REFERENCES subprojects(id),
    year              INTEGER NOT NULL,
    allocated_fen     INTEGER NOT NULL DEFAULT 0,
    withdrawn_fen     INTEGER NOT NULL DEFAULT 0,
    disbursed_fen     INTEGER NOT NULL DEFAULT 0,
    returned_fen      INTEGER NOT NULL DEFAULT 0,
    paid_fen          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (appropriation_id, subproject_id, year)
) WITHOUT ROWID;
INSERT INTO line_years
SELECT e.appropriation_id, e.subproject_id, CAST(substr(e.date, 1, 4) AS INTEGER),
       sum(CASE coalesce(o.kind, e.kind) WHEN 'allocate' THEN m ELSE 0 END),
       sum(CASE coalesce(o.kind, e.kind) WHEN 'withdraw' THEN m ELSE 0 END),
       sum(CASE coalesce(o.kind, e.kind) WHEN 'disburse' THEN m ELSE 0 END),
       sum(CASE coalesce(o.kind, e.kind) WHEN 'return' THEN m ELSE 0 END),
       sum(CASE coalesce(o.kind, e.kind) WHEN 'pay' THEN m ELSE 0 END)
FROM (SELECT e.*, CASE WHEN e.kind = 'reverse' THEN -e.amount_fen ELSE e.amount_fen END AS m
      FROM entries e) e
LEFT JOIN entries o ON o.id = e.reverses_id
GROUP BY 1, 2, 3;

