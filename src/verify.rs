//! The verify engine: walk the audit chain, recomputing every link from the stored rows,
//! then re-derive every balance from the stored entries, replaying them in the order money
//! moved (by date) with the checks a write makes (`rules::movement`, R3 at the end of every
//! day), and compare with the maintained balances, activity dates, per-year and per-day
//! movements. Each disagreement is a finding. It only reads: `verify`, `backup` and the demo
//! call it on a read-only snapshot.

use crate::audit::{self, ChainSource};
use crate::db::{Db, EntryFact, EntryFacts, LineYear};
use crate::error::{Check, Problem, Result};
use crate::model::Status;
use crate::model::{
    Activity, Direction, Flow, Kind, LineBalance, LineId, StoredAdjustment, StoredAppropriation,
    StoredSubproject,
};
use crate::money::Fen;
use crate::progress::Progress;
use crate::rules;
use chrono::Datelike;
use std::collections::HashMap;

/// The replay's running maps, keyed by row ids: a fast hasher, as the import's writer uses.
type Map<K, V> = rustc_hash::FxHashMap<K, V>;

/// What `verify` found, with the chain's length and head.
pub struct VerifyReport {
    pub links: u64,
    pub head: crate::audit::Hash,
    pub entries: u64,
    pub lines: usize,
    pub problems: Vec<Problem>,
    /// The link a `--head` anchor was found at.
    pub anchor_link: Option<i64>,
}

/// The register `verify` replays the entries against, by id.
struct Register {
    catalog: std::sync::Arc<crate::catalog::Catalog>,
    appropriations: HashMap<i64, StoredAppropriation>,
    subprojects: HashMap<i64, StoredSubproject>,
    /// Every adjustment, by date and recording order.
    adjustments: Vec<StoredAdjustment>,
    /// Every amendment, in effective date and recording order.
    amendments: Vec<crate::model::StoredAmendment>,
    /// The status changes of each amended sub-project (R2 by the status on an entry's date).
    status_changes: HashMap<i64, Vec<(chrono::NaiveDate, crate::model::Status)>>,
}

impl Register {
    fn read(db: &Db) -> Result<Register> {
        Ok(Register {
            catalog: db.catalog()?,
            appropriations: db.appropriations()?.into_iter().map(|a| (a.id, a)).collect(),
            subprojects: db.subprojects()?.into_iter().map(|s| (s.id, s)).collect(),
            adjustments: db.adjustments()?,
            status_changes: db.status_changes()?,
            amendments: db.amendments()?,
        })
    }

    /// `A-FARM / S-FARM`, or `?` for an id nothing was recorded under.
    fn line_name(&self, key: &LineId) -> String {
        let a = self.appropriations.get(&key.appropriation).map_or("?", |a| a.code.as_str());
        let s = self.subprojects.get(&key.subproject).map_or("?", |s| s.code.as_str());
        format!("{a} / {s}")
    }

    /// R7 over every recorded sub-project, as amended today (a sub-project excluded by
    /// amendment no longer needs its project's mode to admit it).
    fn mode_findings(&self, today: chrono::NaiveDate) -> Vec<Problem> {
        self.subprojects
            .values()
            .filter_map(|s| {
                let v = crate::model::subproject_as_of(s, &self.amendments, today);
                if v.status == Status::Excluded && s.status != Status::Excluded {
                    return None;
                }
                let t = self.catalog.subproject_type(&v.type_code)?;
                rules::mode_admits(v.mode, t, &v.project_code).err()
            })
            .collect()
    }

    /// R2: a sub-project excluded by amendment holds no money on any line.
    fn excluded_holding(&self, lines: &Map<LineId, LineBalance>, today: chrono::NaiveDate) -> Vec<Problem> {
        let mut found: Vec<(String, String, LineBalance)> = Vec::new();
        for (key, b) in lines.iter().filter(|(_, b)| b.undisbursed() != Fen::ZERO || b.held() != Fen::ZERO) {
            let Some(s) = self.subprojects.get(&key.subproject) else { continue };
            let changes = self.status_changes.get(&s.id).map(Vec::as_slice);
            if crate::model::with_status_on(s, changes, today).status != Status::Excluded {
                continue;
            }
            let a = self.appropriations.get(&key.appropriation).map_or("?", |a| a.code.as_str());
            found.push((s.code.to_string(), a.to_string(), *b));
        }
        found.sort_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
        found
            .into_iter()
            .map(|(s, a, b)| {
                let (undisbursed, held) = (b.undisbursed(), b.held());
                let message = crate::tr!(
                    "子项目 {s} 经变更为不开展，但指标 {a} 在其上仍有已分配未拨付 {undisbursed}、已拨付未支付 {held}",
                    "sub-project {s} is excluded (不开展) by amendment, yet appropriation {a} has {undisbursed} allocated and not disbursed and {held} disbursed and not paid on it"
                );
                Problem::new(Check::R2, message)
            })
            .collect()
    }
}

