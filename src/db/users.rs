//! Users and API tokens (migration 13): reading users with their scope, and the writes that
//! add, disable, re-key and issue tokens. User rows are not chained (they change); each change
//! appends a chained `user_events` row, so the write is journaled and `verify` sees it.

use super::*;
use crate::lang::Lang;
use crate::model::{lang_code, parse_lang, Role, User, UserScope};

/// A user to insert; its name, role and scope are already checked by the writer.
pub struct UserInsert<'a> {
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub lang: Lang,
    pub created_at: &'a str,
}

/// What a user change was, as `user_events` records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserAction {
    Add,
    Disable,
    Passwd,
    Token,
}

impl UserAction {
    fn code(self) -> &'static str {
        match self {
            UserAction::Add => "add",
            UserAction::Disable => "disable",
            UserAction::Passwd => "passwd",
            UserAction::Token => "token",
        }
    }
}

const USER_SELECT: &str = "SELECT u.id, u.name, u.role, u.lang, u.created_at, u.disabled_at,
        (SELECT count(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL)
    FROM users u";

/// Users (all, or the one named, or the one holding a token's hash), by name, each with its
/// scope.
fn users(conn: &Connection, filter: &str, param: &dyn rusqlite::ToSql) -> Result<Vec<(i64, User)>> {
    let mut stmt = conn.prepare_cached(&format!("{USER_SELECT} {filter} ORDER BY u.name"))?;
    let heads = stmt.query_map([param], |r| {
        let role: String = r.get(2)?;
        let lang: String = r.get(3)?;
        let role = stored_enum(&role, Role::parse)?;
        Ok((
            r.get::<_, i64>(0)?,
            User {
                name: r.get(1)?,
                role,
                scope: UserScope::Everywhere,
                lang: stored_enum(&lang, parse_lang)?,
                created_at: r.get(4)?,
                disabled_at: r.get(5)?,
                active_tokens: r.get(6)?,
            },
        ))
    })?;
    let mut found: Vec<(i64, User)> = heads.collect::<rusqlite::Result<_>>()?;
    let mut scope_stmt = conn.prepare_cached(
        "SELECT s.county, p.code FROM user_scopes s LEFT JOIN projects p ON p.id = s.project_id
         WHERE s.user_id = ?1 ORDER BY s.id",
    )?;
    for (id, user) in &mut found {
        let rows = scope_stmt.query_map([*id], |r| Ok((r.get::<_, Option<String>>(0)?, r.get(1)?)))?;
        let rows: Vec<(Option<String>, Option<String>)> = rows.collect::<rusqlite::Result<_>>()?;
        user.scope = match user.role.scoped_by() {
            crate::model::ScopeKind::Counties => {
                UserScope::Counties(rows.into_iter().filter_map(|r| r.0).collect())
            }
            crate::model::ScopeKind::Projects => {
                UserScope::Projects(rows.into_iter().filter_map(|r| r.1).collect())
            }
            crate::model::ScopeKind::Everywhere => UserScope::Everywhere,
        };
    }
    Ok(found)
}

fn user_named(conn: &Connection, name: &str) -> Result<Option<(i64, User)>> {
    Ok(users(conn, "WHERE u.name = ?1", &name)?.pop())
}

impl Db {
    /// Every user, by name, with their scope and how many tokens they hold.
    pub fn users(&self) -> Result<Vec<User>> {
        Ok(users(&self.conn, "WHERE ?1", &true)?.into_iter().map(|(_, u)| u).collect())
    }

    /// The user named `name`, if any.
    pub fn user(&self, name: &str) -> Result<Option<User>> {
        Ok(user_named(&self.conn, name)?.map(|(_, u)| u))
    }

    /// The user named `name` and their stored password hash (a PHC string), for checking a
    /// password; the hash goes nowhere else.
    pub fn user_credentials(&self, name: &str) -> Result<Option<(User, String)>> {
        let Some((id, user)) = user_named(&self.conn, name)? else {
            return Ok(None);
        };
        let hash =
            self.conn.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| r.get(0))?;
        Ok(Some((user, hash)))
    }

    /// The user holding the unrevoked token whose SHA-256 is `sha256`, if any.
    pub fn user_of_token(&self, sha256: &[u8; 32]) -> Result<Option<User>> {
        let filter = "WHERE u.id = (SELECT user_id FROM api_tokens WHERE sha256 = ?1 AND revoked_at IS NULL)";
        Ok(users(&self.conn, filter, &&sha256[..])?.pop().map(|(_, u)| u))
    }
}

impl Tx<'_> {
    /// The user named `name` and their id, if any.
    pub fn find_user(&self, name: &str) -> Result<Option<(i64, User)>> {
        user_named(&self.tx, name)
    }

    /// Records a user (not chained: `user_event` records the change); returns its id.
    pub fn insert_user(&self, u: &UserInsert<'_>) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO users (name, role, password_hash, lang, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![u.name, u.role.code(), u.password_hash, lang_code(u.lang), u.created_at],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Adds a county (its catalogue name) to a clerk's scope.
    pub fn insert_user_county(&self, user_id: i64, county: &str) -> Result<()> {
        self.tx
            .execute("INSERT INTO user_scopes (user_id, county) VALUES (?1, ?2)", params![user_id, county])?;
        Ok(())
    }

    /// Adds a recorded project to an implementing body's scope.
    pub fn insert_user_project(&self, user_id: i64, project_id: i64) -> Result<()> {
        self.tx.execute(
            "INSERT INTO user_scopes (user_id, project_id) VALUES (?1, ?2)",
            params![user_id, project_id],
        )?;
        Ok(())
    }

    /// Disables a user and revokes every token they hold, at `at`.
    pub fn disable_user(&self, user_id: i64, at: &str) -> Result<()> {
        self.tx.execute("UPDATE users SET disabled_at = ?2 WHERE id = ?1", params![user_id, at])?;
        self.tx.execute(
            "UPDATE api_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
            params![user_id, at],
        )?;
        Ok(())
    }

    /// Replaces a user's password hash.
    pub fn set_password_hash(&self, user_id: i64, hash: &str) -> Result<()> {
        self.tx.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![user_id, hash])?;
        Ok(())
    }

    /// Records a token by its SHA-256; returns its id (the token's number in `user_events`).
    pub fn insert_token(&self, user_id: i64, sha256: &[u8; 32], created_at: &str) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO api_tokens (user_id, sha256, created_at) VALUES (?1, ?2, ?3)",
            params![user_id, &sha256[..], created_at],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Appends what was done to a user (never a secret) to the chained record of user changes.
    pub fn user_event(
        &self,
        user_id: i64,
        action: UserAction,
        detail: &str,
        operator: &str,
        recorded_at: &str,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT INTO user_events (user_id, action, detail, operator, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![user_id, action.code(), detail, operator, recorded_at],
        )?;
        self.link_last("user_events")?;
        Ok(())
    }
}
