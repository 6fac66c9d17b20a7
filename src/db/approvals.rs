//! Four-eyes approval (migration 15): the setting in force, pending items with their lines
//! and decisions, the reservations their triggers keep, and recording each (every row linked
//! into the audit chain).

use super::*;
use crate::model::{reserved_pool, ApprovalSetting, Decided, Decision, Kind, PendingItem, PendingLine};

fn setting(conn: &Connection) -> Result<ApprovalSetting> {
    let found: Option<(String, Option<Fen>)> = conn
        .query_row("SELECT kinds, above_fen FROM approval_settings ORDER BY id DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((kinds, above)) = found else { return Ok(ApprovalSetting::default()) };
    let kinds = kinds
        .split(',')
        .filter(|k| !k.is_empty())
        .map(|k| stored_enum(k, Kind::parse))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ApprovalSetting { kinds, above })
}

/// The items (all, or those matching `filter` on `pending_items p`), by id, with lines and
/// decisions.
fn items(conn: &Connection, filter: &str, param: &dyn rusqlite::ToSql) -> Result<Vec<PendingItem>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT p.id, p.voucher, p.maker, p.submitted_at, d.decision, d.reason, d.checker, d.decided_at
         FROM pending_items p LEFT JOIN pending_decisions d ON d.item_id = p.id
         WHERE {filter} ORDER BY p.id"
    ))?;
    let heads = stmt.query_map([param], |r| {
        let decision: Option<String> = r.get(4)?;
        let decided = match decision {
            None => None,
            Some(d) => Some(Decided {
                decision: stored_enum(&d, Decision::parse)?,
                reason: r.get(5)?,
                checker: r.get(6)?,
                decided_at: r.get(7)?,
            }),
        };
        Ok(PendingItem {
            id: r.get(0)?,
            voucher: r.get(1)?,
            maker: r.get(2)?,
            submitted_at: r.get(3)?,
            lines: Vec::new(),
            decided,
        })
    })?;
    let mut items: Vec<PendingItem> = heads.collect::<rusqlite::Result<_>>()?;
    let mut lines = conn.prepare_cached(
        "SELECT l.line, l.date, l.kind, l.appropriation_id, a.code, l.subproject_id, s.code, l.amount_fen, l.memo
         FROM pending_lines l JOIN appropriations a ON a.id = l.appropriation_id
         JOIN subprojects s ON s.id = l.subproject_id WHERE l.item_id = ?1 ORDER BY l.line",
    )?;
    for item in &mut items {
        let rows = lines.query_map([item.id], |r| {
            Ok(PendingLine {
                line: r.get(0)?,
                date: stored_date(&r.get::<_, String>(1)?)?,
                kind: stored_enum(&r.get::<_, String>(2)?, Kind::parse)?,
                appropriation_id: r.get(3)?,
                appropriation: r.get(4)?,
                subproject_id: r.get(5)?,
                subproject: r.get(6)?,
                amount: r.get(7)?,
                memo: r.get(8)?,
            })
        })?;
        item.lines = rows.collect::<rusqlite::Result<_>>()?;
    }
    Ok(items)
}

/// What undecided items reserve, per (appropriation, sub-project, pool), re-derived from the
/// items themselves (what `verify` compares with the kept `reservations`).
/// A reservation: (appropriation id, sub-project id, pool) and the amount held back.
pub type Reservation = ((i64, i64, String), Fen);

fn derived_reservations(conn: &Connection) -> Result<Vec<Reservation>> {
    let mut out: std::collections::BTreeMap<(i64, i64, String), Fen> = Default::default();
    for item in items(conn, "1 = ?1", &1)?.into_iter().filter(PendingItem::is_open) {
        for l in item.lines {
            let key = (l.appropriation_id, l.subproject_id, reserved_pool(l.kind).to_string());
            *out.entry(key).or_default() += l.amount;
        }
    }
    Ok(out.into_iter().collect())
}

