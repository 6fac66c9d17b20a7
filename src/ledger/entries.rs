//! The entries writer: movements and reversals checked against the rules, with the balances
//! of the lines they touch kept in memory until `finish`.

use super::{Differences, Outcome, RowResult, Stamp};
use crate::catalog::Catalog;
use crate::db::{EntryInsert, EntryStatements, Tx};
use crate::error::{Check, Problem, Result};
use crate::model::{
    Activity, Direction, Flow, Kind, LineBalance, LineId, NewEntry, StoredAppropriation, StoredEntry,
    StoredSubproject, Voucher, VoucherLine,
};
use crate::money::Fen;
use crate::rules;
use chrono::Datelike;
use chrono::NaiveDate;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

/// The movement an entry makes, once a reversal is resolved to its original.
struct Movement {
    flow: Flow,
    direction: Direction,
    amount: Fen,
    appropriation: Rc<StoredAppropriation>,
    subproject: Rc<StoredSubproject>,
    reverses_id: Option<i64>,
}

impl Movement {
    fn line(&self) -> LineId {
        LineId { appropriation: self.appropriation.id, subproject: self.subproject.id }
    }
}

pub struct EntryWriter<'t, 'c> {
    tx: &'t Tx<'c>,
    statements: EntryStatements<'t>,
    catalog: &'t Catalog,
    stamp: &'t Stamp,
    closed: BTreeSet<i32>,
    /// No entry may be dated after this day (R3).
    today: NaiveDate,
    /// The last day each touched line, and each touched appropriation, moved: an entry dated
    /// on or after it needs no look at later days (R3 on every date).
    line_last_day: FxHashMap<LineId, Option<NaiveDate>>,
    appropriation_last_day: FxHashMap<i64, Option<NaiveDate>>,
    appropriations: HashMap<String, Rc<StoredAppropriation>>,
    subprojects: HashMap<String, Rc<StoredSubproject>>,
    lines: FxHashMap<LineId, LineBalance>,
    /// The balance each touched line had when this writer first read it.
    stored: FxHashMap<LineId, LineBalance>,
    /// Per touched appropriation: what its lines draw, net of its adjustments.
    drawn: FxHashMap<i64, Fen>,
    dirty: FxHashSet<LineId>,
    /// What this writer's entries add to each touched line's activity.
    activity: FxHashMap<LineId, Activity>,
    /// What this writer's entries add to each line's movements per year.
    years: FxHashMap<(LineId, i32), LineBalance>,
    /// The last entry id before this writer's first insert.
    before: i64,
    /// The file line of each entry this writer recorded, in id order.
    file_lines: Vec<Option<u64>>,
    /// Entries this writer found already recorded and unchanged, by id, with their line.
    unchanged: HashMap<i64, Option<u64>>,
    /// Voucher lines this writer refused, with their file line (a refused import reports
    /// them all).
    refused: HashMap<VoucherLine, u64>,
    /// Vouchers recorded before this writer and given again: how many lines they have, the
    /// lines given, and the file line first giving one (`incomplete_vouchers`).
    given_again: HashMap<Voucher, (usize, BTreeSet<u32>, Option<u64>)>,
    /// The status changes of each amended sub-project: R2 judges an entry by the status in
    /// force on its date.
    status_changes: HashMap<i64, Vec<(NaiveDate, crate::model::Status)>>,
    /// Where the signed-in user may write (`within`); `None` for the command line, whose
    /// operator is the shell's.
    scope: Option<crate::model::UserScope>,
    /// Which kinds wait for a second person (maker-checker).
    approval: crate::model::ApprovalSetting,
    /// Whether any item was ever submitted for approval, and whether any money is reserved:
    /// a ledger without approval looks nothing up for either.
    pending_seen: bool,
    reserved_seen: bool,
    /// The approved item whose lines this writer records (`approving`).
    approving: Option<i64>,
    /// The items this writer submitted, by voucher, and the file line of each line submitted.
    submitted: HashMap<Voucher, i64>,
    submitted_lines: HashMap<VoucherLine, Option<u64>>,
    /// Day movements not yet written, summed per (line, day) and per (appropriation, day) —
    /// the latter only for days something drew on it. They are written in key order by
    /// `flush_days` (before any read of day rows, when `DAY_ROWS_KEPT` are held, and at the
    /// end), so an import sweeps the day tables batch by batch instead of landing all over
    /// them entry by entry.
    day_rows: FxHashMap<(LineId, NaiveDate), LineBalance>,
    appropriation_day_rows: FxHashMap<(i64, NaiveDate), Fen>,
    /// The index of entries by sub-project and the schema's checks of each entry: `Keep`
    /// them row by row, `SetAside` at the first entry recorded (a large import), or `Dropped`
    /// until `finish` checks the new entries at once and builds them again.
    index: Index,
}

enum Index {
    Keep,
    SetAside,
    Dropped { index: Option<String>, checks: Option<crate::db::SetAsideChecks> },
}

/// The most day rows held before they are written (about 2 MiB).
const DAY_ROWS_KEPT: usize = 1 << 14;

