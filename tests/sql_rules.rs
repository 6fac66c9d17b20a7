//! The schema is the second line of defence: an entry written straight into the ledger with
//! SQLite, bypassing fundledger's checks, is still refused for breaking R1 (another county's
//! money), R2 (a channel not designated for the type, an excluded sub-project) and R5 (a
//! closed year), and the file is left as it was. R3 is shown in `every_date.rs`, R4 and R7 in
//! `audit.rs` and `rules.rs`.

mod common;

use common::Ledger;
use rusqlite::Connection;

/// Tries to insert one `allocate` entry of 1 yuan on `date` from `appropriation` to `subproject`, as a
/// program other than fundledger would; returns SQLite's refusal.
fn insert_allocation(
    conn: &Connection,
    voucher: &str,
    date: &str,
    appropriation: &str,
    subproject: &str,
) -> String {
    let sql = "INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, operator, recorded_at)
         SELECT ?1, ?2, 'allocate', a.id, s.id, 100, 'sqlite3', '2024-06-01T10:00:00+08:00'
         FROM appropriations a, subprojects s WHERE a.code = ?3 AND s.code = ?4";
    match conn.execute(sql, [voucher, date, appropriation, subproject]) {
        Ok(n) => panic!("SQLite accepted {n} row(s) for {voucher}"),
        Err(e) => e.to_string(),
    }
}

fn entry_count(conn: &Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM entries", [], |r| r.get(0)).expect("count")
}

#[test]
fn sqlite_refuses_money_of_another_county_r1() {
    let l = Ledger::small();
    let conn = Connection::open(&l.db).expect("open");
    let before = entry_count(&conn);
    // A-FARM-JS was issued to 嘉善县; S-FARM is in 南湖区.
    let err = insert_allocation(&conn, "V-SQL-R1", "2024-06-01", "A-FARM-JS", "S-FARM");
    assert!(err.contains("R1: the appropriation was issued to another county"), "{err}");
    assert_eq!(entry_count(&conn), before);
}

#[test]
fn sqlite_refuses_a_channel_not_designated_for_the_type_and_an_excluded_subproject_r2() {
    let l = Ledger::small();
    let conn = Connection::open(&l.db).expect("open");
    let before = entry_count(&conn);
    // The farmland channel does not pay river dredging.
    let err = insert_allocation(&conn, "V-SQL-R2", "2024-06-01", "A-FARM-NH", "S-DREDGE");
    assert!(err.contains("R2: the channel does not designate this sub-project's type"), "{err}");
    // S-EXCL is 不开展: the right channel, but it receives nothing.
    let err = insert_allocation(&conn, "V-SQL-R2X", "2024-06-01", "A-FARM-NH", "S-EXCL");
    assert!(err.contains("R2: an excluded sub-project receives nothing"), "{err}");
    assert_eq!(entry_count(&conn), before);
}

#[test]
fn sqlite_refuses_an_entry_dated_in_a_closed_year_r5() {
    let l = Ledger::small();
    l.ok_en(&["close", "--year", "2024"]);
    let conn = Connection::open(&l.db).expect("open");
    let before = entry_count(&conn);
    let err = insert_allocation(&conn, "V-SQL-R5", "2024-12-30", "A-FARM-NH", "S-FARM");
    assert!(err.contains("R5: the entry is dated in a closed year"), "{err}");
    let err = conn
        .execute("DELETE FROM period_events WHERE year = 2024", [])
        .expect_err("a close is a recorded fact")
        .to_string();
    assert!(err.contains("R5: a close or reopen is a recorded fact"), "{err}");
    assert_eq!(entry_count(&conn), before);
    drop(conn);
    let r = l.run_en(&["verify"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// The same inserts with valid content are accepted by SQLite, so the refusals above are the
/// rules' and not a malformed statement's.
#[test]
fn the_same_insert_with_valid_content_is_accepted() {
    let l = Ledger::small();
    let conn = Connection::open(&l.db).expect("open");
    let before = entry_count(&conn);
    let sql = "INSERT INTO entries (voucher, date, kind, appropriation_id, subproject_id, amount_fen, operator, recorded_at)
         SELECT 'V-SQL-OK', '2024-06-01', 'allocate', a.id, s.id, 100, 'sqlite3', '2024-06-01T10:00:00+08:00'
         FROM appropriations a, subprojects s WHERE a.code = 'A-FARM-NH' AND s.code = 'S-FARM'";
    assert_eq!(conn.execute(sql, []).expect("a valid entry"), 1);
    assert_eq!(entry_count(&conn), before + 1);
}
