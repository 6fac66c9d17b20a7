-- fundledger schema, migration 2: subsidy rules (DOMAIN.md §5).
-- A rule says what one channel pays a sub-project (optionally of one type) on its own.

CREATE TABLE subsidy_rules (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL REFERENCES channels(code),
    type         TEXT REFERENCES subproject_types(code),
    shape        TEXT NOT NULL CHECK (shape IN ('per_unit', 'share_of_investment', 'fixed', 'tiered')),
    -- per_unit: fen per unit of the sub-project's quantity.
    rate_fen     INTEGER CHECK (rate_fen IS NULL OR rate_fen > 0),
    unit         TEXT NOT NULL DEFAULT '',
    -- share_of_investment: an exact decimal percentage, e.g. '30' or '12.5'.
    percent      TEXT,
    cap_fen      INTEGER CHECK (cap_fen IS NULL OR cap_fen > 0),
    -- fixed: the amount per sub-project.
    amount_fen   INTEGER CHECK (amount_fen IS NULL OR amount_fen > 0),
    -- tiered: 'threshold=fen;…' ascending, thresholds in the rule's unit.
    tiers        TEXT NOT NULL DEFAULT '',
    valid_from   TEXT NOT NULL CHECK (valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    valid_to     TEXT NOT NULL CHECK (valid_to GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    source_doc   TEXT NOT NULL CHECK (length(source_doc) BETWEEN 1 AND 300),
    sample       INTEGER NOT NULL CHECK (sample IN (0, 1)),
    builtin      INTEGER NOT NULL CHECK (builtin IN (0, 1)),
    operator     TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    CHECK (valid_from <= valid_to),
    CHECK ((shape = 'per_unit') = (rate_fen IS NOT NULL)),
    CHECK ((shape = 'share_of_investment') = (percent IS NOT NULL)),
    CHECK ((shape = 'fixed') = (amount_fen IS NOT NULL)),
    CHECK ((shape = 'tiered') = (tiers <> ''))
);

-- The designation must exist for a type-specific rule (a rule cannot widen R2).
CREATE TRIGGER subsidy_rules_designated BEFORE INSERT ON subsidy_rules
WHEN NEW.type IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM designations WHERE channel = NEW.channel AND type = NEW.type)
BEGIN SELECT RAISE(ABORT, 'R2: a subsidy rule must follow a designation'); END;

-- No two rules for the same channel and type may be valid on the same day.
CREATE TRIGGER subsidy_rules_no_overlap BEFORE INSERT ON subsidy_rules
WHEN EXISTS (
    SELECT 1 FROM subsidy_rules r
    WHERE r.channel = NEW.channel AND r.type IS NEW.type
      AND r.valid_from <= NEW.valid_to AND NEW.valid_from <= r.valid_to)
BEGIN SELECT RAISE(ABORT, 'overlapping subsidy rules for the same channel, type and date'); END;

CREATE TRIGGER subsidy_rules_no_update BEFORE UPDATE ON subsidy_rules
BEGIN SELECT RAISE(ABORT, 'R4: recorded subsidy rules are never edited; add a rule with new dates'); END;
CREATE TRIGGER subsidy_rules_no_delete BEFORE DELETE ON subsidy_rules
BEGIN SELECT RAISE(ABORT, 'R4: recorded subsidy rules are never deleted'); END;
