//! Domain types: the nouns of DOMAIN.md as validated Rust values. No I/O here.
//!
//! Every enum parses from its English code and from the Chinese word clerks write
//! (`agri`/农, `excluded`/不开展, `allocate`/分配 …), and prints its English code; its Chinese
//! label is `zh()`. Row types (`NewProject`, `NewEntry` …) are what the importer and the CLI
//! produce after checking every field; the ledger only ever sees these.

use crate::error::echo;
use crate::money::Fen;
use chrono::NaiveDate;

/// The largest running total of one balance column: 10^17 fen, so that sums of the five
/// columns over many lines stay far inside `i64`.
pub const MAX_RUNNING_FEN: i128 = 100_000_000_000_000_000;
use std::fmt;

/// Declares a closed set of codes, each with its English code, Chinese label and aliases.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal {
        $($variant:ident = $code:literal, $zh:literal $(| $alias:literal)*;)+
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// What this set is called in messages.
            pub const WHAT: &'static str = $what;

            /// The stable English code used in CSV, JSON and SQL.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese label clerks see.
            pub fn zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            /// Parses the English code (any case) or the Chinese label or alias.
            pub fn parse(text: &str) -> Result<$name, String> {
                let t = text.trim();
                $(
                    if t.eq_ignore_ascii_case($code) || t == $zh $(|| t == $alias)* {
                        return Ok($name::$variant);
                    }
                )+
                let allowed: Vec<String> = $name::ALL
                    .iter()
                    .map(|v| format!("{}/{}", v.code(), v.zh()))
                    .collect();
                Err(format!("'{}' is not a valid {} (use one of {})", echo(t), $what, allowed.join(", ")))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum!(
    /// Integration mode declared at approval (Annex 1 columns). Nested: 农 ⊂ 地 ⊂ 人.
    Mode, "mode" {
        Agri = "agri", "农" | "以“农”为核心" | "以\"农\"为核心";
        Land = "land", "地" | "以“地”为核心" | "以\"地\"为核心";
        People = "people", "人" | "以“人”为核心" | "以\"人\"为核心";
    }
);

code_enum!(
    /// Project area extent (policy 四（一）).
    Scope, "scope" {
        CrossTownship = "cross_township", "跨乡镇";
        WholeTownship = "whole_township", "整镇域";
        SingleTownship = "single_township", "单乡镇";
    }
);

code_enum!(
    /// Sub-project confirmation status from the Annex-2 letter.
    Status, "status" {
        Ongoing = "ongoing", "在建";
        Planned = "planned", "拟同步建设" | "拟新建";
        Excluded = "excluded", "不开展";
    }
);

code_enum!(
    /// Budget level of an appropriation line.
    Level, "level" {
        Central = "central", "中央";
        Provincial = "provincial", "省" | "省级";
        City = "city", "市" | "市级";
        County = "county", "县" | "县级";
    }
);

code_enum!(
    /// What an entry does to the money of one line (DOMAIN.md §4).
    Kind, "kind" {
        Allocate = "allocate", "分配";
        Disburse = "disburse", "拨付";
        Pay = "pay", "支付";
        Withdraw = "withdraw", "收回" | "追减" | "收回/追减";
        Return = "return", "退回";
        Reverse = "reverse", "冲销";
    }
);

/// The five ways money moves between the pools of DOMAIN.md §4. An entry of kind `reverse`
/// has no flow of its own: it undoes its original's (`Direction::Back`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flow {
    Allocate,
    Disburse,
    Pay,
    Withdraw,
    Return,
}

/// Whether an entry moves money the way its flow goes, or moves an earlier entry's money back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Forward,
    Back,
}

impl Kind {
    /// The flow of an entry of this kind; `None` for a reversal, which takes its original's.
    pub fn flow(self) -> Option<Flow> {
        match self {
            Kind::Allocate => Some(Flow::Allocate),
            Kind::Disburse => Some(Flow::Disburse),
            Kind::Pay => Some(Flow::Pay),
            Kind::Withdraw => Some(Flow::Withdraw),
            Kind::Return => Some(Flow::Return),
            Kind::Reverse => None,
        }
    }
}

