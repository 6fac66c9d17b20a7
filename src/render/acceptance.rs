//! `acceptance` laid out as tables: every project's progress, or one project's records.

use super::{c, Cell, Report};
use crate::report::acceptance::{ProgressList, Records};

const YES: Cell = Cell::Label { zh: "是", en: "yes" };

pub fn records_table(r: &Records) -> Report {
    let mut report = Report {
        title: {
            let project = &r.project;
            crate::tr!("{project} 验收记录", "acceptances of {project}")
        },
        columns: vec![
            c("stage", "验收环节"),
            c("subproject", "子项目编号"),
            c("department", "验收部门"),
            c("bureau", "组织单位"),
            c("result", "结果"),
            c("date", "日期"),
            c("document", "验收文件"),
            c("batch", "批次"),
            c("award", "优质工程"),
            c("memo", "备注"),
        ],
        json_key: "acceptances",
        ..Report::default()
    };
    for a in &r.acceptances {
        report.rows.push(vec![
            Cell::Label { zh: a.stage.zh(), en: a.stage.code() },
            a.subproject.clone().map_or(Cell::Empty, Cell::Text),
            a.department.clone().map_or(Cell::Empty, Cell::Text),
            a.bureau.clone().map_or(Cell::Empty, Cell::Text),
            Cell::Label { zh: a.verdict.zh(), en: a.verdict.code() },
            a.date.to_string().into(),
            a.document.as_str().into(),
            a.batch.as_str().into(),
            if a.award { YES } else { Cell::Empty },
            a.memo.as_str().into(),
        ]);
    }
    if let Some(w) = &r.award {
        report.rows.push(vec![
            Cell::Label { zh: "优质工程", en: "award" },
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            w.award.date.map_or(Cell::Empty, |d| d.to_string().into()),
            w.award.document.as_str().into(),
            Cell::Empty,
            Cell::Int(i64::from(w.award.year)),
            w.memo.as_str().into(),
        ]);
    }
    if r.acceptances.is_empty() {
        report.notes.push(crate::lang::pick("尚未记录验收", "no acceptance recorded yet").into());
    }
    report
}

pub fn progress_table(p: &ProgressList) -> Report {
    let mut report = Report {
        title: crate::lang::pick("验收进度", "acceptance progress").into(),
        columns: vec![
            c("project", "项目编号"),
            c("county", "县市区"),
            c("items_required", "应单项验收"),
            c("items_passed", "单项验收通过"),
            c("items_failed", "单项验收未通过"),
            c("overall", "整体验收"),
            c("county_acceptance", "县级验收"),
            c("city_acceptance", "市级验收"),
            c("batch", "批次"),
            c("award", "优质工程"),
            c("award_document", "优质工程文件"),
        ],
        json_key: "projects",
        ..Report::default()
    };
    let date = |d: Option<chrono::NaiveDate>| d.map_or(Cell::Empty, |d| d.to_string().into());
    for p in &p.projects {
        report.rows.push(vec![
            p.project.as_str().into(),
            p.county.as_str().into(),
            Cell::Int(p.items_required as i64),
            Cell::Int(p.items_passed as i64),
            Cell::Int(p.items_failed as i64),
            date(p.overall),
            date(p.county_acceptance),
            date(p.city_acceptance),
            p.batch.as_deref().map_or(Cell::Empty, Cell::from),
            p.award_year.map_or(Cell::Empty, |y| Cell::Int(i64::from(y))),
            p.award_document.as_deref().map_or(Cell::Empty, Cell::from),
        ]);
    }
    report
}
