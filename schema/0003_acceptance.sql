-- fundledger schema, migration 3: acceptance records (policy 四（四）, DOMAIN.md §6).
-- Each department accepts its own sub-projects (单项验收); the project's overall acceptance
-- (整体验收) may follow only when every non-excluded sub-project passed; then the county's
-- acceptance (县级验收), then the city's, by batch (市级验收), with an optional quality award.
-- A failed acceptance is recorded too and may be followed by a new one; nothing is edited.

CREATE TABLE acceptances (
    id             INTEGER PRIMARY KEY,
    stage          TEXT NOT NULL CHECK (stage IN ('item', 'overall', 'county', 'city')),
    project_id     INTEGER NOT NULL REFERENCES projects(id),
    -- item acceptance only: the sub-project and the department that accepted it.
    subproject_id  INTEGER REFERENCES subprojects(id),
    department     TEXT REFERENCES departments(code),
    result         TEXT NOT NULL CHECK (result IN ('passed', 'failed')),
    accepted_on    TEXT NOT NULL CHECK (accepted_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    document       TEXT NOT NULL CHECK (length(document) BETWEEN 1 AND 200),
    -- city acceptance only: the batch (批次) and whether the project won the quality award.
    batch          TEXT NOT NULL DEFAULT '',
    award          INTEGER NOT NULL DEFAULT 0 CHECK (award IN (0, 1)),
    memo           TEXT NOT NULL DEFAULT '',
    operator       TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    CHECK ((stage = 'item') = (subproject_id IS NOT NULL)),
    CHECK ((stage = 'item') = (department IS NOT NULL)),
    CHECK ((stage = 'city') = (batch <> '')),
    CHECK (stage = 'city' OR award = 0),
    CHECK (award = 0 OR result = 'passed')
);
CREATE INDEX acceptances_by_project ON acceptances(project_id, stage);

CREATE TRIGGER acceptances_no_update BEFORE UPDATE ON acceptances
BEGIN SELECT RAISE(ABORT, 'R4: an acceptance is a recorded fact; record a new one'); END;
CREATE TRIGGER acceptances_no_delete BEFORE DELETE ON acceptances
BEGIN SELECT RAISE(ABORT, 'R4: an acceptance is a recorded fact; record a new one'); END;

-- An item acceptance names a sub-project of the project, and not an excluded one.
CREATE TRIGGER acceptances_item_of_project BEFORE INSERT ON acceptances
WHEN NEW.stage = 'item' AND NOT EXISTS (
    SELECT 1 FROM subprojects s
    WHERE s.id = NEW.subproject_id AND s.project_id = NEW.project_id AND s.status <> 'excluded')
BEGIN SELECT RAISE(ABORT, 'acceptance: an item acceptance names a non-excluded sub-project of the project'); END;

-- Nothing is accepted before the project was approved.
CREATE TRIGGER acceptances_after_approval BEFORE INSERT ON acceptances
WHEN NEW.accepted_on < (SELECT approved_on FROM projects WHERE id = NEW.project_id)
BEGIN SELECT RAISE(ABORT, 'acceptance: dated before the project was approved'); END;

-- An item is accepted by the lead or co-lead department of its type.
CREATE TRIGGER acceptances_item_department BEFORE INSERT ON acceptances
WHEN NEW.stage = 'item' AND NOT EXISTS (
    SELECT 1 FROM subprojects s JOIN subproject_types t ON t.code = s.type
    WHERE s.id = NEW.subproject_id AND NEW.department IN (t.department, t.co_lead))
BEGIN SELECT RAISE(ABORT, 'acceptance: an item is accepted by its type''s lead or co-lead department'); END;

-- A stage that passed is not accepted again.
CREATE TRIGGER acceptances_once_passed BEFORE INSERT ON acceptances
WHEN EXISTS (
    SELECT 1 FROM acceptances a
    WHERE a.stage = NEW.stage AND a.project_id = NEW.project_id AND a.result = 'passed'
      AND (NEW.stage <> 'item' OR a.subproject_id = NEW.subproject_id))
BEGIN SELECT RAISE(ABORT, 'acceptance: this stage has already passed'); END;

-- Overall acceptance only when every non-excluded sub-project (and there is one) passed its
-- item acceptance on or before the overall acceptance's date.
CREATE TRIGGER acceptances_overall_after_items BEFORE INSERT ON acceptances
WHEN NEW.stage = 'overall' AND (EXISTS (
    SELECT 1 FROM subprojects s
    WHERE s.project_id = NEW.project_id AND s.status <> 'excluded'
      AND NOT EXISTS (SELECT 1 FROM acceptances a
                      WHERE a.stage = 'item' AND a.subproject_id = s.id AND a.result = 'passed'
                        AND a.accepted_on <= NEW.accepted_on))
    OR NOT EXISTS (SELECT 1 FROM subprojects s WHERE s.project_id = NEW.project_id AND s.status <> 'excluded'))
BEGIN SELECT RAISE(ABORT, 'acceptance: overall acceptance needs every non-excluded sub-project passed'); END;

-- County acceptance after the overall one passed; city acceptance after the county's.
CREATE TRIGGER acceptances_stage_order BEFORE INSERT ON acceptances
WHEN NEW.stage IN ('county', 'city') AND NOT EXISTS (
    SELECT 1 FROM acceptances a
    WHERE a.project_id = NEW.project_id AND a.result = 'passed'
      AND a.stage = CASE NEW.stage WHEN 'county' THEN 'overall' ELSE 'county' END
      AND a.accepted_on <= NEW.accepted_on)
BEGIN SELECT RAISE(ABORT, 'acceptance: the previous stage has not passed'); END;
