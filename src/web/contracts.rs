//! The contract page (price, paid and remaining per sub-project and channel, the payment
//! vouchers, commitments), its payment form (a plan first, then a commit of exactly that plan),
//! and the approval queue (maker-checker): what waits, for each user what is in their scope,
//! and for the city's admin the decision.

use super::auth::{leave_notice, take_notice, Me};
use super::html::{self, blocking, Block, Failure, Field, Form, HtmlTable, Page};
use super::pages::{entries_link, field, readable_project, report_answer, self_url, today, Answer, Fields};
use super::scope;
use super::AppState;
use crate::error::{Check, Problem};
use crate::lang::pick;
use crate::ledger::Stamp;
use crate::model::{Decision, PendingItem, Role, Voucher};
use crate::money::Fen;
use crate::render;
use crate::users::{may, Action, Target};
use axum::extract::{Path as UrlPath, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form as UrlForm};
use tower_sessions::Session;

/// What a payment form gives: amount, date, voucher and memo, each checked.
struct PayFields {
    amount: Fen,
    date: chrono::NaiveDate,
    voucher: Voucher,
    memo: String,
}

fn pay_fields(f: &Fields) -> Result<PayFields, Vec<Problem>> {
    let mut problems = Vec::new();
    let amount = Fen::parse_positive(field(f, "amount"))
        .map_err(|e| problems.push(Problem::new(Check::R6, e.to_string()).column(pick("付款金额", "amount"))))
        .ok();
    let date = crate::args::date(field(f, "date"))
        .map_err(|m| problems.push(Problem::new(Check::Format, m).column(pick("付款日期", "date"))))
        .ok();
    let voucher = crate::model::parse_code(field(f, "voucher"), "voucher")
        .map(Voucher::stored)
        .map_err(|m| problems.push(Problem::new(Check::Format, m).column(pick("凭证号", "voucher"))))
        .ok();
    let memo = crate::model::parse_text(field(f, "memo"), "memo", false)
        .map_err(|m| problems.push(Problem::new(Check::Format, m).column(pick("摘要", "memo"))))
        .ok();
    match (amount, date, voucher, memo) {
        (Some(amount), Some(date), Some(voucher), Some(memo)) if problems.is_empty() => {
            Ok(PayFields { amount, date, voucher, memo })
        }
        _ => Err(problems),
    }
}

fn pay_form(code: &str, f: &Fields) -> Form {
    let value = |name: &str| field(f, name).to_string();
    let date = Some(value("date")).filter(|d| !d.is_empty()).unwrap_or_else(|| today().to_string());
    Form::get(
        "pay",
        pick("合同付款", "Pay this contract"),
        &format!("/contracts/{code}"),
        pick("查看付款方案", "Show the plan"),
    )
    .group(
        "",
        vec![
            Field::new("amount", pick("付款金额（元）", "Amount (yuan)"), "text")
                .value(value("amount"))
                .required(),
            Field::new("date", pick("付款日期", "Date"), "date").value(date).required(),
            Field::new("voucher", pick("凭证号", "Voucher"), "text").value(value("voucher")).required(),
            Field::new("memo", pick("摘要", "Memo"), "text").value(value("memo")),
        ],
    )
}

