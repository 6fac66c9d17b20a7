//! Typed queries over a ledger: the catalogue, the register, balances, the journal, the
//! fingerprint, and what `verify` compares.

use super::*;

pub(super) const ACCEPTANCE_SELECT: &str = "SELECT a.id, a.stage, p.code, s.code, a.department, a.result,
    a.accepted_on, a.document, a.batch, a.award, a.memo, b.bureau
    FROM acceptances a
    JOIN projects p ON p.id = a.project_id
    LEFT JOIN subprojects s ON s.id = a.subproject_id
    LEFT JOIN acceptance_bureaus b ON b.acceptance_id = a.id";

pub(super) fn acceptance_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredAcceptance> {
    let stage: String = r.get(1)?;
    let verdict: String = r.get(5)?;
    let date: String = r.get(6)?;
    Ok(StoredAcceptance {
        id: r.get(0)?,
        stage: stored_enum(&stage, Stage::parse)?,
        project: r.get(2)?,
        subproject: r.get(3)?,
        department: r.get(4)?,
        verdict: stored_enum(&verdict, Verdict::parse)?,
        date: stored_date(&date)?,
        document: r.get(7)?,
        batch: r.get(8)?,
        award: r.get(9)?,
        memo: r.get(10)?,
        bureau: r.get(11)?,
    })
}

