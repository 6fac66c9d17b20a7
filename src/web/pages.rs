//! The pages: each reads the ledger (read-only) or writes it (as the signed-in user), asks
//! `users::may` about what it touches, narrows every row to the user's scope (`scope`), and
//! lays the CLI's own report values out as HTML (`html`), or as CSV and .xlsx downloads.

use super::auth::{leave_notice, take_notice, Me};
use super::html::{self, blocking, flag, Block, Failure, Field, Form, HtmlTable, Page};
use super::scope::{self, Places};
use super::upload;
use super::AppState;
use crate::db::Db;
use crate::error::{Check, Problem};
use crate::lang::{pick, Lang};
use crate::ledger::{Outcome, Stamp};
use crate::model::{self, AppropriationCode, Kind, NewEntry, Role, SubprojectCode, Voucher};
use crate::money::Fen;
use crate::render::{self, Doc, Report, Unit};
use crate::users::{may, Action, Target};
use axum::extract::{Multipart, Path as UrlPath, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form as UrlForm};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;
use tower_sessions::Session;

pub(super) type Fields = HashMap<String, String>;
pub(super) type Answer = Result<Response, Failure>;

/// A form or query field, trimmed; empty when absent.
pub(super) fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map(|s| s.trim()).unwrap_or("")
}

pub(super) fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// A report in the format asked for: the page (with links to download it), or the CSV or
/// .xlsx download itself, laid out from the very `Doc` the page shows.
pub(super) fn report_answer(
    mut page: Page,
    doc: &Doc,
    format: Option<&str>,
    file: &str,
    url: &str,
) -> Answer {
    let lang = crate::lang::current();
    match format {
        Some("csv") => {
            return Ok(html::download(with_bom(doc.to_csv(lang, Unit::Yuan)?), &format!("{file}.csv")))
        }
        Some("xlsx") => return Ok(html::download(doc.to_xlsx(lang, Unit::Yuan)?, &format!("{file}.xlsx"))),
        _ => {}
    }
    let sep = if url.contains('?') { "&" } else { "?" };
    page.downloads = vec![
        (format!("{url}{sep}format=xlsx"), "Excel (.xlsx)".into()),
        (format!("{url}{sep}format=csv"), "CSV".into()),
    ];
    Ok(html::render(&page))
}

/// CSV with a UTF-8 BOM first, as `--out` writes it, so Excel reads the Chinese.
fn with_bom(bytes: Vec<u8>) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(bytes);
    out
}

/// The query string of a request's own URL without `format`, for download links.
pub(super) fn self_url(path: &str, q: &Fields) -> String {
    let mut pairs: Vec<(&String, &String)> =
        q.iter().filter(|(k, v)| *k != "format" && !v.is_empty()).collect();
    pairs.sort();
    if pairs.is_empty() {
        return path.to_string();
    }
    let encoded = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{path}?{encoded}")
}

// ---------------------------------------------------------------------------------------
// Dashboard, projects, entries

/// How long the dashboard shows findings computed earlier before a request figures them again
/// (the others show the earlier ones meanwhile): the whole city's check is the dearest read,
/// and a dashboard is glanced at often. The check page itself is always fresh.
const DASHBOARD_FINDINGS_TTL: std::time::Duration = std::time::Duration::from_secs(15);

/// The dashboard's findings: the city's most recent, and whether a request is figuring them
/// again.
#[derive(Default)]
pub struct DashboardFindings {
    recent: Option<RecentFindings>,
    refreshing: bool,
}

/// The city's findings as of a day, when and at what clock time they were computed, and what
/// each kind of user (role and scope) may see of them, sifted once per computation.
struct RecentFindings {
    at: std::time::Instant,
    clock: String,
    city: crate::report::check::Findings,
    seen: Vec<((model::Role, model::UserScope), Arc<crate::report::check::Findings>)>,
}

/// The most kinds of user whose findings are kept between computations.
const FINDINGS_SEEN_KEPT: usize = 64;

/// Marks the dashboard's findings as being figured again until dropped (a failed or
/// panicking computation included).
struct Refreshing<'a>(&'a std::sync::Mutex<DashboardFindings>);

impl Drop for Refreshing<'_> {
    fn drop(&mut self) {
        super::html::lock(self.0).refreshing = false;
    }
}

/// The findings `user` may see (`Places::findings`) of the city's as of today, with the clock
/// time they were computed: those computed less than `DASHBOARD_FINDINGS_TTL` ago, else
/// figured again by this request. The city's check is figured outside the lock, and only by
/// one request at a time while there are today's to show meanwhile, so that requests never
/// queue behind it holding the pages' readers.
fn findings_seen(
    state: &AppState,
    db: &Db,
    catalog: &crate::catalog::Catalog,
    places: &scope::Places,
    user: &model::User,
) -> Result<(String, Arc<crate::report::check::Findings>), Failure> {
    let today = today();
    let kept = &state.0.findings;
    let refreshing = {
        let mut cache = super::html::lock(kept);
        let todays = cache.recent.as_ref().filter(|r| r.city.as_of == today);
        let fresh = todays.is_some_and(|r| r.at.elapsed() < DASHBOARD_FINDINGS_TTL);
        if fresh || (todays.is_some() && cache.refreshing) {
            if let Some(recent) = cache.recent.as_mut() {
                return Ok(sifted(recent, places, user));
            }
        }
        cache.refreshing = true;
        Refreshing(kept)
    };
    let city = crate::report::check::findings(db, catalog, today)?;
    let mut cache = super::html::lock(kept);
    let recent = cache.recent.insert(RecentFindings {
        at: std::time::Instant::now(),
        clock: chrono::Local::now().format("%H:%M:%S").to_string(),
        city,
        seen: Vec::new(),
    });
    let answer = sifted(recent, places, user);
    drop(cache);
    drop(refreshing);
    Ok(answer)
}

/// What `user` may see of `recent`, sifted once per kind of user.
fn sifted(
    recent: &mut RecentFindings,
    places: &scope::Places,
    user: &model::User,
) -> (String, Arc<crate::report::check::Findings>) {
    let kind = (user.role, user.scope.clone());
    if let Some((_, found)) = recent.seen.iter().find(|(k, _)| *k == kind) {
        return (recent.clock.clone(), Arc::clone(found));
    }
    let found = Arc::new(places.findings(user, &recent.city));
    if recent.seen.len() >= FINDINGS_SEEN_KEPT {
        recent.seen.remove(0);
    }
    recent.seen.push((kind, Arc::clone(&found)));
    (recent.clock.clone(), found)
}

pub async fn dashboard(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
) -> Answer {
    let notice = take_notice(&session).await;
    let db = state.clone();
    let mut page = blocking(move || {
        let db = db.snapshot()?;
        let catalog = db.catalog()?;
        let places = db.places()?;
        let mut page = Page::new(&me, pick("首页", "Dashboard"));
        // Balances by county and channel.
        let sums = scope::balance_sums(&db, &me.user)?;
        let mut table = Report {
            title: pick("各县（市、区）各渠道余额", "Balances by county and channel").to_string(),
            columns: vec![
                render::c("county", "县（市、区）"),
                render::c("channel", "资金渠道"),
                render::c("allocated", "已分配"),
                render::c("disbursed", "已拨付"),
                render::c("paid", "已支付"),
                render::c("balance", "余额"),
            ],
            ..Report::default()
        };
        for ((county, channel), b) in &sums {
            let f = crate::report::balances::Figures::from(b);
            let name = catalog.channel(channel).map_or(channel.clone(), |c| c.name.clone());
            table.push(
                vec![
                    county.as_str().into(),
                    name.into(),
                    f.allocated.into(),
                    f.disbursed.into(),
                    f.paid.into(),
                    f.balance.into(),
                ],
                false,
            );
        }
        page.blocks.push(Block::Table(HtmlTable::of(&table, crate::lang::current(), None)));
        // Open flags, by kind, and the first of them.
        let (computed, found) = findings_seen(&state, &db, &catalog, &places, &me.user)?;
        let mut kinds: std::collections::BTreeMap<String, usize> = Default::default();
        for f in &found.flags {
            *kinds.entry(format!("{}", f.kind)).or_default() += 1;
        }
        let summary: Vec<String> = kinds.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        page.blocks.push(Block::Text(match summary.is_empty() {
            true => pick("没有待处理的检查发现", "No open findings").to_string(),
            false => {
                let summary = summary.join(", ");
                crate::tr!("待处理的检查发现：{summary}", "Open findings: {summary}")
            }
        }));
        let all = crate::tr!(
            "查看全部检查发现（本页计数于 {computed} 计算，每 15 秒更新）",
            "All findings (this page's counts were computed at {computed}; they are refreshed every 15 s)"
        );
        page.blocks.push(Block::Links(vec![("/reports/check".into(), all)]));
        // Pending work: the projects in scope, with their flag counts.
        let mut per_project: HashMap<&str, usize> = HashMap::new();
        for f in &found.flags {
            if let Some(p) = &f.project {
                *per_project.entry(p.as_str()).or_default() += 1;
            }
        }
        let mut pending: Vec<(String, String)> = scope::projects(&db, &me.user)?
            .iter()
            .filter(|p| places.may_read_project(&me.user, p.row.code.as_ref()))
            .map(|p| {
                let n = per_project.get(p.row.code.as_ref() as &str).copied().unwrap_or(0);
                let (code, name) = (&p.row.code, &p.row.name);
                let label = crate::tr!("{code} {name}（{n} 项待处理）", "{code} {name} ({n} open)");
                (format!("/projects/{code}"), label)
            })
            .collect();
        pending.truncate(200);
        if !pending.is_empty() {
            page.blocks.push(Block::Text(pick("我的项目", "My projects").to_string()));
            page.blocks.push(Block::Links(pending));
        }
        Ok(page)
    })
    .await?;
    page.notice = notice;
    Ok(html::render(&page))
}

