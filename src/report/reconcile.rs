//! Matching an implementing body's payment records against the ledger's `pay` entries, by
//! voucher: matched, only in the ledger, only in their records, or the same voucher with a
//! different amount, date or sub-project. A `pay` entry that was reversed is no longer a
//! payment; a record naming it says so.

use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::Result;
use crate::model::{LedgerPay, Payment};
use crate::money::Fen;
use crate::report::statement::{self, Filter, Period, Shown};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// How a voucher of the body's records compares with the ledger's payments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Same voucher with a different amount, date or sub-project.
    Differs,
    /// In the ledger, not in the body's records.
    LedgerOnly,
    /// In the body's records, not among the ledger's payments.
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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub status: Status,
    pub voucher: String,
    pub ledger: Option<LedgerPay>,
    pub record: Option<Payment>,
    pub note: String,
}

/// Matches `records` against the ledger's pay entries. `project_pays` are the live and
/// reversed pay entries of the project's sub-projects; `other` finds a voucher anywhere else
/// in the ledger (another project, another kind), for the note of an unmatched record.
/// Returns the mismatches first (differs, ledger only, records only), then the matches,
/// each in voucher order.
pub fn match_payments(
    project_pays: &[LedgerPay],
    records: &[Payment],
    other: impl Fn(&str) -> Option<String>,
) -> Vec<Match> {
    let live: HashMap<&str, &LedgerPay> =
        project_pays.iter().filter(|p| p.reversed_by.is_none()).map(|p| (p.voucher.as_str(), p)).collect();
    let reversed: HashMap<&str, &LedgerPay> =
        project_pays.iter().filter(|p| p.reversed_by.is_some()).map(|p| (p.voucher.as_str(), p)).collect();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut out = Vec::new();
    for r in records {
        let (status, ledger, note) = match live.get(r.voucher.as_str()) {
            Some(l) => {
                seen.insert(l.voucher.as_str());
                let mut diffs = Vec::new();
                if l.amount != r.amount {
                    diffs.push(format!(
                        "amount 金额: ledger {} vs records {} (difference {})",
                        l.amount.yuan_grouped(),
                        r.amount.yuan_grouped(),
                        (r.amount - l.amount).yuan_grouped()
                    ));
                }
                if l.date != r.date {
                    diffs.push(format!("date 日期: ledger {} vs records {}", l.date, r.date));
                }
                if l.subproject != r.subproject {
                    diffs.push(format!(
                        "sub-project 子项目: ledger {} vs records {}",
                        l.subproject, r.subproject
                    ));
                }
                let status = if diffs.is_empty() { Status::Matched } else { Status::Differs };
                (status, Some((*l).clone()), diffs.join("; "))
            }
            None => {
                let note = match reversed.get(r.voucher.as_str()) {
                    Some(l) => format!(
                        "the ledger's payment {} was reversed by {}",
                        l.voucher,
                        l.reversed_by.as_deref().unwrap_or("")
                    ),
                    None => other(&r.voucher).unwrap_or_else(|| "no such payment in the ledger".to_string()),
                };
                (Status::RecordsOnly, None, format!("{note} (records line {})", r.line))
            }
        };
        out.push(Match { status, voucher: r.voucher.clone(), ledger, record: Some(r.clone()), note });
    }
    for l in project_pays.iter().filter(|p| p.reversed_by.is_none() && !seen.contains(p.voucher.as_str())) {
        out.push(Match {
            status: Status::LedgerOnly,
            voucher: l.voucher.clone(),
            ledger: Some(l.clone()),
            record: None,
            note: "not in the implementing body's records".to_string(),
        });
    }
    out.sort_by(|a, b| (a.status, &a.voucher).cmp(&(b.status, &b.voucher)));
    out
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

/// How many payments came out one way, and their amounts on either side.
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
    /// Payments that do not match (differs, ledger only, records only).
    pub mismatches: usize,
    /// The payments file has a header and no rows.
    pub no_records: bool,
}

