//! `user add|list|disable|passwd|token`: users of each role, their passwords and tokens, and
//! every refusal leaving the ledger file as it was.

mod common;

use common::Ledger;

fn ok_with_stdin(l: &Ledger, args: &[&str], stdin: &str) -> String {
    let r = l.run_with_stdin(args, stdin);
    assert_eq!(r.code, 0, "fundledger {args:?} failed:\n{}{}", r.stdout, r.stderr);
    r.stdout
}

/// A write with standard input that must be refused: exit 1, every fragment in stderr, and
/// the ledger file byte for byte as it was.
fn refused_with_stdin(l: &Ledger, args: &[&str], stdin: &str, fragments: &[&str]) -> String {
    let before = l.bytes();
    let r = l.run_with_stdin(args, stdin);
    assert_eq!(r.code, 1, "fundledger {args:?} should be refused:\n{}{}", r.stdout, r.stderr);
    for f in fragments {
        assert!(r.stderr.contains(f), "stderr lacks {f:?}:\n{}", r.stderr);
    }
    let nothing = r.stderr.contains("未写入任何内容") || r.stderr.contains("nothing was written");
    assert!(nothing, "{}", r.stderr);
    assert!(l.bytes() == before, "the ledger file changed after a refused write {args:?}");
    r.stderr
}

/// The small ledger with one user of each role: 管理员 (admin), 南湖录入 (clerk of 南湖区),
/// 主体 (body of P-AGRI), 审计 (reviewer).
fn with_users() -> Ledger {
    let l = Ledger::small();
    ok_with_stdin(&l, &["user", "add", "管理员", "--role", "admin", "--password-stdin"], "admin-password\n");
    ok_with_stdin(
        &l,
        &["user", "add", "南湖录入", "--role", "clerk", "--county", "南湖区", "--password-stdin"],
        "clerk-password\n",
    );
    ok_with_stdin(
        &l,
        &["user", "add", "主体", "--role", "body", "--project", "P-AGRI", "--password-stdin"],
        "body-password",
    );
    ok_with_stdin(&l, &["user", "add", "审计", "--role", "审阅人", "--password-stdin"], "reviewer-pass\r\n");
    l
}

fn users_json(l: &Ledger) -> serde_json::Value {
    serde_json::from_str(&l.ok(&["user", "list", "--format", "json"])).expect("user list prints JSON")
}

fn user<'a>(list: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    list["users"].as_array().expect("users").iter().find(|u| u["name"] == name).expect("the user is listed")
}

/// Checks a password the way the web application will, through the library on the file.
fn signs_in(l: &Ledger, name: &str, password: &str) -> bool {
    let db = fundledger::db::Db::open_snapshot(&l.db).expect("open");
    fundledger::users::verify_password(&db, name, password).expect("verify").is_some()
}

fn token_user(l: &Ledger, token: &str) -> Option<String> {
    let db = fundledger::db::Db::open_snapshot(&l.db).expect("open");
    fundledger::users::user_for_token(&db, token).expect("token lookup").map(|u| u.name)
}

#[test]
fn users_of_each_role_are_added_and_listed_without_secrets() {
    let l = with_users();
    let list = users_json(&l);
    assert_eq!(list["users"].as_array().unwrap().len(), 4);
    assert_eq!(user(&list, "管理员")["role"], "admin");
    assert_eq!(user(&list, "南湖录入")["role"], "clerk");
    assert_eq!(user(&list, "南湖录入")["counties"], serde_json::json!(["南湖区"]));
    assert_eq!(user(&list, "主体")["projects"], serde_json::json!(["P-AGRI"]));
    assert_eq!(user(&list, "审计")["role"], "reviewer");
    assert_eq!(user(&list, "审计")["disabled_at"], serde_json::Value::Null);
    for format in ["table", "csv", "json"] {
        let shown = l.ok(&["user", "list", "--format", format]);
        assert!(shown.contains("南湖录入"), "{shown}");
        assert!(
            !shown.contains("argon2") && !shown.contains("password"),
            "{format} shows no secret:\n{shown}"
        );
    }
    assert!(l.ok(&["user", "list"]).contains("县级录入员"), "roles read in Chinese by default");
    // Each password is the one given on stdin, without its line break.
    assert!(signs_in(&l, "管理员", "admin-password"));
    assert!(!signs_in(&l, "管理员", "admin-password\n"));
    assert!(signs_in(&l, "主体", "body-password"));
    assert!(signs_in(&l, "审计", "reviewer-pass"));
    assert!(!signs_in(&l, "审计", "clerk-password"));
    assert!(!signs_in(&l, "nobody", "admin-password"));
    // Every change is journaled, with the operator who ran it.
    let log = l.ok(&["log", "--format", "csv"]);
    assert_eq!(log.matches("user add").count(), 4, "{log}");
    assert!(log.contains("测试员"));
    assert!(!log.contains("argon2"));
    l.ok(&["verify"]);
}

#[test]
fn user_list_never_writes() {
    let l = with_users();
    let before = l.bytes();
    l.ok(&["user", "list"]);
    assert!(l.bytes() == before);
}

