//! Matching an implementing body's payment records against the ledger's `pay` entries, by
//! voucher: matched, only in the ledger, only in their records, or the same voucher with a
//! different amount, date or sub-project. A `pay` entry that was reversed is no longer a
//! payment; a record naming it says so.

use crate::model::{LedgerPay, Payment};
use std::collections::{HashMap, HashSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
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
