//! `amend subproject S …` / `amend project P …`: record register amendments — each given field
//! changed from `--effective` under `--doc` — through the same writer and rules as `import
//! amendments`, all or nothing.

use super::Ctx;
use crate::db::Db;
use crate::error::{Check, Error, Problem, Result};
use crate::ledger::{AmendmentWriter, Outcome, Stamp};
use crate::model::{self, Field, NewAmendment, Subject};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

/// What every amendment carries.
#[derive(clap::Args, Debug)]
pub struct Basis {
    /// The day the change takes effect (生效日期), YYYY-MM-DD; not after today.
    #[arg(long)]
    pub effective: String,
    /// The document that makes the change (依据文号).
    #[arg(long)]
    pub doc: String,
    /// Why (原因).
    #[arg(long)]
    pub reason: String,
}

#[derive(clap::Subcommand, Debug)]
pub enum What {
    /// Change a sub-project: status, quantity, unit, planned investment, standalone approvals.
    Subproject {
        /// The sub-project (子项目编号).
        subproject: String,
        #[command(flatten)]
        basis: Basis,
        /// The new status: ongoing/在建, planned/拟同步建设, excluded/不开展.
        #[arg(long)]
        status: Option<String>,
        /// The new quantity (建设规模).
        #[arg(long)]
        quantity: Option<String>,
        /// The new unit of the quantity (单位).
        #[arg(long)]
        unit: Option<String>,
        /// The new planned investment in yuan (计划投资).
        #[arg(long)]
        investment: Option<String>,
        /// An approved standalone subsidy on one channel, CHANNEL=AMOUNT (yuan); repeat for
        /// each channel. It replaces the rule on that channel only.
        #[arg(long, value_name = "CHANNEL=AMOUNT")]
        standalone: Vec<String>,
    },
    /// Change a project: flagship designation, integration mode, implementing body.
    Project {
        /// The project (项目编号).
        project: String,
        #[command(flatten)]
        basis: Basis,
        /// Designated 精品示范工程: yes/no.
        #[arg(long)]
        flagship: Option<String>,
        /// The integration mode: agri/农, land/地, people/人.
        #[arg(long)]
        mode: Option<String>,
        /// The implementing body (实施主体).
        #[arg(long)]
        implementing_body: Option<String>,
    },
    /// Change a sub-project's share of a contract (or add a sub-project to it): the new share.
    Contract {
        /// The contract (合同编号).
        contract: String,
        #[command(flatten)]
        basis: Basis,
        /// The covered sub-project (子项目编号).
        #[arg(long)]
        subproject: String,
        /// Its share of the price from the effective date, in yuan (the new figure).
        #[arg(long)]
        amount: String,
    },
}

/// The fields given on the command line, with the option that gave each.
fn given(what: &What) -> (Subject, &str, &Basis, Vec<(String, Field, String)>) {
    let some = |o: &str, f: Field, v: &Option<String>| v.as_ref().map(|v| (o.to_string(), f, v.clone()));
    match what {
        What::Subproject { subproject, basis, status, quantity, unit, investment, standalone } => {
            let mut fields: Vec<_> = [
                some("--status", Field::Status, status),
                some("--quantity", Field::Quantity, quantity),
                some("--unit", Field::Unit, unit),
                some("--investment", Field::Investment, investment),
            ]
            .into_iter()
            .flatten()
            .collect();
            for s in standalone {
                let (channel, amount) = s.split_once('=').unwrap_or((s.as_str(), ""));
                fields.push(("--standalone".into(), Field::Standalone(channel.trim().into()), amount.into()));
            }
            (Subject::Subproject, subproject, basis, fields)
        }
        What::Contract { .. } => unreachable!("contracts are amended by `run_contract`"),
        What::Project { project, basis, flagship, mode, implementing_body } => {
            let fields = [
                some("--flagship", Field::Flagship, flagship),
                some("--mode", Field::Mode, mode),
                some("--implementing-body", Field::ImplementingBody, implementing_body),
            ];
            (Subject::Project, project, basis, fields.into_iter().flatten().collect())
        }
    }
}

fn flag<T>(problems: &mut Vec<Problem>, option: &str, r: std::result::Result<T, String>) -> Option<T> {
    r.map_err(|m| problems.push(Problem::new(Check::Format, m).column(option))).ok()
}

