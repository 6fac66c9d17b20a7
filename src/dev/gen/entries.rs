//! The entries file: every line's entries merged into date order by a heap, each planned,
//! posted to its line and appropriation, and written with its voucher numbered per year.
//! Memory grows with the number of lines, never with the number of entries.

use super::calendar::date;
use super::city::CHINESE_NUMBERS;
use super::funding::{level_label, Appropriation};
use super::lines::Line;
use super::plan::{next_day, plan, post, Memo, Planned};
use super::register::Subproject;
use super::rng::SplitMix64;
use super::write::{create_csv, finish_csv, write_failed, ENTRY_HEADER};
use super::Summary;
use crate::error::Result;
use crate::model::{Kind, Level};
use crate::money::Fen;
use chrono::Datelike;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Reusable text of the row being written, so the loop allocates nothing per entry.
#[derive(Default)]
pub(super) struct RowText {
    pub(super) day: i32,
    pub(super) year: i32,
    pub(super) date: String,
    pub(super) voucher: String,
    pub(super) amount: String,
    pub(super) reverses: String,
    pub(super) memo: String,
}

/// Streams every line's entries into `path` in date order (a heap of the lines' next entries),
/// applying each to its line and appropriation as the ledger will.
pub(super) fn write_entries(
    path: &Path,
    rng: &mut SplitMix64,
    subs: &[Subproject],
    apprs: &mut [Appropriation],
    mut lines: Vec<Line>,
    created: &mut Vec<PathBuf>,
) -> Result<Summary> {
    let mut heap: BinaryHeap<Reverse<(i32, u64, usize)>> = BinaryHeap::with_capacity(lines.len());
    let mut summary = Summary::default();
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.remaining > 0) {
        let first = next_day(rng, line, line.start);
        heap.push(Reverse((first, rng.next_u64(), i)));
        summary.lines += 1;
    }
    let mut w = create_csv(path, &ENTRY_HEADER, created)?;
    let mut text = RowText { day: -1, ..RowText::default() };
    let mut voucher_number = 0u32;
    while let Some(Reverse((today, _, i))) = heap.pop() {
        if today != text.day {
            let d = date(today);
            if d.year() != text.year {
                voucher_number = 0;
            }
            (text.day, text.year) = (today, d.year());
            text.date.clear();
            write!(text.date, "{d}").expect("writing to a String cannot fail");
            summary.first_date.get_or_insert(d);
            summary.last_date = Some(d);
        }
        voucher_number += 1;
        let line = &mut lines[i];
        let (p, a) = (line.next, line.appropriation);
        post(line, &mut apprs[a], &p, text.year, voucher_number);
        text.fill(&p, apprs[a].level, voucher_number);
        w.write_record([
            text.voucher.as_str(),
            &text.date,
            p.kind.code(),
            &apprs[a].code,
            &subs[line.subproject].code,
            &text.amount,
            &text.reverses,
            &text.memo,
        ])
        .map_err(|e| write_failed(path, e))?;
        summary.entries += 1;
        summary.kinds[kind_index(p.kind)] += 1;
        line.remaining -= 1;
        if line.remaining > 0 {
            line.next = plan(rng, line);
            let next = next_day(rng, line, today);
            heap.push(Reverse((next, rng.next_u64(), i)));
        }
    }
    finish_csv(path, w)?;
    Ok(summary)
}

impl RowText {
    pub(super) fn fill(&mut self, p: &Planned, level: Level, number: u32) {
        let failed = "writing to a String cannot fail";
        self.voucher.clear();
        write!(self.voucher, "记-{}-{number:06}", self.year).expect(failed);
        self.amount.clear();
        write!(self.amount, "{}", Fen::from(p.amount)).expect(failed);
        self.reverses.clear();
        if let Some(o) = p.reverses {
            write!(self.reverses, "记-{}-{:06}", o.year, o.number).expect(failed);
        }
        self.memo.clear();
        match p.memo {
            Memo::Text(t) => self.memo.push_str(t),
            Memo::FirstAllocation => write!(self.memo, "分配{}补助指标", level_label(level)).expect(failed),
            Memo::Tranche(n @ 1..=10) => {
                write!(self.memo, "按进度拨付第{}期", CHINESE_NUMBERS[usize::from(n) - 1]).expect(failed)
            }
            Memo::Tranche(_) => self.memo.push_str("按进度拨付"),
        }
    }
}

pub(super) fn kind_index(kind: Kind) -> usize {
    Kind::ALL.iter().position(|k| *k == kind).expect("every kind is in Kind::ALL")
}