/// Walks the audit chain, compares the schema, replays every entry in date order and compares
/// what it derives with every table fundledger maintains. Never writes; every state a file can
/// be in is a finding, never a panic.
pub fn verify(db: &Db, anchor: Option<&[u8]>) -> Result<VerifyReport> {
    let register = Register::read(db)?;
    // The chain walk and the rest read the same moment; with a second connection at that
    // moment they run side by side, each on a core, the replay's progress shown.
    let (chain, derived) = match db.twin()? {
        Some(twin) => {
            let lang = crate::lang::current();
            std::thread::scope(|s| {
                let walker = s.spawn(move || crate::lang::with(lang, || walk_chain(&twin, anchor, false)));
                let derived = derive_and_compare(db, &register);
                let chain = walker
                    .join()
                    .unwrap_or_else(|_| Err(crate::error::Error::Internal("the chain walk panicked".into())));
                (chain, derived)
            })
        }
        None => (walk_chain(db, anchor, true), derive_and_compare(db, &register)),
    };
    let (chain, derived) = (chain?, derived?);
    let schema = db.schema_differences()?;
    let problems: Vec<Problem> = chain
        .findings
        .into_iter()
        .chain(schema)
        .map(|f| Problem::new(Check::Audit, f))
        .chain(derived.problems)
        .collect();
    Ok(VerifyReport {
        links: chain.links,
        head: chain.head,
        entries: derived.entries,
        lines: derived.lines,
        problems,
        anchor_link: chain.anchor_link,
    })
}

/// What the replay and the comparisons with the maintained tables found.
struct Derived {
    entries: u64,
    /// Lines the entries or the maintained balances know.
    lines: usize,
    problems: Vec<Problem>,
}

/// R7 over the register, then every entry replayed in date order and what it derives compared
/// with each maintained table.
fn derive_and_compare(db: &Db, register: &Register) -> Result<Derived> {
    let today = chrono::Local::now().date_naive();
    let mut problems = register.mode_findings(today);
    let replay = replay_entries(db, register)?;
    let (entries, found, day_moves) = (replay.entries, replay.problems, replay.day_moves);
    let (lines, activity, years) = split(replay.lines);
    problems.extend(found);
    compare_days(db, register, day_moves, &mut problems)?;
    problems.extend(
        db.adjusted_day_differences(MAX_DAY_FINDINGS)?.into_iter().map(|m| Problem::new(Check::R4, m)),
    );
    problems.extend(register.excluded_holding(&lines, today));
    let keys = compare_lines(db, register, &lines, &mut problems)?;
    compare_activity(db, register, &keys, &activity, &mut problems)?;
    compare_years(db, register, &years, &mut problems)?;
    compare_reservations(db, register, &mut problems)?;
    Ok(Derived { entries, lines: keys.len(), problems })
}

/// Walks the audit chain of `db` from its first link (`audit::walk`), with a progress bar
/// when `shown`.
fn walk_chain(db: &Db, anchor: Option<&[u8]>, shown: bool) -> Result<audit::ChainWalk> {
    let progress = match shown {
        true => {
            Progress::rows(crate::lang::pick("正在核对审计链", "checking the audit chain"), db.chain_links()?)
        }
        false => Progress::hidden(),
    };
    let register_rows = db.chained_register_rows()?;
    let voucher_of = |id| db.entry_voucher(id);
    let chain = db.with_chain_cursors(|links, entries| {
        let source = ChainSource { links, entries, register: register_rows, voucher_of: &voucher_of };
        audit::walk(source, &progress, anchor)
    })?;
    progress.finish();
    Ok(chain)
}

/// Replays every entry of `db` in date order.
fn replay_entries<'r>(db: &'r Db, register: &'r Register) -> Result<Replay<'r>> {
    let progress =
        Progress::rows(crate::lang::pick("正在重新推算余额", "re-deriving balances"), db.counts()?.entries);
    let facts = db.entry_facts(|n| progress.rows_done(n))?;
    let mut replay = Replay::new(db, register);
    replay.day_moves.reserve(facts.len());
    for e in facts.by_date() {
        replay.entry(e, &facts);
    }
    replay.advance(None);
    progress.finish();
    Ok(replay)
}

