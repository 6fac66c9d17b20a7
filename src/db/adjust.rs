//! Appropriation adjustments (migration 9): reading them, inserting one (linked into the audit
//! chain; its trigger keeps the issued deltas in `appropriation_days`), and what `verify`
//! compares.

use super::*;
use crate::model::StoredAdjustment;

const ADJUSTMENT_SELECT: &str =
    "SELECT j.id, j.appropriation_id, coalesce(a.code, '?'), j.amount_fen, j.date,
    j.document, j.reason, j.recorded_at
    FROM adjustments j LEFT JOIN appropriations a ON a.id = j.appropriation_id";

fn adjustment_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredAdjustment> {
    let date: String = r.get(4)?;
    let recorded_at: String = r.get(7)?;
    Ok(StoredAdjustment {
        id: r.get(0)?,
        appropriation_id: r.get(1)?,
        appropriation: r.get(2)?,
        amount: r.get::<_, Fen>(3)?,
        date: stored_date(&date)?,
        document: r.get(5)?,
        reason: r.get(6)?,
        recorded_on: recorded_at.get(..10).and_then(ymd),
    })
}

fn adjustments_where(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<StoredAdjustment>> {
    let sql = format!("{ADJUSTMENT_SELECT} {filter} ORDER BY j.date, j.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params, adjustment_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An adjustment resolved to its appropriation's id, to insert.
pub struct AdjustmentInsert<'a> {
    pub appropriation_id: i64,
    pub date: NaiveDate,
    pub amount: Fen,
    pub document: &'a str,
    pub reason: &'a str,
    pub operator: &'a str,
    pub recorded_at: &'a str,
}

impl Db {
    /// Every adjustment, by date and recording order.
    pub fn adjustments(&self) -> Result<Vec<StoredAdjustment>> {
        adjustments_where(&self.conn, "", [])
    }

    /// Where the issued deltas kept in `appropriation_days` differ from the adjustments, for
    /// `verify`: at most `limit` sentences, each naming the appropriation and day.
    pub fn adjusted_day_differences(&self, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "WITH derived AS (SELECT appropriation_id, date, sum(amount_fen) AS adjusted_fen
                              FROM adjustments GROUP BY 1, 2)
             SELECT a.code, k.date, coalesce(p.adjusted_fen, 0), coalesce(d.adjusted_fen, 0)
             FROM (SELECT appropriation_id, date FROM derived UNION SELECT appropriation_id, date FROM appropriation_days) k
             LEFT JOIN derived d USING (appropriation_id, date)
             LEFT JOIN appropriation_days p USING (appropriation_id, date)
             LEFT JOIN appropriations a ON a.id = k.appropriation_id
             WHERE coalesce(p.adjusted_fen, 0) <> coalesce(d.adjusted_fen, 0)
             ORDER BY k.date, k.appropriation_id LIMIT ?1",
        )?;
        let mut rows = stmt.query([limit as i64])?;
        let mut found = Vec::new();
        while let Some(r) = rows.next()? {
            let (a, day): (Option<String>, String) = (r.get(0)?, r.get(1)?);
            let (a, kept, given) =
                (a.unwrap_or_else(|| "?".into()), r.get::<_, Fen>(2)?, r.get::<_, Fen>(3)?);
            found.push(crate::tr!(
                "指标 {a} 在 {day} 的调整额存为 {kept}，但其调整记录合计为 {given}",
                "what was adjusted on appropriation {a} on {day} is kept as {kept}, but its adjustments give {given}"
            ));
        }
        Ok(found)
    }
}

impl Tx<'_> {
    /// The adjustments of one appropriation, by date and recording order.
    pub fn adjustments_of(&self, appropriation_id: i64) -> Result<Vec<StoredAdjustment>> {
        adjustments_where(&self.tx, "WHERE j.appropriation_id = ?1", [appropriation_id])
    }

    /// The sum of every adjustment of an appropriation (what it issued beyond its amount).
    pub fn appropriation_adjusted(&self, appropriation_id: i64) -> Result<Fen> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT coalesce(sum(amount_fen), 0) FROM adjustments WHERE appropriation_id = ?1",
        )?;
        Ok(stmt.query_row([appropriation_id], |r| r.get::<_, Fen>(0))?)
    }

    /// Inserts an adjustment and links it into the audit chain.
    pub fn insert_adjustment(&self, a: &AdjustmentInsert<'_>) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO adjustments (appropriation_id, date, amount_fen, document, reason, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                a.appropriation_id,
                date_text(a.date),
                a.amount,
                a.document,
                a.reason,
                a.operator,
                a.recorded_at
            ],
        )?;
        self.link_last("adjustments")
    }
}
