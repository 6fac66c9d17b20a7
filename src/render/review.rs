//! `review` laid out as a document: one table per section (one sheet each in the workbook),
//! each county's rows followed by its totals, then the city's.

use super::{c, Cell, Col, Doc, Lang, Report};
use crate::report::review::{FundFigures, LAND_TARGET_PERCENT};
use crate::report::review::{ReviewReport, Section, AGRI_TARGET_PERCENT, FLAGSHIP_MAX, FLAGSHIP_MIN};

const CITY: Cell = Cell::Label { zh: "全市", en: "city" };
const SUBTOTAL: Cell = Cell::Label { zh: "小计", en: "subtotal" };
const TOTAL: Cell = Cell::Label { zh: "合计", en: "total" };

fn met(ok: Option<bool>) -> Cell {
    match ok {
        Some(true) => Cell::Label { zh: "达标", en: "met" },
        Some(false) => Cell::Label { zh: "未达标", en: "not met" },
        None => Cell::Empty,
    }
}

fn pct(p: Option<rust_decimal::Decimal>) -> Cell {
    p.map_or(Cell::Empty, Cell::Percent)
}

fn county_cell(county: &Option<String>) -> Cell {
    county.as_deref().map_or(CITY, Cell::from)
}

/// The label of a row summing a county's levels or channels: the city's is its total.
fn total_cell(county: &Option<String>) -> Cell {
    if county.is_some() {
        SUBTOTAL
    } else {
        TOTAL
    }
}

fn section(lang: Lang, zh: &str, en: &str, key: &'static str, columns: Vec<Col>) -> Report {
    let (title, sheet) = match lang {
        Lang::Zh => (zh.to_string(), zh.to_string()),
        Lang::En => (en.to_string(), en.to_string()),
    };
    Report { title, sheet, json_key: key, columns, ..Report::default() }
}

/// A section's rows in printed order: each county's rows followed by its subtotals, then the
/// city's subtotals; each with whether it is a subtotal.
fn ordered<T>(s: &Section<T>, county: impl Fn(&T) -> &Option<String>) -> Vec<(&T, bool)> {
    let mut out: Vec<(&T, bool)> = Vec::new();
    for group in s.rows.chunk_by(|a, b| county(a) == county(b)) {
        out.extend(group.iter().map(|r| (r, false)));
        out.extend(s.subtotals.iter().filter(|t| county(t) == county(&group[0])).map(|t| (t, true)));
    }
    for t in &s.subtotals {
        let printed = s.rows.iter().any(|r| county(r) == county(t));
        if !printed {
            out.push((t, true));
        }
    }
    out
}

fn fund_columns(first: [Col; 2]) -> Vec<Col> {
    let mut cols = first.to_vec();
    cols.push(c("appropriated", "指标下达"));
    cols.extend(super::balances::COLUMNS[3..].iter().cloned());
    cols
}

fn fund_cells(f: &FundFigures) -> Vec<Cell> {
    let mut cells = vec![f.appropriated.into()];
    cells.extend(super::balances::figure_cells(&f.lines));
    cells
}

pub fn title(r: &ReviewReport, lang: Lang) -> String {
    let scope = match (&r.county, lang) {
        (Some(one), _) => one.clone(),
        (None, Lang::Zh) => "全市".to_string(),
        (None, Lang::En) => "city".to_string(),
    };
    match lang {
        Lang::Zh => format!("{}年度 土地综合整治项目集成 绩效评价 {scope}", r.year),
        Lang::En => format!("Annual performance review {}, {scope}", r.year),
    }
}

pub fn doc(r: &ReviewReport, lang: Lang) -> Doc {
    let sections = vec![
        projects(r, lang),
        by_level(r, lang),
        by_channel(r, lang),
        rates(r, lang),
        shrinkage(r, lang),
        acceptance(r, lang),
    ];
    let fingerprint = r.fingerprint.clone();
    Doc { title: title(r, lang), fingerprint: Some(fingerprint), sections, sheets: Vec::new(), nest: false }
}