impl Flow {
    /// The entry kind that records this flow.
    pub fn kind(self) -> Kind {
        match self {
            Flow::Allocate => Kind::Allocate,
            Flow::Disburse => Kind::Disburse,
            Flow::Pay => Kind::Pay,
            Flow::Withdraw => Kind::Withdraw,
            Flow::Return => Kind::Return,
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind().code())
    }
}

code_enum!(
    /// What happens to a year (R5): it is closed, or reopened with a reason.
    PeriodAction, "period action" {
        Close = "close", "关账";
        Reopen = "reopen", "重新开账";
    }
);

/// When a line last moved (the dates `check` reads).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Activity {
    pub last_entry: Option<NaiveDate>,
    pub last_disbursement: Option<NaiveDate>,
}

impl Activity {
    /// The activity after an entry of `kind` (a reversal's own kind) dated `date`.
    pub fn after(self, kind: Kind, date: NaiveDate) -> Activity {
        Activity {
            last_entry: self.last_entry.max(Some(date)),
            last_disbursement: if kind == Kind::Disburse {
                self.last_disbursement.max(Some(date))
            } else {
                self.last_disbursement
            },
        }
    }
}

impl Mode {
    /// Whether a type with these Annex-1 ticks is admissible under this mode (R7).
    pub fn admits(self, ticks: ModeTicks) -> bool {
        match self {
            Mode::Agri => ticks.agri,
            Mode::Land => ticks.land,
            Mode::People => ticks.people,
        }
    }
}

/// The three Annex-1 ticks of a sub-project type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeTicks {
    pub agri: bool,
    pub land: bool,
    pub people: bool,
}

/// Parses `yes`/`no`/是/否/`true`/`false`/`1`/`0`/√ and empty as no.
pub fn parse_flag(text: &str) -> Result<bool, String> {
    match text.trim() {
        t if ["yes", "y", "true", "1"].iter().any(|v| t.eq_ignore_ascii_case(v)) => Ok(true),
        "是" | "√" | "✓" => Ok(true),
        t if ["no", "n", "false", "0", ""].iter().any(|v| t.eq_ignore_ascii_case(v)) => Ok(false),
        "否" => Ok(false),
        t => Err(format!("'{}' is not yes/no (是/否)", echo(t))),
    }
}

/// Parses `YYYY-MM-DD`, also `YYYY/MM/DD` and `YYYY.MM.DD` as Excel may write them, and
/// `YYYY年MM月DD日`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the date is empty".to_string());
    }
    let normalised: String = t.replace(['年', '月', '/', '.'], "-").replace('日', "");
    NaiveDate::parse_from_str(&normalised, "%Y-%m-%d")
        .ok()
        .filter(|d| YEARS.contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| format!("'{}' is not a date (write YYYY-MM-DD, e.g. 2024-03-15)", echo(t)))
}

/// A ledger line: one appropriation line's money for one sub-project, by their row ids. Every
/// balance, day row and activity record is kept per line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineId {
    pub appropriation: i64,
    pub subproject: i64,
}

/// The years a date or `--year` may name.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// Longest accepted text in a code column (project, voucher …).
pub const MAX_CODE_CHARS: usize = 40;
/// Longest accepted free text (names, memos).
pub const MAX_TEXT_CHARS: usize = 200;
/// Longest accepted name of a department, sub-project type or fund channel, and document
/// number of an appropriation (the schema's `CHECK (length(…) BETWEEN 1 AND 100)`).
pub const MAX_NAME_CHARS: usize = 100;
/// Longest accepted county name (the schema's limit).
pub const MAX_COUNTY_NAME_CHARS: usize = 40;

/// Validates a user-chosen code: 1–40 characters, no control characters, no leading `=+-@`
/// (a cell Excel would run as a formula).
pub fn parse_code(text: &str, what: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if t.chars().count() > MAX_CODE_CHARS {
        return Err(format!("the {what} '{}' is longer than {MAX_CODE_CHARS} characters", echo(t)));
    }
    if t.chars().any(char::is_control) {
        return Err(format!("the {what} contains a control character"));
    }
    if let Some((at, c)) =
        t.chars().enumerate().find(|(_, c)| c.is_whitespace() || crate::error::invisible(*c).is_some())
    {
        let kind = crate::error::invisible(c).unwrap_or("a space");
        return Err(format!(
            "the {what} '{}' contains U+{:04X} ({kind}) at character {}; codes take visible characters only, or two codes would look the same",
            echo(t),
            u32::from(c),
            at + 1
        ));
    }
    if t.starts_with(['=', '+', '-', '@']) {
        return Err(format!("the {what} '{t}' may not start with = + - or @"));
    }
    Ok(t.to_string())
}

