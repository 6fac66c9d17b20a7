//! Errors and exit codes, in one place.
//!
//! Two kinds of failure (STYLE.md habit 2): a `Problem` is bad input or a broken rule, written
//! for the clerk who must fix it, with where it is (file, line, column) and which rule (R1–R7)
//! or input check it breaks; `Error::Internal` is the environment failing (disk, SQLite). A
//! rejected write always means nothing was written.

use std::fmt;

/// Exit codes (INTERFACE.md).
pub mod exit {
    pub const REJECTED: u8 = 1;
    pub const FLAGS: u8 = 3;
}

/// Which check a problem breaks: one of the ledger rules, or an input check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// R1 channels stay separate.
    R1,
    /// R2 uses stay fixed.
    R2,
    /// R3 no overdraw.
    R3,
    /// R4 append-only.
    R4,
    /// R5 closed periods stay closed.
    R5,
    /// R6 money is exact.
    R6,
    /// R7 mode admissibility.
    R7,
    /// A malformed value (date, code, enum, text length).
    Format,
    /// A reference to something that does not exist (unknown code).
    Unknown,
    /// The file itself: encoding, header, missing columns, size limits.
    File,
    /// Two subsidy rules would apply to the same channel, type and day.
    Overlap,
    /// Acceptance out of order (policy 四（四）): overall after every item, county after
    /// overall, city after county.
    Acceptance,
    /// A confirmation letter (确认书) that disagrees with itself, its project or the
    /// catalogue's lead departments.
    Letter,
    /// The audit chain and the stored rows disagree: something was changed behind
    /// fundledger's back.
    Audit,
    /// Users and roles: a user name, role, scope or password the rules for users refuse.
    Access,
    /// A contract that breaks the procurement rules (policy 四（三）) or is paid beyond a
    /// sub-project's share.
    Contract,
}

impl Check {
    /// The rule tag (R1…R7) first, then the check's name in the language in force.
    pub fn label(self) -> &'static str {
        let (zh, en) = match self {
            Check::R1 => ("R1 渠道不乱", "R1 channels stay separate"),
            Check::R2 => ("R2 用途不变", "R2 uses stay fixed"),
            Check::R3 => ("R3 不得超支", "R3 no overdraw"),
            Check::R4 => ("R4 只增不改", "R4 append-only"),
            Check::R5 => ("R5 已结账期间", "R5 closed period"),
            Check::R6 => ("R6 金额精确到分", "R6 exact money"),
            Check::R7 => ("R7 集成模式", "R7 mode admissibility"),
            Check::Format => ("格式有误", "malformed value"),
            Check::Unknown => ("未登记", "unknown reference"),
            Check::File => ("文件", "file"),
            Check::Overlap => ("规则重叠", "overlapping rule"),
            Check::Acceptance => ("验收规定", "acceptance rules"),
            Check::Letter => ("确认书", "confirmation letters"),
            Check::Audit => ("审计链", "audit chain"),
            Check::Access => ("用户与权限", "users and roles"),
            Check::Contract => ("合同", "contracts"),
        };
        crate::lang::pick(zh, en)
    }
}

/// One thing wrong with the input, located as precisely as known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub check: Check,
    pub file: Option<String>,
    pub line: Option<u64>,
    pub column: Option<String>,
    pub message: String,
    /// How many further problems this one stands for, counted but not kept (an import keeps
    /// the first `MAX_PROBLEMS_KEPT`, so millions of bad rows cannot exhaust memory).
    pub unlisted: u64,
}

impl Problem {
    pub fn new(check: Check, message: impl Into<String>) -> Problem {
        Problem { check, file: None, line: None, column: None, message: message.into(), unlisted: 0 }
    }

    /// Stands for `count` problems of `file` that were counted but not kept.
    pub fn unlisted(file: &str, count: u64) -> Problem {
        let message = crate::tr!(
            "只保留前 {MAX_PROBLEMS_KEPT} 个问题（其余 {count} 个只计数、不列出）；请先改正这些再重新导入",
            "only the first {MAX_PROBLEMS_KEPT} problems are kept (the other {count} are counted, not listed); fix these and import again"
        );
        Problem { file: Some(file.to_string()), unlisted: count, ..Problem::new(Check::File, message) }
    }

    /// A code that names nothing recorded: "project 'P-9' is not recorded" (in Chinese
    /// "项目 'P-9' 未登记"); `what` is the English noun, named in Chinese by `noun_zh`.
    pub fn not_recorded(what: &str, code: &str) -> Problem {
        let code = echo(code);
        let zh = noun_zh(what);
        Problem::new(Check::Unknown, crate::tr!("{zh} '{code}' 未登记", "{what} '{code}' is not recorded"))
    }