fn projects(r: &ReviewReport, lang: Lang) -> Report {
    let columns = vec![
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
    let mut report = section(lang, "项目与集成模式", "Projects and modes", "projects", columns);
    for (p, subtotal) in ordered(&r.projects, |p| &p.county) {
        let cells = vec![
            county_cell(&p.county),
            Cell::Int(p.projects as i64),
            Cell::Int(p.new as i64),
            Cell::Int(p.continuing as i64),
            Cell::Int(p.agri_projects as i64),
            pct(p.agri_coverage),
            met(p.agri_target_met),
            Cell::Int(p.land_projects as i64),
            pct(p.land_coverage),
            met(p.land_target_met),
            Cell::Int(p.flagships as i64),
            if p.flagships_above_target {
                Cell::Label { zh: "超出目标", en: "above target" }
            } else {
                met(Some(p.flagship_target_met))
            },
        ];
        report.push(cells, subtotal);
    }
    let end = format!("{}-12-31", r.year);
    report.notes = vec![
        format!("projects in the year: approved by {end} and not through city acceptance before {}-01-01", r.year),
        "coverage: a project counts toward 农 when its mode is 农/地/人 and toward 地 when 地/人 (modes are nested), if it integrates at least one non-excluded sub-project".into(),
        format!("targets (policy 二): 农 {AGRI_TARGET_PERCENT}%, 地 {LAND_TARGET_PERCENT}%, {FLAGSHIP_MIN}–{FLAGSHIP_MAX} 人-mode 精品示范工程 per county"),
    ];
    report
}

fn cumulative(r: &ReviewReport) -> Vec<String> {
    let end = format!("{}-12-31", r.year);
    let mut notes = vec![format!(
        "cumulative to {end}; appropriated = lines issued by then; balance = allocated − withdrawn − returned − paid"
    )];
    if !r.adjustments.is_empty() {
        let listed: Vec<String> = r
            .adjustments
            .iter()
            .map(|j| {
                let kind = if j.amount.is_positive() { "追加" } else { "调减" };
                format!(
                    "{} {} {kind} {} on {} ({}, {})",
                    j.county,
                    j.appropriation,
                    j.amount.yuan_grouped(),
                    j.date,
                    j.doc,
                    j.reason
                )
            })
            .collect();
        notes.push(format!("appropriated is net of the year's adjustments: {}", listed.join("; ")));
    }
    notes
}

fn by_level(r: &ReviewReport, lang: Lang) -> Report {
    let columns = fund_columns([c("county", "县市区"), c("level", "预算级次")]);
    let mut report = section(lang, "分级次资金", "Funds by level", "funds_by_level", columns);
    for (row, subtotal) in ordered(&r.funds_by_level, |x| &x.county) {
        let level = row.level.map_or(total_cell(&row.county), |l| Cell::Label { zh: l.zh(), en: l.code() });
        let mut cells = vec![county_cell(&row.county), level];
        cells.extend(fund_cells(&row.figures));
        report.push(cells, subtotal);
    }
    report.notes = cumulative(r);
    report
}

fn by_channel(r: &ReviewReport, lang: Lang) -> Report {
    let columns = fund_columns([c("county", "县市区"), c("channel", "资金类别")]);
    let mut report = section(lang, "分渠道资金", "Funds by channel", "funds_by_channel", columns);
    for (row, subtotal) in ordered(&r.funds_by_channel, |x| &x.county) {
        let channel = row.channel.as_deref().map_or(total_cell(&row.county), Cell::from);
        let mut cells = vec![county_cell(&row.county), channel];
        cells.extend(fund_cells(&row.figures));
        report.push(cells, subtotal);
    }
    report.notes = cumulative(r);
    report
}

fn rates(r: &ReviewReport, lang: Lang) -> Report {
    let columns = vec![
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
    let mut report = section(lang, "资金绩效", "Fund performance", "rates", columns);
    for (x, subtotal) in ordered(&r.rates, |x| &x.county) {
        let cells = vec![
            county_cell(&x.county),
            x.appropriated.into(),
            x.entitled.into(),
            x.arrived.into(),
            x.paid.into(),
            x.unspent.into(),
            pct(x.arrival_rate),
            pct(x.spending_progress),
            pct(x.surplus_rate),
        ];
        report.push(cells, subtotal);
    }
    let end = format!("{}-12-31", r.year);
    report.notes = vec![
        "资金到位率 arrival rate = 到位资金 arrived ÷ 应补助 entitled".into(),
        "支出进度 spending progress = 支付 paid ÷ 到位资金 arrived".into(),
        "结余率 surplus rate = 指标结余 unspent ÷ 指标下达 appropriated, 指标结余 unspent = appropriated − paid (the 结余 of the fund tables is allocated money not yet paid)".into(),
        format!("到位资金 arrived = allocated − withdrawn − returned; 应补助 entitled = standalone entitlements of the sub-projects of projects approved by {end}; all cumulative to {end}"),
    ];
    report
}

fn shrinkage(r: &ReviewReport, lang: Lang) -> Report {
    let columns = vec![c("county", "县市区"), c("flags", "缩水子项目渠道数"), c("gap", "缩水差额")];
    let mut report = section(lang, "补助缩水", "Subsidy shrinkage", "shrinkage", columns);
    for (x, subtotal) in ordered(&r.shrinkage, |x| &x.county) {
        report.push(vec![county_cell(&x.county), Cell::Int(x.flags as i64), x.gap.into()], subtotal);
    }
    let end = format!("{}-12-31", r.year);
    report.notes = vec![format!(
        "sub-project × channel rows of the year's projects that received less than their standalone entitlement by {end}; `check --as-of {end}` lists them"
    )];
    report
}

fn acceptance(r: &ReviewReport, lang: Lang) -> Report {
    let columns = vec![
        c("county", "县市区"),
        c("projects", "项目"),
        c("items_required", "应单项验收"),
        c("items_passed", "单项验收通过"),
        c("overall_passed", "整体验收通过"),
        c("county_passed", "县级验收通过"),
        c("city_passed", "市级验收通过"),
        c("awards", "优质工程"),
    ];
    let mut report = section(lang, "验收进度", "Acceptance", "acceptance", columns);
    for (x, subtotal) in ordered(&r.acceptance, |x| &x.county) {
        let n = |v: usize| Cell::Int(v as i64);
        let cells = vec![
            county_cell(&x.county),
            n(x.projects),
            n(x.items_required),
            n(x.items_passed),
            n(x.overall_passed),
            n(x.county_passed),
            n(x.city_passed),
            n(x.awards),
        ];
        report.push(cells, subtotal);
    }
    report.notes = vec![format!("the year's projects; acceptances passed by {}-12-31", r.year)];
    report
}
