//! The catalogue's files (departments, counties, types, channels, designations) and subsidy
//! rules.

use super::*;
use crate::error::{echo, Check, Problem};
use crate::model;
use crate::money::Fen;
use rust_decimal::Decimal;

pub const DEPARTMENT_COLUMNS: &[Column] = &[
    col("department", &["部门编号"], true),
    col("name", &["部门名称", "责任部门"], true),
    col("name_en", &["英文名称"], false),
];

pub const COUNTY_COLUMNS: &[Column] = &[
    col("county", &["县市区编号"], true),
    col("name", &["县市区", "名称"], true),
    col("name_en", &["英文名称"], false),
];

pub const TYPE_COLUMNS: &[Column] = &[
    col("type", &["类型编号"], true),
    col("name", &["子项目类型", "工程子项目"], true),
    col("name_en", &["英文名称"], false),
    col("department", &["责任部门"], true),
    col("agri", &["以“农”为核心", "农"], true),
    col("land", &["以“地”为核心", "地"], true),
    col("people", &["以“人”为核心", "人"], true),
    col("co_lead", &["联合牵头"], false),
    col("annex3", &["附件3"], false),
    col("note", &["备注"], false),
];

pub const CHANNEL_COLUMNS: &[Column] = &[
    col("channel", &["资金类别编号"], true),
    col("name", &["补助资金类别", "资金类别"], true),
    col("name_en", &["英文名称"], false),
    col("policy_owner", &["政策主管部门"], true),
    col("basis", &["支持政策"], false),
];

pub const DESIGNATION_COLUMNS: &[Column] = &[
    col("channel", &["补助资金类别", "资金类别"], true),
    col("type", &["子项目类型", "工程子项目"], true),
    col("note", &["备注"], false),
    col("basis", &["支持政策"], false),
];

pub fn parse_department(row: &Row<'_>) -> std::result::Result<crate::catalog::Department, Vec<Problem>> {
    let mut f = Fields::new(row, DEPARTMENT_COLUMNS);
    let code = f.code("department");
    let name = f.name("name", model::MAX_NAME_CHARS);
    let name_en = f.text("name_en", false);
    let value = (|| Some(crate::catalog::Department { code: code?, name: name?, name_en: name_en? }))();
    f.finish(value)
}

pub fn parse_county(row: &Row<'_>) -> std::result::Result<crate::catalog::County, Vec<Problem>> {
    let mut f = Fields::new(row, COUNTY_COLUMNS);
    let code = f.code("county");
    let name = f.name("name", model::MAX_COUNTY_NAME_CHARS);
    let name_en = f.text("name_en", false);
    let value = (|| Some(crate::catalog::County { code: code?, name: name?, name_en: name_en? }))();
    f.finish(value)
}

/// A type row; `department` and `co_lead` hold references the writer resolves.
pub fn parse_type(row: &Row<'_>) -> std::result::Result<crate::catalog::SubprojectType, Vec<Problem>> {
    let mut f = Fields::new(row, TYPE_COLUMNS);
    let code = f.code("type");
    let name = f.name("name", model::MAX_NAME_CHARS);
    let name_en = f.text("name_en", false);
    let department = f.text("department", true);
    let agri = f.parse("agri", Check::Format, model::parse_flag);
    let land = f.parse("land", Check::Format, model::parse_flag);
    let people = f.parse("people", Check::Format, model::parse_flag);
    let co_lead = f.optional("co_lead", Check::Format, |v| model::parse_text(v, "co_lead", true));
    let annex3 = f.parse("annex3", Check::Format, |v| match v {
        "" => Ok("user".to_string()),
        "listed" | "none" | "absent" | "user" => Ok(v.to_string()),
        _ => {
            let v = echo(v);
            Err(crate::tr!(
                "'{v}' 不是 listed、none、absent、user 之一",
                "'{v}' is not one of listed, none, absent, user"
            ))
        }
    });
    let note = f.text("note", false);
    if let (Some(a), Some(l), Some(p)) = (agri, land, people) {
        if (a && !l) || (l && !p) {
            f.problems.push(Problem::new(
                Check::R7,
                crate::lang::pick(
                    "集成模式逐级包含（农 ⊂ 地 ⊂ 人）：勾选了“农”的类型必须也勾选“地”，勾选了“地”的必须也勾选“人”",
                    "the modes are nested (农 ⊂ 地 ⊂ 人): a type ticked for 农 must be ticked for 地, and 地 for 人",
                ),
            ));
        }
    }
    let value = (|| {
        Some(crate::catalog::SubprojectType {
            code: code?,
            name: name?,
            name_en: name_en?,
            department: department?,
            agri: agri?,
            land: land?,
            people: people?,
            co_lead: co_lead?,
            annex3: annex3?,
            note: note?,
        })
    })();
    f.finish(value)
}

