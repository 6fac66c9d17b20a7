//! Property tests: money text round-trips exactly; random sequences of entries, posted
//! through the real writer, never break R3 (no balance goes negative, no appropriation is
//! over-allocated), a refused entry changes nothing, and `verify` re-derives exactly the
//! maintained balances.

use fundledger::db::Db;
use fundledger::ledger::{AppropriationWriter, EntryWriter, ProjectWriter, Stamp, SubprojectWriter};
use fundledger::model::{
    AppropriationCode, Direction, Flow, Kind, Level, Mode, NewAppropriation, NewEntry, NewProject,
    NewSubproject, ProjectCode, Scope, Status, SubprojectCode, Voucher,
};
use fundledger::money::{Fen, MAX_AMOUNT_FEN};
use fundledger::verify;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn money_round_trips_through_every_text_form(fen in -MAX_AMOUNT_FEN..=MAX_AMOUNT_FEN) {
        let f = Fen(fen);
        prop_assert_eq!(Fen::parse_yuan(&f.yuan()), Ok(f));
        prop_assert_eq!(Fen::parse_yuan(&f.yuan_grouped()), Ok(f));
        prop_assert_eq!(Fen::from_yuan_decimal(f.to_yuan_decimal()), Some(f));
    }

    #[test]
    fn any_text_parses_or_is_refused_without_panicking(s in "\\PC{0,40}") {
        if let Ok(f) = Fen::parse_yuan(&s) {
            prop_assert!(f.0.abs() <= MAX_AMOUNT_FEN);
        }
    }
}

const DATE: &str = "2024-06-01";

fn date(d: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("test date")
}

/// A ledger with one project, two farmland sub-projects and two appropriation lines.
fn ledger() -> Db {
    let mut db = Db::in_memory().expect("in-memory ledger");
    let stamp = Stamp::now("prop");
    let tx = db.begin().expect("tx");
    fundledger::ledger::load_builtin_catalog(&tx).expect("catalogue");
    let catalog = tx.catalog().expect("catalog");
    let project = NewProject {
        code: ProjectCode::parse("P").expect("code"),
        name: "项目".into(),
        county: "南湖区".into(),
        scope: Scope::SingleTownship,
        towns: String::new(),
        villages: String::new(),
        implementing_body: "镇政府".into(),
        mode: Mode::Agri,
        approved_on: date("2024-01-01"),
        flagship: false,
    };
    ProjectWriter { tx: &tx, catalog: &catalog, stamp: &stamp }
        .write(&project)
        .expect("db")
        .expect("project");
    for code in ["S1", "S2"] {
        let s = NewSubproject {
            code: SubprojectCode::parse(code).expect("code"),
            project: ProjectCode::parse("P").expect("code"),
            type_ref: "高标准农田建设".into(),
            status: Status::Ongoing,
            quantity: String::new(),
            unit: String::new(),
            investment: Fen(100_000),
            letter: String::new(),
            standalone: None,
            standalone_doc: String::new(),
        };
        SubprojectWriter { tx: &tx, catalog: &catalog, stamp: &stamp }.write(&s).expect("db").expect("sub");
    }
    for (code, amount) in [("A1", 10_000), ("A2", 5_000)] {
        let a = NewAppropriation {
            code: AppropriationCode::parse(code).expect("code"),
            doc_no: "浙财农〔2024〕1号".into(),
            channel_ref: "高标准农田专项资金".into(),
            level: Level::Provincial,
            county: "南湖区".into(),
            issued_on: date("2024-01-01"),
            amount: Fen(amount),
        };
        AppropriationWriter { tx: &tx, catalog: &catalog, stamp: &stamp }
            .write(&a)
            .expect("db")
            .expect("appr");
    }
    tx.commit(&fundledger::db::WriteRecord { command: "test", ..Default::default() }).expect("commit");
    db
}

#[derive(Debug, Clone)]
enum Step {
    Move { kind: Kind, appropriation: usize, subproject: usize, amount: i64 },
    Reverse { target: usize },
}

