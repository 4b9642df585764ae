//! Every list's enumerated column refuses a value it does not know with the
//! same error: the file, line and column, then "unknown X `v`: expected a,
//! b or c", naming every value it accepts.
#![allow(clippy::unwrap_used)]

use std::path::Path;

fn error(file: &str, csv: &str) -> String {
    chanrac_policy::load_files(Path::new("p"), &[(file, csv.as_bytes())])
        .unwrap_err()
        .to_string()
}

#[test]
fn every_enumerated_column_names_what_it_expects() {
    let cases = [
        (
            "dnc.csv",
            "number,scope\n0912345678,email\n",
            "p/dnc.csv:2: column 2 (scope): unknown scope `email`: expected sms, call or all",
        ),
        (
            "brandnames.csv",
            "identifier,advertiser,status\nSHOPVN,a, gone \n",
            "p/brandnames.csv:2: column 3 (status): unknown status `gone`: \
             expected active, revoked or suspended",
        ),
        (
            "accounts.csv",
            "account,advertiser,class,password\na_qc,a,otp,pw\n",
            "p/accounts.csv:2: column 3 (class): unknown class `otp`: expected ad or care",
        ),
        (
            "advertisers.csv",
            "advertiser,name,kind\na,A, robot \n",
            "p/advertisers.csv:2: column 3 (kind): unknown kind `robot`: \
             expected organisation or individual",
        ),
        (
            "consents.csv",
            "advertiser,recipient,state,time\na,0912345678,maybe,2024-01-01T00:00:00Z\n",
            "p/consents.csv:2: column 3 (state): unknown state `maybe`: expected optin or optout",
        ),
        (
            "signatures.csv",
            "id,kind,pattern\ns1,GLOB,x\n",
            "p/signatures.csv:2: column 2 (kind): unknown kind `glob`: \
             expected literal, regex, word, diacritic or fuzzy",
        ),
        (
            "agreements.csv",
            "advertiser,recipient,rule\na,0912345678,content\n",
            "p/agreements.csv:2: column 3 (rule): unknown rule `content`: \
             expected window or frequency",
        ),
        (
            "domains.csv",
            "domain,action\nexample.vn, warn \n",
            "p/domains.csv:2: column 2 (action): unknown action `warn`: expected block or allow",
        ),
    ];
    for (file, csv, expected) in cases {
        assert_eq!(error(file, csv), expected, "{file}");
    }
}
