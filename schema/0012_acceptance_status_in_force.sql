-- Acceptance judges a sub-project by the status in force on the acceptance's date (the latest
-- status amendment effective on or before it, else the register's), as every other rule does
-- since migration 11: a sub-project excluded by amendment is not accepted, and does not hold
-- up the overall acceptance.
DROP TRIGGER acceptances_item_of_project;
CREATE TRIGGER acceptances_item_of_project BEFORE INSERT ON acceptances
WHEN NEW.stage = 'item' AND NOT EXISTS (
    SELECT 1 FROM subprojects s
    WHERE s.id = NEW.subproject_id AND s.project_id = NEW.project_id
      AND coalesce((SELECT m.value FROM amendments m
                    WHERE m.subproject_id = s.id AND m.field = 'status' AND m.effective <= NEW.accepted_on
                    ORDER BY m.effective DESC, m.id DESC LIMIT 1), s.status) <> 'excluded')
BEGIN SELECT RAISE(ABORT, 'acceptance: an item acceptance names a non-excluded sub-project of the project'); END;

DROP TRIGGER acceptances_overall_after_items;
CREATE TRIGGER acceptances_overall_after_items BEFORE INSERT ON acceptances
WHEN NEW.stage = 'overall' AND (EXISTS (
    SELECT 1 FROM subprojects s
    WHERE s.project_id = NEW.project_id
      AND coalesce((SELECT m.value FROM amendments m
                    WHERE m.subproject_id = s.id AND m.field = 'status' AND m.effective <= NEW.accepted_on
                    ORDER BY m.effective DESC, m.id DESC LIMIT 1), s.status) <> 'excluded'
      AND NOT EXISTS (SELECT 1 FROM acceptances a
                      WHERE a.stage = 'item' AND a.subproject_id = s.id AND a.result = 'passed'
                        AND a.accepted_on <= NEW.accepted_on))
    OR NOT EXISTS (
        SELECT 1 FROM subprojects s
        WHERE s.project_id = NEW.project_id
          AND coalesce((SELECT m.value FROM amendments m
                        WHERE m.subproject_id = s.id AND m.field = 'status' AND m.effective <= NEW.accepted_on
                        ORDER BY m.effective DESC, m.id DESC LIMIT 1), s.status) <> 'excluded'))
BEGIN SELECT RAISE(ABORT, 'acceptance: overall acceptance needs every non-excluded sub-project passed'); END;
