//! The ledger's movements and acceptances.

use super::*;
use crate::error::{Check, Problem};
use crate::model::{
    self, AppropriationCode, Kind, NewAcceptance, NewEntry, ProjectCode, Stage, SubprojectCode, Verdict,
    Voucher,
};
use crate::money::Fen;

pub const ENTRY_COLUMNS: &[Column] = &[
    col("voucher", &["凭证号"], true),
    col("date", &["日期"], true),
    col("kind", &["类型"], true),
    col("appropriation", &["指标编号"], false),
    col("subproject", &["子项目编号"], false),
    money_col("amount", &["金额"], false),
    col("reverses", &["被冲销凭证号"], false),
    col("memo", &["摘要"], false),
    col("channel", &["资金类别"], false),
];

pub fn parse_entry(row: &Row<'_>) -> std::result::Result<NewEntry, Vec<Problem>> {
    let mut f = Fields::new(row, ENTRY_COLUMNS);
    let voucher = f.code_as("voucher", Voucher::parse_as);
    let date = f.date("date");
    let kind = f.parse("kind", Check::Format, Kind::parse);
    let appropriation = f.optional_code_as("appropriation", AppropriationCode::parse_as);
    let subproject = f.optional_code_as("subproject", SubprojectCode::parse_as);
    let amount = f.optional_amount("amount", Fen::parse_positive_in);
    let reverses = f.optional_code_as("reverses", Voucher::parse_as);
    let memo = f.text("memo", false);
    let channel_ref = f.optional("channel", Check::Format, |v| model::parse_text(v, "channel", true));
    let value = (|| {
        Some(NewEntry {
            voucher: voucher?,
            date: date?,
            kind: kind?,
            appropriation: appropriation?,
            subproject: subproject?,
            amount: amount?,
            reverses: reverses?,
            memo: memo?,
            channel_ref: channel_ref?,
        })
    })();
    f.finish(value)
}

/// Acceptance records (`import acceptances`): one row per acceptance, in the order they
/// happened (an overall acceptance after its sub-projects' item acceptances).
pub const ACCEPTANCE_COLUMNS: &[Column] = &[
    col("stage", &["验收环节", "验收类型"], true),
    col("project", &["项目编号"], false),
    col("subproject", &["子项目编号"], false),
    col("department", &["验收部门"], false),
    col("result", &["验收结果", "结果"], true),
    col("date", &["验收日期", "日期"], true),
    col("document", &["验收文件", "文号"], true),
    col("batch", &["批次"], false),
    col("award", &["优质工程"], false),
    col("memo", &["备注", "摘要"], false),
];

pub fn parse_acceptance(row: &Row<'_>) -> std::result::Result<NewAcceptance, Vec<Problem>> {
    let mut f = Fields::new(row, ACCEPTANCE_COLUMNS);
    let stage = f.parse("stage", Check::Format, Stage::parse);
    let project = f.optional_code_as("project", ProjectCode::parse_as);
    let subproject = f.optional_code_as("subproject", SubprojectCode::parse_as);
    let department = f.optional("department", Check::Format, |v| model::parse_text(v, "department", true));
    let verdict = f.parse("result", Check::Format, Verdict::parse);
    let date = f.date("date");
    let document = f.text("document", true);
    let batch = f.optional("batch", Check::Format, |v| model::parse_code(v, "batch"));
    let award = f.optional("award", Check::Format, model::parse_flag);
    let memo = f.text("memo", false);
    let value = (|| {
        Some(NewAcceptance {
            stage: stage?,
            project: project?,
            subproject: subproject?,
            department: department?,
            verdict: verdict?,
            date: date?,
            document: document?,
            batch: batch?.unwrap_or_default(),
            award: award?.unwrap_or(false),
            memo: memo?,
        })
    })();
    f.finish(value)
}
