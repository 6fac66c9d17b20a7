//! Register amendments (DOMAIN.md §4): a sub-project's or project's field changed from an
//! effective date under a document, appended, never an edit of the register row. The version
//! in force on a date is the register row with, per field, the value of the latest amendment
//! effective on or before that date (by recording order among amendments of the same day).

use super::{Mode, Status, StoredProject, StoredSubproject, Subject};
use crate::error::echo;
use crate::money::Fen;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::str::FromStr;

/// The prefix of a per-channel standalone approval's field: `standalone:CHANNEL`.
pub const STANDALONE_PREFIX: &str = "standalone:";

/// A field an amendment changes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Status,
    Quantity,
    Unit,
    Investment,
    /// An approved standalone subsidy on one channel (its code once resolved; as given before).
    Standalone(String),
    Flagship,
    Mode,
    ImplementingBody,
}

impl Field {
    /// Parses `status`, `investment`, `standalone:CHANNEL` … or the Chinese column names
    /// (确认状态, 计划投资, 单独补助:CHANNEL …).
    pub fn parse(text: &str) -> Result<Field, String> {
        let t = text.trim();
        for prefix in [STANDALONE_PREFIX, "单独补助:", "单独补助：", "standalone_amount:"] {
            if let Some(channel) = t.strip_prefix(prefix).map(str::trim).filter(|c| !c.is_empty()) {
                return Ok(Field::Standalone(channel.to_string()));
            }
        }
        let field = match t.to_ascii_lowercase().as_str() {
            "status" | "确认状态" | "状态" => Field::Status,
            "quantity" | "建设规模" | "规模" => Field::Quantity,
            "unit" | "单位" => Field::Unit,
            "investment" | "计划投资" => Field::Investment,
            "flagship" | "精品示范工程" => Field::Flagship,
            "mode" | "集成模式" => Field::Mode,
            "implementing_body" | "implementing-body" | "实施主体" => Field::ImplementingBody,
            _ => {
                return Err(format!(
                    "'{}' is not a field an amendment changes (use status, quantity, unit, investment or standalone:CHANNEL for a sub-project; flagship, mode or implementing_body for a project)",
                    echo(t)
                ))
            }
        };
        Ok(field)
    }

    /// The stable code stored and printed: `status`, `standalone:CHANNEL` …
    pub fn code(&self) -> String {
        match self {
            Field::Status => "status".into(),
            Field::Quantity => "quantity".into(),
            Field::Unit => "unit".into(),
            Field::Investment => "investment".into(),
            Field::Standalone(channel) => format!("{STANDALONE_PREFIX}{channel}"),
            Field::Flagship => "flagship".into(),
            Field::Mode => "mode".into(),
            Field::ImplementingBody => "implementing_body".into(),
        }
    }

    /// What the field belongs to.
    pub fn subject(&self) -> Subject {
        match self {
            Field::Flagship | Field::Mode | Field::ImplementingBody => Subject::Project,
            _ => Subject::Subproject,
        }
    }

    /// Checks a new value and gives it in the canonical form stored: codes for a status or
    /// mode, yes/no, amounts in yuan with two decimals.
    pub fn canonical_value(&self, text: &str) -> Result<String, String> {
        let t = text.trim();
        match self {
            Field::Status => Status::parse(t).map(|s| s.code().to_string()),
            Field::Mode => Mode::parse(t).map(|m| m.code().to_string()),
            Field::Flagship => super::parse_flag(t).map(|f| if f { "yes" } else { "no" }.to_string()),
            Field::Quantity => match Decimal::from_str(t) {
                Ok(q) if !q.is_sign_negative() => Ok(q.normalize().to_string()),
                _ => Err(format!("quantity '{}' is not a non-negative number", echo(t))),
            },
            Field::Investment | Field::Standalone(_) => {
                Fen::parse_non_negative(t).map(|f| f.to_string()).map_err(|e| e.to_string())
            }
            Field::Unit => super::parse_text_up_to(t, "unit", true, 20),
            Field::ImplementingBody => {
                super::parse_text_up_to(t, "implementing body", true, super::MAX_NAME_CHARS)
            }
        }
    }
}

/// An amendment as a clerk gives it, every field checked (the value in canonical form).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAmendment {
    pub subject: Subject,
    /// The sub-project's or project's code.
    pub code: String,
    pub field: Field,
    pub value: String,
    pub effective: NaiveDate,
    pub document: String,
    pub reason: String,
}