/// One entry's movement on its line's day, as the kept day rows (`line_days`) count it: a
/// reversal moves its original's column back, whether or not it mirrors it (that is a finding
/// of its own), and one whose original is missing moves nothing. 32 bytes, one per entry.
#[derive(Clone, Copy)]
struct DayMove {
    line: LineId,
    date: chrono::NaiveDate,
    flow: Flow,
    /// The amount in fen, negative for a reversal (amounts are bounded far inside i64).
    signed: i64,
}

impl DayMove {
    fn of(e: &EntryFact, line: LineId, original: Option<&EntryFact>) -> Option<DayMove> {
        let kind = original.map_or(e.kind, |o| o.kind);
        let signed = if e.kind == Kind::Reverse { e.amount_fen.checked_neg()? } else { e.amount_fen };
        Some(DayMove { line, date: e.date, flow: kind.flow()?, signed })
    }
}

/// The kept day rows against what the entries give: each line's movements per day
/// (`line_days`), and what an appropriation's lines draw per day (`appropriation_days`).
/// Both sides are walked in key order and merged, so the comparison costs a sort of the
/// entries' moves and one scan of each table; at most `MAX_DAY_FINDINGS` of each are named,
/// the earliest days first.
fn compare_days(
    db: &Db,
    register: &Register,
    mut moves: Vec<DayMove>,
    problems: &mut Vec<Problem>,
) -> Result<()> {
    moves.sort_unstable_by_key(|m| (m.line, m.date));
    // What the lines draw from each appropriation per day (allocated − withdrawn − returned).
    let mut drawn: Vec<(i64, chrono::NaiveDate, i64)> = Vec::new();
    let mut rest = moves.as_slice();
    let days = std::iter::from_fn(|| {
        let first = rest.first()?;
        let n = rest.iter().take_while(|m| (m.line, m.date) == (first.line, first.date)).count();
        let mut day = LineBalance::default();
        for m in &rest[..n] {
            // A sum beyond fundledger's bounds is the replay's R6 finding already.
            let next = day.checked_apply(m.flow, Fen(i128::from(m.signed)), Direction::Forward);
            day = next.unwrap_or(day);
        }
        rest = &rest[n..];
        if let Ok(d) = i64::try_from(day.drawn().0) {
            if d != 0 {
                drawn.push((first.line.appropriation, first.date, d));
            }
        }
        Some(((first.line, first.date), day))
    });
    let mut lines = Earliest::new(MAX_DAY_FINDINGS);
    merge_keyed(
        days,
        |kept| db.for_each_line_day(|line, date, b| kept((line, date), b)),
        |(line, date), kept, given| lines.offer((date, line.appropriation, line.subproject), (kept, given)),
    )?;
    drop(moves);
    for ((day, a, s), (kept, given)) in lines.into_sorted() {
        let a = register.appropriations.get(&a).map_or("?", |a| a.code.as_str());
        let s = register.subprojects.get(&s).map_or("?", |s| s.code.as_str());
        let (kept, given) = (crate::db::movement_text(&kept), crate::db::movement_text(&given));
        problems.push(Problem::new(
            Check::R4,
            crate::tr!(
                "指标 {a} / 子项目 {s} 在 {day} 维护的发生额与其分录不符：存为 {kept}，分录合计为 {given}",
                "the maintained movements of line {a} / {s} on {day} differ from its entries: stored {kept}, entries give {given}"
            ),
        ));
    }
    drawn.sort_unstable_by_key(|(a, d, _)| (*a, *d));
    drawn.dedup_by(|later, earlier| {
        let same = (later.0, later.1) == (earlier.0, earlier.1);
        if same {
            earlier.2 += later.2;
        }
        same
    });
    let mut appropriations = Earliest::new(MAX_DAY_FINDINGS);
    merge_keyed(
        drawn.into_iter().map(|(a, d, given)| ((a, d), Fen(i128::from(given)))),
        |kept| db.for_each_appropriation_day(|a, date, fen| kept((a, date), fen)),
        |(a, date), kept, given| appropriations.offer((date, a), (kept, given)),
    )?;
    for ((day, a), (kept, given)) in appropriations.into_sorted() {
        let a = register.appropriations.get(&a).map_or("?", |a| a.code.as_str());
        problems.push(Problem::new(
            Check::R4,
            crate::tr!(
                "指标 {a} 在 {day} 被各行支用的金额存为 {kept}，但各行发生额合计为 {given}",
                "what the lines drew from appropriation {a} on {day} is kept as {kept}, but its lines' movements give {given}"
            ),
        ));
    }
    Ok(())
}

