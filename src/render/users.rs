//! The users as a plain table (`user list`).

use super::{c, Cell, Col, Doc, Report};
use crate::report::users::UserList;

const COLUMNS: [Col; 7] = [
    c("name", "用户名"),
    c("role", "角色"),
    c("scope", "范围"),
    c("lang", "语言"),
    c("created_at", "添加时间"),
    c("disabled_at", "停用时间"),
    c("active_tokens", "有效令牌"),
];

pub fn doc(list: &UserList) -> Doc {
    let rows = list
        .users
        .iter()
        .map(|u| {
            let role = crate::model::Role::parse(&u.role).map_or(u.role.clone(), |r| {
                crate::lang::pick(format!("{}（{}）", r.zh(), r.code()), r.code().to_string())
            });
            let scope: Vec<&str> = u.counties.iter().chain(&u.projects).map(String::as_str).collect();
            let scope = if scope.is_empty() {
                crate::lang::pick("全部", "everything").to_string()
            } else {
                scope.join(", ")
            };
            vec![
                u.name.as_str().into(),
                Cell::from(role),
                Cell::from(scope),
                u.lang.as_str().into(),
                u.created_at.as_str().into(),
                u.disabled_at.as_deref().map_or(Cell::Empty, Cell::from),
                Cell::Int(i64::from(u.active_tokens)),
            ]
        })
        .collect();
    let n = list.users.len();
    let disabled = list.users.iter().filter(|u| u.disabled_at.is_some()).count();
    let report = Report {
        title: crate::lang::pick("用户", "users").into(),
        columns: COLUMNS.to_vec(),
        rows,
        json_key: "users",
        notes: vec![crate::tr!(
            "共 {n} 个用户，其中 {disabled} 个已停用",
            "{n} users, {disabled} of them disabled"
        )],
        ..Report::default()
    };
    Doc { sections: vec![report], ..Doc::default() }
}