/// An amendment as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAmendment {
    pub id: i64,
    pub subject: Subject,
    pub code: String,
    /// The field's code (`status`, `standalone:CHANNEL` …).
    pub field: String,
    pub value: String,
    pub effective: NaiveDate,
    pub document: String,
    pub reason: String,
    pub operator: String,
    pub recorded_at: String,
}

impl StoredAmendment {
    fn in_force(&self, subject: Subject, code: &str, date: NaiveDate) -> bool {
        self.subject == subject && self.code == code && self.effective <= date
    }
}

/// The status in force on `date`: the latest of `changes` (by effective date, then recording
/// order) effective on or before it, else `register`.
pub fn status_on(register: Status, changes: &[(NaiveDate, Status)], date: NaiveDate) -> Status {
    changes.iter().filter(|(d, _)| *d <= date).max_by_key(|(d, _)| *d).map_or(register, |(_, s)| *s)
}

/// Sub-project `s` with the status in force on `date` (`changes` are its status changes, see
/// `status_on`): borrowed when it is the register's.
pub fn with_status_on<'s>(
    s: &'s StoredSubproject,
    changes: Option<&[(NaiveDate, Status)]>,
    date: NaiveDate,
) -> std::borrow::Cow<'s, StoredSubproject> {
    let status = changes.map_or(s.status, |c| status_on(s.status, c, date));
    if status == s.status {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(StoredSubproject { status, ..s.clone() })
}

/// The version of sub-project `s` in force on `date`: its register row with the amendments
/// (`amendments` in effective date and recording order) effective by then, and its project's
/// mode as amended.
pub fn subproject_as_of(
    s: &StoredSubproject,
    amendments: &[StoredAmendment],
    date: NaiveDate,
) -> StoredSubproject {
    let mut v = s.clone();
    for a in amendments.iter().filter(|a| a.in_force(Subject::Project, &s.project_code, date)) {
        if a.field == "mode" {
            v.mode = Mode::parse(&a.value).unwrap_or(v.mode);
        }
    }
    for a in amendments.iter().filter(|a| a.in_force(Subject::Subproject, &s.code, date)) {
        match a.field.as_str() {
            "status" => v.status = Status::parse(&a.value).unwrap_or(v.status),
            "quantity" => v.quantity = a.value.clone(),
            "unit" => v.unit = a.value.clone(),
            "investment" => v.investment = Fen::parse_yuan(&a.value).unwrap_or(v.investment),
            field => {
                if let (Some(channel), Ok(amount)) =
                    (field.strip_prefix(STANDALONE_PREFIX), Fen::parse_yuan(&a.value))
                {
                    v.standalone_by_channel.insert(channel.to_string(), (amount, a.document.clone()));
                }
            }
        }
    }
    v
}

/// The version of project `p` in force on `date` (see `subproject_as_of`).
pub fn project_as_of(p: &StoredProject, amendments: &[StoredAmendment], date: NaiveDate) -> StoredProject {
    let mut v = p.clone();
    for a in amendments.iter().filter(|a| a.in_force(Subject::Project, &p.row.code, date)) {
        match a.field.as_str() {
            "mode" => v.row.mode = Mode::parse(&a.value).unwrap_or(v.row.mode),
            "flagship" => v.row.flagship = a.value == "yes",
            "implementing_body" => v.row.implementing_body = a.value.clone(),
            _ => {}
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_parse_in_english_and_chinese() {
        assert_eq!(
            Field::parse("单独补助:交通运输发展专项资金"),
            Ok(Field::Standalone("交通运输发展专项资金".into()))
        );
        assert_eq!(Field::parse("Investment"), Ok(Field::Investment));
        assert_eq!(Field::parse("实施主体"), Ok(Field::ImplementingBody));
        assert!(Field::parse("name").is_err());
        assert!(Field::parse("standalone:").is_err());
        assert_eq!(Field::Status.canonical_value("不开展"), Ok("excluded".into()));
        assert_eq!(Field::Investment.canonical_value("1,200,000"), Ok("1200000.00".into()));
        assert!(Field::Quantity.canonical_value("-1").is_err());
    }

    #[test]
    fn the_latest_change_in_force_wins() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let changes = [(d("2024-05-01"), Status::Excluded), (d("2024-07-01"), Status::Ongoing)];
        assert_eq!(status_on(Status::Planned, &changes, d("2024-04-30")), Status::Planned);
        assert_eq!(status_on(Status::Planned, &changes, d("2024-05-01")), Status::Excluded);
        assert_eq!(status_on(Status::Planned, &changes, d("2024-08-01")), Status::Ongoing);
    }
}
