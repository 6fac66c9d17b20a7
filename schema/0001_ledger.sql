-- fundledger schema, migration 1: catalogue, register, ledger.
-- Append-only: never edit a shipped migration; add 0002_*.sql instead.
-- Every invariant the Rust code checks before a write is checked here a second time
-- (CHECK, FOREIGN KEY, UNIQUE, triggers), so a bug in one layer cannot corrupt the ledger.

-- ---------------------------------------------------------------- catalogue (Annexes 1 and 3)

CREATE TABLE departments (
    code     TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 40),
    name     TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    name_en  TEXT NOT NULL DEFAULT '',
    builtin  INTEGER NOT NULL CHECK (builtin IN (0, 1))
);

-- County-level divisions that receive appropriations and host projects (DOMAIN.md §8).
CREATE TABLE counties (
    code     TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 40),
    name     TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 40),
    name_en  TEXT NOT NULL DEFAULT '',
    builtin  INTEGER NOT NULL CHECK (builtin IN (0, 1))
);

-- Facts about the ledger file itself (origin, creation time).
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

CREATE TABLE subproject_types (
    code        TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 40),
    name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    name_en     TEXT NOT NULL DEFAULT '',
    department  TEXT NOT NULL REFERENCES departments(code),
    agri        INTEGER NOT NULL CHECK (agri IN (0, 1)),
    land        INTEGER NOT NULL CHECK (land IN (0, 1)),
    people      INTEGER NOT NULL CHECK (people IN (0, 1)),
    co_lead     TEXT REFERENCES departments(code),
    annex3      TEXT NOT NULL CHECK (annex3 IN ('listed', 'none', 'absent', 'user')),
    note        TEXT NOT NULL DEFAULT '',
    builtin     INTEGER NOT NULL CHECK (builtin IN (0, 1)),
    seq         INTEGER NOT NULL,
    -- Annex 1: the modes are nested (农 ⊂ 地 ⊂ 人).
    CHECK (agri <= land AND land <= people)
);

CREATE TABLE channels (
    code          TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 60),
    name          TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    name_en       TEXT NOT NULL DEFAULT '',
    policy_owner  TEXT NOT NULL REFERENCES departments(code),
    basis         TEXT NOT NULL DEFAULT '',
    builtin       INTEGER NOT NULL CHECK (builtin IN (0, 1)),
    seq           INTEGER NOT NULL
);

-- Which sub-project types a channel may pay (R2, 用途不变).
CREATE TABLE designations (
    channel  TEXT NOT NULL REFERENCES channels(code),
    type     TEXT NOT NULL REFERENCES subproject_types(code),
    note     TEXT NOT NULL DEFAULT '',
    basis    TEXT NOT NULL DEFAULT '',
    builtin  INTEGER NOT NULL CHECK (builtin IN (0, 1)),
    seq      INTEGER NOT NULL,
    PRIMARY KEY (channel, type)
);

-- The catalogue is extended, never edited: recorded entries were checked against it.
CREATE TRIGGER departments_no_update BEFORE UPDATE ON departments
BEGIN SELECT RAISE(ABORT, 'R4: the catalogue is extended, never edited'); END;
CREATE TRIGGER departments_no_delete BEFORE DELETE ON departments
BEGIN SELECT RAISE(ABORT, 'R4: the catalogue is extended, never edited'); END;
CREATE TRIGGER counties_no_update BEFORE UPDATE ON counties
BEGIN SELECT RAISE(ABORT, 'R4: the catalogue is extended, never edited'); END;
CREATE TRIGGER counties_no_delete BEFORE DELETE ON counties
BEGIN SELECT RAISE(ABORT, 'R4: the catalogue is extended, never edited'); END;
CREATE TRIGGER subproject_types_no_update BEFORE UPDATE ON subproject_types
BEGIN SELECT RAISE(ABORT, 'R4: the catalogue is extended, never edited'); END;
CREATE TRIGGER subproject_types_no_delete BEFORE DELETE ON subproject_types
BEGIN SELECT RAISE(ABORT, 'R4: the catalogue is extended, never edited'); END;
CREATE TRIGGER channels_no_update BEFORE UPDATE ON channels
BEGIN SELECT RAISE(ABORT, 'R4: the catalogue is extended, never edited'); END;
CREATE TRIGGER channels_no_delete BEFORE DELETE ON channels
BEGIN SELECT RAISE(ABORT, 'R4: the catalogue is extended, never edited'); END;
CREATE TRIGGER designations_no_update BEFORE UPDATE ON designations
BEGIN SELECT RAISE(ABORT, 'R4: the catalogue is extended, never edited'); END;
CREATE TRIGGER designations_no_delete BEFORE DELETE ON designations
BEGIN SELECT RAISE(ABORT, 'R4: the catalogue is extended, never edited'); END;

