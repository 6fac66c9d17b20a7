//! The built-in catalogue against the policy text (Annexes 1 and 3).

mod common;
use common::Ledger;
use serde_json::Value;

fn rows(l: &Ledger, what: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(&l.ok_en(&["catalog", what, "--format", "json"])).expect("json");
    v["rows"].as_array().expect("rows").clone()
}

fn find<'a>(rows: &'a [Value], key: &str, name: &str) -> &'a Value {
    rows.iter().find(|r| r[key] == name).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn counts_match_the_annexes() {
    let l = Ledger::new();
    assert_eq!(rows(&l, "departments").len(), 9);
    let types = rows(&l, "types");
    assert_eq!(types.len(), 28);
    let ticked = |k: &str| types.iter().filter(|t| t[k] == true).count();
    assert_eq!((ticked("agri"), ticked("land"), ticked("people")), (12, 24, 28));
    assert_eq!(rows(&l, "channels").len(), 20);
    assert_eq!(rows(&l, "designations").len(), 23);
    assert_eq!(rows(&l, "counties").len(), 7);
}

#[test]
fn notable_rows_are_as_the_policy_says() {
    let l = Ledger::new();
    let channels = rows(&l, "channels");
    assert_eq!(
        find(&channels, "name", "高标准农田专项资金")["types"],
        serde_json::json!(["高标准农田建设", "粮食生产功能区建设"])
    );
    assert_eq!(
        find(&channels, "name", "和美乡村建设专项资金")["types"],
        serde_json::json!(["农村人居环境整治提升", "和美乡村建设", "历史文化传统村落保护利用"])
    );
    // A channel's policy owner can differ from the type's department.
    let eco = find(&channels, "name", "生态补偿专项资金");
    assert_eq!(eco["policy_owner"], "市生态环境局");
    assert_eq!(eco["types"], serde_json::json!(["农村河道治理"]));
    assert!(eco["basis"]
        .as_str()
        .expect("basis")
        .contains("《浙江省财政厅浙江生态环境厅关于印发浙江省生态环境保护专项资金管理办法的通知》"));

    let types = rows(&l, "types");
    assert_eq!(find(&types, "name", "农村河道治理")["department"], "市水利局");
    assert_eq!(
        find(&types, "name", "“四好农村路”建设")["channels"],
        serde_json::json!(["交通运输发展专项资金", "“四好农村路”专项补助资金"])
    );
    // 暂无: Annex 3 lists the type with no channel yet; —: the type has no Annex-3 row.
    let a_level = find(&types, "name", "A级景区村庄创建");
    assert_eq!(
        (a_level["channels"].clone(), a_level["annex3"].clone()),
        (serde_json::json!([]), "none".into())
    );
    for no_row in ["耕地“非农化”“非粮化”整治", "垦造耕地", "低效用地再开发", "城乡风貌整治提升", "制度创新"]
    {
        let t = find(&types, "name", no_row);
        assert_eq!(
            (t["channels"].clone(), t["annex3"].clone()),
            (serde_json::json!([]), "absent".into()),
            "{no_row}"
        );
    }
    let without = types.iter().filter(|t| t["channels"] == serde_json::json!([])).count();
    assert_eq!(without, 6);
    let heritage = find(&types, "name", "历史文化传统村落保护利用");
    assert!(heritage["note"].as_str().expect("note").contains("市建设局联合牵头"));
    assert!(heritage["note"].as_str().expect("note").contains("市建设局配合"));
    let designations = rows(&l, "designations");
    let d = designations.iter().find(|d| d["type"] == "历史文化传统村落保护利用").expect("designation");
    assert_eq!(d["note"], "市建设局配合");
    // Only-人 types (Annex 1): 老旧小区, 未来社区, 美丽城镇, 制度创新.
    let only_people: Vec<&str> = types
        .iter()
        .filter(|t| t["land"] == false && t["people"] == true)
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(only_people, ["老旧小区改造提升", "未来社区建设", "现代化美丽城镇建设", "制度创新"]);
}

#[test]
fn every_catalogue_name_appears_verbatim_in_the_policy_text() {
    let seed =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seed/000_b0135c0d7f09f36f.txt");
    let Ok(policy) = std::fs::read_to_string(&seed) else {
        eprintln!("skipping: the policy text is not beside this checkout ({})", seed.display());
        return;
    };
    let l = Ledger::new();
    for (what, key) in [("departments", "name"), ("types", "name"), ("channels", "name")] {
        for r in rows(&l, what) {
            let name = r[key].as_str().expect("name");
            assert!(policy.contains(name), "{what} {name} is not in the policy text");
        }
    }
}

#[test]
fn users_can_add_types_channels_and_designations() {
    let l = Ledger::new();
    let types =
        l.file("t.csv", "type,name,department,agri,land,people\npole_lines,杆线整治,市建设局,no,yes,yes\n");
    l.ok_en(&["import", "types", &types]);
    let ch = l.file(
        "c.csv",
        "channel,name,policy_owner,basis\npole_fund,杆线整治专项资金,construction,《示例文件》\n",
    );
    l.ok_en(&["import", "channels", &ch]);
    let d = l.file("d.csv", "channel,type\n杆线整治专项资金,杆线整治\n");
    l.ok_en(&["import", "designations", &d]);
    let channels = rows(&l, "channels");
    assert_eq!(find(&channels, "name", "杆线整治专项资金")["types"], serde_json::json!(["杆线整治"]));
    // Re-importing is harmless; changing a recorded type is refused.
    l.ok_en(&["import", "types", &types]);
    let changed =
        l.file("t2.csv", "type,name,department,agri,land,people\npole_lines,杆线整治,市建设局,no,no,yes\n");
    l.refused_en(
        &["import", "types", &changed],
        &["sub-project type pole_lines is already recorded with different content"],
    );
    let bad = l.file("t3.csv", "type,name,department,agri,land,people\nx,某类型,市建设局,yes,no,yes\n");
    l.refused_en(&["import", "types", &bad], &["the modes are nested"]);
}

#[test]
fn a_new_code_may_not_be_an_existing_name() {
    let l = Ledger::new();
    let c = l.file("c.csv", "county,name\n南湖区,南湖新区\n");
    l.refused_en(
        &["import", "counties", &c],
        &["county '南湖区' is already used by county NH; codes and names must be unambiguous"],
    );
}

/// `catalog channels` gives each designated type the basis of its own Annex-3 row: the
/// 历史文化传统村落保护利用 document supports that row of 和美乡村建设专项资金 only.
#[test]
fn each_designated_type_has_the_basis_of_its_own_row() {
    let l = common::Ledger::new();
    let v: serde_json::Value =
        serde_json::from_str(&l.ok(&["catalog", "channels", "--format", "json"])).expect("json");
    let channel = v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|c| c["channel"] == "harmonious_village_fund")
        .expect("和美乡村建设专项资金")
        .clone();
    let rows = channel["designations"].as_array().expect("designations");
    let historic = "《关于进一步加强历史文化传统村落保护利用工作的意见》";
    assert_eq!(rows.len(), 3, "{channel}");
    for r in rows {
        let own = r["type_code"] == "historic_village";
        assert_eq!(r["basis"].as_str().expect("basis").contains(historic), own, "{r}");
    }
    let table = l.ok(&["catalog", "channels"]);
    let line = table.lines().find(|x| x.contains("历史文化传统村落保护利用")).expect("the historic row");
    assert!(line.contains(historic) && !line.contains("高质量发展专项资金管理办法"), "{line}");
}