impl<'t, 'c> EntryWriter<'t, 'c> {
    pub fn new(tx: &'t Tx<'c>, catalog: &'t Catalog, stamp: &'t Stamp) -> Result<Self> {
        Ok(EntryWriter {
            tx,
            statements: tx.entry_statements()?,
            catalog,
            stamp,
            closed: tx.closed_years()?,
            today: chrono::Local::now().date_naive(),
            line_last_day: FxHashMap::default(),
            appropriation_last_day: FxHashMap::default(),
            appropriations: HashMap::new(),
            subprojects: HashMap::new(),
            lines: FxHashMap::default(),
            stored: FxHashMap::default(),
            drawn: FxHashMap::default(),
            dirty: FxHashSet::default(),
            activity: FxHashMap::default(),
            years: FxHashMap::default(),
            before: tx.last_entry_id()?,
            file_lines: Vec::new(),
            unchanged: HashMap::new(),
            refused: HashMap::new(),
            given_again: HashMap::new(),
            status_changes: tx.status_changes()?,
            scope: None,
            approval: tx.approval_setting()?,
            pending_seen: tx.any_pending_item()?,
            reserved_seen: tx.any_reservation()?,
            approving: None,
            submitted: HashMap::new(),
            submitted_lines: HashMap::new(),
            day_rows: FxHashMap::default(),
            appropriation_day_rows: FxHashMap::default(),
            index: Index::Keep,
        })
    }

    /// For a large import: the index of entries by sub-project and the triggers that check
    /// each entry are dropped at the first entry recorded; `finish` checks every entry
    /// recorded with one pass of the same rules and builds both again, in the same
    /// transaction (an import that records nothing leaves them alone).
    pub fn building_indexes_at_the_end(mut self) -> Self {
        self.index = Index::SetAside;
        self
    }

    /// Records the lines of `item`, just approved (its decision is written first), as the
    /// entries they are: never submitted again.
    pub fn approving(mut self, item: i64) -> Self {
        self.approving = Some(item);
        self
    }

    /// A voucher submitted for approval before this writer: the same line again, while it
    /// waits, is unchanged; anything else is refused. `None` when the voucher was not
    /// submitted, or was approved (its lines are entries), or is the one being approved.
    fn submitted_before(
        &mut self,
        e: &NewEntry,
    ) -> Result<Option<std::result::Result<Outcome, Vec<Problem>>>> {
        if self.submitted.contains_key(&e.voucher) {
            return Ok(None);
        }
        let Some(item) = self.tx.pending_item_of(&e.voucher)? else { return Ok(None) };
        if Some(item.id) == self.approving {
            return Ok(None);
        }
        if self.scope.is_some() {
            for l in &item.lines {
                if let Some(p) = self.subproject(&l.subproject)?.and_then(|s| self.out_of_scope(&s)) {
                    let voucher = &e.voucher;
                    let message = crate::tr!(
                        "凭证 {voucher} 不属于您可以记账的县（市、区）",
                        "voucher {voucher} is outside the counties you may record for"
                    );
                    return Ok(Some(Err(vec![Problem { message, ..p }.column("voucher")])));
                }
            }
        }
        let (voucher, id) = (&e.voucher, item.id);
        Ok(match &item.decided {
            Some(d) if d.decision == crate::model::Decision::Approve => None,
            Some(d) => {
                let (checker, reason, at) = (&d.checker, &d.reason, d.decided_at.get(..10).unwrap_or(""));
                let message = crate::tr!(
                    "凭证 {voucher}（待审批事项 #{id}）已于 {at} 被 {checker} 驳回：{reason}；凭证号已用过，请在新凭证下重新提交",
                    "voucher {voucher} (pending item #{id}) was rejected by {checker} on {at}: {reason}; the number is used, so submit it again under a new voucher"
                );
                Some(Err(vec![Problem::new(Check::R4, message).column("voucher")]))
            }
            None => {
                let same = item.lines.iter().find(|l| l.line == e.line).is_some_and(|l| {
                    l.date == e.date
                        && l.kind == e.kind
                        && e.appropriation.as_ref() == Some(&l.appropriation)
                        && e.subproject.as_ref() == Some(&l.subproject)
                        && e.amount == Some(l.amount)
                        && e.memo == l.memo
                });
                if same {
                    Some(Ok(Outcome::Unchanged))
                } else {
                    let message = crate::tr!(
                        "凭证 {voucher} 已提交审批（待审批事项 #{id}），内容不同；等待审批的事项不能修改：请审批人驳回后在新凭证下重新提交",
                        "voucher {voucher} is already submitted for approval (pending item #{id}) with different content; an item waiting for approval is never edited: have it rejected and submit a new voucher"
                    );
                    Some(Err(vec![Problem::new(Check::R4, message).column("voucher")]))
                }
            }
        })
    }

