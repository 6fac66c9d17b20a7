//! The schema's second check of every entry, for a large import: set aside at its first entry
//! and made once over all the rows it inserted, in the same transaction.
//!
//! Three triggers check an entry as it is inserted: `entries_checked` (R1, R2, R3, R4, R5;
//! migration 11), `entries_not_pending` (a voucher waiting for approval; migration 15) and
//! `entries_within_contract` (a contract's share; migration 16). Any trigger on an insert that
//! may abort makes SQLite keep a statement journal for each row, which with the checks cost
//! about a quarter of a million-entry import. A large import drops the three at its first
//! entry, `check_entries_since` asks what each would have refused of the rows inserted since,
//! and `restore_entry_checks` creates them again by their own text before the transaction
//! commits: no other connection ever sees the ledger without them, a write that bypasses
//! fundledger is still refused by SQLite, and a rollback brings them back with everything else.

use super::*;

/// The triggers set aside, each with the migration whose text creates it as this version
/// knows it. A ledger whose trigger reads otherwise (changed by a later migration, or by
/// hand) keeps all three, row by row: the set-based check repeats only what it knows.
const SET_ASIDE: [(&str, usize); 3] =
    [("entries_checked", 11), ("entries_not_pending", 15), ("entries_within_contract", 16)];

/// The triggers a large import dropped, with the statements that create them again.
#[derive(Debug)]
pub struct SetAsideChecks(Vec<String>);

/// What `entries_checked`'s clauses would refuse that depends only on an entry's
/// appropriation and sub-project, once per pair among the new entries (a sub-project whose
/// status was never amended is excluded on every date or none). Each pair is named by its
/// first entry.
const PAIR_CHECKS: &str = "
SELECT (SELECT min(n.id) FROM entries n
        WHERE n.id > ?1 AND n.appropriation_id = g.appropriation_id AND n.subproject_id = g.subproject_id),
    CASE
        WHEN a.id IS NULL OR s.id IS NULL
            THEN 'R1: the entry names an appropriation or sub-project that is not recorded'
        WHEN a.county IS NOT p.county
            THEN 'R1: the appropriation was issued to another county'
        WHEN NOT EXISTS (SELECT 1 FROM designations d WHERE d.channel = a.channel AND d.type = s.type)
            THEN 'R2: the channel does not designate this sub-project''s type'
        WHEN s.status = 'excluded'
             AND NOT EXISTS (SELECT 1 FROM amendments m WHERE m.subproject_id = s.id AND m.field = 'status')
            THEN 'R2: an excluded sub-project receives nothing'
    END AS problem
FROM (SELECT DISTINCT appropriation_id, subproject_id FROM entries WHERE id > ?1) AS g
LEFT JOIN appropriations a ON a.id = g.appropriation_id
LEFT JOIN subprojects s ON s.id = g.subproject_id
LEFT JOIN projects p ON p.id = s.project_id
WHERE problem IS NOT NULL
LIMIT 1";

/// The clauses that look at each entry's own date or reversed entry: the issue date, today,
/// a closed year (the last event of the year is a close), R2's status in force on the date
/// for a sub-project whose status was ever amended, and R4's mirror (the reversed entry an
/// earlier row, as it was when the trigger ran).
const ROW_CHECKS: &str = "
SELECT n.id, CASE
        WHEN a.id IS NULL
            THEN 'R1: the entry names an appropriation or sub-project that is not recorded'
        WHEN n.date < a.issued_on
            THEN 'the entry is dated before its appropriation was issued'
        WHEN n.date > (SELECT date('now', 'localtime'))
            THEN 'R3: the entry is dated after today'
        WHEN CAST(substr(n.date, 1, 4) AS INTEGER) IN (
                SELECT e.year FROM period_events e
                WHERE e.action = 'close' AND e.id = (SELECT max(id) FROM period_events WHERE year = e.year))
            THEN 'R5: the entry is dated in a closed year'
        WHEN n.subproject_id IN (SELECT subproject_id FROM amendments WHERE field = 'status')
             AND coalesce((SELECT m.value FROM amendments m
                           WHERE m.subproject_id = n.subproject_id AND m.field = 'status' AND m.effective <= n.date
                           ORDER BY m.effective DESC, m.id DESC LIMIT 1),
                          (SELECT s.status FROM subprojects s WHERE s.id = n.subproject_id)) = 'excluded'
            THEN 'R2: an excluded sub-project receives nothing'
        WHEN n.reverses_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM entries o WHERE o.id = n.reverses_id AND o.id < n.id AND o.kind <> 'reverse'
                  AND o.appropriation_id = n.appropriation_id AND o.subproject_id = n.subproject_id
                  AND o.amount_fen = n.amount_fen AND o.date <= n.date)
            THEN 'R4: a reversal must mirror a non-reversal entry exactly'
    END AS problem
