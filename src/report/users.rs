//! The users as a report (`user list`): name, role, scope, language, when each was added and
//! disabled, and how many unrevoked tokens they hold. Never a password or a hash: the user
//! values it is built from do not hold one.

use crate::error::escaped;
use crate::model::{lang_code, User};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct UserList {
    pub users: Vec<UserRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct UserRow {
    pub name: String,
    /// `admin`, `clerk`, `body` or `reviewer`.
    pub role: String,
    /// A clerk's counties (catalogue names); empty for other roles.
    pub counties: Vec<String>,
    /// An implementing body's projects (codes); empty for other roles.
    pub projects: Vec<String>,
    /// `zh` or `en`.
    pub lang: String,
    pub created_at: String,
    pub disabled_at: Option<String>,
    pub active_tokens: u32,
}

pub fn user_list(users: &[User]) -> UserList {
    let text = |t: &str| escaped(t).into_owned();
    let users = users
        .iter()
        .map(|u| UserRow {
            name: text(&u.name),
            role: u.role.code().to_string(),
            counties: u.scope.counties().map(text).collect(),
            projects: u.scope.projects().map(text).collect(),
            lang: lang_code(u.lang).to_string(),
            created_at: text(&u.created_at),
            disabled_at: u.disabled_at.as_deref().map(text),
            active_tokens: u.active_tokens,
        })
        .collect();
    UserList { users }
}
