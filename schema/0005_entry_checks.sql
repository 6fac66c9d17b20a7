-- fundledger schema, migration 5: the per-entry checks in one trigger.
--
-- Migration 1 checked each rule on an inserted entry with its own trigger (R1 county, R2
-- designation, R2 excluded, issue date, R5 closed year), each looking the appropriation and
-- the sub-project up again. One trigger now looks them up once and checks the same rules
-- with the same messages, so a million-entry import is not dominated by the double check;
-- the reversal check joins it (a second trigger cost as much again, even when it had nothing
-- to check). The (appropriation, sub-project) index on entries is
-- dropped: no query reads entries by line (the maintained tables answer those questions),
-- and every insert paid for it.

DROP TRIGGER entries_same_county;
DROP TRIGGER entries_designated_use;
DROP TRIGGER entries_after_issue;
DROP TRIGGER entries_not_excluded;
DROP TRIGGER entries_not_in_closed_year;
DROP TRIGGER entries_reversal_mirrors;
DROP INDEX entries_by_line;

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
