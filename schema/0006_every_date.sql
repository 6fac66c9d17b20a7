-- fundledger schema, migration 6: R3 on every date, entries never dated after today, and a
-- file that says it is a fundledger ledger.
--
-- Until now R3 was checked against each line's running totals in recording order, so a
-- back-dated entry could pay money before it was disbursed, or allocate money an appropriation
-- only had back later. Each line's and each appropriation's net movements are now kept per
-- day (derived state, re-derived by `verify`), so a write can see the balance on every date
-- from its own onwards, and SQLite refuses a day row that leaves any cumulative balance
-- negative on any date.

PRAGMA application_id = 1179403335; -- 'FLDG': fundledger ledger

-- Net movements of one line (appropriation, sub-project) on one day, reversals netted into
-- the column of the kind they reverse, on the reversal's own date.
CREATE TABLE line_days (
    appropriation_id  INTEGER NOT NULL REFERENCES appropriations(id),
    subproject_id     INTEGER NOT NULL REFERENCES subprojects(id),
    date              TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    allocated_fen     INTEGER NOT NULL DEFAULT 0,
    withdrawn_fen     INTEGER NOT NULL DEFAULT 0,
    disbursed_fen     INTEGER NOT NULL DEFAULT 0,
    returned_fen      INTEGER NOT NULL DEFAULT 0,
    paid_fen          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (appropriation_id, subproject_id, date)
) WITHOUT ROWID;

-- What one appropriation's lines drew from it on one day (allocated − withdrawn − returned).
CREATE TABLE appropriation_days (
    appropriation_id  INTEGER NOT NULL REFERENCES appropriations(id),
    date              TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    drawn_fen         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (appropriation_id, date)
) WITHOUT ROWID;

INSERT INTO line_days
SELECT e.appropriation_id, e.subproject_id, e.date,
       sum(CASE coalesce(o.kind, e.kind) WHEN 'allocate' THEN m ELSE 0 END),
       sum(CASE coalesce(o.kind, e.kind) WHEN 'withdraw' THEN m ELSE 0 END),
       sum(CASE coalesce(o.kind, e.kind) WHEN 'disburse' THEN m ELSE 0 END),
       sum(CASE coalesce(o.kind, e.kind) WHEN 'return' THEN m ELSE 0 END),
       sum(CASE coalesce(o.kind, e.kind) WHEN 'pay' THEN m ELSE 0 END)
FROM (SELECT e.*, CASE WHEN e.kind = 'reverse' THEN -e.amount_fen ELSE e.amount_fen END AS m
      FROM entries e) e
LEFT JOIN entries o ON o.id = e.reverses_id
GROUP BY 1, 2, 3;

INSERT INTO appropriation_days
SELECT appropriation_id, date, sum(allocated_fen - withdrawn_fen - returned_fen)
FROM line_days GROUP BY 1, 2;

-- R3 on every date, for a day row written before a later one (a back-dated entry): the
-- line's undisbursed (allocated − withdrawn − disbursed) and held (disbursed − returned −
-- paid) money never goes negative at the end of any day. A day row after every other one is
-- the line's running total, which the CHECKs on `line_balances` hold.
CREATE TRIGGER line_days_every_date_ins AFTER INSERT ON line_days
WHEN EXISTS (SELECT 1 FROM line_days l WHERE l.appropriation_id = NEW.appropriation_id
               AND l.subproject_id = NEW.subproject_id AND l.date > NEW.date)
 AND EXISTS (SELECT 1 FROM (
        SELECT sum(allocated_fen - withdrawn_fen - disbursed_fen) OVER w AS undisbursed,
               sum(disbursed_fen - returned_fen - paid_fen) OVER w AS held
        FROM line_days WHERE appropriation_id = NEW.appropriation_id AND subproject_id = NEW.subproject_id
        WINDOW w AS (ORDER BY date)) WHERE undisbursed < 0 OR held < 0)
