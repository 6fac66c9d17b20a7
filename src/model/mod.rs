//! Domain types: the nouns of DOMAIN.md as validated Rust values. No I/O here.
//!
//! Every enum parses from its English code and from the Chinese word clerks write
//! (`agri`/农, `excluded`/不开展, `allocate`/分配 …), and prints its English code; its Chinese
//! label is `zh()`. Row types (`NewProject`, `NewEntry` …) are what the importer and the CLI
//! produce after checking every field; the ledger only ever sees these.

mod adjustment;
mod amendment;
mod approval;
mod balance;
mod codes;
mod contract;
mod ids;
mod rows;
mod stored;
mod text;
mod users;

pub use adjustment::*;
pub use amendment::*;
pub use approval::*;
pub use balance::*;
pub use codes::*;
pub use contract::*;
pub use ids::*;
pub use rows::*;
pub use stored::*;
pub use text::*;
pub use users::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Fen;
    use chrono::NaiveDate;

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
        assert!(err.contains("超过 40 个字符"), "{err}");
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
