-- fundledger schema, migration 9: appropriation adjustments (追加, 调减, 上级收回).
--
-- An appropriation's amount as recorded is what was first issued. Later documents add to it
-- (追加) or take from it (调减, 上级收回); each is an appended adjustment with its date,
-- document and reason, never an edit of the appropriation. The issued amount on a date is the
-- original amount plus the adjustments dated up to it, and R3 holds against it on every date.
--
-- The every-date design of migration 6 keeps, per appropriation and day, what its lines drew
-- (`appropriation_days.drawn_fen`); the appropriation's available money at the end of a day
-- is its amount minus the running sum of those rows. Adjustments join the same rows as issued
-- deltas (`adjusted_fen`, kept by the trigger below, so a row inserted behind fundledger's back
-- is counted too), and the every-date triggers compare the running sum of drawn − adjusted
-- with the amount. One table, one window: a back-dated entry, an entry before a later 追加, a
-- 调减 today and a back-dated 调减 are all the same check. Derived state, re-derived by `verify`.

CREATE TABLE adjustments (
    id                INTEGER PRIMARY KEY,
    appropriation_id  INTEGER NOT NULL REFERENCES appropriations(id),
    date              TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    -- Signed: positive for 追加, negative for 调减 and 上级收回; never zero.
    amount_fen        INTEGER NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen <> 0),
    document          TEXT NOT NULL CHECK (length(document) BETWEEN 1 AND 100),
    reason            TEXT NOT NULL CHECK (length(trim(reason)) BETWEEN 1 AND 500),
    operator          TEXT NOT NULL,
    recorded_at       TEXT NOT NULL,
    -- One document adjusts an appropriation once (R4: the same document again is the same
    -- adjustment, or a mistake).
    UNIQUE (appropriation_id, document)
);

-- R4: an adjustment is a recorded fact; a wrong one is corrected by another adjustment.
CREATE TRIGGER adjustments_no_update BEFORE UPDATE ON adjustments
BEGIN SELECT RAISE(ABORT, 'R4: recorded adjustments are never edited; record another adjustment'); END;
CREATE TRIGGER adjustments_no_delete BEFORE DELETE ON adjustments
BEGIN SELECT RAISE(ABORT, 'R4: recorded adjustments are never deleted; record another adjustment'); END;

CREATE TRIGGER adjustments_checked BEFORE INSERT ON adjustments
BEGIN
    SELECT CASE
        WHEN a.id IS NULL
            THEN RAISE(ABORT, 'the adjustment names an appropriation that is not recorded')
        WHEN NEW.date < a.issued_on
            THEN RAISE(ABORT, 'the adjustment is dated before its appropriation was issued')
        WHEN NEW.date > date('now', 'localtime')
            THEN RAISE(ABORT, 'R3: the adjustment is dated after today')
        WHEN (SELECT action FROM period_events WHERE year = CAST(substr(NEW.date, 1, 4) AS INTEGER)
              ORDER BY id DESC LIMIT 1) = 'close'
            THEN RAISE(ABORT, 'R5: the adjustment is dated in a closed year')
    END
    FROM (SELECT 1) AS one
    LEFT JOIN appropriations a ON a.id = NEW.appropriation_id;
END;

-- Issued deltas per appropriation and day, next to what its lines drew.
ALTER TABLE appropriation_days ADD COLUMN adjusted_fen INTEGER NOT NULL DEFAULT 0;

