-- Vouchers have lines (分录). One 记账凭证 carries several lines — one payment split over
-- sub-projects and channels under one number — so an entry is keyed by (voucher, line), not
-- by its voucher alone. The table is rebuilt (SQLite cannot drop the old UNIQUE on voucher)
-- with every row, id and column kept; `line` is added last, and every entry recorded before
-- is line 1. The audit chain hashes a line-1 entry exactly as before (`line` enters an
-- entry's link only when it is not 1), so links recorded earlier still verify.
CREATE TABLE entries_lined (
    id                INTEGER PRIMARY KEY,
    voucher           TEXT NOT NULL CHECK (length(voucher) BETWEEN 1 AND 60),
    date              TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    kind              TEXT NOT NULL CHECK (kind IN ('allocate', 'disburse', 'pay', 'withdraw', 'return', 'reverse')),
    appropriation_id  INTEGER NOT NULL REFERENCES appropriations(id),
    subproject_id     INTEGER NOT NULL REFERENCES subprojects(id),
    amount_fen        INTEGER NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
    -- R4: a reversal names the entry (the voucher line) it reverses, and an entry is reversed
    -- at most once.
    reverses_id       INTEGER UNIQUE REFERENCES entries(id),
    memo              TEXT NOT NULL DEFAULT '',
    operator          TEXT NOT NULL,
    recorded_at       TEXT NOT NULL,
    line              INTEGER NOT NULL DEFAULT 1 CHECK (typeof(line) = 'integer' AND line BETWEEN 1 AND 9999),
    CHECK ((kind = 'reverse') = (reverses_id IS NOT NULL)),
    UNIQUE (voucher, line)
);
INSERT INTO entries_lined (id, voucher, date, kind, appropriation_id, subproject_id, amount_fen,
                           reverses_id, memo, operator, recorded_at, line)
    SELECT id, voucher, date, kind, appropriation_id, subproject_id, amount_fen,
           reverses_id, memo, operator, recorded_at, 1
    FROM entries ORDER BY id;
DROP TABLE entries;
ALTER TABLE entries_lined RENAME TO entries;

-- R4: recorded entries are immutable.
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'R4: recorded entries are never edited; post a reversing entry'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'R4: recorded entries are never deleted; post a reversing entry'); END;

-- The rules, checked again by SQLite for every entry however it is written (migration 6,
-- unchanged).
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
