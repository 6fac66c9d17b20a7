//! Balances per (project, sub-project, channel): allocated, withdrawn, disbursed, returned,
//! paid and balance, summed over the appropriation lines from the maintained balances, in
//! project, sub-project and catalogue channel order, with their total.

use crate::catalog::Catalog;
use crate::model::BalanceLine;
use crate::model::LineBalance;
use crate::money::Fen;
use serde::Serialize;
use std::collections::BTreeMap;

/// The six balance columns of a line or a sum of lines (INTERFACE.md `balances`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub allocated: Fen,
    pub withdrawn: Fen,
    pub disbursed: Fen,
    pub returned: Fen,
    pub paid: Fen,
    /// allocated − withdrawn − returned − paid.
    pub balance: Fen,
}

impl From<&LineBalance> for Figures {
    fn from(b: &LineBalance) -> Figures {
        Figures {
            allocated: b.allocated,
            withdrawn: b.withdrawn,
            disbursed: b.disbursed,
            returned: b.returned,
            paid: b.paid,
            balance: b.balance(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    pub project: String,
    pub subproject: String,
    /// The channel's name.
    pub channel: String,
    #[serde(flatten)]
    pub figures: Figures,
    pub channel_code: String,
}

/// The sum of every row; the row's text keys are there, and `null`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub project: Option<String>,
    pub subproject: Option<String>,
    pub channel: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Balances {
    pub rows: Vec<Row>,
    pub totals: Totals,
}

/// Which lines to keep; every field is resolved (a project code, a county name, a channel
/// code).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub project: Option<String>,
    pub county: Option<String>,
    pub channel: Option<String>,
}

impl Filter {
    pub fn keeps(&self, l: &BalanceLine) -> bool {
        self.project.as_ref().is_none_or(|p| *p == l.project)
            && self.county.as_ref().is_none_or(|c| *c == l.county)
            && self.channel.as_ref().is_none_or(|c| *c == l.channel)
    }
}

/// Sums the kept lines per (project, sub-project, channel), in project, sub-project and
/// catalogue order.
pub fn balances(catalog: &Catalog, lines: &[BalanceLine], filter: &Filter) -> Balances {
    let seq: BTreeMap<&str, usize> =
        catalog.channels.iter().enumerate().map(|(i, ch)| (ch.code.as_str(), i)).collect();
    let mut sums: BTreeMap<(&str, &str, usize, &str), LineBalance> = BTreeMap::new();
    for l in lines.iter().filter(|l| filter.keeps(l)) {
        let key = (
            l.project.as_str(),
            l.subproject.as_str(),
            seq.get(l.channel.as_str()).copied().unwrap_or(usize::MAX),
            l.channel.as_str(),
        );
        sums.entry(key).or_default().add(&l.balance);
    }
    let mut total = LineBalance::default();
    let rows = sums
        .iter()
        .map(|((project, subproject, _, channel), b)| {
            total.add(b);
            Row {
                project: project.to_string(),
                subproject: subproject.to_string(),
                channel: catalog.channel(channel).map_or(channel.to_string(), |ch| ch.name.clone()),
                figures: b.into(),
                channel_code: channel.to_string(),
            }
        })
        .collect();
    Balances { rows, totals: Totals { figures: (&total).into(), ..Totals::default() } }
}
