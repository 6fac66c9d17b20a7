//! Users of the web application (DOMAIN.md §4, 三级联动): adding, listing, disabling them,
//! their passwords and API tokens, and `may`, the one policy every request is authorised
//! against.
//!
//! Passwords are kept only as Argon2id PHC strings with OWASP's parameters (19 MiB, 2 passes,
//! 1 lane); checking one costs the same whether the user exists, is disabled or has another
//! password. API tokens are 32 random bytes from the operating system, shown once as 64 hex
//! digits and kept only as their SHA-256. Users are administrative data, not money: a change
//! is journaled (`log`) and appended to the chained record of user changes, but the user rows
//! themselves change (a new password, the day they were disabled). Nothing is ever deleted.
//!
//! This module must never print, journal or return a password or a hash, and never grant
//! anything `may` does not.

use crate::db::{Db, UserAction, UserInsert};
use crate::error::{echo, Check, Error, Problem, Result};
use crate::lang::Lang;
use crate::ledger::Stamp;
pub use crate::model::{Role, ScopeKind, User, UserScope};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

/// Argon2id memory cost, KiB (OWASP Password Storage Cheat Sheet: m=19456, t=2, p=1).
pub const ARGON2_MEMORY_KIB: u32 = 19_456;
/// Argon2id passes.
pub const ARGON2_PASSES: u32 = 2;
/// Argon2id lanes.
pub const ARGON2_LANES: u32 = 1;
/// The shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The longest accepted password, in characters.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Random bytes in an API token.
pub const TOKEN_BYTES: usize = 32;

/// A hash of no password, with the same parameters as every stored one: an unknown user's
/// password is checked against it, so a sign-in takes as long whether the name exists or not.
const NO_USER_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ZnVuZGxlZGdlci1kdW1teQ$cEVTE87dcNbjxCgPr9G16Lm3Zm/B1BQSpCTIeW0HG5g";

/// A password that meets the rule (8–128 characters, no control character). It never
/// prints itself.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl Password {
    /// Checks `text` against the rule; characters are counted, not bytes (`密码` is two).
    pub fn parse(text: &str) -> std::result::Result<Password, Problem> {
        let n = text.chars().count();
        if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
            return Err(Problem::new(
                Check::Access,
                crate::tr!(
                    "密码长度须为 {MIN_PASSWORD_CHARS} 至 {MAX_PASSWORD_CHARS} 个字符（按字符计，不按字节），给出的密码有 {n} 个字符",
                    "a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters (counted as characters, not bytes); the one given has {n}"
                ),
            ));
        }
        if text.chars().any(char::is_control) {
            return Err(Problem::new(
                Check::Access,
                crate::tr!(
                    "密码不能含控制字符（换行、制表符等）；从标准输入读取时只去掉末尾的一个换行",
                    "a password may not contain a control character (a line break, a tab); read from standard input, only one line break at its end is removed"
                ),
            ));
        }
        Ok(Password(text.to_string()))
    }

    /// A password as read from standard input: one line break at the end (`\n` or `\r\n`,
    /// what `echo` or a here-string adds) is not part of it.
    pub fn from_stdin_text(text: &str) -> std::result::Result<Password, Problem> {
        let text = text.strip_suffix('\n').map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
        Password::parse(text)
    }
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, None)
        .expect("OWASP's parameters are within Argon2's bounds");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// `n` random bytes from the operating system.
fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Internal(format!("the operating system gave no random bytes: {e}")))?;
    Ok(bytes)
}

/// A new random password of 16 letters and digits in four groups (`k3f9-x2m1-…`), for users
/// made by the demo: about 80 bits, easy to type from the screen.
pub fn generated_password() -> Result<Password> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let bytes = random_bytes::<16>()?;
    let chars: Vec<char> =
        bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    let groups: Vec<String> = chars.chunks(4).map(|c| c.iter().collect()).collect();
    Ok(Password(groups.join("-")))
}