/// Links a row naming a sub-project (and a channel) to the entries behind its figures.
pub(super) fn entries_link(report: &Report, row: &[render::Cell]) -> Option<String> {
    let subproject = html::column_text(report, row, "subproject")?;
    let mut q = vec![("subproject", subproject)];
    if let Some(channel) = html::column_text(report, row, "channel") {
        q.push(("channel", channel));
    }
    Some(format!("/entries?{}", serde_urlencoded::to_string(&q).ok()?))
}

pub async fn projects(State(state): State<AppState>, Extension(me): Extension<Me>) -> Answer {
    let db = state.clone();
    let page = blocking(move || {
        let db = db.snapshot()?;
        let places = db.places()?;
        let mut table = Report {
            columns: vec![
                render::c("project", "项目编号"),
                render::c("name", "项目名称"),
                render::c("county", "县（市、区）"),
                render::c("mode", "集成模式"),
                render::c("implementing_body", "实施主体"),
            ],
            ..Report::default()
        };
        let mut links = Vec::new();
        for p in db.projects()?.iter().filter(|p| places.may_read_project(&me.user, p.row.code.as_ref())) {
            let r = &p.row;
            table.push(
                vec![
                    r.code.to_string().into(),
                    r.name.as_str().into(),
                    r.county.as_str().into(),
                    r.mode.to_string().into(),
                    r.implementing_body.as_str().into(),
                ],
                false,
            );
            links.push((format!("/projects/{}", r.code), format!("{} {}", r.code, r.name)));
        }
        let mut page = Page::new(&me, pick("项目", "Projects"));
        page.blocks.push(Block::Table(HtmlTable::of(&table, crate::lang::current(), None)));
        page.blocks.push(Block::Links(links));
        Ok(page)
    })
    .await?;
    Ok(html::render(&page))
}

/// Refuses a project the user may not read: 404 when it does not exist, 403 otherwise.
pub(super) fn readable_project(me: &Me, places: &Places, code: &str) -> Result<(), Failure> {
    if places.county_of_project(code).is_none() {
        return Err(Failure::NotFound(crate::tr!("没有项目 {code}", "no project {code}")));
    }
    if !places.may_read_project(&me.user, code) {
        return Err(Failure::Forbidden(crate::tr!(
            "您无权查看项目 {code}",
            "you may not read project {code}"
        )));
    }
    Ok(())
}

pub async fn project(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    UrlPath(code): UrlPath<String>,
    Query(q): Query<Fields>,
) -> Answer {
    let db = state.clone();
    let url = self_url(&format!("/projects/{code}"), &q);
    let (page, doc) = blocking(move || {
        let db = db.snapshot()?;
        let catalog = db.catalog()?;
        let places = db.places()?;
        readable_project(&me, &places, &code)?;
        let lang = crate::lang::current();
        let listing = crate::report::entitlements::listing(&db, &catalog, Some(&code), today())?;
        let reconciled = crate::report::reconcile::reconcile(&db, &catalog, &code, None, None)?;
        let mut doc = render::reconcile::doc(&reconciled, lang);
        doc.title = render::reconcile::title(&reconciled, lang);
        doc.sections.insert(0, render::entitlements::table(&listing));
        // Acceptance progress of this project alone: its row and its sub-projects.
        let projects: Vec<_> = db.project(&code)?.into_iter().collect();
        let subprojects = db.subprojects_of_project(&code)?;
        let mine = crate::report::acceptance::progress(
            &projects,
            &subprojects,
            &db.acceptances(Some(&code))?,
            &db.awards(Some(&code))?,
            None,
        );
        doc.sections
            .push(render::acceptance::progress_table(&crate::report::acceptance::progress_list(&mine, None)));
        let letters = crate::report::letters::letters(&db, &catalog, &code, None)?;
        doc.sections.extend(render::letters::doc(&letters).sections);
        // Contracts, and what waits for approval on this project's sub-projects.
        let contracts = db.contracts(Some(&code))?;
        if !contracts.is_empty() {
            let report = crate::report::contracts::of(&db, Some(&code), &contracts)?;
            doc.sections.extend(render::contracts::doc(&report).sections);
        }
        let items = super::contracts::project_items(&db, &me, &places, &code)?;
        if !items.is_empty() {
            let value = crate::report::approvals::Pending { rows: crate::report::approvals::rows(&items) };
            doc.sections.extend(render::approvals::doc(&value).sections);
        }
        let mut page = Page::new(&me, doc.title.clone());
        page.blocks = HtmlTable::all(&doc, lang, Some(&super::contracts::contract_link));
        if !contracts.is_empty() {
            page.blocks.push(Block::Links(
                contracts
                    .iter()
                    .map(|c| {
                        let (contract, name) = (&c.code, &c.name);
                        (
                            format!("/contracts/{contract}"),
                            crate::tr!("合同 {contract} {name}", "contract {contract} {name}"),
                        )
                    })
                    .collect(),
            ));
        }
        let county = places.county_of_project(&code).unwrap_or_default();
        let mut links = Vec::new();
        if may(&me.user, Action::UploadReconcile, Target::Project { county, project: &code }) {
            links.push((
                format!("/projects/{code}/reconcile"),
                pick("上传本单位记录对账", "Reconcile with your records").into(),
            ));
        }
        if may(&me.user, Action::Write, Target::Project { county, project: &code }) {
            links.push(("/entries/new".to_string(), pick("记一笔账", "Record an entry").into()));
        }
        page.blocks.push(Block::Links(links));
        Ok((page, doc))
    })
    .await?;
    report_answer(page, &doc, q.get("format").map(String::as_str), "project", &url)
}

