//! Contracts and contract payments as tables: the contracts report (shares, paid by channel,
//! payment vouchers, commitments) and a payment's plan.

use super::{c, Cell, Doc, Report};
use crate::ledger::PayPlan;
use crate::report::contracts::Contracts;

fn procurement(code: &str) -> String {
    crate::model::Procurement::parse(code)
        .map_or(code.to_string(), |p| crate::lang::pick(p.zh().to_string(), p.code().to_string()))
}

fn status(s: &str) -> Cell {
    match s {
        "pending" => Cell::Label { zh: "待审批", en: "pending" },
        "reversed" => Cell::Label { zh: "已冲销", en: "reversed" },
        "rejected" => Cell::Label { zh: "已驳回", en: "rejected" },
        _ => Cell::Label { zh: "已支付", en: "paid" },
    }
}

pub fn doc(r: &Contracts) -> Doc {
    let shares = Report {
        title: crate::lang::pick("合同及各子项目分摊", "Contracts and each sub-project's share").to_string(),
        columns: vec![
            c("contract", "合同编号"),
            c("name", "合同名称"),
            c("contractor", "中标单位"),
            c("procurement", "发包方式"),
            c("signed_on", "签订日期"),
            c("subproject", "子项目编号"),
            c("share", "分摊金额"),
            c("paid", "已支付"),
            c("pending", "待审批"),
            c("remaining", "未支付"),
        ],
        rows: r
            .contracts
            .iter()
            .map(|s| {
                vec![
                    s.contract.as_str().into(),
                    s.name.as_str().into(),
                    s.contractor.as_str().into(),
                    procurement(&s.procurement).into(),
                    s.signed_on.as_str().into(),
                    s.subproject.as_str().into(),
                    Cell::Money(s.share),
                    Cell::Money(s.paid),
                    Cell::Money(s.pending),
                    Cell::Money(s.remaining),
                ]
            })
            .collect(),
        notes: match r.contracts.is_empty() {
            true => vec![crate::lang::pick(
                "尚未记录合同（`fundledger import contracts 文件`）",
                "no contract is recorded (`fundledger import contracts FILE`)",
            )
            .to_string()],
            false => Vec::new(),
        },
        json_key: "contracts",
        sheet: "合同".to_string(),
        ..Report::default()
    };
    let by_channel = Report {
        title: crate::lang::pick("按资金类别的合同支付", "Contract payments by channel").to_string(),
        columns: vec![
            c("contract", "合同编号"),
            c("subproject", "子项目编号"),
            c("channel", "资金类别"),
            c("paid", "已支付"),
        ],
        rows: r
            .paid_by_channel
            .iter()
            .map(|x| {
                vec![
                    x.contract.as_str().into(),
                    x.subproject.as_str().into(),
                    x.channel.as_str().into(),
                    Cell::Money(x.paid),
                ]
            })
            .collect(),
        json_key: "paid_by_channel",
        sheet: "按资金类别".to_string(),
        ..Report::default()
    };
    let payments = Report {
        title: crate::lang::pick("付款凭证", "Payment vouchers").to_string(),
        columns: vec![
            c("contract", "合同编号"),
            c("voucher", "凭证号"),
            c("date", "日期"),
            c("amount", "金额"),
            c("status", "状态"),
        ],
        rows: r
            .payments
            .iter()
            .map(|p| {
                vec![
                    p.contract.as_str().into(),
                    p.voucher.as_str().into(),
                    p.date.as_str().into(),
                    Cell::Money(p.amount),
                    status(p.status),
                ]
            })
            .collect(),
        json_key: "payments",
        sheet: "付款凭证".to_string(),
        ..Report::default()
    };
    let commitments = Report {
        title: crate::lang::pick(
            "合同承诺与余额（可用 = 余额 − 已承诺未支付）",
            "Commitments beside balances (free = balance − committed and unpaid)",
        )
        .to_string(),
        columns: vec![
            c("subproject", "子项目编号"),
            c("channel", "资金类别"),
            c("undisbursed", "已分配未拨付"),
            c("held", "已拨付未支付"),
            c("balance", "余额"),
            c("committed", "合同已承诺未支付"),
            c("free", "可用"),
        ],
        rows: r
            .commitments
            .iter()
            .map(|x| {
                let channel = match x.channel.is_empty() {
                    true => Cell::Label { zh: "合计", en: "total" },
                    false => x.channel.as_str().into(),
                };
                vec![
                    x.subproject.as_str().into(),
                    channel,
                    Cell::Money(x.undisbursed),
                    Cell::Money(x.held),
                    Cell::Money(x.balance),
                    x.committed.map_or(Cell::Empty, Cell::Money),
                    x.free.map_or(Cell::Empty, Cell::Money),
                ]
            })
            .collect(),
        json_key: "commitments",
        sheet: "承诺".to_string(),
        ..Report::default()
    };
    Doc { sections: vec![shares, by_channel, payments, commitments], ..Doc::default() }
}

/// A payment's plan: one row per voucher line.
pub fn plan(p: &PayPlan, recorded: Option<&str>) -> Doc {
    let mut rows = Vec::new();
    for part in &p.parts {
        for l in &part.lines {
            rows.push(vec![
                Cell::Int(i64::from(l.line)),
                part.subproject.as_str().into(),
                Cell::Money(part.share),
                Cell::Money(part.paid_before),
                Cell::Money(part.part),
                l.appropriation.as_str().into(),
                l.channel.as_str().into(),
                Cell::Money(l.held),
                Cell::Money(l.amount),
            ]);
        }
    }
    let (contract, amount, date) = (&p.contract, p.amount.yuan_grouped(), p.date);
    let mut notes = vec![crate::tr!(
        "按分摊金额拆分（最大余数法，精确到分），每个子项目的部分从其已拨付未支付的资金中支付，指标按下达日期先早后晚",
        "split by share (largest remainder, exact to the fen); each sub-project's part paid from its disbursed-but-unpaid money, oldest appropriation first"
    )];
    notes.push(match recorded {
        Some(said) => said.to_string(),
        None => crate::lang::pick(
            "这是方案，尚未记账；加 --commit 记录",
            "this is the plan; nothing is recorded: add --commit to record it",
        )
        .to_string(),
    });
    Doc {
        sections: vec![Report {
            title: crate::tr!(
                "合同 {contract} 付款 {amount}（{date}）",
                "Payment of {amount} on contract {contract} ({date})"
            ),
            columns: vec![
                c("line", "分录号"),
                c("subproject", "子项目编号"),
                c("share", "分摊金额"),
                c("paid_before", "此前已付"),
                c("part", "本次部分"),
                c("appropriation", "指标编号"),
                c("channel", "资金类别"),
                c("held", "已拨付未支付"),
                c("amount", "本行金额"),
            ],
            rows,
            notes,
            json_key: "lines",
            sheet: "付款方案".to_string(),
            ..Report::default()
        }],
        ..Doc::default()
    }
}
