//! The register's files: projects, sub-projects and appropriation lines.

use super::*;
use crate::error::{Check, Problem};
use crate::model::{
    self, AppropriationCode, Level, Mode, NewAppropriation, NewProject, NewSubproject, ProjectCode, Scope,
    Status, SubprojectCode,
};
use crate::money::Fen;

pub const PROJECT_COLUMNS: &[Column] = &[
    col("project", &["项目编号"], true),
    col("name", &["项目名称"], true),
    col("county", &["县市区", "县（市、区）"], true),
    col("scope", &["项目区范围"], true),
    col("towns", &["镇街道", "镇（街道）"], false),
    col("villages", &["行政村"], false),
    col("implementing_body", &["实施主体"], true),
    col("mode", &["集成模式"], true),
    col("approved_on", &["立项日期"], true),
    col("flagship", &["精品示范工程"], false),
];

pub const SUBPROJECT_COLUMNS: &[Column] = &[
    col("subproject", &["子项目编号"], true),
    col("project", &["项目编号"], true),
    col("type", &["子项目类型"], true),
    col("status", &["确认状态"], true),
    col("quantity", &["建设规模"], false),
    col("unit", &["单位"], false),
    money_col("investment", &["计划投资"], true),
    col("letter", &["确认书"], false),
    money_col("standalone_amount", &["单独补助"], false),
    col("standalone_doc", &["单独补助依据"], false),
];

pub const APPROPRIATION_COLUMNS: &[Column] = &[
    col("appropriation", &["指标编号"], true),
    col("doc_no", &["指标文号"], true),
    col("channel", &["资金类别", "补助资金类别"], true),
    col("level", &["预算级次"], true),
    col("county", &["县市区", "县（市、区）"], true),
    col("issued_on", &["下达日期"], true),
    money_col("amount", &["金额"], true),
];

pub fn parse_project(row: &Row<'_>) -> std::result::Result<NewProject, Vec<Problem>> {
    let mut f = Fields::new(row, PROJECT_COLUMNS);
    let code = f.code_as("project", ProjectCode::parse_as);
    let name = f.text("name", true);
    let county = f.text("county", true);
    let scope = f.parse("scope", Check::Format, Scope::parse);
    let towns = f.parse("towns", Check::Format, parse_list);
    let villages = f.parse("villages", Check::Format, parse_list);
    let body = f.text("implementing_body", true);
    let mode = f.parse("mode", Check::Format, Mode::parse);
    let approved_on = f.date("approved_on");
    let flagship = f.parse("flagship", Check::Format, model::parse_flag);
    let value = (|| {
        Some(NewProject {
            code: code?,
            name: name?,
            county: county?,
            scope: scope?,
            towns: towns?,
            villages: villages?,
            implementing_body: body?,
            mode: mode?,
            approved_on: approved_on?,
            flagship: flagship?,
        })
    })();
    f.finish(value)
}

pub fn parse_subproject(row: &Row<'_>) -> std::result::Result<NewSubproject, Vec<Problem>> {
    let mut f = Fields::new(row, SUBPROJECT_COLUMNS);
    let code = f.code_as("subproject", SubprojectCode::parse_as);
    let project = f.code_as("project", ProjectCode::parse_as);
    let type_ref = f.text("type", true);
    let status = f.parse("status", Check::Format, Status::parse);
    let quantity = f.parse("quantity", Check::Format, parse_quantity);
    let unit = f.text("unit", false);
    let investment = f.amount("investment", Fen::parse_non_negative_in);
    let letter = f.text("letter", false);
    let standalone = f.optional_amount("standalone_amount", Fen::parse_non_negative_in);
    let standalone_doc = f.text("standalone_doc", false);
    if let (Some(Some(_)), Some(doc)) = (&standalone, &standalone_doc) {
        if doc.is_empty() {
            f.problems.push(
                Problem::new(
                    Check::Format,
                    crate::lang::pick(
                        "核定的单独补助需要填写核定文件",
                        "an approved standalone subsidy needs the document that approved it",
                    ),
                )
                .column("standalone_doc"),
            );
        }
    }
    let value = (|| {
        Some(NewSubproject {
            code: code?,
            project: project?,
            type_ref: type_ref?,
            status: status?,
            quantity: quantity?,
            unit: unit?,
            investment: investment?,
            letter: letter?,
            standalone: standalone?,
            standalone_doc: standalone_doc?,
        })
    })();
    f.finish(value)
}

pub fn parse_appropriation(row: &Row<'_>) -> std::result::Result<NewAppropriation, Vec<Problem>> {
    let mut f = Fields::new(row, APPROPRIATION_COLUMNS);
    let code = f.code_as("appropriation", AppropriationCode::parse_as);
    let doc_no = f.name("doc_no", model::MAX_NAME_CHARS);
    let channel_ref = f.text("channel", true);
    let level = f.parse("level", Check::Format, Level::parse);
    let county = f.text("county", true);
    let issued_on = f.date("issued_on");
    let amount = f.amount("amount", Fen::parse_positive_in);
    let value = (|| {
        Some(NewAppropriation {
            code: code?,
            doc_no: doc_no?,
            channel_ref: channel_ref?,
            level: level?,
            county: county?,
            issued_on: issued_on?,
            amount: amount?,
        })
    })();
    f.finish(value)
}