    /// Whether a checked movement waits for approval: its kind and amount need it (and it is
    /// not the approval of an item), or its voucher's earlier lines in this run went to wait.
    /// A voucher is either pending or recorded, never both.
    fn goes_pending(
        &mut self,
        e: &NewEntry,
        m: &Movement,
    ) -> Result<std::result::Result<bool, Vec<Problem>>> {
        let needs = self.approving.is_none()
            && m.direction == Direction::Forward
            && self.approval.needs(e.kind, m.amount);
        let follows = self.submitted.contains_key(&e.voucher);
        if !needs && !follows {
            return Ok(Ok(false));
        }
        let voucher = &e.voucher;
        if follows && m.direction == Direction::Back {
            let message = crate::tr!(
                "凭证 {voucher} 的其他分录在等待审批；冲销不提交审批，请记在单独的凭证下",
                "voucher {voucher} has lines waiting for approval; a reversal is not submitted for approval, so record it under its own voucher"
            );
            return Ok(Err(vec![Problem::new(Check::R4, message).column("kind")]));
        }
        if self.tx.voucher_recorded(&mut self.statements, voucher)? {
            let (kind, zh) = (e.kind, e.kind.zh());
            let message = crate::tr!(
                "凭证 {voucher} 的前面分录已直接记账，而这条{zh}分录需要审批：一张凭证要么整张待审批，要么整张记账；请把需要审批的分录记在单独的凭证下",
                "voucher {voucher} has earlier lines recorded at once, but this {kind} line needs approval: a voucher waits for approval whole or is recorded whole, so put the lines needing approval in their own voucher"
            );
            return Ok(Err(vec![Problem::new(Check::R4, message).column("kind")]));
        }
        Ok(Ok(true))
    }

    /// Submits a checked movement for approval: its voucher's item (made at its first line)
    /// gets the line, which reserves its amount.
    fn submit(&mut self, e: &NewEntry, m: &Movement, file_line: Option<u64>) -> RowResult {
        let key = VoucherLine { voucher: e.voucher.clone(), line: e.line };
        if let Some(first) = self.submitted_lines.get(&key) {
            return Ok(Err(vec![repeat(&key, *first)]));
        }
        // The reservation trigger compares with the stored balances: store this run's first.
        self.flush()?;
        let item = match self.submitted.get(&e.voucher) {
            Some(id) => *id,
            None => {
                let id =
                    self.tx.insert_pending_item(&e.voucher, &self.stamp.operator, &self.stamp.recorded_at)?;
                self.submitted.insert(e.voucher.clone(), id);
                id
            }
        };
        self.tx
            .insert_pending_line(
                item,
                e.line,
                e.date,
                e.kind,
                m.appropriation.id,
                m.subproject.id,
                m.amount,
                &e.memo,
            )
            .map_err(|err| {
                crate::error::Error::Internal(format!("while submitting voucher {}: {err}", e.voucher))
            })?;
        self.submitted_lines.insert(key, file_line);
        self.pending_seen = true;
        self.reserved_seen = true;
        Ok(Ok(Outcome::Pending))
    }

    /// What pending items reserve of `pool` for movement `m`.
    fn reserved(&mut self, pool: rules::Pool, m: &Movement) -> Result<Fen> {
        if !self.reserved_seen {
            return Ok(Fen::ZERO);
        }
        match pool {
            rules::Pool::Available => self.tx.reserved_available(m.appropriation.id),
            rules::Pool::Undisbursed => self.tx.reserved_on_line(m.line(), "undisbursed"),
            rules::Pool::Held => self.tx.reserved_on_line(m.line(), "held"),
        }
    }

    /// Refuses every entry for a sub-project outside `scope` (a web user's counties), as a
    /// problem of the row like any other rule, so an import outside it writes nothing.
    pub fn within(mut self, scope: crate::model::UserScope) -> Self {
        self.scope = Some(scope);
        self
    }

    /// The problem of naming `voucher`, recorded as `lines`, when any of its lines is for a
    /// sub-project outside the writer's scope.
    fn voucher_out_of_scope(&mut self, voucher: &str, lines: &[StoredEntry]) -> Result<Option<Problem>> {
        if self.scope.is_none() {
            return Ok(None);
        }
        for line in lines {
            if let Some(s) = self.subproject(&line.subproject)? {
                if self.out_of_scope(&s).is_some() {
                    let message = crate::tr!(
                        "凭证 {voucher} 不属于您可以记账的县（市、区）",
                        "voucher {voucher} is outside the counties you may record for"
                    );
                    return Ok(Some(Problem::new(Check::Access, message).column("voucher")));
                }
            }
        }
        Ok(None)
    }

    /// The problem of writing for `s` when it lies outside the writer's scope.
    fn out_of_scope(&self, s: &StoredSubproject) -> Option<Problem> {
        let scope = self.scope.as_ref()?;
        if matches!(scope, crate::model::UserScope::Everywhere) || scope.has_county(&s.county) {
            return None;
        }
        let (code, county) = (&s.code, &s.county);
        let message = crate::tr!(
            "子项目 {code} 属于{county}，不在您可以记账的县（市、区）内",
            "sub-project {code} is in {county}, outside the counties you may record for"
        );
        Some(Problem::new(Check::Access, message).column("subproject"))
    }

    /// Checks and records one entry (not from a file).
    pub fn write(&mut self, e: &NewEntry) -> RowResult {
        self.write_at(e, None)
    }

    /// Checks and records the entry given on `file_line` of the file being imported. A
    /// voucher this same run already took — recorded, found unchanged, or refused — is a
    /// repeat within the file, refused with the line it was first given on.
    pub fn write_at(&mut self, e: &NewEntry, file_line: Option<u64>) -> RowResult {
        let key = VoucherLine { voucher: e.voucher.clone(), line: e.line };
        if let Some(first) = self.refused.get(&key) {
            return Ok(Err(vec![repeat(&key, Some(*first))]));
        }
        let result = self.write_new(e, file_line)?;
        if result.is_err() {
            self.refused.entry(key).or_insert(file_line.unwrap_or(0));
        }
        Ok(result)
    }

