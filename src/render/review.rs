//! `review` laid out as a document: one table per section (one sheet each in the workbook),
//! each county's rows followed by its totals, then the city's.

use super::{c, Cell, Col, Doc, Lang, Report};
use crate::report::review::{FundFigures, YearFigures, LAND_TARGET_PERCENT};
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

/// The cumulative columns, then the year's own: issued, arrived (allocated − withdrawn −
/// returned) and paid in the year.
fn fund_columns(first: [Col; 2]) -> Vec<Col> {
    let mut cols = first.to_vec();
    cols.push(c("appropriated", "指标下达"));
    cols.extend(super::balances::COLUMNS[3..].iter().cloned());
    cols.extend([
        c("year_appropriated", "本年下达"),
        c("year_arrived", "本年到位"),
        c("year_paid", "本年支付"),
    ]);
    cols
}

fn fund_cells(f: &FundFigures, year: &YearFigures) -> Vec<Cell> {
    let mut cells = vec![f.appropriated.into()];
    cells.extend(super::balances::figure_cells(&f.lines));
    cells.extend([year.year_appropriated.into(), year.year_arrived.into(), year.year_paid.into()]);
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
        c("agri_projects", "计入“农”覆盖项目"),
        c("agri_coverage", "“农”覆盖率"),
        c("agri_target", "“农”目标100%"),
        c("land_projects", "计入“地”覆盖项目"),
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
    let (year, end) = (r.year, format!("{}-12-31", r.year));
    report.notes = vec![
        crate::tr!(
            "本年项目：{end} 前批复、且 {year}-01-01 前未通过市级验收的项目",
            "projects in the year: approved by {end} and not through city acceptance before {year}-01-01"
        ),
        crate::tr!(
            "覆盖率按内容计算，不按申报：项目整合了未列入不开展的涉农子项目（附件1勾选“农”的类型）才计入“农”；模式为“地”或“人”且整合了涉地子项目（勾选“地”而非“农”的类型）才计入“地”",
            "coverage counts content, not declarations: a project counts toward 农 when it integrates a non-excluded sub-project of a type ticked for 农; toward 地 when its mode is 地/人 and it integrates one of a type ticked for 地 but not for 农"
        ),
        crate::tr!(
            "目标（政策第二部分）：“农”{AGRI_TARGET_PERCENT}%，“地”{LAND_TARGET_PERCENT}%，每县 {FLAGSHIP_MIN}–{FLAGSHIP_MAX} 个“人”模式精品示范工程",
            "targets (policy 二): 农 {AGRI_TARGET_PERCENT}%, 地 {LAND_TARGET_PERCENT}%, {FLAGSHIP_MIN}–{FLAGSHIP_MAX} 人-mode 精品示范工程 per county"
        ),
    ];
    for u in &r.unsubstantiated {
        let (county, project, missing) =
            (&u.county, &u.project, u.missing.join(crate::lang::pick("、", ", ")));
        let mode = crate::model::Mode::parse(&u.mode).map_or(u.mode.clone(), |m| m.zh().to_string());
        report.notes.push(crate::tr!(
            "内容不足以支撑申报模式：{county} {project} 申报“{mode}”，未整合{missing}",
            "content does not bear out the declared mode: {county} {project} declared {mode}, integrates no {missing}"
        ));
    }
    report
}

fn cumulative(r: &ReviewReport) -> Vec<String> {
    let (year, end) = (r.year, format!("{}-12-31", r.year));
    let mut notes = vec![
        crate::tr!(
            "累计至 {end}；指标下达 = 截至该日下达的指标（含调整）；结余 = 分配 − 收回 − 退回 − 支付",
            "cumulative to {end}; appropriated = lines issued by then (with adjustments); balance = allocated − withdrawn − returned − paid"
        ),
        crate::tr!(
            "本年下达、本年到位（分配 − 收回 − 退回）、本年支付：{year} 年内下达的指标及年内调整、年内记账的分录",
            "year_appropriated, year_arrived (allocated − withdrawn − returned) and year_paid: what was issued in {year} with the year's adjustments, and the entries dated in it"
        ),
    ];
    if !r.adjustments.is_empty() {
        let listed: Vec<String> = r
            .adjustments
            .iter()
            .map(|j| {
                let kind = if j.amount.is_positive() { "追加" } else { "调减" };
                let (county, code, amount, date, doc, reason) =
                    (&j.county, &j.appropriation, j.amount.yuan_grouped(), j.date, &j.doc, &j.reason);
                crate::tr!(
                    "{county} {code} {date} {kind} {amount}（{doc}，{reason}）",
                    "{county} {code} {kind} {amount} on {date} ({doc}, {reason})"
                )
            })
            .collect();
        let listed = listed.join("; ");
        notes.push(crate::tr!(
            "指标下达已扣除本年调整：{listed}",
            "appropriated is net of the year's adjustments: {listed}"
        ));
    }
    notes
}