/// Merges kept rows, which `kept` visits in key order, with `derived` ones in the same order:
/// `differ(key, kept, derived)` for every key whose two sides differ, a side without the key
/// counting as `V::default()` (nothing moved).
fn merge_keyed<K: Ord + Copy, V: Default + PartialEq>(
    derived: impl IntoIterator<Item = (K, V)>,
    kept: impl FnOnce(&mut dyn FnMut(K, V)) -> Result<()>,
    mut differ: impl FnMut(K, V, V),
) -> Result<()> {
    let mut derived = derived.into_iter().peekable();
    let mut compare = |key: K, kept: V, given: V| {
        if kept != given {
            differ(key, kept, given);
        }
    };
    kept(&mut |key, stored| {
        while let Some((k, given)) = derived.next_if(|(k, _)| *k < key) {
            compare(k, V::default(), given);
        }
        let given = derived.next_if(|(k, _)| *k == key).map(|(_, v)| v).unwrap_or_default();
        compare(key, stored, given);
    })?;
    for (k, given) in derived {
        compare(k, V::default(), given);
    }
    Ok(())
}

/// The `limit` smallest keys offered, with their values: a bounded max-heap, so a ledger whose
/// every day row was altered still costs no more memory than `limit` findings.
struct Earliest<K: Ord, V> {
    limit: usize,
    heap: std::collections::BinaryHeap<(K, Keep<V>)>,
}

/// A value carried beside a heap key, never compared.
struct Keep<V>(V);

impl<V> PartialEq for Keep<V> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<V> Eq for Keep<V> {}
impl<V> PartialOrd for Keep<V> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<V> Ord for Keep<V> {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl<K: Ord, V> Earliest<K, V> {
    fn new(limit: usize) -> Self {
        Earliest { limit, heap: std::collections::BinaryHeap::new() }
    }

    fn offer(&mut self, key: K, value: V) {
        if self.heap.len() < self.limit {
            self.heap.push((key, Keep(value)));
        } else if self.heap.peek().is_some_and(|(top, _)| key < *top) {
            self.heap.pop();
            self.heap.push((key, Keep(value)));
        }
    }

