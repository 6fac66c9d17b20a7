//! Identifiers: the codes clerks give (each a newtype that can only be made by checking it)
//! and a ledger line.

use super::parse_code;
use serde::Serialize;
use std::fmt;

/// Declares a code newtype: made by `parse` (the code rules of `parse_code`), or by `stored`
/// for a value read back from the ledger (checked when it was written; `verify` re-reads
/// what was tampered with as it is). It reads as a `&str` everywhere.
macro_rules! code_type {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// What the code names, as messages call it.
            pub const WHAT: &'static str = $what;

            /// Checks a code as a clerk typed it (trimmed, visible characters only, at most
            /// `MAX_CODE_CHARS`, no leading = + - @).
            pub fn parse(text: &str) -> Result<$name, String> {
                parse_code(text, $what).map($name)
            }

            /// `parse`, naming the value as the column or option it came from in messages.
            pub fn parse_as(text: &str, what: &str) -> Result<$name, String> {
                parse_code(text, what).map($name)
            }

            /// A code as the ledger holds it.
            pub fn stored(text: String) -> $name {
                $name(text)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl From<$name> for String {
            fn from(code: $name) -> String {
                code.0
            }
        }
    };
}

code_type!(
    /// A project's code (项目编号).
    ProjectCode, "project"
);
code_type!(
    /// A sub-project's code (子项目编号).
    SubprojectCode, "sub-project"
);
code_type!(
    /// An appropriation line's code (指标编号).
    AppropriationCode, "appropriation"
);
code_type!(
    /// A voucher number (凭证号): one entry's key.
    Voucher, "voucher"
);

/// An entry's key: a voucher and one of its lines (分录). Shown as the voucher alone for line
/// 1, so a one-line voucher reads as clerks write it, and as `V line 2` beyond.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct VoucherLine {
    pub voucher: Voucher,
    pub line: u32,
}

impl fmt::Display for VoucherLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            1 => write!(f, "{}", self.voucher),
            n => {
                let voucher = &self.voucher;
                f.write_str(&crate::tr!("{voucher} 第{n}行", "{voucher} line {n}"))
            }
        }
    }
}

/// The most lines one voucher may have.
pub const MAX_VOUCHER_LINES: u32 = 9999;

/// A ledger line: one appropriation line's money for one sub-project, by their row ids. Every
/// balance, day row and activity record is kept per line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineId {
    pub appropriation: i64,
    pub subproject: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_made_only_by_checking_it_and_reads_as_text() {
        let code = SubprojectCode::parse("  S-FARM ").expect("a good code");
        assert_eq!(code, "S-FARM");
        assert_eq!(code.len(), 6);
        assert_eq!(format!("{code}"), "S-FARM");
        assert!(SubprojectCode::parse("S FARM").unwrap_err().contains("sub-project"));
        assert!(Voucher::parse("=1+1").is_err());
        assert!(ProjectCode::parse("").unwrap_err().contains("project 为空"));
    }
}