pub(super) fn acceptances(conn: &Connection, project: Option<&str>) -> Result<Vec<StoredAcceptance>> {
    let sql = format!("{ACCEPTANCE_SELECT} WHERE ?1 IS NULL OR p.code = ?1 ORDER BY a.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([project], acceptance_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every quality award recorded by `accept award` (of one project, if given), in recording
/// order.
pub(super) fn awards(conn: &Connection, project: Option<&str>) -> Result<Vec<StoredAward>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.code, w.year, w.document, w.awarded_on, w.memo
         FROM acceptance_awards w JOIN projects p ON p.id = w.project_id
         WHERE ?1 IS NULL OR p.code = ?1 ORDER BY w.id",
    )?;
    let rows = stmt.query_map([project], |r| {
        let date: Option<String> = r.get(3)?;
        Ok(StoredAward {
            project: r.get(0)?,
            year: r.get(1)?,
            document: r.get(2)?,
            date: date.as_deref().map(stored_date).transpose()?,
            memo: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A line's year.
pub type LineYear = (LineId, i32);

/// One entry as `verify` replays it: ids, kind, amount and dates, with no text (a
/// finding names its voucher by id, `Db::entry_voucher`).
#[derive(Clone, Copy, Debug)]
pub struct EntryFact {
    pub id: i64,
    pub date: NaiveDate,
    pub kind: Kind,
    /// `None` when a stored id is not an integer, as no recorded line's is.
    pub line: Option<LineId>,
    pub amount_fen: i64,
    /// The id a reversal names, whether or not an entry has it.
    pub reverses_id: Option<i64>,
    /// The day it was recorded, `None` when `recorded_at` does not start with a date.
    pub recorded_on: Option<NaiveDate>,
}

impl EntryFact {
    pub fn amount(&self) -> Fen {
        Fen(i128::from(self.amount_fen))
    }
}

/// Every entry's facts (`Db::entry_facts`): found by id, walked in the order money moved.
pub struct EntryFacts {
    /// In id order.
    by_id: Vec<EntryFact>,
    /// Indexes into `by_id`, by date and then id.
    order: Vec<usize>,
}

impl EntryFacts {
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The entry with id `id`, if there is one.
    pub fn get(&self, id: i64) -> Option<&EntryFact> {
        self.by_id.binary_search_by_key(&id, |e| e.id).ok().map(|i| &self.by_id[i])
    }

    /// Every entry by date, and by recording order within a day.
    pub fn by_date(&self) -> impl Iterator<Item = &EntryFact> {
        self.order.iter().map(|&i| &self.by_id[i])
    }
}

pub(super) const WRITE_SELECT: &str =
    "SELECT id, command, detail, summary, reason, first_link, last_link, operator,
    recorded_at FROM writes";

pub(super) fn write_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredWrite> {
    Ok(StoredWrite {
        id: r.get(0)?,
        command: r.get(1)?,
        detail: r.get(2)?,
        summary: r.get(3)?,
        reason: r.get(4)?,
        first_link: r.get(5)?,
        last_link: r.get(6)?,
        operator: r.get(7)?,
        recorded_at: r.get(8)?,
    })
}

/// `allocated 100.00, paid 30.00` (the non-zero columns), or `nothing`.
pub fn movement_text(b: &LineBalance) -> String {
    let pick = crate::lang::pick;
    let parts: Vec<String> = [
        (pick("分配", "allocated"), b.allocated),
        (pick("收回", "withdrawn"), b.withdrawn),
        (pick("拨付", "disbursed"), b.disbursed),
        (pick("退回", "returned"), b.returned),
        (pick("支付", "paid"), b.paid),
    ]
    .iter()
    .filter(|(_, v)| *v != Fen::ZERO)
    .map(|(n, v)| format!("{n} {v}"))
    .collect();
    if parts.is_empty() {
        crate::lang::pick("无", "nothing").to_string()
    } else {
        parts.join(crate::lang::pick("，", ", "))
    }
}

/// Whose balance lines a read returns: the city's, one county's or one project's.
#[derive(Clone, Copy, Debug)]
pub enum LinesOf<'a> {
    City,
    County(&'a str),
    Project(&'a str),
}

impl<'a> LinesOf<'a> {
    /// The projects' column and the value it must equal (`p` is `projects`); none for the city.
    fn condition(self) -> Option<(&'static str, &'a str)> {
        match self {
            LinesOf::City => None,
            LinesOf::County(county) => Some(("p.county", county)),
            LinesOf::Project(code) => Some(("p.code", code)),
        }
    }
}

/// How finely the balance query sums: per line, or per appropriation.
#[derive(Clone, Copy)]
enum Per {
    Line,
    Appropriation,
}

impl Db {
    /// The catalogue, kept between reads while it has not been extended (`KeptCatalog`). The
    /// marks are read before the rows: rows read after a writer extended the catalogue in
    /// between are kept under the older marks, which no later read sees again.
    pub fn catalog(&self) -> Result<Arc<Catalog>> {
        kept_or_read(&self.kept.catalog, catalog_marks(&self.conn)?, || read_catalog(&self.conn))
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn closed_years(&self) -> Result<BTreeSet<i32>> {
        closed_years(&self.conn)
    }

    /// Every subsidy rule, in recording order.
    pub fn rules(&self) -> Result<Vec<Rule>> {
        rules(&self.conn)
    }

    /// Every maintained balance line with its names, in a stable order.
    pub fn balance_lines(&self) -> Result<Vec<BalanceLine>> {
        self.balance_lines_in(LinesOf::City)
    }

    /// `balance_lines`, of one county's or one project's sub-projects only.
    pub fn balance_lines_in(&self, of: LinesOf) -> Result<Vec<BalanceLine>> {
        self.balance_lines_as_of_in(None, of)
    }

    /// Every line's balance as of the end of `date`, summed from the entries dated up to it
    /// (reversals netted into the column of the kind they reverse); lines with no entry by
    /// then are absent. `None` means the maintained balances (all entries).
    ///
    /// Cheap cases read maintained state, O(lines): no date or a date on or after the latest
    /// entry (the maintained balances), and a 31 December (the per-year movements up to that
    /// year). Any other date sums the entries.
    pub fn balance_lines_as_of(&self, date: Option<NaiveDate>) -> Result<Vec<BalanceLine>> {
        self.balance_lines_as_of_in(date, LinesOf::City)
    }

    /// `balance_lines_as_of`, of one county's or one project's sub-projects only.
    pub fn balance_lines_as_of_in(&self, date: Option<NaiveDate>, of: LinesOf) -> Result<Vec<BalanceLine>> {
        if let LinesOf::City = of {
            return self.named_city_lines(date);
        }
        let (source, param) = self.lines_source(date, Per::Line)?;
        self.named_lines(&source, param, of)
    }

    /// Every line's balance as `balance_lines_as_of` gives it, by the line's ids and without
    /// names (for a report that looks its names up once per appropriation or sub-project).
    pub fn line_sums_as_of(&self, date: Option<NaiveDate>) -> Result<Vec<(LineId, LineBalance)>> {
        self.line_sums_as_of_in(date, LinesOf::City)
    }

    /// `line_sums_as_of`, of one county's or one project's sub-projects only.
    pub fn line_sums_as_of_in(
        &self,
        date: Option<NaiveDate>,
        of: LinesOf,
    ) -> Result<Vec<(LineId, LineBalance)>> {
        let (source, date) = self.lines_source(date, Per::Line)?;
        let mut params: Vec<String> = date.into_iter().collect();
        let only = match of.condition() {
            Some((column, value)) => {
                params.push(value.to_string());
                format!(
                    "WHERE x.sid IN (SELECT s.id FROM subprojects s JOIN projects p ON p.id = s.project_id
                                     WHERE {column} = ?{})",
                    params.len()
                )
            }
            None => String::new(),
        };
        let sql = format!(
            "SELECT x.aid, x.sid, x.allocated, x.withdrawn, x.disbursed, x.returned, x.paid FROM ({source}) x {only}"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
            Ok((line_id(r, 0)?, line_balance_from_row(r, 2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What each appropriation's lines hold as of the end of `date` (see
    /// `balance_lines_as_of`), summed per appropriation id, for a report that needs no finer.
    pub fn appropriation_sums_as_of(&self, date: Option<NaiveDate>) -> Result<Vec<(i64, LineBalance)>> {
        let (source, param) = self.lines_source(date, Per::Appropriation)?;
        let sql = format!(
            "SELECT x.aid, x.allocated, x.withdrawn, x.disbursed, x.returned, x.paid FROM ({source}) x"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(param), |r| {
            Ok((r.get(0)?, line_balance_from_row(r, 1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The query that gives every line's balance as of the end of `date` (see
    /// `balance_lines_as_of`) as `aid`, `sid` and the five balance columns, with its parameter;
    /// or, `Per::Appropriation`, each appropriation's (`sid` 0).
    fn lines_source(&self, date: Option<NaiveDate>, per: Per) -> Result<(String, Option<String>)> {
        let (sid, group, e_sid, e_group) = match per {
            Per::Line => (
                "subproject_id",
                "appropriation_id, subproject_id",
                "e.subproject_id",
                "e.appropriation_id, e.subproject_id",
            ),
            Per::Appropriation => ("0", "appropriation_id", "0", "e.appropriation_id"),
        };
        let maintained = match per {
            // Not grouped, so that a filter on the sub-project can use the line index.
            Per::Line => "SELECT appropriation_id AS aid, subproject_id AS sid, allocated_fen AS allocated,
                                 withdrawn_fen AS withdrawn, disbursed_fen AS disbursed, returned_fen AS returned,
                                 paid_fen AS paid
                          FROM line_balances"
                .to_string(),
            Per::Appropriation => "SELECT appropriation_id AS aid, 0 AS sid, sum(allocated_fen) AS allocated,
                                          sum(withdrawn_fen) AS withdrawn, sum(disbursed_fen) AS disbursed,
                                          sum(returned_fen) AS returned, sum(paid_fen) AS paid
                                   FROM line_balances GROUP BY appropriation_id"
                .to_string(),
        };
        let Some(date) = date else { return Ok((maintained, None)) };
        let latest: Option<String> =
            self.conn.query_row("SELECT max(last_entry) FROM line_balances", [], |r| r.get(0))?;
        if latest.is_none_or(|latest| latest <= date_text(date)) {
            return Ok((maintained, None));
        }
        if (date.month(), date.day()) == (12, 31) {
            return Ok((
                format!(
                    "SELECT appropriation_id AS aid, {sid} AS sid, sum(allocated_fen) AS allocated,
                            sum(withdrawn_fen) AS withdrawn, sum(disbursed_fen) AS disbursed,
                            sum(returned_fen) AS returned, sum(paid_fen) AS paid
                     FROM line_years WHERE year <= CAST(?1 AS INTEGER)
                     GROUP BY {group}"
                ),
                Some(date.year().to_string()),
            ));
        }
        Ok((
            format!(
                "SELECT e.appropriation_id AS aid, {e_sid} AS sid,
                        sum(CASE coalesce(o.kind, e.kind) WHEN 'allocate' THEN m ELSE 0 END) AS allocated,
                        sum(CASE coalesce(o.kind, e.kind) WHEN 'withdraw' THEN m ELSE 0 END) AS withdrawn,
                        sum(CASE coalesce(o.kind, e.kind) WHEN 'disburse' THEN m ELSE 0 END) AS disbursed,
                        sum(CASE coalesce(o.kind, e.kind) WHEN 'return' THEN m ELSE 0 END) AS returned,
                        sum(CASE coalesce(o.kind, e.kind) WHEN 'pay' THEN m ELSE 0 END) AS paid
                 FROM (SELECT e.*, CASE WHEN e.kind = 'reverse' THEN -e.amount_fen ELSE e.amount_fen END AS m
                       FROM entries e WHERE e.date <= ?1) e
                 LEFT JOIN entries o ON o.id = e.reverses_id
                 GROUP BY {e_group}"
            ),
            Some(date_text(date)),
        ))
    }

    /// The maintained balances summed per county and channel, in that order, of the lines
    /// `of` names (SQLite refuses a sum beyond 64 bits rather than wrap).
    ///
    /// A county's lines (or the city's) are read through their appropriations, a range of the
    /// lines' primary key each, instead of through every line's sub-project and project: an
    /// appropriation is only ever drawn on by its own county's projects (R1, which the
    /// entries' trigger enforces), so its county is its lines' county.
    pub fn balance_sums(&self, of: LinesOf) -> Result<Vec<(String, String, LineBalance)>> {
        const THROUGH_APPROPRIATIONS: &str =
            "appropriations a JOIN line_balances l ON l.appropriation_id = a.id";
        let (from, only, param) = match of {
            LinesOf::City => (THROUGH_APPROPRIATIONS, "", None),
            LinesOf::County(county) => (THROUGH_APPROPRIATIONS, "WHERE a.county = ?1", Some(county)),
            LinesOf::Project(code) => (
                "projects p JOIN subprojects s ON s.project_id = p.id
                 JOIN line_balances l ON l.subproject_id = s.id
                 JOIN appropriations a ON a.id = l.appropriation_id",
                "WHERE p.code = ?1",
                Some(code),
            ),
        };
        let sql = format!(
            "SELECT a.county, a.channel, sum(l.allocated_fen), sum(l.withdrawn_fen), sum(l.disbursed_fen),
                    sum(l.returned_fen), sum(l.paid_fen)
             FROM {from}
             {only}
             GROUP BY a.county, a.channel
             ORDER BY a.county, a.channel"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(param), |r| {
            Ok((r.get(0)?, r.get(1)?, line_balance_from_row(r, 2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Lines from `source` (aid, sid and the five balance columns) with their names, in
    /// project, sub-project, channel and appropriation order; only those of one county's or
    /// one project's sub-projects when `of` says so.
    pub(super) fn named_lines(
        &self,
        source: &str,
        date: Option<String>,
        of: LinesOf,
    ) -> Result<Vec<BalanceLine>> {
        let mut params: Vec<String> = date.into_iter().collect();
        let only = match of.condition() {
            Some((column, value)) => {
                params.push(value.to_string());
                format!("WHERE {column} = ?{}", params.len())
            }
            None => String::new(),
        };
        let sql = format!(
            "SELECT p.code, p.county, s.code, s.type, a.channel, a.code,
                    x.allocated, x.withdrawn, x.disbursed, x.returned, x.paid
             FROM ({source}) x
             JOIN appropriations a ON a.id = x.aid
             JOIN subprojects s ON s.id = x.sid
             JOIN projects p ON p.id = s.project_id
             {only}
             ORDER BY p.code, s.code, a.channel, a.code"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
            Ok(BalanceLine {
                project: r.get(0)?,
                county: r.get(1)?,
                subproject: r.get(2)?,
                type_code: r.get(3)?,
                channel: r.get(4)?,
                appropriation: r.get(5)?,
                balance: line_balance_from_row(r, 6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every line's balance as of the end of `date` (`line_sums_as_of`) with its names, in the
    /// order `named_lines` gives: the sub-projects (with their projects) and the appropriations
    /// read once each, and the rows sorted here. SQLite joining the city's lines to three
    /// tables and sorting them by four texts was, in a profile, about half of `balances`. A
    /// line whose sub-project, project or appropriation is not found (the foreign keys forbid
    /// it) is left out, as the join would leave it. The three reads agree only within one
    /// snapshot, as every caller reads (`open_snapshot`, the web's pooled snapshots).
    fn named_city_lines(&self, date: Option<NaiveDate>) -> Result<Vec<BalanceLine>> {
        struct Names {
            project: String,
            county: String,
            code: String,
            type_code: String,
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.id, p.code, p.county, s.code, s.type FROM subprojects s JOIN projects p ON p.id = s.project_id",
        )?;
        let subprojects = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    Names { project: r.get(1)?, county: r.get(2)?, code: r.get(3)?, type_code: r.get(4)? },
                ))
            })?
            .collect::<rusqlite::Result<rustc_hash::FxHashMap<_, _>>>()?;
        let mut stmt = self.conn.prepare_cached("SELECT id, channel, code FROM appropriations")?;
        let appropriations = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, (r.get::<_, String>(1)?, r.get::<_, String>(2)?))))?
            .collect::<rusqlite::Result<rustc_hash::FxHashMap<_, _>>>()?;
        let mut lines: Vec<BalanceLine> = self
            .line_sums_as_of(date)?
            .into_iter()
            .filter_map(|(id, balance)| {
                let s = subprojects.get(&id.subproject)?;
                let (channel, appropriation) = appropriations.get(&id.appropriation)?;
                Some(BalanceLine {
                    project: s.project.clone(),
                    county: s.county.clone(),
                    subproject: s.code.clone(),
                    type_code: s.type_code.clone(),
                    channel: channel.clone(),
                    appropriation: appropriation.clone(),
                    balance,
                })
            })
            .collect();
        lines.sort_unstable_by(|a, b| a.order_key().cmp(&b.order_key()));
        Ok(lines)
    }

    /// The ledger's fingerprint: the entry count and the audit chain's head, the hash of
    /// the last link, which covers every row recorded before it.
    pub fn fingerprint(&self) -> Result<Fingerprint> {
        let head = self
            .conn
            .query_row("SELECT hash FROM chain ORDER BY seq DESC LIMIT 1", [], |r| stored_hash(r, 0))
            .optional()?
            .unwrap_or(GENESIS);
        // The last entry's id is their count: entries are never deleted (a trigger refuses
        // it) and SQLite gives each the next id, found from the end of the table instead of
        // counting a million index rows on every report and page. A row deleted or inserted
        // with a chosen id behind fundledger's back is `verify`'s to find: its chain link and
        // its row no longer meet.
        let entries = self.conn.query_row("SELECT coalesce(max(id), 0) FROM entries", [], |r| r.get(0))?;
        Ok(Fingerprint { entries, hash: crate::audit::short(&head) })
    }

    /// Copies the whole ledger to `dest` (a new file) with SQLite's online backup, in one
    /// step: the copy is the consistent state of one moment, and other processes go on
    /// writing meanwhile (WAL readers do not block writers).
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        use rusqlite::backup::StepResult;
        let mut copy = Connection::open(dest).map_err(|e| {
            let d = crate::error::shown_path(dest);
            Error::Internal(crate::tr!("无法创建 {d}：{e}", "cannot create {d}: {e}"))
        })?;
        {
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy)?;
            let mut waits = 0;
            loop {
                match backup.step(-1)? {
                    StepResult::Done => break,
                    StepResult::More => {}
                    StepResult::Busy | StepResult::Locked if waits < BUSY_RETRIES * 20 => {
                        waits += 1;
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    _ => {
                        return Err(Error::Internal(
                            crate::lang::pick(
                                "备份期间账本一直忙；未保留任何内容，请重新运行",
                                "the ledger stayed busy for the whole backup; nothing was kept, run it again",
                            )
                            .into(),
                        ))
                    }
                }
            }
        }
        copy.close().map_err(|(_, e)| Error::from(e))?;
        Ok(())
    }

    /// The write journal, oldest first: writes recorded on or after `since` (by the date of
    /// their time stamp) and by `operator`, when given.
    pub fn writes(&self, since: Option<NaiveDate>, operator: Option<&str>) -> Result<Vec<StoredWrite>> {
        let sql = format!(
            "{WRITE_SELECT} WHERE (?1 IS NULL OR substr(recorded_at, 1, 10) >= ?1) AND (?2 IS NULL OR operator = ?2)
             ORDER BY id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![since.map(date_text), operator], write_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The write whose links include link `seq` (its own journal link is the one after
    /// `last_link`).
    pub fn write_of_link(&self, seq: i64) -> Result<Option<StoredWrite>> {
        let sql = format!("{WRITE_SELECT} WHERE first_link <= ?1 AND ?1 <= last_link + 1");
        Ok(self.conn.query_row(&sql, [seq], write_from_row).optional()?)
    }

    /// Every reopen of a year, oldest first: (year, reason, operator, time).
    pub fn reopens(&self) -> Result<Vec<(i32, String, String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT year, reason, operator, recorded_at FROM period_events WHERE action = 'reopen' ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The voucher (and line, beyond the first) of entry `id`, if it exists.
    pub fn entry_voucher(&self, id: i64) -> Result<Option<String>> {
        let named = |r: &rusqlite::Row<'_>| -> rusqlite::Result<String> {
            let voucher = lossy(r, 0)?;
            Ok(match r.get::<_, i64>(1) {
                Ok(1) | Err(_) => voucher,
                Ok(n) => crate::tr!("{voucher} 第{n}行", "{voucher} line {n}"),
            })
        };
        let mut stmt = self.conn.prepare_cached("SELECT voucher, line FROM entries WHERE id = ?1")?;
        Ok(stmt.query_row([id], named).optional()?)
    }

    /// The `pay` vouchers of a project's sub-projects, one per voucher and sub-project (its
    /// lines for that sub-project summed), with the reversal that cancelled them.
    pub fn project_payments(&self, project: &str) -> Result<Vec<crate::model::LedgerPay>> {
        self.project_vouchers(project, "pay")
    }

    /// The `disburse` (拨付) vouchers of a project's sub-projects, as `project_payments`.
    pub fn project_disbursements(&self, project: &str) -> Result<Vec<crate::model::LedgerPay>> {
        self.project_vouchers(project, "disburse")
    }

    fn project_vouchers(&self, project: &str, kind: &str) -> Result<Vec<crate::model::LedgerPay>> {
        let mut stmt = self.conn.prepare_cached(
            // One row per voucher and sub-project: its lines summed (those reversed apart from
            // those standing).
            "SELECT e.voucher, min(e.date), s.code, sum(e.amount_fen), group_concat(DISTINCT r.voucher),
                    group_concat(e.line)
             FROM entries e
             JOIN subprojects s ON s.id = e.subproject_id
             JOIN projects p ON p.id = s.project_id
             LEFT JOIN entries r ON r.reverses_id = e.id
             WHERE p.code = ?1 AND e.kind = ?2
             GROUP BY e.voucher, s.code, r.id IS NULL
             ORDER BY e.voucher, s.code",
        )?;
        let rows = stmt.query_map([project, kind], |r| {
            let date: String = r.get(1)?;
            Ok(crate::model::LedgerPay {
                voucher: r.get(0)?,
                date: stored_date(&date)?,
                subproject: r.get(2)?,
                amount: r.get::<_, Fen>(3)?,
                lines: {
                    let text: String = r.get(5)?;
                    let mut lines: Vec<u32> = text.split(',').filter_map(|n| n.parse().ok()).collect();
                    lines.sort_unstable();
                    lines
                },
                reversed_by: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every acceptance (of one project, if given), in recording order.
    pub fn acceptances(&self, project: Option<&str>) -> Result<Vec<StoredAcceptance>> {
        acceptances(&self.conn, project)
    }

    /// Every quality award recorded by `accept award` (of one project, if given).
    pub fn awards(&self, project: Option<&str>) -> Result<Vec<StoredAward>> {
        awards(&self.conn, project)
    }

    /// Every line of a voucher, in line order.
    pub fn voucher_lines(&self, voucher: &str) -> Result<Vec<StoredEntry>> {
        let sql = format!("{ENTRY_SELECT} WHERE e.voucher = ?1 ORDER BY e.line");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([voucher], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The entries of one sub-project (on one channel, if given), in the order money moved,
    /// `limit` of them after the first `skip`: the rows behind a figure of the web
    /// application's project page, a page at a time.
    pub fn subproject_entries(
        &self,
        subproject: &str,
        channel: Option<&str>,
        skip: u64,
        limit: usize,
    ) -> Result<Vec<StoredEntry>> {
        let sql = format!(
            "{ENTRY_SELECT} WHERE s.code = ?1 AND (?2 IS NULL OR a.channel = ?2) ORDER BY e.date, e.id LIMIT ?3 OFFSET ?4"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let skip = i64::try_from(skip).unwrap_or(i64::MAX);
        let rows = stmt.query_map(rusqlite::params![subproject, channel, limit, skip], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many entries `subproject_entries` has in all.
    pub fn subproject_entry_count(&self, subproject: &str, channel: Option<&str>) -> Result<u64> {
        let n: i64 = match channel {
            // Counted in the index of entries by sub-project alone.
            None => self
                .conn
                .prepare_cached(
                    "SELECT count(*) FROM entries WHERE subproject_id = (SELECT id FROM subprojects WHERE code = ?1)",
                )?
                .query_row([subproject], |r| r.get(0))?,
            Some(channel) => self
                .conn
                .prepare_cached(
                    "SELECT count(*) FROM entries e
                     JOIN appropriations a ON a.id = e.appropriation_id
                     JOIN subprojects s ON s.id = e.subproject_id
                     WHERE s.code = ?1 AND a.channel = ?2",
                )?
                .query_row([subproject, channel], |r| r.get(0))?,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The last id of projects, sub-projects and appropriation lines: register rows are never
    /// edited or deleted, and where each lies is never amended, so while these stay the same
    /// so does the map of where each lies (the web application keeps it between requests).
    pub fn register_marks(&self) -> Result<(i64, i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT coalesce(max(id), 0) FROM projects), (SELECT coalesce(max(id), 0) FROM subprojects),
                    (SELECT coalesce(max(id), 0) FROM appropriations)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    }

    /// The last row of each table a sub-project's standalone entitlement is figured from: the
    /// register, its amendments, the subsidy rules and the catalogue's types, channels and
    /// designations. Each is only ever appended to, so equal marks mean equal rows.
    pub fn entitlement_marks(&self) -> Result<EntitlementMarks> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT (SELECT coalesce(max(rowid), 0) FROM projects),
                    (SELECT coalesce(max(rowid), 0) FROM subprojects),
                    (SELECT coalesce(max(rowid), 0) FROM amendments),
                    (SELECT coalesce(max(rowid), 0) FROM subsidy_rules),
                    (SELECT coalesce(max(rowid), 0) FROM subproject_types),
                    (SELECT coalesce(max(rowid), 0) FROM channels),
                    (SELECT coalesce(max(rowid), 0) FROM designations)",
            )?
            .query_row([], |r| {
                let mut marks = [0; 7];
                for (i, m) in marks.iter_mut().enumerate() {
                    *m = r.get(i)?;
                }
                Ok(marks)
            })?)
    }

    /// When the ledger was created (`meta.created_at`).
    pub fn created_at(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'created_at'")?
            .query_row([], |r| r.get(0))
            .optional()?)
    }

    /// The ledger's file as SQLite names it; `None` for a ledger in memory.
    pub fn file(&self) -> Option<String> {
        self.conn.path().filter(|p| !p.is_empty()).map(str::to_string)
    }

    /// How many entries have a voucher matching the SQL `LIKE` pattern (the load bench's check
    /// that every write it was told of is recorded).
    pub fn count_vouchers_like(&self, pattern: &str) -> Result<u64> {
        let n: i64 =
            self.conn
                .query_row("SELECT count(*) FROM entries WHERE voucher LIKE ?1", [pattern], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Maintained balances keyed by (appropriation id, sub-project id), for `verify`.
    pub fn maintained_balances(&self) -> Result<Vec<(LineId, LineBalance)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT appropriation_id, subproject_id, allocated_fen, withdrawn_fen,
                    disbursed_fen, returned_fen, paid_fen
             FROM line_balances ORDER BY appropriation_id, subproject_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((line_id(r, 0)?, line_balance_from_row(r, 2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What `verify` replays of every entry, read in one pass in recording order (SQLite's
    /// own row order, so nothing is sorted on disk) and put in the order money moved in
    /// memory; `read(n)` is told every 4,096 rows.
    pub fn entry_facts(&self, mut read: impl FnMut(u64)) -> Result<EntryFacts> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, date, kind, appropriation_id, subproject_id, amount_fen, reverses_id,
                    substr(recorded_at, 1, 10)
             FROM entries ORDER BY id",
        )?;
        // Room for every entry, asked for once: the last id is their count when none is
        // missing (the table is appended to, never deleted from), found from the end of the
        // table. A tampered id asks for too much: the request is capped, and if it cannot be
        // met the vector grows as it is read instead.
        let last: i64 = self.conn.query_row("SELECT coalesce(max(id), 0) FROM entries", [], |r| r.get(0))?;
        let mut by_id = Vec::new();
        let _room = by_id.try_reserve(usize::try_from(last.clamp(0, 1 << 22)).unwrap_or_default());
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            // Dates, kinds and `recorded_at` must be text, as the rows `entry_from_row`
            // reads; a value of another type is an error naming its column.
            let text = |i: usize, name: &str| {
                let value = r.get_ref(i)?;
                value
                    .as_str()
                    .map_err(|_| rusqlite::Error::InvalidColumnType(i, name.into(), value.data_type()))
            };
            by_id.push(EntryFact {
                id: r.get(0)?,
                date: stored_date(text(1, "date")?)?,
                kind: stored_enum(text(2, "kind")?, Kind::parse)?,
                line: match (r.get_ref(3)?.as_i64(), r.get_ref(4)?.as_i64()) {
                    (Ok(appropriation), Ok(subproject)) => Some(LineId { appropriation, subproject }),
                    _ => None,
                },
                amount_fen: r.get(5)?,
                // A value that is no row id names no entry, as a join on it finds none.
                reverses_id: r.get_ref(6)?.as_i64().ok(),
                // Text that does not start with a date is `None`, as `entry_from_row` reads it.
                recorded_on: ymd(text(7, "recorded_at")?),
            });
            if by_id.len().is_multiple_of(4096) {
                read(by_id.len() as u64);
            }
        }
        // A stable sort by date keeps recording order within a day; the rows mostly arrive
        // in date order already, which the sort finds as runs.
        let mut order: Vec<usize> = (0..by_id.len()).collect();
        order.sort_by_key(|&i| by_id[i].date);
        Ok(EntryFacts { by_id, order })
    }

    /// `appropriations`, kept between reads while no line has been added: appropriation lines
    /// are never edited or deleted (their triggers refuse it; adjustments are rows of their
    /// own), so the same last row id means the same rows. The mark is read before the rows,
    /// as `catalog` reads its marks.
    pub fn appropriations_kept(&self) -> Result<Arc<Vec<StoredAppropriation>>> {
        let mark: i64 = self
            .conn
            .prepare_cached("SELECT coalesce(max(rowid), 0) FROM appropriations")?
            .query_row([], |r| r.get(0))?;
        kept_or_read(&self.kept.appropriations, mark, || self.appropriations())
    }

    /// Every appropriation line, in code order.
    pub fn appropriations(&self) -> Result<Vec<StoredAppropriation>> {
        let sql = format!("{APPROPRIATION_SELECT} ORDER BY code");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([], appropriation_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every sub-project with its project's county and mode, in code order.
    pub fn subprojects(&self) -> Result<Vec<StoredSubproject>> {
        self.subprojects_in(None)
    }

    /// `subprojects`, of one county only (all when `None`).
    pub fn subprojects_in(&self, county: Option<&str>) -> Result<Vec<StoredSubproject>> {
        let sql = match county {
            Some(_) => format!("{SUBPROJECT_SELECT} WHERE p.county = ?1 ORDER BY s.code"),
            None => format!("{SUBPROJECT_SELECT} ORDER BY s.code"),
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(county), subproject_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The sub-projects of one project, in code order.
    pub fn subprojects_of_project(&self, project: &str) -> Result<Vec<StoredSubproject>> {
        subprojects_of_project(&self.conn, project)
    }

    /// One project by its code.
    pub fn project(&self, code: &str) -> Result<Option<StoredProject>> {
        project_by_code(&self.conn, code)
    }

    /// Every project, in code order.
    pub fn projects(&self) -> Result<Vec<StoredProject>> {
        self.projects_in(None)
    }

    /// The projects of one county (all when `None`), in code order.
    pub fn projects_in(&self, county: Option<&str>) -> Result<Vec<StoredProject>> {
        let sql = format!("{PROJECT_SELECT} WHERE ?1 IS NULL OR county = ?1 ORDER BY code");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([county], project_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The date of the latest entry, if any.
    pub fn latest_entry(&self) -> Result<Option<NaiveDate>> {
        let latest: Option<String> =
            self.conn.query_row("SELECT max(last_entry) FROM line_balances", [], |r| r.get(0))?;
        Ok(latest.as_deref().map(stored_date).transpose()?)
    }

    /// How many links the audit chain has.
    pub fn chain_links(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT coalesce(max(seq), 0) FROM chain", [], |r| r.get(0))?)
    }

    /// Row counts of the register and the ledger.
    pub fn counts(&self) -> Result<Counts> {
        Ok(self.conn.query_row(
            "SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM subprojects),
                    (SELECT count(*) FROM appropriations), (SELECT count(*) FROM entries)",
            [],
            |r| {
                Ok(Counts {
                    projects: r.get(0)?,
                    subprojects: r.get(1)?,
                    appropriations: r.get(2)?,
                    entries: r.get(3)?,
                })
            },
        )?)
    }

    /// What the lines of each appropriation take out of it, Σ(allocated − withdrawn − returned),
    /// keyed by appropriation code; lines never touched are absent (they draw nothing).
    pub fn drawn_by_appropriation(&self) -> Result<std::collections::HashMap<String, Fen>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.code, sum(b.allocated_fen - b.withdrawn_fen - b.returned_fen)
             FROM line_balances b JOIN appropriations a ON a.id = b.appropriation_id
             GROUP BY b.appropriation_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, Fen>(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Per line: the date of its latest entry and of its latest disbursement (maintained with
    /// the balances), keyed by (appropriation id, sub-project id), for `verify` and `check`.
    pub fn maintained_activity(&self) -> Result<Vec<(LineId, Activity)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT appropriation_id, subproject_id, last_entry, last_disbursed FROM line_balances",
        )?;
        let rows = stmt.query_map([], |r| {
            let last: Option<String> = r.get(2)?;
            let disbursed: Option<String> = r.get(3)?;
            Ok((
                line_id(r, 0)?,
                Activity {
                    last_entry: last.as_deref().map(stored_date).transpose()?,
                    last_disbursement: disbursed.as_deref().map(stored_date).transpose()?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Maintained movements per line and year, keyed by (appropriation id, sub-project id,
    /// year), for `verify`.
    pub fn maintained_years(&self) -> Result<Vec<(LineYear, LineBalance)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT appropriation_id, subproject_id, year, allocated_fen, withdrawn_fen,
                    disbursed_fen, returned_fen, paid_fen
             FROM line_years",
        )?;
        let rows = stmt.query_map([], |r| Ok(((line_id(r, 0)?, r.get(2)?), line_balance_from_row(r, 3)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every maintained day row of a line (`line_days`), in key order (appropriation,
    /// sub-project, date): `verify` merges them with what the entries give.
    pub fn for_each_line_day(&self, mut f: impl FnMut(LineId, NaiveDate, LineBalance)) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT appropriation_id, subproject_id, date, allocated_fen, withdrawn_fen, disbursed_fen,
                    returned_fen, paid_fen
             FROM line_days ORDER BY appropriation_id, subproject_id, date",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let line = LineId { appropriation: r.get(0)?, subproject: r.get(1)? };
            f(line, stored_date(text_at(r, 2)?)?, line_balance_from_row(r, 3)?);
        }
        Ok(())
    }

    /// What each appropriation's lines draw from it on each day, as maintained
    /// (`appropriation_days.drawn_fen`), in key order (appropriation, date).
    pub fn for_each_appropriation_day(&self, mut f: impl FnMut(i64, NaiveDate, Fen)) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT appropriation_id, date, drawn_fen FROM appropriation_days ORDER BY appropriation_id, date")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            f(r.get(0)?, stored_date(text_at(r, 1)?)?, r.get(2)?);
        }
        Ok(())
    }

    /// Entry counts per kind, in kind order.
    pub fn entry_counts_by_kind(&self) -> Result<Vec<(Kind, i64)>> {
        let mut stmt = self.conn.prepare_cached("SELECT kind, count(*) FROM entries GROUP BY kind")?;
        let mut counts: Vec<(Kind, i64)> = stmt
            .query_map([], |r| {
                let kind: String = r.get(0)?;
                Ok((stored_enum(&kind, Kind::parse)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        counts.sort();
        Ok(counts)
    }
}

pub(super) const RULE_SELECT: &str =
    "SELECT id, channel, type, shape, rate_fen, unit, percent, cap_fen, amount_fen,
    tiers, valid_from, valid_to, source_doc, sample FROM subsidy_rules ORDER BY id";

pub(super) fn rules(conn: &Connection) -> Result<Vec<Rule>> {
    let mut stmt = conn.prepare_cached(RULE_SELECT)?;
    let rows = stmt.query_map([], |r| {
        let shape: String = r.get(3)?;
        let corrupt = |what: &str| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, what.to_string().into())
        };
        let cap = r.get::<_, Option<Fen>>(7)?;
        let shape = match shape.as_str() {
            "per_unit" => Shape::PerUnit { rate: r.get::<_, Fen>(4)?, unit: r.get(5)?, cap },
            "share_of_investment" => {
                let p: String = r.get(6)?;
                Shape::ShareOfInvestment {
                    percent: Decimal::from_str(&p).map_err(|_| corrupt("percent"))?,
                    cap,
                }
            }
            "fixed" => Shape::Fixed { amount: r.get::<_, Fen>(8)? },
            _ => {
                let t: String = r.get(9)?;
                Shape::Tiered {
                    unit: r.get(5)?,
                    tiers: subsidy::parse_stored_tiers(&t).ok_or_else(|| corrupt("tiers"))?,
                }
            }
        };
        let from: String = r.get(10)?;
        let to: String = r.get(11)?;
        Ok(Rule {
            id: r.get(0)?,
            channel: r.get(1)?,
            type_code: r.get(2)?,
            shape,
            valid_from: stored_date(&from)?,
            valid_to: stored_date(&to)?,
            source_doc: r.get(12)?,
            sample: r.get(13)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The five balance columns of a row, starting at column `first`.
pub(super) fn line_balance_from_row(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<LineBalance> {
    Ok(LineBalance {
        allocated: r.get::<_, Fen>(first)?,
        withdrawn: r.get::<_, Fen>(first + 1)?,
        disbursed: r.get::<_, Fen>(first + 2)?,
        returned: r.get::<_, Fen>(first + 3)?,
        paid: r.get::<_, Fen>(first + 4)?,
    })
}

/// The years whose latest period event is a close.
pub(super) fn closed_years(conn: &Connection) -> Result<BTreeSet<i32>> {
    let mut stmt = conn.prepare_cached(
        "SELECT year FROM period_events e
         WHERE action = 'close' AND id = (SELECT max(id) FROM period_events WHERE year = e.year)",
    )?;
    let years = stmt.query_map([], |r| r.get(0))?;
    Ok(years.collect::<rusqlite::Result<_>>()?)
}

/// One project by its code (`Db::project`, `Tx::find_project`).
pub(super) fn project_by_code(conn: &Connection, code: &str) -> Result<Option<StoredProject>> {
    let sql = format!("{PROJECT_SELECT} WHERE code = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([code], project_from_row).optional()?)
}

/// The sub-projects of one project, in code order (`Db::subprojects_of_project`,
/// `Tx::subprojects_of`).
pub(super) fn subprojects_of_project(conn: &Connection, project: &str) -> Result<Vec<StoredSubproject>> {
    let sql = format!("{SUBPROJECT_SELECT} WHERE p.code = ?1 ORDER BY s.code");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([project], subproject_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) const PROJECT_SELECT: &str = "SELECT id, code, name, county, scope, towns, villages,
    implementing_body, mode, approved_on, flagship FROM projects";

pub(super) fn project_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredProject> {
    let scope: String = r.get(4)?;
    let mode: String = r.get(8)?;
    let approved: String = r.get(9)?;
    Ok(StoredProject {
        id: r.get(0)?,
        row: NewProject {
            code: r.get(1)?,
            name: r.get(2)?,
            county: r.get(3)?,
            scope: stored_enum(&scope, Scope::parse)?,
            towns: r.get(5)?,
            villages: r.get(6)?,
            implementing_body: r.get(7)?,
            mode: stored_enum(&mode, Mode::parse)?,
            approved_on: stored_date(&approved)?,
            flagship: r.get(10)?,
        },
    })
}

pub(super) const SUBPROJECT_SELECT: &str = "SELECT s.id, s.code, p.code, p.county, p.mode, s.type,
    s.status, s.quantity, s.unit, s.investment_fen, s.letter, s.standalone_fen, s.standalone_doc
    FROM subprojects s JOIN projects p ON p.id = s.project_id";

pub(super) fn subproject_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredSubproject> {
    let mode: String = r.get(4)?;
    let status: String = r.get(6)?;
    Ok(StoredSubproject {
        id: r.get(0)?,
        code: r.get(1)?,
        project_code: r.get(2)?,
        county: r.get(3)?,
        mode: stored_enum(&mode, Mode::parse)?,
        type_code: r.get(5)?,
        status: stored_enum(&status, Status::parse)?,
        quantity: r.get(7)?,
        unit: r.get(8)?,
        investment: r.get::<_, Fen>(9)?,
        letter: r.get(10)?,
        standalone: r.get::<_, Option<Fen>>(11)?,
        standalone_doc: r.get(12)?,
        standalone_by_channel: std::collections::BTreeMap::new(),
    })
}

pub(super) const APPROPRIATION_SELECT: &str =
    "SELECT id, code, doc_no, channel, level, county, issued_on, amount_fen FROM appropriations";

pub(super) fn appropriation_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredAppropriation> {
    let level: String = r.get(4)?;
    let issued: String = r.get(6)?;
    Ok(StoredAppropriation {
        id: r.get(0)?,
        code: r.get(1)?,
        doc_no: r.get(2)?,
        channel: r.get(3)?,
        level: stored_enum(&level, Level::parse)?,
        county: r.get(5)?,
        issued_on: stored_date(&issued)?,
        amount: r.get::<_, Fen>(7)?,
    })
}

pub(super) const ENTRY_SELECT: &str = "SELECT e.id, e.voucher, e.date, e.kind, e.appropriation_id, a.code,
    e.subproject_id, s.code, e.amount_fen, o.id, o.kind, o.voucher, e.memo,
    o.appropriation_id, o.subproject_id, o.amount_fen, o.date, e.recorded_at, e.line, o.line
    FROM entries e
    JOIN appropriations a ON a.id = e.appropriation_id
    JOIN subprojects s ON s.id = e.subproject_id
    LEFT JOIN entries o ON o.id = e.reverses_id";

pub(super) fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredEntry> {
    let date: String = r.get(2)?;
    let kind: String = r.get(3)?;
    let (reverses, original) = match r.get::<_, Option<i64>>(9)? {
        Some(id) => {
            let kind: String = r.get(10)?;
            let original_date: String = r.get(16)?;
            (
                Some((
                    id,
                    stored_enum(&kind, Kind::parse)?,
                    VoucherLine { voucher: r.get(11)?, line: r.get(19)? },
                )),
                Some((line_id(r, 13)?, r.get::<_, Fen>(15)?, stored_date(&original_date)?)),
            )
        }
        None => (None, None),
    };
    // `recorded_at` starts with the local date (YYYY-MM-DD…); an unreadable one is `None`.
    let recorded_at: String = r.get(17)?;
    let recorded_on = recorded_at.get(..10).and_then(ymd);
    Ok(StoredEntry {
        id: r.get(0)?,
        voucher: r.get(1)?,
        line: r.get(18)?,
        date: stored_date(&date)?,
        kind: stored_enum(&kind, Kind::parse)?,
        appropriation_id: r.get(4)?,
        appropriation: r.get(5)?,
        subproject_id: r.get(6)?,
        subproject: r.get(7)?,
        amount: r.get::<_, Fen>(8)?,
        reverses,
        original,
        memo: r.get(12)?,
        recorded_on,
    })
}

/// The last row id of each catalogue table (`KeptCatalog`).
pub(super) type CatalogMarks = [i64; 5];

pub(super) fn catalog_marks(conn: &Connection) -> Result<CatalogMarks> {
    Ok(conn.prepare_cached(
        "SELECT (SELECT coalesce(max(rowid), 0) FROM departments), (SELECT coalesce(max(rowid), 0) FROM counties),
                (SELECT coalesce(max(rowid), 0) FROM subproject_types), (SELECT coalesce(max(rowid), 0) FROM channels),
                (SELECT coalesce(max(rowid), 0) FROM designations)",
    )?
    .query_row([], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?]))?)
}

pub(super) fn read_catalog(conn: &Connection) -> Result<Catalog> {
    let departments = conn
        .prepare_cached("SELECT code, name, name_en FROM departments ORDER BY rowid")?
        .query_map([], |r| Ok(Department { code: r.get(0)?, name: r.get(1)?, name_en: r.get(2)? }))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let counties = conn
        .prepare_cached("SELECT code, name, name_en FROM counties ORDER BY rowid")?
        .query_map([], |r| Ok(County { code: r.get(0)?, name: r.get(1)?, name_en: r.get(2)? }))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let types = conn
        .prepare_cached(
            "SELECT code, name, name_en, department, agri, land, people, co_lead, annex3, note
             FROM subproject_types ORDER BY seq",
        )?
        .query_map([], |r| {
            Ok(SubprojectType {
                code: r.get(0)?,
                name: r.get(1)?,
                name_en: r.get(2)?,
                department: r.get(3)?,
                agri: r.get(4)?,
                land: r.get(5)?,
                people: r.get(6)?,
                co_lead: r.get(7)?,
                annex3: r.get(8)?,
                note: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let channels = conn
        .prepare_cached("SELECT code, name, name_en, policy_owner, basis FROM channels ORDER BY seq")?
        .query_map([], |r| {
            Ok(Channel {
                code: r.get(0)?,
                name: r.get(1)?,
                name_en: r.get(2)?,
                policy_owner: r.get(3)?,
                basis: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let designations = conn
        .prepare_cached("SELECT channel, type, note, basis FROM designations ORDER BY seq")?
        .query_map([], |r| {
            Ok(Designation { channel: r.get(0)?, type_code: r.get(1)?, note: r.get(2)?, basis: r.get(3)? })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Catalog::new(departments, counties, types, channels, designations))
}

/// How many rows the register and the ledger hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub projects: u64,
    pub subprojects: u64,
    pub appropriations: u64,
    pub entries: u64,
}

/// Column `i` as text, without copying it; a value of another type, or text that is not
/// UTF-8, is the error `get::<String>` gives for it.
fn text_at<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    let value = r.get_ref(i)?;
    value.as_str().map_err(|e| match e {
        rusqlite::types::FromSqlError::Other(e) => {
            rusqlite::Error::FromSqlConversionFailure(i, value.data_type(), e)
        }
        _ => {
            let name = r.as_ref().column_name(i).map_or_else(|_| String::new(), str::to_string);
            rusqlite::Error::InvalidColumnType(i, name, value.data_type())
        }
    })
}

/// The line named by columns `i` (appropriation id) and `i + 1` (sub-project id).
pub(super) fn line_id(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<LineId> {
    Ok(LineId { appropriation: r.get(i)?, subproject: r.get(i + 1)? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::What;
    use std::collections::BTreeMap;
    use std::path::Path;

    /// The demo's files (seven counties, several channels, sub-projects paid on more than one
    /// channel, amendments and adjustments), in a ledger of their own.
    fn demo_ledger(dir: &Path) -> Db {
        crate::db::fixture::ledger(
            dir,
            "demo",
            &[
                (What::Projects, "projects.csv"),
                (What::Subprojects, "subprojects.csv"),
                (What::Appropriations, "appropriations.csv"),
                (What::Entries, "entries.csv"),
                (What::Entries, "voucher-lines.csv"),
                (What::Adjustments, "adjustments.csv"),
                (What::Amendments, "amendments.csv"),
            ],
        )
    }

    /// A dashboard's sums per county and channel, read through the appropriations (or a
    /// project's sub-projects), are the sums of the named balance lines, for the city, each
    /// county and each project.
    #[test]
    fn sums_per_county_and_channel_read_through_appropriations_are_the_sums_of_the_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = demo_ledger(dir.path());
        let summed = |lines: Vec<BalanceLine>| {
            let mut sums: BTreeMap<(String, String), LineBalance> = BTreeMap::new();
            for l in lines {
                sums.entry((l.county, l.channel)).or_default().add(&l.balance);
            }
            sums.into_iter().map(|((county, channel), b)| (county, channel, b)).collect::<Vec<_>>()
        };
        let lines = db.balance_lines_in(LinesOf::City).expect("lines");
        let counties: std::collections::BTreeSet<String> = lines.iter().map(|l| l.county.clone()).collect();
        let projects: std::collections::BTreeSet<String> = lines.iter().map(|l| l.project.clone()).collect();
        assert!(counties.len() > 2 && projects.len() > 2, "{counties:?}");
        assert_eq!(db.balance_sums(LinesOf::City).expect("sums"), summed(lines));
        let each = counties
            .iter()
            .map(|c| (LinesOf::County(c), c))
            .chain(projects.iter().map(|p| (LinesOf::Project(p), p)));
        for (of, code) in each {
            assert_eq!(
                db.balance_sums(of).expect("sums"),
                summed(db.balance_lines_in(of).expect("lines")),
                "{code}"
            );
        }
    }

    /// The city's lines named and sorted in Rust are SQLite's join of the same lines, in
    /// SQLite's order: maintained, summed from the per-year movements (each 31 December) and
    /// summed from the entries (other days).
    #[test]
    fn the_citys_lines_named_in_rust_are_sqlites_join() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = demo_ledger(dir.path());
        let named = |l: &BalanceLine| {
            let names = [&l.project, &l.county, &l.subproject, &l.type_code, &l.channel, &l.appropriation];
            (names.map(String::clone), l.balance)
        };
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let mut dates = vec![None];
        dates.extend((2019..=2026).map(|y| day(y, 12, 31)));
        dates.extend([day(2023, 6, 30), day(2024, 3, 15), day(2025, 9, 1)]);
        for date in dates {
            let (source, param) = db.lines_source(date, Per::Line).expect("source");
            let rust = db.named_city_lines(date).expect("named in Rust");
            let joined = db.named_lines(&source, param, LinesOf::City).expect("joined by SQLite");
            assert_eq!(
                rust.iter().map(named).collect::<Vec<_>>(),
                joined.iter().map(named).collect::<Vec<_>>()
            );
        }
        // Enough of the city that an order by other keys would differ.
        let lines = db.balance_lines().expect("lines");
        let distinct = |f: fn(&BalanceLine) -> &str| lines.iter().map(f).collect::<BTreeSet<_>>().len();
        assert!(lines.len() > 100, "{} lines", lines.len());
        assert!(distinct(|l| &l.county) > 3 && distinct(|l| &l.channel) > 3);
        let mut channels_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for l in &lines {
            channels_of.entry(&l.subproject).or_default().insert(&l.channel);
        }
        assert!(channels_of.values().any(|c| c.len() > 1), "a sub-project paid on two channels");
    }
}