    fn into_sorted(self) -> Vec<(K, V)> {
        self.heap.into_sorted_vec().into_iter().map(|(k, Keep(v))| (k, v)).collect()
    }
}

/// What undecided pending items reserve, re-derived from the items, against the kept
/// `reservations`; and every approved item's lines recorded as its voucher's entries.
fn compare_reservations(db: &Db, register: &Register, problems: &mut Vec<Problem>) -> Result<()> {
    let (kept, derived) = db.reservations()?;
    let kept: std::collections::BTreeMap<_, _> = kept.into_iter().collect();
    let derived: std::collections::BTreeMap<_, _> = derived.into_iter().collect();
    for key in kept.keys().chain(derived.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (k, d) =
            (kept.get(key).copied().unwrap_or_default(), derived.get(key).copied().unwrap_or_default());
        if k != d {
            let line = register.line_name(&LineId { appropriation: key.0, subproject: key.1 });
            let pool = &key.2;
            problems.push(Problem::new(
                Check::R4,
                crate::tr!(
                    "{line} 的预留额（{pool}）记为 {k}，但由待审批事项推算为 {d}",
                    "the reservation on {line} ({pool}) is kept as {k}, but the pending items give {d}"
                ),
            ));
        }
    }
    for item in db.pending_items()? {
        if item.decided.as_ref().map(|d| d.decision) != Some(crate::model::Decision::Approve) {
            continue;
        }
        let entries = db.voucher_lines(&item.voucher)?;
        let matches = entries.len() == item.lines.len()
            && item.lines.iter().all(|l| {
                entries.iter().any(|e| {
                    e.line == l.line
                        && e.date == l.date
                        && e.kind == l.kind
                        && e.appropriation_id == l.appropriation_id
                        && e.subproject_id == l.subproject_id
                        && e.amount == l.amount
                })
            });
        if !matches {
            let (id, voucher) = (item.id, &item.voucher);
            problems.push(Problem::new(
                Check::R4,
                crate::tr!(
                    "已批准的待审批事项 #{id} 与凭证 {voucher} 记录的分录不一致",
                    "approved pending item #{id} does not match the entries recorded under voucher {voucher}"
                ),
            ));
        }
    }
    Ok(())
}

/// Derived and maintained balances per line; returns every line either side knows.
fn compare_lines(
    db: &Db,
    register: &Register,
    lines: &Map<LineId, LineBalance>,
    problems: &mut Vec<Problem>,
) -> Result<Vec<LineId>> {
    let maintained: HashMap<LineId, LineBalance> = db.maintained_balances()?.into_iter().collect();
    let mut keys: Vec<_> = lines.keys().chain(maintained.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    for key in &keys {
        let derived = lines.get(key).copied().unwrap_or_default();
        let stored = maintained.get(key).copied().unwrap_or_default();
        if derived != stored {
            let (line, differences) = (register.line_name(key), differences(&stored, &derived));
            let m = crate::tr!(
                "{line} 的维护余额与其分录不符：{differences}",
                "the maintained balance of line {line} differs from its entries: {differences}"
            );
            problems.push(Problem::new(Check::R4, m));
        }
    }
    Ok(keys)
}

fn compare_activity(
    db: &Db,
    register: &Register,
    keys: &[LineId],
    activity: &Map<LineId, Activity>,
    problems: &mut Vec<Problem>,
) -> Result<()> {
    let mut stored_activity: HashMap<LineId, Activity> = db.maintained_activity()?.into_iter().collect();
    for key in keys {
        let derived = activity.get(key).copied().unwrap_or_default();
        let stored = stored_activity.remove(key).unwrap_or_default();
        if derived != stored {
            let (line, differences) = (register.line_name(key), activity_differences(&stored, &derived));
            let m = crate::tr!(
                "{line} 的维护活动日期与其分录不符：{differences}",
                "the maintained activity dates of line {line} differ from its entries: {differences}"
            );
            problems.push(Problem::new(Check::R4, m));
        }
    }
    Ok(())
}

fn compare_years(
    db: &Db,
    register: &Register,
    years: &Map<LineYear, LineBalance>,
    problems: &mut Vec<Problem>,
) -> Result<()> {
    let stored_years: HashMap<LineYear, LineBalance> = db.maintained_years()?.into_iter().collect();
    let mut year_keys: Vec<_> = years.keys().chain(stored_years.keys()).copied().collect();
    year_keys.sort_unstable();
    year_keys.dedup();
    for key in year_keys {
        let derived = years.get(&key).copied().unwrap_or_default();
        let stored = stored_years.get(&key).copied().unwrap_or_default();
        if derived != stored {
            let (year, line, differences) =
                (key.1, register.line_name(&key.0), differences(&stored, &derived));
            let m = crate::tr!(
                "{line} 维护的 {year} 年度发生额与其分录不符：{differences}",
                "the maintained {year} movements of line {line} differ from its entries: {differences}"
            );
            problems.push(Problem::new(Check::R4, m));
        }
    }
    Ok(())
}

/// What the replay derives of one line: one map entry an entry looks up, its current year's
/// movements beside its balance.
#[derive(Default)]
struct LineState {
    balance: LineBalance,
    activity: Activity,
    /// The movements of each year it moved in, the latest last (entries are replayed in date
    /// order, so a year never comes back).
    years: Vec<(i32, LineBalance)>,
}

impl LineState {
    /// The movements of `year`, the year of the entry being replayed.
    fn year(&mut self, year: i32) -> &mut LineBalance {
        if self.years.last().map(|(y, _)| *y) != Some(year) {
            self.years.push((year, LineBalance::default()));
        }
        let last = self.years.len() - 1;
        &mut self.years[last].1
    }
}

/// The replayed lines as `compare_lines`, `compare_activity` and `compare_years` read them.
type Split = (Map<LineId, LineBalance>, Map<LineId, Activity>, Map<LineYear, LineBalance>);

fn split(lines: Map<LineId, LineState>) -> Split {
    let (mut balances, mut activity, mut years) = (Map::default(), Map::default(), Map::default());
    for (key, line) in lines {
        balances.insert(key, line.balance);
        activity.insert(key, line.activity);
        for (year, moves) in line.years {
            years.insert((key, year), moves);
        }
    }
    (balances, activity, years)
}

/// The most day-row differences `verify` lists (one tampered entry can shift many).
const MAX_DAY_FINDINGS: usize = 50;

/// Every entry replayed in the order money moved (by date, then recording order), with the
/// checks a write makes: R1, R2 and the issue date per entry, the reversal mirroring its
/// original, no date after the day it was recorded, and R3 at the end of every day — the
/// undisbursed and held money of each line it touched non-negative, each appropriation
/// drawn within what it issued by then (its amount and the adjustments dated up to that day,
/// replayed in date order with the entries: a day with only an adjustment is checked too).
struct Replay<'a> {
    /// Read only to name the entries of findings.
    db: &'a Db,
    catalog: &'a crate::catalog::Catalog,
    appropriations: &'a HashMap<i64, StoredAppropriation>,
    subprojects: &'a HashMap<i64, StoredSubproject>,
    adjustments: &'a [StoredAdjustment],
    status_changes: &'a HashMap<i64, Vec<(chrono::NaiveDate, crate::model::Status)>>,
    /// The adjustments already replayed (a prefix of `adjustments`).
    adjustments_done: usize,
    /// What each appropriation's replayed adjustments add to its amount.
    adjusted: Map<i64, Fen>,
    /// Appropriations an adjustment of the day being replayed changed.
    adjusted_today: std::collections::BTreeSet<i64>,
    lines: Map<LineId, LineState>,
    drawn: Map<i64, Fen>,
    /// Lines whose appropriation's county and channel admit their sub-project (R1, R2).
    admitted: rustc_hash::FxHashSet<LineId>,
    /// The day being replayed, and the lines its entries touched (some more than once).
    day: Option<chrono::NaiveDate>,
    touched: Vec<LineId>,
    entries: u64,
    problems: Vec<Problem>,
    /// What each entry moves on its line's day, as the kept day rows count it: compared with
    /// them once the replay ends (`compare_days`).
    day_moves: Vec<DayMove>,
}

impl<'a> Replay<'a> {
    fn new(db: &'a Db, register: &'a Register) -> Self {
        Replay {
            db,
            catalog: &register.catalog,
            appropriations: &register.appropriations,
            subprojects: &register.subprojects,
            adjustments: &register.adjustments,
            status_changes: &register.status_changes,
            adjustments_done: 0,
            adjusted: Map::default(),
            adjusted_today: std::collections::BTreeSet::new(),
            lines: Map::default(),
            drawn: Map::default(),
            admitted: rustc_hash::FxHashSet::default(),
            day: None,
            touched: Vec::new(),
            entries: 0,
            problems: Vec::new(),
            day_moves: Vec::new(),
        }
    }

