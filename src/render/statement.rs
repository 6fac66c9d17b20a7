//! `statement` laid out: one table for the terminal and CSV (department → channel → project
//! → sub-project with their subtotals, each department's co-led rows after its total, and the
//! grand total) and, for the workbook, a summary sheet followed by one sheet per department.
//! Headers and notes are in the reader's language; names from the catalogue and the register
//! are shown as they are recorded.

use super::{c, Cell, Col, Doc, Format, Lang, Report};
use crate::report::statement::{By, Line, Period, Shown, StatementReport, Subtotal};
use chrono::NaiveDate;

const DEPARTMENT_TOTAL: Cell = Cell::Label { zh: "部门合计", en: "department total" };
const CO_LED_TOTAL: Cell =
    Cell::Label { zh: "联合牵头小计（不计入合计）", en: "co-led subtotal (outside the totals)" };
const CHANNEL_SUBTOTAL: Cell = Cell::Label { zh: "渠道小计", en: "channel subtotal" };
const PROJECT_SUBTOTAL: Cell = Cell::Label { zh: "项目小计", en: "project subtotal" };
const GRAND_TOTAL: Cell = Cell::Label { zh: "总计", en: "total" };

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

/// How the period reads in a title.
pub fn period_text(period: Period, lang: Lang) -> String {
    let year_of = |f: NaiveDate, t: NaiveDate| {
        use chrono::Datelike;
        (f.ordinal() == 1
            && t.year() == f.year()
            && t == NaiveDate::from_ymd_opt(f.year(), 12, 31).unwrap_or(t))
        .then(|| f.year())
    };
    match (period.from, period.to, lang) {
        (Some(f), Some(t), Lang::Zh) => match year_of(f, t) {
            Some(y) => format!("{y}年度"),
            None => format!("{f} 至 {t}"),
        },
        (Some(f), Some(t), Lang::En) => match year_of(f, t) {
            Some(y) => format!("year {y}"),
            None => format!("{f} to {t}"),
        },
        (Some(f), None, Lang::Zh) => format!("{f} 起"),
        (Some(f), None, Lang::En) => format!("from {f}"),
        (None, Some(t), Lang::Zh) => format!("截至 {t}"),
        (None, Some(t), Lang::En) => format!("up to {t}"),
        (None, None, Lang::Zh) => "全部期间".to_string(),
        (None, None, Lang::En) => "all periods".to_string(),
    }
}

pub fn title(s: &StatementReport, lang: Lang) -> String {
    let when = period_text(s.period, lang);
    let by = match (s.by, lang) {
        (By::Subproject, _) => "",
        (By::Appropriation, Lang::Zh) => "（按指标）",
        (By::Appropriation, Lang::En) => " by appropriation line",
    };
    match (lang, s.county.as_deref()) {
        (Lang::Zh, None) => format!("部门资金报表{by} {when}"),
        (Lang::Zh, Some(c)) => format!("部门资金报表{by} {c} {when}"),
        (Lang::En, None) => format!("Department fund statement{by}, {when}"),
        (Lang::En, Some(c)) => format!("Department fund statement{by}, {c}, {when}"),
    }
}

/// The amount columns, with the opening balance only when the period has a start.
pub fn figure_columns(with_opening: bool) -> Vec<Col> {
    let mut cols = Vec::new();
    if with_opening {
        cols.push(c("opening", "期初结余"));
    }
    cols.extend([
        c("allocated", "分配"),
        c("withdrawn", "收回"),
        c("disbursed", "拨付"),
        c("returned", "退回"),
        c("paid", "支付"),
        c("balance", if with_opening { "期末结余" } else { "结余" }),
        c("entitlement", "单独补助应得"),
        c("fair_share", "公平份额"),
        c("received", "累计到位"),
        c("gap", "补助缩水"),
        c("underfunding", "来源不足"),
    ]);
    cols
}

pub fn figure_cells(f: &Shown) -> Vec<Cell> {
    let blank_or = |v: Option<crate::money::Fen>| v.map_or(Cell::Empty, Cell::Money);
    let mut cells: Vec<Cell> = f.opening.into_iter().map(Cell::Money).collect();
    cells.extend([
        f.allocated.into(),
        f.withdrawn.into(),
        f.disbursed.into(),
        f.returned.into(),
        f.paid.into(),
        f.balance.into(),
        blank_or(f.entitlement),
        blank_or(f.fair_share),
        blank_or(f.received),
        blank_or(f.gap),
        blank_or(f.underfunding),
    ]);
    cells
}

