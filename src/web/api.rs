//! The JSON API: the CLI's JSON shapes, narrowed to the caller's scope. Reads answer 200;
//! `POST /api/entries` answers 201, or 422 with every problem and nothing written.

use super::auth::Me;
use super::html::{blocking, flag, ApiFailure, Failure};
use super::scope;
use super::AppState;
use crate::db::Db;
use crate::error::{Check, Problem};
use crate::ledger::Outcome;
use crate::model::{self, AppropriationCode, Kind, NewEntry, SubprojectCode, User, Voucher};
use crate::money::Fen;
use crate::render::json;
use crate::report::balances::Balances;
use crate::report::check::Findings;
use crate::report::review::ReviewReport;
use crate::report::statement::{self, StatementReport};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::Datelike;
use std::collections::HashMap;

type Fields = HashMap<String, String>;

fn field<'a>(f: &'a Fields, name: &str) -> Option<&'a str> {
    f.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn bad(column: &str, message: String) -> Failure {
    Failure::Rejected(vec![Problem::new(Check::Format, message).column(column)])
}

/// A JSON answer, exactly as the CLI prints it.
fn json_answer<T: serde::Serialize>(value: &T) -> Result<Response, ApiFailure> {
    let body = json::to_json(value)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub async fn session(Extension(me): Extension<Me>) -> Response {
    axum::Json(serde_json::json!({
        "user": me.user.name,
        "role": me.user.role.code(),
        "csrf_token": me.csrf,
    }))
    .into_response()
}

/// The balances of the projects the user may read (`balances --format json`).
pub fn balances_value(db: &AppState, user: &User) -> Result<(Balances, model::Fingerprint), Failure> {
    let db = db.snapshot()?;
    let catalog = db.catalog()?;
    let lines = scope::balance_lines(&db, user)?;
    let value = crate::report::balances::balances(&catalog, &lines, &Default::default());
    Ok((value, db.fingerprint()?))
}

pub async fn balances(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
) -> Result<Response, ApiFailure> {
    let db = state.clone();
    let value = blocking(move || Ok(balances_value(&db, &me.user)?.0)).await?;
    json_answer(&value)
}

/// The year asked for, else the year of the latest entry, else this year.
fn year_of(db: &Db, q: &Fields) -> Result<i32, Failure> {
    match field(q, "year") {
        Some(y) => crate::args::year(y).map_err(|m| bad("year", m)),
        None => Ok(db.latest_entry()?.unwrap_or_else(|| chrono::Local::now().date_naive()).year()),
    }
}

/// The department statement of a year, narrowed: a clerk's county (the one asked for, or
/// their first), an implementing body's project; with its title.
pub fn statement_value(db: &AppState, user: &User, q: &Fields) -> Result<(StatementReport, String), Failure> {
    let db = db.snapshot()?;
    let catalog = db.catalog()?;
    let places = db.places()?;
    let year = year_of(&db, q)?;
    let period = statement::Period::year(year)
        .ok_or_else(|| bad("year", crate::tr!("'{year}' 不是年度", "'{year}' is not a year")))?;
    let department = crate::args::resolve_department(&catalog, field(q, "department"))?;
    let asked = crate::args::resolve_county(&catalog, field(q, "county"))?;
    let project = scope::project_for(user, &places, field(q, "project"))?;
    let county = match &project {
        Some(_) => None,
        None => scope::county_for(user, asked.as_deref())?,
    };
    if user.role == crate::model::Role::Body && project.is_none() {
        return Err(Failure::Forbidden(String::new()));
    }
    let filter = statement::Filter { department, county, project: project.clone(), co_led: true };
    let rows = statement::statement_by(&db, &catalog, period, &filter, statement::By::Subproject)?;
    let mut value = statement::report(
        &catalog,
        &rows,
        period,
        filter.county.clone(),
        statement::By::Subproject,
        db.fingerprint()?,
    );
    // What was issued to a county is the county's; an implementing body sees its project only.
    if project.is_none() {
        value.issued = crate::report::issued::issued(&db, &catalog, period, &filter)?;
    }
    let title = crate::render::statement::title(&value, crate::lang::current());
    Ok((value, title))
}

pub async fn statement(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    Query(q): Query<Fields>,
) -> Result<Response, ApiFailure> {
    let db = state.clone();
    let (value, title) = blocking(move || statement_value(&db, &me.user, &q)).await?;
    json_answer(&json::Titled { title: &title, body: &value })
}

/// The findings the user may see, as of the day asked for (default today).
pub fn check_value(db: &AppState, user: &User, q: &Fields) -> Result<Findings, Failure> {
    let as_of = match field(q, "as_of") {
        Some(d) => crate::args::date(d).map_err(|m| bad("as_of", m))?,
        None => chrono::Local::now().date_naive(),
    };
    let db = db.snapshot()?;
    let catalog = db.catalog()?;
    let places = db.places()?;
    Ok(places.findings(user, &crate::report::check::findings(&db, &catalog, as_of)?))
}

pub async fn check(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    Query(q): Query<Fields>,
) -> Result<Response, ApiFailure> {
    let db = state.clone();
    let value = blocking(move || check_value(&db, &me.user, &q)).await?;
    json_answer(&value)
}

/// The annual review (city-wide readers only, by the route's policy).
pub fn review_value(db: &AppState, user: &User, q: &Fields) -> Result<ReviewReport, Failure> {
    if !crate::users::may(user, crate::users::Action::Read, crate::users::Target::City) {
        return Err(Failure::Forbidden(String::new()));
    }
    let db = db.snapshot()?;
    let catalog = db.catalog()?;
    let year = year_of(&db, q)?;
    let county = crate::args::resolve_county(&catalog, field(q, "county"))?;
    let r = crate::report::review::review(&db, &catalog, year, county.as_deref())?;
    Ok(crate::report::review::assess(&catalog, &r, db.fingerprint()?))
}

pub async fn review(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    Query(q): Query<Fields>,
) -> Result<Response, ApiFailure> {
    let db = state.clone();
    let value = blocking(move || review_value(&db, &me.user, &q)).await?;
    let title = crate::render::review::title(&value, crate::lang::current());
    json_answer(&json::Titled { title: &title, body: &value })
}

/// A JSON entry (INTERFACE.md): a movement, or a reversal naming `reverses`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonEntry {
    voucher: String,
    #[serde(default)]
    line: Option<u32>,
    date: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    appropriation: Option<String>,
    #[serde(default)]
    subproject: Option<String>,
    #[serde(default)]
    amount: Option<serde_json::Value>,
    #[serde(default)]
    memo: Option<String>,
    #[serde(default)]
    reverses: Option<String>,
    #[serde(default)]
    reverses_line: Option<u32>,
    #[serde(default)]
    channel: Option<String>,
}