/// `amend contract C --subproject S --amount X --effective D --doc DOC --reason TEXT`.
fn run_contract(ctx: &Ctx, contract: &str, basis: &Basis, subproject: &str, amount: &str) -> Result<u8> {
    let mut p = Vec::new();
    let effective = flag(&mut p, "--effective", crate::args::date(&basis.effective));
    let document =
        flag(&mut p, "--doc", model::parse_text_up_to(&basis.doc, "doc", true, model::MAX_NAME_CHARS));
    let reason = flag(&mut p, "--reason", model::parse_text(&basis.reason, "reason", true));
    let amount = crate::money::Fen::parse_positive(amount)
        .map_err(|e| p.push(Problem::new(Check::R6, e.to_string()).column("--amount")))
        .ok();
    let (Some(effective), Some(document), Some(reason), Some(amount)) = (effective, document, reason, amount)
    else {
        return Err(Error::Rejected(p));
    };
    let mut db = crate::db::Db::open(&ctx.db_path())?;
    let stamp = Stamp::now(&ctx.operator);
    let outcome = crate::ledger::amend_contract(
        &mut db, contract, subproject, amount, effective, &document, &reason, &stamp,
    )?
    .map_err(Error::Rejected)?;
    let amount = amount.yuan_grouped();
    let said = match outcome {
        Outcome::Added => crate::tr!(
            "已记录合同 {contract} 的变更：{subproject} 的分摊金额自 {effective} 起为 {amount}（{document}）",
            "recorded an amendment of contract {contract}: {subproject}'s share is {amount} from {effective} ({document})"
        ),
        _ => crate::tr!(
            "该变更已按相同内容记录过；未写入任何内容",
            "this amendment is already recorded with the same content; nothing written"
        ),
    };
    crate::outln!("{said}");
    Ok(0)
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    if let What::Contract { contract, basis, subproject, amount } = &args.what {
        return run_contract(ctx, contract, basis, subproject, amount);
    }
    let (subject, code, basis, fields) = given(&args.what);
    let mut p = Vec::new();
    let effective = flag(&mut p, "--effective", crate::args::date(&basis.effective));
    let doc = model::parse_text_up_to(&basis.doc, "doc", true, model::MAX_NAME_CHARS);
    let document = flag(&mut p, "--doc", doc);
    let reason = flag(&mut p, "--reason", model::parse_text(&basis.reason, "reason", true));
    let code = flag(&mut p, &subject.code().to_uppercase(), model::parse_code(code, subject.code()));
    let values: Vec<_> = fields.iter().map(|(o, f, v)| flag(&mut p, o, f.canonical_value(v))).collect();
    if fields.is_empty() {
        let message = crate::tr!(
            "请至少给出一个要变更的字段（见 `fundledger amend {subject} --help`）",
            "give at least one field to change (see `fundledger amend {subject} --help`)"
        );
        p.push(Problem::new(Check::Format, message));
    }
    let (Some(effective), Some(document), Some(reason), Some(code)) = (effective, document, reason, code)
    else {
        return Err(Error::Rejected(p));
    };
    if !p.is_empty() {
        return Err(Error::Rejected(p));
    }
    let amendments: Vec<(String, NewAmendment)> = fields
        .into_iter()
        .zip(values.into_iter().flatten())
        .map(|((option, field, _), value)| {
            let a = NewAmendment {
                subject,
                code: code.clone(),
                field,
                value,
                effective,
                document: document.clone(),
                reason: reason.clone(),
            };
            (option, a)
        })
        .collect();
    record(ctx, subject, &code, &amendments)
}

fn record(ctx: &Ctx, subject: Subject, code: &str, amendments: &[(String, NewAmendment)]) -> Result<u8> {
    let mut db = Db::open(&ctx.db_path())?;
    let stamp = Stamp::now(&ctx.operator);
    let tx = db.begin()?;
    let catalog = tx.catalog()?;
    let mut w = AmendmentWriter::new(&tx, &catalog, &stamp)?;
    let mut problems = Vec::new();
    let mut added = Vec::new();
    for (option, a) in amendments {
        let as_option = |p: Problem| match p.column.as_deref() {
            Some("value") | Some("field") => p.column(option.clone()),
            Some("code") => p.column(subject.code().to_uppercase()),
            Some(column) => {
                let column = format!("--{column}");
                p.column(column)
            }
            None => p,
        };
        match w.write_at(a, None)? {
            Ok(Outcome::Added) => added.push(format!("{} = {}", a.field.code(), a.value)),
            Ok(Outcome::Unchanged | Outcome::Pending) => {}
            Err(p) => problems.extend(p.into_iter().map(as_option)),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Rejected(problems));
    }
    let summary = added.join("; ");
    tx.commit(&stamp.record("amend", code, &summary))?;
    let Some((_, first)) = amendments.first() else { return Ok(0) };
    if added.is_empty() {
        let (doc, zh) = (&first.document, subject.zh());
        crate::outln!(
            "{}",
            crate::tr!(
                "{zh} {code} 的变更 {doc} 已有记录；未写入任何内容",
                "the amendment {doc} of {subject} {code} is already recorded; nothing written"
            )
        );
    } else {
        let (effective, doc, zh) = (first.effective, &first.document, subject.zh());
        crate::outln!(
            "{}",
            crate::tr!(
                "已记录{zh} {code} 的变更，自 {effective} 起生效（{doc}）：{summary}",
                "recorded amendment of {subject} {code} effective {effective} ({doc}): {summary}"
            )
        );
    }
    Ok(0)
}
