//! Matching an implementing body's own records against the ledger: its payments against the
//! project's `pay` entries, its receipts against the project's 拨付 (`disburse`) entries. A
//! ledger voucher counts once per sub-project, its lines for that sub-project summed. A
//! record that names a voucher is paired by voucher; a record without one is paired by
//! sub-project, exact amount and a date within `DATE_WINDOW_DAYS`, closest dates first, then
//! the earliest voucher. No record and no ledger voucher is ever paired twice. An entry that
//! was reversed no longer counts; a record naming it says so.

use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::Result;
use crate::model::{Kind, LedgerPay, Payment};
use crate::money::Fen;
use crate::report::statement::{self, Filter, Period, Shown};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// How many days apart a record without a voucher and a ledger voucher of the same
/// sub-project and amount may be dated and still be paired: money a bureau disburses
/// usually reaches the body's account within a few working days.
pub const DATE_WINDOW_DAYS: i64 = 5;

/// How a record of the body compares with the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Same voucher with a different amount, date or sub-project.
    Differs,
    /// In the ledger, not in the body's records.
    LedgerOnly,
    /// In the body's records, not in the ledger.
    RecordsOnly,
    Matched,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Matched => "matched",
            Status::Differs => "differs",
            Status::LedgerOnly => "ledger_only",
            Status::RecordsOnly => "records_only",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Status::Matched => "一致",
            Status::Differs => "不一致",
            Status::LedgerOnly => "仅账本有",
            Status::RecordsOnly => "仅单位记录有",
        }
    }
}

/// The rule that paired a record with a ledger voucher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The record names the voucher.
    Voucher,
    /// The record has no voucher: same sub-project, same amount, dated within
    /// `DATE_WINDOW_DAYS`.
    SubprojectAmountDate,
}

impl MatchedBy {
    pub fn code(self) -> &'static str {
        match self {
            MatchedBy::Voucher => "voucher",
            MatchedBy::SubprojectAmountDate => "subproject_amount_date",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            MatchedBy::Voucher => "按凭证号",
            MatchedBy::SubprojectAmountDate => "按子项目、金额、日期",
        }
    }
}

/// Which of the body's books is matched, and so against which entries of the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// What the body paid, against `pay` entries.
    Payments,
    /// What the body received, against `disburse` entries.
    Receipts,
}

impl Side {
    /// The kind of the ledger's entries this side is matched against.
    pub fn kind(self) -> Kind {
        match self {
            Side::Payments => Kind::Pay,
            Side::Receipts => Kind::Disburse,
        }
    }

