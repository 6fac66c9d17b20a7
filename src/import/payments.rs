//! An implementing body's own payment records, read for `reconcile`.

use super::*;
use crate::error::Problem;
use crate::model::Payment;
use crate::money::Fen;

/// An implementing body's own payment records (`reconcile --payments`), as exported from
/// their Excel sheet.
pub const PAYMENT_COLUMNS: &[Column] = &[
    col("voucher", &["凭证号", "支付凭证号", "付款凭证号"], true),
    col("date", &["日期", "支付日期", "付款日期"], true),
    col("subproject", &["子项目编号"], true),
    money_col("amount", &["金额", "支付金额", "付款金额"], true),
];

pub fn parse_payment(row: &Row<'_>) -> std::result::Result<Payment, Vec<Problem>> {
    let mut f = Fields::new(row, PAYMENT_COLUMNS);
    let voucher = f.code("voucher");
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
