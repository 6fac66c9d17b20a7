-- fundledger schema, migration 15: four-eyes approval (maker-checker) of money movements.
--
-- When the city asks for it (`approval --kinds …`), a voucher whose lines are of those kinds
-- is not recorded as entries at once: it is submitted as a pending item (one row of
-- `pending_items`, one row of `pending_lines` per voucher line), which reserves the money it
-- would take (TigerBeetle's pending transfers), and it takes effect only when a second person
-- approves it: then its lines are recorded as entries under the same voucher and line numbers.
-- A rejection, with its reason, releases the reservation. Items and decisions are never
-- edited or deleted, and are chained in the audit chain like every recorded fact.

-- Which kinds need a second person, from when, and by whom it was decided; the latest row is
-- in force. `kinds` is a comma-separated list of entry kinds ('' turns approval off);
-- `above_fen`, when set, limits approval to lines of more than that amount.
CREATE TABLE approval_settings (
    id           INTEGER PRIMARY KEY,
    kinds        TEXT NOT NULL CHECK (kinds NOT GLOB '*[^a-z,]*'),
    above_fen    INTEGER CHECK (above_fen IS NULL OR (typeof(above_fen) = 'integer' AND above_fen >= 0)),
    operator     TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);

CREATE TRIGGER approval_settings_no_update BEFORE UPDATE ON approval_settings
BEGIN SELECT RAISE(ABORT, 'R4: an approval setting is never edited; record a new one'); END;
CREATE TRIGGER approval_settings_no_delete BEFORE DELETE ON approval_settings
BEGIN SELECT RAISE(ABORT, 'R4: an approval setting is never edited; record a new one'); END;

-- A voucher submitted for approval. A voucher number is submitted once: approved, its lines
-- are the entries of that voucher; rejected, the number stays used.
CREATE TABLE pending_items (
    id            INTEGER PRIMARY KEY,
    voucher       TEXT NOT NULL UNIQUE CHECK (length(voucher) BETWEEN 1 AND 60),
    maker         TEXT NOT NULL,
    submitted_at  TEXT NOT NULL
);

CREATE TABLE pending_lines (
    id                INTEGER PRIMARY KEY,
    item_id           INTEGER NOT NULL REFERENCES pending_items(id),
    line              INTEGER NOT NULL CHECK (typeof(line) = 'integer' AND line BETWEEN 1 AND 9999),
    date              TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    kind              TEXT NOT NULL CHECK (kind IN ('allocate', 'disburse', 'pay', 'withdraw', 'return')),
    appropriation_id  INTEGER NOT NULL REFERENCES appropriations(id),
    subproject_id     INTEGER NOT NULL REFERENCES subprojects(id),
    amount_fen        INTEGER NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
    memo              TEXT NOT NULL DEFAULT '',
    UNIQUE (item_id, line)
);

-- One decision per item, by someone other than its maker; a rejection says why.
CREATE TABLE pending_decisions (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL UNIQUE REFERENCES pending_items(id),
    decision    TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
    reason      TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    checker     TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    CHECK (decision = 'approve' OR length(trim(reason)) > 0)
);

CREATE TRIGGER pending_items_no_update BEFORE UPDATE ON pending_items
BEGIN SELECT RAISE(ABORT, 'R4: a pending item is never edited; reject it and submit a new voucher'); END;
CREATE TRIGGER pending_items_no_delete BEFORE DELETE ON pending_items
BEGIN SELECT RAISE(ABORT, 'R4: a pending item is never deleted; reject it'); END;
CREATE TRIGGER pending_lines_no_update BEFORE UPDATE ON pending_lines
BEGIN SELECT RAISE(ABORT, 'R4: a pending item is never edited; reject it and submit a new voucher'); END;
CREATE TRIGGER pending_lines_no_delete BEFORE DELETE ON pending_lines
BEGIN SELECT RAISE(ABORT, 'R4: a pending item is never deleted; reject it'); END;
CREATE TRIGGER pending_decisions_no_update BEFORE UPDATE ON pending_decisions
BEGIN SELECT RAISE(ABORT, 'R4: a decision is never edited'); END;
CREATE TRIGGER pending_decisions_no_delete BEFORE DELETE ON pending_decisions
BEGIN SELECT RAISE(ABORT, 'R4: a decision is never deleted'); END;

-- Four eyes: the maker never decides their own item, and a decided item takes no new line.
CREATE TRIGGER pending_decisions_four_eyes BEFORE INSERT ON pending_decisions
BEGIN
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM pending_items WHERE id = NEW.item_id)
            THEN RAISE(ABORT, 'approval: the decision names no pending item')
        WHEN (SELECT maker FROM pending_items WHERE id = NEW.item_id) = NEW.checker
            THEN RAISE(ABORT, 'approval: the maker of an item cannot approve or reject it (four eyes)')
    END;