FROM entries n LEFT JOIN appropriations a ON a.id = n.appropriation_id
WHERE n.id > ?1 AND problem IS NOT NULL
ORDER BY n.id LIMIT 1";

/// `entries_not_pending`: a voucher submitted for approval takes entries only once approved.
const NOT_PENDING: &str = "
SELECT min(n.id), 'approval: the voucher is pending approval or was rejected'
FROM pending_items p CROSS JOIN entries n ON n.voucher = p.voucher
WHERE n.id > ?1
  AND NOT EXISTS (SELECT 1 FROM pending_decisions d WHERE d.item_id = p.id AND d.decision = 'approve')
HAVING min(n.id) IS NOT NULL";

/// `entries_within_contract`, as it ran after each insert: the contract's payments for the
/// entry's sub-project up to and including that entry never exceed the share in force.
const WITHIN_CONTRACT: &str = "
SELECT n.id, 'contract: payments for a sub-project would exceed its share of the contract'
FROM contract_payments c CROSS JOIN entries n ON n.voucher = c.voucher
WHERE n.id > ?1
  AND (SELECT coalesce(sum(e.amount_fen), 0) FROM entries e
       JOIN contract_payments p ON p.voucher = e.voucher
       WHERE p.contract_id = c.contract_id AND e.subproject_id = n.subproject_id AND e.kind = 'pay'
         AND e.id <= n.id)
    - (SELECT coalesce(sum(r.amount_fen), 0) FROM entries r JOIN entries e ON e.id = r.reverses_id
       JOIN contract_payments p ON p.voucher = e.voucher
       WHERE p.contract_id = c.contract_id AND e.subproject_id = n.subproject_id AND r.id <= n.id)
    > coalesce(
        (SELECT a.amount_fen FROM contract_amendments a
         WHERE a.contract_id = c.contract_id AND a.subproject_id = n.subproject_id ORDER BY a.id DESC LIMIT 1),
        (SELECT x.amount_fen FROM contract_shares x
         WHERE x.contract_id = c.contract_id AND x.subproject_id = n.subproject_id),
        0)
ORDER BY n.id LIMIT 1";

