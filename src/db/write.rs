//! Writes: the `Tx` methods that insert catalogue, register and ledger rows (each linked into
//! the audit chain) and keep the maintained tables, and the journal row `commit` adds.

use super::*;

pub(super) const ENTRY_INSERT: &str =
    "INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id,
    amount_fen, reverses_id, memo, operator, recorded_at, line)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/// Prepared statements for a run of entry inserts, so that a million-row import does not look
/// each statement up in the cache by its text (`Tx::entry_statements`).
pub struct EntryStatements<'t> {
    exists: rusqlite::CachedStatement<'t>,
    insert: rusqlite::CachedStatement<'t>,
    link: rusqlite::CachedStatement<'t>,
}

/// What `Tx::commit` records in the write journal (`fundledger log`).
#[derive(Clone, Debug, Default)]
pub struct WriteRecord<'a> {
    /// The command, e.g. `import entries`, `post`, `close`.
    pub command: &'a str,
    /// What it was given: a file name, a voucher, a year.
    pub detail: &'a str,
    /// What it recorded, e.g. `12 added, 3 unchanged`.
    pub summary: &'a str,
    /// Why, where the command asks (reopen).
    pub reason: &'a str,
    pub operator: &'a str,
    pub recorded_at: &'a str,
}

/// An entry to insert; references are already resolved to ids.
pub struct EntryInsert<'a> {
    pub voucher: &'a str,
    pub line: u32,
    pub date: NaiveDate,
    pub kind: Kind,
    pub appropriation_id: i64,
    pub subproject_id: i64,
    pub amount: Fen,
    pub reverses_id: Option<i64>,
    pub memo: &'a str,
    pub operator: &'a str,
    pub recorded_at: &'a str,
}

/// A resolved quality award to insert.
pub struct AwardInsert<'a> {
    pub project_id: i64,
    pub year: i32,
    pub document: &'a str,
    pub date: Option<NaiveDate>,
    pub memo: &'a str,
    pub operator: &'a str,
    pub recorded_at: &'a str,
}

/// A resolved acceptance to insert.
pub struct AcceptanceInsert<'a> {
    pub stage: Stage,
    pub project_id: i64,
    pub subproject_id: Option<i64>,
    pub department: Option<&'a str>,
    pub bureau: Option<&'a str>,
    pub verdict: Verdict,
    pub date: NaiveDate,
    pub document: &'a str,
    pub batch: &'a str,
    pub award: bool,
    pub memo: &'a str,
    pub operator: &'a str,
    pub recorded_at: &'a str,
}

