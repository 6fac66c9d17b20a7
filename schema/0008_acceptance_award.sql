-- fundledger schema, migration 8: the quality award (优质工程) as its own yearly selection, and
-- the county bureau that organised an item acceptance (policy 四（四）, DOMAIN.md §6).
--
-- Only acceptance tables are touched. Both tables are append-only and chained in the audit
-- chain; the `acceptances` rows recorded before stay as they are (a new column would change
-- the canonical bytes their chain links were computed from), so the bureau is a row of its
-- own, and the award flag that `accept city --award` sets on a city acceptance still counts.

-- 优质工程: the city selects a batch of projects accepted that year. A project wins it once,
-- for a year not before its city acceptance, and only after that acceptance passed.
CREATE TABLE acceptance_awards (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL UNIQUE REFERENCES projects(id),
    year         INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
    document     TEXT NOT NULL CHECK (length(document) BETWEEN 1 AND 200),
    -- The day the selection was announced, when the clerk knows it.
    awarded_on   TEXT CHECK (awarded_on IS NULL
                             OR awarded_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    memo         TEXT NOT NULL DEFAULT '',
    operator     TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    CHECK (awarded_on IS NULL OR CAST(substr(awarded_on, 1, 4) AS INTEGER) >= year)
);

CREATE TRIGGER acceptance_awards_no_update BEFORE UPDATE ON acceptance_awards
BEGIN SELECT RAISE(ABORT, 'R4: an award is a recorded fact; record a new one'); END;
CREATE TRIGGER acceptance_awards_no_delete BEFORE DELETE ON acceptance_awards
BEGIN SELECT RAISE(ABORT, 'R4: an award is a recorded fact; record a new one'); END;

CREATE TRIGGER acceptance_awards_checked BEFORE INSERT ON acceptance_awards
BEGIN
    SELECT CASE
        WHEN c.accepted_on IS NULL
            THEN RAISE(ABORT, 'acceptance: the quality award follows a passed city acceptance')
        WHEN NEW.year < CAST(substr(c.accepted_on, 1, 4) AS INTEGER)
            THEN RAISE(ABORT, 'acceptance: the quality award is for a year not before the city acceptance')
        WHEN NEW.awarded_on < c.accepted_on
            THEN RAISE(ABORT, 'acceptance: the quality award is dated before the city acceptance')
        WHEN NEW.year > CAST(strftime('%Y', 'now', 'localtime') AS INTEGER)
            THEN RAISE(ABORT, 'acceptance: the quality award is for a year still to come')
        WHEN NEW.awarded_on > date('now', 'localtime')
            THEN RAISE(ABORT, 'acceptance: the quality award is dated after today')
        WHEN c.award = 1
            THEN RAISE(ABORT, 'acceptance: the project already won the quality award at its city acceptance')
    END
    FROM (SELECT 1) AS one
    LEFT JOIN acceptances c ON c.project_id = NEW.project_id AND c.stage = 'city' AND c.result = 'passed';
END;

-- 单项验收 is organised by the county-level competent department (县级主管部门): its name, for
-- an item acceptance (the city department of the catalogue stays on the acceptance itself).
CREATE TABLE acceptance_bureaus (
    acceptance_id  INTEGER PRIMARY KEY REFERENCES acceptances(id),
    bureau         TEXT NOT NULL CHECK (length(trim(bureau)) BETWEEN 1 AND 100)
);

CREATE TRIGGER acceptance_bureaus_no_update BEFORE UPDATE ON acceptance_bureaus
BEGIN SELECT RAISE(ABORT, 'R4: an acceptance is a recorded fact; record a new one'); END;
CREATE TRIGGER acceptance_bureaus_no_delete BEFORE DELETE ON acceptance_bureaus
BEGIN SELECT RAISE(ABORT, 'R4: an acceptance is a recorded fact; record a new one'); END;

CREATE TRIGGER acceptance_bureaus_of_item BEFORE INSERT ON acceptance_bureaus
WHEN NOT EXISTS (SELECT 1 FROM acceptances a WHERE a.id = NEW.acceptance_id AND a.stage = 'item')
BEGIN SELECT RAISE(ABORT, 'acceptance: a county bureau organises item acceptances only'); END;