/// What the amount columns mean (shared with `reconcile`'s sub-project × channel matrix).
pub fn figure_notes(with_opening: bool, lang: Lang) -> Vec<String> {
    let mut notes = vec![
        pick(
            lang,
            "分配、收回、拨付、退回、支付：期间内的发生额（无起始日期时为累计至期末）；冲销计入其所冲销分录的类型栏。",
            "allocated, withdrawn, disbursed, returned, paid: what moved in the period (cumulative to its end when it has no start); a reversal counts in the column of the kind it reverses.",
        ),
        pick(
            lang,
            "结余 = 分配 − 收回 − 退回 − 支付，累计至期末：已分配给子项目、尚未支付出去的资金。",
            "balance = allocated − withdrawn − returned − paid, cumulative to the period's end: money assigned to the sub-project and not yet paid out.",
        ),
        pick(
            lang,
            "单独补助应得：子项目单独立项时该资金类别应得的补助（补助规则或单独批复）；为 0.00 时表示无适用的规则或批复，`fundledger entitlements --project P` 说明原因。",
            "entitlement: what the channel would pay the sub-project as a project of its own (a subsidy rule or a standalone approval); 0.00 when neither applies, and `fundledger entitlements --project P` says why.",
        ),
        pick(
            lang,
            "公平份额 = 单独补助应得 × min(1, 期末本县该资金类别已下达 ÷ 本县该资金类别应得合计)：资金不足时单独立项也会按同一比例削减。累计到位 = 分配 − 收回 − 退回，累计至期末。",
            "fair_share = entitlement × min(1, issued to the county on the channel by the period's end ÷ the county's total entitlement on it): a stand-alone project would have been cut by the same ratio. received = allocated − withdrawn − returned, cumulative to the period's end.",
        ),
        pick(
            lang,
            "补助缩水 = 公平份额 − 累计到位，为正时列示，否则为 0.00：资金已到县而该子项目未得到应有部分；逐行相加，多得不抵少得。来源不足 = 单独补助应得 − 公平份额：本县该资金类别未下达的部分，不计为缩水。",
            "gap (shrinkage, 补助缩水) = fair_share − received when positive, else 0.00: the money was there and this sub-project did not get its part; summed row by row, a surplus never offsets a shortfall. underfunding = entitlement − fair_share: money never issued to the county on the channel, not counted as shrinkage.",
        ),
    ];
    if with_opening {
        notes.push(pick(
            lang,
            "期初结余：期间开始前一日的结余；期末结余 = 期初结余 + 期间的分配 − 收回 − 退回 − 支付。",
            "opening: the balance the day before the period starts; balance (closing) = opening + the period's allocated − withdrawn − returned − paid.",
        ));
    }
    notes
}

/// What the statement's own columns and lines mean, then the amount columns.
fn notes(s: &StatementReport, lang: Lang) -> Vec<String> {
    let mut notes = vec![
        pick(
            lang,
            "部门：子项目类型的责任部门（附件1），不是资金类别的政策主管部门；如农村河道治理由生态补偿专项资金支付，列在市水利局下。",
            "department: the department responsible for the sub-project's type (Annex 1), not the channel's policy owner; 农村河道治理, paid from 生态补偿专项资金, is listed under 市水利局.",
        ),
        pick(
            lang,
            "角色：牵头 = 本部门负责的子项目；联合牵头 = 本部门联合牵头或配合的子项目（附件1联合牵头、附件3配合），列在部门合计之后，不计入部门合计与总计，总计中每一行只计一次。",
            "role: lead = sub-projects the department is responsible for; co_lead = sub-projects it co-leads or supports (Annex 1 联合牵头, Annex 3 配合), listed after its department total and counted in neither that total nor the grand total, so the grand total counts each row once.",
        ),
        pick(
            lang,
            "资金类别：支付该子项目的专项资金（附件3）；县市区、项目编号、项目名称：子项目所属的项目；子项目类型：附件1的类型。",
            "channel: the earmarked fund paying the sub-project (Annex 3); county, project, project_name: the project the sub-project belongs to; type: its Annex-1 type.",
        ),
        pick(
            lang,
            "项目小计：项目在同一资金类别下有多行时列示；渠道小计、部门合计：本部门牵头的行。",
            "project subtotal: shown when a project has more than one row on the channel; channel subtotal and department total: the rows the department leads.",
        ),
    ];
    if s.by == By::Appropriation {
        notes.push(pick(
            lang,
            "预算级次、指标文号、指标编号：每行按资金下达的指标拆分（--by appropriation），各行之和等于不拆分时的子项目行；单独补助应得、公平份额、累计到位、补助缩水与来源不足按子项目 × 资金类别计算，只列在其第一条指标行，其余行留空；尚无指标的行这三栏为空。",
            "level, doc_no, appropriation: each row is split by appropriation line (--by appropriation) and the lines sum to the unsplit row; entitlement, fair_share, received, gap and underfunding are figures of the sub-project × channel, shown on its first line only and blank on the others; a row with no line yet leaves these three blank.",
        ));
    }
    notes.extend(figure_notes(s.with_opening(), lang));
    notes
}