-- ---------------------------------------------------------------- register

CREATE TABLE projects (
    id                 INTEGER PRIMARY KEY,
    code               TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 40),
    name               TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    county             TEXT NOT NULL REFERENCES counties(name),
    scope              TEXT NOT NULL CHECK (scope IN ('cross_township', 'whole_township', 'single_township')),
    towns              TEXT NOT NULL DEFAULT '',
    villages           TEXT NOT NULL DEFAULT '',
    implementing_body  TEXT NOT NULL CHECK (length(implementing_body) BETWEEN 1 AND 200),
    mode               TEXT NOT NULL CHECK (mode IN ('agri', 'land', 'people')),
    approved_on        TEXT NOT NULL CHECK (approved_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    flagship           INTEGER NOT NULL CHECK (flagship IN (0, 1)),
    operator           TEXT NOT NULL,
    recorded_at        TEXT NOT NULL
);

CREATE TABLE subprojects (
    id                  INTEGER PRIMARY KEY,
    code                TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 40),
    project_id          INTEGER NOT NULL REFERENCES projects(id),
    type                TEXT NOT NULL REFERENCES subproject_types(code),
    status              TEXT NOT NULL CHECK (status IN ('ongoing', 'planned', 'excluded')),
    quantity            TEXT NOT NULL DEFAULT '',
    unit                TEXT NOT NULL DEFAULT '',
    investment_fen      INTEGER NOT NULL CHECK (typeof(investment_fen) = 'integer' AND investment_fen >= 0),
    letter              TEXT NOT NULL DEFAULT '',
    standalone_fen      INTEGER CHECK (standalone_fen IS NULL OR (typeof(standalone_fen) = 'integer' AND standalone_fen >= 0)),
    standalone_doc      TEXT NOT NULL DEFAULT '',
    operator            TEXT NOT NULL,
    recorded_at         TEXT NOT NULL,
    CHECK (standalone_fen IS NULL OR length(standalone_doc) > 0)
);
CREATE INDEX subprojects_by_project ON subprojects(project_id);

-- R7: a sub-project's type must be ticked (Annex 1) for its project's declared mode.
CREATE TRIGGER subprojects_mode_admissible BEFORE INSERT ON subprojects
WHEN NOT EXISTS (
    SELECT 1 FROM projects p JOIN subproject_types t ON t.code = NEW.type
    WHERE p.id = NEW.project_id
      AND ((p.mode = 'agri' AND t.agri = 1) OR (p.mode = 'land' AND t.land = 1)
           OR (p.mode = 'people' AND t.people = 1)))
BEGIN
    SELECT RAISE(ABORT, 'R7: sub-project type not admissible for the project''s mode');
END;

CREATE TABLE appropriations (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 40),
    doc_no       TEXT NOT NULL CHECK (length(doc_no) BETWEEN 1 AND 100),
    channel      TEXT NOT NULL REFERENCES channels(code),
    level        TEXT NOT NULL CHECK (level IN ('central', 'provincial', 'city', 'county')),
    county       TEXT NOT NULL REFERENCES counties(name),
    issued_on    TEXT NOT NULL CHECK (issued_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    amount_fen   INTEGER NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
    operator     TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);