    /// The voucher of entry `id` and its line, beyond the first, as a finding names it (`#id`
    /// when it cannot be read).
    fn voucher(&self, id: i64) -> String {
        let voucher = self.db.entry_voucher(id).ok().flatten().unwrap_or_else(|| format!("#{id}"));
        crate::error::echo(&voucher).to_string()
    }

    fn finding(&mut self, check: Check, id: i64, message: impl std::fmt::Display) {
        let voucher = self.voucher(id);
        self.problems
            .push(Problem::new(check, crate::tr!("分录 {voucher}：{message}", "entry {voucher}: {message}")));
    }

    fn entry(&mut self, e: &EntryFact, facts: &EntryFacts) {
        self.entries += 1;
        let original = e.reverses_id.and_then(|id| facts.get(id));
        if self.day != Some(e.date) {
            self.advance(Some(e.date));
            self.day = Some(e.date);
        }
        let known = e.line.and_then(|line| {
            Some((
                line,
                self.appropriations.get(&line.appropriation)?,
                self.subprojects.get(&line.subproject)?,
            ))
        });
        let Some((line, a, s)) = known else {
            self.finding(
                Check::Unknown,
                e.id,
                crate::lang::pick(
                    "所指的指标或子项目未登记",
                    "names an appropriation or sub-project that is not recorded",
                ),
            );
            return;
        };
        self.day_moves.extend(DayMove::of(e, line, original));
        let s = crate::model::with_status_on(s, self.status_changes.get(&s.id).map(Vec::as_slice), e.date);
        // The county and designation of a line never change: once admitted, an entry on it
        // needs only its date and the sub-project's status on that date checked again.
        let admitted = self.admitted.contains(&line) && e.date >= a.issued_on && s.status != Status::Excluded;
        if !admitted {
            let problems = rules::movement(self.catalog, a, &s, e.date);
            if rules::same_county(a, &s).is_ok() && rules::designated_use(self.catalog, a, &s).is_ok() {
                self.admitted.insert(line);
            }
            for p in problems {
                self.finding(p.check, e.id, p.message);
            }
        }
        if e.amount_fen <= 0 || i128::from(e.amount_fen) > crate::money::MAX_AMOUNT_FEN {
            self.finding(Check::R6, e.id, {
                let amount = e.amount();
                crate::tr!(
                    "金额 {amount} 超出 fundledger 记录的范围",
                    "its amount {amount} is outside what fundledger records"
                )
            });
        }
        if let Some(recorded) = e.recorded_on.filter(|d| e.date > *d) {
            self.finding(Check::R3, e.id, {
                let date = e.date;
                crate::tr!(
                    "日期 {date} 晚于记账日（{recorded}）",
                    "dated {date}, after the day it was recorded ({recorded})"
                )
            });
        }
        let Some((flow, direction)) = self.movement(e, original) else { return };
        let key = line;
        let line = self.lines.entry(key).or_default();
        line.activity = line.activity.after(e.kind, e.date);
        let (balance, year) = (line.balance, line.year(e.date.year()));
        match (
            balance.checked_apply(flow, e.amount(), direction),
            year.checked_apply(flow, e.amount(), direction),
        ) {
            (Some(next), Some(next_year)) => {
                *year = next_year;
                line.balance = next;
                *self.drawn.entry(a.id).or_default() += next.drawn() - balance.drawn();
            }
            _ => self.finding(
                Check::R6,
                e.id,
                crate::lang::pick(
                    "累计金额超出 fundledger 能记录的范围",
                    "running totals overflow what fundledger holds",
                ),
            ),
        }
        self.touched.push(key);
    }

