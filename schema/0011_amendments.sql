-- fundledger schema, migration 11: register amendments (DOMAIN.md §4, "the register changes,
-- by amendment, never by edit").
--
-- A sub-project moves from 拟同步建设 to 在建 or 不开展, its quantity or planned investment is
-- revised, a standalone subsidy is approved on one of its channels; a project is designated
-- 精品示范工程, changes its mode or its implementing body. Each change is one appended row of
-- `amendments` with its effective date, document and reason; the register rows themselves
-- are never edited. The version of a sub-project (or project) in force on a date is its
-- register row with, per field, the value of the latest amendment effective on or before that
-- date. Append-only and chained in the audit chain.

CREATE TABLE amendments (
    id             INTEGER PRIMARY KEY,
    subject        TEXT NOT NULL CHECK (subject IN ('subproject', 'project')),
    project_id     INTEGER REFERENCES projects(id),
    subproject_id  INTEGER REFERENCES subprojects(id),
    -- status, quantity, unit, investment, standalone:CHANNEL (sub-projects); flagship, mode,
    -- implementing_body (projects).
    field          TEXT NOT NULL CHECK (
        (subject = 'subproject' AND (field IN ('status', 'quantity', 'unit', 'investment')
                                     OR field GLOB 'standalone:?*'))
        OR (subject = 'project' AND field IN ('flagship', 'mode', 'implementing_body'))),
    -- The new value in canonical form: a status or mode code, yes/no, amounts in yuan with two
    -- decimals.
    value          TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 200),
    effective      TEXT NOT NULL CHECK (effective GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    document       TEXT NOT NULL CHECK (length(document) BETWEEN 1 AND 100),
    reason         TEXT NOT NULL CHECK (length(trim(reason)) BETWEEN 1 AND 500),
    operator       TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    CHECK ((subject = 'subproject') = (subproject_id IS NOT NULL AND project_id IS NULL)),
    CHECK ((subject = 'project') = (project_id IS NOT NULL AND subproject_id IS NULL)),
    CHECK (field <> 'status' OR value IN ('ongoing', 'planned', 'excluded')),
    CHECK (field <> 'mode' OR value IN ('agri', 'land', 'people')),
    CHECK (field <> 'flagship' OR value IN ('yes', 'no'))
);

-- R4: one document changes one field of one sub-project or project once.
CREATE UNIQUE INDEX amendments_once ON amendments (subject, coalesce(subproject_id, project_id), field, document);
CREATE INDEX amendments_by_subproject ON amendments (subproject_id, field, effective);
CREATE INDEX amendments_by_project ON amendments (project_id, field, effective);

CREATE TRIGGER amendments_no_update BEFORE UPDATE ON amendments
BEGIN SELECT RAISE(ABORT, 'R4: recorded amendments are never edited; record another amendment'); END;
CREATE TRIGGER amendments_no_delete BEFORE DELETE ON amendments
BEGIN SELECT RAISE(ABORT, 'R4: recorded amendments are never deleted; record another amendment'); END;

-- The second check of what the amendments writer checks first: no amendment in the future or
-- in a closed year, and no exclusion effective on or before a day money moved on the
-- sub-project (R2: an excluded sub-project receives nothing).
CREATE TRIGGER amendments_checked BEFORE INSERT ON amendments
BEGIN
    SELECT CASE
        WHEN NEW.effective > date('now', 'localtime')
            THEN RAISE(ABORT, 'R3: the amendment is effective after today')
        WHEN (SELECT action FROM period_events WHERE year = CAST(substr(NEW.effective, 1, 4) AS INTEGER)
              ORDER BY id DESC LIMIT 1) = 'close'
            THEN RAISE(ABORT, 'R5: the amendment is effective in a closed year')
        WHEN NEW.field = 'status' AND NEW.value = 'excluded' AND EXISTS (
                SELECT 1 FROM entries e WHERE e.subproject_id = NEW.subproject_id AND e.date >= NEW.effective)
            THEN RAISE(ABORT, 'R2: money moved on the sub-project on or after the day it would be excluded')
    END;
END;

-- The rules, checked again by SQLite for every entry however it is written (migration 7),
-- with R2's exclusion judged by the status in force on the entry's date.
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
        WHEN coalesce((SELECT m.value FROM amendments m
                       WHERE m.subproject_id = s.id AND m.field = 'status' AND m.effective <= NEW.date
                       ORDER BY m.effective DESC, m.id DESC LIMIT 1), s.status) = 'excluded'
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
