//! An implementing body's own records, read for `reconcile`: the payments it made and the
//! money it received. The voucher column is optional (a body's sheet often has none), and
//! a voucher may repeat within a file once per sub-project it covers, never twice for the
//! same one.

use super::*;
use crate::error::{Check, Problem};
use crate::model::{self, Payment};
use crate::money::Fen;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// An implementing body's own payment records (`reconcile --payments`), as exported from
/// their Excel sheet.
pub const PAYMENT_COLUMNS: &[Column] = &[
    col("voucher", &["凭证号", "支付凭证号", "付款凭证号"], false),
    col("date", &["日期", "支付日期", "付款日期"], true),
    col("subproject", &["子项目编号"], true),
    money_col("amount", &["金额", "支付金额", "付款金额"], true),
];

/// An implementing body's records of money received from the bureau (`reconcile
/// --receipts`), matched against the ledger's 拨付 (disburse) entries.
pub const RECEIPT_COLUMNS: &[Column] = &[
    col("voucher", &["凭证号", "收款凭证号"], false),
    col("date", &["日期", "收款日期", "到账日期"], true),
    col("subproject", &["子项目编号"], true),
    money_col("amount", &["金额", "收款金额", "到账金额"], true),
];

pub fn parse_payment(row: &Row<'_>) -> std::result::Result<Payment, Vec<Problem>> {
    parse_record(row, PAYMENT_COLUMNS)
}

pub fn parse_receipt(row: &Row<'_>) -> std::result::Result<Payment, Vec<Problem>> {
    parse_record(row, RECEIPT_COLUMNS)
}

fn parse_record(row: &Row<'_>, columns: &'static [Column]) -> std::result::Result<Payment, Vec<Problem>> {
    let mut f = Fields::new(row, columns);
    let voucher = f.optional_code_as("voucher", model::parse_code);
    let date = f.date("date");
    let subproject = f.code("subproject");
    let amount = f.amount("amount", Fen::parse_positive_in);
    let value = (|| {
        Some(Payment {
            voucher: voucher?,
            date: date?,
            subproject: subproject?,
            amount: amount?,
            line: row.line,
        })
    })();
    f.finish(value)
}

/// The (voucher, sub-project) pairs given so far in one records file, each with its line: a
/// voucher may cover several sub-projects, one record each; records without a voucher may
/// repeat (two equal payments on one day are two payments).
#[derive(Default)]
pub struct RecordKeys(HashMap<(String, String), u64>);

impl RecordKeys {
    /// Refuses `record` when its voucher was already given for the same sub-project.
    pub fn check(&mut self, record: &Payment) -> std::result::Result<(), Vec<Problem>> {
        let Some(voucher) = &record.voucher else { return Ok(()) };
        match self.0.entry((voucher.clone(), record.subproject.clone())) {
            Entry::Vacant(e) => {
                e.insert(record.line);
                Ok(())
            }
            Entry::Occupied(e) => Err(vec![Problem::new(
                Check::R4,
                {
                    let (subproject, first) = (&record.subproject, e.get());
                    crate::tr!(
                        "子项目 {subproject} 的凭证 {voucher} 重复出现；本文件第 {first} 行已经给出过",
                        "{voucher} appears again for sub-project {subproject}; it was first given on line {first} of this file"
                    )
                },
            )
            .column("voucher")]),
        }
    }
}