-- Register rows are facts too: never edited or deleted (R4).
CREATE TRIGGER projects_no_update BEFORE UPDATE ON projects
BEGIN SELECT RAISE(ABORT, 'R4: recorded projects are never edited'); END;
CREATE TRIGGER projects_no_delete BEFORE DELETE ON projects
BEGIN SELECT RAISE(ABORT, 'R4: recorded projects are never deleted'); END;
CREATE TRIGGER subprojects_no_update BEFORE UPDATE ON subprojects
BEGIN SELECT RAISE(ABORT, 'R4: recorded sub-projects are never edited'); END;
CREATE TRIGGER subprojects_no_delete BEFORE DELETE ON subprojects
BEGIN SELECT RAISE(ABORT, 'R4: recorded sub-projects are never deleted'); END;
CREATE TRIGGER appropriations_no_update BEFORE UPDATE ON appropriations
BEGIN SELECT RAISE(ABORT, 'R4: recorded appropriations are never edited'); END;
CREATE TRIGGER appropriations_no_delete BEFORE DELETE ON appropriations
BEGIN SELECT RAISE(ABORT, 'R4: recorded appropriations are never deleted'); END;

-- ---------------------------------------------------------------- ledger

CREATE TABLE closed_years (
    year       INTEGER PRIMARY KEY CHECK (year BETWEEN 1900 AND 9999),
    operator   TEXT NOT NULL,
    closed_at  TEXT NOT NULL
);
CREATE TRIGGER closed_years_no_update BEFORE UPDATE ON closed_years
BEGIN SELECT RAISE(ABORT, 'R5: a close is a recorded fact'); END;
CREATE TRIGGER closed_years_no_delete BEFORE DELETE ON closed_years
BEGIN SELECT RAISE(ABORT, 'R5: a close is a recorded fact'); END;

CREATE TABLE entries (
    id                INTEGER PRIMARY KEY,
    voucher           TEXT NOT NULL UNIQUE CHECK (length(voucher) BETWEEN 1 AND 60),
    date              TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    kind              TEXT NOT NULL CHECK (kind IN ('allocate', 'disburse', 'pay', 'withdraw', 'return', 'reverse')),
    appropriation_id  INTEGER NOT NULL REFERENCES appropriations(id),
    subproject_id     INTEGER NOT NULL REFERENCES subprojects(id),
    amount_fen        INTEGER NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
    -- R4: a reversal names the entry it reverses, and an entry is reversed at most once.
    reverses_id       INTEGER UNIQUE REFERENCES entries(id),
    memo              TEXT NOT NULL DEFAULT '',
    operator          TEXT NOT NULL,
    recorded_at       TEXT NOT NULL,
    CHECK ((kind = 'reverse') = (reverses_id IS NOT NULL))
);
CREATE INDEX entries_by_line ON entries(appropriation_id, subproject_id);

-- R4: recorded entries are immutable.
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'R4: recorded entries are never edited; post a reversing entry'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'R4: recorded entries are never deleted; post a reversing entry'); END;

-- R5: no entry dated in a closed year.
CREATE TRIGGER entries_not_in_closed_year BEFORE INSERT ON entries
WHEN EXISTS (SELECT 1 FROM closed_years WHERE year = CAST(substr(NEW.date, 1, 4) AS INTEGER))
BEGIN SELECT RAISE(ABORT, 'R5: the entry is dated in a closed year'); END;

-- A reversal mirrors its original exactly (same line, same amount), is not dated before it,
-- and is never itself reversed.
CREATE TRIGGER entries_reversal_mirrors BEFORE INSERT ON entries
WHEN NEW.reverses_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM entries o WHERE o.id = NEW.reverses_id AND o.kind <> 'reverse'
      AND o.appropriation_id = NEW.appropriation_id AND o.subproject_id = NEW.subproject_id
      AND o.amount_fen = NEW.amount_fen AND o.date <= NEW.date)
BEGIN SELECT RAISE(ABORT, 'R4: a reversal must mirror a non-reversal entry exactly'); END;

