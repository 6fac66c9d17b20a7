//! Reports as complete data, computed from the ledger: every figure and every judgement
//! (a target met, a flag raised, a payment matched) is a typed field of a report value, so
//! the terminal table, CSV, JSON and the workbook all say the same thing. Rendering is
//! `render`'s job; a report never formats itself for a reader, and never imports `commands`,
//! `render`, `cli` or `import`.
//!
//! Each value derives `Serialize`: JSON is the value itself. Money serialises as a yuan
//! string with two decimals (`Fen`), dates as `YYYY-MM-DD`, percentages as strings with two
//! decimals, judgements as booleans, and anything absent as `null`.

pub mod acceptance;
pub mod allocation;
pub mod approvals;
pub mod balances;
pub mod catalog;
pub mod check;
pub mod contracts;
pub mod entitlements;
pub mod history;
pub mod issued;
pub mod journal;
pub mod letters;
pub mod overview;
pub mod reconcile;
pub mod review;
pub mod statement;
pub mod users;
pub mod verification;

/// Serde helpers for the types that do not serialise themselves the way JSON readers expect.
pub mod ser {
    use rust_decimal::Decimal;
    use serde::Serializer;

    /// A date as `YYYY-MM-DD`.
    pub fn date<S: Serializer>(d: &chrono::NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    /// An optional date as `YYYY-MM-DD`, or `null`.
    pub fn opt_date<S: Serializer>(d: &Option<chrono::NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }

    /// A percentage as a string with two decimals (`"87.50"`), or `null`.
    pub fn opt_percent<S: Serializer>(p: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match p {
            Some(p) => s.collect_str(&format_args!("{p:.2}")),
            None => s.serialize_none(),
        }
    }

    /// The ledger's fingerprint as `{"entries", "hash"}`.
    pub fn fingerprint<S: Serializer>(f: &crate::model::Fingerprint, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Fingerprint", 2)?;
        st.serialize_field("entries", &f.entries)?;
        st.serialize_field("hash", &f.hash)?;
        st.end()
    }
}
