//! `verify`: re-derive every balance from the stored entries, replaying them in recording
//! order with the same movement checks as a write (`rules::movement`), and compare with the
//! maintained balances. Each disagreement is a finding; findings exit with code 3.

use super::Ctx;
use crate::db::{Db, StoredAppropriation, StoredSubproject};
use crate::error::{Check, Error, Problem, Result};
use crate::model::{Kind, LineBalance};
use crate::money::Fen;
use crate::rules;
use std::collections::HashMap;

pub fn run(ctx: &Ctx) -> Result<u8> {
    let db = Db::open(&ctx.db_path())?;
    let report = verify(&db)?;
    if !report.problems.is_empty() {
        return Err(Error::Findings(report.problems));
    }
    crate::outln!(
        "verified {} entries over {} lines: every balance re-derived from the entries matches, and the rules hold over the stored rows",
        report.entries, report.lines
    );
    Ok(0)
}

pub struct VerifyReport {
    pub entries: u64,
    pub lines: usize,
    pub problems: Vec<Problem>,
}

pub fn verify(db: &Db) -> Result<VerifyReport> {
    let catalog = db.catalog()?;
    let appropriations: HashMap<i64, StoredAppropriation> =
        db.appropriations()?.into_iter().map(|a| (a.id, a)).collect();
    let subprojects: HashMap<i64, StoredSubproject> =
        db.subprojects()?.into_iter().map(|s| (s.id, s)).collect();
    let mut problems = Vec::new();
    for s in subprojects.values() {
        if let Some(t) = catalog.subproject_type(&s.type_code) {
            problems.extend(rules::mode_admits(s.mode, t, &s.project_code).err());
        }
    }
    let mut lines: HashMap<(i64, i64), LineBalance> = HashMap::new();
    let mut drawn: HashMap<i64, Fen> = HashMap::new();
    let mut entries = 0u64;
    db.for_each_entry(|e| {
        entries += 1;
        let (kind, sign) = match &e.reverses {
            Some((_, original_kind, _)) => (*original_kind, -1),
            None => (e.kind, 1),
        };
        assert!(kind != Kind::Reverse, "the schema refuses reversing a reversal");
        let (a, s) = (&appropriations[&e.appropriation_id], &subprojects[&e.subproject_id]);
        let line = lines.entry((a.id, s.id)).or_default();
        let d = drawn.entry(a.id).or_default();
        let found = rules::movement(&catalog, a, s, e.date, kind, sign, e.amount, line, a.amount - *d);
        problems.extend(
            found
                .into_iter()
                .map(|p| Problem { message: format!("entry {}: {}", e.voucher, p.message), ..p }),
        );
        match line.checked_apply(kind, e.amount, sign) {
            Some(next) => {
                *d += next.drawn() - line.drawn();
                *line = next;
            }
            None => problems
                .push(Problem::new(Check::R6, format!("entry {}: running totals overflow", e.voucher))),
        }
    })?;
    let maintained: HashMap<(i64, i64), LineBalance> = db.maintained_balances()?.into_iter().collect();
    let mut keys: Vec<_> = lines.keys().chain(maintained.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    for key in &keys {
        let derived = lines.get(key).copied().unwrap_or_default();
        let stored = maintained.get(key).copied().unwrap_or_default();
        if derived != stored {
            let a = appropriations.get(&key.0).map_or("?", |a| a.code.as_str());
            let s = subprojects.get(&key.1).map_or("?", |s| s.code.as_str());
            problems.push(Problem::new(
                Check::R4,
                format!(
                    "the maintained balance of line {a} / {s} differs from its entries: {}",
                    differences(&stored, &derived)
                ),
            ));
        }
    }
    Ok(VerifyReport { entries, lines: keys.len(), problems })
}

/// `paid: stored 120000.00, entries give 30.00; …` for each column that differs.
fn differences(stored: &LineBalance, derived: &LineBalance) -> String {
    let columns = [
        ("allocated", stored.allocated, derived.allocated),
        ("withdrawn", stored.withdrawn, derived.withdrawn),
        ("disbursed", stored.disbursed, derived.disbursed),
        ("returned", stored.returned, derived.returned),
        ("paid", stored.paid, derived.paid),
    ];
    columns
        .iter()
        .filter(|(_, s, d)| s != d)
        .map(|(name, s, d)| format!("{name}: stored {s}, entries give {d}"))
        .collect::<Vec<_>>()
        .join("; ")
}
