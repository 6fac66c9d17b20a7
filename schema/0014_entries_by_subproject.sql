-- fundledger schema, migration 14: the entries of one sub-project found without reading the
-- whole table. The web application's pages (a sub-project's entries, a project's
-- reconciliation) ask for them on every view; without this index each such question read
-- every entry of the city.

CREATE INDEX entries_by_subproject ON entries (subproject_id, date);
