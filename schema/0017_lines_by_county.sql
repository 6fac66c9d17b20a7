-- fundledger schema, migration 17: one county's lines found without reading the whole city.
-- The web application's pages and a county's statement read the balance lines of one county
-- (or of one project) on every view: projects by county, then their sub-projects (indexed
-- since migration 1), then the lines of each sub-project. Without these indexes each view read
-- every line of the city and looked up its sub-project and project.

CREATE INDEX projects_by_county ON projects (county);
CREATE INDEX line_balances_by_subproject ON line_balances (subproject_id);