/// Validates free text: at most `MAX_TEXT_CHARS` and no control characters. A line break
/// inside a cell (Alt+Enter in Excel) becomes a space.
pub fn parse_text(text: &str, what: &str, required: bool) -> Result<String, String> {
    parse_text_up_to(text, what, required, MAX_TEXT_CHARS)
}

/// Like `parse_text`, with a column's own limit of `max_chars` characters (a name the schema
/// holds to fewer characters than free text).
pub fn parse_text_up_to(text: &str, what: &str, required: bool, max_chars: usize) -> Result<String, String> {
    let joined = text.replace("\r\n", " ").replace(['\r', '\n'], " ");
    let t = joined.trim();
    if required && t.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if t.chars().count() > max_chars {
        return Err(format!("the {what} is longer than {max_chars} characters"));
    }
    if t.chars().any(char::is_control) {
        return Err(format!("the {what} contains a control character"));
    }
    if let Some((at, c)) = t.chars().enumerate().find(|(_, c)| crate::error::invisible(*c).is_some()) {
        return Err(format!(
            "the {what} contains U+{:04X} ({}) at character {}; text may not hide characters that change how it reads",
            u32::from(c),
            crate::error::invisible(c).unwrap_or_default(),
            at + 1
        ));
    }
    Ok(t.to_string())
}

/// An integrated land-consolidation project (土地综合整治项目).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProject {
    pub code: String,
    pub name: String,
    pub county: String,
    pub scope: Scope,
    pub towns: String,
    pub villages: String,
    pub implementing_body: String,
    pub mode: Mode,
    pub approved_on: NaiveDate,
    pub flagship: bool,
}

/// A sub-project (子项目). `type_ref` is resolved against the catalogue by the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSubproject {
    pub code: String,
    pub project: String,
    pub type_ref: String,
    pub status: Status,
    pub quantity: String,
    pub unit: String,
    pub investment: Fen,
    pub letter: String,
    pub standalone: Option<Fen>,
    pub standalone_doc: String,
}

/// An appropriation line (资金下达): one channel, one level, one recipient county.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAppropriation {
    pub code: String,
    pub doc_no: String,
    pub channel_ref: String,
    pub level: Level,
    pub county: String,
    pub issued_on: NaiveDate,
    pub amount: Fen,
}

code_enum!(
    /// Acceptance stages (policy 四（四）), in the order they must pass.
    Stage, "acceptance stage" {
        Item = "item", "单项验收";
        Overall = "overall", "整体验收";
        County = "county", "县级验收";
        City = "city", "市级验收";
    }
);

code_enum!(
    /// The outcome of an acceptance.
    Verdict, "acceptance result" {
        Passed = "passed", "通过" | "合格" | "验收通过";
        Failed = "failed", "不通过" | "不合格" | "未通过";
    }
);

/// An acceptance as a clerk records it. `subproject` and `department` are for item
/// acceptance only (the department defaults to the type's lead department); `batch` and
/// `award` for city acceptance only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAcceptance {
    pub stage: Stage,
    pub project: Option<String>,
    pub subproject: Option<String>,
    pub department: Option<String>,
    pub verdict: Verdict,
    pub date: NaiveDate,
    pub document: String,
    pub batch: String,
    pub award: bool,
    pub memo: String,
}

/// One ledger entry as written by a clerk. For `reverse`, `reverses` names the original and
/// the appropriation, sub-project and amount may be left empty (they are the original's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEntry {
    pub voucher: String,
    pub date: NaiveDate,
    pub kind: Kind,
    pub appropriation: Option<String>,
    pub subproject: Option<String>,
    pub amount: Option<Fen>,
    pub reverses: Option<String>,
    pub memo: String,
    /// Optional channel the clerk expects the appropriation to carry (R1 cross-check).
    pub channel_ref: Option<String>,
}

/// The balance columns of one (appropriation, sub-project) line, reversals netted into the
/// column of the kind they reverse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineBalance {
    pub allocated: Fen,
    pub withdrawn: Fen,
    pub disbursed: Fen,
    pub returned: Fen,
    pub paid: Fen,
}