pub async fn contract(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    UrlPath(code): UrlPath<String>,
    Query(q): Query<Fields>,
) -> Answer {
    let notice = take_notice(&session).await;
    let db = state.clone();
    let url = self_url(&format!("/contracts/{code}"), &q);
    let format = q.get("format").cloned();
    let (mut page, doc) = blocking(move || {
        let db = db.snapshot()?;
        let places = db.places()?;
        let c = db
            .find_contract(&code)?
            .ok_or_else(|| Failure::NotFound(crate::tr!("没有合同 {code}", "no contract {code}")))?;
        readable_project(&me, &places, &c.project)?;
        let lang = crate::lang::current();
        let report = crate::report::contracts::of(&db, Some(&c.project), std::slice::from_ref(&c))?;
        let mut doc = render::contracts::doc(&report);
        let (name, contractor, procurement) = (&c.name, &c.contractor, c.procurement.zh());
        doc.title = crate::tr!(
            "合同 {code} {name}（{contractor}，{procurement}）",
            "Contract {code} {name} ({contractor}, {procurement})"
        );
        let mut page = Page::new(&me, doc.title.clone());
        page.blocks = HtmlTable::all(&doc, lang, Some(&contract_link));
        let project = c.project.clone();
        page.blocks.push(Block::Links(vec![(
            format!("/projects/{project}"),
            crate::tr!("返回项目 {project}", "Back to project {project}"),
        )]));
        let county = places.county_of_project(&c.project).unwrap_or_default();
        if may(&me.user, Action::Write, Target::Project { county, project: &c.project }) {
            page.blocks.push(Block::Form(pay_form(&code, &q)));
            if !field(&q, "amount").is_empty() {
                match pay_fields(&q) {
                    Err(problems) => page.problems = problems.iter().map(ToString::to_string).collect(),
                    Ok(p) => match crate::ledger::pay_plan(&*db, &code, p.amount, p.date)? {
                        Err(problems) => page.problems = problems.iter().map(ToString::to_string).collect(),
                        Ok(plan) => {
                            let shown = render::contracts::plan(
                                &plan,
                                Some(pick("这是方案，尚未记账", "this is the plan; nothing is recorded yet")),
                            );
                            page.blocks.extend(HtmlTable::all(&shown, lang, None));
                            page.blocks.push(Block::Form(
                                Form::post(
                                    "commit",
                                    pick("按此方案付款", "Pay by this plan"),
                                    &format!("/contracts/{code}/pay"),
                                    pick("确认付款", "Commit"),
                                )
                                .group(
                                    "",
                                    vec![
                                        Field::new("amount", "", "hidden").value(p.amount.to_string()),
                                        Field::new("date", "", "hidden").value(p.date.to_string()),
                                        Field::new("voucher", "", "hidden").value(p.voucher.to_string()),
                                        Field::new("memo", "", "hidden").value(p.memo),
                                        Field::new("plan", "", "hidden").value(plan.digest()),
                                    ],
                                ),
                            ));
                        }
                    },
                }
            }
        }
        Ok((page, doc))
    })
    .await?;
    page.notice = notice;
    if format.is_some() {
        return report_answer(page, &doc, format.as_deref(), "contract", &url);
    }
    report_answer(page, &doc, None, "contract", &url)
}

pub async fn pay(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    UrlPath(code): UrlPath<String>,
    UrlForm(f): UrlForm<Fields>,
) -> Answer {
    let db = state.clone();
    let who = me.clone();
    let contract = code.clone();
    let (voucher, done) = blocking(move || {
        let p = pay_fields(&f).map_err(Failure::Rejected)?;
        let mut db = db.writer()?;
        let c = db
            .find_contract(&contract)?
            .ok_or_else(|| Failure::NotFound(crate::tr!("没有合同 {contract}", "no contract {contract}")))?;
        let county = c.county.clone();
        if !may(&who.user, Action::Write, Target::Project { county: &county, project: &c.project }) {
            return Err(Failure::Forbidden(crate::tr!(
                "合同 {contract} 属于{county}，您无权付款",
                "contract {contract} is in {county}; you may not pay it"
            )));
        }
        let stamp = Stamp::now(&who.user.name);
        let scope = Some(scope::write_scope(&who.user));
        let digest = field(&f, "plan").to_string();
        let done = crate::ledger::pay_contract(
            &mut db,
            &contract,
            p.amount,
            p.date,
            &p.voucher,
            &p.memo,
            Some(&digest),
            &stamp,
            scope,
        )?
        .map_err(|problems| Failure::Rejected(problems.into_iter().map(|(_, p)| p).collect()))?;
        Ok((p.voucher, done.1))
    })
    .await?;
    let n = done.added + done.pending;
    let notice = match done.pending {
        0 => crate::tr!("已记录凭证 {voucher}（{n} 条支付分录）", "recorded voucher {voucher} ({n} pay lines)"),
        _ => crate::tr!(
            "凭证 {voucher}（{n} 条支付分录）已提交审批，金额已预留；由另一人批准后生效",
            "voucher {voucher} ({n} pay lines) is submitted for approval and its money reserved; it takes effect when someone else approves it"
        ),
    };
    leave_notice(&session, notice).await;
    Ok(Redirect::to(&format!("/contracts/{code}")).into_response())
}

/// The entries behind a figure of the contract page: a sub-project's total row (channel 合计)
/// links to all its entries.
pub(super) fn contract_link(report: &render::Report, row: &[render::Cell]) -> Option<String> {
    let total = row.iter().any(|c| matches!(c, render::Cell::Label { zh: "合计", .. }));
    if total {
        let subproject = html::column_text(report, row, "subproject")?;
        return Some(format!("/entries?{}", serde_urlencoded::to_string([("subproject", subproject)]).ok()?));
    }
    entries_link(report, row)
}