impl Tx<'_> {
    /// Journals the write (when it recorded anything) and commits.
    pub fn commit(self, w: &WriteRecord<'_>) -> Result<()> {
        let first = self.chain.borrow().first;
        if let Some(first) = first {
            let last = self.chain.borrow().tip.map_or(first, |(seq, _)| seq);
            self.tx.execute(
                "INSERT INTO writes (command, detail, summary, reason, first_link, last_link, operator,
                     recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![w.command, w.detail, w.summary, w.reason, first, last, w.operator, w.recorded_at],
            )?;
            self.link_row("writes", self.tx.last_insert_rowid())?;
        }
        let (fresh, kept) = (self.fresh.take(), self.kept);
        self.tx.commit()?;
        if fresh.is_some() {
            *kept.borrow_mut() = fresh;
        }
        Ok(())
    }

    /// The catalogue as this transaction sees it: the connection's kept one while the marks
    /// agree, else read afresh and kept once this transaction commits.
    pub fn catalog(&self) -> Result<Arc<Catalog>> {
        let marks = catalog_marks(&self.tx)?;
        if let Some(catalog) = kept_under(self.kept, &marks) {
            return Ok(catalog);
        }
        kept_or_read(&self.fresh, marks, || read_catalog(&self.tx))
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn insert_department(&self, d: &Department, builtin: bool) -> Result<()> {
        self.tx.execute(
            "INSERT INTO departments (code, name, name_en, builtin) VALUES (?1, ?2, ?3, ?4)",
            params![d.code, d.name, d.name_en, builtin],
        )?;
        self.link_last("departments")?;
        Ok(())
    }

    pub fn insert_county(&self, c: &County, builtin: bool) -> Result<()> {
        self.tx.execute(
            "INSERT INTO counties (code, name, name_en, builtin) VALUES (?1, ?2, ?3, ?4)",
            params![c.code, c.name, c.name_en, builtin],
        )?;
        self.link_last("counties")?;
        Ok(())
    }

    pub fn insert_type(&self, t: &SubprojectType, builtin: bool) -> Result<()> {
        self.tx.execute(
            "INSERT INTO subproject_types (code, name, name_en, department, agri, land, people,
                 co_lead, annex3, note, builtin, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                     (SELECT coalesce(max(seq), 0) + 1 FROM subproject_types))",
            params![
                t.code,
                t.name,
                t.name_en,
                t.department,
                t.agri,
                t.land,
                t.people,
                t.co_lead,
                t.annex3,
                t.note,
                builtin
            ],
        )?;
        self.link_last("subproject_types")?;
        Ok(())
    }

    pub fn insert_channel(&self, c: &Channel, builtin: bool) -> Result<()> {
        self.tx.execute(
            "INSERT INTO channels (code, name, name_en, policy_owner, basis, builtin, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT coalesce(max(seq), 0) + 1 FROM channels))",
            params![c.code, c.name, c.name_en, c.policy_owner, c.basis, builtin],
        )?;
        self.link_last("channels")?;
        Ok(())
    }

    pub fn insert_designation(&self, d: &Designation, builtin: bool) -> Result<()> {
        self.tx.execute(
            "INSERT INTO designations (channel, type, note, basis, builtin, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, (SELECT coalesce(max(seq), 0) + 1 FROM designations))",
            params![d.channel, d.type_code, d.note, d.basis, builtin],
        )?;
        self.link_last("designations")?;
        Ok(())
    }

    pub fn find_project(&self, code: &str) -> Result<Option<StoredProject>> {
        project_by_code(&self.tx, code)
    }

    pub fn insert_project(&self, p: &NewProject, operator: &str, at: &str) -> Result<i64> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO projects (code, name, county, scope, towns, villages, implementing_body,
                 mode, approved_on, flagship, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        stmt.execute(params![
            p.code,
            p.name,
            p.county,
            p.scope.code(),
            p.towns,
            p.villages,
            p.implementing_body,
            p.mode.code(),
            date_text(p.approved_on),
            p.flagship,
            operator,
            at
        ])?;
        self.link_last("projects")
    }

    /// The sub-projects of one project, in code order.
    pub fn subprojects_of(&self, project: &str) -> Result<Vec<StoredSubproject>> {
        subprojects_of_project(&self.tx, project)
    }

    pub fn find_subproject(&self, code: &str) -> Result<Option<StoredSubproject>> {
        let sql = format!("{SUBPROJECT_SELECT} WHERE s.code = ?1");
        let mut stmt = self.tx.prepare_cached(&sql)?;
        Ok(stmt.query_row([code], subproject_from_row).optional()?)
    }

    /// Inserts a sub-project whose type is already resolved to its code.
    pub fn insert_subproject(
        &self,
        project_id: i64,
        s: &NewSubproject,
        type_code: &str,
        operator: &str,
        at: &str,
    ) -> Result<i64> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO subprojects (code, project_id, type, status, quantity, unit,
                 investment_fen, letter, standalone_fen, standalone_doc, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        stmt.execute(params![
            s.code,
            project_id,
            type_code,
            s.status.code(),
            s.quantity,
            s.unit,
            s.investment,
            s.letter,
            s.standalone,
            s.standalone_doc,
            operator,
            at
        ])?;
        self.link_last("subprojects")
    }

    pub fn find_appropriation(&self, code: &str) -> Result<Option<StoredAppropriation>> {
        let sql = format!("{APPROPRIATION_SELECT} WHERE code = ?1");
        let mut stmt = self.tx.prepare_cached(&sql)?;
        Ok(stmt.query_row([code], appropriation_from_row).optional()?)
    }

    /// Inserts an appropriation whose channel is already resolved to its code.
    pub fn insert_appropriation(
        &self,
        a: &NewAppropriation,
        channel: &str,
        operator: &str,
        at: &str,
    ) -> Result<i64> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO appropriations (code, doc_no, channel, level, county, issued_on,
                 amount_fen, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        stmt.execute(params![
            a.code,
            a.doc_no,
            channel,
            a.level.code(),
            a.county,
            date_text(a.issued_on),
            a.amount,
            operator,
            at
        ])?;
        self.link_last("appropriations")
    }

    /// Every acceptance of one project, in recording order.
    pub fn acceptances(&self, project: &str) -> Result<Vec<StoredAcceptance>> {
        acceptances(&self.tx, Some(project))
    }

    pub fn insert_acceptance(&self, a: &AcceptanceInsert<'_>) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO acceptances (stage, project_id, subproject_id, department, result, accepted_on,
                 document, batch, award, memo, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                a.stage.code(),
                a.project_id,
                a.subproject_id,
                a.department,
                a.verdict.code(),
                date_text(a.date),
                a.document,
                a.batch,
                a.award,
                a.memo,
                a.operator,
                a.recorded_at
            ],
        )?;
        let id = self.link_last("acceptances")?;
        if let Some(bureau) = a.bureau {
            self.tx.execute(
                "INSERT INTO acceptance_bureaus (acceptance_id, bureau) VALUES (?1, ?2)",
                params![id, bureau],
            )?;
            self.link_last("acceptance_bureaus")?;
        }
        Ok(id)
    }

    /// Every quality award of one project recorded by `accept award`.
    pub fn awards(&self, project: &str) -> Result<Vec<StoredAward>> {
        awards(&self.tx, Some(project))
    }

    pub fn insert_award(&self, a: &AwardInsert<'_>) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO acceptance_awards (project_id, year, document, awarded_on, memo, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                a.project_id,
                a.year,
                a.document,
                a.date.map(date_text),
                a.memo,
                a.operator,
                a.recorded_at
            ],
        )?;
        self.link_last("acceptance_awards")
    }

    /// Drops the index of entries by sub-project for the rest of this transaction, returning
    /// the statement that builds it again (`None` when the ledger has none). A large import
    /// builds it once at its end: row by row, its inserts land all over it, and at a million
    /// entries that alone doubled the import's time.
    pub fn set_aside_subproject_index(&self) -> Result<Option<String>> {
        let sql: Option<String> = self
            .tx
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'entries_by_subproject'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if sql.is_some() {
            self.tx.execute_batch("DROP INDEX entries_by_subproject")?;
        }
        Ok(sql)
    }

    /// Builds again an index `set_aside_subproject_index` dropped, by its own statement.
    pub fn rebuild_index(&self, sql: &str) -> Result<()> {
        // SQLite's sort for the index may take as much memory as the page cache is allowed:
        // a smaller cache while it runs keeps a large import's peak memory down.
        let cache: i64 = self.tx.pragma_query_value(None, "cache_size", |r| r.get(0))?;
        self.tx.pragma_update(None, "cache_size", -8192)?;
        let built = self.tx.execute_batch(sql);
        self.tx.pragma_update(None, "cache_size", cache)?;
        Ok(built?)
    }

    /// The id of the last recorded entry (0 when there is none).
    pub fn last_entry_id(&self) -> Result<i64> {
        Ok(self.tx.query_row("SELECT coalesce(max(id), 0) FROM entries", [], |r| r.get(0))?)
    }

    /// One line of a voucher.
    pub fn find_entry(&self, voucher: &str, line: u32) -> Result<Option<StoredEntry>> {
        let sql = format!("{ENTRY_SELECT} WHERE e.voucher = ?1 AND e.line = ?2");
        let mut stmt = self.tx.prepare_cached(&sql)?;
        Ok(stmt.query_row(params![voucher, line], entry_from_row).optional()?)
    }

    /// Every line of a voucher, in line order.
    pub fn voucher_entries(&self, voucher: &str) -> Result<Vec<StoredEntry>> {
        let sql = format!("{ENTRY_SELECT} WHERE e.voucher = ?1 ORDER BY e.line");
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows = stmt.query_map([voucher], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The voucher line of the reversal of entry `id`, if it has been reversed.
    pub fn reversed_by(&self, id: i64) -> Result<Option<VoucherLine>> {
        let mut stmt = self.tx.prepare_cached("SELECT voucher, line FROM entries WHERE reverses_id = ?1")?;
        Ok(stmt.query_row([id], |r| Ok(VoucherLine { voucher: r.get(0)?, line: r.get(1)? })).optional()?)
    }

    /// The statements a run of entry inserts needs, prepared once (`EntryWriter`).
    pub fn entry_statements(&self) -> Result<EntryStatements<'_>> {
        Ok(EntryStatements {
            exists: self.tx.prepare_cached("SELECT min(id) FROM entries WHERE voucher = ?1")?,
            insert: self.tx.prepare_cached(ENTRY_INSERT)?,
            link: self.tx.prepare_cached(LINK_INSERT)?,
        })
    }

    /// Whether any line of a voucher is recorded (an index lookup; `find_entry` reads the
    /// whole entry).
    pub fn voucher_recorded(&self, s: &mut EntryStatements<'_>, voucher: &str) -> Result<bool> {
        Ok(self.voucher_first_id(s, voucher)?.is_some())
    }

    /// The id of a voucher's first recorded line, if any (from the index of voucher lines
    /// alone).
    pub fn voucher_first_id(&self, s: &mut EntryStatements<'_>, voucher: &str) -> Result<Option<i64>> {
        Ok(s.exists.query_row([voucher], |r| r.get(0))?)
    }

    /// Inserts an entry and links it into the audit chain.
    pub fn insert_entry(&self, s: &mut EntryStatements<'_>, e: &EntryInsert<'_>) -> Result<i64> {
        let date = date_text(e.date);
        s.insert.execute(params![
            e.voucher,
            date,
            e.kind.code(),
            e.appropriation_id,
            e.subproject_id,
            e.amount,
            e.reverses_id,
            e.memo,
            e.operator,
            e.recorded_at,
            e.line
        ])?;
        let id = self.tx.last_insert_rowid();
        // The columns of `entries` in schema order, as `SELECT *` gives them back to `verify`.
        self.append_link_with(&mut s.link, "entries", id, |c| {
            c.int(id);
            c.text(e.voucher);
            c.text(&date);
            c.text(e.kind.code());
            c.int(e.appropriation_id);
            c.int(e.subproject_id);
            c.int(i64::try_from(e.amount.0).expect("the insert above stored the amount as an i64"));
            c.opt_int(e.reverses_id);
            c.text(e.memo);
            c.text(e.operator);
            c.text(e.recorded_at);
            // A line-1 entry is hashed as entries were before vouchers had lines.
            if e.line != 1 {
                c.int(i64::from(e.line));
            }
            Ok(())
        })?;
        Ok(id)
    }

    pub fn line_balance(&self, line: LineId) -> Result<LineBalance> {
        let (appropriation_id, subproject_id) = (line.appropriation, line.subproject);
        let mut stmt = self.tx.prepare_cached(
            "SELECT allocated_fen, withdrawn_fen, disbursed_fen, returned_fen, paid_fen
             FROM line_balances WHERE appropriation_id = ?1 AND subproject_id = ?2",
        )?;
        let found = stmt
            .query_row(params![appropriation_id, subproject_id], |r| line_balance_from_row(r, 0))
            .optional()?;
        Ok(found.unwrap_or_default())
    }

    /// The line's net movement on each day after `date`, in date order (R3 on every date: a
    /// back-dated entry must leave every later day's balance non-negative).
    pub fn line_days_after(&self, line: LineId, date: NaiveDate) -> Result<Vec<(NaiveDate, LineBalance)>> {
        let (appropriation_id, subproject_id) = (line.appropriation, line.subproject);
        let mut stmt = self.tx.prepare_cached(
            "SELECT date, allocated_fen, withdrawn_fen, disbursed_fen, returned_fen, paid_fen
             FROM line_days WHERE appropriation_id = ?1 AND subproject_id = ?2 AND date > ?3 ORDER BY date",
        )?;
        let rows = stmt.query_map(params![appropriation_id, subproject_id, date_text(date)], |r| {
            Ok((stored_date(&r.get::<_, String>(0)?)?, line_balance_from_row(r, 1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The last day the line moved, if ever.
    pub fn line_last_day(&self, line: LineId) -> Result<Option<NaiveDate>> {
        let (appropriation_id, subproject_id) = (line.appropriation, line.subproject);
        let mut stmt = self.tx.prepare_cached(
            "SELECT max(date) FROM line_days WHERE appropriation_id = ?1 AND subproject_id = ?2",
        )?;
        let day: Option<String> = stmt.query_row(params![appropriation_id, subproject_id], |r| r.get(0))?;
        Ok(day.as_deref().map(stored_date).transpose()?)
    }

    /// The last day the appropriation's lines drew on it or an adjustment changed it, if ever.
    pub fn appropriation_last_day(&self, appropriation_id: i64) -> Result<Option<NaiveDate>> {
        let mut stmt =
            self.tx.prepare_cached("SELECT max(date) FROM appropriation_days WHERE appropriation_id = ?1")?;
        let day: Option<String> = stmt.query_row([appropriation_id], |r| r.get(0))?;
        Ok(day.as_deref().map(stored_date).transpose()?)
    }

    /// What the appropriation's lines drew from it, net of what adjustments issued to it
    /// (drawn − adjusted), on each day after `date`, in date order.
    pub fn appropriation_days_after(
        &self,
        appropriation_id: i64,
        date: NaiveDate,
    ) -> Result<Vec<(NaiveDate, Fen)>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT date, drawn_fen - adjusted_fen FROM appropriation_days WHERE appropriation_id = ?1 AND date > ?2 ORDER BY date",
        )?;
        let rows = stmt.query_map(params![appropriation_id, date_text(date)], |r| {
            Ok((stored_date(&r.get::<_, String>(0)?)?, r.get::<_, Fen>(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds movements to a line's day row.
    pub fn add_line_day(&self, line: LineId, date: NaiveDate, m: &LineBalance) -> Result<()> {
        let (appropriation_id, subproject_id) = (line.appropriation, line.subproject);
        let mut line = self.tx.prepare_cached(
            "INSERT INTO line_days (appropriation_id, subproject_id, date, allocated_fen, withdrawn_fen,
                                    disbursed_fen, returned_fen, paid_fen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (appropriation_id, subproject_id, date) DO UPDATE SET
                 allocated_fen = allocated_fen + excluded.allocated_fen,
                 withdrawn_fen = withdrawn_fen + excluded.withdrawn_fen,
                 disbursed_fen = disbursed_fen + excluded.disbursed_fen,
                 returned_fen = returned_fen + excluded.returned_fen,
                 paid_fen = paid_fen + excluded.paid_fen",
        )?;
        line.execute(params![
            appropriation_id,
            subproject_id,
            date_text(date),
            m.allocated,
            m.withdrawn,
            m.disbursed,
            m.returned,
            m.paid
        ])?;
        Ok(())
    }

    /// Adds to what an appropriation's lines draw from it on a day.
    pub fn add_appropriation_day(&self, appropriation_id: i64, date: NaiveDate, drawn: Fen) -> Result<()> {
        let mut appropriation = self.tx.prepare_cached(
            "INSERT INTO appropriation_days (appropriation_id, date, drawn_fen) VALUES (?1, ?2, ?3)
             ON CONFLICT (appropriation_id, date) DO UPDATE SET drawn_fen = drawn_fen + excluded.drawn_fen",
        )?;
        appropriation.execute(params![appropriation_id, date_text(date), drawn])?;
        Ok(())
    }

    /// What the lines of an appropriation take out of it: Σ(allocated − withdrawn − returned).
    pub fn appropriation_drawn(&self, appropriation_id: i64) -> Result<Fen> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT coalesce(sum(allocated_fen - withdrawn_fen - returned_fen), 0)
             FROM line_balances WHERE appropriation_id = ?1",
        )?;
        Ok(stmt.query_row([appropriation_id], |r| r.get::<_, Fen>(0))?)
    }

    /// Stores a line's balances and the dates of its latest entry and disbursement (kept
    /// when later than the given ones).
    pub fn store_line_balance(&self, line: LineId, b: &LineBalance, activity: &Activity) -> Result<()> {
        let (appropriation_id, subproject_id) = (line.appropriation, line.subproject);
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO line_balances (appropriation_id, subproject_id, allocated_fen,
                 withdrawn_fen, disbursed_fen, returned_fen, paid_fen, last_entry, last_disbursed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (appropriation_id, subproject_id) DO UPDATE SET
                 allocated_fen = excluded.allocated_fen, withdrawn_fen = excluded.withdrawn_fen,
                 disbursed_fen = excluded.disbursed_fen, returned_fen = excluded.returned_fen,
                 paid_fen = excluded.paid_fen,
                 last_entry = max(coalesce(last_entry, excluded.last_entry),
                                  coalesce(excluded.last_entry, last_entry)),
                 last_disbursed = max(coalesce(last_disbursed, excluded.last_disbursed),
                                      coalesce(excluded.last_disbursed, last_disbursed))",
        )?;
        stmt.execute(params![
            appropriation_id,
            subproject_id,
            b.allocated,
            b.withdrawn,
            b.disbursed,
            b.returned,
            b.paid,
            activity.last_entry.map(date_text),
            activity.last_disbursement.map(date_text)
        ])?;
        Ok(())
    }

    /// Adds one line's movements in one year to the per-year table.
    pub fn add_line_year(
        &self,
        appropriation_id: i64,
        subproject_id: i64,
        year: i32,
        m: &LineBalance,
    ) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO line_years (appropriation_id, subproject_id, year, allocated_fen,
                 withdrawn_fen, disbursed_fen, returned_fen, paid_fen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (appropriation_id, subproject_id, year) DO UPDATE SET
                 allocated_fen = allocated_fen + excluded.allocated_fen,
                 withdrawn_fen = withdrawn_fen + excluded.withdrawn_fen,
                 disbursed_fen = disbursed_fen + excluded.disbursed_fen,
                 returned_fen = returned_fen + excluded.returned_fen,
                 paid_fen = paid_fen + excluded.paid_fen",
        )?;
        stmt.execute(params![
            appropriation_id,
            subproject_id,
            year,
            m.allocated,
            m.withdrawn,
            m.disbursed,
            m.returned,
            m.paid
        ])?;
        Ok(())
    }

    pub fn closed_years(&self) -> Result<BTreeSet<i32>> {
        closed_years(&self.tx)
    }

    pub fn rules(&self) -> Result<Vec<Rule>> {
        rules(&self.tx)
    }

    pub fn insert_rule(&self, rule: &Rule, builtin: bool, operator: &str, at: &str) -> Result<i64> {
        let (rate, unit, percent, cap, amount) = match &rule.shape {
            Shape::PerUnit { rate, unit, cap } => (Some(*rate), unit.clone(), None, *cap, None),
            Shape::ShareOfInvestment { percent, cap } => {
                (None, String::new(), Some(percent.to_string()), *cap, None)
            }
            Shape::Fixed { amount } => (None, String::new(), None, None, Some(*amount)),
            Shape::Tiered { unit, .. } => (None, unit.clone(), None, None, None),
        };
        self.tx.execute(
            "INSERT INTO subsidy_rules (channel, type, shape, rate_fen, unit, percent, cap_fen, amount_fen,
                 tiers, valid_from, valid_to, source_doc, sample, builtin, operator, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                rule.channel,
                rule.type_code,
                rule.shape.code(),
                rate,
                unit,
                percent,
                cap,
                amount,
                rule.shape.tiers_text(),
                date_text(rule.valid_from),
                date_text(rule.valid_to),
                rule.source_doc,
                rule.sample,
                builtin,
                operator,
                at
            ],
        )?;
        self.link_last("subsidy_rules")
    }

    /// Records a close or a reopen of `year` (R5); the latest event of a year decides.
    pub fn period_event(
        &self,
        year: i32,
        action: PeriodAction,
        reason: &str,
        operator: &str,
        at: &str,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT INTO period_events (year, action, reason, operator, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![year, action.code(), reason, operator, at],
        )?;
        self.link_last("period_events")?;
        Ok(())
    }
}