    /// The vouchers recorded before this writer that were given again with fewer lines than
    /// they have (a voucher's lines are given together, as they were recorded), each named at
    /// the file line that first gave it (`None` outside a file).
    pub fn incomplete_vouchers(&self) -> Vec<(Option<u64>, Problem)> {
        let mut problems: Vec<(Option<u64>, Problem)> = self
            .given_again
            .iter()
            .filter(|(_, (recorded, given, _))| given.len() < *recorded)
            .map(|(voucher, (recorded, given, first))| {
                let lines: Vec<String> = given.iter().map(u32::to_string).collect();
                let lines = lines.join(", ");
                let message = crate::tr!(
                    "凭证 {voucher} 已记录 {recorded} 条分录，但本次只给出第 {lines} 条；再次给出凭证时须按记录给出全部分录",
                    "voucher {voucher} has {recorded} lines recorded, but only line(s) {lines} are given; a voucher is given again with all its lines, as recorded"
                );
                (*first, Problem::new(Check::R4, message).column("line"))
            })
            .collect();
        problems.sort_by_key(|(line, _)| *line);
        problems
    }

    fn write_new(&mut self, e: &NewEntry, file_line: Option<u64>) -> RowResult {
        if self.pending_seen {
            if let Some(outcome) = self.submitted_before(e)? {
                return Ok(outcome);
            }
        }
        if let Some(first) = self.tx.voucher_first_id(&mut self.statements, &e.voucher)? {
            if let Some(old) = self.tx.find_entry(&e.voucher, e.line)? {
                return self.write_again(&old, e, file_line);
            }
            // Another line of a voucher this import is recording needs no more reading,
            // unless the signed-in user's counties are to be checked.
            if first <= self.before || self.scope.is_some() {
                let lines = self.tx.voucher_entries(&e.voucher)?;
                if let Some(p) = self.voucher_out_of_scope(&e.voucher, &lines)? {
                    return Ok(Err(vec![p]));
                }
                if first <= self.before {
                    return Ok(Err(vec![lines_recorded_together(e, &lines)]));
                }
            }
        }
        let movement = match e.kind.flow() {
            Some(flow) => self.resolve_movement(e, flow)?,
            None => self.resolve_reversal(e)?,
        };
        let m = match movement {
            Ok(m) => m,
            Err(problems) => return Ok(Err(problems)),
        };
        let line = self.line(m.line())?;
        let drawn = self.drawn(m.appropriation.id)?;
        match self.check(e, &m, &line, drawn)? {
            Ok(updated) => match self.goes_pending(e, &m)? {
                Ok(true) => self.submit(e, &m, file_line),
                Ok(false) => self.record(e, &m, &line, updated, drawn, file_line),
                Err(problems) => Ok(Err(problems)),
            },
            Err(problems) => Ok(Err(problems)),
        }
    }

    /// A voucher already recorded: unchanged when the entry is the same (and its channel, if
    /// given, matches), refused when it differs or repeats within this import.
    fn write_again(&mut self, old: &StoredEntry, e: &NewEntry, file_line: Option<u64>) -> RowResult {
        if old.id > self.before {
            let first = usize::try_from(old.id - self.before - 1).ok().and_then(|i| self.file_lines.get(i));
            return Ok(Err(vec![repeat(&old.key(), first.copied().flatten())]));
        }
        if let Some(first) = self.unchanged.get(&old.id) {
            return Ok(Err(vec![repeat(&old.key(), *first)]));
        }
        if self.scope.is_some() {
            if let Some(p) = self.subproject(&old.subproject)?.and_then(|s| self.out_of_scope(&s)) {
                return Ok(Err(vec![p]));
            }
        }
        if !self.given_again.contains_key(&e.voucher) {
            let recorded = self.tx.voucher_entries(&e.voucher)?.len();
            self.given_again.insert(e.voucher.clone(), (recorded, BTreeSet::new(), file_line));
        }
        if let Some((_, given, _)) = self.given_again.get_mut(&e.voucher) {
            given.insert(e.line);
        }
        let mut outcome = same_entry(old, e);
        if let (Ok(_), Some(channel)) = (&outcome, &e.channel_ref) {
            if let Some(a) = self.appropriation(&old.appropriation)? {
                if let Err(p) = rules::channel_matches(self.catalog, &a, channel) {
                    outcome = Err(vec![p]);
                }
            }
        }
        if outcome.is_ok() {
            self.unchanged.insert(old.id, file_line);
        }
        Ok(outcome)
    }

