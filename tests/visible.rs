//! Codes take visible characters only, and no recorded text hides characters that change how
//! it reads: a zero-width space cannot make a second voucher look like the first, and a bidi
//! control cannot make an operator or a name read differently from how it is stored.

mod common;

use common::Ledger;

const INVISIBLE: [(&str, &str); 6] = [
    ("\u{200b}", "U+200B"),
    ("\u{200d}", "U+200D"),
    ("\u{feff}", "U+FEFF"),
    ("\u{202e}", "U+202E"),
    ("\u{2066}", "U+2066"),
    ("\u{00a0}", "U+00A0"),
];

fn pay(voucher: &str) -> Vec<String> {
    [
        "post",
        "--kind",
        "pay",
        "--appropriation",
        "A-FARM-NH",
        "--subproject",
        "S-FARM",
        "--amount",
        "1",
        "--date",
        "2024-07-01",
        "--voucher",
        voucher,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn a_voucher_with_an_invisible_character_is_not_a_second_voucher() {
    let l = Ledger::small();
    for (c, code) in INVISIBLE {
        let voucher = format!("V-0{c}04");
        l.refused_en(
            &common::strs(&pay(&voucher)),
            &["--voucher", code, "at character 4", "visible characters only"],
        );
        let file = l.file(
            "inv.csv",
            &format!("voucher,date,kind,appropriation,subproject,amount\n{voucher},2024-07-01,pay,A-FARM-NH,S-FARM,1\n"),
        );
        l.refused_en(&["import", "entries", &file], &["inv.csv:2", "voucher", code]);
        let file = l.file(
            "inv-sub.csv",
            &format!("voucher,date,kind,appropriation,subproject,amount\nV-NEW,2024-07-01,pay,A-FARM-NH,S-F{c}ARM,1\n"),
        );
        l.refused_en(&["import", "entries", &file], &["inv-sub.csv:2", "subproject", code]);
    }
}

#[test]
fn names_memos_and_operators_refuse_bidi_controls_and_zero_width_characters() {
    let l = Ledger::small();
    for (c, code) in INVISIBLE.iter().filter(|(c, _)| *c != "\u{00a0}") {
        let r = l.run_en(&[
            "--operator",
            &format!("张{c}三"),
            "post",
            "--kind",
            "pay",
            "--appropriation",
            "A-FARM-NH",
            "--subproject",
            "S-FARM",
            "--amount",
            "1",
            "--date",
            "2024-07-01",
            "--voucher",
            "V-OP",
        ]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("operator") && r.stderr.contains(code), "{}", r.stderr);
        let mut args = pay("V-MEMO");
        args.extend(["--memo".to_string(), format!("工程{c}款")]);
        l.refused_en(&common::strs(&args), &["--memo", code]);
        let file = l.file(
            "p.csv",
            &format!("project,name,county,scope,implementing_body,mode,approved_on\nP-NEW,新{c}项目,南湖区,single_township,镇政府,agri,2024-01-01\n"),
        );
        l.refused_en(&["import", "projects", &file], &["p.csv:2", "name", code]);
    }
    // A plain space in a name is fine.
    let file = l.file(
        "p.csv",
        "project,name,county,scope,implementing_body,mode,approved_on\nP-NEW,新 项目,南湖区,single_township,镇政府,agri,2024-01-01\n",
    );
    l.ok_en(&["import", "projects", &file]);
}
