//! The ledger's movements and acceptances.

use super::*;
use crate::error::{Check, Problem};
use crate::model::{
    self, AcceptanceRecord, AppropriationCode, Kind, NewAcceptance, NewAward, NewEntry, ProjectCode, Stage,
    SubprojectCode, Verdict, Voucher,
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
    col("line", &["分录号", "行号"], false),
    col("reverses_line", &["被冲销分录号"], false),
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
    let line = f.optional("line", Check::Format, model::parse_voucher_line);
    let reverses_line = f.optional("reverses_line", Check::Format, model::parse_voucher_line);
    let value = (|| {
        Some(NewEntry {
            voucher: voucher?,
            line: line?.unwrap_or(1),
            reverses_line: reverses_line?,
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
/// happened (an overall acceptance after its sub-projects' item acceptances). An item
/// acceptance names the county bureau that organised it. A row of stage `award` (优质工程)
/// records the quality award: project, year, document, and the date when known.
pub const ACCEPTANCE_COLUMNS: &[Column] = &[
    col("stage", &["验收环节", "验收类型"], true),
    col("project", &["项目编号"], false),
    col("subproject", &["子项目编号"], false),
    col("department", &["验收部门"], false),
    col("bureau", &["组织单位", "县级主管部门"], false),
    col("result", &["验收结果", "结果"], true),
    col("date", &["验收日期", "日期"], true),
    col("document", &["验收文件", "文号"], true),
    col("batch", &["批次"], false),
    col("award", &["优质工程"], false),
    col("year", &["年度", "评选年度"], false),
    col("memo", &["备注", "摘要"], false),
];

/// The stage cell of a quality-award row.
fn is_award(stage: &str) -> bool {
    stage.eq_ignore_ascii_case("award") || stage == "优质工程"
}

pub fn parse_acceptance(row: &Row<'_>) -> std::result::Result<AcceptanceRecord, Vec<Problem>> {
    let mut f = Fields::new(row, ACCEPTANCE_COLUMNS);
    if f.parse("stage", Check::Format, |v| Ok(is_award(v.trim()))) == Some(true) {
        return parse_award(f).map(AcceptanceRecord::Award);
    }
    let stage = f.parse("stage", Check::Format, Stage::parse);
    let project = f.optional_code_as("project", ProjectCode::parse_as);
    let subproject = f.optional_code_as("subproject", SubprojectCode::parse_as);
    let department = f.optional("department", Check::Format, |v| model::parse_text(v, "department", true));
    let bureau = f.optional("bureau", Check::Format, |v| {
        model::parse_text_up_to(v, "bureau", true, model::MAX_NAME_CHARS)
    });
    let verdict = f.parse("result", Check::Format, Verdict::parse);
    let date = f.date("date");
    let document = f.text("document", true);
    let batch = f.optional("batch", Check::Format, |v| model::parse_code(v, "batch"));
    let award = f.optional("award", Check::Format, model::parse_flag);
    let year = f.optional("year", Check::Format, |_| {
        Err::<(), _>(
            crate::lang::pick("年度只用于优质工程行", "a year is for a quality award (优质工程) row").into(),
        )
    });
    let memo = f.text("memo", false);
    let value = (|| {
        year?;
        Some(NewAcceptance {
            stage: stage?,
            project: project?,
            subproject: subproject?,
            department: department?,
            bureau: bureau?,
            verdict: verdict?,
            date: date?,
            document: document?,
            batch: batch?.unwrap_or_default(),
            award: award?.unwrap_or(false),
            memo: memo?,
        })
    })();
    f.finish(value).map(AcceptanceRecord::Stage)
}

/// A quality-award row: the project, year and document; the date when known. The result, if
/// given, says it passed; the columns of the acceptance stages stay empty.
fn parse_award(mut f: Fields<'_, '_>) -> std::result::Result<NewAward, Vec<Problem>> {
    let project = f.code_as("project", ProjectCode::parse_as);
    let year = f.parse("year", Check::Format, NewAward::parse_year);
    let document = f.text("document", true);
    let date = f.optional("date", Check::Format, model::parse_date);
    let memo = f.text("memo", false);
    let award_only = |column: &'static str| {
        move |_: &str| {
            Err::<(), String>(crate::tr!(
                "优质工程行的 {column} 应留空",
                "a quality award (优质工程) row leaves {column} empty"
            ))
        }
    };
    for column in ["subproject", "department", "bureau", "batch"] {
        f.optional(column, Check::Format, award_only(column));
    }
    f.optional("result", Check::Format, |v| match Verdict::parse(v)? {
        Verdict::Passed => Ok(()),
        Verdict::Failed => Err(crate::lang::pick(
            "优质工程只在获评时记录：验收结果留空或填“通过”",
            "an award is only recorded when won: leave the result empty or 通过",
        )
        .into()),
    });
    f.optional("award", Check::Format, |v| match model::parse_flag(v)? {
        true => Ok(()),
        false => Err(crate::lang::pick(
            "优质工程行就是获评记录：优质工程一列留空或填“是”",
            "a quality award (优质工程) row is an award: leave 优质工程 empty or 是",
        )
        .into()),
    });
    let value = (|| {
        Some(NewAward { project: project?, year: year?, document: document?, date: date?, memo: memo? })
    })();
    f.finish(value)
}
