//! Pages: the askama templates (`templates/`), a report `Doc` laid out as HTML tables, forms
//! described as data, and the answers for what went wrong (`Failure`). Askama escapes every
//! value it prints, so a memo `<script>` shows as text.

use super::auth::Me;
use crate::error::{Check, Error, Problem};
use crate::lang::{pick, Lang};
use crate::model::Role;
use crate::render::{Cell, Doc, Report, Unit};
use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

/// Locks `m`, recovering it if a panic poisoned it: what the locks here guard (idle
/// connections, caches, the writer, whose transaction rolled back as the panic unwound) stays
/// usable, so one failed request never disables the server.
pub fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs ledger work off the async threads, in the language of the thread that asked.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let lang = crate::lang::current();
    match tokio::task::spawn_blocking(move || crate::lang::with(lang, f)).await {
        Ok(answer) => answer,
        Err(e) => Err(Failure::internal(e)),
    }
}

/// What went wrong with a request, answered as a page or as JSON.
#[derive(Debug)]
pub enum Failure {
    /// Not signed in (401).
    Unauthorized,
    /// Outside the user's role or scope (403); the text says what, if anything.
    Forbidden(String),
    /// A form or JSON write without the session's CSRF token (403).
    Csrf,
    /// Too many sign-in attempts (429).
    Throttled,
    /// A body over its limit (413).
    TooLarge,
    /// The ledger's writer stayed busy too long (503); nothing was written.
    Busy,
    /// Nothing of that name the user may see (404).
    NotFound(String),
    /// Bad input or a broken rule; nothing was written (422).
    Rejected(Vec<Problem>),
    /// The server's own failure (500); the detail goes to the log, not the page.
    Internal(String),
}

impl Failure {
    pub fn internal(e: impl std::fmt::Display) -> Failure {
        Failure::Internal(e.to_string())
    }

    fn status(&self) -> StatusCode {
        match self {
            Failure::Unauthorized => StatusCode::UNAUTHORIZED,
            Failure::Forbidden(_) | Failure::Csrf => StatusCode::FORBIDDEN,
            Failure::Throttled => StatusCode::TOO_MANY_REQUESTS,
            Failure::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Failure::NotFound(_) => StatusCode::NOT_FOUND,
            Failure::Rejected(problems) => refusal_status(problems),
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message(&self) -> String {
        match self {
            Failure::Unauthorized => pick("请先登录", "sign in first").to_string(),
            Failure::Forbidden(what) if !what.is_empty() => what.clone(),
            Failure::Forbidden(_) => pick("您的角色或范围不允许此操作", "your role or scope does not allow this").to_string(),
            Failure::Csrf => pick(
                "表单已过期或来源不明（CSRF 令牌不符）；请刷新页面后重试。未写入任何内容",
                "the form is stale or did not come from this site (CSRF token mismatch); reload and try again. Nothing was written",
            )
            .to_string(),
            Failure::Throttled => pick("尝试次数过多，请稍后再试", "too many attempts: try again later").to_string(),
            Failure::TooLarge => pick("上传内容过大", "the request is too large").to_string(),
            Failure::Busy => pick(
                "账本正在写入另一项较大的内容（如导入），请稍后重试；未写入任何内容",
                "the ledger is busy with another large write (an import): try again shortly; nothing was written",
            )
            .to_string(),
            Failure::NotFound(what) if !what.is_empty() => what.clone(),
            Failure::NotFound(_) => pick("没有这个页面", "no such page").to_string(),
            Failure::Rejected(_) => pick("未写入任何内容", "nothing was written").to_string(),
            Failure::Internal(_) => pick("服务器出错；管理员可在服务器日志中查看详情", "the server failed; the admin finds the detail in the server's log").to_string(),
        }
    }

    /// The answer: JSON for the API, a page otherwise.
    pub fn respond(self, api: bool) -> Response {
        if let Failure::Internal(detail) = &self {
            eprintln!("fundledger serve: {detail}");
        }
        let status = self.status();
        if api {
            let body = match &self {
                Failure::Rejected(problems) => serde_json::json!({
                    "problems": problems.iter().map(problem_json).collect::<Vec<_>>(),
                }),
                _ => serde_json::json!({"error": self.message()}),
            };
            return (status, axum::Json(body)).into_response();
        }
        let problems = match &self {
            Failure::Rejected(p) => p.iter().map(ToString::to_string).collect(),
            _ => Vec::new(),
        };
        let page = ErrorPage { status: status.as_u16(), message: self.message(), problems };
        (status, render(&page)).into_response()
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        match e {
            Error::Rejected(p) | Error::BadRequest(p) | Error::Findings(p) => Failure::Rejected(p),
            Error::Internal(m) => Failure::Internal(m),
        }
    }
}

impl Failure {
    /// The problems a refusal lists (one sentence for any other failure).
    pub fn problems(self) -> Vec<Problem> {
        match self {
            Failure::Rejected(p) => p,
            other => vec![Problem::new(Check::File, other.message())],
        }
    }
}

/// A failure answered as JSON (the API's handlers).
pub struct ApiFailure(pub Failure);

impl From<Failure> for ApiFailure {
    fn from(f: Failure) -> ApiFailure {
        ApiFailure(f)
    }
}

impl From<Error> for ApiFailure {
    fn from(e: Error) -> ApiFailure {
        ApiFailure(Failure::from(e))
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        self.0.respond(true)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        self.respond(false)
    }
}

/// The status of a refused write: 403 when a row lies outside the user's scope (the write
/// was not theirs to make), else 422 (bad input or a broken rule). Nothing was written.
pub fn refusal_status(problems: &[Problem]) -> StatusCode {
    if problems.iter().any(|p| p.check == Check::Access) {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// Keeps a parsed value, or notes its problem under `column`.
pub fn flag<T>(problems: &mut Vec<Problem>, column: &str, check: Check, r: Result<T, String>) -> Option<T> {
    r.map_err(|m| problems.push(Problem::new(check, m).column(column))).ok()
}

/// A stable code for a problem's check: `R1`…`R7`, or the check's name in lower case.
pub fn rule_code(check: Check) -> String {
    let name = format!("{check:?}");
    if name.starts_with('R') && name.len() == 2 {
        name
    } else {
        name.to_lowercase()
    }
}

/// A problem as the API gives it: `{"rule", "message", "field", "line"}`.
pub fn problem_json(p: &Problem) -> serde_json::Value {
    serde_json::json!({
        "rule": rule_code(p.check),
        "message": p.message,
        "field": p.column,
        "line": p.line,
    })
}

/// Renders a template, or says the server failed.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => {
            eprintln!("fundledger serve: a page failed to render: {e}");
            let message = pick(
                "服务器出错；管理员可在服务器日志中查看详情",
                "the server failed; the admin finds the detail in the server's log",
            );
            (StatusCode::INTERNAL_SERVER_ERROR, message).into_response()
        }
    }
}

/// `t("中文", "English")` in templates.
pub fn t(zh: &'static str, en: &'static str) -> &'static str {
    pick(zh, en)
}

