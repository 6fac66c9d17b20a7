//! `catalog` listings laid out as tables.

use super::{c, Cell, Report};
use crate::report::catalog::{ChannelRow, DesignationRow, Listing, RuleRow, TypeRow};

fn tick(b: bool) -> Cell {
    Cell::from(if b { "√" } else { "" })
}

pub fn table(listing: &Listing) -> Report {
    match listing {
        Listing::Departments { rows } => Report {
            columns: vec![c("department", "编号"), c("name", "责任部门"), c("name_en", "英文名称")],
            rows: rows
                .iter()
                .map(|d| {
                    vec![d.department.as_str().into(), d.name.as_str().into(), d.name_en.as_str().into()]
                })
                .collect(),
            ..Report::default()
        },
        Listing::Counties { rows } => Report {
            columns: vec![c("county", "编号"), c("name", "县市区"), c("name_en", "英文名称")],
            rows: rows
                .iter()
                .map(|d| vec![d.county.as_str().into(), d.name.as_str().into(), d.name_en.as_str().into()])
                .collect(),
            ..Report::default()
        },
        Listing::Types { rows } => types(rows),
        Listing::Channels { rows } => channels(rows),
        Listing::Designations { rows } => designations(rows),
        Listing::Rules { rows } => rules(rows),
    }
}

fn types(rows: &[TypeRow]) -> Report {
    Report {
        columns: vec![
            c("type", "编号"),
            c("name", "子项目类型"),
            c("department", "责任部门"),
            c("agri", "农"),
            c("land", "地"),
            c("people", "人"),
            c("channels", "补助资金类别"),
            c("note", "备注"),
        ],
        rows: rows
            .iter()
            .map(|t| {
                vec![
                    t.type_code.as_str().into(),
                    t.name.as_str().into(),
                    t.department.as_str().into(),
                    tick(t.agri),
                    tick(t.land),
                    tick(t.people),
                    channel_list(t).into(),
                    t.note.as_str().into(),
                ]
            })
            .collect(),
        notes: vec![format!(
            "{} types: {} admissible under 农, {} under 地, {} under 人 (Annex 1)",
            rows.len(),
            rows.iter().filter(|t| t.agri).count(),
            rows.iter().filter(|t| t.land).count(),
            rows.iter().filter(|t| t.people).count()
        )],
        ..Report::default()
    }
}

/// The channels that pay a type, joined by 、; 暂无 where Annex 3 says there is none yet, —
/// where the type has no row in Annex 3.
fn channel_list(t: &TypeRow) -> String {
    match (t.channels.is_empty(), t.annex3.as_str()) {
        (false, _) => t.channels.join("、"),
        (true, "none") => "暂无".to_string(),
        (true, _) => "—".to_string(),
    }
}

/// One line per Annex-3 row: each designated type beside the basis of its own row (a channel
/// no type is designated for has one line with its own basis).
fn channels(rows: &[ChannelRow]) -> Report {
    let line = |ch: &ChannelRow, t: Option<&crate::report::catalog::TypeBasis>| -> Vec<Cell> {
        vec![
            ch.channel.as_str().into(),
            ch.name.as_str().into(),
            ch.policy_owner.as_str().into(),
            t.map_or(Cell::Empty, |t| t.type_name.as_str().into()),
            t.map_or(ch.basis.as_str(), |t| t.basis.as_str()).into(),
            t.map_or(Cell::Empty, |t| t.note.as_str().into()),
        ]
    };
    Report {
        columns: vec![
            c("channel", "编号"),
            c("name", "补助资金类别"),
            c("policy_owner", "政策主管部门"),
            c("type", "可支付子项目类型"),
            c("basis", "支持政策"),
            c("note", "备注"),
        ],
        rows: rows
            .iter()
            .flat_map(|ch| match ch.designations.as_slice() {
                [] => vec![line(ch, None)],
                ds => ds.iter().map(|t| line(ch, Some(t))).collect(),
            })
            .collect(),
        notes: vec![crate::tr!(
            "每行为附件3的一行：资金类别、可支付的子项目类型及该行的支持政策",
            "one line per Annex-3 row: the channel, a type it may pay and that row's policy basis"
        )],
        ..Report::default()
    }
}

fn designations(rows: &[DesignationRow]) -> Report {
    Report {
        columns: vec![
            c("channel", "补助资金类别"),
            c("type", "子项目类型"),
            c("note", "备注"),
            c("basis", "支持政策"),
        ],
        rows: rows
            .iter()
            .map(|d| {
                vec![
                    d.channel.as_str().into(),
                    d.type_name.as_str().into(),
                    d.note.as_str().into(),
                    d.basis.as_str().into(),
                ]
            })
            .collect(),
        ..Report::default()
    }
}

fn rules(rows: &[RuleRow]) -> Report {
    let samples = rows.iter().filter(|r| r.sample).count();
    Report {
        columns: vec![
            c("rule", "规则号"),
            c("channel", "补助资金类别"),
            c("type", "子项目类型"),
            c("shape", "规则形式"),
            c("terms", "标准"),
            c("valid_from", "生效日期"),
            c("valid_to", "失效日期"),
            c("source_doc", "依据文件"),
            c("sample", "示例"),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Int(r.rule),
                    r.channel.as_str().into(),
                    r.type_name.as_deref().unwrap_or("（该资金类别全部类型）all types").into(),
                    r.shape.into(),
                    r.terms.as_str().into(),
                    r.valid_from.to_string().into(),
                    r.valid_to.to_string().into(),
                    r.source_doc.as_str().into(),
                    (if r.sample { "yes 示例" } else { "no" }).into(),
                ]
            })
            .collect(),
        notes: vec![format!(
            "{} rules, {samples} of them illustrative samples (示例规则，非官方数字): entitlements computed from them are marked as such",
            rows.len()
        )],
        ..Report::default()
    }
}
