//! `accounts.csv`: a password SMPP 3.4 cannot carry (more than 8 octets) is
//! refused when the policy loads, with file, line and column, like any other
//! bad value; the example policies' accounts can all bind.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use chanrac_policy::{load_files, ErrorKind, MAX_PASSWORD_LEN};

const HEAD: &str = "account,advertiser,class,password\n";

fn load_accounts(rows: &str) -> Result<chanrac::Policy, chanrac_policy::LoadError> {
    let text = format!("{HEAD}{rows}");
    load_files(Path::new("pol"), &[("accounts.csv", text.as_bytes())])
}

#[test]
fn a_password_over_eight_octets_is_refused_with_file_line_and_column() {
    assert_eq!(MAX_PASSWORD_LEN, 8);
    let e = load_accounts("a_qc,a,ad,12345678\n# c\nb_qc,b,ad,123456789\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadInput);
    let msg = e.to_string();
    assert!(
        msg.starts_with("pol/accounts.csv:4: column 4 (password): password is 9 bytes long"),
        "{msg}"
    );
    assert!(msg.contains("SMPP 3.4 allows at most 8"), "{msg}");
    // The password itself is not repeated in the message (logs).
    assert!(!msg.contains("123456789"), "{msg}");

    // Octets, as on the wire: 5 Vietnamese letters are 10 bytes.
    let e = load_accounts("a_qc,a,ad,\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\u{1ec7}\n").unwrap_err();
    assert!(e.to_string().contains("accounts.csv:2: column 4"), "{e}");
}

#[test]
fn eight_octets_load_and_keep_the_password() {
    let p = load_accounts("a_qc,a,ad,12345678\nb_cs,b,care,x\n").unwrap();
    assert_eq!(&*p.account("a_qc").unwrap().password, "12345678");
    assert_eq!(&*p.account("b_cs").unwrap().password, "x");
}

#[test]
fn the_example_policies_accounts_can_bind() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for dir in ["examples/policy", "testdata/base/basic"] {
        let p = chanrac_policy::load(&root.join(dir)).unwrap();
        assert!(p.accounts().count() > 0, "{dir}");
        for (id, a) in p.accounts() {
            assert!(
                !a.password.is_empty() && a.password.len() <= MAX_PASSWORD_LEN,
                "{dir}: {id}"
            );
        }
    }
}

#[test]
fn an_account_may_have_its_own_smsc_login() {
    let text = "account,advertiser,class,password,upstream_system_id,upstream_password\n\
                a_qc,a,ad,pw1,smsc_a,up1\nb_cs,b,care,pw2,,\n";
    let p = load_files(Path::new("pol"), &[("accounts.csv", text.as_bytes())]).unwrap();
    assert_eq!(
        p.account("a_qc").unwrap().upstream,
        Some(("smsc_a".into(), "up1".into()))
    );
    assert_eq!(p.account("b_cs").unwrap().upstream, None);
    // Without the columns: none.
    let p = load_accounts("a_qc,a,ad,pw1\n").unwrap();
    assert_eq!(p.account("a_qc").unwrap().upstream, None);
    // A password without a system_id, or one SMPP cannot carry: refused.
    for (row, col) in [
        ("a_qc,a,ad,pw1,,up1\n", "column 5 (upstream_system_id)"),
        (
            "a_qc,a,ad,pw1,s,123456789\n",
            "column 6 (upstream_password)",
        ),
        ("a_qc,a,ad,pw1,a_sixteen_chars_,x\n", "column 5"),
    ] {
        let text = format!(
            "account,advertiser,class,password,upstream_system_id,upstream_password\n{row}"
        );
        let e = load_files(Path::new("pol"), &[("accounts.csv", text.as_bytes())]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadInput);
        assert!(e.to_string().contains(col), "{e}");
        assert!(!e.to_string().contains("123456789"), "{e}");
    }
}

#[test]
fn an_account_may_size_its_pool_of_smsc_sessions() {
    // The column alone, without a login of the account's own.
    let text = "account,advertiser,class,password,upstream_sessions\n\
                a_qc,a,ad,pw1,4\nb_cs,b,care,pw2,\n";
    let p = load_files(Path::new("pol"), &[("accounts.csv", text.as_bytes())]).unwrap();
    let sessions = |id: &str| p.account(id).unwrap().upstream_sessions.map(|n| n.get());
    assert_eq!(sessions("a_qc"), Some(4));
    assert_eq!(sessions("b_cs"), None, "empty: the adapter's default");
    // It survives a snapshot.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("accounts.csv"), text).unwrap();
    let mut bytes = Vec::new();
    chanrac_policy::snapshot::write(dir.path(), &mut bytes).unwrap();
    let back = chanrac_policy::snapshot::load_bytes(Path::new("p.snap"), &bytes).unwrap();
    assert_eq!(
        back.account("a_qc")
            .unwrap()
            .upstream_sessions
            .map(|n| n.get()),
        Some(4)
    );
    assert_eq!(back.account("b_cs").unwrap().upstream_sessions, None);
    // Zero, too many, or not a number: refused at its line and column.
    for bad in ["0", "65", "two", "-1", "1.5"] {
        let text =
            format!("account,advertiser,class,password,upstream_sessions\na_qc,a,ad,pw1,{bad}\n");
        let e = load_files(Path::new("pol"), &[("accounts.csv", text.as_bytes())]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadInput);
        let msg = e.to_string();
        assert!(
            msg.starts_with("pol/accounts.csv:2: column 5 (upstream_sessions): upstream_sessions"),
            "{msg}"
        );
        assert!(msg.contains("from 1 to 64"), "{msg}");
    }
}