fn columns(by: By, with_opening: bool) -> Vec<Col> {
    let mut cols = vec![
        c("department", "部门"),
        c("role", "角色"),
        c("channel", "资金类别"),
        c("county", "县市区"),
        c("project", "项目编号"),
        c("project_name", "项目名称"),
        c("subproject", "子项目编号"),
        c("type", "子项目类型"),
    ];
    if by == By::Appropriation {
        cols.extend([c("level", "预算级次"), c("doc_no", "指标文号"), c("appropriation", "指标编号")]);
    }
    cols.extend(figure_columns(with_opening));
    cols
}

fn text(v: &Option<String>) -> Cell {
    v.as_deref().map_or(Cell::Empty, Cell::from)
}

fn role(l: &Line) -> Cell {
    l.role.map_or(Cell::Empty, |r| Cell::Label { zh: r.zh(), en: r.code() })
}

/// A line's cells: a subtotal names itself in the first column it sums over.
fn line_cells(l: &Line) -> Vec<Cell> {
    let (department, channel) = (text(&l.department), text(&l.channel));
    let mut cells = match l.subtotal {
        None => vec![
            department,
            role(l),
            channel,
            text(&l.county),
            text(&l.project),
            text(&l.project_name),
            text(&l.subproject),
            text(&l.type_name),
        ],
        Some(Subtotal::Project) => vec![
            department,
            role(l),
            channel,
            text(&l.county),
            text(&l.project),
            text(&l.project_name),
            PROJECT_SUBTOTAL,
            Cell::Empty,
        ],
        Some(Subtotal::Channel) => {
            let mut cells = vec![department, role(l), channel, CHANNEL_SUBTOTAL];
            cells.extend([Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty]);
            cells
        }
        Some(kind @ (Subtotal::Department | Subtotal::CoLead)) => {
            let label = if kind == Subtotal::Department { DEPARTMENT_TOTAL } else { CO_LED_TOTAL };
            let mut cells = vec![department, role(l), label];
            cells.extend(std::iter::repeat_n(Cell::Empty, 5));
            cells
        }
    };
    if let Some(line) = &l.line {
        cells.push(line.level.map_or(Cell::Empty, |v| Cell::Label { zh: v.zh(), en: v.code() }));
        cells.push(text(&line.doc_no));
        cells.push(text(&line.appropriation));
    }
    cells.extend(figure_cells(&l.figures));
    cells
}

/// The grand total's cells: its label, then blanks up to the figures.
fn total_cells(s: &StatementReport, first: Cell) -> Vec<Cell> {
    let keys = columns(s.by, s.with_opening()).len() - figure_columns(s.with_opening()).len();
    let mut cells = vec![first];
    cells.extend(std::iter::repeat_n(Cell::Empty, keys - 1));
    cells.extend(figure_cells(&s.totals.figures));
    cells
}

/// The statement as a document: one table for the terminal and CSV, and for the workbook a
/// summary sheet followed by one sheet per department.
pub fn doc(s: &StatementReport, lang: Lang) -> Doc {
    doc_for(s, lang, Format::Xlsx)
}

/// `doc`, with the workbook's sheets only when the document is to be written as a workbook:
/// they hold every row again, which the terminal, CSV and JSON never show.
pub fn doc_for(s: &StatementReport, lang: Lang, format: Format) -> Doc {
    let with_opening = s.with_opening();
    let title = title(s, lang);
    let mut all = Report { columns: columns(s.by, with_opening), notes: notes(s, lang), ..Report::default() };
    for l in &s.lines {
        all.push(line_cells(l), l.subtotal.is_some());
    }
    all.totals = Some(total_cells(s, GRAND_TOTAL));
    if s.lines.is_empty() {
        all.notes.insert(
            0,
            pick(
                lang,
                "此范围内没有子项目有单独补助应得或资金变动。",
                "no sub-project has an entitlement or a movement for this selection",
            ),
        );
    }
    let mut workbook = Vec::new();
    if format == Format::Xlsx {
        workbook.push(summary(s, &title, lang));
        for dept in s.lines.chunk_by(|a, b| a.department_code == b.department_code) {
            workbook.push(department_sheet(s, dept, &title, lang));
        }
    }
    let fingerprint = s.fingerprint.clone();
    let sections = vec![all, issued_table(&s.issued, lang)];
    Doc { title, fingerprint: Some(fingerprint), sections, sheets: workbook, nest: false }
}