    /// The flow an entry makes: its own kind's, or for a reversal its original's moved back —
    /// `None` (with a finding) when a reversal does not mirror a plain entry.
    fn movement(&mut self, e: &EntryFact, original: Option<&EntryFact>) -> Option<(Flow, Direction)> {
        let Some(o) = original else {
            return match e.kind.flow() {
                Some(flow) => Some((flow, Direction::Forward)),
                None => {
                    self.finding(
                        Check::R4,
                        e.id,
                        crate::lang::pick(
                            "冲销分录没有写明被冲销的分录",
                            "a reversal that names no entry it reverses",
                        ),
                    );
                    None
                }
            };
        };
        let (Kind::Reverse, Some(flow)) = (e.kind, o.kind.flow()) else {
            let what = if e.kind != Kind::Reverse {
                crate::lang::pick("非冲销分录", "an entry that is not a reversal")
            } else {
                crate::lang::pick("冲销分录", "a reversal")
            };
            let original = self.voucher(o.id);
            self.finding(
                Check::R4,
                e.id,
                crate::tr!(
                    "{what}将 {original} 列为被冲销，账本从不这样记录",
                    "{what} names {original} as reversed, which a ledger never records"
                ),
            );
            return None;
        };
        if o.line != e.line || o.amount_fen != e.amount_fen || o.date > e.date {
            let original = self.voucher(o.id);
            self.finding(
                Check::R4,
                e.id,
                crate::tr!(
                    "与被冲销的分录（{original}）不对应：应为同一指标和子项目、同一金额，日期不早于原分录",
                    "does not mirror the entry it reverses ({original}): same line, same amount, not dated before it"
                ),
            );
            return None;
        }
        Some((flow, Direction::Back))
    }

    /// Closes the day being replayed, then replays the adjustments dated before `next` (every
    /// one left when `None`) on days without entries, each day closed in turn.
    fn advance(&mut self, next: Option<chrono::NaiveDate>) {
        self.close_day();
        while let Some(a) = self.adjustments.get(self.adjustments_done) {
            if next.is_some_and(|next| a.date >= next) {
                break;
            }
            self.day = Some(a.date);
            self.close_day();
        }
    }

    /// Replays the adjustments dated up to `day`, with the checks a write makes.
    fn adjust_until(&mut self, day: chrono::NaiveDate) {
        while let Some(a) = self.adjustments.get(self.adjustments_done).filter(|a| a.date <= day) {
            self.adjustments_done += 1;
            let (doc, code) = (crate::error::echo(&a.document), &a.appropriation);
            let name = crate::tr!("指标 {code} 的调整 {doc}", "adjustment {doc} of appropriation {code}");
            let mut finding = |check, m: String| {
                self.problems.push(Problem::new(check, crate::tr!("{name}：{m}", "{name}: {m}")))
            };
            let Some(appropriation) = self.appropriations.get(&a.appropriation_id) else {
                finding(
                    Check::Unknown,
                    crate::lang::pick("所指的指标未登记", "names an appropriation that is not recorded")
                        .to_string(),
                );
                continue;
            };
            if a.date < appropriation.issued_on {
                finding(Check::Format, {
                    let (date, issued) = (a.date, appropriation.issued_on);
                    crate::tr!(
                        "日期 {date} 早于指标的下达日期 {issued}",
                        "dated {date}, before the appropriation was issued on {issued}"
                    )
                });
            }
            if let Some(recorded) = a.recorded_on.filter(|d| a.date > *d) {
                let date = a.date;
                finding(
                    Check::R3,
                    crate::tr!(
                        "日期 {date} 晚于记账日（{recorded}）",
                        "dated {date}, after the day it was recorded ({recorded})"
                    ),
                );
            }
            if a.amount == Fen::ZERO || a.amount.0.abs() > crate::money::MAX_AMOUNT_FEN {
                let amount = a.amount;
                finding(
                    Check::R6,
                    crate::tr!(
                        "金额 {amount} 超出 fundledger 记录的范围",
                        "its amount {amount} is outside what fundledger records"
                    ),
                );
            }
            *self.adjusted.entry(a.appropriation_id).or_default() += a.amount;
            self.adjusted_today.insert(a.appropriation_id);
        }
    }

