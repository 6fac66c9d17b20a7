//! The city at a glance: balances summed per county and fund channel, in catalogue order (the
//! dashboard's figures, and what `demo` prints).

use crate::catalog::Catalog;
use crate::model::{BalanceLine, LineBalance};
use serde::Serialize;
use std::collections::BTreeMap;

/// One county's money of one channel, every line summed.
#[derive(Clone, Debug, Serialize)]
pub struct CountyChannel {
    pub county: String,
    /// The channel's name.
    pub channel: String,
    #[serde(flatten)]
    pub balance: LineBalance,
}

/// The balance lines summed per county and channel, counties and channels in catalogue order
/// (names the catalogue does not hold last).
pub fn by_county_and_channel(catalog: &Catalog, lines: &[BalanceLine]) -> Vec<CountyChannel> {
    let county_seq = |name: &str| catalog.counties.iter().position(|c| c.name == name);
    let channel_seq = |code: &str| catalog.channels.iter().position(|c| c.code == code);
    let mut sums: BTreeMap<(Option<usize>, Option<usize>), CountyChannel> = BTreeMap::new();
    for l in lines {
        let key = (county_seq(&l.county), channel_seq(&l.channel));
        let name = catalog.channel(&l.channel).map_or(l.channel.clone(), |ch| ch.name.clone());
        sums.entry(key)
            .or_insert_with(|| CountyChannel {
                county: l.county.clone(),
                channel: name,
                balance: LineBalance::default(),
            })
            .balance
            .add(&l.balance);
    }
    sums.into_values().collect()
}