/// The navigation and user bar every page shows.
pub struct Nav {
    pub user: String,
    pub role: String,
    pub csrf: String,
    pub writes: bool,
    pub city: bool,
    pub admin: bool,
    pub english: bool,
    pub demo: bool,
}

impl Nav {
    pub fn of(me: &Me) -> Nav {
        let role = me.user.role;
        Nav {
            user: me.user.name.clone(),
            role: match me.user.lang {
                Lang::Zh => role.zh().to_string(),
                Lang::En => role.code().to_string(),
            },
            csrf: me.csrf.clone(),
            writes: matches!(role, Role::Admin | Role::Clerk),
            city: matches!(role, Role::Admin | Role::Reviewer),
            admin: role == Role::Admin,
            english: me.user.lang == Lang::En,
            demo: me.demo,
        }
    }
}

/// A cell of an HTML table.
pub struct HtmlCell {
    pub text: String,
    pub num: bool,
    pub href: Option<String>,
}

pub struct HtmlRow {
    pub cells: Vec<HtmlCell>,
    pub subtotal: bool,
}

pub struct HtmlTable {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<HtmlRow>,
    pub totals: Option<Vec<HtmlCell>>,
    pub notes: Vec<String>,
}

/// Links a table's row to the entries behind its figures, given the row's cells.
pub type Linker<'a> = &'a dyn Fn(&Report, &[Cell]) -> Option<String>;

impl HtmlTable {
    pub fn of(report: &Report, lang: Lang, link: Option<Linker<'_>>) -> HtmlTable {
        let cell = |c: &Cell, href: Option<&String>| HtmlCell {
            text: c.text(lang, Unit::Yuan, true),
            num: matches!(c, Cell::Money(_) | Cell::Int(_) | Cell::Percent(_)),
            href: href.filter(|_| matches!(c, Cell::Money(f) if *f != crate::money::Fen::ZERO)).cloned(),
        };
        let rows = report
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let href = link.and_then(|l| l(report, row));
                HtmlRow {
                    cells: row.iter().map(|c| cell(c, href.as_ref())).collect(),
                    subtotal: report.subtotals.contains(&i),
                }
            })
            .collect();
        HtmlTable {
            title: report.title.clone(),
            headers: report.headers(lang, Unit::Yuan),
            rows,
            totals: report.totals.as_ref().map(|t| t.iter().map(|c| cell(c, None)).collect()),
            notes: report.notes.clone(),
        }
    }

    /// Every section of a document.
    pub fn all(doc: &Doc, lang: Lang, link: Option<Linker<'_>>) -> Vec<Block> {
        let mut blocks: Vec<Block> =
            doc.sections.iter().map(|r| Block::Table(HtmlTable::of(r, lang, link))).collect();
        if let Some(f) = &doc.fingerprint {
            blocks.push(Block::Text(match lang {
                Lang::Zh => format!("账本指纹：{} 笔分录，审计链头 {}", f.entries, f.hash),
                Lang::En => format!("ledger fingerprint: {f}"),
            }));
        }
        blocks
    }
}

