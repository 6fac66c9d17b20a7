//! `verify`: re-derive every balance from the stored entries, replaying them in recording
//! order with the same rule checks as a write, and compare with the maintained balances.
//! Exits 1 and names each finding when anything disagrees.

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
    if report.problems.is_empty() {
        println!(
            "verified {} entries over {} lines: every balance re-derived from the entries matches, and R1–R3, R7 hold over the stored rows",
            report.entries, report.lines
        );
        Ok(0)
    } else {
        Err(Error::Rejected(report.problems))
    }
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
            if let Err(p) = rules::mode_admits(s.mode, t, &s.project_code) {
                problems.push(p);
            }
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
        let a = &appropriations[&e.appropriation_id];
        let s = &subprojects[&e.subproject_id];
        let line = lines.entry((a.id, s.id)).or_default();
        let d = drawn.entry(a.id).or_default();
        let found = [
            rules::same_county(a, s),
            rules::designated_use(&catalog, a, s),
            rules::not_excluded(s),
            rules::no_overdraw(kind, sign, e.amount, line, a.amount - *d, &a.code, &s.code),
        ];
        for p in found.into_iter().filter_map(|r| r.err()) {
            problems.push(Problem { message: format!("entry {}: {}", e.voucher, p.message), ..p });
        }
        let before = line.drawn();
        line.apply(kind, e.amount, sign);
        *d += line.drawn() - before;
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
                Check::R3,
                format!(
                    "maintained balance of line {a} / {s} is {stored:?} but the entries give {derived:?}"
                ),
            ));
        }
    }
    Ok(VerifyReport { entries, lines: keys.len(), problems })
}