impl Password {
    /// The password itself, to show once to the person it was made for.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

/// The Argon2id PHC string of `password`, with a fresh 16-byte salt.
fn hash_password(password: &Password) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| Error::Internal(format!("cannot encode a password salt: {e}")))?;
    let hash = argon2()
        .hash_password(password.0.as_bytes(), &salt)
        .map_err(|e| Error::Internal(format!("cannot hash the password: {e}")))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `phc` (Argon2's comparison is constant-time).
fn password_matches(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// The SHA-256 of a token, as stored.
fn token_sha256(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A user to add, as the command line gives it (checked by `add_user`).
pub struct NewUser<'a> {
    pub name: &'a str,
    pub role: Role,
    /// Counties, by catalogue code or name (clerks only).
    pub counties: &'a [String],
    /// Project codes (implementing bodies only).
    pub projects: &'a [String],
    pub password: &'a Password,
    pub lang: Lang,
}

/// The name of a user to add: a code (1–40 visible characters, no space).
fn parse_name(name: &str) -> std::result::Result<String, Problem> {
    crate::model::parse_code(name, "user name").map_err(|m| Problem::new(Check::Access, m).column("NAME"))
}

/// What a role's scope must be, before the ledger is asked whether the counties and projects
/// exist: a clerk names counties only, a body projects only, the others neither.
fn scope_shape(new: &NewUser<'_>) -> Vec<Problem> {
    let role = new.role.zh();
    let problem = |column: &str, message: String| Problem::new(Check::Access, message).column(column);
    let mut problems = Vec::new();
    match new.role.scoped_by() {
        ScopeKind::Counties => {
            if new.counties.is_empty() {
                problems.push(problem(
                    "--county",
                    crate::tr!(
                        "县级录入员至少需要一个 --county（其录入的县市区）",
                        "a clerk needs at least one --county (the counties they write in)"
                    ),
                ));
            }
            if !new.projects.is_empty() {
                problems.push(problem(
                    "--project",
                    crate::tr!(
                        "县级录入员按县市区授权，不接受 --project",
                        "a clerk is scoped by county and takes no --project"
                    ),
                ));
            }
        }
        ScopeKind::Projects => {
            if new.projects.is_empty() {
                problems.push(problem(
                    "--project",
                    crate::tr!(
                        "实施主体至少需要一个 --project（已登记的项目）",
                        "an implementing body needs at least one --project (a recorded project)"
                    ),
                ));
            }
            if !new.counties.is_empty() {
                problems.push(problem(
                    "--county",
                    crate::tr!(
                        "实施主体按项目授权，不接受 --county",
                        "an implementing body is scoped by project and takes no --county"
                    ),
                ));
            }
        }
        ScopeKind::Everywhere => {
            if !new.counties.is_empty() || !new.projects.is_empty() {
                let column = if new.counties.is_empty() { "--project" } else { "--county" };
                let code = new.role.code();
                problems.push(problem(
                    column,
                    crate::tr!(
                        "{role}不限范围，不接受 --county 或 --project",
                        "an {code} is not scoped and takes no --county or --project"
                    ),
                ));
            }
        }
    }
    problems
}

/// The refusal for a name that names no user.
fn no_such_user(name: &str) -> Error {
    let name = echo(name.trim());
    Error::rejected(
        Problem::new(
            Check::Access,
            crate::tr!(
                "没有名为 '{name}' 的用户（`fundledger user list` 列出全部用户）",
                "there is no user named '{name}' (`fundledger user list` lists them)"
            ),
        )
        .column("NAME"),
    )
}

/// Adds a user: the name is new, the role's scope is right, every county is in the catalogue
/// and every project recorded. Refused with every problem found, and nothing written.
pub fn add_user(db: &mut Db, new: &NewUser<'_>, stamp: &Stamp) -> Result<User> {
    let mut problems = Vec::new();
    let name = parse_name(new.name).map_err(|p| problems.push(p)).ok();
    problems.extend(scope_shape(new));
    if !problems.is_empty() {
        return Err(Error::Rejected(problems));
    }
    let name = name.expect("a name that did not parse was a problem");
    // Hashing takes a moment: done before the write lock is taken.
    let hash = hash_password(new.password)?;
    let tx = db.begin()?;
    if tx.find_user(&name)?.is_some() {
        let shown = echo(&name);
        return Err(Error::rejected(
            Problem::new(
                Check::Access,
                crate::tr!(
                    "用户 '{shown}' 已存在；用户从不删除或改名，请另选用户名",
                    "user '{shown}' already exists; users are never deleted or renamed, choose another name"
                ),
            )
            .column("NAME"),
        ));
    }
    let catalog = tx.catalog()?;
    let mut counties = Vec::new();
    for reference in new.counties {
        match catalog.county(reference.trim()) {
            Some(c) if !counties.contains(&c.name) => counties.push(c.name.clone()),
            Some(_) => {}
            None => {
                let (shown, known) = (echo(reference), catalog.county_names());
                problems.push(
                    Problem::new(
                        Check::Access,
                        crate::tr!(
                            "'{shown}' 不是目录中的县市区（已知：{known}）",
                            "'{shown}' is not a county of the catalogue (known: {known})"
                        ),
                    )
                    .column("--county"),
                )
            }
        }
    }
    let mut projects = Vec::new();
    for code in new.projects {
        match tx.find_project(code.trim())? {
            Some(p) if !projects.iter().any(|(id, _)| *id == p.id) => projects.push((p.id, code.trim())),
            Some(_) => {}
            None => {
                let shown = echo(code);
                problems.push(
                    Problem::new(
                        Check::Access,
                        crate::tr!(
                            "项目 '{shown}' 未登记（先导入项目）",
                            "project '{shown}' is not recorded (import the projects first)"
                        ),
                    )
                    .column("--project"),
                )
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Rejected(problems));
    }
    let id = tx.insert_user(&UserInsert {
        name: &name,
        role: new.role,
        password_hash: &hash,
        lang: new.lang,
        created_at: &stamp.recorded_at,
    })?;
    counties.iter().try_for_each(|c| tx.insert_user_county(id, c))?;
    projects.iter().try_for_each(|(p, _)| tx.insert_user_project(id, *p))?;
    let scope: Vec<&str> =
        counties.iter().map(String::as_str).chain(projects.iter().map(|(_, c)| *c)).collect();
    let detail = if scope.is_empty() {
        new.role.code().to_string()
    } else {
        format!("{} {}", new.role, scope.join(","))
    };
    tx.user_event(id, UserAction::Add, &detail, &stamp.operator, &stamp.recorded_at)?;
    let summary = format!("added {} {name}", new.role);
    let user = tx.find_user(&name)?.expect("the user was just recorded").1;
    tx.commit(&stamp.record("user add", &name, &summary))?;
    Ok(user)
}

/// Every user, by name (never a hash).
pub fn list_users(db: &Db) -> Result<Vec<User>> {
    db.users()
}

/// Disables a user: they can no longer sign in, and every token they hold is revoked. A
/// disabled user stays disabled (and recorded).
pub fn disable_user(db: &mut Db, name: &str, stamp: &Stamp) -> Result<()> {
    let tx = db.begin()?;
    let (id, user) = tx.find_user(name.trim())?.ok_or_else(|| no_such_user(name))?;
    if let Some(at) = &user.disabled_at {
        let shown = echo(&user.name);
        return Err(Error::rejected(
            Problem::new(
                Check::Access,
                crate::tr!("用户 '{shown}' 已于 {at} 停用", "user '{shown}' was already disabled at {at}"),
            )
            .column("NAME"),
        ));
    }
    tx.disable_user(id, &stamp.recorded_at)?;
    let tokens = user.active_tokens;
    tx.user_event(
        id,
        UserAction::Disable,
        &format!("{tokens} tokens revoked"),
        &stamp.operator,
        &stamp.recorded_at,
    )?;
    let summary = format!("disabled {}; {tokens} tokens revoked", user.name);
    tx.commit(&stamp.record("user disable", &user.name, &summary))
}

/// The refusal for a change to a disabled user.
fn disabled(user: &User) -> Error {
    let (shown, at) = (echo(&user.name), user.disabled_at.as_deref().unwrap_or_default());
    Error::rejected(
        Problem::new(
            Check::Access,
            crate::tr!(
                "用户 '{shown}' 已停用（{at}），不再更改；停用的用户保持停用",
                "user '{shown}' is disabled ({at}) and is not changed any more; a disabled user stays disabled"
            ),
        )
        .column("NAME"),
    )
}

/// Sets a user's password (the old one stops working at once).
pub fn set_password(db: &mut Db, name: &str, password: &Password, stamp: &Stamp) -> Result<()> {
    let hash = hash_password(password)?;
    let tx = db.begin()?;
    let (id, user) = tx.find_user(name.trim())?.ok_or_else(|| no_such_user(name))?;
    if user.is_disabled() {
        return Err(disabled(&user));
    }
    tx.set_password_hash(id, &hash)?;
    tx.user_event(id, UserAction::Passwd, "", &stamp.operator, &stamp.recorded_at)?;
    tx.commit(&stamp.record("user passwd", &user.name, "password changed"))
}

/// Issues a new API token for a user and returns it: 64 hex digits, shown this once (only its
/// SHA-256 is kept). Earlier tokens keep working.
pub fn new_token(db: &mut Db, name: &str, stamp: &Stamp) -> Result<String> {
    let token = hex(&random_bytes::<TOKEN_BYTES>()?);
    let tx = db.begin()?;
    let (id, user) = tx.find_user(name.trim())?.ok_or_else(|| no_such_user(name))?;
    if user.is_disabled() {
        return Err(disabled(&user));
    }
    let number = tx.insert_token(id, &token_sha256(&token), &stamp.recorded_at)?;
    tx.user_event(id, UserAction::Token, &format!("token #{number}"), &stamp.operator, &stamp.recorded_at)?;
    tx.commit(&stamp.record("user token", &user.name, &format!("token #{number} issued")))?;
    Ok(token)
}

/// The user `name` if `password` is theirs and they are not disabled. An unknown name, a
/// disabled user and a wrong password all answer `None`, after the same Argon2 work.
pub fn verify_password(db: &Db, name: &str, password: &str) -> Result<Option<User>> {
    // Argon2 pre-hashes its input, so a long password costs no more; a huge one is refused
    // after the same work, never hashed.
    let too_long = password.len() > MAX_PASSWORD_CHARS * 4;
    let found = db.user_credentials(name)?;
    let phc = found.as_ref().map_or(NO_USER_HASH, |(_, hash)| hash.as_str());
    let matches = password_matches(if too_long { "" } else { password }, phc) && !too_long;
    Ok(found.filter(|(user, _)| matches && !user.is_disabled()).map(|(user, _)| user))
}

/// The user holding `token`, if it was issued, is not revoked and its user is not disabled.
pub fn user_for_token(db: &Db, token: &str) -> Result<Option<User>> {
    let token = token.trim();
    if token.len() != TOKEN_BYTES * 2 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let user = db.user_of_token(&token_sha256(&token.to_ascii_lowercase()))?;
    Ok(user.filter(|u| !u.is_disabled()))
}

/// What a request does to its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// See figures or records.
    Read,
    /// Record something: entries and register rows in a county, project or sub-project;
    /// importing the catalogue (`Target::Catalogue`) or subsidy rules (`Target::Rules`);
    /// closing or reopening a year (`Target::Years`); managing users (`Target::Users`).
    Write,
    /// Upload an implementing body's payment and receipt records to reconcile a project
    /// (it records nothing, but brings the body's files in).
    UploadReconcile,
}

/// What a request is about. A project or sub-project carries its county and project, which
/// the caller looks up before asking, so the policy itself never reads the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// The whole city: city-wide reports (statement, review, check across counties), `log`, `verify`.
    City,
    /// One county, by catalogue name (as projects record it).
    County(&'a str),
    Project {
        county: &'a str,
        project: &'a str,
    },
    Subproject {
        county: &'a str,
        project: &'a str,
        subproject: &'a str,
    },
    /// The catalogue (Annexes 1 and 3): departments, types, channels, designations, counties.
    Catalogue,
    /// Subsidy rules.
    Rules,
    /// Closed and open years (R5).
    Years,
    /// The users themselves.
    Users,
}

/// Whether `user` may do `action` to `target`: the one policy every request and query of the
/// web application is authorised against. A disabled user may do nothing; an admin
/// everything; a reviewer reads everything but users and writes nothing; a clerk reads and
/// writes in their counties and reads reference data; an implementing body reads its projects
/// and reference data and uploads its records for its projects.
pub fn may(user: &User, action: Action, target: Target<'_>) -> bool {
    if user.is_disabled() {
        return false;
    }
    let scope = &user.scope;
    let reference = matches!(target, Target::Catalogue | Target::Rules | Target::Years);
    match (user.role, action) {
        (Role::Admin, _) => true,
        (Role::Reviewer, Action::Read) => target != Target::Users,
        (Role::Reviewer, Action::Write | Action::UploadReconcile) => false,
        (Role::Clerk, Action::Read) => reference || in_counties(scope, target),
        (Role::Clerk, Action::Write) => in_counties(scope, target),
        (Role::Clerk, Action::UploadReconcile) => {
            matches!(target, Target::Project { .. }) && in_counties(scope, target)
        }
        (Role::Body, Action::Read) => reference || in_projects(scope, target),
        (Role::Body, Action::Write) => false,
        (Role::Body, Action::UploadReconcile) => {
            matches!(target, Target::Project { .. }) && in_projects(scope, target)
        }
    }
}

/// Whether `target` lies in one of the scope's counties.
fn in_counties(scope: &UserScope, target: Target<'_>) -> bool {
    match target {
        Target::County(county) | Target::Project { county, .. } | Target::Subproject { county, .. } => {
            scope.has_county(county)
        }
        _ => false,
    }
}

/// Whether `target` lies in one of the scope's projects.
fn in_projects(scope: &UserScope, target: Target<'_>) -> bool {
    match target {
        Target::Project { project, .. } | Target::Subproject { project, .. } => scope.has_project(project),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn user(role: Role, scope: UserScope) -> User {
        User {
            name: format!("{role}"),
            role,
            scope,
            lang: Lang::Zh,
            created_at: "2025-01-01T00:00:00+08:00".into(),
            disabled_at: None,
            active_tokens: 0,
        }
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    const TARGETS: [Target<'static>; 14] = [
        Target::City,
        Target::County("南湖区"),
        Target::County("秀洲区"),
        Target::Project { county: "南湖区", project: "P-NH" },
        Target::Project { county: "秀洲区", project: "P-XZ" },
        Target::Project { county: "南湖区", project: "P-NH2" },
        Target::Subproject { county: "南湖区", project: "P-NH", subproject: "S-NH" },
        Target::Subproject { county: "秀洲区", project: "P-XZ", subproject: "S-XZ" },
        Target::Subproject { county: "南湖区", project: "P-NH2", subproject: "S-NH2" },
        Target::Catalogue,
        Target::Rules,
        Target::Years,
        Target::Users,
        Target::County("平湖市"),
    ];
    const ACTIONS: [Action; 3] = [Action::Read, Action::Write, Action::UploadReconcile];

    /// Who may do what, target by target: `R` read, `W` write, `U` upload to reconcile.
    fn expected(role: Role) -> [&'static str; 14] {
        match role {
            Role::Admin => ["RWU"; 14],
            Role::Reviewer => ["R", "R", "R", "R", "R", "R", "R", "R", "R", "R", "R", "R", "", "R"],
            // A clerk of 南湖区.
            Role::Clerk => ["", "RW", "", "RWU", "", "RWU", "RW", "", "RW", "R", "R", "R", "", ""],
            // The implementing body of P-NH.
            Role::Body => ["", "", "", "RU", "", "", "R", "", "", "R", "R", "R", "", ""],
        }
    }

    fn scoped(role: Role) -> User {
        match role {
            Role::Clerk => user(role, UserScope::Counties(set(&["南湖区"]))),
            Role::Body => user(role, UserScope::Projects(set(&["P-NH"]))),
            _ => user(role, UserScope::Everywhere),
        }
    }

    #[test]
    fn the_authorisation_matrix() {
        for role in Role::ALL {
            let u = scoped(role);
            for (target, want) in TARGETS.iter().zip(expected(role)) {
                for (action, letter) in ACTIONS.iter().zip(['R', 'W', 'U']) {
                    assert_eq!(
                        may(&u, *action, *target),
                        want.contains(letter),
                        "{role} {action:?} {target:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_disabled_user_may_do_nothing() {
        for role in Role::ALL {
            let mut u = scoped(role);
            u.disabled_at = Some("2025-02-01T00:00:00+08:00".into());
            for target in TARGETS {
                for action in ACTIONS {
                    assert!(!may(&u, action, target), "disabled {role} {action:?} {target:?}");
                }
            }
        }
    }

    #[test]
    fn a_clerk_of_two_counties_writes_in_both_and_a_body_of_two_projects_reads_both() {
        let clerk = user(Role::Clerk, UserScope::Counties(set(&["南湖区", "秀洲区"])));
        assert!(may(&clerk, Action::Write, Target::County("秀洲区")));
        assert!(may(&clerk, Action::Write, Target::County("南湖区")));
        assert!(!may(&clerk, Action::Write, Target::County("平湖市")));
        let body = user(Role::Body, UserScope::Projects(set(&["P-NH", "P-XZ"])));
        assert!(may(&body, Action::Read, Target::Project { county: "秀洲区", project: "P-XZ" }));
        assert!(!may(&body, Action::Write, Target::Project { county: "秀洲区", project: "P-XZ" }));
    }

    #[test]
    fn a_scope_of_the_wrong_kind_grants_nothing() {
        // A clerk whose scope somehow holds projects, a body with counties: neither reaches
        // anything through the other kind.
        let clerk = user(Role::Clerk, UserScope::Projects(set(&["P-NH"])));
        assert!(!may(&clerk, Action::Read, Target::Project { county: "南湖区", project: "P-NH" }));
        let body = user(Role::Body, UserScope::Counties(set(&["南湖区"])));
        assert!(!may(&body, Action::Read, Target::County("南湖区")));
        assert!(!may(&body, Action::Read, Target::Project { county: "南湖区", project: "P-NH" }));
    }

    #[test]
    fn passwords_are_counted_in_characters_and_refused_with_the_rule() {
        assert!(Password::parse("密码密码密码密码").is_ok(), "8 characters, 24 bytes");
        let short = Password::parse("密码密码密码密").unwrap_err();
        assert!(short.message.contains("8") && short.message.contains("128"), "{}", short.message);
        assert!(Password::parse(&"a".repeat(128)).is_ok());
        assert!(Password::parse(&"a".repeat(129)).is_err());
        assert!(Password::parse("abc\tdefgh").is_err());
        assert!(Password::from_stdin_text("abcdefgh\n").is_ok());
        assert!(Password::from_stdin_text("abcdefg\n").is_err(), "the newline is not a character of it");
        assert!(Password::from_stdin_text("abcdefgh\r\n").is_ok());
        assert!(Password::from_stdin_text("abcdefgh\n\n").is_err());
        assert_eq!(format!("{:?}", Password::parse("secret-password").unwrap()), "Password(…)");
    }

    #[test]
    fn a_hash_is_argon2id_with_owasp_parameters_and_verifies() {
        let password = Password::parse("correct horse").unwrap();
        let phc = hash_password(&password).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(password_matches("correct horse", &phc));
        assert!(!password_matches("correct horsf", &phc));
        assert_ne!(phc, hash_password(&password).unwrap(), "each hash has its own salt");
    }

    #[test]
    fn the_no_user_hash_costs_what_a_real_one_does_and_matches_nothing() {
        let stored = PasswordHash::new(NO_USER_HASH).expect("a valid PHC string");
        let real_phc = hash_password(&Password::parse("whatever1").unwrap()).unwrap();
        let real = PasswordHash::new(&real_phc).unwrap();
        assert_eq!(stored.algorithm, real.algorithm);
        assert_eq!(stored.version, real.version);
        assert_eq!(stored.params, real.params);
        assert_eq!(stored.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
        assert!(!password_matches("", NO_USER_HASH));
        assert!(!password_matches("whatever1", NO_USER_HASH));
    }

    fn ledger_with_users() -> Db {
        let mut db = Db::in_memory().unwrap();
        let password = Password::parse("password-1").unwrap();
        let new = NewUser {
            name: "admin",
            role: Role::Admin,
            counties: &[],
            projects: &[],
            password: &password,
            lang: Lang::Zh,
        };
        add_user(&mut db, &new, &Stamp::now("test")).unwrap();
        db
    }

    #[test]
    fn sign_in_and_tokens() {
        let mut db = ledger_with_users();
        let stamp = Stamp::now("test");
        assert_eq!(verify_password(&db, "admin", "password-1").unwrap().unwrap().name, "admin");
        assert!(verify_password(&db, "admin", "password-2").unwrap().is_none());
        assert!(verify_password(&db, "nobody", "password-1").unwrap().is_none());
        let first = new_token(&mut db, "admin", &stamp).unwrap();
        assert_eq!(first.len(), 64);
        let second = new_token(&mut db, "admin", &stamp).unwrap();
        assert_ne!(first, second);
        assert_eq!(user_for_token(&db, &first).unwrap().unwrap().name, "admin");
        assert_eq!(user_for_token(&db, &second.to_uppercase()).unwrap().unwrap().name, "admin");
        assert!(user_for_token(&db, &"0".repeat(64)).unwrap().is_none());
        assert!(user_for_token(&db, "not a token").unwrap().is_none());
        disable_user(&mut db, "admin", &stamp).unwrap();
        assert!(verify_password(&db, "admin", "password-1").unwrap().is_none());
        assert!(user_for_token(&db, &first).unwrap().is_none());
        assert_eq!(db.user("admin").unwrap().unwrap().active_tokens, 0, "disabling revokes the tokens");
    }
}