pub fn parse_channel(row: &Row<'_>) -> std::result::Result<crate::catalog::Channel, Vec<Problem>> {
    let mut f = Fields::new(row, CHANNEL_COLUMNS);
    let code = f.code("channel");
    let name = f.name("name", model::MAX_NAME_CHARS);
    let name_en = f.text("name_en", false);
    let policy_owner = f.text("policy_owner", true);
    let basis = f.parse("basis", Check::Format, parse_long_text);
    let value = (|| {
        Some(crate::catalog::Channel {
            code: code?,
            name: name?,
            name_en: name_en?,
            policy_owner: policy_owner?,
            basis: basis?,
        })
    })();
    f.finish(value)
}

pub fn parse_designation(row: &Row<'_>) -> std::result::Result<crate::catalog::Designation, Vec<Problem>> {
    let mut f = Fields::new(row, DESIGNATION_COLUMNS);
    let channel = f.text("channel", true);
    let type_code = f.text("type", true);
    let note = f.text("note", false);
    let basis = f.parse("basis", Check::Format, parse_long_text);
    let value = (|| {
        Some(crate::catalog::Designation {
            channel: channel?,
            type_code: type_code?,
            note: note?,
            basis: basis?,
        })
    })();
    f.finish(value)
}

pub const RULE_COLUMNS: &[Column] = &[
    col("channel", &["资金类别", "补助资金类别"], true),
    col("type", &["子项目类型"], false),
    col("shape", &["规则形式"], true),
    money_col("rate", &["单价"], false),
    col("unit", &["单位"], false),
    col("percent", &["比例"], false),
    money_col("cap", &["封顶"], false),
    money_col("amount", &["定额", "金额"], false),
    col("tiers", &["分档"], false),
    col("valid_from", &["生效日期"], true),
    col("valid_to", &["失效日期"], true),
    col("source_doc", &["依据文件", "依据"], true),
    col("sample", &["示例"], true),
];

/// A rule's shape columns as parsed: `None` when the cell was bad, `Some(None)` when empty.
struct ShapeCells {
    rate: Option<Option<Fen>>,
    percent: Option<Option<Decimal>>,
    amount: Option<Option<Fen>>,
    tiers: Option<Option<Vec<(Decimal, Fen)>>>,
    cap: Option<Option<Fen>>,
    unit: Option<String>,
}

