//! The people of the web application (DOMAIN.md §4, 三级联动): their roles and where each may
//! act. Only values here; the writers, password hashing and the authorisation policy live in
//! the `users` module.

use crate::error::echo;
use crate::lang::Lang;
use std::collections::BTreeSet;
use std::fmt;

/// What a user is, which decides what they may do (the `users` module's `may`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// City finance (市级统筹): users, catalogue, rules, closing years; everything.
    Admin,
    /// A county clerk (县级主体): reads and writes in their own counties.
    Clerk,
    /// An implementing body (镇实施): reads its own projects, uploads its records to reconcile.
    Body,
    /// A reviewer or auditor: reads everything, writes nothing.
    Reviewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Clerk, Role::Body, Role::Reviewer];

    /// The stable English code used on the command line, in JSON and in SQL.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Clerk => "clerk",
            Role::Body => "body",
            Role::Reviewer => "reviewer",
        }
    }

    /// The Chinese label people see.
    pub fn zh(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Clerk => "县级录入员",
            Role::Body => "实施主体",
            Role::Reviewer => "审阅人",
        }
    }

    /// Parses the English code (any case) or the Chinese label.
    pub fn parse(text: &str) -> Result<Role, String> {
        let t = text.trim();
        if let Some(role) = Role::ALL.into_iter().find(|r| t.eq_ignore_ascii_case(r.code()) || t == r.zh()) {
            return Ok(role);
        }
        let allowed: Vec<String> = Role::ALL.iter().map(|r| format!("{}/{}", r.code(), r.zh())).collect();
        let (allowed, shown) = (allowed.join(", "), echo(t));
        Err(crate::tr!(
            "'{shown}' 不是有效的角色（可用：{allowed}）",
            "'{shown}' is not a valid role (use one of {allowed})"
        ))
    }

    /// Whether users of this role are scoped to counties, to projects, or act everywhere.
    pub fn scoped_by(self) -> ScopeKind {
        match self {
            Role::Clerk => ScopeKind::Counties,
            Role::Body => ScopeKind::Projects,
            Role::Admin | Role::Reviewer => ScopeKind::Everywhere,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What a role's scope is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Counties,
    Projects,
    Everywhere,
}

/// Where a user may act: a clerk's counties (catalogue names, as projects name their county),
/// an implementing body's projects (codes), or everywhere (admins and reviewers; what they may
/// do there is their role's business). Named apart from `model::Scope`, a project's area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserScope {
    Counties(BTreeSet<String>),
    Projects(BTreeSet<String>),
    Everywhere,
}

impl UserScope {
    pub fn counties(&self) -> impl Iterator<Item = &str> {
        match self {
            UserScope::Counties(c) => Some(c.iter().map(String::as_str)),
            _ => None,
        }
        .into_iter()
        .flatten()
    }

    pub fn projects(&self) -> impl Iterator<Item = &str> {
        match self {
            UserScope::Projects(p) => Some(p.iter().map(String::as_str)),
            _ => None,
        }
        .into_iter()
        .flatten()
    }

    pub fn has_county(&self, county: &str) -> bool {
        matches!(self, UserScope::Counties(c) if c.contains(county))
    }

    pub fn has_project(&self, project: &str) -> bool {
        matches!(self, UserScope::Projects(p) if p.contains(project))
    }
}

/// A user as recorded. The password hash never leaves `db`: checking a password is
/// the `users` module's business (`verify_password`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub scope: UserScope,
    /// The language the web application speaks to this user.
    pub lang: Lang,
    pub created_at: String,
    /// When the user was disabled; a disabled user can neither sign in nor use a token.
    pub disabled_at: Option<String>,
    /// Tokens issued and not revoked.
    pub active_tokens: u32,
}

impl User {
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

/// A user's language as stored (`zh` or `en`).
pub fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

/// Reads a stored language code.
pub fn parse_lang(text: &str) -> Result<Lang, String> {
    match text.trim() {
        "zh" | "中文" => Ok(Lang::Zh),
        "en" | "English" => Ok(Lang::En),
        other => {
            let shown = echo(other);
            Err(crate::tr!(
                "'{shown}' 不是有效的语言（可用：zh、en）",
                "'{shown}' is not a valid language (use zh or en)"
            ))
        }
    }
}
