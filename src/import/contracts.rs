//! Contracts (`import contracts`, policy 四（三）): one row per (contract, covered
//! sub-project) with that sub-project's share of the price. This module checks each cell's
//! shape; that a contract's rows agree and keep the procurement rules is the ledger's work
//! (`ledger::contracts`).

use super::*;
use crate::error::{Check, Problem};
use crate::model::{self, Procurement, SubprojectCode};
use crate::money::Fen;

pub const CONTRACT_COLUMNS: &[Column] = &[
    col("contract", &["合同编号", "合同号"], true),
    col("name", &["合同名称"], true),
    col("contractor", &["中标单位", "承包单位", "施工单位"], true),
    col("procurement", &["发包方式", "招标方式"], true),
    col("signed_on", &["签订日期", "签订时间"], true),
    col("subproject", &["子项目编号"], true),
    col("amount", &["分摊金额", "合同金额", "金额"], true),
];

/// One row of a contract: a covered sub-project and its share, with the contract's own
/// fields repeated on each row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractLine {
    pub contract: String,
    pub name: String,
    pub contractor: String,
    pub procurement: Procurement,
    pub signed_on: chrono::NaiveDate,
    pub subproject: SubprojectCode,
    pub amount: Fen,
}

pub fn parse_contract(row: &Row<'_>) -> std::result::Result<ContractLine, Vec<Problem>> {
    let mut f = Fields::new(row, CONTRACT_COLUMNS);
    let contract = f.parse("contract", Check::Format, |v| {
        model::parse_text_up_to(v, "contract", true, model::MAX_NAME_CHARS)
    });
    let name = f.name("name", 200);
    let contractor = f.name("contractor", 200);
    let procurement = f.parse("procurement", Check::Format, Procurement::parse);
    let signed_on = f.date("signed_on");
    let subproject = f.code_as("subproject", SubprojectCode::parse_as);
    let amount = f.amount("amount", Fen::parse_positive_in);
    let value = (|| {
        Some(ContractLine {
            contract: contract?,
            name: name?,
            contractor: contractor?,
            procurement: procurement?,
            signed_on: signed_on?,
            subproject: subproject?,
            amount: amount?,
        })
    })();
    f.finish(value)
}