fn kept_reservations(conn: &Connection) -> Result<Vec<Reservation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT appropriation_id, subproject_id, pool, reserved_fen FROM reservations
         WHERE reserved_fen <> 0 ORDER BY 1, 2, 3",
    )?;
    let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Db {
    /// The approval setting in force (no kinds: approval is off).
    pub fn approval_setting(&self) -> Result<ApprovalSetting> {
        setting(&self.conn)
    }

    /// Every item submitted for approval, decided or not, by id.
    pub fn pending_items(&self) -> Result<Vec<PendingItem>> {
        items(&self.conn, "1 = ?1", &1)
    }

    /// The item with this id.
    pub fn pending_item(&self, id: i64) -> Result<Option<PendingItem>> {
        Ok(items(&self.conn, "p.id = ?1", &id)?.pop())
    }

    /// The reservations as kept, and as re-derived from the undecided items (`verify`).
    pub fn reservations(&self) -> Result<(Vec<Reservation>, Vec<Reservation>)> {
        Ok((kept_reservations(&self.conn)?, derived_reservations(&self.conn)?))
    }
}

impl Tx<'_> {
    pub fn approval_setting(&self) -> Result<ApprovalSetting> {
        setting(&self.tx)
    }

    pub fn set_approval(&self, s: &ApprovalSetting, operator: &str, at: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO approval_settings (kinds, above_fen, operator, recorded_at) VALUES (?1, ?2, ?3, ?4)",
            params![s.kinds_code(), s.above, operator, at],
        )?;
        self.link_last("approval_settings")?;
        Ok(())
    }

    /// Whether any item was ever submitted (an import need not look items up otherwise).
    pub fn any_pending_item(&self) -> Result<bool> {
        Ok(self.tx.query_row("SELECT EXISTS (SELECT 1 FROM pending_items)", [], |r| r.get(0))?)
    }

    /// The item submitted under `voucher`, if any.
    pub fn pending_item_of(&self, voucher: &str) -> Result<Option<PendingItem>> {
        Ok(items(&self.tx, "p.voucher = ?1", &voucher)?.pop())
    }

    pub fn pending_item(&self, id: i64) -> Result<Option<PendingItem>> {
        Ok(items(&self.tx, "p.id = ?1", &id)?.pop())
    }

    /// Records the head of an item; returns its id.
    pub fn insert_pending_item(&self, voucher: &str, maker: &str, at: &str) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO pending_items (voucher, maker, submitted_at) VALUES (?1, ?2, ?3)",
            params![voucher, maker, at],
        )?;
        self.link_last("pending_items")
    }

    /// Records one line of an item (its trigger reserves the amount, or refuses it).
    #[allow(clippy::too_many_arguments)]
    pub fn insert_pending_line(
        &self,
        item_id: i64,
        line: u32,
        date: NaiveDate,
        kind: Kind,
        appropriation_id: i64,
        subproject_id: i64,
        amount: Fen,
        memo: &str,
    ) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO pending_lines (item_id, line, date, kind, appropriation_id, subproject_id, amount_fen, memo)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![item_id, line, date_text(date), kind.code(), appropriation_id, subproject_id, amount, memo],
        )?;
        self.link_last("pending_lines")
    }

    /// Records a decision (its trigger releases the item's reservations).
    pub fn insert_decision(
        &self,
        item_id: i64,
        decision: Decision,
        reason: &str,
        checker: &str,
        at: &str,
    ) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO pending_decisions (item_id, decision, reason, checker, decided_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![item_id, decision.code(), reason, checker, at],
        )?;
        self.link_last("pending_decisions")
    }

    /// Whether any money is reserved at all (most ledgers: never).
    pub fn any_reservation(&self) -> Result<bool> {
        Ok(self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM reservations WHERE reserved_fen > 0)",
            [],
            |r| r.get(0),
        )?)
    }

    /// What undecided items reserve on the appropriation's available money.
    pub fn reserved_available(&self, appropriation_id: i64) -> Result<Fen> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT coalesce(sum(reserved_fen), 0) FROM reservations WHERE appropriation_id = ?1 AND pool = 'available'",
        )?;
        Ok(stmt.query_row([appropriation_id], |r| r.get(0))?)
    }

    /// What undecided items reserve on one pool (`undisbursed` or `held`) of a line.
    pub fn reserved_on_line(&self, line: LineId, pool: &str) -> Result<Fen> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT coalesce(sum(reserved_fen), 0) FROM reservations
             WHERE appropriation_id = ?1 AND subproject_id = ?2 AND pool = ?3",
        )?;
        Ok(stmt.query_row(params![line.appropriation, line.subproject, pool], |r| r.get(0))?)
    }
}