/// One JSON entry, or a voucher's lines as an array.
#[derive(serde::Deserialize)]
#[serde(untagged)]
pub enum Posted {
    One(Box<JsonEntry>),
    Lines(Vec<JsonEntry>),
}

fn parse_entry(j: &JsonEntry) -> Result<NewEntry, Vec<Problem>> {
    let mut problems = Vec::new();
    let p = &mut problems;
    let voucher = flag(p, "voucher", Check::Format, Voucher::parse_as(&j.voucher, "voucher"));
    let date = flag(p, "date", Check::Format, crate::args::date(&j.date));
    let memo =
        flag(p, "memo", Check::Format, model::parse_text(j.memo.as_deref().unwrap_or(""), "memo", false));
    let reverses = j.reverses.as_deref().map(|v| Voucher::parse_as(v, "reverses"));
    let reverses = match reverses {
        Some(r) => flag(p, "reverses", Check::Format, r).map(Some),
        None => Some(None),
    };
    let kind = match (&j.kind, &reverses) {
        (None, Some(Some(_))) => Some(Kind::Reverse),
        (kind, _) => flag(p, "kind", Check::Format, Kind::parse(kind.as_deref().unwrap_or(""))),
    };
    let movement = kind.is_some_and(|k| k != Kind::Reverse);
    // Amounts are strings ("1234.50") or JSON numbers written with at most two decimals.
    let amount = match (&j.amount, movement) {
        (Some(serde_json::Value::String(s)), true) => {
            flag(p, "amount", Check::R6, Fen::parse_positive(s.as_str()).map_err(|e| e.to_string()))
        }
        // A JSON number with decimals is binary floating point on the way in: only whole yuan
        // are taken as numbers, anything finer as a string.
        (Some(serde_json::Value::Number(n)), true) if n.is_i64() || n.is_u64() => {
            flag(p, "amount", Check::R6, Fen::parse_positive(&n.to_string()).map_err(|e| e.to_string()))
        }
        (Some(serde_json::Value::Number(n)), true) => flag(
            p,
            "amount",
            Check::R6,
            Err(crate::tr!(
                "金额 {n} 请写成字符串（如 \"1234.50\"）：JSON 小数在传输中不精确",
                "write the amount {n} as a string (\"1234.50\"): a JSON decimal is not exact in transit"
            )),
        ),
        (_, true) => {
            flag(p, "amount", Check::R6, Err(crate::lang::pick("缺少金额", "amount is missing").to_string()))
        }
        (_, false) => None,
    };
    let appropriation = match (&j.appropriation, movement) {
        (Some(a), true) => {
            flag(p, "appropriation", Check::Format, AppropriationCode::parse_as(a, "appropriation"))
        }
        (None, true) => flag(
            p,
            "appropriation",
            Check::Format,
            Err(crate::lang::pick("缺少指标编号", "appropriation is missing").to_string()),
        ),
        _ => None,
    };
    let subproject = match (&j.subproject, movement) {
        (Some(s), true) => flag(p, "subproject", Check::Format, SubprojectCode::parse_as(s, "subproject")),
        (None, true) => flag(
            p,
            "subproject",
            Check::Format,
            Err(crate::lang::pick("缺少子项目编号", "subproject is missing").to_string()),
        ),
        _ => None,
    };
    let (Some(voucher), Some(date), Some(memo), Some(kind), Some(reverses)) =
        (voucher, date, memo, kind, reverses)
    else {
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(NewEntry {
        voucher,
        line: j.line.unwrap_or(1),
        date,
        kind,
        appropriation,
        subproject,
        amount,
        reverses,
        reverses_line: j.reverses_line,
        memo,
        channel_ref: j.channel.clone(),
    })
}

/// `POST /api/entries`: 201 with what was recorded, or 422 with every problem.
pub async fn post_entry(
    State(state): State<AppState>,
    Extension(me): Extension<Me>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let posted: Posted = serde_json::from_slice(&body)
        .map_err(|e| bad("body", crate::tr!("不是有效的 JSON 分录：{e}", "not a valid JSON entry: {e}")))?;
    let given = match posted {
        Posted::One(e) => vec![*e],
        Posted::Lines(lines) => lines,
    };
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    for j in &given {
        match parse_entry(j) {
            Ok(e) => entries.push(e),
            Err(p) => problems.extend(p),
        }
    }
    if entries.is_empty() && problems.is_empty() {
        problems
            .push(Problem::new(Check::Format, crate::lang::pick("没有分录", "no entry given").to_string()));
    }
    if !problems.is_empty() {
        return Err(Failure::Rejected(problems).into());
    }
    let db = state.clone();
    let voucher = entries[0].voucher.to_string();
    let (outcome, added) = blocking(move || {
        let command = if entries[0].kind == Kind::Reverse { "web reverse" } else { "web post" };
        super::pages::record_entries(&db, &me, &entries, command)
    })
    .await?;
    let status = match outcome {
        Outcome::Added => StatusCode::CREATED,
        Outcome::Pending => StatusCode::ACCEPTED,
        Outcome::Unchanged => StatusCode::OK,
    };
    let (recorded, pending) = if outcome == Outcome::Pending { (0, added) } else { (added, 0) };
    let body = serde_json::json!({"voucher": voucher, "recorded": recorded, "pending": pending});
    Ok((status, axum::Json(body)).into_response())
}