-- Keeps the day row of every adjustment, then holds R3 on every date: what the lines drew up
-- to any day never exceeds what was issued up to it. (The day row is made first and then
-- updated, so the update trigger below checks later days too; the last statement checks the
-- case of an adjustment dated after every other day.)
CREATE TRIGGER adjustments_issued AFTER INSERT ON adjustments
BEGIN
    INSERT INTO appropriation_days (appropriation_id, date, drawn_fen, adjusted_fen)
        SELECT NEW.appropriation_id, NEW.date, 0, 0
        WHERE NOT EXISTS (SELECT 1 FROM appropriation_days
                          WHERE appropriation_id = NEW.appropriation_id AND date = NEW.date);
    UPDATE appropriation_days SET adjusted_fen = adjusted_fen + NEW.amount_fen
        WHERE appropriation_id = NEW.appropriation_id AND date = NEW.date;
    SELECT RAISE(ABORT, 'R3: the adjustment would leave less issued than is allocated from the appropriation on a date')
    WHERE EXISTS (SELECT 1 FROM (
        SELECT sum(drawn_fen - adjusted_fen) OVER (ORDER BY date) AS net FROM appropriation_days
        WHERE appropriation_id = NEW.appropriation_id)
        WHERE net > (SELECT amount_fen FROM appropriations WHERE id = NEW.appropriation_id));
END;

-- R3 on every date for the appropriation, now against the issued amount as adjusted (the
-- triggers of migration 6, with drawn − adjusted in place of drawn).
DROP TRIGGER appropriation_days_every_date_ins;
DROP TRIGGER appropriation_days_every_date_upd;
CREATE TRIGGER appropriation_days_every_date_ins AFTER INSERT ON appropriation_days
WHEN EXISTS (SELECT 1 FROM appropriation_days d WHERE d.appropriation_id = NEW.appropriation_id
               AND d.date > NEW.date)
 AND EXISTS (SELECT 1 FROM (
        SELECT sum(drawn_fen - adjusted_fen) OVER (ORDER BY date) AS net FROM appropriation_days
        WHERE appropriation_id = NEW.appropriation_id)
        WHERE net > (SELECT amount_fen FROM appropriations WHERE id = NEW.appropriation_id))
BEGIN SELECT RAISE(ABORT, 'R3: allocations would exceed the appropriation on a date'); END;
CREATE TRIGGER appropriation_days_every_date_upd AFTER UPDATE ON appropriation_days
WHEN EXISTS (SELECT 1 FROM appropriation_days d WHERE d.appropriation_id = NEW.appropriation_id
               AND d.date > NEW.date)
 AND EXISTS (SELECT 1 FROM (
        SELECT sum(drawn_fen - adjusted_fen) OVER (ORDER BY date) AS net FROM appropriation_days
        WHERE appropriation_id = NEW.appropriation_id)
        WHERE net > (SELECT amount_fen FROM appropriations WHERE id = NEW.appropriation_id))
BEGIN SELECT RAISE(ABORT, 'R3: allocations would exceed the appropriation on a date'); END;

-- R3 today: the lines' running totals never exceed the amount issued with every adjustment
-- (none is dated after today).
DROP TRIGGER line_balances_within_appropriation_ins;
DROP TRIGGER line_balances_within_appropriation_upd;
CREATE TRIGGER line_balances_within_appropriation_ins AFTER INSERT ON line_balances
WHEN (SELECT sum(allocated_fen - withdrawn_fen - returned_fen) FROM line_balances
      WHERE appropriation_id = NEW.appropriation_id)
     > (SELECT amount_fen FROM appropriations WHERE id = NEW.appropriation_id)
       + (SELECT coalesce(sum(amount_fen), 0) FROM adjustments WHERE appropriation_id = NEW.appropriation_id)
BEGIN SELECT RAISE(ABORT, 'R3: allocations exceed the appropriation'); END;
CREATE TRIGGER line_balances_within_appropriation_upd AFTER UPDATE ON line_balances
WHEN (SELECT sum(allocated_fen - withdrawn_fen - returned_fen) FROM line_balances
      WHERE appropriation_id = NEW.appropriation_id)
     > (SELECT amount_fen FROM appropriations WHERE id = NEW.appropriation_id)
       + (SELECT coalesce(sum(amount_fen), 0) FROM adjustments WHERE appropriation_id = NEW.appropriation_id)
BEGIN SELECT RAISE(ABORT, 'R3: allocations exceed the appropriation'); END;
