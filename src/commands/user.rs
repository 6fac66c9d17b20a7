//! `user add|list|disable|passwd|token`: the people who sign in to the web application.
//!
//! Passwords come from standard input only (`--password-stdin`), never from an argument a
//! process list or a shell history would show; one line break at the end is not part of the
//! password. A token is printed once, alone on standard output, and only its SHA-256 is kept.
//! The global `--operator` is who ran the command (recorded in `log`), not a signed-in user.

use super::Ctx;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::lang::Lang;
use crate::ledger::Stamp;
use crate::render::{self, Unit};
use crate::users::{self, NewUser, Password, Role};
use std::io::Read;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user: admin, clerk (with --county), body (with --project) or reviewer.
    Add(AddArgs),
    /// List the users (never their passwords or tokens).
    List,
    /// Disable a user: they can no longer sign in and their tokens stop working.
    Disable(NameArgs),
    /// Set a user's password, read from standard input.
    Passwd(PasswdArgs),
    /// Issue a new API token for a user and print it (shown this once).
    Token(NameArgs),
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// The user name they sign in with (1–40 visible characters, no space).
    pub name: String,
    /// admin (市级统筹), clerk (县级录入), body (实施主体) or reviewer (审阅).
    #[arg(long, value_parser = Role::parse)]
    pub role: Role,
    /// A county a clerk writes in (catalogue code or name); repeat for several.
    #[arg(long, value_name = "COUNTY")]
    pub county: Vec<String>,
    /// A recorded project an implementing body reads; repeat for several.
    #[arg(long, value_name = "PROJECT")]
    pub project: Vec<String>,
    /// Read the password from standard input (8–128 characters).
    #[arg(long, required = true)]
    pub password_stdin: bool,
    /// The language the web application speaks to this user.
    #[arg(long, value_parser = crate::model::parse_lang, default_value = "zh", value_name = "zh|en")]
    pub language: Lang,
}

#[derive(clap::Args, Debug)]
pub struct NameArgs {
    /// The user name.
    pub name: String,
}

#[derive(clap::Args, Debug)]
pub struct PasswdArgs {
    /// The user name.
    pub name: String,
    /// Read the new password from standard input (8–128 characters).
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    match &args.command {
        UserCommand::Add(a) => add(ctx, a),
        UserCommand::List => list(ctx),
        UserCommand::Disable(a) => disable(ctx, a),
        UserCommand::Passwd(a) => passwd(ctx, a),
        UserCommand::Token(a) => token(ctx, a),
    }
}

/// The longest standard input read as a password, in bytes (128 characters of 4 bytes, and a
/// line break).
const MAX_PASSWORD_INPUT_BYTES: u64 = 520;

/// The password on standard input.
fn password_from_stdin() -> Result<Password> {
    let refuse =
        |message: String| Error::rejected(Problem::new(Check::Access, message).column("--password-stdin"));
    let mut bytes = Vec::new();
    std::io::stdin().take(MAX_PASSWORD_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_PASSWORD_INPUT_BYTES {
        let max = users::MAX_PASSWORD_CHARS;
        return Err(refuse(crate::tr!(
            "标准输入的密码超过 {max} 个字符",
            "the password on standard input is longer than {max} characters"
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| refuse(crate::tr!("密码不是 UTF-8 文本", "the password is not UTF-8 text")))?;
    Password::from_stdin_text(&text).map_err(|p| Error::rejected(p.column("--password-stdin")))
}

fn add(ctx: &Ctx, args: &AddArgs) -> Result<u8> {
    let password = password_from_stdin()?;
    let mut db = Db::open(&ctx.db_path())?;
    let new = NewUser {
        name: &args.name,
        role: args.role,
        counties: &args.county,
        projects: &args.project,
        password: &password,
        lang: args.language,
    };
    let user = users::add_user(&mut db, &new, &Stamp::now(&ctx.operator))?;
    let scope: Vec<&str> = user.scope.counties().chain(user.scope.projects()).collect();
    let (name, role, scope) = (&user.name, user.role, scope.join(", "));
    crate::outln!(
        "{}",
        match (crate::lang::current(), scope.is_empty()) {
            (Lang::Zh, true) => format!("已添加用户 {name}（{}）", role.zh()),
            (Lang::Zh, false) => format!("已添加用户 {name}（{}：{scope}）", role.zh()),
            (Lang::En, true) => format!("added user {name} ({role})"),
            (Lang::En, false) => format!("added user {name} ({role}: {scope})"),
        }
    );
    Ok(0)
}

fn list(ctx: &Ctx) -> Result<u8> {
    let db = Db::open_snapshot(&ctx.db_path())?;
    let value = crate::report::users::user_list(&users::list_users(&db)?);
    render::print_value(&value, || render::users::doc(&value), ctx.options(Unit::Yuan), ctx.out())?;
    Ok(0)
}

fn disable(ctx: &Ctx, args: &NameArgs) -> Result<u8> {
    let mut db = Db::open(&ctx.db_path())?;
    users::disable_user(&mut db, &args.name, &Stamp::now(&ctx.operator))?;
    let name = args.name.trim();
    crate::outln!(
        "{}",
        crate::tr!(
            "已停用用户 {name}：不能再登录，其令牌均已作废",
            "disabled user {name}: they can no longer sign in, and their tokens are revoked"
        )
    );
    Ok(0)
}

fn passwd(ctx: &Ctx, args: &PasswdArgs) -> Result<u8> {
    let password = password_from_stdin()?;
    let mut db = Db::open(&ctx.db_path())?;
    users::set_password(&mut db, &args.name, &password, &Stamp::now(&ctx.operator))?;
    let name = args.name.trim();
    crate::outln!("{}", crate::tr!("已更改用户 {name} 的密码", "changed the password of user {name}"));
    Ok(0)
}

fn token(ctx: &Ctx, args: &NameArgs) -> Result<u8> {
    let mut db = Db::open(&ctx.db_path())?;
    let token = users::new_token(&mut db, &args.name, &Stamp::now(&ctx.operator))?;
    // The token alone on stdout, for scripts; the advice on stderr.
    crate::outln!("{token}");
    let name = args.name.trim();
    eprintln!(
        "{}",
        crate::tr!(
            "这是用户 {name} 的新 API 令牌，只显示这一次（只保存其 SHA-256）；请求时使用 Authorization: Bearer 令牌",
            "this is a new API token of user {name}, shown this once (only its SHA-256 is kept); send it as Authorization: Bearer TOKEN"
        )
    );
    Ok(0)
}