pub async fn entries(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    Query(q): Query<Fields>,
) -> Answer {
    let db = state.clone();
    // Downloads carry every entry, whichever page they were asked from.
    let url = self_url(
        "/entries",
        &q.iter().filter(|(k, _)| *k != "page").map(|(k, v)| (k.clone(), v.clone())).collect(),
    );
    let format = q.get("format").cloned();
    let (page, doc) = blocking(move || {
        let db = db.snapshot()?;
        let catalog = db.catalog()?;
        let places = db.places()?;
        let subproject = field(&q, "subproject").to_string();
        let Some(project) = places.project_of_subproject(&subproject).map(str::to_string) else {
            return Err(Failure::NotFound(crate::tr!(
                "没有子项目 {subproject}",
                "no sub-project {subproject}"
            )));
        };
        readable_project(&me, &places, &project)?;
        let channel =
            crate::args::resolve_channel(&catalog, Some(field(&q, "channel")).filter(|c| !c.is_empty()))?;
        // A page shows ENTRIES_PER_PAGE entries; a download carries them all.
        let download = matches!(q.get("format").map(String::as_str), Some("csv" | "xlsx"));
        let shown = match field(&q, "page") {
            "" => 1,
            n => n.parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                Failure::Rejected(vec![Problem::new(
                    Check::Format,
                    crate::tr!("页码 {n} 不是正整数", "page {n} is not a positive whole number"),
                )
                .column("page")])
            })?,
        };
        let (rows, pages) = if download {
            (db.subproject_entries(&subproject, channel.as_deref(), 0, usize::MAX)?, None)
        } else {
            let total = db.subproject_entry_count(&subproject, channel.as_deref())?;
            let last = total.div_ceil(ENTRIES_PER_PAGE as u64).max(1);
            let shown = shown.min(last);
            let skip = (shown - 1) * ENTRIES_PER_PAGE as u64;
            (db.subproject_entries(&subproject, channel.as_deref(), skip, ENTRIES_PER_PAGE)?, Some((shown, last, total)))
        };
        let mut table = Report {
            title: match &channel {
                Some(ch) => {
                    let name = catalog.channel(ch).map_or(ch.clone(), |c| c.name.clone());
                    crate::tr!("{subproject} 在 {name} 上的分录", "Entries of {subproject} on {name}")
                }
                None => crate::tr!("{subproject} 的分录", "Entries of {subproject}"),
            },
            columns: vec![
                render::c("voucher", "凭证号"),
                render::c("line", "分录号"),
                render::c("date", "日期"),
                render::c("kind", "类型"),
                render::c("appropriation", "指标编号"),
                render::c("amount", "金额"),
                render::c("reverses", "冲销"),
                render::c("memo", "摘要"),
            ],
            ..Report::default()
        };
        for e in &rows {
            let kind = match crate::lang::current() {
                Lang::Zh => e.kind.zh().to_string(),
                Lang::En => e.kind.to_string(),
            };
            table.push(
                vec![
                    e.voucher.to_string().into(),
                    render::Cell::Int(i64::from(e.line)),
                    e.date.to_string().into(),
                    kind.into(),
                    e.appropriation.to_string().into(),
                    e.amount.into(),
                    e.reverses.as_ref().map(|(_, _, v)| v.to_string()).unwrap_or_default().into(),
                    e.memo.as_str().into(),
                ],
                false,
            );
        }
        // Only a sub-project's entries that span pages say which page is shown.
        let pages = pages.filter(|(_, last, _)| *last > 1);
        if let Some((shown, last, total)) = pages {
            table.notes.push(crate::tr!(
                "第 {shown} 页，共 {last} 页 {total} 条分录，每页 {ENTRIES_PER_PAGE} 条；下载的 Excel 或 CSV 含全部分录",
                "page {shown} of {last}, {total} entries, {ENTRIES_PER_PAGE} a page; the Excel or CSV download holds them all"
            ));
        }
        let doc = Doc {
            title: table.title.clone(),
            sections: vec![table],
            fingerprint: Some(db.fingerprint()?),
            ..Doc::default()
        };
        let mut page = Page::new(&me, doc.title.clone());
        page.blocks = HtmlTable::all(&doc, crate::lang::current(), None);
        let mut links = Vec::new();
        if let Some((shown, last, _)) = pages {
            let at = |n: u64| {
                let mut q = q.clone();
                q.remove("format");
                q.insert("page".to_string(), n.to_string());
                self_url("/entries", &q)
            };
            if shown > 1 {
                links.push((at(1), pick("第一页", "First page").to_string()));
                links.push((at(shown - 1), pick("上一页", "Previous page").to_string()));
            }
            if shown < last {
                links.push((at(shown + 1), pick("下一页", "Next page").to_string()));
                links.push((at(last), pick("最后一页", "Last page").to_string()));
            }
        }
        links.push((format!("/projects/{project}"), crate::tr!("返回项目 {project}", "Back to project {project}")));
        page.blocks.push(Block::Links(links));
        let county = places.county_of_project(&project).unwrap_or_default();
        if may(&me.user, Action::Write, Target::Project { county, project: &project }) {
            page.blocks.push(Block::Form(reverse_form(&Fields::new())));
        }
        Ok((page, doc))
    })
    .await?;
    report_answer(page, &doc, format.as_deref(), "entries", &url)
}

/// How many entries a page of the entries page shows (its downloads have them all).
const ENTRIES_PER_PAGE: usize = 100;

/// The reversal form: the voucher to reverse (every line of it), the new voucher, the reason.
fn reverse_form(v: &Fields) -> Form {
    let get = |k: &str| field(v, k).to_string();
    Form::post("reverse", pick("冲销凭证", "Reverse a voucher"), "/entries/reverse", pick("冲销", "Reverse"))
        .group(
            "",
            vec![
                Field::new("original", pick("要冲销的凭证号", "Voucher to reverse"), "text")
                    .value(get("original"))
                    .required(),
                Field::new("voucher", pick("冲销凭证号", "New voucher"), "text")
                    .value(get("voucher"))
                    .required(),
                Field::new("date", pick("日期", "Date"), "date").value(get("date")).required(),
                Field::new("reason", pick("冲销原因", "Reason"), "text").value(get("reason")).required(),
            ],
        )
}

/// How many lines the entry form offers for one voucher.
const FORM_LINES: usize = 5;

fn kind_options() -> Vec<(String, String)> {
    [Kind::Allocate, Kind::Disburse, Kind::Pay, Kind::Withdraw, Kind::Return]
        .iter()
        .map(|k| (k.to_string(), format!("{}（{k}）", k.zh())))
        .collect()
}

fn entry_form(v: &Fields) -> Form {
    let get = |k: &str| field(v, k).to_string();
    let mut form = Form::post("entry", "", "/entries", pick("记账", "Record")).group(
        pick("凭证", "Voucher"),
        vec![
            Field::new("voucher", pick("凭证号", "Voucher"), "text").value(get("voucher")).required(),
            Field::new("date", pick("日期", "Date"), "date").value(get("date")).required(),
            Field::new("memo", pick("摘要", "Memo"), "text").value(get("memo")),
        ],
    );
    for n in 1..=FORM_LINES {
        let name = |k: &str| format!("{k}{n}");
        let mut kinds = vec![(String::new(), String::new())];
        kinds.extend(kind_options());
        form = form.group(
            &crate::tr!("第 {n} 行", "Line {n}"),
            vec![
                Field::new(&name("kind"), pick("类型", "Kind"), "select")
                    .options(kinds)
                    .value(get(&name("kind"))),
                Field::new(&name("appropriation"), pick("指标编号", "Appropriation"), "text")
                    .value(get(&name("appropriation"))),
                Field::new(&name("subproject"), pick("子项目编号", "Sub-project"), "text")
                    .value(get(&name("subproject"))),
                Field::new(&name("amount"), pick("金额（元）", "Amount (yuan)"), "text")
                    .value(get(&name("amount"))),
                Field::new(
                    &name("channel"),
                    pick("资金渠道（核对用，可空）", "Channel (to cross-check, optional)"),
                    "text",
                )
                .value(get(&name("channel"))),
            ],
        );
    }
    form
}

pub async fn entry_form_page(
    Extension(me): Extension<Me>,
    session: Session,
    Query(q): Query<Fields>,
) -> Answer {
    let mut page = Page::new(&me, pick("记账", "Record an entry"));
    page.notice = take_notice(&session).await;
    let mut values = q;
    values.entry("date".into()).or_insert_with(|| today().to_string());
    page.blocks.push(Block::Form(entry_form(&values)));
    Ok(html::render(&page))
}