fn step() -> impl Strategy<Value = Step> {
    let kinds = prop_oneof![
        3 => Just(Kind::Allocate),
        3 => Just(Kind::Disburse),
        3 => Just(Kind::Pay),
        1 => Just(Kind::Withdraw),
        1 => Just(Kind::Return),
    ];
    prop_oneof![
        5 => (kinds, 0..2usize, 0..2usize, 1..6_000i64)
            .prop_map(|(kind, appropriation, subproject, amount)| Step::Move { kind, appropriation, subproject, amount }),
        1 => (0..40usize).prop_map(|target| Step::Reverse { target }),
    ]
}

/// The entry a step posts; a reversal names an earlier accepted voucher (or one that does
/// not exist, which must be refused).
fn entry_for(s: &Step, voucher: &str, accepted: &[String]) -> NewEntry {
    entry_on(s, voucher, accepted, date(DATE))
}

fn entry_on(s: &Step, voucher: &str, accepted: &[String], on: chrono::NaiveDate) -> NewEntry {
    let (kind, appropriation, subproject, amount, reverses) = match s {
        Step::Move { kind, appropriation, subproject, amount } => (
            *kind,
            Some(format!("A{}", appropriation + 1)),
            Some(format!("S{}", subproject + 1)),
            Some(Fen::from(*amount)),
            None,
        ),
        Step::Reverse { target } => (
            Kind::Reverse,
            None,
            None,
            None,
            Some(accepted.get(*target).cloned().unwrap_or_else(|| "none".into())),
        ),
    };
    NewEntry {
        voucher: Voucher::parse(voucher).expect("voucher"),
        line: 1,
        date: on,
        kind,
        appropriation: appropriation.map(|c| AppropriationCode::parse(&c).expect("code")),
        subproject: subproject.map(|c| SubprojectCode::parse(&c).expect("code")),
        amount,
        reverses: reverses.map(|c| Voucher::parse(&c).expect("voucher")),
        reverses_line: None,
        memo: String::new(),
        channel_ref: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_entries_never_break_r3_and_verify_agrees(steps in prop::collection::vec(step(), 1..40)) {
        let mut db = ledger();
        let stamp = Stamp::now("prop");
        let mut vouchers: Vec<String> = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            let voucher = format!("V{i}");
            let entry = entry_for(s, &voucher, &vouchers);
            let before = db.maintained_balances().expect("balances");
            let tx = db.begin().expect("tx");
            let catalog = tx.catalog().expect("catalog");
            let mut w = EntryWriter::new(&tx, &catalog, &stamp).expect("writer");
            let accepted = w.write(&entry).expect("db").is_ok();
            if accepted {
                w.finish().expect("finish");
                tx.commit(&fundledger::db::WriteRecord { command: "test", ..Default::default() }).expect("commit");
                vouchers.push(voucher);
            } else {
                drop(w);
                drop(tx);
                prop_assert_eq!(db.maintained_balances().expect("balances"), before);
            }
            let lines = db.maintained_balances().expect("balances");
            for (_, b) in &lines {
                prop_assert!(b.undisbursed().0 >= 0 && b.held().0 >= 0, "{:?}", b);
            }
            for (appropriation_id, amount) in [(1, 10_000), (2, 5_000)] {
                let drawn: i128 = lines.iter().filter(|(k, _)| k.appropriation == appropriation_id).map(|(_, b)| b.drawn().0).sum();
                prop_assert!((0..=amount).contains(&drawn), "appropriation {} drawn {}", appropriation_id, drawn);
            }
        }
        let report = verify::verify(&db, None).expect("verify");
        prop_assert!(report.problems.is_empty(), "{:?}", report.problems);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The same random steps written as one batch — one writer, one `finish`, one commit, as
    /// an import does — are stored without the schema objecting, and verify agrees.
    #[test]
    fn a_batch_of_random_entries_is_stored_whole_and_verify_agrees(steps in prop::collection::vec(step(), 1..40)) {
        let mut db = ledger();
        let stamp = Stamp::now("prop");
        let tx = db.begin().expect("tx");
        let catalog = tx.catalog().expect("catalog");
        let mut w = EntryWriter::new(&tx, &catalog, &stamp).expect("writer");
        let mut vouchers: Vec<String> = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            let voucher = format!("V{i}");
            let entry = entry_for(s, &voucher, &vouchers);
            if w.write(&entry).expect("db").is_ok() {
                vouchers.push(voucher);
            }
        }
        w.finish().expect("the schema accepts what the writer accepted");
        tx.commit(&fundledger::db::WriteRecord { command: "test", ..Default::default() }).expect("commit");
        let report = verify::verify(&db, None).expect("verify");
        prop_assert!(report.problems.is_empty(), "{:?}", report.problems);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Entries spread over 2024–2026: the statement's totals equal the sum of the balances;
    /// a year's statement moves its opening balance to its closing one; the balances summed
    /// from entries up to the last day equal the maintained ones; and the review's fund
    /// totals equal the statement's up to the same year end.
    #[test]
    fn statement_review_and_balances_agree(steps in prop::collection::vec(step(), 1..40)) {
        use fundledger::report::{review, statement};
        let mut db = ledger();
        let stamp = Stamp::now("prop");
        let tx = db.begin().expect("tx");
        let catalog = tx.catalog().expect("catalog");
        let mut w = EntryWriter::new(&tx, &catalog, &stamp).expect("writer");
        let mut vouchers: Vec<String> = Vec::new();
        let mut last = date(DATE);
        // What each accepted entry does, for an independent replay: (date, line, flow, fen, direction).
        type Line = (String, String);
        let mut moves: Vec<(chrono::NaiveDate, Line, Flow, Fen, Direction)> = Vec::new();
        let mut originals: std::collections::HashMap<String, (Line, Kind, Fen)> = Default::default();
        for (i, s) in steps.iter().enumerate() {
            let voucher = format!("V{i}");
            let on = date(DATE) + chrono::Duration::days(23 * i as i64);
            let entry = entry_on(s, &voucher, &vouchers, on);
            if w.write(&entry).expect("db").is_ok() {
                match &entry.reverses {
                    None => {
                        let line = (entry.appropriation.clone().unwrap().to_string(), entry.subproject.clone().unwrap().to_string());
                        let amount = entry.amount.unwrap();
                        moves.push((on, line.clone(), entry.kind.flow().expect("not a reversal"), amount, Direction::Forward));
                        originals.insert(voucher.clone(), (line, entry.kind, amount));
                    }
                    Some(original) => {
                        let (line, kind, amount) = originals[original.as_str()].clone();
                        moves.push((on, line, kind.flow().expect("an original moves money"), amount, Direction::Back));
                    }
                }
                vouchers.push(voucher);
                last = on;
            }
        }
        w.finish().expect("finish");
        tx.commit(&fundledger::db::WriteRecord { command: "test", ..Default::default() }).expect("commit");
        let catalog = db.catalog().expect("catalog");

        let mut sum = fundledger::model::LineBalance::default();
        for l in db.balance_lines().expect("lines") {
            sum.add(&l.balance);
        }
        let everything = statement::statement(&db, &catalog, statement::Period::default(), &statement::Filter::default())
            .expect("statement");
        let t = statement::total(&everything);
        prop_assert_eq!(t.movement, sum);
        prop_assert_eq!(t.balance, sum.balance());
        prop_assert_eq!(t.opening, Fen(0));

        let mut maintained = db.balance_lines().expect("lines");
        let mut derived = db.balance_lines_as_of(Some(last)).expect("as of");
        maintained.retain(|l| l.balance != fundledger::model::LineBalance::default());
        derived.retain(|l| l.balance != fundledger::model::LineBalance::default());
        let key = |l: &fundledger::model::BalanceLine| (l.appropriation.clone(), l.subproject.clone(), l.balance);
        prop_assert_eq!(maintained.iter().map(key).collect::<Vec<_>>(), derived.iter().map(key).collect::<Vec<_>>());

        // The city's lines, named and sorted in Rust, are each county's as SQLite joins and
        // orders them: the same names, figures and order, maintained and as of a day.
        let named = |l: &fundledger::model::BalanceLine| {
            (l.project.clone(), l.county.clone(), l.subproject.clone(), l.type_code.clone(), l.channel.clone(), l.appropriation.clone(), l.balance)
        };
        for as_of in [None, Some(last), Some(date(DATE) + chrono::Duration::days(23 * (steps.len() as i64 / 2)))] {
            let city = db.balance_lines_as_of(as_of).expect("city lines");
            let counties: std::collections::BTreeSet<String> = city.iter().map(|l| l.county.clone()).collect();
            for county in &counties {
                let of = fundledger::db::LinesOf::County(county);
                let joined = db.balance_lines_as_of_in(as_of, of).expect("county lines");
                prop_assert_eq!(
                    city.iter().filter(|l| &l.county == county).map(named).collect::<Vec<_>>(),
                    joined.iter().map(named).collect::<Vec<_>>()
                );
            }
        }

        // Balances as of any day, replayed here entry by entry, equal what the ledger sums.
        let replay = |cutoff: chrono::NaiveDate| {
            let mut lines: std::collections::BTreeMap<Line, fundledger::model::LineBalance> = Default::default();
            for (_, line, flow, amount, direction) in moves.iter().filter(|m| m.0 <= cutoff) {
                let b = lines.entry(line.clone()).or_default();
                *b = b.checked_apply(*flow, *amount, *direction).expect("in range");
            }
            lines.retain(|_, b| *b != fundledger::model::LineBalance::default());
            lines
        };
        for k in 0..steps.len() as i64 + 1 {
            let cutoff = date(DATE) + chrono::Duration::days(23 * k - 11);
            let mut ledger: std::collections::BTreeMap<Line, fundledger::model::LineBalance> = Default::default();
            for l in db.balance_lines_as_of(Some(cutoff)).expect("as of") {
                ledger.insert((l.appropriation, l.subproject), l.balance);
            }
            ledger.retain(|_, b| *b != fundledger::model::LineBalance::default());
            prop_assert_eq!(&ledger, &replay(cutoff), "as of {}", cutoff);
        }
        // Summed per appropriation by the ledger, on any day and on each 31 December (read
        // from the per-year movements), the same as the replay summed so.
        let codes: std::collections::HashMap<i64, String> =
            db.appropriations().expect("appropriations").into_iter().map(|a| (a.id, a.code.to_string())).collect();
        let ends = (2023..=2026).map(|y| chrono::NaiveDate::from_ymd_opt(y, 12, 31).expect("a date"));
        for cutoff in (0..steps.len() as i64 + 1).map(|k| date(DATE) + chrono::Duration::days(23 * k - 11)).chain(ends) {
            let mut summed: std::collections::BTreeMap<String, fundledger::model::LineBalance> = Default::default();
            for (id, b) in db.appropriation_sums_as_of(Some(cutoff)).expect("sums") {
                summed.entry(codes[&id].clone()).or_default().add(&b);
            }
            summed.retain(|_, b| *b != fundledger::model::LineBalance::default());
            let mut expected: std::collections::BTreeMap<String, fundledger::model::LineBalance> = Default::default();
            for ((appropriation, _), b) in replay(cutoff) {
                expected.entry(appropriation).or_default().add(&b);
            }
            expected.retain(|_, b| *b != fundledger::model::LineBalance::default());
            prop_assert_eq!(&summed, &expected, "per appropriation as of {}", cutoff);
        }

        for year in 2024..=2026 {
            let period = statement::Period::year(year).expect("year");
            let rows = statement::statement(&db, &catalog, period, &statement::Filter::default()).expect("statement");
            let y = statement::total(&rows);
            let m = &y.movement;
            prop_assert_eq!(y.opening + m.allocated - m.withdrawn - m.returned - m.paid, y.balance);
            // The year's movement is what the entries dated in it did, replayed independently.
            let mut moved = fundledger::model::LineBalance::default();
            for (on, _, flow, amount, direction) in &moves {
                if period.from.is_some_and(|f| *on >= f) && period.to.is_some_and(|t| *on <= t) {
                    moved = moved.checked_apply(*flow, *amount, *direction).expect("in range");
                }
            }
            prop_assert_eq!(y.movement, moved, "movement in {}", year);
            let to_end = statement::Period { from: None, to: period.to };
            let cumulative = statement::total(
                &statement::statement(&db, &catalog, to_end, &statement::Filter::default()).expect("statement"),
            );
            prop_assert_eq!(cumulative.balance, y.balance);
            let r = review::review(&db, &catalog, year, None).expect("review");
            prop_assert_eq!(r.city.funds.lines, cumulative.movement);
            prop_assert_eq!(r.city.funds.lines.balance(), cumulative.balance);
        }
    }
}