    /// R3 at the end of the replayed day, for every line and appropriation its entries or
    /// adjustments touched.
    fn close_day(&mut self) {
        let Some(day) = self.day else { return };
        self.adjust_until(day);
        let mut appropriations = std::mem::take(&mut self.adjusted_today);
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        for key in touched {
            let line = self.lines[&key].balance;
            let name = || {
                format!(
                    "{} / {}",
                    self.appropriations[&key.appropriation].code, self.subprojects[&key.subproject].code
                )
            };
            if line.undisbursed() < Fen::ZERO {
                let (name, over) = (name(), -line.undisbursed());
                let m = crate::tr!(
                    "{day} 日终，{name} 的拨付比分配多出 {over}（R3 每一天都成立）",
                    "at the end of {day} line {name} has disbursed {over} more than was allocated to it (R3 on every date)"
                );
                self.problems.push(Problem::new(Check::R3, m));
            }
            if line.held() < Fen::ZERO {
                let (name, over) = (name(), -line.held());
                let m = crate::tr!(
                    "{day} 日终，{name} 的支付或退回比拨付多出 {over}（R3 每一天都成立）",
                    "at the end of {day} line {name} has paid or returned {over} more than was disbursed to it (R3 on every date)"
                );
                self.problems.push(Problem::new(Check::R3, m));
            }
            appropriations.insert(key.appropriation);
        }
        for id in appropriations {
            let Some(a) = self.appropriations.get(&id) else { continue };
            let drawn = self.drawn.get(&id).copied().unwrap_or_default();
            let issued = a.amount + self.adjusted.get(&id).copied().unwrap_or_default();
            if drawn > issued {
                let code = &a.code;
                let m = crate::tr!(
                    "{day} 日终，指标 {code} 已分配 {drawn}，超过其下达额 {issued}（R3 每一天都成立）",
                    "at the end of {day} appropriation {code} has {drawn} allocated from it, more than its {issued} (R3 on every date)"
                );
                self.problems.push(Problem::new(Check::R3, m));
            }
        }
    }
}

/// `last entry: stored 2024-07-15, entries give 2024-05-20; …` for each date that differs.
fn activity_differences(stored: &Activity, derived: &Activity) -> String {
    let day = |d: Option<chrono::NaiveDate>| {
        d.map_or_else(|| crate::lang::pick("无", "none").to_string(), |d| d.to_string())
    };
    [
        (crate::lang::pick("最近分录", "last entry"), stored.last_entry, derived.last_entry),
        (
            crate::lang::pick("最近拨付", "last disbursement"),
            stored.last_disbursement,
            derived.last_disbursement,
        ),
    ]
    .iter()
    .filter(|(_, s, d)| s != d)
    .map(|(name, s, d)| {
        let (s, d) = (day(*s), day(*d));
        crate::tr!("{name}：存储为 {s}，分录推算为 {d}", "{name}: stored {s}, entries give {d}")
    })
    .collect::<Vec<_>>()
    .join("; ")
}

/// `paid: stored 120000.00, entries give 30.00; …` for each column that differs.
fn differences(stored: &LineBalance, derived: &LineBalance) -> String {
    use crate::lang::pick;
    let columns = [
        (pick("分配", "allocated"), stored.allocated, derived.allocated),
        (pick("收回", "withdrawn"), stored.withdrawn, derived.withdrawn),
        (pick("拨付", "disbursed"), stored.disbursed, derived.disbursed),
        (pick("退回", "returned"), stored.returned, derived.returned),
        (pick("支付", "paid"), stored.paid, derived.paid),
    ];
    columns
        .iter()
        .filter(|(_, s, d)| s != d)
        .map(|(name, s, d)| {
            crate::tr!("{name}：存储为 {s}，分录推算为 {d}", "{name}: stored {s}, entries give {d}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}