impl Tx<'_> {
    /// Drops the triggers that check each entry as it is inserted, for the rest of this
    /// transaction, when each reads as this version knows it (`None` otherwise: they stay).
    /// The caller runs `check_entries_since` and `restore_entry_checks` before committing.
    pub fn set_aside_entry_checks(&self) -> Result<Option<SetAsideChecks>> {
        let mut created = Vec::with_capacity(SET_ASIDE.len());
        for (name, migration) in SET_ASIDE {
            let sql: Option<String> = self
                .tx
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .optional()?;
            match sql {
                Some(sql)
                    if MIGRATIONS.get(migration - 1).is_some_and(|text| text.contains(sql.as_str())) =>
                {
                    created.push(sql);
                }
                _ => return Ok(None),
            }
        }
        for (name, _) in SET_ASIDE {
            self.tx.execute_batch(&format!("DROP TRIGGER {name}"))?;
        }
        Ok(Some(SetAsideChecks(created)))
    }

    /// What the set-aside triggers would have refused among the entries after `before`: the
    /// first such entry and the rule, as an error (fundledger's own checks refuse such an
    /// entry first, so this is a fault, and the caller's transaction is rolled back).
    pub fn check_entries_since(&self, before: i64) -> Result<()> {
        for sql in [PAIR_CHECKS, ROW_CHECKS, NOT_PENDING, WITHIN_CONTRACT] {
            let found: Option<(i64, String)> =
                self.tx.query_row(sql, [before], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            if let Some((id, problem)) = found {
                let (voucher, line): (String, i64) =
                    self.tx.query_row("SELECT voucher, line FROM entries WHERE id = ?1", [id], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?;
                return Err(Error::Internal(format!(
                    "while recording voucher {voucher} line {line}: the schema refuses it: {problem}"
                )));
            }
        }
        Ok(())
    }

    /// Creates again, by their own statements, the triggers `set_aside_entry_checks` dropped.
    pub fn restore_entry_checks(&self, set_aside: SetAsideChecks) -> Result<()> {
        for sql in set_aside.0 {
            self.tx.execute_batch(&sql)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::What;

    /// `fixtures/small/` with its contracts, in a ledger of its own.
    fn small_ledger(dir: &Path) -> Db {
        let mut db = crate::db::fixture::ledger(
            dir,
            "small",
            &[
                (What::Projects, "projects.csv"),
                (What::Subprojects, "subprojects.csv"),
                (What::Appropriations, "appropriations.csv"),
                (What::Entries, "entries.csv"),
                (What::Contracts, "contracts.csv"),
            ],
        );
        // As during an import of entries: the triggers check the references themselves.
        db.set_foreign_keys(false).expect("pragma");
        db
    }

    /// An entry of 1 yuan written with SQL, bypassing fundledger: voucher, date, kind,
    /// appropriation, sub-project, reversed voucher.
    fn insert(
        voucher: &str,
        date: &str,
        kind: &str,
        appropriation: &str,
        subproject: &str,
        amount: i64,
    ) -> String {
        format!(
            "INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, operator, recorded_at)
             VALUES ('{voucher}', '{date}', '{kind}', coalesce((SELECT id FROM appropriations WHERE code = '{appropriation}'), 9999),
                     coalesce((SELECT id FROM subprojects WHERE code = '{subproject}'), 9999), {amount},
                     'sqlite3', '2026-01-01T00:00:00+08:00')"
        )
    }

    fn reversal(voucher: &str, date: &str, reverses: &str, amount: i64) -> String {
        format!(
            "INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, reverses_id, operator, recorded_at)
             SELECT '{voucher}', '{date}', 'reverse', appropriation_id, subproject_id, {amount}, id,
                    'sqlite3', '2026-01-01T00:00:00+08:00'
             FROM entries WHERE voucher = '{reverses}'"
        )
    }

    const CLOSE_2024: &str = "INSERT INTO period_events (year, action, reason, operator, recorded_at)
        VALUES (2024, 'close', '', 'sqlite3', '2026-01-01T00:00:00+08:00')";
    const EXCLUDE_S_FARM_2026: &str = "INSERT INTO amendments (subject, subproject_id, field, value, effective, document, reason, operator, recorded_at)
        SELECT 'subproject', id, 'status', 'excluded', '2026-01-01', '文号', '不再实施', 'sqlite3', '2026-01-01T00:00:00+08:00'
        FROM subprojects WHERE code = 'S-FARM'";
    const PENDING_V_WAIT: &str =
        "INSERT INTO pending_items (voucher, maker, submitted_at) VALUES ('V-WAIT', 'maker', '2026-01-01T00:00:00+08:00')";
    const PAYMENT_V_HT: &str = "INSERT INTO contract_payments (contract_id, voucher, date, amount_fen, operator, recorded_at)
        SELECT id, 'V-HT', '2024-07-01', 100, 'sqlite3', '2026-01-01T00:00:00+08:00' FROM contracts WHERE code = 'HT-2024-001'";

    /// (what is refused, what the ledger holds first, the rows, the refusal)
    fn refused() -> Vec<(&'static str, &'static str, String, &'static str)> {
        vec![
            ("no such appropriation", "", insert("V-X", "2024-07-01", "allocate", "A-NONE", "S-FARM", 100), "R1: the entry names"),
            ("no such sub-project", "", insert("V-X", "2024-07-01", "allocate", "A-FARM-NH", "S-NONE", 100), "R1: the entry names"),
            ("another county", "", insert("V-X", "2024-07-01", "allocate", "A-FARM-JS", "S-FARM", 100), "R1: the appropriation was issued to another county"),
            ("not designated", "", insert("V-X", "2024-07-01", "allocate", "A-FARM-NH", "S-DREDGE", 100), "R2: the channel does not designate"),
            ("excluded in the register", "", insert("V-X", "2024-07-01", "allocate", "A-FARM-NH", "S-EXCL", 100), "R2: an excluded sub-project"),
            ("excluded from a date", EXCLUDE_S_FARM_2026, insert("V-X", "2026-02-01", "allocate", "A-FARM-NH", "S-FARM", 100), "R2: an excluded sub-project"),
            ("before the issue", "", insert("V-X", "2024-02-29", "allocate", "A-FARM-NH", "S-FARM", 100), "dated before its appropriation was issued"),
            ("after today", "", insert("V-X", "2999-01-01", "allocate", "A-FARM-NH", "S-FARM", 100), "R3: the entry is dated after today"),
            ("a closed year", CLOSE_2024, insert("V-X", "2024-07-01", "allocate", "A-FARM-NH", "S-FARM", 100), "R5: the entry is dated in a closed year"),
            ("a reversal of another amount", "", reversal("V-X", "2024-07-01", "V-001", 100), "R4: a reversal must mirror"),
            ("a reversal dated before its entry", "", reversal("V-X", "2024-03-01", "V-001", 60_000_000), "R4: a reversal must mirror"),
            ("a reversal of a reversal", "", reversal("V-X", "2024-07-01", "V-008", 10_000_000), "R4: a reversal must mirror"),
            (
                "a reversal of a later row",
                "",
                format!(
                    "INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, reverses_id, operator, recorded_at)
                     SELECT 'V-X', '2024-07-01', 'reverse', appropriation_id, subproject_id, 100, max(id) + 2, 'sqlite3', '2026-01-01'
                     FROM entries WHERE voucher = 'V-001';
                     {}",
                    insert("V-Y", "2024-07-01", "allocate", "A-FARM-NH", "S-FARM", 100)
                ),
                "R4: a reversal must mirror",
            ),
            ("a voucher waiting for approval", PENDING_V_WAIT, insert("V-WAIT", "2024-07-01", "allocate", "A-FARM-NH", "S-FARM", 100), "approval: the voucher is pending"),
            ("beyond the contract's share", PAYMENT_V_HT, insert("V-HT", "2024-07-01", "pay", "A-FARM-NH", "S-FARM", 30_000_001), "contract: payments for a sub-project would exceed"),
        ]
    }

    #[test]
    fn the_check_of_a_large_import_refuses_what_each_trigger_refuses() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut db = small_ledger(dir.path());
        for (what, setup, rows, refusal) in refused() {
            let tx = db.begin().expect("begin");
            tx.tx.execute_batch(setup).expect(what);
            let err = tx.tx.execute_batch(&rows).expect_err(what).to_string();
            assert!(err.contains(refusal), "{what}: the trigger says {err}");
            drop(tx);

            let tx = db.begin().expect("begin");
            tx.tx.execute_batch(setup).expect(what);
            let before = tx.last_entry_id().expect("last id");
            let checks = tx.set_aside_entry_checks().expect("read").expect("the triggers this version knows");
            tx.tx.execute_batch(&rows).unwrap_or_else(|e| panic!("{what}: set aside, yet {e}"));
            let err = tx.check_entries_since(before).expect_err(what).to_string();
            assert!(err.contains(refusal) && err.contains("voucher V-"), "{what}: the check says {err}");
            tx.restore_entry_checks(checks).expect("restore");
        }
    }

    #[test]
    fn the_check_passes_what_the_triggers_pass_and_the_triggers_come_back_as_they_were() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut db = small_ledger(dir.path());
        let triggers = |tx: &Tx| -> Vec<(String, String)> {
            let mut stmt = tx
                .tx
                .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entries' ORDER BY name")
                .expect("prepare");
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
                .map(|r| r.expect("row"))
                .collect()
        };
        let accepted = [
            EXCLUDE_S_FARM_2026,
            PAYMENT_V_HT,
            &insert("V-A", "2024-07-01", "allocate", "A-FARM-NH", "S-FARM", 100),
            &insert("V-B", "2025-12-31", "allocate", "A-FARM-NH", "S-FARM", 100),
            &insert("V-HT", "2024-07-01", "pay", "A-FARM-NH", "S-FARM", 30_000_000),
            &reversal("V-C", "2024-07-01", "V-001", 60_000_000),
            &reversal("V-D", "2024-07-01", "V-A", 100),
        ]
        .join(";\n");
        let tx = db.begin().expect("begin");
        let all = triggers(&tx);
        assert_eq!(all.len(), 5, "{all:?}");
        tx.tx.execute_batch(&accepted).expect("the triggers accept every row");
        drop(tx);

        let tx = db.begin().expect("begin");
        let before = tx.last_entry_id().expect("last id");
        let checks = tx.set_aside_entry_checks().expect("read").expect("the triggers this version knows");
        let left: Vec<_> = triggers(&tx).into_iter().map(|(name, _)| name).collect();
        assert_eq!(left, ["entries_no_delete", "entries_no_update"]);
        tx.tx.execute_batch(&accepted).expect("rows");
        tx.check_entries_since(before).expect("the check accepts every row the triggers accept");
        tx.restore_entry_checks(checks).expect("restore");
        assert_eq!(triggers(&tx), all, "the same triggers, by the same text");
    }

    #[test]
    fn a_trigger_that_reads_otherwise_is_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut db = small_ledger(dir.path());
        let tx = db.begin().expect("begin");
        tx.tx
            .execute_batch(
                "DROP TRIGGER entries_not_pending;
                 CREATE TRIGGER entries_not_pending BEFORE INSERT ON entries
                 WHEN NEW.memo = 'no' BEGIN SELECT RAISE(ABORT, 'a rule of this ledger'); END;",
            )
            .expect("a trigger of another version");
        assert!(tx.set_aside_entry_checks().expect("read").is_none());
        let count: i64 = tx
            .tx
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entries'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(count, 5, "nothing dropped");
    }
}
