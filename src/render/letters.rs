//! A project's confirmation letters laid out as Annex 2: one table per letter, under the
//! title, the addressee, the department, the number and the date, listing the sub-projects
//! in three groups (在建 / 拟同步建设 / 不开展建设) with their type, quantity and unit.

use super::{c, Cell, Doc, Report};
use crate::report::letters::{Item, Letter, Letters};

const GROUPS: [(&str, &str); 3] =
    [("在建子项目", "ongoing"), ("拟同步建设子项目", "planned"), ("不开展建设子项目", "excluded")];

pub fn doc(l: &Letters) -> Doc {
    let mut sections: Vec<Report> = l.letters.iter().enumerate().map(|(i, x)| letter(x, i + 1)).collect();
    if sections.is_empty() {
        sections.push(Report {
            title: format!("{} {}", crate::report::letters::TITLE, l.project),
            notes: vec![{
                let project = &l.project;
                crate::tr!("尚未记录 {project} 的确认书", "no confirmation letter of {project} is recorded")
            }],
            ..Report::default()
        });
    }
    Doc { sections, ..Doc::default() }
}

fn letter(l: &Letter, n: usize) -> Report {
    let mut rows = Vec::new();
    for ((zh, en), items) in GROUPS.into_iter().zip([&l.ongoing, &l.planned, &l.excluded]) {
        let group = Cell::Label { zh, en };
        if items.is_empty() {
            rows.push(vec![
                group.clone(),
                Cell::Label { zh: "无", en: "none" },
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ]);
        }
        rows.extend(items.iter().map(|i| item(group.clone(), i)));
    }
    Report {
        title: {
            let (title, addressee, department, number, date) =
                (&l.title, &l.addressee, &l.department, &l.letter, &l.issued_on);
            crate::tr!(
                "{title}\n{addressee}：\n出具部门：{department}\n编号：{number}\n日期：{date}",
                "{title}\n{addressee}:\ndepartment: {department}\nletter: {number}\ndate: {date}"
            )
        },
        columns: vec![
            c("group", "分组"),
            c("subproject", "子项目编号"),
            c("type", "子项目类型"),
            c("quantity", "建设规模"),
            c("unit", "单位"),
        ],
        rows,
        json_key: "letters",
        sheet: format!("确认书{n}"),
        ..Report::default()
    }
}

fn item(group: Cell, i: &Item) -> Vec<Cell> {
    vec![
        group,
        i.subproject.as_str().into(),
        i.type_name.as_str().into(),
        i.quantity.as_str().into(),
        i.unit.as_str().into(),
    ]
}