/// The items `me` may see: those whose sub-projects are all in projects they may read.
fn visible(me: &Me, places: &scope::Places, items: Vec<PendingItem>) -> Vec<PendingItem> {
    items
        .into_iter()
        .filter(|i| {
            i.lines.iter().all(|l| {
                places
                    .project_of_subproject(l.subproject.as_str())
                    .is_some_and(|p| places.may_read_project(&me.user, p))
            })
        })
        .collect()
}

/// The pending items of a project (its project page shows them to their makers and checkers).
pub(super) fn project_items(
    db: &crate::db::Db,
    me: &Me,
    places: &scope::Places,
    project: &str,
) -> crate::error::Result<Vec<PendingItem>> {
    Ok(visible(me, places, db.pending_items()?)
        .into_iter()
        .filter(|i| i.is_open())
        .filter(|i| {
            i.lines.iter().any(|l| places.project_of_subproject(l.subproject.as_str()) == Some(project))
        })
        .collect())
}

pub async fn approvals(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
) -> Answer {
    let notice = take_notice(&session).await;
    let db = state.clone();
    let mut page = blocking(move || {
        let db = db.snapshot()?;
        let places = db.places()?;
        let items: Vec<PendingItem> =
            visible(&me, &places, db.pending_items()?).into_iter().filter(|i| i.is_open()).collect();
        let mut page = Page::new(&me, pick("待审批事项", "Items pending approval"));
        let setting = db.approval_setting()?;
        page.blocks.push(Block::Text(crate::report::approvals::describe(&setting)));
        let value = crate::report::approvals::Pending { rows: crate::report::approvals::rows(&items) };
        page.blocks.extend(HtmlTable::all(&render::approvals::doc(&value), crate::lang::current(), None));
        if me.user.role == Role::Admin {
            for item in items.iter().filter(|i| i.maker != me.user.name) {
                let (id, voucher, total) = (item.id, &item.voucher, item.total().yuan_grouped());
                page.blocks.push(Block::Form(Form::post(
                    &format!("approve-{id}"),
                    &crate::tr!(
                        "#{id} 凭证 {voucher}（合计 {total}）",
                        "#{id} voucher {voucher} ({total} in all)"
                    ),
                    &format!("/approvals/{id}/approve"),
                    pick("批准", "Approve"),
                )));
                page.blocks.push(Block::Form(
                    Form::post(
                        &format!("reject-{id}"),
                        "",
                        &format!("/approvals/{id}/reject"),
                        pick("驳回", "Reject"),
                    )
                    .group("", vec![Field::new("reason", pick("驳回原因", "Reason"), "text").required()]),
                ));
            }
            if items.iter().any(|i| i.maker == me.user.name) {
                page.blocks.push(Block::Text(
                    pick(
                        "您提交的事项须由另一人审批（双人复核）",
                        "items you submitted are decided by someone else (four eyes)",
                    )
                    .to_string(),
                ));
            }
        }
        Ok(page)
    })
    .await?;
    page.notice = notice;
    Ok(html::render(&page))
}

pub async fn approve(
    state: State<AppState>,
    me: Extension<Me>,
    session: Session,
    id: UrlPath<i64>,
    f: UrlForm<Fields>,
) -> Answer {
    decide(state, me, session, id, f, Decision::Approve).await
}

pub async fn reject(
    state: State<AppState>,
    me: Extension<Me>,
    session: Session,
    id: UrlPath<i64>,
    f: UrlForm<Fields>,
) -> Answer {
    decide(state, me, session, id, f, Decision::Reject).await
}

async fn decide(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    UrlPath(id): UrlPath<i64>,
    UrlForm(f): UrlForm<Fields>,
    decision: Decision,
) -> Answer {
    let db = state.clone();
    let reason = field(&f, "reason").to_string();
    let item = blocking(move || {
        let stamp = Stamp::now(&me.user.name);
        let decided = crate::ledger::decide(&mut *db.writer()?, id, decision, &reason, &stamp)?;
        decided.map_err(Failure::Rejected)
    })
    .await?;
    let (voucher, n) = (&item.voucher, item.lines.len());
    let notice = match decision {
        Decision::Approve => crate::tr!(
            "已批准 #{id}：凭证 {voucher}（{n} 条分录）已记账生效",
            "approved #{id}: voucher {voucher} ({n} lines) is recorded"
        ),
        Decision::Reject => crate::tr!(
            "已驳回 #{id}：凭证 {voucher}，预留的资金已释放",
            "rejected #{id}: voucher {voucher}; its reserved money is released"
        ),
    };
    leave_notice(&session, notice).await;
    Ok(Redirect::to("/approvals").into_response())
}
