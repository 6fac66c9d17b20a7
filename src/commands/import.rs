//! `import KIND FILE`: load one CSV file in one transaction, all rows or none.
//!
//! Every bad row is reported with file:line, column and rule; if any row is refused, nothing
//! of the file is written. Rows identical to ones already recorded are skipped and counted,
//! so importing the same file twice doubles nothing.

use super::Ctx;
use crate::db::Db;
use crate::error::Result;
use crate::ledger::{import_file, What};
use crate::pipeline::Summary;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// What the file holds.
    #[arg(value_enum)]
    pub what: What,
    /// The CSV file (headers in English or Chinese; UTF-8, UTF-8 with BOM or GB18030).
    pub file: PathBuf,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let mut db = Db::open(&ctx.db_path())?;
    let summary = import_file(&mut db, args.what, &args.file, &ctx.operator)?;
    print_summary(&args.file, &summary);
    Ok(0)
}

pub fn print_summary(file: &Path, s: &Summary) {
    let ignored = if s.ignored_columns.is_empty() {
        String::new()
    } else {
        let columns = s.ignored_columns.join(", ");
        crate::tr!("；已忽略的列：{columns}", "; ignored columns: {columns}")
    };
    let (file, encoding, added, unchanged) =
        (crate::error::shown_path(file), s.encoding, s.added, s.unchanged);
    let pending = match s.pending {
        0 => String::new(),
        n => crate::tr!(
            "，{n} 行已提交审批（金额已预留，由另一人批准后生效；见 `fundledger pending`）",
            ", {n} submitted for approval (money reserved; they take effect when someone else approves them: see `fundledger pending`)"
        ),
    };
    crate::outln!(
        "{}",
        crate::tr!(
            "已导入 {file}（{encoding}）：新增 {added} 行，{unchanged} 行已有记录（未变）{pending}{ignored}",
            "imported {file} ({encoding}): {added} added, {unchanged} already recorded (unchanged){pending}{ignored}"
        )
    );
}