    /// Every rule a new movement must keep (R1–R3, R5, R6, no future date); the line's
    /// balances after it when it keeps them all.
    fn check(
        &mut self,
        e: &NewEntry,
        m: &Movement,
        line: &LineBalance,
        drawn: Fen,
    ) -> Result<std::result::Result<LineBalance, Vec<Problem>>> {
        let (a, s) = (&m.appropriation, &m.subproject);
        let mut checks =
            vec![rules::open_period(&self.closed, e.date), rules::not_in_future(e.date, self.today)];
        if let Some(c) = e.channel_ref.as_deref() {
            checks.push(rules::channel_matches(self.catalog, a, c));
        }
        let mut problems: Vec<Problem> = checks.into_iter().filter_map(Result::err).collect();
        if let Some(p) = self.out_of_scope(s) {
            // Nothing else is said about a sub-project the user may not see.
            return Ok(Err(vec![p]));
        }
        let changes = self.status_changes.get(&s.id).map(Vec::as_slice);
        let s_on = crate::model::with_status_on(s, changes, e.date);
        problems.extend(rules::movement(self.catalog, a, &s_on, e.date));
        if rules::Pool::drawn_by(m.flow, m.direction) == Some(rules::Pool::Available) {
            problems.extend(rules::not_excluded_later(s, changes.unwrap_or_default(), e.date).err());
        }
        if let Some(pool) = rules::Pool::drawn_by(m.flow, m.direction) {
            let reserved = self.reserved(pool, m)?;
            let lowest = self.lowest(pool, m, e.date, line, a.amount - drawn)?.less_reserved(reserved);
            problems.extend(
                rules::no_overdraw(m.flow, m.direction, m.amount, e.date, lowest, &a.code, &s.code).err(),
            );
        }
        let updated = line.checked_apply(m.flow, m.amount, m.direction);
        if updated.is_none() {
            let message = crate::lang::pick(
                "该分录的累计金额将超过 fundledger 能记录的最大金额",
                "the line's running totals would exceed the largest amount fundledger can hold",
            );
            problems.push(Problem::new(Check::R6, message).column("amount"));
        }
        Ok(match updated.filter(|_| problems.is_empty()) {
            Some(updated) => Ok(updated),
            None => Err(problems),
        })
    }

    /// Inserts a checked entry and brings the balances this writer keeps up to date.
    fn record(
        &mut self,
        e: &NewEntry,
        m: &Movement,
        line: &LineBalance,
        updated: LineBalance,
        drawn: Fen,
        file_line: Option<u64>,
    ) -> RowResult {
        let line_key = m.line();
        let insert = EntryInsert {
            voucher: &e.voucher,
            line: e.line,
            date: e.date,
            kind: e.kind,
            appropriation_id: m.appropriation.id,
            subproject_id: m.subproject.id,
            amount: m.amount,
            reverses_id: m.reverses_id,
            memo: &e.memo,
            operator: &self.stamp.operator,
            recorded_at: &self.stamp.recorded_at,
        };
        if matches!(self.index, Index::SetAside) {
            let index = self.tx.set_aside_subproject_index()?;
            self.index = Index::Dropped { index, checks: self.tx.set_aside_entry_checks()? };
        }
        self.tx.insert_entry(&mut self.statements, &insert).map_err(|err| {
            crate::error::Error::Internal(format!("while recording voucher {}: {err}", e.voucher))
        })?;
        self.file_lines.push(file_line);
        let movement = updated.since(line);
        self.moved_on(line_key, e.date, movement.drawn() != Fen::ZERO)?;
        self.day_rows.entry((line_key, e.date)).or_default().add(&movement);
        if movement.drawn() != Fen::ZERO {
            *self.appropriation_day_rows.entry((line_key.appropriation, e.date)).or_default() +=
                movement.drawn();
        }
        if self.day_rows.len() >= DAY_ROWS_KEPT {
            self.flush_days()?;
        }
        let activity = self.activity.entry(line_key).or_default();
        *activity = activity.after(e.kind, e.date);
        let year = self.years.entry((line_key, e.date.year())).or_default();
        *year = year.checked_apply(m.flow, m.amount, m.direction).ok_or_else(|| {
            crate::error::Error::Internal(format!("voucher {}: the year's movement overflows", e.voucher))
        })?;
        self.drawn.insert(m.appropriation.id, drawn + (updated.drawn() - line.drawn()));
        self.lines.insert(line_key, updated);
        self.dirty.insert(line_key);
        Ok(Ok(Outcome::Added))
    }

    /// Stores the balances of every line this writer changed: first the lines whose draw on
    /// their appropriation went down, then the others, so no intermediate sum exceeds it.
    pub fn finish(mut self) -> Result<()> {
        self.flush()?;
        if let Index::Dropped { index, checks } = self.index {
            if let Some(checks) = checks {
                self.tx.check_entries_since(self.before)?;
                self.tx.restore_entry_checks(checks)?;
            }
            if let Some(sql) = index {
                self.tx.rebuild_index(&sql)?;
            }
        }
        let mut years: Vec<_> = self.years.into_iter().collect();
        years.sort_unstable_by_key(|(k, _)| *k);
        for ((line, year), movement) in years {
            self.tx.add_line_year(line.appropriation, line.subproject, year, &movement)?;
        }
        Ok(())
    }

    /// Stores the balances of the lines changed since they were last stored, in the order
    /// `finish` needs.
    fn flush(&mut self) -> Result<()> {
        self.flush_days()?;
        let mut keys: Vec<_> = self.dirty.drain().collect();
        keys.sort_unstable_by_key(|k| (self.lines[k].drawn() - self.stored[k].drawn(), *k));
        for key in keys {
            let activity = self.activity.get(&key).copied().unwrap_or_default();
            let balance = self.lines[&key];
            self.tx.store_line_balance(key, &balance, &activity)?;
            self.stored.insert(key, balance);
        }
        Ok(())
    }

