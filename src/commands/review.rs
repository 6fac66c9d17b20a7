//! `review --year Y [--county C]`: the annual performance review (年度绩效评价) — projects
//! and mode coverage against the targets, flagships, funds by level and by channel, the
//! three rates with their formulas, shrinkage flags and acceptance progress; per county and
//! for the city. Table, CSV, JSON and .xlsx (one sheet per section).

use super::Ctx;
use crate::catalog::Catalog;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::money::Fen;
use crate::render::{self, c, Cell, Doc, Lang, Report, Unit};
use crate::report::review::{self, CountyReview, Funds, Review};
use crate::report::review::{AGRI_TARGET_PERCENT, FLAGSHIP_MAX, FLAGSHIP_MIN, LAND_TARGET_PERCENT};
use rust_decimal::Decimal;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The year under review.
    #[arg(long)]
    pub year: i32,
    /// Only this county (code or name).
    #[arg(long)]
    pub county: Option<String>,
    /// Amount unit (display rounding only; totals are summed in fen).
    #[arg(long, value_enum, default_value = "yuan")]
    pub unit: Unit,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    if !(1900..=9999).contains(&args.year) {
        let problem = Problem::new(Check::Format, format!("'{}' is not a year", args.year)).column("--year");
        return Err(Error::BadRequest(vec![problem]));
    }
    let db = Db::open_snapshot(&ctx.db_path())?;
    let catalog = db.catalog()?;
    let county = super::resolve_county(&catalog, args.county.as_deref())?;
    let r = review::review(&db, &catalog, args.year, county.as_deref())?;
    let doc = document(&catalog, &r, ctx.lang, db.fingerprint()?);
    render::print_doc(&doc, ctx.options(args.unit), ctx.out())?;
    Ok(0)
}

const CITY: Cell = Cell::Label { zh: "全市", en: "city" };
const SUBTOTAL: Cell = Cell::Label { zh: "小计", en: "subtotal" };

fn pct(part: Fen, whole: Fen) -> Cell {
    part.percent_of(whole).map_or(Cell::Empty, Cell::Percent)
}