    /// Adds what the clerk can do about it: "…; import the projects file first".
    pub fn hint(mut self, hint: &str) -> Problem {
        let sep = crate::lang::pick("；", "; ");
        self.message = format!("{}{sep}{hint}", self.message);
        self
    }

    pub fn column(mut self, column: impl Into<String>) -> Problem {
        self.column = Some(column.into());
        self
    }

    pub fn at(mut self, file: &str, line: u64) -> Problem {
        self.file = Some(file.to_string());
        self.line = Some(line);
        self
    }
}

/// The Chinese of the nouns `Problem::not_recorded` is given (the English as a fallback).
fn noun_zh(what: &str) -> &str {
    match what {
        "project" => "项目",
        "sub-project" => "子项目",
        "appropriation" => "指标",
        "original entry" | "entry" => "原分录",
        "voucher" => "凭证",
        "county" => "县市区",
        "department" => "部门",
        "channel" | "fund channel" => "补助资金类别",
        "type" | "sub-project type" => "子项目类型",
        "contract" => "合同",
        "pending item" => "待审批事项",
        other => other,
    }
}

/// The longest a clerk's value is quoted in a message, in characters.
pub const MAX_ECHO_CHARS: usize = 60;

/// A clerk's value as a message quotes it: control characters escaped (`\u{1b}`, `\n`), and
/// bidirectional controls (`\u{202e}`), so a cell cannot drive the terminal that shows the message, and cut at `MAX_ECHO_CHARS` with
/// `…`, so a 64 KiB cell cannot bury the message.
pub fn echo(value: &str) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == MAX_ECHO_CHARS {
            out.push('…');
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// Characters that would drive, rearrange or hide part of the text showing them: control
/// characters (ESC sequences, line breaks), bidirectional controls (U+202E shows text
/// reversed), zero-width and other invisible characters, and the Unicode line and paragraph
/// separators.
fn is_unsafe(c: char) -> bool {
    c.is_control() || invisible(c).is_some() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// What an invisible character is, if `c` is one: a zero-width character, a bidirectional
/// control (which can make text read differently from how it is stored), or another format
/// character that shows nothing. Such characters make two codes look the same, or a name read
/// backwards, so they are refused wherever a clerk's text is recorded.
pub fn invisible(c: char) -> Option<&'static str> {
    if c.is_ascii() {
        return None;
    }
    let (zh, en) = match u32::from(c) {
        0x202A..=0x202E | 0x2066..=0x2069 | 0x200E | 0x200F | 0x061C => {
            ("双向控制字符", "a bidirectional control")
        }
        0x200B..=0x200D | 0x2060 | 0xFEFF => ("零宽字符", "a zero-width character"),
        0x00AD => ("软连字符", "a soft hyphen"),
        0x034F | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F | 0x3164 | 0xFFA0 => {
            ("不可见字符", "an invisible character")
        }
        0x2061..=0x2064 | 0x206A..=0x206F | 0xFFF9..=0xFFFB => {
            ("不可见格式字符", "an invisible format character")
        }
        0xFE00..=0xFE0F | 0xE0100..=0xE01EF => ("变体选择符", "a variation selector"),
        0xE0000..=0xE007F => ("标签字符", "a tag character"),
        _ => return None,
    };
    Some(crate::lang::pick(zh, en))
}

fn push_escaped(out: &mut String, c: char) {
    if is_unsafe(c) {
        out.extend(c.escape_default());
    } else {
        out.push(c);
    }
}

/// Text from outside (a file name, a header, a message quoting a cell) with its control
/// characters escaped; the last guard, whatever a message forgot to `echo`.
pub fn escaped(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    text.chars().for_each(|c| push_escaped(&mut out, c));
    out.into()
}

/// A path as messages and summaries show it: escaped like any text from outside, since a
/// file may be named with an ESC sequence or a bidirectional control.
pub fn shown_path(path: &std::path::Path) -> String {
    escaped(&path.display().to_string()).into_owned()
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: ", escaped(file))?,
            (Some(file), None) => write!(f, "{}: ", escaped(file))?,
            _ => {}
        }
        match &self.column {
            Some(option) if option.starts_with("--") => {
                write!(f, "{} {}: ", crate::lang::pick("选项", "option"), escaped(option))?
            }
            // A positional argument of a command (VOUCHER, SUBPROJECT), named as `--help` does.
            Some(arg) if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
                write!(f, "{} {}: ", crate::lang::pick("参数", "argument"), escaped(arg))?
            }
            Some(column) => write!(f, "{} {}: ", crate::lang::pick("列", "column"), escaped(column))?,
            None => {}
        }
        write!(f, "{} [{}]", escaped(&self.message), self.check.label())
    }
}

/// How many problems one rejected import lists before it summarises the rest.
pub const MAX_PROBLEMS_SHOWN: usize = 200;
/// How many problems one import keeps in memory; the rest are only counted.
pub const MAX_PROBLEMS_KEPT: usize = 1_000;