    /// One such entry, in notes.
    fn noun(self) -> &'static str {
        match self {
            Side::Payments => crate::lang::pick("支付", "payment"),
            Side::Receipts => crate::lang::pick("拨付", "disbursement"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub status: Status,
    /// `None` when nothing was paired (only in the ledger, only in the records).
    pub matched_by: Option<MatchedBy>,
    /// The record's voucher, or the ledger's when the record has none; empty when neither.
    pub voucher: String,
    pub ledger: Option<LedgerPay>,
    pub record: Option<Payment>,
    pub note: String,
}

/// Matches the body's payment records against the ledger's pay entries (`match_records`).
pub fn match_payments(
    project_pays: &[LedgerPay],
    records: &[Payment],
    other: impl Fn(&str) -> Option<String>,
) -> Vec<Match> {
    match_records(Side::Payments, project_pays, records, other)
}

/// Matches `records` against `ledger`: the live and reversed entries of the side's kind of
/// the project's sub-projects, one per voucher and sub-project. `other` finds a voucher
/// anywhere else in the ledger (another project, another kind), for the note of an unmatched
/// record. Returns the mismatches first (differs, ledger only, records only), then the
/// matches, each in voucher order.
pub fn match_records(
    side: Side,
    ledger: &[LedgerPay],
    records: &[Payment],
    other: impl Fn(&str) -> Option<String>,
) -> Vec<Match> {
    let live: Vec<&LedgerPay> = ledger.iter().filter(|l| l.reversed_by.is_none()).collect();
    let index = Index::new(ledger);
    let mut pairing = Pairing { of_record: vec![None; records.len()], of_ledger: vec![None; live.len()] };
    pair_by_voucher(&live, records, &mut pairing);
    let fits = pair_by_subproject_amount_date(&live, records, &mut pairing);
    let mut out = Vec::new();
    for (ri, r) in records.iter().enumerate() {
        out.push(match pairing.of_record[ri] {
            Some((li, by)) => paired(side, live[li], r, by, &fits, &live, records, (ri, li)),
            None => {
                let why = match &r.voucher {
                    Some(v) => unpaired_voucher(side, v, r, &index, &other),
                    None => unpaired_without_voucher(side, r, &fits.of_record[ri], &live, &index),
                };
                Match {
                    status: Status::RecordsOnly,
                    matched_by: None,
                    voucher: r.voucher.clone().unwrap_or_default(),
                    ledger: None,
                    record: Some(r.clone()),
                    note: {
                        let line = r.line;
                        crate::tr!("{why}（单位记录第 {line} 行）", "{why} (records line {line})")
                    },
                }
            }
        });
    }
    for (li, l) in live.iter().enumerate().filter(|(li, _)| pairing.of_ledger[*li].is_none()) {
        debug_assert!(pairing.of_ledger[li].is_none());
        out.push(Match {
            status: Status::LedgerOnly,
            matched_by: None,
            voucher: l.voucher.clone(),
            ledger: Some((*l).clone()),
            record: None,
            note: crate::lang::pick("实施单位的记录中没有", "not in the implementing body's records")
                .to_string(),
        });
    }
    out.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    out
}

fn sort_key(m: &Match) -> (Status, &str, Option<&str>, Option<u64>) {
    (
        m.status,
        &m.voucher,
        m.ledger.as_ref().map(|l| l.subproject.as_str()),
        m.record.as_ref().map(|r| r.line),
    )
}

/// Which record is paired with which live ledger voucher, and by which rule.
struct Pairing {
    /// Record → (live ledger voucher, rule).
    of_record: Vec<Option<(usize, MatchedBy)>>,
    /// Live ledger voucher → record.
    of_ledger: Vec<Option<usize>>,
}

impl Pairing {
    fn pair(&mut self, record: usize, ledger: usize, by: MatchedBy) {
        assert!(
            self.of_record[record].is_none() && self.of_ledger[ledger].is_none(),
            "a record or a ledger voucher is paired at most once"
        );
        self.of_record[record] = Some((ledger, by));
        self.of_ledger[ledger] = Some(record);
    }
}

/// Pairs the records that name a voucher: with the voucher's lines for the record's
/// sub-project first, then any of the voucher's lines left with the voucher's records left
/// (in sub-project order), which shows as a different sub-project.
fn pair_by_voucher(live: &[&LedgerPay], records: &[Payment], p: &mut Pairing) {
    let mut by_voucher: HashMap<&str, Vec<usize>> = HashMap::new();
    for (li, l) in live.iter().enumerate() {
        by_voucher.entry(l.voucher.as_str()).or_default().push(li);
    }
    for (ri, r) in records.iter().enumerate() {
        let Some(lines) = r.voucher.as_deref().and_then(|v| by_voucher.get(v)) else { continue };
        let same = lines.iter().copied().find(|&li| live[li].subproject == r.subproject);
        if let Some(li) = same.filter(|&li| p.of_ledger[li].is_none()) {
            p.pair(ri, li, MatchedBy::Voucher);
        }
    }
    for (ri, r) in records.iter().enumerate() {
        if p.of_record[ri].is_some() {
            continue;
        }
        let Some(lines) = r.voucher.as_deref().and_then(|v| by_voucher.get(v)) else { continue };
        if let Some(li) = lines.iter().copied().find(|&li| p.of_ledger[li].is_none()) {
            p.pair(ri, li, MatchedBy::Voucher);
        }
    }
}

/// Who could have been paired with whom by sub-project, amount and date: for each record
/// the ledger vouchers, for each ledger voucher the records, closest in date first.
struct Fits {
    of_record: Vec<Vec<usize>>,
    of_ledger: Vec<Vec<usize>>,
}

/// Pairs the records without a voucher with the ledger vouchers still unpaired of the same
/// sub-project and amount dated within `DATE_WINDOW_DAYS`: the closest dates first, then the
/// earliest voucher, then the earliest line of the records.
fn pair_by_subproject_amount_date(live: &[&LedgerPay], records: &[Payment], p: &mut Pairing) -> Fits {
    let mut unpaired: HashMap<(&str, Fen), Vec<usize>> = HashMap::new();
    for (li, l) in live.iter().enumerate().filter(|(li, _)| p.of_ledger[*li].is_none()) {
        unpaired.entry((l.subproject.as_str(), l.amount)).or_default().push(li);
    }
    let mut candidates = Vec::new();
    for (ri, r) in records.iter().enumerate().filter(|(_, r)| r.voucher.is_none()) {
        for &li in unpaired.get(&(r.subproject.as_str(), r.amount)).into_iter().flatten() {
            let days = (live[li].date - r.date).num_days().abs();
            if days <= DATE_WINDOW_DAYS {
                candidates.push((days, live[li].voucher.as_str(), r.line, ri, li));
            }
        }
    }
    candidates.sort_unstable();
    let mut fits =
        Fits { of_record: vec![Vec::new(); records.len()], of_ledger: vec![Vec::new(); live.len()] };
    for &(_, _, _, ri, li) in &candidates {
        fits.of_record[ri].push(li);
        fits.of_ledger[li].push(ri);
        if p.of_record[ri].is_none() && p.of_ledger[li].is_none() {
            p.pair(ri, li, MatchedBy::SubprojectAmountDate);
        }
    }
    fits
}

/// A record and the ledger voucher it was paired with: matched, or what differs.
#[allow(clippy::too_many_arguments)]
fn paired(
    side: Side,
    l: &LedgerPay,
    r: &Payment,
    by: MatchedBy,
    fits: &Fits,
    live: &[&LedgerPay],
    records: &[Payment],
    (ri, li): (usize, usize),
) -> Match {
    let mut notes = Vec::new();
    if l.amount != r.amount {
        let (ours, theirs, diff) =
            (l.amount.yuan_grouped(), r.amount.yuan_grouped(), (r.amount - l.amount).yuan_grouped());
        notes.push(crate::tr!(
            "金额：账本 {ours}，单位记录 {theirs}（差额 {diff}）",
            "amount: ledger {ours} vs records {theirs} (difference {diff})"
        ));
    }
    let date_differs = l.date != r.date;
    if date_differs && by == MatchedBy::Voucher {
        let (ours, theirs) = (l.date, r.date);
        notes.push(crate::tr!(
            "日期：账本 {ours}，单位记录 {theirs}",
            "date: ledger {ours} vs records {theirs}"
        ));
    }
    if l.subproject != r.subproject {
        let (ours, theirs) = (&l.subproject, &r.subproject);
        notes.push(crate::tr!(
            "子项目：账本 {ours}，单位记录 {theirs}",
            "sub-project: ledger {ours} vs records {theirs}"
        ));
    }
    let status = if notes.is_empty() { Status::Matched } else { Status::Differs };
    if by == MatchedBy::SubprojectAmountDate {
        notes.push(match date_differs {
            false => crate::lang::pick(
                "单位记录无凭证号：子项目、金额、日期均相同",
                "no voucher in the records: same sub-project, amount and date",
            )
            .to_string(),
            true => {
                let (days, ours, theirs) = ((l.date - r.date).num_days().abs(), l.date, r.date);
                crate::tr!(
                    "单位记录无凭证号：子项目、金额相同，日期相差 {days} 天（账本 {ours}，单位记录 {theirs}）",
                    "no voucher in the records: same sub-project and amount, dated {days} day(s) apart (ledger {ours} vs records {theirs})"
                )
            }
        });
        let (vouchers, lines) = (&fits.of_record[ri], &fits.of_ledger[li]);
        if vouchers.len() > 1 {
            let named: Vec<&str> = vouchers.iter().map(|&i| live[i].voucher.as_str()).collect();
            let (n, noun, named) = (vouchers.len(), side.noun(), named.join(", "));
            notes.push(crate::tr!(
                "账本中有 {n} 笔{noun}符合（{named}）；按日期最近者优先配对，其次凭证号最早者",
                "{n} ledger {noun}s fit ({named}); pairs are taken closest in date first, then the earliest voucher"
            ));
        }
        if lines.len() > 1 {
            let named: Vec<String> = lines.iter().map(|&i| records[i].line.to_string()).collect();
            let (n, voucher, named) = (lines.len(), &l.voucher, named.join(", "));
            notes.push(crate::tr!(
                "单位记录中有 {n} 行符合 {voucher}（第 {named} 行）；按日期最近者优先配对，其次最早的行",
                "{n} records fit {voucher} (lines {named}); pairs are taken closest in date first, then the earliest line"
            ));
        }
    }
    Match {
        status,
        matched_by: Some(by),
        voucher: r.voucher.clone().unwrap_or_else(|| l.voucher.clone()),
        ledger: Some(l.clone()),
        record: Some(r.clone()),
        note: notes.join(crate::lang::pick("；", "; ")),
    }
}

/// Every ledger voucher of the side (live and reversed) by voucher and by (sub-project,
/// amount), for the notes of unpaired records.
struct Index<'a> {
    by_voucher: HashMap<&'a str, Vec<&'a LedgerPay>>,
    by_subproject_amount: HashMap<(&'a str, Fen), Vec<&'a LedgerPay>>,
}

impl<'a> Index<'a> {
    fn new(ledger: &'a [LedgerPay]) -> Self {
        let mut index = Index { by_voucher: HashMap::new(), by_subproject_amount: HashMap::new() };
        for l in ledger {
            index.by_voucher.entry(l.voucher.as_str()).or_default().push(l);
            index.by_subproject_amount.entry((l.subproject.as_str(), l.amount)).or_default().push(l);
        }
        index
    }
}

/// Why a record naming `voucher` found no ledger voucher.
fn unpaired_voucher(
    side: Side,
    voucher: &str,
    r: &Payment,
    index: &Index<'_>,
    other: &impl Fn(&str) -> Option<String>,
) -> String {
    let noun = side.noun();
    let lines = index.by_voucher.get(voucher).map_or(&[][..], Vec::as_slice);
    if lines.iter().any(|l| l.reversed_by.is_none()) {
        return crate::tr!(
            "账本中{noun} {voucher} 的每一行都已与其他记录对上",
            "every line of the ledger's {noun} {voucher} is matched to another record"
        );
    }
    match lines.iter().find(|l| l.subproject == r.subproject).or_else(|| lines.first()) {
        Some(l) => {
            let (ours, by) = (&l.voucher, l.reversed_by.as_deref().unwrap_or(""));
            crate::tr!(
                "账本中的{noun} {ours} 已被 {by} 冲销",
                "the ledger's {noun} {ours} was reversed by {by}"
            )
        }
        None => other(voucher)
            .unwrap_or_else(|| crate::tr!("账本中没有这笔{noun}", "no such {noun} in the ledger")),
    }
}

/// Why a record without a voucher found no ledger voucher of its sub-project, amount and
/// date: they were all paired with other records, or the nearest is too far apart, or it
/// was reversed, or there is none.
fn unpaired_without_voucher(
    side: Side,
    r: &Payment,
    fits: &[usize],
    live: &[&LedgerPay],
    index: &Index<'_>,
) -> String {
    let noun = side.noun();
    let days = |l: &LedgerPay| (l.date - r.date).num_days().abs();
    let same =
        index.by_subproject_amount.get(&(r.subproject.as_str(), r.amount)).map_or(&[][..], Vec::as_slice);
    let nearest = |reversed: bool| {
        same.iter().filter(move |l| l.reversed_by.is_some() == reversed).min_by_key(|l| (days(l), &l.voucher))
    };
    let why = if !fits.is_empty() {
        let named: Vec<&str> = fits.iter().map(|&i| live[i].voucher.as_str()).collect();
        let named = named.join(", ");
        crate::tr!(
            "账本中子项目、金额、日期相同的{noun}（{named}）已与其他记录配对",
            "the ledger's {noun}s of the same sub-project, amount and date ({named}) are paired with other records"
        )
    } else if let Some(l) = nearest(false).filter(|l| days(l) <= DATE_WINDOW_DAYS) {
        let ours = &l.voucher;
        crate::tr!(
            "账本中子项目、金额、日期相同的{noun} {ours} 已按凭证号与其他记录对上",
            "the ledger's {noun} {ours} of the same sub-project, amount and date is matched by voucher to another record"
        )
    } else if let Some(l) = nearest(false) {
        let (ours, date, apart) = (&l.voucher, l.date, days(l));
        crate::tr!(
            "账本中子项目、金额相同且日期最近的{noun} {ours} 日期为 {date}（相差 {apart} 天，超过 {DATE_WINDOW_DAYS} 天）",
            "the nearest ledger {noun} of the same sub-project and amount, {ours}, is dated {date} ({apart} days apart, more than {DATE_WINDOW_DAYS})"
        )
    } else if let Some(l) = nearest(true).filter(|l| days(l) <= DATE_WINDOW_DAYS) {
        let (ours, by) = (&l.voucher, l.reversed_by.as_deref().unwrap_or(""));
        crate::tr!(
            "账本中子项目、金额、日期相同的{noun} {ours} 已被 {by} 冲销",
            "the ledger's {noun} {ours} of the same sub-project, amount and date was reversed by {by}"
        )
    } else {
        crate::tr!(
            "账本中没有该子项目、该金额的{noun}",
            "no {noun} of this sub-project and amount in the ledger"
        )
    };
    crate::tr!("单位记录无凭证号：{why}", "no voucher in the records: {why}")
}

/// A sub-project × channel line of the project's funds.
#[derive(Clone, Debug, Serialize)]
pub struct MatrixRow {
    pub subproject: Option<String>,
    /// The channel's name.
    pub channel: Option<String>,
    /// The name of the department that owns the channel.
    pub department: Option<String>,
    #[serde(flatten)]
    pub figures: Shown,
    pub channel_code: Option<String>,
    pub department_code: Option<String>,
}

/// The project's funds per sub-project and channel, and their total (whose text keys are
/// `null`).
#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    pub rows: Vec<MatrixRow>,
    pub totals: MatrixRow,
}

/// How many records or ledger vouchers came out one way, and their amounts on either side.
#[derive(Clone, Debug, Serialize)]
pub struct SummaryRow {
    /// `null` in the totals.
    pub status: Option<Status>,
    pub count: usize,
    pub ledger_amount: Fen,
    pub records_amount: Fen,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub rows: Vec<SummaryRow>,
    pub totals: SummaryRow,
    /// Pairs that do not match (differs, ledger only, records only).
    pub mismatches: usize,
    /// The records file has a header and no rows.
    pub no_records: bool,
}

/// One pair (or one unpaired record or ledger voucher), as the ledger and the body's
/// records have it.
#[derive(Clone, Debug, Serialize)]
pub struct MatchRow {
    pub status: Status,
    /// The rule that paired them; `null` when nothing was paired.
    pub matched_by: Option<MatchedBy>,
    /// The record's voucher, or the ledger's when the record has none.
    pub voucher: String,
    /// The ledger voucher's lines (分录号) summed into this row; empty when the ledger has none.
    pub ledger_lines: Vec<u32>,
    #[serde(serialize_with = "super::ser::opt_date")]
    pub ledger_date: Option<NaiveDate>,
    #[serde(serialize_with = "super::ser::opt_date")]
    pub records_date: Option<NaiveDate>,
    pub ledger_subproject: Option<String>,
    pub records_subproject: Option<String>,
    pub ledger_amount: Option<Fen>,
    pub records_amount: Option<Fen>,
    pub note: String,
}

/// The body's records of one side, matched.
#[derive(Clone, Debug, Serialize)]
pub struct Matches {
    pub rows: Vec<MatchRow>,
    /// How many records carry no voucher (paired by sub-project, amount and date).
    pub without_voucher: usize,
    /// `DATE_WINDOW_DAYS`: how far apart such a pair may be dated.
    pub date_window_days: i64,
}

/// A project's reconciliation: its funds and, given the body's records, its payments
/// matched against the ledger's payments and its receipts against the ledger's
/// disbursements.
#[derive(Clone, Debug, Serialize)]
pub struct ReconcileReport {
    #[serde(serialize_with = "super::ser::fingerprint")]
    pub fingerprint: crate::model::Fingerprint,
    pub project: String,
    pub matrix: Matrix,
    /// The payments' summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payments: Option<Matches>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipts_summary: Option<Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipts: Option<Matches>,
    /// Some payment or receipt does not match (`reconcile` exits 3 then).
    pub mismatched: bool,
}

/// The reconciliation of `project`, against the body's `payments` and `receipts` when given.
pub fn reconcile(
    db: &Db,
    catalog: &Catalog,
    project: &str,
    payments: Option<&[Payment]>,
    receipts: Option<&[Payment]>,
) -> Result<ReconcileReport> {
    reconcile_seen(db, catalog, project, payments, receipts, &|_| true)
}

/// `reconcile` for someone who may see only some sub-projects (`seen`): a voucher of the
/// records that the ledger holds for a sub-project they may not see is treated as unknown,
/// so the notes never tell them what another project recorded.
pub fn reconcile_seen(
    db: &Db,
    catalog: &Catalog,
    project: &str,
    payments: Option<&[Payment]>,
    receipts: Option<&[Payment]>,
    seen: &dyn Fn(&str) -> bool,
) -> Result<ReconcileReport> {
    let matrix = matrix(db, catalog, project)?;
    let side = |side: Side, records: Option<&[Payment]>| -> Result<(Option<Summary>, Option<Matches>)> {
        let Some(records) = records else { return Ok((None, None)) };
        let matches = classify(db, side, project, records, &matrix, seen)?;
        let rows = Matches {
            rows: matches.iter().map(match_row).collect(),
            without_voucher: records.iter().filter(|r| r.voucher.is_none()).count(),
            date_window_days: DATE_WINDOW_DAYS,
        };
        Ok((Some(summary(&matches, records.is_empty())), Some(rows)))
    };
    let (summary, payments) = side(Side::Payments, payments)?;
    let (receipts_summary, receipts) = side(Side::Receipts, receipts)?;
    let mismatched =
        [&summary, &receipts_summary].iter().any(|s| s.as_ref().is_some_and(|s| s.mismatches > 0));
    Ok(ReconcileReport {
        fingerprint: db.fingerprint()?,
        project: project.to_string(),
        matrix,
        summary,
        payments,
        receipts_summary,
        receipts,
        mismatched,
    })
}

/// The project's statement lines over all periods, by sub-project and catalogue channel.
fn matrix(db: &Db, catalog: &Catalog, project: &str) -> Result<Matrix> {
    let filter = Filter { project: Some(project.to_string()), ..Filter::default() };
    let mut rows = statement::statement(db, catalog, Period::default(), &filter)?;
    let channel_seq =
        |code: &str| catalog.channels.iter().position(|ch| ch.code == code).unwrap_or(usize::MAX);
    rows.sort_by(|a, b| {
        (&a.subproject, channel_seq(&a.channel)).cmp(&(&b.subproject, channel_seq(&b.channel)))
    });
    let lines = rows
        .iter()
        .map(|r| MatrixRow {
            subproject: Some(r.subproject.clone()),
            channel: Some(catalog.channel(&r.channel).map_or(r.channel.clone(), |ch| ch.name.clone())),
            department: Some(
                catalog.department(&r.department).map_or(r.department.clone(), |d| d.name.clone()),
            ),
            figures: Shown::new(&r.figures, false),
            channel_code: Some(r.channel.clone()),
            department_code: Some(r.department.clone()),
        })
        .collect();
    let totals = MatrixRow {
        subproject: None,
        channel: None,
        department: None,
        figures: Shown::new(&statement::total(&rows), false),
        channel_code: None,
        department_code: None,
    };
    Ok(Matrix { rows: lines, totals })
}

/// Matches the records against the project's entries of the side's kind; a voucher found
/// elsewhere in the ledger and a sub-project the project does not have are named in the note.
fn classify(
    db: &Db,
    side: Side,
    project: &str,
    records: &[Payment],
    matrix: &Matrix,
    seen: &dyn Fn(&str) -> bool,
) -> Result<Vec<Match>> {
    let ledger = match side {
        Side::Payments => db.project_payments(project)?,
        Side::Receipts => db.project_disbursements(project)?,
    };
    let ours: HashSet<&str> = ledger.iter().map(|p| p.voucher.as_str()).collect();
    let mut elsewhere = HashMap::new();
    for voucher in records.iter().filter_map(|r| r.voucher.as_deref()).filter(|v| !ours.contains(v)) {
        if let Some(e) = db.voucher_lines(voucher)?.into_iter().next().filter(|e| seen(e.subproject.as_str()))
        {
            let note = match e.kind {
                kind if kind == side.kind() => {
                    let (noun, sub) = (side.noun(), &e.subproject);
                    crate::tr!(
                        "{voucher} 是子项目 {sub} 的{noun}，不在本项目内",
                        "{voucher} is a {noun} of sub-project {sub}, outside this project"
                    )
                }
                kind => {
                    let article = if kind == crate::model::Kind::Allocate { "an" } else { "a" };
                    let (zh, noun) = (kind.zh(), side.noun());
                    crate::tr!(
                        "{voucher} 在账本中是{zh}分录，不是{noun}",
                        "{voucher} is {article} {kind} ({zh}) entry in the ledger, not a {noun}"
                    )
                }
            };
            elsewhere.insert(voucher.to_string(), note);
        }
    }
    let mut matches = match_records(side, &ledger, records, |voucher| elsewhere.get(voucher).cloned());
    // Name a sub-project code the project does not have: usually a typing slip.
    let subprojects: HashSet<&str> = matrix.rows.iter().filter_map(|r| r.subproject.as_deref()).collect();
    for m in &mut matches {
        if let Some(r) = m.record.as_ref().filter(|r| !subprojects.contains(r.subproject.as_str())) {
            let sep = if m.note.is_empty() { "" } else { crate::lang::pick("；", "; ") };
            let (note, sub) = (&m.note, &r.subproject);
            m.note = crate::tr!(
                "{note}{sep}子项目 {sub} 不属于项目 {project}",
                "{note}{sep}sub-project {sub} is not in project {project}"
            );
        }
    }
    Ok(matches)
}

fn summary(matches: &[Match], no_records: bool) -> Summary {
    let row = |status: Option<Status>| {
        let of: Vec<&Match> = matches.iter().filter(|m| status.is_none_or(|s| m.status == s)).collect();
        SummaryRow {
            status,
            count: of.len(),
            ledger_amount: of.iter().filter_map(|m| m.ledger.as_ref().map(|l| l.amount)).sum(),
            records_amount: of.iter().filter_map(|m| m.record.as_ref().map(|r| r.amount)).sum(),
        }
    };
    let rows = [Status::Matched, Status::Differs, Status::LedgerOnly, Status::RecordsOnly]
        .into_iter()
        .map(|s| row(Some(s)))
        .collect();
    let mismatches = matches.iter().filter(|m| m.status != Status::Matched).count();
    Summary { rows, totals: row(None), mismatches, no_records }
}

fn match_row(m: &Match) -> MatchRow {
    let l = m.ledger.as_ref();
    let r = m.record.as_ref();
    MatchRow {
        status: m.status,
        matched_by: m.matched_by,
        voucher: m.voucher.clone(),
        ledger_date: l.map(|l| l.date),
        records_date: r.map(|r| r.date),
        ledger_subproject: l.map(|l| l.subproject.clone()),
        records_subproject: r.map(|r| r.subproject.clone()),
        ledger_amount: l.map(|l| l.amount),
        records_amount: r.map(|r| r.amount),
        ledger_lines: l.map(|l| l.lines.clone()).unwrap_or_default(),
        note: m.note.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The notes these tests read are the English ones.
    fn match_payments(
        project_pays: &[LedgerPay],
        records: &[Payment],
        other: impl Fn(&str) -> Option<String>,
    ) -> Vec<Match> {
        crate::lang::with(crate::lang::Lang::En, || super::match_payments(project_pays, records, other))
    }

    fn match_records(
        side: Side,
        ledger: &[LedgerPay],
        records: &[Payment],
        other: impl Fn(&str) -> Option<String>,
    ) -> Vec<Match> {
        crate::lang::with(crate::lang::Lang::En, || super::match_records(side, ledger, records, other))
    }
    use crate::money::Fen;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test dates are well formed")
    }

    fn pay(v: &str, date: &str, s: &str, fen: i64, reversed_by: Option<&str>) -> LedgerPay {
        LedgerPay {
            voucher: v.into(),
            date: d(date),
            subproject: s.into(),
            amount: Fen::from(fen),
            lines: vec![1],
            reversed_by: reversed_by.map(String::from),
        }
    }

    fn rec(v: &str, date: &str, s: &str, fen: i64, line: u64) -> Payment {
        let voucher = Some(v.to_string()).filter(|v| !v.is_empty());
        Payment { voucher, date: d(date), subproject: s.into(), amount: Fen::from(fen), line }
    }

    fn outcome(m: &[Match]) -> Vec<(Status, Option<MatchedBy>, &str, Option<u64>)> {
        m.iter()
            .map(|m| (m.status, m.matched_by, m.voucher.as_str(), m.record.as_ref().map(|r| r.line)))
            .collect()
    }

    #[test]
    fn every_outcome_is_told_apart() {
        let ledger = [
            pay("P1", "2025-03-01", "S1", 10000, None),
            pay("P2", "2025-03-02", "S1", 20000, None),
            pay("P3", "2025-03-03", "S2", 30000, None),
            pay("P4", "2025-03-04", "S2", 40000, Some("R4")),
        ];
        let records = [
            rec("P1", "2025-03-01", "S1", 10000, 2),
            rec("P2", "2025-03-05", "S1", 25000, 3),
            rec("P4", "2025-03-04", "S2", 40000, 4),
            rec("X9", "2025-03-09", "S2", 90000, 5),
            rec("D1", "2025-03-09", "S2", 90000, 6),
        ];
        let other = |v: &str| (v == "D1").then(|| "D1 is a disburse entry in the ledger".to_string());
        let m = match_payments(&ledger, &records, other);
        let summary: Vec<(Status, &str)> = m.iter().map(|m| (m.status, m.voucher.as_str())).collect();
        assert_eq!(
            summary,
            [
                (Status::Differs, "P2"),
                (Status::LedgerOnly, "P3"),
                (Status::RecordsOnly, "D1"),
                (Status::RecordsOnly, "P4"),
                (Status::RecordsOnly, "X9"),
                (Status::Matched, "P1"),
            ]
        );
        assert!(
            m[0].note.contains("amount: ledger 200.00 vs records 250.00 (difference 50.00)"),
            "{}",
            m[0].note
        );
        assert!(m[0].note.contains("date: ledger 2025-03-02 vs records 2025-03-05"));
        assert!(m[2].note.contains("disburse entry"));
        assert!(m[3].note.contains("reversed by R4"), "{}", m[3].note);
        assert!(m[4].note.contains("no such payment") && m[4].note.contains("line 5"));
    }

    #[test]
    fn a_different_sub_project_is_a_difference() {
        let ledger = [pay("P1", "2025-03-01", "S1", 10000, None)];
        let m = match_payments(&ledger, &[rec("P1", "2025-03-01", "S2", 10000, 2)], |_| None);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].status, Status::Differs);
        assert!(m[0].note.contains("sub-project"));
    }

    #[test]
    fn a_voucher_with_lines_on_two_sub_projects_is_matched_per_sub_project() {
        let ledger = [pay("D1", "2025-03-01", "S1", 10000, None), pay("D1", "2025-03-01", "S2", 5000, None)];
        let records = [rec("D1", "2025-03-01", "S2", 5000, 2), rec("D1", "2025-03-01", "S1", 10000, 3)];
        let m = match_records(Side::Receipts, &ledger, &records, |_| None);
        use MatchedBy::Voucher;
        assert_eq!(
            outcome(&m),
            [
                (Status::Matched, Some(Voucher), "D1", Some(3)),
                (Status::Matched, Some(Voucher), "D1", Some(2))
            ]
        );
        // The voucher's line for S2 missing from the records, one for S3 there instead.
        let records = [rec("D1", "2025-03-01", "S1", 10000, 2), rec("D1", "2025-03-01", "S3", 5000, 3)];
        let m = match_records(Side::Receipts, &ledger, &records, |_| None);
        assert_eq!(m[0].status, Status::Differs);
        assert!(m[0].note.contains("sub-project: ledger S2 vs records S3"), "{}", m[0].note);
    }

    #[test]
    fn records_without_a_voucher_match_by_sub_project_amount_and_a_date_within_the_window() {
        let ledger = [
            pay("D1", "2025-03-01", "S1", 10000, None),
            pay("D2", "2025-04-01", "S1", 10000, None),
            pay("D3", "2025-05-01", "S1", 20000, Some("R3")),
        ];
        let records = [
            rec("", "2025-03-04", "S1", 10000, 2),
            rec("", "2025-04-07", "S1", 10000, 3),
            rec("", "2025-05-02", "S1", 20000, 4),
            rec("", "2025-03-01", "S2", 10000, 5),
        ];
        let m = match_records(Side::Receipts, &ledger, &records, |_| None);
        use MatchedBy::SubprojectAmountDate as Sad;
        assert_eq!(
            outcome(&m),
            [
                (Status::LedgerOnly, None, "D2", None),
                (Status::RecordsOnly, None, "", Some(3)),
                (Status::RecordsOnly, None, "", Some(4)),
                (Status::RecordsOnly, None, "", Some(5)),
                (Status::Matched, Some(Sad), "D1", Some(2)),
            ]
        );
        assert!(m[1].note.contains("D2, is dated 2025-04-01 (6 days apart, more than 5)"), "{}", m[1].note);
        assert!(
            m[2].note.contains("D3 of the same sub-project, amount and date was reversed by R3"),
            "{}",
            m[2].note
        );
        assert!(m[3].note.contains("no disbursement of this sub-project and amount"), "{}", m[3].note);
        assert!(m[4].note.contains("3 day(s) apart"), "{}", m[4].note);
    }

    #[test]
    fn one_record_is_never_matched_twice_and_ties_go_to_the_closest_then_earliest() {
        // Two equal payments, one record: the earliest voucher is taken, the other stays.
        let ledger = [pay("P2", "2025-03-01", "S1", 10000, None), pay("P1", "2025-03-01", "S1", 10000, None)];
        let m = match_payments(&ledger, &[rec("", "2025-03-02", "S1", 10000, 2)], |_| None);
        use MatchedBy::SubprojectAmountDate as Sad;
        assert_eq!(
            outcome(&m),
            [(Status::LedgerOnly, None, "P2", None), (Status::Matched, Some(Sad), "P1", Some(2))]
        );
        assert!(m[1].note.contains("2 ledger payments fit (P1, P2)"), "{}", m[1].note);
        // Two equal records, one payment: the closer record is taken, the other is named.
        let ledger = [pay("P1", "2025-03-05", "S1", 10000, None)];
        let records = [rec("", "2025-03-01", "S1", 10000, 2), rec("", "2025-03-04", "S1", 10000, 3)];
        let m = match_payments(&ledger, &records, |_| None);
        assert_eq!(
            outcome(&m),
            [(Status::RecordsOnly, None, "", Some(2)), (Status::Matched, Some(Sad), "P1", Some(3))]
        );
        assert!(m[0].note.contains("(P1) are paired with other records"), "{}", m[0].note);
        assert!(m[1].note.contains("2 records fit P1 (lines 3, 2)"), "{}", m[1].note);
    }

    #[test]
    fn a_voucher_matched_by_its_number_is_not_matched_again_by_amount_and_date() {
        let ledger = [pay("P1", "2025-03-01", "S1", 10000, None)];
        let records = [rec("", "2025-03-01", "S1", 10000, 2), rec("P1", "2025-03-01", "S1", 10000, 3)];
        let m = match_payments(&ledger, &records, |_| None);
        assert_eq!(
            outcome(&m),
            [
                (Status::RecordsOnly, None, "", Some(2)),
                (Status::Matched, Some(MatchedBy::Voucher), "P1", Some(3))
            ]
        );
        assert!(
            m[0].note.contains("P1 of the same sub-project, amount and date is matched by voucher"),
            "{}",
            m[0].note
        );
    }

    #[test]
    fn a_record_naming_a_voucher_is_not_matched_by_amount_and_date() {
        let ledger = [pay("P1", "2025-03-01", "S1", 10000, None)];
        let m = match_payments(&ledger, &[rec("X1", "2025-03-01", "S1", 10000, 2)], |_| None);
        assert_eq!(
            outcome(&m),
            [(Status::LedgerOnly, None, "P1", None), (Status::RecordsOnly, None, "X1", Some(2))]
        );
    }
}