    /// Writes the day rows held, in key order.
    fn flush_days(&mut self) -> Result<()> {
        let mut lines: Vec<_> = self.day_rows.drain().collect();
        lines.sort_unstable_by_key(|(key, _)| *key);
        for ((line, date), m) in lines {
            self.tx.add_line_day(line, date, &m)?;
        }
        let mut appropriations: Vec<_> = self.appropriation_day_rows.drain().collect();
        appropriations.sort_unstable_by_key(|(key, _)| *key);
        for ((id, date), drawn) in appropriations {
            self.tx.add_appropriation_day(id, date, drawn)?;
        }
        Ok(())
    }

    /// The lowest `pool` stands on `date` or any later day, given where it stands now (after
    /// every recorded entry, this writer's included): the day rows after `date` say how it got
    /// there. An entry dated on or after the last one reads no row.
    fn lowest(
        &mut self,
        pool: rules::Pool,
        m: &Movement,
        date: NaiveDate,
        line: &LineBalance,
        available: Fen,
    ) -> Result<rules::Lowest> {
        let (aid, line_id) = (m.appropriation.id, m.line());
        let now = match pool {
            rules::Pool::Available => available,
            rules::Pool::Undisbursed => line.undisbursed(),
            rules::Pool::Held => line.held(),
        };
        let last = match pool {
            rules::Pool::Available => self.last_day_of_appropriation(aid)?,
            _ => self.last_day_of_line(line_id)?,
        };
        if last.is_none_or(|last| date >= last) {
            // Dated on or after every day the pool moved (an ordinary import): it stands at
            // `now` from the entry's date on.
            return Ok(rules::Lowest { have: now, on: None, reserved: Fen::ZERO });
        }
        // A back-dated entry reads the day rows after its date: this writer's first.
        self.flush_days()?;
        Ok(match pool {
            rules::Pool::Available => {
                let later = self.tx.appropriation_days_after(aid, date)?;
                rules::lowest_ahead(available, later.iter().map(|(d, drawn)| (*d, -*drawn)))
            }
            rules::Pool::Undisbursed | rules::Pool::Held => {
                let later = self.tx.line_days_after(line_id, date)?;
                rules::lowest_ahead(now, later.iter().map(|(d, b)| (*d, pool.change(b))))
            }
        })
    }

    /// The last day the line moved, this writer's entries included.
    fn last_day_of_line(&mut self, key: LineId) -> Result<Option<NaiveDate>> {
        if let Some(d) = self.line_last_day.get(&key) {
            return Ok(*d);
        }
        let d = self.tx.line_last_day(key)?;
        self.line_last_day.insert(key, d);
        Ok(d)
    }

    /// The last day the appropriation's lines drew on it, this writer's entries included.
    fn last_day_of_appropriation(&mut self, id: i64) -> Result<Option<NaiveDate>> {
        if let Some(d) = self.appropriation_last_day.get(&id) {
            return Ok(*d);
        }
        let d = self.tx.appropriation_last_day(id)?;
        self.appropriation_last_day.insert(id, d);
        Ok(d)
    }

    /// Records that the line (and, when the movement draws on it, the appropriation) moved on
    /// `date`, after reading the stored last days so the newest stays known.
    fn moved_on(&mut self, key: LineId, date: NaiveDate, drawn: bool) -> Result<()> {
        let line = self.last_day_of_line(key)?;
        self.line_last_day.insert(key, line.max(Some(date)));
        if drawn {
            let a = self.last_day_of_appropriation(key.appropriation)?;
            self.appropriation_last_day.insert(key.appropriation, a.max(Some(date)));
        }
        Ok(())
    }

    fn line(&mut self, key: LineId) -> Result<LineBalance> {
        if let Some(b) = self.lines.get(&key) {
            return Ok(*b);
        }
        let b = self.tx.line_balance(key)?;
        self.lines.insert(key, b);
        self.stored.insert(key, b);
        Ok(b)
    }

    /// What the appropriation's lines draw from it, net of what its adjustments issued to it
    /// (drawn − adjusted): its amount minus this is what is available today.
    fn drawn(&mut self, appropriation_id: i64) -> Result<Fen> {
        if let Some(d) = self.drawn.get(&appropriation_id) {
            return Ok(*d);
        }
        let d = self.tx.appropriation_drawn(appropriation_id)?
            - self.tx.appropriation_adjusted(appropriation_id)?;
        self.drawn.insert(appropriation_id, d);
        Ok(d)
    }

    fn appropriation(&mut self, code: &str) -> Result<Option<Rc<StoredAppropriation>>> {
        if let Some(a) = self.appropriations.get(code) {
            return Ok(Some(Rc::clone(a)));
        }
        let found = self.tx.find_appropriation(code)?.map(Rc::new);
        if let Some(a) = &found {
            self.appropriations.insert(code.to_string(), Rc::clone(a));
        }
        Ok(found)
    }

    fn subproject(&mut self, code: &str) -> Result<Option<Rc<StoredSubproject>>> {
        if let Some(s) = self.subprojects.get(code) {
            return Ok(Some(Rc::clone(s)));
        }
        let found = self.tx.find_subproject(code)?.map(Rc::new);
        if let Some(s) = &found {
            self.subprojects.insert(code.to_string(), Rc::clone(s));
        }
        Ok(found)
    }