fn count_pct(part: usize, whole: usize) -> Cell {
    if whole == 0 {
        return Cell::Empty;
    }
    let p = Decimal::from(part as u64) * Decimal::ONE_HUNDRED / Decimal::from(whole as u64);
    Cell::Percent(p.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
}

fn met(ok: bool) -> Cell {
    if ok {
        Cell::Label { zh: "达标", en: "met" }
    } else {
        Cell::Label { zh: "未达标", en: "not met" }
    }
}

fn section(lang: Lang, zh: &str, en: &str, key: &'static str) -> Report {
    let (title, sheet) = match lang {
        Lang::Zh => (zh.to_string(), zh.to_string()),
        Lang::En => (en.to_string(), en.to_string()),
    };
    Report { title, sheet, json_key: key, ..Report::default() }
}

/// Every county row, then the city's (with several counties).
fn with_city(r: &Review) -> Vec<(&CountyReview, bool)> {
    let mut rows: Vec<(&CountyReview, bool)> = r.counties.iter().map(|c| (c, false)).collect();
    if r.counties.len() > 1 {
        rows.push((&r.city, true));
    }
    rows
}

fn name_cell(c: &CountyReview, city: bool) -> Cell {
    if city {
        CITY
    } else {
        c.county.as_str().into()
    }
}

fn fund_cells(f: &Funds) -> Vec<Cell> {
    let mut cells = vec![f.appropriated.into()];
    cells.extend(super::balances::money_cells(&f.lines));
    cells
}

fn fund_columns(first: [render::Col; 2]) -> Vec<render::Col> {
    let mut cols = first.to_vec();
    cols.push(c("appropriated", "指标下达"));
    // allocated … balance, as `balances` names them.
    cols.extend(super::balances::COLUMNS[3..].iter().cloned());
    cols
}

pub fn document(catalog: &Catalog, r: &Review, lang: Lang, fingerprint: crate::db::Fingerprint) -> Doc {
    let scope = match (r.counties.as_slice(), lang) {
        ([one], _) => one.county.clone(),
        (_, Lang::Zh) => "全市".to_string(),
        (_, Lang::En) => "city".to_string(),
    };
    let title = match lang {
        Lang::Zh => format!("{}年度 土地综合整治项目集成 绩效评价 {scope}", r.year),
        Lang::En => format!("Annual performance review {}, {scope}", r.year),
    };
    let end = format!("{}-12-31", r.year);
    let mut sections = Vec::new();

    // 1. Projects, mode coverage and flagships.
    let mut projects = section(lang, "项目与集成模式", "Projects and modes", "projects");
    projects.columns = vec![
        c("county", "县市区"),
        c("projects", "在建和新建项目"),
        c("new", "新建"),
        c("continuing", "续建"),
        c("agri_projects", "“农”模式项目"),
        c("agri_coverage", "“农”覆盖率"),
        c("agri_target", "“农”目标100%"),
        c("land_projects", "“地”模式项目"),
        c("land_coverage", "“地”覆盖率"),
        c("land_target", "“地”目标50%"),
        c("flagships", "精品示范工程"),
        c("flagship_target", "精品目标1–2个"),
    ];
    for (cr, city) in with_city(r) {
        // With no project in the year there is nothing to judge: the target cells stay empty.
        let coverage_met = |n: usize, target: u32| {
            if cr.projects == 0 {
                Cell::Empty
            } else {
                met(n * 100 >= cr.projects * target as usize)
            }
        };
        projects.push(
            vec![
                name_cell(cr, city),
                Cell::Int(cr.projects as i64),
                Cell::Int(cr.new as i64),
                Cell::Int(cr.continuing() as i64),
                Cell::Int(cr.agri as i64),
                count_pct(cr.agri, cr.projects),
                coverage_met(cr.agri, AGRI_TARGET_PERCENT),
                Cell::Int(cr.land as i64),
                count_pct(cr.land, cr.projects),
                coverage_met(cr.land, LAND_TARGET_PERCENT),
                Cell::Int(cr.flagships as i64),
                if city {
                    let ok = r.counties.iter().all(|c| (FLAGSHIP_MIN..=FLAGSHIP_MAX).contains(&c.flagships));
                    met(ok)
                } else {
                    met((FLAGSHIP_MIN..=FLAGSHIP_MAX).contains(&cr.flagships))
                },
            ],
            city,
        );
    }
    projects.notes = vec![
        format!("projects in the year: approved by {end} and not through city acceptance before {}-01-01", r.year),
        "coverage: a project counts toward 农 when its mode is 农/地/人 and toward 地 when 地/人 (modes are nested), if it integrates at least one non-excluded sub-project".into(),
        format!("targets (policy 二): 农 {AGRI_TARGET_PERCENT}%, 地 {LAND_TARGET_PERCENT}%, {FLAGSHIP_MIN}–{FLAGSHIP_MAX} 人-mode 精品示范工程 per county"),
    ];
    sections.push(projects);

    // 2. Funds by level.
    let mut by_level = section(lang, "分级次资金", "Funds by level", "funds_by_level");
    by_level.columns = fund_columns([c("county", "县市区"), c("level", "预算级次")]);
    // 3. Funds by channel.
    let mut by_channel = section(lang, "分渠道资金", "Funds by channel", "funds_by_channel");
    by_channel.columns = fund_columns([c("county", "县市区"), c("channel", "资金类别")]);
    for (cr, city) in with_city(r) {
        // The city's rows sum the counties': they are subtotals, so that summing `rows`
        // in JSON counts nothing twice.
        for (level, f) in &cr.by_level {
            let mut cells = vec![name_cell(cr, city), Cell::Label { zh: level.zh(), en: level.code() }];
            cells.extend(fund_cells(f));
            by_level.push(cells, city);
        }
        for ((_, channel), f) in &cr.by_channel {
            let name = catalog.channel(channel).map_or(channel.clone(), |ch| ch.name.clone());
            let mut cells = vec![name_cell(cr, city), name.into()];
            cells.extend(fund_cells(f));
            by_channel.push(cells, city);
        }
        for report in [&mut by_level, &mut by_channel] {
            let label = if city { Cell::Label { zh: "合计", en: "total" } } else { SUBTOTAL };
            let mut cells = vec![name_cell(cr, city), label];
            cells.extend(fund_cells(&cr.funds));
            report.push(cells, true);
        }
    }
    let cumulative = format!("cumulative to {end}; appropriated = lines issued by then; balance = allocated − withdrawn − returned − paid");
    by_level.notes = vec![cumulative.clone()];
    by_channel.notes = vec![cumulative];
    sections.push(by_level);
    sections.push(by_channel);

    // 4. Rates.
    let mut rates = section(lang, "资金绩效", "Fund performance", "rates");
    rates.columns = vec![
        c("county", "县市区"),
        c("appropriated", "指标下达"),
        c("entitled", "应补助"),
        c("arrived", "到位资金"),
        c("paid", "支付"),
        c("unspent", "指标结余"),
        c("arrival_rate", "资金到位率"),
        c("spending_progress", "支出进度"),
        c("surplus_rate", "结余率"),
    ];
    for (cr, city) in with_city(r) {
        let unspent = cr.funds.appropriated - cr.funds.lines.paid;
        rates.push(
            vec![
                name_cell(cr, city),
                cr.funds.appropriated.into(),
                cr.entitled.into(),
                cr.arrived().into(),
                cr.funds.lines.paid.into(),
                unspent.into(),
                pct(cr.arrived(), cr.entitled),
                pct(cr.funds.lines.paid, cr.arrived()),
                pct(unspent, cr.funds.appropriated),
            ],
            city,
        );
    }
    rates.notes = vec![
        "资金到位率 arrival rate = 到位资金 arrived ÷ 应补助 entitled".into(),
        "支出进度 spending progress = 支付 paid ÷ 到位资金 arrived".into(),
        "结余率 surplus rate = 指标结余 unspent ÷ 指标下达 appropriated, 指标结余 unspent = appropriated − paid (the 结余 of the fund tables is allocated money not yet paid)".into(),
        format!("到位资金 arrived = allocated − withdrawn − returned; 应补助 entitled = standalone entitlements of the sub-projects of projects approved by {end}; all cumulative to {end}"),
    ];
    sections.push(rates);

    // 5. Shrinkage.
    let mut shrinkage = section(lang, "补助缩水", "Subsidy shrinkage", "shrinkage");
    shrinkage.columns = vec![c("county", "县市区"), c("flags", "缩水子项目渠道数"), c("gap", "缩水差额")];
    for (cr, city) in with_city(r) {
        shrinkage.push(
            vec![name_cell(cr, city), Cell::Int(cr.shrinkage_flags as i64), cr.shrinkage_gap.into()],
            city,
        );
    }
    shrinkage.notes = vec![format!(
        "sub-project × channel rows of the year's projects that received less than their standalone entitlement by {end}; `check --as-of {end}` lists them"
    )];
    sections.push(shrinkage);

    // 6. Acceptance.
    let mut acceptance = section(lang, "验收进度", "Acceptance", "acceptance");
    acceptance.columns = vec![
        c("county", "县市区"),
        c("projects", "项目"),
        c("items_required", "应单项验收"),
        c("items_passed", "单项验收通过"),
        c("overall_passed", "整体验收通过"),
        c("county_passed", "县级验收通过"),
        c("city_passed", "市级验收通过"),
        c("awards", "优质工程"),
    ];
    for (cr, city) in with_city(r) {
        let a = &cr.acceptance;
        let n = |f: &dyn Fn(&crate::report::acceptance::Progress) -> bool| {
            Cell::Int(a.iter().filter(|p| f(p)).count() as i64)
        };
        acceptance.push(
            vec![
                name_cell(cr, city),
                Cell::Int(a.len() as i64),
                Cell::Int(a.iter().map(|p| p.items_required as i64).sum()),
                Cell::Int(a.iter().map(|p| p.items_passed as i64).sum()),
                n(&|p| p.overall.is_some()),
                n(&|p| p.county_passed.is_some()),
                n(&|p| p.city.is_some()),
                n(&|p| p.city.as_ref().is_some_and(|c| c.2)),
            ],
            city,
        );
    }
    acceptance.notes = vec![format!("the year's projects; acceptances passed by {end}")];
    sections.push(acceptance);

    Doc {
        title,
        fingerprint: Some(render::Fingerprint { entries: fingerprint.entries, hash: fingerprint.hash }),
        sections,
        sheets: Vec::new(),
        nest: false,
    }
}
