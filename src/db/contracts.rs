//! Contracts (migration 16): reading a contract with its shares in force and what its vouchers
//! paid, the money a sub-project holds per line (for paying one), and recording contracts,
//! amendments and payments (each row linked into the audit chain).

use super::*;
use crate::model::{
    ContractAmendment, ContractPayment, ContractShare, HeldLine, Procurement, StoredContract,
};

/// The contracts (all, of one project, or with one code), by code.
fn contracts(conn: &Connection, filter: &str, param: &dyn rusqlite::ToSql) -> Result<Vec<StoredContract>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.id, c.code, c.name, c.contractor, c.procurement, c.signed_on, p.code, p.county
         FROM contracts c JOIN projects p ON p.id = c.project_id WHERE {filter} ORDER BY c.code"
    ))?;
    let rows = stmt.query_map([param], |r| {
        Ok(StoredContract {
            id: r.get(0)?,
            code: r.get(1)?,
            name: r.get(2)?,
            contractor: r.get(3)?,
            procurement: stored_enum(&r.get::<_, String>(4)?, Procurement::parse)?,
            signed_on: stored_date(&r.get::<_, String>(5)?)?,
            project: r.get(6)?,
            county: r.get(7)?,
            shares: Vec::new(),
            payments: Vec::new(),
            amendments: Vec::new(),
        })
    })?;
    let mut out: Vec<StoredContract> = rows.collect::<rusqlite::Result<_>>()?;
    for c in &mut out {
        fill(conn, c)?;
    }
    Ok(out)
}

/// A contract's shares, amendments, payments and what they paid per sub-project and channel.
fn fill(conn: &Connection, c: &mut StoredContract) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT x.subproject_id, s.code, x.amount_fen FROM contract_shares x
         JOIN subprojects s ON s.id = x.subproject_id WHERE x.contract_id = ?1 ORDER BY x.id",
    )?;
    let shares = stmt.query_map([c.id], |r| {
        let original: Fen = r.get(2)?;
        Ok(ContractShare {
            subproject_id: r.get(0)?,
            subproject: r.get(1)?,
            original,
            share: original,
            paid: Fen::ZERO,
            pending: Fen::ZERO,
            paid_by_channel: Vec::new(),
        })
    })?;
    c.shares = shares.collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT a.subproject_id, s.code, a.amount_fen, a.effective, a.document, a.reason
         FROM contract_amendments a JOIN subprojects s ON s.id = a.subproject_id
         WHERE a.contract_id = ?1 ORDER BY a.id",
    )?;
    let amendments = stmt.query_map([c.id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            ContractAmendment {
                subproject: r.get(1)?,
                amount: r.get(2)?,
                effective: stored_date(&r.get::<_, String>(3)?)?,
                document: r.get(4)?,
                reason: r.get(5)?,
            },
        ))
    })?;
    for a in amendments {
        let (subproject_id, a) = a?;
        match c.shares.iter_mut().find(|s| s.subproject_id == subproject_id) {
            Some(s) => s.share = a.amount,
            // An amendment adding a sub-project the contract did not cover.
            None => c.shares.push(ContractShare {
                subproject_id,
                subproject: a.subproject.clone(),
                original: Fen::ZERO,
                share: a.amount,
                paid: Fen::ZERO,
                pending: Fen::ZERO,
                paid_by_channel: Vec::new(),
            }),
        }
        c.amendments.push(a);
    }
    // What each voucher's lines paid, net of their reversals, per sub-project and channel.
    let mut stmt = conn.prepare_cached(
        "SELECT e.subproject_id, coalesce((SELECT name FROM channels WHERE code = a.channel), a.channel),
                sum(e.amount_fen) - coalesce(sum((SELECT r.amount_fen FROM entries r WHERE r.reverses_id = e.id)), 0)
         FROM contract_payments p JOIN entries e ON e.voucher = p.voucher
         JOIN appropriations a ON a.id = e.appropriation_id
         WHERE p.contract_id = ?1 AND e.kind = 'pay' GROUP BY 1, 2 ORDER BY 1, 2",
    )?;
    let paid =
        stmt.query_map([c.id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Fen>(2)?)))?;
    for row in paid {
        let (subproject_id, channel, amount) = row?;
        if let Some(s) = c.shares.iter_mut().find(|s| s.subproject_id == subproject_id) {
            s.paid += amount;
            s.paid_by_channel.push((channel, amount));
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT l.subproject_id, sum(l.amount_fen) FROM contract_payments p
         JOIN pending_items i ON i.voucher = p.voucher JOIN pending_lines l ON l.item_id = i.id
         WHERE p.contract_id = ?1 AND NOT EXISTS (SELECT 1 FROM pending_decisions d WHERE d.item_id = i.id)
         GROUP BY 1",
    )?;
    let pending = stmt.query_map([c.id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Fen>(1)?)))?;
    for row in pending {
        let (subproject_id, amount) = row?;
        if let Some(s) = c.shares.iter_mut().find(|s| s.subproject_id == subproject_id) {
            s.pending += amount;
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT p.voucher, p.date, p.amount_fen,
                EXISTS (SELECT 1 FROM entries e JOIN entries r ON r.reverses_id = e.id WHERE e.voucher = p.voucher),
                EXISTS (SELECT 1 FROM pending_items i WHERE i.voucher = p.voucher
                        AND NOT EXISTS (SELECT 1 FROM pending_decisions d WHERE d.item_id = i.id))
         FROM contract_payments p WHERE p.contract_id = ?1 ORDER BY p.date, p.voucher",
    )?;
    let payments = stmt.query_map([c.id], |r| {
        Ok(ContractPayment {
            voucher: r.get(0)?,
            date: stored_date(&r.get::<_, String>(1)?)?,
            amount: r.get(2)?,
            reversed: r.get(3)?,
            pending: r.get(4)?,
        })
    })?;
    c.payments = payments.collect::<rusqlite::Result<_>>()?;
    Ok(())
}