/// Parses the entry form's lines; a line with nothing in it is skipped.
fn form_entries(f: &Fields) -> Result<Vec<NewEntry>, Vec<Problem>> {
    let mut problems = Vec::new();
    let p = &mut problems;
    let voucher =
        flag(p, pick("凭证号", "voucher"), Check::Format, Voucher::parse_as(field(f, "voucher"), "voucher"));
    let date = flag(p, pick("日期", "date"), Check::Format, crate::args::date(field(f, "date")));
    let memo =
        flag(p, pick("摘要", "memo"), Check::Format, model::parse_text(field(f, "memo"), "memo", false));
    let mut lines = Vec::new();
    for n in 1..=FORM_LINES {
        let get = |k: &str| field(f, &format!("{k}{n}")).to_string();
        let given =
            ["kind", "appropriation", "subproject", "amount", "channel"].iter().any(|k| !get(k).is_empty());
        if !given {
            continue;
        }
        let col = |zh: &str, en: &str| crate::tr!("第 {n} 行 {zh}", "line {n} {en}");
        let p = &mut problems;
        let kind = flag(p, &col("类型", "kind"), Check::Format, Kind::parse(&get("kind")));
        let appropriation = flag(
            p,
            &col("指标编号", "appropriation"),
            Check::Format,
            AppropriationCode::parse_as(&get("appropriation"), "appropriation"),
        );
        let subproject = flag(
            p,
            &col("子项目编号", "subproject"),
            Check::Format,
            SubprojectCode::parse_as(&get("subproject"), "subproject"),
        );
        let amount = flag(
            p,
            &col("金额", "amount"),
            Check::R6,
            Fen::parse_positive(&get("amount")).map_err(|e| e.to_string()),
        );
        let channel = Some(get("channel")).filter(|c| !c.is_empty());
        lines.push((n, kind, appropriation, subproject, amount, channel));
    }
    if lines.is_empty() {
        problems.push(Problem::new(
            Check::Format,
            pick("至少填写一行分录", "give at least one line").to_string(),
        ));
    }
    let (Some(voucher), Some(date), Some(memo)) = (voucher, date, memo) else { return Err(problems) };
    let mut entries = Vec::new();
    for (n, kind, appropriation, subproject, amount, channel) in lines {
        if kind == Some(Kind::Reverse) {
            problems.push(Problem::new(
                Check::Format,
                pick("冲销请用“冲销凭证”表单", "reverse with the reversal form").to_string(),
            ));
            continue;
        }
        if let (Some(kind), Some(appropriation), Some(subproject), Some(amount)) =
            (kind, appropriation, subproject, amount)
        {
            entries.push(NewEntry {
                voucher: voucher.clone(),
                line: u32::try_from(n).unwrap_or(1),
                date,
                kind,
                appropriation: Some(appropriation),
                subproject: Some(subproject),
                amount: Some(amount),
                reverses: None,
                reverses_line: None,
                memo: memo.clone(),
                channel_ref: channel,
            });
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

/// Records a voucher's lines together as the signed-in user, within their scope, or nothing.
pub(super) fn record_entries(
    db: &AppState,
    me: &Me,
    entries: &[NewEntry],
    command: &str,
) -> Result<(Outcome, usize), Failure> {
    let stamp = Stamp::now(&me.user.name);
    let scope = Some(scope::write_scope(&me.user));
    match crate::ledger::record_voucher(&mut *db.writer()?, entries, &stamp, scope, command)? {
        Ok(done) => Ok((done.outcome(), done.added + done.pending)),
        Err(problems) => Err(Failure::Rejected(
            problems.into_iter().map(|(line, p)| Problem { line: line.map(u64::from), ..p }).collect(),
        )),
    }
}

pub async fn post_entry(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    UrlForm(f): UrlForm<Fields>,
) -> Answer {
    let entries = match form_entries(&f) {
        Ok(entries) => entries,
        Err(problems) => return Ok(entry_refused(&me, &f, problems)),
    };
    let db = state.clone();
    let who = me.clone();
    let written = blocking(move || record_entries(&db, &who, &entries, "web post")).await;
    let voucher = field(&f, "voucher").to_string();
    match written {
        Ok((Outcome::Added, n)) => {
            leave_notice(
                &session,
                crate::tr!("已记录凭证 {voucher}（{n} 条分录）", "recorded voucher {voucher} ({n} lines)"),
            )
            .await;
            Ok(Redirect::to("/entries/new").into_response())
        }
        Ok((Outcome::Pending, n)) => {
            leave_notice(
                &session,
                crate::tr!(
                    "凭证 {voucher}（{n} 条分录）已提交审批，金额已预留；由另一人批准后生效",
                    "voucher {voucher} ({n} lines) is submitted for approval and its money reserved; it takes effect when someone else approves it"
                ),
            )
            .await;
            Ok(Redirect::to("/entries/new").into_response())
        }
        Ok((Outcome::Unchanged, _)) => {
            leave_notice(
                &session,
                crate::tr!(
                    "{voucher} 已按相同内容记录过；未写入任何内容",
                    "{voucher} is already recorded with the same content; nothing written"
                ),
            )
            .await;
            Ok(Redirect::to("/entries/new").into_response())
        }
        Err(Failure::Rejected(problems)) => Ok(entry_refused(&me, &f, problems)),
        Err(f) => Err(f),
    }
}

/// A writer's problem named by the form's own labels: the field and line as the clerk saw
/// them, where the writer names a CSV column.
fn form_problem(p: &Problem) -> Problem {
    let label = match p.column.as_deref() {
        Some("amount") => pick("金额", "amount"),
        Some("date") => pick("日期", "date"),
        Some("subproject") => pick("子项目编号", "sub-project"),
        Some("appropriation") => pick("指标编号", "appropriation"),
        Some("kind") => pick("类型", "kind"),
        Some("voucher") => pick("凭证号", "voucher"),
        Some("memo") => pick("摘要", "memo"),
        Some("channel") => pick("资金渠道", "channel"),
        Some("line") => pick("分录号", "line"),
        Some("reverses") => pick("要冲销的凭证号", "voucher to reverse"),
        _ => return p.clone(),
    };
    let column = match p.line {
        Some(n) => crate::tr!("第 {n} 行 {label}", "line {n} {label}"),
        None => label.to_string(),
    };
    Problem { column: Some(column), line: None, ..p.clone() }
}

/// The entry form again, with what was typed and every problem (422; nothing was written).
fn entry_refused(me: &Me, f: &Fields, problems: Vec<Problem>) -> Response {
    let mut page = Page::new(me, pick("记账", "Record an entry"));
    page.problems = problems.iter().map(|p| form_problem(p).to_string()).collect();
    page.blocks.push(Block::Form(entry_form(f)));
    (html::refusal_status(&problems), html::render(&page)).into_response()
}

pub async fn reverse_entry(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    UrlForm(f): UrlForm<Fields>,
) -> Answer {
    let db = state.clone();
    let who = me.clone();
    let form = f.clone();
    let written = blocking(move || {
        let mut problems = Vec::new();
        let p = &mut problems;
        let original = flag(
            p,
            pick("要冲销的凭证号", "original"),
            Check::Format,
            Voucher::parse_as(field(&form, "original"), "voucher"),
        );
        let voucher = flag(
            p,
            pick("冲销凭证号", "voucher"),
            Check::Format,
            Voucher::parse_as(field(&form, "voucher"), "voucher"),
        );
        let date = flag(p, pick("日期", "date"), Check::Format, crate::args::date(field(&form, "date")));
        let memo = flag(
            p,
            pick("冲销原因", "reason"),
            Check::Format,
            model::parse_text(field(&form, "reason"), "reason", true),
        );
        let (Some(original), Some(voucher), Some(date), Some(memo)) = (original, voucher, date, memo) else {
            return Err(Failure::Rejected(problems));
        };
        let lines = crate::ledger::lines_to_reverse(&db.snapshot()?.voucher_lines(&original)?);
        let entries = crate::ledger::reversal(&original, &lines, &voucher, date, &memo);
        record_entries(&db, &who, &entries, "web reverse")
    })
    .await;
    match written {
        Ok(_) => {
            let (original, voucher) = (field(&f, "original"), field(&f, "voucher"));
            leave_notice(
                &session,
                crate::tr!("已用 {voucher} 冲销 {original}", "reversed {original} by {voucher}"),
            )
            .await;
            Ok(Redirect::to("/entries/new").into_response())
        }
        Err(Failure::Rejected(problems)) => {
            let mut page = Page::new(&me, pick("冲销凭证", "Reverse a voucher"));
            page.problems = problems.iter().map(|p| form_problem(p).to_string()).collect();
            page.blocks.push(Block::Form(reverse_form(&f)));
            Ok((html::refusal_status(&problems), html::render(&page)).into_response())
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Imports by upload

/// The kinds of file a user may import on the web: a clerk imports entries in their
/// counties; the admin imports everything, the catalogue and the rules among them.
fn importable(me: &Me) -> Vec<crate::ledger::What> {
    use crate::ledger::What;
    match me.user.role {
        Role::Admin => vec![
            What::Entries,
            What::Projects,
            What::Subprojects,
            What::Appropriations,
            What::Adjustments,
            What::Acceptances,
            What::Letters,
            What::Contracts,
            What::Amendments,
            What::Rules,
            What::Departments,
            What::Counties,
            What::Types,
            What::Channels,
            What::Designations,
        ],
        _ => vec![What::Entries],
    }
}

/// What a kind of file holds, in words.
fn kind_label(what: crate::ledger::What) -> &'static str {
    use crate::ledger::What::*;
    match what {
        Entries => pick("分录", "entries"),
        Projects => pick("项目", "projects"),
        Subprojects => pick("子项目", "sub-projects"),
        Appropriations => pick("指标", "appropriation lines"),
        Adjustments => pick("指标调整（追加、调减、上级收回）", "appropriation adjustments"),
        Acceptances => pick("验收", "acceptances"),
        Letters => pick("集成部门项目确认书", "confirmation letters"),
        Amendments => pick("登记变更", "register amendments"),
        Contracts => pick("合同", "contracts"),
        Rules => pick("补助规则", "subsidy rules"),
        Departments => pick("部门", "departments"),
        Counties => pick("县（市、区）", "counties"),
        Types => pick("子项目类型", "sub-project types"),
        Channels => pick("资金渠道", "fund channels"),
        Designations => pick("渠道用途（附件3）", "channel designations (Annex 3)"),
    }
}

fn import_form(me: &Me, kind: &str) -> Form {
    let options = importable(me)
        .iter()
        .map(|w| (w.name().to_string(), format!("{}（{}）", kind_label(*w), w.name())))
        .collect();
    Form::post("import", "", "/import", pick("导入", "Import")).multipart().group(
        "",
        vec![
            Field::new("kind", pick("文件内容", "What the file holds"), "select")
                .options(options)
                .value(kind),
            Field::new(
                "file",
                pick(
                    "文件（CSV：UTF-8 或 GB18030；或 Excel .xlsx 的第一个工作表）",
                    "File (CSV in UTF-8 or GB18030, or an Excel .xlsx: its first sheet)",
                ),
                "file",
            )
            .required(),
        ],
    )
}

pub async fn import_page(Extension(me): Extension<Me>, session: Session) -> Answer {
    let mut page = Page::new(&me, pick("导入文件", "Import a file"));
    page.notice = take_notice(&session).await;
    page.blocks.push(Block::Text(pick(
        "文件全部通过检查才会写入；有任何问题时列出每个问题（行号、列、值与规则），不写入任何内容。",
        "A file is written only when every row passes; otherwise every problem is listed (line, column, value, rule) and nothing is written.",
    ).to_string()));
    page.blocks.push(Block::Form(import_form(&me, "entries")));
    Ok(html::render(&page))
}

/// An import running in the background, followed by its page while it lasts.
pub struct Job {
    owner: String,
    kind: String,
    file: String,
    watch: std::sync::Arc<crate::progress::Watch>,
    outcome: JobOutcome,
    started: std::time::Instant,
}

/// How long a job's result waits for its page; older ones are dropped at the next import.
const JOB_KEPT: std::time::Duration = std::time::Duration::from_secs(3600);

type JobOutcome = std::sync::Arc<std::sync::Mutex<Option<Result<crate::pipeline::Summary, Failure>>>>;

/// How long a POST waits for its import before answering with the page that follows it
/// (`FUNDLEDGER_IMPORT_WAIT_MS` overrides it, so tests can follow a small import's page).
fn import_wait() -> std::time::Duration {
    let ms = std::env::var("FUNDLEDGER_IMPORT_WAIT_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    std::time::Duration::from_millis(ms)
}

pub async fn import(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    form: Multipart,
) -> Answer {
    let mut parts = upload::read(form).await?;
    let kind = parts.fields.get("kind").cloned().unwrap_or_default();
    let Some(what) = importable(&me).into_iter().find(|w| w.name() == kind) else {
        return Err(Failure::Forbidden(crate::tr!(
            "您不能在网页上导入“{kind}”",
            "you may not import '{kind}' on the web"
        )));
    };
    let Some(file) = parts.files.remove("file") else {
        let mut page = Page::new(&me, pick("导入文件", "Import a file"));
        page.problems = vec![pick("请选择要上传的文件", "choose a file to upload").to_string()];
        page.blocks.push(Block::Form(import_form(&me, &kind)));
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html::render(&page)).into_response());
    };
    let watch = std::sync::Arc::new(crate::progress::Watch::default());
    let outcome: JobOutcome = Default::default();
    let job = Job {
        owner: me.user.name.clone(),
        kind: kind.clone(),
        file: file.name.clone(),
        watch: watch.clone(),
        outcome: outcome.clone(),
        started: std::time::Instant::now(),
    };
    let id = super::auth::random_token();
    {
        let mut jobs = super::html::lock(&state.0.jobs);
        jobs.retain(|_, j| j.started.elapsed() < JOB_KEPT);
        jobs.insert(id.clone(), job);
    }
    let db = state.clone();
    let who = me.user.clone();
    let lang = crate::lang::current();
    let running = tokio::task::spawn_blocking(move || {
        // A panic in the import is answered like any failure, never a page waiting forever.
        let imported = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::lang::with(lang, || {
                let mut db = db.writer()?;
                let scope = scope::write_scope(&who);
                let (path, name) = (&file.path, &file.name);
                Ok(crate::ledger::import_upload(&mut db, what, path, name, &who.name, scope, Some(watch))?)
            })
        }))
        .unwrap_or_else(|_| Err(Failure::Internal("the import panicked".into())));
        drop(file);
        *super::html::lock(&outcome) = Some(imported);
    });
    // A small file is done at once: answer with its result. A big one is followed by its page.
    if tokio::time::timeout(import_wait(), running).await.is_err() {
        return Ok(Redirect::to(&format!("/import/jobs/{id}")).into_response());
    }
    finish_job(&state, &me, &session, &id).await
}

/// The result of a finished import (the job is then forgotten), or its progress.
async fn finish_job(state: &AppState, me: &Me, session: &Session, id: &str) -> Answer {
    let (kind, file, progress, outcome) = {
        let jobs = super::html::lock(&state.0.jobs);
        let Some(job) = jobs.get(id).filter(|j| j.owner == me.user.name) else {
            let message = pick("没有这个导入任务（或已结束）", "no such import (or it has finished)");
            return Err(Failure::NotFound(message.to_string()));
        };
        let outcome = super::html::lock(&job.outcome).take();
        (job.kind.clone(), job.file.clone(), job.watch.get(), outcome)
    };
    let Some(outcome) = outcome else {
        let (done, total, rows) = progress;
        let mut page = Page::new(me, crate::tr!("正在导入 {file}", "Importing {file}"));
        page.refresh = true;
        let text = crate::tr!("已读 {rows} 行", "{rows} rows read");
        page.blocks.push(Block::Progress { done, total: total.max(1), text });
        page.blocks.push(Block::Text(
            pick(
                "本页每秒刷新一次，导入结束后在此显示结果。全部通过才写入。",
                "This page refreshes every second and shows the result when the import ends. Nothing is written unless every row passes.",
            )
            .to_string(),
        ));
        return Ok(html::render(&page));
    };
    super::html::lock(&state.0.jobs).remove(id);
    match outcome {
        Ok(s) => {
            let (encoding, added, unchanged, pending) = (s.encoding, s.added, s.unchanged, s.pending);
            let notice = crate::tr!(
                "已导入 {file}（{kind}，{encoding}）：新增 {added} 行，{unchanged} 行已有记录（未变），{pending} 行已提交审批",
                "imported {file} ({kind}, {encoding}): {added} added, {unchanged} already recorded (unchanged), {pending} submitted for approval"
            );
            leave_notice(session, notice).await;
            Ok(Redirect::to("/import").into_response())
        }
        Err(Failure::Rejected(problems)) => {
            let mut page = Page::new(me, pick("导入文件", "Import a file"));
            page.problems = problems.iter().map(ToString::to_string).collect();
            page.blocks.push(Block::Form(import_form(me, &kind)));
            Ok((html::refusal_status(&problems), html::render(&page)).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn import_job(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    UrlPath(id): UrlPath<String>,
) -> Answer {
    finish_job(&state, &me, &session, &id).await
}

// ---------------------------------------------------------------------------------------
// Allocation: the plan, then the commit

fn remainder_of(text: &str) -> crate::allocate::Remainder {
    use clap::ValueEnum;
    crate::allocate::Remainder::from_str(text, true).unwrap_or(crate::allocate::Remainder::Hold)
}

/// A fingerprint of a plan: the commit refuses when the plan changed since it was shown.
fn plan_digest(plan: &crate::report::allocation::AllocationPlan) -> String {
    use sha2::Digest;
    let json = serde_json::to_string(plan).unwrap_or_default();
    sha2::Sha256::digest(json.as_bytes()).iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// The appropriation line `code`, if the user may write in its county.
fn writable_appropriation(
    db: &Db,
    me: &Me,
    code: &str,
) -> Result<crate::model::StoredAppropriation, Failure> {
    let a =
        db.appropriations()?.into_iter().find(|a| a.code == code).ok_or_else(|| {
            Failure::NotFound(crate::tr!("没有指标 {code}", "no appropriation line {code}"))
        })?;
    if !may(&me.user, Action::Write, Target::County(&a.county)) {
        let county = &a.county;
        return Err(Failure::Forbidden(crate::tr!(
            "指标 {code} 属于{county}，您无权分配",
            "appropriation {code} is {county}'s: you may not allocate it"
        )));
    }
    Ok(a)
}

pub async fn allocate_plan(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    Query(q): Query<Fields>,
) -> Answer {
    let notice = take_notice(&session).await;
    let db = state.clone();
    let mut page = blocking(move || {
        let db = db.snapshot()?;
        let mut page = Page::new(&me, pick("分配指标", "Allocate an appropriation"));
        let code = field(&q, "appropriation").to_string();
        let remainder = field(&q, "remainder").to_string();
        let options = vec![
            ("hold".to_string(), pick("余额留在指标上", "hold the rest on the line").to_string()),
            (
                "pro-rata".to_string(),
                pick("余额按计划投资比例分配", "spread the rest pro rata to investment").to_string(),
            ),
        ];
        page.blocks.push(Block::Form(
            Form::get(
                "plan",
                pick("查看分配计划", "See the plan"),
                "/allocate",
                pick("查看计划", "Show the plan"),
            )
            .group(
                "",
                vec![
                    Field::new("appropriation", pick("指标编号", "Appropriation"), "text")
                        .value(code.clone())
                        .required(),
                    Field::new("remainder", pick("余额", "Remainder"), "select")
                        .options(options)
                        .value(remainder.clone()),
                ],
            ),
        ));
        if code.is_empty() {
            return Ok(page);
        }
        let a = writable_appropriation(&db, &me, &code)?;
        let plan = crate::report::allocation::allocation_plan(&db, &a, remainder_of(&remainder))?;
        page.blocks.push(Block::Table(HtmlTable::of(
            &render::allocation::table(&plan),
            crate::lang::current(),
            None,
        )));
        if plan.totals.allocation > Fen::ZERO {
            page.blocks.push(Block::Form(
                Form::post(
                    "commit",
                    pick("按此计划记账", "Commit this plan"),
                    "/allocate",
                    pick("确认分配", "Commit"),
                )
                .group(
                    "",
                    vec![
                        Field::new("appropriation", "", "hidden").value(code),
                        Field::new("remainder", "", "hidden").value(remainder),
                        Field::new("plan", "", "hidden").value(plan_digest(&plan)),
                        Field::new("date", pick("分配日期", "Date"), "date")
                            .value(today().to_string())
                            .required(),
                    ],
                ),
            ));
        }
        Ok(page)
    })
    .await?;
    page.notice = notice;
    Ok(html::render(&page))
}

pub async fn allocate_commit(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    UrlForm(f): UrlForm<Fields>,
) -> Answer {
    let db = state.clone();
    let code = field(&f, "appropriation").to_string();
    let remainder = field(&f, "remainder").to_string();
    let form = f.clone();
    let vouchers = blocking(move || {
        let date = crate::args::date(field(&form, "date"))
            .map_err(|m| Failure::Rejected(vec![Problem::new(Check::Format, m).column(pick("分配日期", "date"))]))?;
        let mut db = db.writer()?;
        let a = writable_appropriation(&db, &me, &code)?;
        let plan = crate::report::allocation::allocation_plan(&db, &a, remainder_of(&remainder))?;
        if plan_digest(&plan) != field(&form, "plan") {
            return Err(Failure::Rejected(vec![Problem::new(
                Check::R3,
                pick("查看计划后账本已有变化，计划随之改变；请重新查看计划后再确认", "the ledger changed since the plan was shown, and the plan with it: look at it again before committing").to_string(),
            )]));
        }
        Ok(crate::ledger::commit_plan(&mut db, &a, &plan.plan, date, &Stamp::now(&me.user.name))?)
    })
    .await?;
    let (n, code) = (vouchers.len(), field(&f, "appropriation"));
    leave_notice(
        &session,
        crate::tr!("已按计划分配指标 {code}：{n} 张凭证", "allocated {code} by the plan: {n} vouchers"),
    )
    .await;
    let q = serde_urlencoded::to_string([("appropriation", code), ("remainder", field(&f, "remainder"))])
        .unwrap_or_default();
    Ok(Redirect::to(&format!("/allocate?{q}")).into_response())
}

// ---------------------------------------------------------------------------------------
// Reports

pub async fn balances(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    Query(q): Query<Fields>,
) -> Answer {
    report_page(state, me, q, "/reports/balances", "balances", |db, me, _| {
        let (value, fingerprint) = super::api::balances_value(db, &me.user)?;
        let doc = Doc {
            title: pick("余额", "Balances").to_string(),
            fingerprint: Some(fingerprint),
            sections: vec![render::balances::table(&value)],
            ..Doc::default()
        };
        Ok((doc, None))
    })
    .await
}

pub async fn statement(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    Query(q): Query<Fields>,
) -> Answer {
    report_page(state, me, q, "/reports/statement", "statement", |db, me, q| {
        let (value, title) = super::api::statement_value(db, &me.user, q)?;
        let mut doc = render::statement::doc(&value, crate::lang::current());
        doc.title = title;
        let form = Form::get("statement", "", "/reports/statement", pick("查看", "Show")).group(
            "",
            vec![
                Field::new("year", pick("年度", "Year"), "number").value(field(q, "year")),
                Field::new("county", pick("县（市、区）", "County"), "text").value(field(q, "county")),
                Field::new("department", pick("部门", "Department"), "text").value(field(q, "department")),
                Field::new("project", pick("项目编号（实施主体）", "Project (implementing bodies)"), "text")
                    .value(field(q, "project")),
            ],
        );
        Ok((doc, Some(form)))
    })
    .await
}

pub async fn check(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    Query(q): Query<Fields>,
) -> Answer {
    report_page(state, me, q, "/reports/check", "check", |db, me, q| {
        let found = super::api::check_value(db, &me.user, q)?;
        let as_of = found.as_of;
        let doc = Doc {
            title: crate::tr!("检查发现（截至 {as_of}）", "Findings as of {as_of}"),
            sections: vec![render::check::table(&found)],
            ..Doc::default()
        };
        let form = Form::get("check", "", "/reports/check", pick("查看", "Show"))
            .group("", vec![Field::new("as_of", pick("截至日期", "As of"), "date").value(as_of.to_string())]);
        Ok((doc, Some(form)))
    })
    .await
}

pub async fn review(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    Query(q): Query<Fields>,
) -> Answer {
    report_page(state, me, q, "/reports/review", "review", |db, me, q| {
        let value = super::api::review_value(db, &me.user, q)?;
        let lang = crate::lang::current();
        let mut doc = render::review::doc(&value, lang);
        doc.title = render::review::title(&value, lang);
        let form = Form::get("review", "", "/reports/review", pick("查看", "Show")).group(
            "",
            vec![Field::new("year", pick("年度", "Year"), "number").value(value.year.to_string())],
        );
        Ok((doc, Some(form)))
    })
    .await
}

/// A report page: the query's form, the report's tables (their money linked to the entries
/// behind it), and the same `Doc` as .xlsx or CSV when `format` asks for it.
async fn report_page(
    state: AppState,
    me: Me,
    q: Fields,
    path: &'static str,
    file: &'static str,
    build: impl FnOnce(&AppState, &Me, &Fields) -> Result<(Doc, Option<Form>), Failure> + Send + 'static,
) -> Answer {
    let url = self_url(path, &q);
    let format = q.get("format").cloned();
    let (page, doc) = blocking(move || {
        let (doc, form) = build(&state, &me, &q)?;
        let mut page = Page::new(&me, doc.title.clone());
        page.blocks.extend(form.map(Block::Form));
        page.blocks.extend(HtmlTable::all(&doc, crate::lang::current(), Some(&entries_link)));
        Ok((page, doc))
    })
    .await?;
    report_answer(page, &doc, format.as_deref(), file, &url)
}

// ---------------------------------------------------------------------------------------
// Reconciliation by the implementing body

fn reconcile_form(code: &str) -> Form {
    Form::post("reconcile", "", &format!("/projects/{code}/reconcile"), pick("对账", "Reconcile"))
        .multipart()
        .group(
            "",
            vec![
                Field::new(
                    "payments",
                    pick("本单位的支付记录（CSV 或 .xlsx）", "Your payments (CSV or .xlsx)"),
                    "file",
                ),
                Field::new(
                    "receipts",
                    pick("本单位的收款记录（CSV 或 .xlsx）", "Your receipts (CSV or .xlsx)"),
                    "file",
                ),
            ],
        )
}

/// The project `code` if the user may upload records to reconcile it.
fn reconcilable(db: &super::pool::Reader<'_>, me: &Me, code: &str) -> Result<(), Failure> {
    let places = db.places()?;
    readable_project(me, &places, code)?;
    let county = places.county_of_project(code).unwrap_or_default();
    if !may(&me.user, Action::UploadReconcile, Target::Project { county, project: code }) {
        return Err(Failure::Forbidden(crate::tr!(
            "您无权为项目 {code} 上传对账记录",
            "you may not reconcile project {code}"
        )));
    }
    Ok(())
}

pub async fn reconcile_page(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    UrlPath(code): UrlPath<String>,
) -> Answer {
    let db = state.clone();
    let page = blocking(move || {
        reconcilable(&db.snapshot()?, &me, &code)?;
        let mut page = Page::new(&me, crate::tr!("项目 {code} 对账", "Reconcile project {code}"));
        page.blocks.push(Block::Text(pick(
            "上传本单位账上的支付与收款记录（与命令行 reconcile 相同的列），与台账逐笔核对。只读：不写入台账。",
            "Upload your own payment and receipt records (the columns `reconcile` takes) to match them against the ledger. Read-only: nothing is written.",
        ).to_string()));
        page.blocks.push(Block::Form(reconcile_form(&code)));
        Ok(page)
    })
    .await?;
    Ok(html::render(&page))
}

pub async fn reconcile(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    UrlPath(code): UrlPath<String>,
    form: Multipart,
) -> Answer {
    use crate::import::{self, CsvInput};
    let parts = upload::read(form).await?;
    let files: Vec<(String, Option<(std::path::PathBuf, String)>)> = ["payments", "receipts"]
        .iter()
        .map(|k| (k.to_string(), parts.files.get(*k).map(|u| (u.path.clone(), u.name.clone()))))
        .collect();
    let db = state.clone();
    let page = blocking(move || {
        let db = db.snapshot()?;
        reconcilable(&db, &me, &code)?;
        let mut problems = Vec::new();
        let mut read = |i: usize, columns: &'static [import::Column], parse| match &files[i].1 {
            Some((path, name)) => {
                match crate::pipeline::read_records(CsvInput::open_as(path, name, columns), parse) {
                    Ok(records) => Some(records),
                    Err(e) => {
                        problems.extend(Failure::from(e).problems());
                        None
                    }
                }
            }
            None => None,
        };
        let payments = read(0, import::PAYMENT_COLUMNS, import::parse_payment);
        let receipts = read(1, import::RECEIPT_COLUMNS, import::parse_receipt);
        let mut page = Page::new(&me, crate::tr!("项目 {code} 对账", "Reconcile project {code}"));
        if !problems.is_empty() {
            page.problems = problems.iter().map(ToString::to_string).collect();
            page.blocks.push(Block::Form(reconcile_form(&code)));
            return Ok(page);
        }
        let places = db.places()?;
        let seen = |sub: &str| {
            places.project_of_subproject(sub).is_some_and(|p| places.may_read_project(&me.user, p))
        };
        let value = crate::report::reconcile::reconcile_seen(
            &db,
            &*db.catalog()?,
            &code,
            payments.as_deref(),
            receipts.as_deref(),
            &seen,
        )?;
        let lang = crate::lang::current();
        let doc = render::reconcile::doc(&value, lang);
        page.notice = Some(match value.mismatched {
            true => pick("有记录与台账不符，见下表", "Some records do not match the ledger: see below")
                .to_string(),
            false => pick("全部记录与台账相符", "Every record matches the ledger").to_string(),
        });
        page.blocks = HtmlTable::all(&doc, lang, None);
        page.blocks.push(Block::Form(reconcile_form(&code)));
        Ok(page)
    })
    .await?;
    drop(parts);
    let status = if page.problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html::render(&page)).into_response())
}

// ---------------------------------------------------------------------------------------
// The write log and verify (city-wide)

pub async fn log(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    Query(q): Query<Fields>,
) -> Answer {
    report_page(state, me, q, "/log", "log", |db, _, q| {
        let db = db.snapshot()?;
        let since = Some(field(q, "since"))
            .filter(|s| !s.is_empty())
            .map(crate::args::date)
            .transpose()
            .map_err(|m| Failure::Rejected(vec![Problem::new(Check::Format, m).column("since")]))?;
        let by = Some(field(q, "by")).filter(|s| !s.is_empty());
        let mut doc = render::journal::doc(&crate::report::journal::journal(&db.writes(since, by)?));
        doc.title = pick("写入日志", "Write log").to_string();
        doc.fingerprint = Some(db.fingerprint()?);
        let form = Form::get("log", "", "/log", pick("查看", "Show")).group(
            "",
            vec![
                Field::new("since", pick("自", "Since"), "date").value(field(q, "since")),
                Field::new("by", pick("操作人", "Operator"), "text").value(field(q, "by")),
            ],
        );
        Ok((doc, Some(form)))
    })
    .await
}

pub async fn verify(State(state): State<AppState>, Extension(me): Extension<Me>) -> Answer {
    let db = state.clone();
    let page = blocking(move || {
        let db = db.snapshot()?;
        let value = crate::report::verification::verification(&db, None)?;
        let doc = render::verification::doc(&value);
        let mut page = Page::new(&me, pick("校验账本", "Verify the ledger"));
        let head = &value.head;
        let (links, entries) = (value.links, value.entries);
        page.notice = Some(match value.verified {
            true => crate::tr!(
                "校验通过：{links} 个审计链环节、{entries} 笔分录全部相符。审计链头（指纹）{head}",
                "verified: {links} chain links and {entries} entries all agree. Chain head (fingerprint) {head}"
            ),
            false => crate::tr!(
                "校验未通过：见下列发现。审计链头 {head}",
                "verification failed: see the findings below. Chain head {head}"
            ),
        });
        page.blocks = HtmlTable::all(&doc, crate::lang::current(), None);
        Ok(page)
    })
    .await?;
    Ok(html::render(&page))
}

// ---------------------------------------------------------------------------------------
// Users (the admin)

fn user_forms() -> Vec<Block> {
    let roles =
        Role::ALL.iter().map(|r| (r.code().to_string(), format!("{}（{}）", r.zh(), r.code()))).collect();
    let languages = vec![("zh".to_string(), "中文".to_string()), ("en".to_string(), "English".to_string())];
    vec![
        Block::Form(
            Form::post("add-user", pick("添加用户", "Add a user"), "/users", pick("添加", "Add")).group(
                "",
                vec![
                    Field::new("name", pick("用户名", "Name"), "text").required(),
                    Field::new("role", pick("角色", "Role"), "select").options(roles),
                    Field::new(
                        "counties",
                        pick("县（市、区），逗号分隔（县级录入员）", "Counties, comma-separated (clerks)"),
                        "text",
                    ),
                    Field::new(
                        "projects",
                        pick("项目编号，逗号分隔（实施主体）", "Projects, comma-separated (bodies)"),
                        "text",
                    ),
                    Field::new("language", pick("语言", "Language"), "select").options(languages),
                    Field::new(
                        "password",
                        pick("初始密码（至少 8 个字符）", "Initial password (8 characters or more)"),
                        "password",
                    )
                    .required(),
                ],
            ),
        ),
        Block::Form(
            Form::post(
                "set-password",
                pick("设置密码", "Set a password"),
                "/users/-/password",
                pick("设置", "Set"),
            )
            .group(
                "",
                vec![
                    Field::new("name", pick("用户名", "Name"), "text").required(),
                    Field::new(
                        "password",
                        pick("新密码（至少 8 个字符）", "New password (8 characters or more)"),
                        "password",
                    )
                    .required(),
                ],
            ),
        ),
        Block::Form(
            Form::post(
                "disable-user",
                pick("停用用户", "Disable a user"),
                "/users/-/disable",
                pick("停用", "Disable"),
            )
            .group("", vec![Field::new("name", pick("用户名", "Name"), "text").required()]),
        ),
    ]
}

pub async fn users(State(state): State<AppState>, Extension(me): Extension<Me>, session: Session) -> Answer {
    let notice = take_notice(&session).await;
    let db = state.clone();
    let mut page = blocking(move || {
        let db = db.snapshot()?;
        let list = crate::report::users::user_list(&db.users()?);
        let doc = render::users::doc(&list);
        let mut page = Page::new(&me, pick("用户", "Users"));
        page.blocks = HtmlTable::all(&doc, crate::lang::current(), None);
        page.blocks.extend(user_forms());
        Ok(page)
    })
    .await?;
    page.notice = notice;
    Ok(html::render(&page))
}

fn list_of(text: &str) -> Vec<String> {
    text.split([',', '，', ';', '；', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A users page showing a refusal (422: nothing was written).
fn users_refused(db: &AppState, me: &Me, problems: Vec<Problem>) -> Result<Page, Failure> {
    let list = crate::report::users::user_list(&db.snapshot()?.users()?);
    let mut page = Page::new(me, pick("用户", "Users"));
    page.problems = problems.iter().map(ToString::to_string).collect();
    page.blocks = HtmlTable::all(&render::users::doc(&list), crate::lang::current(), None);
    page.blocks.extend(user_forms());
    Ok(page)
}

/// One write by the admin as the signed-in user (users, years): on success a notice and back
/// to `back`; a refusal (nothing written) on the page `refused` makes, with its problems.
async fn admin_write(
    state: &AppState,
    me: Me,
    session: &Session,
    back: &'static str,
    refused: fn(&AppState, &Me, Vec<Problem>) -> Result<Page, Failure>,
    write: impl FnOnce(&mut Db, &Stamp) -> crate::error::Result<String> + Send + 'static,
) -> Answer {
    let db = state.clone();
    let outcome = blocking(move || {
        let written = write(&mut *db.writer()?, &Stamp::now(&me.user.name));
        match written {
            Ok(notice) => Ok(Ok(notice)),
            // The admin may make every write here: a refusal is bad input (422), even when
            // its rule is the users' own (`Check::Access`: a short password, an unknown role).
            Err(crate::error::Error::Rejected(p) | crate::error::Error::BadRequest(p)) => {
                Ok(Err((axum::http::StatusCode::UNPROCESSABLE_ENTITY, refused(&db, &me, p)?)))
            }
            Err(e) => Err(Failure::from(e)),
        }
    })
    .await?;
    match outcome {
        Ok(notice) => {
            leave_notice(session, notice).await;
            Ok(Redirect::to(back).into_response())
        }
        Err((status, page)) => Ok((status, html::render(&page)).into_response()),
    }
}

pub async fn add_user(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    UrlForm(f): UrlForm<Fields>,
) -> Answer {
    admin_write(&state, me, &session, "/users", users_refused, move |db, stamp| {
        let role = Role::parse(field(&f, "role"))
            .map_err(|m| crate::error::Error::rejected(Problem::new(Check::Access, m).column("role")))?;
        let password = password_of(&f)?;
        let lang = if field(&f, "language") == "en" { Lang::En } else { Lang::Zh };
        let (counties, projects) = (list_of(field(&f, "counties")), list_of(field(&f, "projects")));
        let new = crate::users::NewUser {
            name: field(&f, "name"),
            role,
            counties: &counties,
            projects: &projects,
            password: &password,
            lang,
        };
        let user = crate::users::add_user(db, &new, stamp)?;
        let name = &user.name;
        Ok(crate::tr!("已添加用户 {name}", "added user {name}"))
    })
    .await
}

/// The user a form acts on: the path names it when a script posts directly; the users page's
/// forms post to `/users/-/…` and name it in a field.
fn named_user(path: String, f: &Fields) -> String {
    if path == "-" {
        field(f, "name").to_string()
    } else {
        path
    }
}

/// The form's password, as the rules for passwords take it (untrimmed).
fn password_of(f: &Fields) -> crate::error::Result<crate::users::Password> {
    crate::users::Password::parse(f.get("password").map(String::as_str).unwrap_or(""))
        .map_err(crate::error::Error::rejected)
}

pub async fn disable_user(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    UrlPath(name): UrlPath<String>,
    UrlForm(f): UrlForm<Fields>,
) -> Answer {
    let name = named_user(name, &f);
    admin_write(&state, me, &session, "/users", users_refused, move |db, stamp| {
        crate::users::disable_user(db, &name, stamp)?;
        Ok(crate::tr!("已停用用户 {name}，其令牌已作废", "disabled user {name}; their tokens are revoked"))
    })
    .await
}

pub async fn set_password(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    UrlPath(name): UrlPath<String>,
    UrlForm(f): UrlForm<Fields>,
) -> Answer {
    let name = named_user(name, &f);
    admin_write(&state, me, &session, "/users", users_refused, move |db, stamp| {
        let password = password_of(&f)?;
        crate::users::set_password(db, &name, &password, stamp)?;
        Ok(crate::tr!("已为 {name} 设置新密码", "set a new password for {name}"))
    })
    .await
}

/// `POST /settings/language`: the language of this session's pages (the user's own setting,
/// chosen when the user was added, applies at the next sign-in).
pub async fn set_language(session: Session, UrlForm(f): UrlForm<Fields>) -> Answer {
    let lang = if field(&f, "language") == "en" { "en" } else { "zh" };
    let _ = session.insert(super::auth::LANG, lang).await;
    Ok(Redirect::to("/").into_response())
}

// ---------------------------------------------------------------------------------------
// Closed years (the admin)

pub async fn years(State(state): State<AppState>, Extension(me): Extension<Me>, session: Session) -> Answer {
    let notice = take_notice(&session).await;
    let db = state.clone();
    let mut page = blocking(move || {
        let db = db.snapshot()?;
        let closed: Vec<String> = db.closed_years()?.iter().map(i32::to_string).collect();
        let mut page = Page::new(&me, pick("年度结账", "Closed years"));
        page.blocks.push(Block::Text(match closed.is_empty() {
            true => pick("尚无已结账年度", "No year is closed").to_string(),
            false => {
                let closed = closed.join("、");
                crate::tr!(
                    "已结账年度：{closed}（不再接受日期在这些年度的分录，R5）",
                    "Closed: {closed} (no entry dated in them is accepted, R5)"
                )
            }
        }));
        page.blocks.push(Block::Form(
            Form::post("close-year", pick("结账", "Close a year"), "/years/close", pick("结账", "Close"))
                .group("", vec![Field::new("year", pick("年度", "Year"), "number").required()]),
        ));
        page.blocks.push(Block::Form(
            Form::post(
                "reopen-year",
                pick("重新开账", "Reopen a year"),
                "/years/reopen",
                pick("重新开账", "Reopen"),
            )
            .group(
                "",
                vec![
                    Field::new("year", pick("年度", "Year"), "number").required(),
                    Field::new(
                        "reason",
                        pick("原因（会记录并向审计人员显示）", "Reason (recorded, shown to auditors)"),
                        "text",
                    )
                    .required(),
                ],
            ),
        ));
        Ok(page)
    })
    .await?;
    page.notice = notice;
    Ok(html::render(&page))
}

/// The years page's answer to a refused closing or reopening.
fn years_refused(_: &AppState, me: &Me, problems: Vec<Problem>) -> Result<Page, Failure> {
    let mut page = Page::new(me, pick("年度结账", "Closed years"));
    page.problems = problems.iter().map(ToString::to_string).collect();
    page.blocks.push(Block::Links(vec![("/years".into(), pick("返回", "Back").into())]));
    Ok(page)
}

fn year_of(f: &Fields) -> crate::error::Result<i32> {
    crate::args::year(field(f, "year")).map_err(|m| {
        crate::error::Error::rejected(Problem::new(Check::Format, m).column(pick("年度", "year")))
    })
}

pub async fn close_year(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    UrlForm(f): UrlForm<Fields>,
) -> Answer {
    admin_write(&state, me, &session, "/years", years_refused, move |db, stamp| {
        let year = year_of(&f)?;
        crate::ledger::close_year(db, year, stamp)?;
        Ok(crate::tr!(
            "{year} 年度已结账：不再接受日期在该年度的分录",
            "closed {year}: no entry dated in {year} will be accepted"
        ))
    })
    .await
}

pub async fn reopen_year(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    session: Session,
    UrlForm(f): UrlForm<Fields>,
) -> Answer {
    admin_write(&state, me, &session, "/years", years_refused, move |db, stamp| {
        let year = year_of(&f)?;
        let reason = model::parse_text(field(&f, "reason"), "reason", true).map_err(|m| {
            crate::error::Error::rejected(Problem::new(Check::R5, m).column(pick("原因", "reason")))
        })?;
        crate::ledger::reopen_year(db, year, &reason, stamp)?;
        Ok(crate::tr!("{year} 年度已重新开账（原因已记录）", "reopened {year} (the reason is recorded)"))
    })
    .await
}
