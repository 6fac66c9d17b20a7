-- fundledger schema, migration 10: confirmation letters (集成部门项目确认书, policy Annex 2).
--
-- A county competent department confirms to the county 领导小组 which of a project's
-- sub-projects are ongoing (在建), planned (拟同步建设) or excluded (不开展建设). A letter is
-- one row of `letters` and one row of `letter_lines` per sub-project it names. Only these new
-- tables are touched; both are append-only (a letter is never edited: a new one is issued)
-- and chained in the audit chain.

CREATE TABLE letters (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE CHECK (length(trim(code)) BETWEEN 1 AND 100),
    project_id   INTEGER NOT NULL REFERENCES projects(id),
    department   TEXT NOT NULL REFERENCES departments(code),
    issued_on    TEXT NOT NULL CHECK (issued_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    operator     TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);

CREATE TRIGGER letters_no_update BEFORE UPDATE ON letters
BEGIN SELECT RAISE(ABORT, 'R4: a confirmation letter is never edited; record a new letter'); END;
CREATE TRIGGER letters_no_delete BEFORE DELETE ON letters
BEGIN SELECT RAISE(ABORT, 'R4: a confirmation letter is never edited; record a new letter'); END;

CREATE TABLE letter_lines (
    id             INTEGER PRIMARY KEY,
    letter_id      INTEGER NOT NULL REFERENCES letters(id),
    subproject_id  INTEGER NOT NULL REFERENCES subprojects(id),
    status         TEXT NOT NULL CHECK (status IN ('ongoing', 'planned', 'excluded')),
    UNIQUE (letter_id, subproject_id)
);

CREATE INDEX letter_lines_by_subproject ON letter_lines (subproject_id);

CREATE TRIGGER letter_lines_no_update BEFORE UPDATE ON letter_lines
BEGIN SELECT RAISE(ABORT, 'R4: a confirmation letter is never edited; record a new letter'); END;
CREATE TRIGGER letter_lines_no_delete BEFORE DELETE ON letter_lines
BEGIN SELECT RAISE(ABORT, 'R4: a confirmation letter is never edited; record a new letter'); END;

-- The second check of the rule the importer checks first: a letter names only sub-projects
-- of its own project.
CREATE TRIGGER letter_lines_of_project BEFORE INSERT ON letter_lines
WHEN NOT EXISTS (
    SELECT 1 FROM letters l JOIN subprojects s ON s.project_id = l.project_id
    WHERE l.id = NEW.letter_id AND s.id = NEW.subproject_id
)
BEGIN SELECT RAISE(ABORT, 'letter: a confirmation letter names only sub-projects of its own project'); END;