/// The lines on which a sub-project holds money (disbursed, not yet paid, less what pending
/// items reserve), oldest issued first.
fn held_lines(conn: &Connection, subproject_id: i64) -> Result<Vec<HeldLine>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.code, a.channel, coalesce((SELECT name FROM channels WHERE code = a.channel), a.channel), a.issued_on,
                b.disbursed_fen - b.returned_fen - b.paid_fen
                - coalesce((SELECT r.reserved_fen FROM reservations r WHERE r.appropriation_id = a.id
                            AND r.subproject_id = b.subproject_id AND r.pool = 'held'), 0)
         FROM line_balances b JOIN appropriations a ON a.id = b.appropriation_id
         WHERE b.subproject_id = ?1 ORDER BY a.issued_on, a.code",
    )?;
    let rows = stmt.query_map([subproject_id], |r| {
        Ok(HeldLine {
            appropriation_id: r.get(0)?,
            appropriation: r.get(1)?,
            channel_code: r.get(2)?,
            channel: r.get(3)?,
            issued_on: stored_date(&r.get::<_, String>(4)?)?,
            held: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Db {
    /// Every contract (of one project, if given), by code.
    pub fn contracts(&self, project: Option<&str>) -> Result<Vec<StoredContract>> {
        match project {
            Some(p) => contracts(&self.conn, "p.code = ?1", &p),
            None => contracts(&self.conn, "1 = ?1", &1),
        }
    }

    pub fn find_contract(&self, code: &str) -> Result<Option<StoredContract>> {
        Ok(contracts(&self.conn, "c.code = ?1", &code)?.pop())
    }

    pub fn held_lines(&self, subproject_id: i64) -> Result<Vec<HeldLine>> {
        held_lines(&self.conn, subproject_id)
    }
}

impl Tx<'_> {
    pub fn find_contract(&self, code: &str) -> Result<Option<StoredContract>> {
        Ok(contracts(&self.tx, "c.code = ?1", &code)?.pop())
    }

    pub fn held_lines(&self, subproject_id: i64) -> Result<Vec<HeldLine>> {
        held_lines(&self.tx, subproject_id)
    }

    /// Records a contract's head; returns its id.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_contract(
        &self,
        code: &str,
        name: &str,
        contractor: &str,
        procurement: Procurement,
        signed_on: NaiveDate,
        project_id: i64,
        operator: &str,
        at: &str,
    ) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO contracts (code, name, contractor, procurement, signed_on, project_id, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![code, name, contractor, procurement.code(), date_text(signed_on), project_id, operator, at],
        )?;
        self.link_last("contracts")
    }

    pub fn insert_contract_share(&self, contract_id: i64, subproject_id: i64, amount: Fen) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO contract_shares (contract_id, subproject_id, amount_fen) VALUES (?1, ?2, ?3)",
            params![contract_id, subproject_id, amount],
        )?;
        self.link_last("contract_shares")
    }

    #[allow(clippy::too_many_arguments)]
    pub fn insert_contract_amendment(
        &self,
        contract_id: i64,
        subproject_id: i64,
        amount: Fen,
        effective: NaiveDate,
        document: &str,
        reason: &str,
        operator: &str,
        at: &str,
    ) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO contract_amendments (contract_id, subproject_id, amount_fen, effective, document, reason, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![contract_id, subproject_id, amount, date_text(effective), document, reason, operator, at],
        )?;
        self.link_last("contract_amendments")
    }

    pub fn insert_contract_payment(
        &self,
        contract_id: i64,
        voucher: &str,
        date: NaiveDate,
        amount: Fen,
        operator: &str,
        at: &str,
    ) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO contract_payments (contract_id, voucher, date, amount_fen, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![contract_id, voucher, date_text(date), amount, operator, at],
        )?;
        self.link_last("contract_payments")
    }

    /// Whether anything (an entry, a pending item or a contract payment) used `voucher`.
    pub fn voucher_used(&self, voucher: &str) -> Result<bool> {
        Ok(self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM entries WHERE voucher = ?1)
                 OR EXISTS (SELECT 1 FROM pending_items WHERE voucher = ?1)
                 OR EXISTS (SELECT 1 FROM contract_payments WHERE voucher = ?1)",
            [voucher],
            |r| r.get(0),
        )?)
    }
}