fn by_level(r: &ReviewReport, lang: Lang) -> Report {
    let columns = fund_columns([c("county", "县市区"), c("level", "预算级次")]);
    let mut report = section(lang, "分级次资金", "Funds by level", "funds_by_level", columns);
    for (row, subtotal) in ordered(&r.funds_by_level, |x| &x.county) {
        let level = row.level.map_or(total_cell(&row.county), |l| Cell::Label { zh: l.zh(), en: l.code() });
        let mut cells = vec![county_cell(&row.county), level];
        cells.extend(fund_cells(&row.figures, &row.year));
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
        cells.extend(fund_cells(&row.figures, &row.year));
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
        crate::tr!("资金到位率 = 到位资金 ÷ 应补助", "arrival rate (资金到位率) = arrived ÷ entitled"),
        crate::tr!("支出进度 = 支付 ÷ 到位资金", "spending progress (支出进度) = paid ÷ arrived"),
        crate::tr!(
            "结余率 = 指标结余 ÷ 指标下达，指标结余 = 指标下达 − 支付（资金表中的“结余”是已分配未支付的资金）",
            "surplus rate (结余率) = unspent ÷ appropriated, unspent = appropriated − paid (the 结余 of the fund tables is allocated money not yet paid)"
        ),
        crate::tr!(
            "到位资金 = 分配 − 收回 − 退回；应补助 = {end} 前批复项目的子项目单独补助应得；均累计至 {end}",
            "arrived = allocated − withdrawn − returned; entitled = standalone entitlements of the sub-projects of projects approved by {end}; all cumulative to {end}"
        ),
    ];
    report
}

fn shrinkage(r: &ReviewReport, lang: Lang) -> Report {
    let columns = vec![
        c("county", "县市区"),
        c("flags", "缩水子项目渠道数"),
        c("entitlement", "单独补助应得"),
        c("fair_share", "公平份额"),
        c("received", "已到位"),
        c("gap", "补助缩水"),
        c("underfunding", "来源不足"),
    ];
    let mut report = section(lang, "补助缩水", "Subsidy shrinkage", "shrinkage", columns);
    for (x, subtotal) in ordered(&r.shrinkage, |x| &x.county) {
        let cells = vec![
            county_cell(&x.county),
            Cell::Int(x.flags as i64),
            x.entitlement.into(),
            x.fair_share.into(),
            x.received.into(),
            x.gap.into(),
            x.underfunding.into(),
        ];
        report.push(cells, subtotal);
    }
    let end = format!("{}-12-31", r.year);
    report.notes = shrinkage_notes(&end);
    report
}

/// What the shrinkage columns mean (the review's and `check`'s).
pub fn shrinkage_notes(end: &str) -> Vec<String> {
    vec![
        crate::tr!(
            "本年项目的子项目×资金类别，截至 {end}；`check --as-of {end}` 逐条列出",
            "sub-project × channel rows of the year's projects, as of {end}; `check --as-of {end}` lists them"
        ),
        crate::tr!(
            "公平份额 = 单独补助应得 × min(1, 本县该资金类别已下达 ÷ 本县该资金类别应得合计)：资金不足时单独立项也会按同一比例削减",
            "fair share = entitlement × min(1, issued to the county on the channel ÷ total entitlement on the channel in the county): a stand-alone project would have been cut by the same ratio"
        ),
        crate::tr!(
            "补助缩水 = 公平份额 − 已到位（为正时）：资金已到县而该子项目未得到应有部分；逐子项目逐渠道相加，多得不抵少得",
            "shrinkage = fair share − received, when positive: the money was there and this sub-project did not get its part; summed row by row, a surplus never offsets a shortfall"
        ),
        crate::tr!(
            "来源不足 = 单独补助应得 − 公平份额：本县该资金类别未下达的部分，不计为缩水",
            "underfunding = entitlement − fair share: money never issued to the county on the channel, not counted as shrinkage"
        ),
    ]
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
    let end = format!("{}-12-31", r.year);
    report.notes = vec![crate::tr!(
        "本年项目；截至 {end} 通过的验收",
        "the year's projects; acceptances passed by {end}"
    )];
    report
}
