//! Contracts as data (`contracts [--project P]`): per contract and covered sub-project its
//! share of the price, paid, pending and remaining; what was paid per channel; the payment
//! vouchers; and per sub-project what its contracts commit beside the money it holds, so a
//! clerk sees what is free.

use crate::db::Db;
use crate::error::Result;
use crate::model::StoredContract;
use crate::money::Fen;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Serialize)]
pub struct Contracts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    pub contracts: Vec<ShareRow>,
    pub paid_by_channel: Vec<ChannelRow>,
    pub payments: Vec<PaymentRow>,
    pub commitments: Vec<CommitmentRow>,
}

/// One covered sub-project of a contract.
#[derive(Clone, Debug, Serialize)]
pub struct ShareRow {
    pub contract: String,
    pub name: String,
    pub contractor: String,
    pub procurement: String,
    pub signed_on: String,
    pub project: String,
    pub subproject: String,
    /// The share in force (amendments applied).
    pub share: Fen,
    pub paid: Fen,
    /// Submitted for approval and not yet decided.
    pub pending: Fen,
    pub remaining: Fen,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChannelRow {
    pub contract: String,
    pub subproject: String,
    pub channel: String,
    pub paid: Fen,
}

#[derive(Clone, Debug, Serialize)]
pub struct PaymentRow {
    pub contract: String,
    pub voucher: String,
    pub date: String,
    pub amount: Fen,
    /// `paid`, `pending` (waiting for approval), `reversed` or `rejected`.
    pub status: &'static str,
}

/// A sub-project's money on one channel (`channel` set), or its total with what its
/// contracts commit and what is free (`channel` empty).
#[derive(Clone, Debug, Serialize)]
pub struct CommitmentRow {
    pub project: String,
    pub subproject: String,
    /// The channel's name; empty on the sub-project's total row.
    pub channel: String,
    /// Allocated and not yet disbursed.
    pub undisbursed: Fen,
    /// Disbursed to the implementing body and not yet paid.
    pub held: Fen,
    pub balance: Fen,
    /// Contract shares not yet paid (on the total row).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committed: Option<Fen>,
    /// Balance − committed (on the total row); negative when contracts commit more than the
    /// sub-project holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free: Option<Fen>,
}

/// The contracts of `project` (every contract when `None`).
pub fn contracts(db: &Db, project: Option<&str>) -> Result<Contracts> {
    let list = db.contracts(project)?;
    of(db, project, &list)
}

/// The report over `list`, the contracts a reader may see.
pub fn of(db: &Db, project: Option<&str>, list: &[StoredContract]) -> Result<Contracts> {
    let mut contracts = Vec::new();
    let mut paid_by_channel = Vec::new();
    let mut payments = Vec::new();
    let mut committed: BTreeMap<(String, String), Fen> = BTreeMap::new();
    for c in list {
        for s in &c.shares {
            contracts.push(ShareRow {
                contract: c.code.clone(),
                name: c.name.clone(),
                contractor: c.contractor.clone(),
                procurement: c.procurement.code().to_string(),
                signed_on: c.signed_on.to_string(),
                project: c.project.clone(),
                subproject: s.subproject.clone(),
                share: s.share,
                paid: s.paid,
                pending: s.pending,
                remaining: s.remaining(),
            });
            for (channel, paid) in &s.paid_by_channel {
                paid_by_channel.push(ChannelRow {
                    contract: c.code.clone(),
                    subproject: s.subproject.clone(),
                    channel: channel.clone(),
                    paid: *paid,
                });
            }
            *committed.entry((c.project.clone(), s.subproject.clone())).or_default() += s.share - s.paid;
        }
        for p in &c.payments {
            let rejected = !p.pending
                && !p.reversed
                && db.voucher_lines(&crate::model::Voucher::stored(p.voucher.clone()))?.is_empty();
            let status = match (p.pending, p.reversed, rejected) {
                (true, _, _) => "pending",
                (_, true, _) => "reversed",
                (_, _, true) => "rejected",
                _ => "paid",
            };
            payments.push(PaymentRow {
                contract: c.code.clone(),
                voucher: p.voucher.clone(),
                date: p.date.to_string(),
                amount: p.amount,
                status,
            });
        }
    }
    let subprojects: BTreeSet<&str> = committed.keys().map(|(_, s)| s.as_str()).collect();
    let catalog = db.catalog()?;
    let channel_name = |code: &str| catalog.channel(code).map_or(code.to_string(), |c| c.name.clone());
    let mut by_channel: BTreeMap<(String, String, String), (Fen, Fen)> = BTreeMap::new();
    for l in db.balance_lines()?.into_iter().filter(|l| subprojects.contains(l.subproject.as_str())) {
        let e = by_channel
            .entry((l.project.clone(), l.subproject.clone(), channel_name(&l.channel)))
            .or_default();
        e.0 += l.balance.undisbursed();
        e.1 += l.balance.held();
    }
    let mut commitments = Vec::new();
    for ((project, subproject), committed) in committed {
        let mut total = (Fen::ZERO, Fen::ZERO);
        for ((_, _, channel), (undisbursed, held)) in by_channel
            .range((project.clone(), subproject.clone(), String::new())..)
            .take_while(|((p, s, _), _)| *p == project && *s == subproject)
        {
            total.0 += *undisbursed;
            total.1 += *held;
            commitments.push(CommitmentRow {
                project: project.clone(),
                subproject: subproject.clone(),
                channel: channel.clone(),
                undisbursed: *undisbursed,
                held: *held,
                balance: *undisbursed + *held,
                committed: None,
                free: None,
            });
        }
        let balance = total.0 + total.1;
        commitments.push(CommitmentRow {
            project,
            subproject,
            channel: String::new(),
            undisbursed: total.0,
            held: total.1,
            balance,
            committed: Some(committed),
            free: Some(balance - committed),
        });
    }
    Ok(Contracts { project: project.map(str::to_string), contracts, paid_by_channel, payments, commitments })
}
