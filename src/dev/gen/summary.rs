//! What `gen` wrote, and how the command tells it: each file with its count, the mix of
//! kinds, and the commands that import the files in order.

use super::{Options, FILES};
use crate::model::Kind;
use chrono::NaiveDate;
use std::path::Path;

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub projects: usize,
    pub subprojects: usize,
    /// Sub-projects confirmed as excluded (不开展); they receive no entry.
    pub excluded: usize,
    pub appropriations: usize,
    /// Lines (appropriation × sub-project) that carry at least one entry.
    pub lines: usize,
    pub entries: u64,
    /// Entries per kind, in `Kind::ALL` order.
    pub kinds: [u64; 6],
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
}

/// Prints what was written into `dir` and how to import it.
pub fn print_summary(dir: &Path, options: &Options, s: &Summary) {
    let path = |name: &str| shell_word(&crate::error::shown_path(&dir.join(name)).to_string());
    crate::outln!("wrote {}: {} projects", path(FILES[0]), s.projects);
    crate::outln!("wrote {}: {} sub-projects ({} excluded)", path(FILES[1]), s.subprojects, s.excluded);
    crate::outln!("wrote {}: {} appropriation lines", path(FILES[2]), s.appropriations);
    let dates = match (s.first_date, s.last_date) {
        (Some(first), Some(last)) => format!(", dated {first} to {last}"),
        _ => String::new(),
    };
    crate::outln!("wrote {}: {} entries on {} lines{dates}", path(FILES[3]), s.entries, s.lines);
    let mix: Vec<String> = Kind::ALL
        .iter()
        .zip(s.kinds)
        .map(|(kind, n)| format!("{kind} {n} ({})", percent(n, s.entries)))
        .collect();
    crate::outln!("entries by kind: {}", mix.join(", "));
    crate::outln!("seed {}; the figures are illustrative, not real.", options.seed);
    crate::outln!("\nImport them into a fresh ledger, in this order:");
    crate::outln!("  fundledger init");
    for (what, name) in ["projects", "subprojects", "appropriations", "entries"].iter().zip(FILES) {
        crate::outln!("  fundledger import {what} {}", path(name));
    }
}

/// `n` of `total` as a percentage with one decimal, in integer arithmetic.
fn percent(n: u64, total: u64) -> String {
    if total == 0 {
        return "0.0%".to_string();
    }
    let tenths = (u128::from(n) * 1000 + u128::from(total) / 2) / u128::from(total);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// Quotes a path for a POSIX shell when it holds anything but plain characters.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_alphanumeric() || "/._-+:,@".contains(c) || !c.is_ascii();
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::{percent, shell_word};

    #[test]
    fn percentages_round_to_one_decimal_without_floats() {
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(2, 3), "66.7%");
        assert_eq!(percent(0, 0), "0.0%");
    }

    #[test]
    fn paths_with_spaces_are_quoted_for_the_shell() {
        assert_eq!(shell_word("/tmp/city/entries.csv"), "/tmp/city/entries.csv");
        assert_eq!(shell_word("/tmp/my city/it's.csv"), r"'/tmp/my city/it'\''s.csv'");
    }
}