impl LineBalance {
    /// Allocated to the sub-project and not yet disbursed.
    pub fn undisbursed(&self) -> Fen {
        self.allocated - self.withdrawn - self.disbursed
    }

    /// Disbursed to the implementing body and not yet paid or returned.
    pub fn held(&self) -> Fen {
        self.disbursed - self.returned - self.paid
    }

    /// What the line takes out of its appropriation; also what the sub-project has received
    /// for the shrinkage check (allocated − withdrawn − returned).
    pub fn drawn(&self) -> Fen {
        self.allocated - self.withdrawn - self.returned
    }

    /// Money still assigned to the line and not yet paid out (INTERFACE.md `balance`).
    pub fn balance(&self) -> Fen {
        self.allocated - self.withdrawn - self.returned - self.paid
    }

    /// The line after `amount` moved by `flow` in `direction`, or `None` if a running total
    /// would leave the range fundledger holds.
    pub fn checked_apply(&self, flow: Flow, amount: Fen, direction: Direction) -> Option<LineBalance> {
        let mut next = *self;
        let column = match flow {
            Flow::Allocate => &mut next.allocated,
            Flow::Withdraw => &mut next.withdrawn,
            Flow::Disburse => &mut next.disbursed,
            Flow::Return => &mut next.returned,
            Flow::Pay => &mut next.paid,
        };
        let signed = match direction {
            Direction::Forward => amount,
            Direction::Back => -amount,
        };
        *column = column.checked_add(signed)?;
        (column.0.abs() <= MAX_RUNNING_FEN).then_some(next)
    }

    /// The movement from `earlier` to `self`, column by column.
    pub fn since(&self, earlier: &LineBalance) -> LineBalance {
        LineBalance {
            allocated: self.allocated - earlier.allocated,
            withdrawn: self.withdrawn - earlier.withdrawn,
            disbursed: self.disbursed - earlier.disbursed,
            returned: self.returned - earlier.returned,
            paid: self.paid - earlier.paid,
        }
    }

    pub fn add(&mut self, other: &LineBalance) {
        self.allocated += other.allocated;
        self.withdrawn += other.withdrawn;
        self.disbursed += other.disbursed;
        self.returned += other.returned;
        self.paid += other.paid;
    }
}

// ---------------------------------------------------------------- recorded rows
//
// What the ledger holds, as read back: ids are SQLite's, references spelled as codes.

/// A project as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredProject {
    pub id: i64,
    pub row: NewProject,
}

/// A sub-project as recorded, with what the ledger needs of its project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSubproject {
    pub id: i64,
    pub code: String,
    pub project_code: String,
    pub county: String,
    pub mode: Mode,
    pub type_code: String,
    pub status: Status,
    pub quantity: String,
    pub unit: String,
    pub investment: Fen,
    pub letter: String,
    pub standalone: Option<Fen>,
    pub standalone_doc: String,
}

/// An appropriation line as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAppropriation {
    pub id: i64,
    pub code: String,
    pub doc_no: String,
    pub channel: String,
    pub level: Level,
    pub county: String,
    pub issued_on: NaiveDate,
    pub amount: Fen,
}

/// An entry as recorded, with its references spelled as codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: i64,
    pub voucher: String,
    pub date: NaiveDate,
    pub kind: Kind,
    pub appropriation_id: i64,
    pub appropriation: String,
    pub subproject_id: i64,
    pub subproject: String,
    pub amount: Fen,
    /// For a reversal: the original's id, kind and voucher.
    pub reverses: Option<(i64, Kind, String)>,
    /// For a reversal: the original's line, amount and
    /// date, which a reversal must mirror (`verify` checks it over stored rows).
    pub original: Option<(LineId, Fen, NaiveDate)>,
    pub memo: String,
    /// The day the entry was recorded (no entry is dated after it).
    pub recorded_on: Option<NaiveDate>,
}

impl StoredEntry {
    /// The line the entry moves money on.
    pub fn line(&self) -> LineId {
        LineId { appropriation: self.appropriation_id, subproject: self.subproject_id }
    }
}

/// One maintained balance line with the names reports need.
#[derive(Clone, Debug)]
pub struct BalanceLine {
    pub project: String,
    pub county: String,
    pub subproject: String,
    pub type_code: String,
    pub channel: String,
    pub appropriation: String,
    pub balance: LineBalance,
}