#[test]
fn a_disabled_user_cannot_sign_in_or_use_a_token() {
    let l = with_users();
    let token = l.ok(&["user", "token", "南湖录入"]).trim().to_string();
    assert_eq!(token_user(&l, &token).as_deref(), Some("南湖录入"));
    let out = l.ok(&["user", "disable", "南湖录入"]);
    assert!(out.contains("已停用"), "{out}");
    assert!(!signs_in(&l, "南湖录入", "clerk-password"));
    assert_eq!(token_user(&l, &token), None);
    let list = users_json(&l);
    assert!(user(&list, "南湖录入")["disabled_at"].is_string());
    assert_eq!(user(&list, "南湖录入")["active_tokens"], 0);
    // Still recorded, never deleted; disabling again, or changing a disabled user, is refused.
    l.refused(&["user", "disable", "南湖录入"], &["已于"]);
    l.refused(&["user", "token", "南湖录入"], &["已停用"]);
    refused_with_stdin(
        &l,
        &["user", "passwd", "南湖录入", "--password-stdin"],
        "new-password\n",
        &["已停用"],
    );
    l.ok(&["verify"]);
}

#[test]
fn passwd_replaces_the_password() {
    let l = with_users();
    ok_with_stdin(&l, &["user", "passwd", "主体", "--password-stdin"], "另一个密码-2025\n");
    assert!(signs_in(&l, "主体", "另一个密码-2025"));
    assert!(!signs_in(&l, "主体", "body-password"));
    assert!(l.ok(&["log"]).contains("user passwd"));
}

#[test]
fn tokens_are_shown_once_and_each_one_resolves() {
    let l = with_users();
    let r = l.run(&["user", "token", "审计"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let first = r.stdout.trim().to_string();
    assert_eq!(first.len(), 64, "{first}");
    assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(r.stderr.contains("只显示这一次"), "{}", r.stderr);
    let second = l.ok(&["user", "token", "审计"]).trim().to_string();
    assert_ne!(first, second);
    assert_eq!(token_user(&l, &first).as_deref(), Some("审计"));
    assert_eq!(token_user(&l, &second).as_deref(), Some("审计"));
    assert_eq!(token_user(&l, &"ab".repeat(32)), None);
    // Only the hash is kept: the token appears nowhere in the file.
    let bytes = l.bytes();
    assert!(!bytes.windows(first.len()).any(|w| w == first.as_bytes()));
    assert_eq!(user(&users_json(&l), "审计")["active_tokens"], 2);
}

#[test]
fn refusals_write_nothing() {
    let l = with_users();
    let add = |name: &'static str, more: &[&'static str]| {
        let mut a = vec!["user", "add", name];
        a.extend_from_slice(more);
        a.push("--password-stdin");
        a
    };
    let pw = "long-enough\n";
    refused_with_stdin(&l, &add("管理员", &["--role", "admin"]), pw, &["已存在"]);
    refused_with_stdin(&l, &add("录入2", &["--role", "clerk"]), pw, &["至少需要一个 --county"]);
    refused_with_stdin(
        &l,
        &add("录入2", &["--role", "clerk", "--county", "火星区"]),
        pw,
        &["火星区", "不是目录中的县市区"],
    );
    refused_with_stdin(
        &l,
        &add("录入2", &["--role", "clerk", "--county", "南湖区", "--project", "P-AGRI"]),
        pw,
        &["不接受 --project"],
    );
    refused_with_stdin(&l, &add("主体2", &["--role", "body"]), pw, &["至少需要一个 --project"]);
    refused_with_stdin(
        &l,
        &add("主体2", &["--role", "body", "--project", "P-NONE"]),
        pw,
        &["P-NONE", "未登记"],
    );
    refused_with_stdin(&l, &add("审计2", &["--role", "reviewer", "--county", "南湖区"]), pw, &["不限范围"]);
    refused_with_stdin(&l, &add("管理员2", &["--role", "admin", "--project", "P-AGRI"]), pw, &["不限范围"]);
    refused_with_stdin(&l, &add("bad name", &["--role", "admin"]), pw, &["NAME"]);
    // The password rule, in characters: seven Chinese characters are 21 bytes but too short.
    refused_with_stdin(
        &l,
        &add("短", &["--role", "admin"]),
        "密码密码密码密\n",
        &["8 至 128 个字符", "7 个字符"],
    );
    refused_with_stdin(&l, &add("空", &["--role", "admin"]), "", &["8 至 128 个字符"]);
    refused_with_stdin(&l, &add("长", &["--role", "admin"]), &"a".repeat(129), &["8 至 128 个字符"]);
    refused_with_stdin(&l, &add("两行", &["--role", "admin"]), "first-line\nsecond-line\n", &["控制字符"]);
    ok_with_stdin(&l, &add("正好", &["--role", "admin"]), &"密".repeat(128));
    // Unknown users.
    l.refused(&["user", "disable", "nobody"], &["没有名为 'nobody' 的用户"]);
    l.refused(&["user", "token", "nobody"], &["没有名为 'nobody' 的用户"]);
    refused_with_stdin(
        &l,
        &["user", "passwd", "nobody", "--password-stdin"],
        pw,
        &["没有名为 'nobody' 的用户"],
    );
    // In English on request.
    let en = refused_with_stdin(
        &l,
        &["--lang", "en", "user", "passwd", "主体", "--password-stdin"],
        "short\n",
        &[],
    );
    assert!(en.contains("8 to 128 characters"), "{en}");
}

#[test]
fn a_password_is_read_from_stdin_only() {
    let l = with_users();
    let r = l.run(&["user", "add", "x", "--role", "admin"]);
    assert_eq!(r.code, 2, "--password-stdin is required: {}", r.stderr);
    let r = l.run(&["user", "add", "x", "--role", "boss", "--password-stdin"]);
    assert_eq!(r.code, 2, "an unknown role is a usage error: {}", r.stderr);
}