END;
CREATE TRIGGER pending_lines_undecided BEFORE INSERT ON pending_lines
WHEN EXISTS (SELECT 1 FROM pending_decisions WHERE item_id = NEW.item_id)
BEGIN SELECT RAISE(ABORT, 'approval: a decided item takes no new line'); END;

-- What undecided items hold back, per line and the pool they take from: `available` on the
-- appropriation (allocate), `undisbursed` (disburse, withdraw) or `held` (pay, return).
-- Derived state, kept by the triggers below and re-derived by `verify`.
CREATE TABLE reservations (
    appropriation_id  INTEGER NOT NULL REFERENCES appropriations(id),
    subproject_id     INTEGER NOT NULL REFERENCES subprojects(id),
    pool              TEXT NOT NULL CHECK (pool IN ('available', 'undisbursed', 'held')),
    reserved_fen      INTEGER NOT NULL CHECK (typeof(reserved_fen) = 'integer' AND reserved_fen >= 0),
    PRIMARY KEY (appropriation_id, subproject_id, pool)
) WITHOUT ROWID;

-- A new pending line reserves its amount, and is refused (R3 counts pending) when the pool,
-- less everything reserved on it, cannot hold it today.
CREATE TRIGGER pending_lines_reserve AFTER INSERT ON pending_lines
BEGIN
    INSERT INTO reservations (appropriation_id, subproject_id, pool, reserved_fen)
        SELECT NEW.appropriation_id, NEW.subproject_id,
               CASE NEW.kind WHEN 'allocate' THEN 'available'
                             WHEN 'disburse' THEN 'undisbursed' WHEN 'withdraw' THEN 'undisbursed'
                             ELSE 'held' END, 0
        WHERE NOT EXISTS (
            SELECT 1 FROM reservations WHERE appropriation_id = NEW.appropriation_id
              AND subproject_id = NEW.subproject_id
              AND pool = CASE NEW.kind WHEN 'allocate' THEN 'available'
                                       WHEN 'disburse' THEN 'undisbursed' WHEN 'withdraw' THEN 'undisbursed'
                                       ELSE 'held' END);
    UPDATE reservations SET reserved_fen = reserved_fen + NEW.amount_fen
        WHERE appropriation_id = NEW.appropriation_id AND subproject_id = NEW.subproject_id
          AND pool = CASE NEW.kind WHEN 'allocate' THEN 'available'
                                   WHEN 'disburse' THEN 'undisbursed' WHEN 'withdraw' THEN 'undisbursed'
                                   ELSE 'held' END;
    SELECT RAISE(ABORT, 'R3: pending items would reserve more than is available on the appropriation')
    WHERE NEW.kind = 'allocate'
      AND (SELECT coalesce(sum(allocated_fen - withdrawn_fen - returned_fen), 0) FROM line_balances
           WHERE appropriation_id = NEW.appropriation_id)
        + (SELECT sum(reserved_fen) FROM reservations
           WHERE appropriation_id = NEW.appropriation_id AND pool = 'available')
        > (SELECT amount_fen FROM appropriations WHERE id = NEW.appropriation_id)
        + (SELECT coalesce(sum(amount_fen), 0) FROM adjustments WHERE appropriation_id = NEW.appropriation_id);
    SELECT RAISE(ABORT, 'R3: pending items would reserve more than the line holds')
    WHERE NEW.kind <> 'allocate'
      AND (SELECT reserved_fen FROM reservations WHERE appropriation_id = NEW.appropriation_id
           AND subproject_id = NEW.subproject_id
           AND pool = CASE NEW.kind WHEN 'pay' THEN 'held' WHEN 'return' THEN 'held' ELSE 'undisbursed' END)
        > coalesce((SELECT CASE WHEN NEW.kind IN ('pay', 'return')
                                THEN disbursed_fen - returned_fen - paid_fen
                                ELSE allocated_fen - withdrawn_fen - disbursed_fen END
                    FROM line_balances WHERE appropriation_id = NEW.appropriation_id
                      AND subproject_id = NEW.subproject_id), 0);
END;