/// One voucher, as the ledger and the body's records have it.
#[derive(Clone, Debug, Serialize)]
pub struct PaymentRow {
    pub status: Status,
    pub voucher: String,
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

#[derive(Clone, Debug, Serialize)]
pub struct Payments {
    pub rows: Vec<PaymentRow>,
}

/// A project's reconciliation: its funds and, given the body's records, the payments
/// matched voucher by voucher.
#[derive(Clone, Debug, Serialize)]
pub struct ReconcileReport {
    #[serde(serialize_with = "super::ser::fingerprint")]
    pub fingerprint: crate::model::Fingerprint,
    pub project: String,
    pub matrix: Matrix,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payments: Option<Payments>,
    /// Some payment does not match (`reconcile` exits 3 then).
    pub mismatched: bool,
}

/// The reconciliation of `project`, against `records` when given.
pub fn reconcile(
    db: &Db,
    catalog: &Catalog,
    project: &str,
    records: Option<&[Payment]>,
) -> Result<ReconcileReport> {
    let matrix = matrix(db, catalog, project)?;
    let (summary, payments) = match records {
        None => (None, None),
        Some(records) => {
            let matches = classify(db, project, records, &matrix)?;
            (
                Some(summary(&matches, records.is_empty())),
                Some(Payments { rows: matches.iter().map(payment_row).collect() }),
            )
        }
    };
    let mismatched = summary.as_ref().is_some_and(|s| s.mismatches > 0);
    Ok(ReconcileReport {
        fingerprint: db.fingerprint()?,
        project: project.to_string(),
        matrix,
        summary,
        payments,
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

/// Matches the records against the project's payments; a voucher found elsewhere in the
/// ledger and a sub-project the project does not have are named in the note.
fn classify(db: &Db, project: &str, records: &[Payment], matrix: &Matrix) -> Result<Vec<Match>> {
    let pays = db.project_payments(project)?;
    let ours: HashSet<&str> = pays.iter().map(|p| p.voucher.as_str()).collect();
    let mut elsewhere = HashMap::new();
    for r in records.iter().filter(|r| !ours.contains(r.voucher.as_str())) {
        if let Some(e) = db.voucher_lines(&r.voucher)?.into_iter().next() {
            let note = match e.kind {
                crate::model::Kind::Pay => {
                    format!(
                        "{} is a payment of sub-project {}, outside this project",
                        r.voucher, e.subproject
                    )
                }
                kind => {
                    format!("{} is a {kind} ({}) entry in the ledger, not a payment", r.voucher, kind.zh())
                }
            };
            elsewhere.insert(r.voucher.clone(), note);
        }
    }
    let mut matches = match_payments(&pays, records, |voucher| elsewhere.get(voucher).cloned());
    // Name a sub-project code the project does not have: usually a typing slip.
    let subprojects: HashSet<&str> = matrix.rows.iter().filter_map(|r| r.subproject.as_deref()).collect();
    for m in &mut matches {
        if let Some(r) = m.record.as_ref().filter(|r| !subprojects.contains(r.subproject.as_str())) {
            let sep = if m.note.is_empty() { "" } else { "; " };
            m.note = format!("{}{sep}sub-project {} is not in project {project}", m.note, r.subproject);
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

fn payment_row(m: &Match) -> PaymentRow {
    let l = m.ledger.as_ref();
    let r = m.record.as_ref();
    PaymentRow {
        status: m.status,
        voucher: m.voucher.clone(),
        ledger_date: l.map(|l| l.date),
        records_date: r.map(|r| r.date),
        ledger_subproject: l.map(|l| l.subproject.clone()),
        records_subproject: r.map(|r| r.subproject.clone()),
        ledger_amount: l.map(|l| l.amount),
        records_amount: r.map(|r| r.amount),
        note: m.note.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
            reversed_by: reversed_by.map(String::from),
        }
    }

    fn rec(v: &str, date: &str, s: &str, fen: i64, line: u64) -> Payment {
        Payment { voucher: v.into(), date: d(date), subproject: s.into(), amount: Fen::from(fen), line }
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
            m[0].note.contains("amount 金额: ledger 200.00 vs records 250.00 (difference 50.00)"),
            "{}",
            m[0].note
        );
        assert!(m[0].note.contains("date 日期: ledger 2025-03-02 vs records 2025-03-05"));
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
}