-- R1: an appropriation pays only sub-projects of the county it was issued to.
CREATE TRIGGER entries_same_county BEFORE INSERT ON entries
WHEN NOT EXISTS (
    SELECT 1 FROM appropriations a
    JOIN subprojects s ON s.id = NEW.subproject_id
    JOIN projects p ON p.id = s.project_id
    WHERE a.id = NEW.appropriation_id AND a.county = p.county)
BEGIN SELECT RAISE(ABORT, 'R1: the appropriation was issued to another county'); END;

-- R2: the line's channel must designate the sub-project's type.
CREATE TRIGGER entries_designated_use BEFORE INSERT ON entries
WHEN NOT EXISTS (
    SELECT 1 FROM appropriations a
    JOIN subprojects s ON s.id = NEW.subproject_id
    JOIN designations d ON d.channel = a.channel AND d.type = s.type
    WHERE a.id = NEW.appropriation_id)
BEGIN SELECT RAISE(ABORT, 'R2: the channel does not designate this sub-project''s type'); END;

-- Money cannot move before its appropriation was issued.
CREATE TRIGGER entries_after_issue BEFORE INSERT ON entries
WHEN NEW.date < (SELECT issued_on FROM appropriations WHERE id = NEW.appropriation_id)
BEGIN SELECT RAISE(ABORT, 'the entry is dated before its appropriation was issued'); END;

-- R2: an excluded (不开展) sub-project receives nothing.
CREATE TRIGGER entries_not_excluded BEFORE INSERT ON entries
WHEN (SELECT status FROM subprojects WHERE id = NEW.subproject_id) = 'excluded'
BEGIN SELECT RAISE(ABORT, 'R2: an excluded sub-project receives nothing'); END;

-- Maintained balances per line (appropriation, sub-project), reversals netted into the
-- column of the kind they reverse. Derived state: `verify` recomputes it from entries.
CREATE TABLE line_balances (
    appropriation_id  INTEGER NOT NULL REFERENCES appropriations(id),
    subproject_id     INTEGER NOT NULL REFERENCES subprojects(id),
    allocated_fen     INTEGER NOT NULL DEFAULT 0,
    withdrawn_fen     INTEGER NOT NULL DEFAULT 0,
    disbursed_fen     INTEGER NOT NULL DEFAULT 0,
    returned_fen      INTEGER NOT NULL DEFAULT 0,
    paid_fen          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (appropriation_id, subproject_id),
    -- R3: undisbursed and held never go negative.
    CHECK (allocated_fen - withdrawn_fen - disbursed_fen >= 0),
    CHECK (disbursed_fen - returned_fen - paid_fen >= 0),
    CHECK (allocated_fen >= 0 AND withdrawn_fen >= 0 AND disbursed_fen >= 0
           AND returned_fen >= 0 AND paid_fen >= 0),
    -- R6: whole fen only.
    CHECK (typeof(allocated_fen) = 'integer' AND typeof(withdrawn_fen) = 'integer'
           AND typeof(disbursed_fen) = 'integer' AND typeof(returned_fen) = 'integer'
           AND typeof(paid_fen) = 'integer')
) WITHOUT ROWID;

-- R3: an appropriation is never over-allocated.
CREATE TRIGGER line_balances_within_appropriation_ins AFTER INSERT ON line_balances
WHEN (SELECT sum(allocated_fen - withdrawn_fen - returned_fen) FROM line_balances
      WHERE appropriation_id = NEW.appropriation_id)
     > (SELECT amount_fen FROM appropriations WHERE id = NEW.appropriation_id)
BEGIN SELECT RAISE(ABORT, 'R3: allocations exceed the appropriation'); END;
CREATE TRIGGER line_balances_within_appropriation_upd AFTER UPDATE ON line_balances
WHEN (SELECT sum(allocated_fen - withdrawn_fen - returned_fen) FROM line_balances
      WHERE appropriation_id = NEW.appropriation_id)
     > (SELECT amount_fen FROM appropriations WHERE id = NEW.appropriation_id)
BEGIN SELECT RAISE(ABORT, 'R3: allocations exceed the appropriation'); END;