BEGIN SELECT RAISE(ABORT, 'R3: a line''s balance would be negative on a date'); END;
CREATE TRIGGER line_days_every_date_upd AFTER UPDATE ON line_days
WHEN EXISTS (SELECT 1 FROM line_days l WHERE l.appropriation_id = NEW.appropriation_id
               AND l.subproject_id = NEW.subproject_id AND l.date > NEW.date)
 AND EXISTS (SELECT 1 FROM (
        SELECT sum(allocated_fen - withdrawn_fen - disbursed_fen) OVER w AS undisbursed,
               sum(disbursed_fen - returned_fen - paid_fen) OVER w AS held
        FROM line_days WHERE appropriation_id = NEW.appropriation_id AND subproject_id = NEW.subproject_id
        WINDOW w AS (ORDER BY date)) WHERE undisbursed < 0 OR held < 0)
BEGIN SELECT RAISE(ABORT, 'R3: a line''s balance would be negative on a date'); END;

-- R3 on every date for the appropriation: what its lines drew up to any day never exceeds it.
CREATE TRIGGER appropriation_days_every_date_ins AFTER INSERT ON appropriation_days
WHEN EXISTS (SELECT 1 FROM appropriation_days d WHERE d.appropriation_id = NEW.appropriation_id
               AND d.date > NEW.date)
 AND EXISTS (SELECT 1 FROM (
        SELECT sum(drawn_fen) OVER (ORDER BY date) AS drawn FROM appropriation_days
        WHERE appropriation_id = NEW.appropriation_id)
        WHERE drawn > (SELECT amount_fen FROM appropriations WHERE id = NEW.appropriation_id))
BEGIN SELECT RAISE(ABORT, 'R3: allocations would exceed the appropriation on a date'); END;
CREATE TRIGGER appropriation_days_every_date_upd AFTER UPDATE ON appropriation_days
WHEN EXISTS (SELECT 1 FROM appropriation_days d WHERE d.appropriation_id = NEW.appropriation_id
               AND d.date > NEW.date)
 AND EXISTS (SELECT 1 FROM (
        SELECT sum(drawn_fen) OVER (ORDER BY date) AS drawn FROM appropriation_days
        WHERE appropriation_id = NEW.appropriation_id)
        WHERE drawn > (SELECT amount_fen FROM appropriations WHERE id = NEW.appropriation_id))
BEGIN SELECT RAISE(ABORT, 'R3: allocations would exceed the appropriation on a date'); END;

-- No entry is dated after the day it is recorded (R3: money cannot move in the future).
DROP TRIGGER entries_checked;
CREATE TRIGGER entries_checked BEFORE INSERT ON entries
BEGIN
    SELECT CASE
        WHEN a.id IS NULL OR s.id IS NULL
            THEN RAISE(ABORT, 'R1: the entry names an appropriation or sub-project that is not recorded')
        WHEN a.county IS NOT p.county
            THEN RAISE(ABORT, 'R1: the appropriation was issued to another county')
        WHEN NOT EXISTS (SELECT 1 FROM designations d WHERE d.channel = a.channel AND d.type = s.type)
            THEN RAISE(ABORT, 'R2: the channel does not designate this sub-project''s type')
        WHEN NEW.date < a.issued_on
            THEN RAISE(ABORT, 'the entry is dated before its appropriation was issued')
        WHEN NEW.date > date('now', 'localtime')
            THEN RAISE(ABORT, 'R3: the entry is dated after today')
        WHEN s.status = 'excluded'
            THEN RAISE(ABORT, 'R2: an excluded sub-project receives nothing')
        WHEN (SELECT action FROM period_events WHERE year = CAST(substr(NEW.date, 1, 4) AS INTEGER)
              ORDER BY id DESC LIMIT 1) = 'close'
            THEN RAISE(ABORT, 'R5: the entry is dated in a closed year')
        -- A reversal mirrors its original exactly (same line, same amount), is not dated
        -- before it, and is never itself reversed.
        WHEN NEW.reverses_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM entries o WHERE o.id = NEW.reverses_id AND o.kind <> 'reverse'
                  AND o.appropriation_id = NEW.appropriation_id AND o.subproject_id = NEW.subproject_id
                  AND o.amount_fen = NEW.amount_fen AND o.date <= NEW.date)
            THEN RAISE(ABORT, 'R4: a reversal must mirror a non-reversal entry exactly')
    END
    FROM (SELECT 1) AS one
    LEFT JOIN appropriations a ON a.id = NEW.appropriation_id
    LEFT JOIN subprojects s ON s.id = NEW.subproject_id
    LEFT JOIN projects p ON p.id = s.project_id;
END;
