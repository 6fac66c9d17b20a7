//! Identifiers: a ledger line.

/// A ledger line: one appropriation line's money for one sub-project, by their row ids. Every
/// balance, day row and activity record is kept per line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineId {
    pub appropriation: i64,
    pub subproject: i64,
}
