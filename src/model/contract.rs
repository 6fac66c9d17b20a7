//! Contracts (policy 四（三）): one price shared by the sub-projects a contract covers, paid
//! voucher by voucher from each sub-project's own channels.

use super::Procurement;
use crate::money::Fen;
use chrono::NaiveDate;

/// A contract as recorded, with each covered sub-project's share in force and what was paid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredContract {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub contractor: String,
    pub procurement: Procurement,
    pub signed_on: NaiveDate,
    pub project: String,
    pub county: String,
    /// By recording order.
    pub shares: Vec<ContractShare>,
    /// The payment vouchers, by date and voucher.
    pub payments: Vec<ContractPayment>,
    pub amendments: Vec<ContractAmendment>,
}

/// One covered sub-project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractShare {
    pub subproject_id: i64,
    pub subproject: String,
    /// The share as first recorded.
    pub original: Fen,
    /// The share in force (the latest amendment's, else the original).
    pub share: Fen,
    /// Paid on the contract: its vouchers' `pay` lines, net of their reversals.
    pub paid: Fen,
    /// Submitted for approval on the contract and not yet decided.
    pub pending: Fen,
    /// What was paid, per channel (by name).
    pub paid_by_channel: Vec<(String, Fen)>,
}

impl ContractShare {
    /// What is still to be paid of the share (paid and pending counted).
    pub fn remaining(&self) -> Fen {
        self.share - self.paid - self.pending
    }
}

impl StoredContract {
    pub fn price(&self) -> Fen {
        self.shares.iter().map(|s| s.share).sum()
    }

    pub fn paid(&self) -> Fen {
        self.shares.iter().map(|s| s.paid).sum()
    }
}

/// A voucher paying a contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractPayment {
    pub voucher: String,
    pub date: NaiveDate,
    pub amount: Fen,
    /// Whether the voucher's lines were reversed (the payment undone).
    pub reversed: bool,
    /// Whether it waits for approval (maker-checker) rather than being in effect.
    pub pending: bool,
}

/// An appended change of one sub-project's share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractAmendment {
    pub subproject: String,
    pub amount: Fen,
    pub effective: NaiveDate,
    pub document: String,
    pub reason: String,
}

/// Money a sub-project holds on one appropriation line: disbursed and not yet paid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldLine {
    pub appropriation_id: i64,
    pub appropriation: String,
    /// The channel's name, and its code.
    pub channel: String,
    pub channel_code: String,
    pub issued_on: NaiveDate,
    /// Held, less what pending items reserve of it.
    pub held: Fen,
}
