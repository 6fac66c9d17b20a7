//! Appropriation adjustments (追加, 调减, 上级收回), one per row, with a signed amount.

use super::*;
use crate::error::{Check, Problem};
use crate::model::{self, AppropriationCode, NewAdjustment};

pub const ADJUSTMENT_COLUMNS: &[Column] = &[
    col("appropriation", &["指标编号"], true),
    money_col("amount", &["金额", "调整金额"], true),
    col("date", &["日期", "调整日期"], true),
    col("doc", &["文号", "依据文号"], true),
    col("reason", &["原因", "调整原因"], true),
];

pub fn parse_adjustment(row: &Row<'_>) -> std::result::Result<NewAdjustment, Vec<Problem>> {
    let mut f = Fields::new(row, ADJUSTMENT_COLUMNS);
    let appropriation = f.code_as("appropriation", AppropriationCode::parse_as);
    let amount_at = ADJUSTMENT_COLUMNS.iter().position(|c| c.name == "amount").unwrap_or_default();
    let unit = row.unit(amount_at);
    let amount = f.parse("amount", Check::R6, |v| model::parse_adjustment_amount(v, unit));
    let date = f.date("date");
    let document = f.name("doc", model::MAX_NAME_CHARS);
    let reason = f.text("reason", true);
    let value = (|| {
        Some(NewAdjustment {
            appropriation: appropriation?,
            amount: amount?,
            date: date?,
            document: document?,
            reason: reason?,
        })
    })();
    f.finish(value)
}
