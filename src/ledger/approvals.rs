//! Four-eyes approval (maker-checker): the setting of which kinds wait for a second person,
//! and a checker's decision on a pending item. Submitting is the entries writer's work (a line
//! of a kind that needs approval is submitted instead of recorded); approving records the
//! item's lines as the entries they are, through the same writer and rules, all or nothing.

use super::{EntryWriter, Outcome, Stamp};
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::model::{ApprovalSetting, Decision, NewEntry, PendingItem};

/// Records which kinds need a second person from now on (no kinds: approval is off).
pub fn set_approval(db: &mut Db, setting: &ApprovalSetting, stamp: &Stamp) -> Result<()> {
    let tx = db.begin()?;
    tx.set_approval(setting, &stamp.operator, &stamp.recorded_at)?;
    let mut summary = match setting.kinds.is_empty() {
        true => "off".to_string(),
        false => setting.kinds_code(),
    };
    if let Some(above) = setting.above {
        summary.push_str(&format!(" above {above}"));
    }
    tx.commit(&stamp.record("approval", "", &summary))
}

/// Decides pending item `id` as `stamp`'s operator (never its maker): approval records its
/// lines as entries (made by the maker, dated as submitted), rejection (with its reason)
/// releases what it reserved. Returns the item as it was before the decision, or why the
/// decision was refused; nothing is written then.
pub fn decide(
    db: &mut Db,
    id: i64,
    decision: Decision,
    reason: &str,
    stamp: &Stamp,
) -> Result<std::result::Result<PendingItem, Vec<Problem>>> {
    let tx = db.begin()?;
    let Some(item) = tx.pending_item(id)? else {
        return Ok(Err(vec![Problem::not_recorded("pending item", &format!("#{id}")).column("ID")]));
    };
    if let Some(d) = &item.decided {
        let (voucher, checker, at) = (&item.voucher, &d.checker, d.decided_at.get(..10).unwrap_or(""));
        let done = match d.decision {
            Decision::Approve => crate::lang::pick("批准", "approved"),
            Decision::Reject => crate::lang::pick("驳回", "rejected"),
        };
        let message = crate::tr!(
            "待审批事项 #{id}（凭证 {voucher}）已于 {at} 被 {checker} {done}；一个事项只决定一次",
            "pending item #{id} (voucher {voucher}) was already {done} by {checker} on {at}; an item is decided once"
        );
        return Ok(Err(vec![Problem::new(Check::R4, message).column("ID")]));
    }
    if item.maker == stamp.operator {
        let (voucher, maker) = (&item.voucher, &item.maker);
        let message = crate::tr!(
            "待审批事项 #{id}（凭证 {voucher}）由 {maker} 提交；提交人不能自己批准或驳回（双人复核），须由另一人决定",
            "pending item #{id} (voucher {voucher}) was submitted by {maker}; its maker cannot approve or reject it (four eyes): someone else decides"
        );
        return Ok(Err(vec![Problem::new(Check::Access, message).column("ID")]));
    }
    let reason = reason.trim();
    if decision == Decision::Reject && reason.is_empty() {
        let message = crate::lang::pick("驳回须写明原因", "a rejection gives its reason");
        return Ok(Err(vec![Problem::new(Check::Format, message.to_string()).column("--reason")]));
    }
    if reason.chars().count() > 500 {
        let message = crate::lang::pick("原因最多 500 个字", "the reason is at most 500 characters");
        return Ok(Err(vec![Problem::new(Check::Format, message.to_string()).column("--reason")]));
    }
    tx.insert_decision(id, decision, reason, &stamp.operator, &stamp.recorded_at)?;
    if decision == Decision::Approve {
        let maker = Stamp { operator: item.maker.clone(), recorded_at: stamp.recorded_at.clone() };
        let catalog = tx.catalog()?;
        let mut w = EntryWriter::new(&tx, &catalog, &maker)?.approving(id);
        let mut problems = Vec::new();
        for l in &item.lines {
            let e = NewEntry {
                voucher: item.voucher.clone(),
                line: l.line,
                date: l.date,
                kind: l.kind,
                appropriation: Some(l.appropriation.clone()),
                subproject: Some(l.subproject.clone()),
                amount: Some(l.amount),
                reverses: None,
                reverses_line: None,
                memo: l.memo.clone(),
                channel_ref: None,
            };
            match w.write(&e)? {
                Ok(Outcome::Added) => {}
                Ok(other) => {
                    return Err(Error::Internal(format!(
                        "approving item #{id}: line {} was {other:?}, not recorded",
                        l.line
                    )))
                }
                Err(p) => problems.extend(p),
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        w.finish()?;
    }
    let (command, summary) = match decision {
        Decision::Approve => ("approve", format!("#{id} approved ({} lines)", item.lines.len())),
        Decision::Reject => ("reject", format!("#{id} rejected")),
    };
    let mut record = stamp.record(command, &item.voucher, &summary);
    record.reason = reason;
    tx.commit(&record)?;
    Ok(Ok(item))
}
