//! Items submitted for approval (maker-checker) as data: one row per voucher line, with the
//! item's maker, and its decision once made.

use crate::db::Db;
use crate::error::Result;
use crate::model::{ApprovalSetting, Decision, PendingItem};
use crate::money::Fen;
use serde::Serialize;

/// What `pending` shows (JSON `{"rows": [...]}`).
#[derive(Clone, Debug, Serialize)]
pub struct Pending {
    pub rows: Vec<PendingRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PendingRow {
    /// The item's number, which `approve` and `reject` take (shared by a voucher's lines).
    pub id: i64,
    pub kind: String,
    pub voucher: String,
    pub line: u32,
    pub date: String,
    pub appropriation: String,
    pub subproject: String,
    pub amount: Fen,
    pub maker: String,
    pub submitted_at: String,
    /// `pending`, `approved` or `rejected`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checker: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The status word of an item.
pub fn status(item: &PendingItem) -> &'static str {
    match item.decided.as_ref().map(|d| d.decision) {
        None => "pending",
        Some(Decision::Approve) => "approved",
        Some(Decision::Reject) => "rejected",
    }
}

/// The rows of `items`, line by line.
pub fn rows(items: &[PendingItem]) -> Vec<PendingRow> {
    let mut rows = Vec::new();
    for item in items {
        for l in &item.lines {
            rows.push(PendingRow {
                id: item.id,
                kind: l.kind.code().to_string(),
                voucher: item.voucher.to_string(),
                line: l.line,
                date: l.date.to_string(),
                appropriation: l.appropriation.to_string(),
                subproject: l.subproject.to_string(),
                amount: l.amount,
                maker: item.maker.clone(),
                submitted_at: item.submitted_at.clone(),
                status: status(item),
                checker: item.decided.as_ref().map(|d| d.checker.clone()),
                reason: item.decided.as_ref().map(|d| d.reason.clone()).filter(|r| !r.is_empty()),
            });
        }
    }
    rows
}

/// The items waiting for a decision (with `all`, every item ever submitted).
pub fn pending(db: &Db, all: bool) -> Result<Pending> {
    let items: Vec<PendingItem> = db.pending_items()?.into_iter().filter(|i| all || i.is_open()).collect();
    Ok(Pending { rows: rows(&items) })
}

/// The setting in words.
pub fn describe(s: &ApprovalSetting) -> String {
    if s.kinds.is_empty() {
        return crate::lang::pick(
            "未启用审批：分录记账即生效",
            "approval is off: entries take effect when recorded",
        )
        .to_string();
    }
    let kinds = s
        .kinds
        .iter()
        .map(|k| crate::lang::pick(k.zh().to_string(), k.code().to_string()))
        .collect::<Vec<_>>()
        .join(crate::lang::pick("、", ", "));
    match s.above {
        None => {
            crate::tr!("需要另一人审批：{kinds}（每一笔）", "a second person approves: {kinds} (every line)")
        }
        Some(above) => {
            let above = above.yuan_grouped();
            crate::tr!(
                "需要另一人审批：{kinds}（金额超过 {above} 元的分录）",
                "a second person approves: {kinds} (lines of more than {above} yuan)"
            )
        }
    }
}