    fn resolve_movement(
        &mut self,
        e: &NewEntry,
        flow: Flow,
    ) -> Result<std::result::Result<Movement, Vec<Problem>>> {
        let mut problems = Vec::new();
        if e.reverses.is_some() {
            problems.push(
                Problem::new(Check::Format, {
                    let (kind, zh) = (e.kind, e.kind.zh());
                    crate::tr!(
                        "只有冲销分录才写被冲销的分录；这一笔是{zh}",
                        "only a reverse (冲销) entry names an entry it reverses; this one is {kind}"
                    )
                })
                .column("reverses"),
            );
        }
        let missing = |column: &str| {
            let (kind, zh) = (e.kind, e.kind.zh());
            Problem::new(
                Check::Format,
                crate::tr!("{zh}分录需要填写 {column}", "an entry of kind {kind} needs the {column}"),
            )
            .column(column)
        };
        let amount = e.amount.ok_or_else(|| missing("amount")).map_err(|p| problems.push(p)).ok();
        let appropriation = match e.appropriation.as_deref() {
            None => {
                problems.push(missing("appropriation"));
                None
            }
            Some(code) => {
                let found = self.appropriation(code)?;
                if found.is_none() {
                    problems.push(unknown(
                        "appropriation",
                        "appropriation",
                        code,
                        crate::lang::pick("请先导入指标文件", "import the appropriations file first"),
                    ));
                }
                found
            }
        };
        let subproject = match e.subproject.as_deref() {
            None => {
                problems.push(missing("subproject"));
                None
            }
            Some(code) => {
                let found = self.subproject(code)?;
                if found.is_none() {
                    problems.push(unknown(
                        "subproject",
                        "sub-project",
                        code,
                        crate::lang::pick("请先导入子项目文件", "import the sub-projects file first"),
                    ));
                }
                found
            }
        };
        Ok(match (amount, appropriation, subproject) {
            (Some(amount), Some(appropriation), Some(subproject)) if problems.is_empty() => Ok(Movement {
                flow,
                direction: Direction::Forward,
                amount,
                appropriation,
                subproject,
                reverses_id: None,
            }),
            _ => Err(problems),
        })
    }

    /// The voucher line a reversal names: `line`, or the voucher's only line.
    fn original_of(
        &mut self,
        voucher: &str,
        line: Option<u32>,
    ) -> Result<std::result::Result<StoredEntry, Problem>> {
        let original = match line {
            Some(line) => self.tx.find_entry(voucher, line)?,
            None => {
                let mut lines = self.tx.voucher_entries(voucher)?;
                if lines.len() > 1 {
                    let n = lines.len();
                    let message = crate::tr!(
                        "凭证 {voucher} 有 {n} 条分录：请在 reverses_line（被冲销分录号）中写明冲销哪一条，或用 `fundledger reverse {voucher}` 全部冲销",
                        "voucher {voucher} has {n} lines: name the one this reverses in reverses_line (被冲销分录号), or reverse them all with `fundledger reverse {voucher}`"
                    );
                    return Ok(Err(Problem::new(Check::R4, message).column("reverses_line")));
                }
                lines.pop()
            }
        };
        Ok(original.ok_or_else(|| {
            let named =
                VoucherLine { voucher: Voucher::stored(voucher.to_string()), line: line.unwrap_or(1) };
            unknown(
                "reverses",
                "voucher",
                &named.to_string(),
                crate::lang::pick("冲销须写明已记录的凭证", "a reversal names a recorded voucher"),
            )
        }))
    }