/// An acceptance as recorded, references as codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAcceptance {
    pub id: i64,
    pub stage: Stage,
    pub project: String,
    pub subproject: Option<String>,
    pub department: Option<String>,
    pub verdict: Verdict,
    pub date: NaiveDate,
    pub document: String,
    pub batch: String,
    pub award: bool,
    pub memo: String,
}

/// When a line last moved.
#[derive(Clone, Debug)]
pub struct LineActivity {
    pub appropriation: String,
    pub subproject: String,
    pub last_entry: NaiveDate,
    pub last_disbursement: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_parse_english_and_chinese() {
        assert_eq!(Mode::parse("农"), Ok(Mode::Agri));
        assert_eq!(Mode::parse("PEOPLE"), Ok(Mode::People));
        assert_eq!(Status::parse("不开展"), Ok(Status::Excluded));
        assert_eq!(Kind::parse("冲销"), Ok(Kind::Reverse));
        assert_eq!(Level::parse("中央"), Ok(Level::Central));
        let err = Kind::parse("transfer").unwrap_err();
        assert!(err.contains("allocate/分配"), "{err}");
    }

    #[test]
    fn dates_accept_excel_forms_and_refuse_nonsense() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 5).expect("valid date");
        assert_eq!(parse_date("2024-03-05"), Ok(d));
        assert_eq!(parse_date("2024/3/5"), Ok(d));
        assert_eq!(parse_date("2024年3月5日"), Ok(d));
        assert!(parse_date("2024-02-30").is_err());
        assert!(parse_date("05/03/2024").is_err());
        assert!(parse_date("").is_err());
    }

    #[test]
    fn codes_refuse_formula_prefixes_and_overlong_text() {
        assert!(parse_code("=HYPERLINK(\"x\")", "voucher").is_err());
        assert!(parse_code(&"x".repeat(41), "voucher").is_err());
        assert_eq!(parse_code(" 记-001 ", "voucher"), Ok("记-001".to_string()));
    }

    #[test]
    fn names_are_held_to_their_column_limit() {
        let name = |n: usize| "名".repeat(n);
        assert_eq!(parse_text_up_to(&name(40), "name", true, MAX_COUNTY_NAME_CHARS), Ok(name(40)));
        let err =
            parse_text_up_to(&name(41), "name", true, MAX_COUNTY_NAME_CHARS).expect_err("41 is too long");
        assert!(err.contains("longer than 40 characters"), "{err}");
        assert!(parse_text_up_to(&name(101), "name", true, MAX_NAME_CHARS).is_err());
        assert_eq!(parse_text(&name(200), "memo", false), Ok(name(200)));
        assert!(parse_text(&name(201), "memo", false).is_err());
    }

    #[test]
    fn balance_identities_hold() {
        let mut b = LineBalance::default();
        for (kind, fen) in [
            (Kind::Allocate, 1000),
            (Kind::Disburse, 600),
            (Kind::Pay, 200),
            (Kind::Return, 100),
            (Kind::Withdraw, 50),
        ] {
            b = b
                .checked_apply(kind.flow().expect("no reversal here"), Fen(fen), Direction::Forward)
                .expect("small amounts");
        }
        assert_eq!(b.undisbursed(), Fen(350));
        assert_eq!(b.held(), Fen(300));
        assert_eq!(b.balance(), Fen(650));
        assert_eq!(b.balance(), b.undisbursed() + b.held());
        b = b.checked_apply(Flow::Pay, Fen(200), Direction::Back).expect("small amounts");
        assert_eq!(b.paid, Fen::ZERO);
        assert_eq!(b.checked_apply(Flow::Allocate, Fen(MAX_RUNNING_FEN), Direction::Forward), None);
    }
}

/// One payment as the implementing body recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    pub voucher: String,
    pub date: NaiveDate,
    pub subproject: String,
    pub amount: Fen,
    /// The line of the file it came from.
    pub line: u64,
}

/// A `pay` entry as the ledger holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerPay {
    pub voucher: String,
    pub date: NaiveDate,
    pub subproject: String,
    pub amount: Fen,
    /// The voucher of the reversal that cancelled it, if any.
    pub reversed_by: Option<String>,
}