/// The text of a column of a row, by JSON key.
pub fn column_text(report: &Report, row: &[Cell], key: &str) -> Option<String> {
    let i = report.columns.iter().position(|c| c.key == key)?;
    match row.get(i)? {
        Cell::Text(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A form field.
pub struct Field {
    pub name: String,
    pub label: String,
    pub kind: &'static str,
    pub value: String,
    /// For `select`: (value, label).
    pub options: Vec<(String, String)>,
    pub required: bool,
}

impl Field {
    pub fn new(name: &str, label: &str, kind: &'static str) -> Field {
        Field {
            name: name.to_string(),
            label: label.to_string(),
            kind,
            value: String::new(),
            options: Vec::new(),
            required: false,
        }
    }

    pub fn value(mut self, v: impl Into<String>) -> Field {
        self.value = v.into();
        self
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn options(mut self, options: Vec<(String, String)>) -> Field {
        self.options = options;
        self
    }
}

/// A form: fields in groups (a fieldset each), posted with the session's CSRF token.
pub struct Form {
    pub title: String,
    pub action: String,
    pub method: &'static str,
    pub multipart: bool,
    pub groups: Vec<(String, Vec<Field>)>,
    pub submit: String,
    /// The form's id, for tests and the browser.
    pub id: String,
}

impl Form {
    pub fn post(id: &str, title: &str, action: &str, submit: &str) -> Form {
        Form {
            title: title.to_string(),
            action: action.to_string(),
            method: "post",
            multipart: false,
            groups: Vec::new(),
            submit: submit.to_string(),
            id: id.to_string(),
        }
    }

    pub fn get(id: &str, title: &str, action: &str, submit: &str) -> Form {
        Form { method: "get", ..Form::post(id, title, action, submit) }
    }

    pub fn group(mut self, legend: &str, fields: Vec<Field>) -> Form {
        self.groups.push((legend.to_string(), fields));
        self
    }

    pub fn multipart(mut self) -> Form {
        self.multipart = true;
        self
    }
}

/// A part of a page.
pub enum Block {
    Table(HtmlTable),
    Form(Form),
    Text(String),
    /// (href, label) pairs.
    Links(Vec<(String, String)>),
    /// A progress bar: done of total, with a line of text.
    Progress {
        done: u64,
        total: u64,
        text: String,
    },
}

/// The page every signed-in screen is: a title, a notice, problems, then blocks.
#[derive(Template)]
#[template(path = "page.html")]
pub struct Page {
    pub nav: Nav,
    pub title: String,
    pub notice: Option<String>,
    pub problems: Vec<String>,
    pub blocks: Vec<Block>,
    /// Download links (CSV, xlsx) of the report shown.
    pub downloads: Vec<(String, String)>,
    /// Reload every second (a page following an import).
    pub refresh: bool,
}

impl Page {
    pub fn new(me: &Me, title: impl Into<String>) -> Page {
        Page {
            nav: Nav::of(me),
            title: title.into(),
            notice: None,
            problems: Vec::new(),
            blocks: Vec::new(),
            downloads: Vec::new(),
            refresh: false,
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct Login {
    pub message: Option<String>,
    pub english: bool,
}

/// The sign-in page, in the language in force, with `message` (a refusal) if any.
pub fn login(message: Option<String>, status: StatusCode) -> Response {
    (status, render(&Login { message, english: crate::lang::current() == Lang::En })).into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub message: String,
    pub problems: Vec<String>,
}

pub async fn not_found() -> Response {
    Failure::NotFound(String::new()).respond(false)
}

const STYLE: &str = include_str!("templates/style.css");

pub async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], STYLE)
        .into_response()
}

/// A download: the bytes with their type, as an attachment under `filename`.
pub fn download(bytes: Vec<u8>, filename: &str) -> Response {
    let content_type = if filename.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else if filename.ends_with(".json") {
        "application/json"
    } else {
        "text/csv; charset=utf-8"
    };
    let disposition = format!("attachment; filename=\"{filename}\"");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    if let Ok(v) = header::HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