    fn resolve_reversal(&mut self, e: &NewEntry) -> Result<std::result::Result<Movement, Vec<Problem>>> {
        let Some(voucher) = e.reverses.as_deref() else {
            return Ok(Err(vec![Problem::new(
                Check::R4,
                crate::lang::pick(
                    "冲销分录必须写明被冲销的凭证",
                    "a reverse (冲销) entry must name the voucher it reverses",
                ),
            )
            .column("reverses")]));
        };
        // Nothing is said of a voucher outside the writer's scope, not even its lines or date.
        if self.scope.is_some() {
            let lines = self.tx.voucher_entries(voucher)?;
            if let Some(p) = self.voucher_out_of_scope(voucher, &lines)? {
                return Ok(Err(vec![p.column("reverses")]));
            }
        }
        let original = match self.original_of(voucher, e.reverses_line)? {
            Ok(original) => original,
            Err(problem) => return Ok(Err(vec![problem])),
        };
        let Some(flow) = original.kind.flow() else {
            return Ok(Err(vec![Problem::new(
                Check::R4,
                crate::tr!(
                    "{voucher} 本身是冲销分录，不能再冲销；请改记一笔新分录",
                    "{voucher} is itself a reversal and cannot be reversed; post a new entry instead"
                ),
            )
            .column("reverses")]));
        };
        if let Some(by) = self.tx.reversed_by(original.id)? {
            return Ok(Err(vec![Problem::new(
                Check::R4,
                crate::tr!(
                    "{voucher} 已被 {by} 冲销；一笔分录最多冲销一次",
                    "{voucher} was already reversed by {by}; an entry is reversed at most once"
                ),
            )
            .column("reverses")]));
        }
        let mut problems = mirror_problems(&original, e);
        if e.date < original.date {
            problems.push(
                Problem::new(Check::R4, {
                    let (date, original) = (e.date, original.date);
                    crate::tr!(
                        "冲销的日期 {date} 不能早于原分录 {voucher}（{original}）",
                        "a reversal cannot be dated {date} before its original {voucher} ({original})"
                    )
                })
                .column("date"),
            );
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let appropriation = self.appropriation(&original.appropriation)?;
        let subproject = self.subproject(&original.subproject)?;
        let (Some(appropriation), Some(subproject)) = (appropriation, subproject) else {
            // The foreign keys make this impossible in a ledger fundledger wrote.
            return Err(crate::error::Error::Internal(crate::tr!(
                "分录 {voucher} 所指的指标或子项目不在账本中；请运行 `fundledger verify`",
                "entry {voucher} names an appropriation or sub-project the ledger does not hold; run `fundledger verify`"
            )));
        };
        Ok(Ok(Movement {
            flow,
            direction: Direction::Back,
            amount: original.amount,
            appropriation,
            subproject,
            reverses_id: Some(original.id),
        }))
    }
}

/// A line of a voucher recorded earlier, given now as new: a voucher's lines are recorded
/// together or not at all.
fn lines_recorded_together(e: &NewEntry, recorded: &[StoredEntry]) -> Problem {
    let lines: Vec<String> = recorded.iter().map(|l| l.line.to_string()).collect();
    let (voucher, lines, line) = (&e.voucher, lines.join(", "), e.line);
    let message = crate::tr!(
        "凭证 {voucher} 已记录第 {lines} 条分录；一张凭证的分录一起记录，不能再添加第 {line} 条：请记在新凭证下（或冲销该凭证后整张重记）",
        "voucher {voucher} is already recorded with line(s) {lines}; a voucher's lines are recorded together, so line {line} cannot be added to it: record it under a new voucher (or reverse the voucher and record it again whole)"
    );
    Problem::new(Check::R4, message).column("line")
}

/// A voucher line given twice in one file (or one batch).
fn repeat(voucher: &VoucherLine, first: Option<u64>) -> Problem {
    let message = match first.filter(|l| *l > 0) {
        Some(first) => crate::tr!(
            "{voucher} 重复出现；本文件第 {first} 行已经给出过",
            "{voucher} appears again; it was first given on line {first} of this file"
        ),
        None => crate::tr!("{voucher} 在本批中重复出现", "{voucher} appears again in this batch"),
    };
    Problem::new(Check::R4, message).column("voucher")
}

/// `what` named by `code` in `column` is not recorded; `hint` says what to do.
fn unknown(column: &str, what: &str, code: &str, hint: &str) -> Problem {
    Problem::not_recorded(what, code).hint(hint).column(column)
}

/// A reversal's optional appropriation, sub-project and amount must be its original's.
fn mirror_problems(original: &StoredEntry, e: &NewEntry) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut mirror = |column: &str, given: Option<String>, recorded: String| {
        if let Some(given) = given.filter(|g| *g != recorded) {
            problems.push(
                Problem::new(
                    Check::R4,
                    {
                        let voucher = &original.voucher;
                        crate::tr!(
                            "冲销必须与原分录完全对应：{voucher} 的 {column} 为 {recorded}，不是 {given}",
                            "a reversal mirrors its original exactly: {voucher} has {column} {recorded}, not {given}"
                        )
                    },
                )
                .column(column),
            );
        }
    };
    mirror(
        "appropriation",
        e.appropriation.as_ref().map(|c| c.to_string()),
        original.appropriation.to_string(),
    );
    mirror("subproject", e.subproject.as_ref().map(|c| c.to_string()), original.subproject.to_string());
    mirror("amount", e.amount.map(|a| a.to_string()), original.amount.to_string());
    problems
}

/// An entry whose voucher is already recorded: unchanged if identical, else refused (R4).
fn same_entry(old: &StoredEntry, e: &NewEntry) -> std::result::Result<Outcome, Vec<Problem>> {
    let mut d = Differences::new();
    d.field("date", old.date, e.date);
    d.field("kind", old.kind, e.kind);
    let reverses = old.reverses.as_ref().map(|r| r.2.to_string()).unwrap_or_default();
    let given = e.reverses.as_ref().map(|v| {
        let line = e.reverses_line.or(old.reverses.as_ref().map(|r| r.2.line)).unwrap_or(1);
        VoucherLine { voucher: v.clone(), line }.to_string()
    });
    d.field("reverses", reverses, given.unwrap_or_default());
    // Only a reversal may leave its mirrored columns empty; compare what was given.
    let mirrored = old.kind == Kind::Reverse;
    let opt = |v: Option<String>| v.unwrap_or_default();
    if e.appropriation.is_some() || !mirrored {
        d.field(
            "appropriation",
            old.appropriation.to_string(),
            opt(e.appropriation.as_ref().map(|c| c.to_string())),
        );
    }
    if e.subproject.is_some() || !mirrored {
        d.field("subproject", old.subproject.to_string(), opt(e.subproject.as_ref().map(|c| c.to_string())));
    }
    if e.amount.is_some() || !mirrored {
        d.field("amount", old.amount.to_string(), opt(e.amount.map(|a| a.to_string())));
    }
    d.field("memo", &old.memo, &e.memo);
    let voucher = &e.voucher;
    d.outcome(&crate::tr!("凭证 {voucher}", "voucher {voucher}")).map_err(|mut p| {
        p[0].column = Some("voucher".into());
        p
    })
}
