-- fundledger schema, migration 16: contracts (policy 四（三）) and the vouchers that pay them.
--
-- Sub-projects of one competent department may be tendered together (统一招投标); a
-- whole-process consulting + EPC contract (工程总承包) may span departments within one project;
-- small scattered sub-projects are let singly (单项发包). A contract is one row of `contracts`
-- and one row of `contract_shares` per sub-project it covers, with that sub-project's share of
-- the price. A contract is never edited: a share is changed, or a sub-project added, by an
-- appended `contract_amendments` row with its document and reason; the share in force is the
-- latest. A payment on a contract is one voucher of `pay` lines (one per sub-project and
-- appropriation line), named in `contract_payments`. All of it is append-only and chained.

CREATE TABLE contracts (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE CHECK (length(trim(code)) BETWEEN 1 AND 100),
    name         TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
    contractor   TEXT NOT NULL CHECK (length(trim(contractor)) BETWEEN 1 AND 200),
    procurement  TEXT NOT NULL CHECK (procurement IN ('unified', 'epc', 'single')),
    signed_on    TEXT NOT NULL CHECK (signed_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    project_id   INTEGER NOT NULL REFERENCES projects(id),
    operator     TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);

CREATE TABLE contract_shares (
    id             INTEGER PRIMARY KEY,
    contract_id    INTEGER NOT NULL REFERENCES contracts(id),
    subproject_id  INTEGER NOT NULL REFERENCES subprojects(id),
    amount_fen     INTEGER NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
    UNIQUE (contract_id, subproject_id)
);

CREATE INDEX contract_shares_by_subproject ON contract_shares (subproject_id);

CREATE TABLE contract_amendments (
    id             INTEGER PRIMARY KEY,
    contract_id    INTEGER NOT NULL REFERENCES contracts(id),
    subproject_id  INTEGER NOT NULL REFERENCES subprojects(id),
    -- The sub-project's share from `effective`: the new figure, not a difference.
    amount_fen     INTEGER NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
    effective      TEXT NOT NULL CHECK (effective GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    document       TEXT NOT NULL CHECK (length(trim(document)) BETWEEN 1 AND 100),
    reason         TEXT NOT NULL CHECK (length(trim(reason)) BETWEEN 1 AND 500),
    operator       TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    UNIQUE (contract_id, subproject_id, document)
);

CREATE TABLE contract_payments (
    id           INTEGER PRIMARY KEY,
    contract_id  INTEGER NOT NULL REFERENCES contracts(id),
    voucher      TEXT NOT NULL UNIQUE CHECK (length(voucher) BETWEEN 1 AND 60),
    date         TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    amount_fen   INTEGER NOT NULL CHECK (typeof(amount_fen) = 'integer' AND amount_fen > 0),
    operator     TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);

CREATE INDEX contract_payments_by_contract ON contract_payments (contract_id);

CREATE TRIGGER contracts_no_update BEFORE UPDATE ON contracts
BEGIN SELECT RAISE(ABORT, 'R4: a contract is never edited; record an amendment'); END;
CREATE TRIGGER contracts_no_delete BEFORE DELETE ON contracts
BEGIN SELECT RAISE(ABORT, 'R4: a contract is never edited; record an amendment'); END;
CREATE TRIGGER contract_shares_no_update BEFORE UPDATE ON contract_shares
BEGIN SELECT RAISE(ABORT, 'R4: a contract is never edited; record an amendment'); END;
CREATE TRIGGER contract_shares_no_delete BEFORE DELETE ON contract_shares
BEGIN SELECT RAISE(ABORT, 'R4: a contract is never edited; record an amendment'); END;
CREATE TRIGGER contract_amendments_no_update BEFORE UPDATE ON contract_amendments
BEGIN SELECT RAISE(ABORT, 'R4: an amendment is never edited; record another'); END;
CREATE TRIGGER contract_amendments_no_delete BEFORE DELETE ON contract_amendments
BEGIN SELECT RAISE(ABORT, 'R4: an amendment is never edited; record another'); END;
CREATE TRIGGER contract_payments_no_update BEFORE UPDATE ON contract_payments
BEGIN SELECT RAISE(ABORT, 'R4: a contract payment is never edited; reverse its voucher'); END;
CREATE TRIGGER contract_payments_no_delete BEFORE DELETE ON contract_payments
BEGIN SELECT RAISE(ABORT, 'R4: a contract payment is never edited; reverse its voucher'); END;

-- The second check of the rules the writer checks first: a contract covers sub-projects of
-- its own project only, none excluded; a unified tender covers the types of one lead
-- department; a single contract covers one sub-project.
CREATE TRIGGER contract_shares_checked BEFORE INSERT ON contract_shares
BEGIN
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM contracts c JOIN subprojects s ON s.project_id = c.project_id
                         WHERE c.id = NEW.contract_id AND s.id = NEW.subproject_id)
            THEN RAISE(ABORT, 'contract: a contract covers only sub-projects of its own project')
        WHEN (SELECT status FROM subprojects WHERE id = NEW.subproject_id) = 'excluded'
            THEN RAISE(ABORT, 'contract: an excluded sub-project is not contracted')
        WHEN (SELECT procurement FROM contracts WHERE id = NEW.contract_id) = 'unified'
             AND EXISTS (SELECT 1 FROM contract_shares x
                         JOIN subprojects s ON s.id = x.subproject_id
                         JOIN subproject_types t ON t.code = s.type
                         WHERE x.contract_id = NEW.contract_id
                           AND t.department IS NOT (SELECT t2.department FROM subprojects s2
                                                    JOIN subproject_types t2 ON t2.code = s2.type
                                                    WHERE s2.id = NEW.subproject_id))
            THEN RAISE(ABORT, 'contract: a unified tender covers sub-projects of one lead department')
        WHEN (SELECT procurement FROM contracts WHERE id = NEW.contract_id) = 'single'
             AND EXISTS (SELECT 1 FROM contract_shares WHERE contract_id = NEW.contract_id)
            THEN RAISE(ABORT, 'contract: a single contract covers one sub-project')
    END;
END;

-- A contract's payments for a sub-project never exceed its share in force (pending lines
-- submitted for approval count too): checked for every entry of a contract's voucher.
CREATE TRIGGER entries_within_contract AFTER INSERT ON entries
WHEN EXISTS (SELECT 1 FROM contract_payments WHERE voucher = NEW.voucher)
BEGIN
    SELECT RAISE(ABORT, 'contract: payments for a sub-project would exceed its share of the contract')
    WHERE (SELECT coalesce(sum(e.amount_fen), 0) FROM entries e
           JOIN contract_payments p ON p.voucher = e.voucher
           WHERE p.contract_id = (SELECT contract_id FROM contract_payments WHERE voucher = NEW.voucher)
             AND e.subproject_id = NEW.subproject_id AND e.kind = 'pay')
        - (SELECT coalesce(sum(r.amount_fen), 0) FROM entries r JOIN entries e ON e.id = r.reverses_id
           JOIN contract_payments p ON p.voucher = e.voucher
           WHERE p.contract_id = (SELECT contract_id FROM contract_payments WHERE voucher = NEW.voucher)
             AND e.subproject_id = NEW.subproject_id)
        > coalesce(
            (SELECT a.amount_fen FROM contract_amendments a
             WHERE a.contract_id = (SELECT contract_id FROM contract_payments WHERE voucher = NEW.voucher)
               AND a.subproject_id = NEW.subproject_id ORDER BY a.id DESC LIMIT 1),
            (SELECT x.amount_fen FROM contract_shares x
             WHERE x.contract_id = (SELECT contract_id FROM contract_payments WHERE voucher = NEW.voucher)
               AND x.subproject_id = NEW.subproject_id),
            0);
END;