/// What was issued per department and channel, net of adjustments, with what the columns
/// mean and the period's adjustments in the notes.
fn issued_table(i: &crate::report::issued::Issued, lang: Lang) -> Report {
    let mut report = Report {
        title: pick(lang, "指标下达（含调整）", "Issued, net of adjustments"),
        columns: vec![
            c("department", "部门"),
            c("channel", "资金类别"),
            c("original", "下达"),
            c("adjusted", "调整"),
            c("issued", "下达净额"),
        ],
        json_key: "issued",
        ..Report::default()
    };
    for l in &i.lines {
        report.rows.push(vec![
            l.department.as_str().into(),
            l.channel.as_str().into(),
            Cell::Money(l.original),
            Cell::Money(l.adjusted),
            Cell::Money(l.issued),
        ]);
    }
    report.notes = vec![
        pick(
            lang,
            "指标下达到资金类别，不到子项目类型：每个资金类别列在其所支付子项目类型的责任部门下（附件3 → 附件1），与上表的部门一致；联合牵头部门不列其联合牵头子项目的资金类别。",
            "money is issued to a channel, not to a sub-project type: each channel is listed under the department responsible for the types it pays (Annex 3 → Annex 1), as the rows above are; a co-leading department lists no channel for the rows it co-leads.",
        ),
        pick(
            lang,
            "下达：截至期末已下达的指标金额；调整：截至期末的追加（正数）与调减、上级收回（负数）；下达净额 = 下达 + 调整。",
            "original: what the appropriation lines issued by the period's end; adjusted: the adjustments dated up to its end (追加 positive, 调减 and 上级收回 negative); issued = original + adjusted.",
        ),
    ];
    let mut shared: Vec<&str> = i.lines.iter().map(|l| l.channel.as_str()).collect();
    shared.sort_unstable();
    let shared: Vec<&str> = shared.chunk_by(|a, b| a == b).filter(|g| g.len() > 1).map(|g| g[0]).collect();
    if !shared.is_empty() {
        let names = shared.join("、");
        report.notes.push(match lang {
            Lang::Zh => format!("{names} 支付多个部门的子项目类型，在每个部门下各列一次，这些行不可相加。"),
            Lang::En => format!("{names} pays types of several departments and is listed under each: do not add those lines up."),
        });
    }
    report.notes.extend(i.adjustments.iter().map(|a| {
        let (county, code, channel, doc) = (&a.county, &a.appropriation, &a.channel, &a.document);
        let (amount, date, reason) = (a.amount.yuan_grouped(), a.date, &a.reason);
        match (lang, a.amount.is_positive()) {
            (Lang::Zh, up) => {
                let kind = if up { "追加" } else { "调减" };
                format!("{kind}：{county} {code} {channel}（{doc}）{amount}，{date}，{reason}")
            }
            (Lang::En, up) => {
                let kind = if up { "increase" } else { "cut" };
                format!("{kind}: {county} {code} {channel} ({doc}) {amount} on {date}: {reason}")
            }
        }
    }));
    report
}

/// One department's sheet: its lines in printed order, subtotals in bold.
fn department_sheet(s: &StatementReport, lines: &[Line], title: &str, lang: Lang) -> Report {
    let name = lines[0].department.clone().unwrap_or_default();
    let mut sheet = Report {
        title: format!("{title} — {name}"),
        sheet: name,
        columns: columns(s.by, s.with_opening()),
        notes: notes(s, lang),
        ..Report::default()
    };
    for l in lines {
        sheet.push(line_cells(l), l.subtotal.is_some());
    }
    sheet
}

/// The summary sheet: one row per department total (and per department's co-led subtotal,
/// marked), and the grand total.
fn summary(s: &StatementReport, title: &str, lang: Lang) -> Report {
    let with_opening = s.with_opening();
    let mut cols = vec![c("department", "部门"), c("role", "角色")];
    cols.extend(figure_columns(with_opening));
    let mut summary = Report {
        title: title.to_string(),
        sheet: pick(lang, "汇总", "Summary"),
        columns: cols,
        notes: notes(s, lang),
        ..Report::default()
    };
    let totals = [Some(Subtotal::Department), Some(Subtotal::CoLead)];
    for l in s.lines.iter().filter(|l| totals.contains(&l.subtotal)) {
        let mut cells = vec![text(&l.department), role(l)];
        cells.extend(figure_cells(&l.figures));
        summary.rows.push(cells);
    }
    let mut grand = vec![GRAND_TOTAL, Cell::Empty];
    grand.extend(figure_cells(&s.totals.figures));
    summary.totals = Some(grand);
    summary
}