/// The rule's shape from its code and cells: each shape takes exactly its own column
/// (`rate`, `percent`, `amount` or `tiers`) and a cap only where one applies.
fn rule_shape(code: &str, cells: ShapeCells, problems: &mut Vec<Problem>) -> Option<crate::subsidy::Shape> {
    use crate::subsidy::Shape;
    let ShapeCells {
        rate: Some(rate),
        percent: Some(percent),
        amount: Some(amount),
        tiers: Some(tiers),
        cap,
        unit,
    } = cells
    else {
        return None;
    };
    let mut problem = |column: &str, message: String| {
        problems.push(Problem::new(Check::Format, message).column(column.to_string()));
    };
    let given = [
        ("rate", rate.is_some()),
        ("percent", percent.is_some()),
        ("amount", amount.is_some()),
        ("tiers", tiers.is_some()),
    ];
    let needs = match code {
        "per_unit" => "rate",
        "share_of_investment" => "percent",
        "fixed" => "amount",
        _ => "tiers",
    };
    for (column, present) in given {
        if present != (column == needs) {
            let message = if present {
                crate::tr!("{code} 规则不填 {column}", "a {code} rule takes no {column}")
            } else {
                crate::tr!("{code} 规则需要填写 {column}", "a {code} rule needs the {column}")
            };
            problem(column, message);
        }
    }
    if (code == "fixed" || code == "tiered") && cap.is_some_and(|c| c.is_some()) {
        problem("cap", crate::tr!("{code} 规则不填 cap（上限）", "a {code} rule takes no cap"));
    }
    let cap = cap.flatten();
    let unit = unit.unwrap_or_default();
    match code {
        "per_unit" => rate.map(|rate| Shape::PerUnit { rate, unit, cap }),
        "share_of_investment" => percent.map(|percent| Shape::ShareOfInvestment { percent, cap }),
        "fixed" => amount.map(|amount| Shape::Fixed { amount }),
        _ => tiers.map(|tiers| Shape::Tiered { unit, tiers }),
    }
}

/// A subsidy rule row. `channel` and `type_code` hold the references as written; the writer
/// resolves them.
pub fn parse_rule(row: &Row<'_>) -> std::result::Result<crate::subsidy::Rule, Vec<Problem>> {
    use crate::subsidy::{parse_tiers, Rule};
    let mut f = Fields::new(row, RULE_COLUMNS);
    let channel = f.text("channel", true);
    let type_ref = f.optional("type", Check::Format, |v| model::parse_text(v, "type", true));
    let shape_code = f.parse("shape", Check::Format, |v| match v {
        "per_unit" | "按单价" => Ok("per_unit"),
        "share_of_investment" | "按投资比例" => Ok("share_of_investment"),
        "fixed" | "定额" => Ok("fixed"),
        "tiered" | "分档" => Ok("tiered"),
        _ => {
            let v = echo(v);
            Err(crate::tr!(
                "'{v}' 不是规则形式（per_unit 按单价、share_of_investment 按投资比例、fixed 定额、tiered 分档）",
                "'{v}' is not a rule shape (per_unit, share_of_investment, fixed, tiered)"
            ))
        }
    });
    let rate = f.optional_amount("rate", Fen::parse_positive_in);
    let unit = f.text("unit", false);
    let percent = f.optional("percent", Check::Format, parse_percent);
    let cap = f.optional_amount("cap", Fen::parse_positive_in);
    let amount = f.optional_amount("amount", Fen::parse_positive_in);
    let tiers = f.optional("tiers", Check::Format, parse_tiers);
    let valid_from = f.date("valid_from");
    let valid_to = f.date("valid_to");
    let source_doc = f.text("source_doc", true);
    let sample = f.parse("sample", Check::Format, model::parse_flag);
    let cells = ShapeCells { rate, percent, amount, tiers, cap, unit };
    let shape = shape_code.and_then(|code| rule_shape(code, cells, &mut f.problems));
    if let (Some(from), Some(to)) = (valid_from, valid_to) {
        if from > to {
            f.problems.push(
                Problem::new(
                    Check::Format,
                    crate::tr!(
                        "生效日期 valid_from {from} 晚于失效日期 valid_to {to}",
                        "valid_from {from} is after valid_to {to}"
                    ),
                )
                .column("valid_to"),
            );
        }
    }
    let value = (|| {
        Some(Rule {
            id: 0,
            channel: channel?,
            type_code: type_ref?,
            shape: shape?,
            valid_from: valid_from?,
            valid_to: valid_to?,
            source_doc: source_doc?,
            sample: sample?,
        })
    })();
    f.finish(value)
}