-- A decision releases what its item reserved.
CREATE TRIGGER pending_decisions_release AFTER INSERT ON pending_decisions
BEGIN
    UPDATE reservations SET reserved_fen = reserved_fen - (
        SELECT sum(l.amount_fen) FROM pending_lines l
        WHERE l.item_id = NEW.item_id AND l.appropriation_id = reservations.appropriation_id
          AND l.subproject_id = reservations.subproject_id
          AND CASE l.kind WHEN 'allocate' THEN 'available'
                          WHEN 'disburse' THEN 'undisbursed' WHEN 'withdraw' THEN 'undisbursed'
                          ELSE 'held' END = reservations.pool)
    WHERE EXISTS (
        SELECT 1 FROM pending_lines l
        WHERE l.item_id = NEW.item_id AND l.appropriation_id = reservations.appropriation_id
          AND l.subproject_id = reservations.subproject_id
          AND CASE l.kind WHEN 'allocate' THEN 'available'
                          WHEN 'disburse' THEN 'undisbursed' WHEN 'withdraw' THEN 'undisbursed'
                          ELSE 'held' END = reservations.pool);
END;

-- Recorded entries leave reserved money alone: a line's balances, and its appropriation's
-- available money, never fall below what pending items reserve on them.
CREATE TRIGGER line_balances_reserved_ins AFTER INSERT ON line_balances
WHEN EXISTS (SELECT 1 FROM reservations r WHERE r.appropriation_id = NEW.appropriation_id AND r.reserved_fen > 0)
BEGIN
    SELECT RAISE(ABORT, 'R3: the entry would take money reserved by a pending item')
    WHERE EXISTS (SELECT 1 FROM reservations r
                  WHERE r.appropriation_id = NEW.appropriation_id AND r.subproject_id = NEW.subproject_id
                    AND ((r.pool = 'undisbursed' AND NEW.allocated_fen - NEW.withdrawn_fen - NEW.disbursed_fen < r.reserved_fen)
                      OR (r.pool = 'held' AND NEW.disbursed_fen - NEW.returned_fen - NEW.paid_fen < r.reserved_fen)))
       OR (SELECT sum(allocated_fen - withdrawn_fen - returned_fen) FROM line_balances
           WHERE appropriation_id = NEW.appropriation_id)
        + (SELECT coalesce(sum(reserved_fen), 0) FROM reservations
           WHERE appropriation_id = NEW.appropriation_id AND pool = 'available')
        > (SELECT amount_fen FROM appropriations WHERE id = NEW.appropriation_id)
        + (SELECT coalesce(sum(amount_fen), 0) FROM adjustments WHERE appropriation_id = NEW.appropriation_id);
END;
CREATE TRIGGER line_balances_reserved_upd AFTER UPDATE ON line_balances
WHEN EXISTS (SELECT 1 FROM reservations r WHERE r.appropriation_id = NEW.appropriation_id AND r.reserved_fen > 0)
BEGIN
    SELECT RAISE(ABORT, 'R3: the entry would take money reserved by a pending item')
    WHERE EXISTS (SELECT 1 FROM reservations r
                  WHERE r.appropriation_id = NEW.appropriation_id AND r.subproject_id = NEW.subproject_id
                    AND ((r.pool = 'undisbursed' AND NEW.allocated_fen - NEW.withdrawn_fen - NEW.disbursed_fen < r.reserved_fen)
                      OR (r.pool = 'held' AND NEW.disbursed_fen - NEW.returned_fen - NEW.paid_fen < r.reserved_fen)))
       OR (SELECT sum(allocated_fen - withdrawn_fen - returned_fen) FROM line_balances
           WHERE appropriation_id = NEW.appropriation_id)
        + (SELECT coalesce(sum(reserved_fen), 0) FROM reservations
           WHERE appropriation_id = NEW.appropriation_id AND pool = 'available')
        > (SELECT amount_fen FROM appropriations WHERE id = NEW.appropriation_id)
        + (SELECT coalesce(sum(amount_fen), 0) FROM adjustments WHERE appropriation_id = NEW.appropriation_id);
END;

-- A voucher submitted for approval becomes entries only once approved; until then (or after a
-- rejection) its number takes no entry.
CREATE TRIGGER entries_not_pending BEFORE INSERT ON entries
WHEN EXISTS (SELECT 1 FROM pending_items p WHERE p.voucher = NEW.voucher
             AND NOT EXISTS (SELECT 1 FROM pending_decisions d WHERE d.item_id = p.id AND d.decision = 'approve'))
BEGIN SELECT RAISE(ABORT, 'approval: the voucher is pending approval or was rejected'); END;

-- A voucher already recorded as entries is not submitted again.
CREATE TRIGGER pending_items_new_voucher BEFORE INSERT ON pending_items
WHEN EXISTS (SELECT 1 FROM entries WHERE voucher = NEW.voucher)
BEGIN SELECT RAISE(ABORT, 'approval: the voucher is already recorded'); END;