#[derive(Debug)]
pub enum Error {
    /// Bad input or a broken rule; nothing was written. Exit 1.
    Rejected(Vec<Problem>),
    /// A read-only command was asked about something that does not exist. Exit 1.
    BadRequest(Vec<Problem>),
    /// `verify` found stored rows that break the rules or disagree with each other. Exit 3.
    Findings(Vec<Problem>),
    /// The environment failed (I/O, SQLite). Exit 1.
    Internal(String),
}

impl Error {
    pub fn rejected(problem: Problem) -> Error {
        Error::Rejected(vec![problem])
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Rejected(_) | Error::BadRequest(_) | Error::Internal(_) => exit::REJECTED,
            Error::Findings(_) => exit::FLAGS,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Problems standing for unlisted ones are printed after the listed ones.
        let error = crate::lang::pick("错误", "error");
        let list = |f: &mut fmt::Formatter<'_>, problems: &[Problem]| -> fmt::Result {
            let (notes, listed): (Vec<&Problem>, Vec<&Problem>) =
                problems.iter().partition(|p| p.unlisted > 0);
            for p in listed.iter().take(MAX_PROBLEMS_SHOWN) {
                writeln!(f, "{error}: {p}")?;
            }
            let more = listed.len().saturating_sub(MAX_PROBLEMS_SHOWN) as u64 + total_unlisted(problems);
            if more > 0 {
                writeln!(f, "{}", crate::tr!("{error}: …… 另有 {more} 个", "{error}: … and {more} more"))?;
            }
            notes.iter().try_for_each(|p| writeln!(f, "{error}: {p}"))
        };
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        match self {
            Error::Rejected(problems) => {
                list(f, problems)?;
                let n = problems.iter().filter(|p| p.unlisted == 0).count() as u64 + total_unlisted(problems);
                let s = plural(n);
                write!(
                    f,
                    "{}",
                    crate::tr!(
                        "发现 {n} 个问题；未写入任何内容",
                        "{n} problem{s} found; nothing was written"
                    )
                )
            }
            Error::BadRequest(problems) => list(f, problems)
                .and_then(|_| write!(f, "{}", crate::lang::pick("无可显示的内容", "nothing to show"))),
            Error::Findings(problems) => {
                list(f, problems)?;
                let n = problems.len() as u64;
                let s = plural(n);
                if problems.iter().any(|p| p.check == Check::Audit) {
                    let text = crate::tr!(
                        "{n} 项发现——账本文件在 fundledger 之外被改动过",
                        "{n} finding{s} — the ledger file was changed outside fundledger"
                    );
                    write!(f, "{text}")
                } else {
                    let text = crate::tr!(
                        "{n} 项发现——账本中存储的数据不符合其规则",
                        "{n} finding{s} — the stored ledger does not agree with its rules"
                    );
                    write!(f, "{text}")
                }
            }
            Error::Internal(msg) => write!(f, "{error}: {}", escaped(msg)),
        }
    }
}

fn total_unlisted(problems: &[Problem]) -> u64 {
    problems.iter().map(|p| p.unlisted).sum()
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Internal(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_escapes_control_characters_and_cuts_long_values() {
        assert_eq!(echo("南湖区"), "南湖区");
        assert_eq!(echo("a\u{1b}[2J\nb\0"), "a\\u{1b}[2J\\nb\\u{0}");
        assert_eq!(echo(&"中".repeat(61)), format!("{}…", "中".repeat(60)));
        assert_eq!(echo(&"中".repeat(60)), "中".repeat(60));
    }

    #[test]
    fn a_problem_never_prints_a_control_character() {
        let p = Problem::new(Check::Format, "'\u{1b}[31m' is bad").column("a\tb").at("x\ry.csv", 2);
        let shown = p.to_string();
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        let en = crate::lang::with(crate::lang::Lang::En, || p.to_string());
        assert_eq!(en, "x\\ry.csv:2: column a\\tb: '\\u{1b}[31m' is bad [malformed value]");
        assert_eq!(shown, "x\\ry.csv:2: 列 a\\tb: '\\u{1b}[31m' is bad [格式有误]");
    }
}

/// The problems of one file, kept up to `MAX_PROBLEMS_KEPT` (in file order, the first ones)
/// and the rest only counted, so a file of millions of bad rows cannot exhaust memory.
#[derive(Debug, Default)]
pub struct KeptProblems {
    pub kept: Vec<Problem>,
    pub dropped: u64,
}

impl KeptProblems {
    pub fn push(&mut self, p: Problem) {
        if self.kept.len() < MAX_PROBLEMS_KEPT {
            self.kept.push(p);
        } else {
            self.dropped += 1;
        }
    }
}
