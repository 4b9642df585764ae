//! Loads chanrac policies and event files, with errors that name the file,
//! line and column.
//!
//! A policy is a directory of plain files (docs/formats.md); every file is
//! optional, a missing file is an empty list. [`load`] reads them all and
//! returns a compiled [`chanrac::Policy`], or the first bad row: nothing is
//! half-loaded. A policy can also be compiled into one [`snapshot`] file
//! (`chanrac build`), which [`load`] maps and verifies when given a file
//! rather than a directory. [`events::EventReader`] streams CSV or JSON
//! Lines events (the event format, docs/formats.md).
//!
//! ```no_run
//! let policy = chanrac_policy::load("examples/policy".as_ref())?;
//! let engine = chanrac::Engine::new(policy);
//! # Ok::<(), chanrac_policy::LoadError>(())
//! ```
#![deny(missing_docs)]

mod error;
pub mod events;
pub mod fuzz;
pub mod messages;
pub mod snapshot;
mod table;
mod toml_config;

use std::fs;
use std::path::Path;

use chanrac::content::links::{DomainAction, DomainList};
use chanrac::content::lookalike::Brand;
use chanrac::content::{SignatureKind, SignatureSetBuilder};
use chanrac::dnc::{DncBuilder, Scopes};
use chanrac::ident::Identifier;
use chanrac::number::Number;
use chanrac::policy::{
    Account, AccountClass, Advertiser, AdvertiserKind, ConsentState, Lifts, Policy, PolicyBuilder,
};
use chanrac::registry::{Registration, RegistryBuilder, Status};

pub use error::{ErrorKind, LoadError, Location};
use table::Table;

/// The longest bind password SMPP 3.4 carries, in octets (`password` is a
/// C-Octet String of at most 9 octets with its terminating NUL): an
/// `accounts.csv` password longer than this could never bind.
pub const MAX_PASSWORD_LEN: usize = 8;

/// Checks an account's bind password against SMPP 3.4's limit. The message
/// does not repeat the password.
pub(crate) fn check_password(password: &str) -> Result<(), String> {
    if password.len() > MAX_PASSWORD_LEN {
        return Err(format!(
            "password is {} bytes long: SMPP 3.4 allows at most {MAX_PASSWORD_LEN}",
            password.len()
        ));
    }
    Ok(())
}

/// The files of a policy directory, in the order they are read.
pub const FILES: [&str; 11] = [
    "policy.toml",
    "dnc.csv",
    "brandnames.csv",
    "accounts.csv",
    "advertisers.csv",
    "consents.csv",
    "signatures.csv",
    "suspended.csv",
    "agreements.csv",
    "domains.csv",
    "protected.csv",
];

/// Loads a policy: a policy directory, or a snapshot file written by
/// [`snapshot::write`] (`chanrac build`), which is mapped and verified.
pub fn load(path: &Path) -> Result<Policy, LoadError> {
    let meta = fs::metadata(path).map_err(|e| LoadError::io(path, e))?;
    if meta.is_file() {
        return snapshot::load(path);
    }
    if !meta.is_dir() {
        return Err(LoadError::new(
            path,
            Location::default(),
            "not a policy directory nor a snapshot file",
        ));
    }
    load_with(path, &|name| {
        let p = path.join(name);
        match fs::read(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(LoadError::io(&p, e)),
        }
    })
}

/// Loads a policy from files held in memory, as (name, contents) pairs with
/// the names of [`FILES`]; errors name `dir/name`. Used by the fuzz targets
/// and by hosts that keep their lists elsewhere.
pub fn load_files(dir: &Path, files: &[(&str, &[u8])]) -> Result<Policy, LoadError> {
    load_with(dir, &|name| {
        Ok(files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.to_vec()))
    })
}

type ReadFile<'a> = &'a dyn Fn(&str) -> Result<Option<Vec<u8>>, LoadError>;

fn load_with(dir: &Path, read: ReadFile<'_>) -> Result<Policy, LoadError> {
    let mut b = PolicyBuilder::new();
    let toml_path = dir.join("policy.toml");
    let config = match read("policy.toml")? {
        Some(bytes) => {
            let text = String::from_utf8(bytes).map_err(|e| {
                LoadError::new(
                    &toml_path,
                    Location::default(),
                    format!("not valid UTF-8 ({e})"),
                )
            })?;
            toml_config::parse(&toml_path, &text)?
        }
        None => Default::default(),
    };
    b.config(config);
    with_table(read, dir, "dnc.csv", &["number", "scope"], &[], |t| {
        let mut d = DncBuilder::new();
        while t.next_row()? {
            let n = number(t, 0)?;
            let s = Scopes::parse(t.required(1)?).ok_or_else(|| {
                t.error(
                    1,
                    format!(
                        "unknown scope `{}`: expected sms, call or all",
                        t.get(1).trim()
                    ),
                )
            })?;
            d.insert(n, s);
        }
        b.dnc(d.build());
        Ok(())
    })?;
    with_table(
        read,
        dir,
        "brandnames.csv",
        &["identifier", "advertiser", "status"],
        &["valid_from", "valid_until"],
        |t| {
            let mut r = RegistryBuilder::new();
            while t.next_row()? {
                let id = Identifier::parse(t.required(0)?).map_err(|e| {
                    t.error(0, format!("bad identifier `{}`: {e}", t.get(0).trim()))
                })?;
                let owner = t.required(1)?.trim();
                let status = Status::parse(t.required(2)?).ok_or_else(|| {
                    t.error(
                        2,
                        format!(
                            "unknown status `{}`: expected active, revoked or suspended",
                            t.get(2).trim()
                        ),
                    )
                })?;
                let valid_from = date(t, 3)?;
                let valid_until = date(t, 4)?;
                if let (Some(f), Some(u)) = (valid_from, valid_until) {
                    if f > u {
                        return Err(t.error(4, "valid_until is before valid_from"));
                    }
                }
                r.insert(
                    id,
                    Registration {
                        owner: owner.into(),
                        status,
                        valid_from,
                        valid_until,
                    },
                )
                .map_err(|e| t.error(0, e.to_string()))?;
            }
            b.registry(r.build());
            Ok(())
        },
    )?;
    with_table(
        read,
        dir,
        "accounts.csv",
        &["account", "advertiser", "class", "password"],
        &["upstream_system_id", "upstream_password"],
        |t| {
            let mut seen = std::collections::HashSet::new();
            while t.next_row()? {
                let account = t.required(0)?.trim();
                let advertiser = t.required(1)?.trim();
                let class = AccountClass::parse(t.required(2)?).ok_or_else(|| {
                    t.error(
                        2,
                        format!("unknown class `{}`: expected ad or care", t.get(2).trim()),
                    )
                })?;
                let password = t.required(3)?;
                check_password(password).map_err(|m| t.error(3, m))?;
                if !seen.insert(account.to_string()) {
                    return Err(t.error(0, format!("account `{account}` appears more than once")));
                }
                let upstream =
                    upstream_login(t.get(4), t.get(5)).map_err(|(i, m)| t.error(i, m))?;
                b.account(
                    account,
                    Account {
                        advertiser: advertiser.into(),
                        class,
                        password: password.into(),
                        upstream,
                    },
                );
            }
            Ok(())
        },
    )?;
    with_table(
        read,
        dir,
        "advertisers.csv",
        &["advertiser"],
        &["name", "kind", "domains"],
        |t| {
            while t.next_row()? {
                let id = t.required(0)?.trim();
                let kind = match t.get(2).trim() {
                    "" => AdvertiserKind::Organisation,
                    k => AdvertiserKind::parse(k).ok_or_else(|| {
                        t.error(
                            2,
                            format!("unknown kind `{k}`: expected organisation or individual"),
                        )
                    })?,
                };
                let name = match t.get(1).trim() {
                    "" => id,
                    n => n,
                };
                let domains = domain_list(t, 3)?;
                b.advertiser(
                    id,
                    Advertiser {
                        name: name.into(),
                        kind,
                        domains,
                    },
                );
            }
            Ok(())
        },
    )?;
    with_table(
        read,
        dir,
        "consents.csv",
        &["advertiser", "recipient", "state", "time"],
        &[],
        |t| {
            while t.next_row()? {
                let adv = t.required(0)?.trim();
                let rcpt = number(t, 1)?;
                let state = ConsentState::parse(t.required(2)?).ok_or_else(|| {
                    t.error(
                        2,
                        format!(
                            "unknown state `{}`: expected optin or optout",
                            t.get(2).trim()
                        ),
                    )
                })?;
                let time = timestamp(t, 3)?;
                b.consent(adv, rcpt, state, time);
            }
            Ok(())
        },
    )?;
    with_table(
        read,
        dir,
        "signatures.csv",
        &["id", "kind", "pattern"],
        &[],
        |t| {
            let mut s = SignatureSetBuilder::new();
            let mut lines = Vec::new();
            let mut ids = std::collections::HashSet::new();
            while t.next_row()? {
                let id = t.required(0)?.trim();
                let k = t.required(1)?.trim();
                let Some(kind) = SignatureKind::from_name(k) else {
                    return Err(t.error(
                        1,
                        format!(
                            "unknown kind `{}`: expected literal, regex, word, diacritic or fuzzy",
                            k.to_ascii_lowercase()
                        ),
                    ));
                };
                let pattern = t.required(2)?;
                if !ids.insert(id.to_string()) {
                    return Err(t.error(0, format!("signature id `{id}` appears more than once")));
                }
                s.add(id, kind, pattern);
                lines.push(t.line());
            }
            let set = s.build().map_err(|e| {
                let line = lines.get(e.index()).copied().unwrap_or(0);
                LoadError::at(
                    t.path(),
                    line,
                    3,
                    "pattern",
                    format!("signature `{}`: {}", e.id(), e.message()),
                )
            })?;
            b.signatures(set);
            Ok(())
        },
    )?;
    with_table(read, dir, "suspended.csv", &["number"], &["reason"], |t| {
        while t.next_row()? {
            b.suspend(number(t, 0)?);
        }
        Ok(())
    })?;
    with_table(
        read,
        dir,
        "agreements.csv",
        &["advertiser", "recipient", "rule"],
        &[],
        |t| {
            while t.next_row()? {
                let adv = t.required(0)?.trim();
                let rcpt = number(t, 1)?;
                let lifts = Lifts::parse(t.required(2)?).ok_or_else(|| {
                    t.error(
                        2,
                        format!(
                            "unknown rule `{}`: expected window or frequency",
                            t.get(2).trim()
                        ),
                    )
                })?;
                b.agreement(adv, rcpt, lifts);
            }
            Ok(())
        },
    )?;
    with_table(
        read,
        dir,
        "domains.csv",
        &["domain"],
        &["action", "note"],
        |t| {
            let mut list = DomainList::default();
            while t.next_row()? {
                let a = t.get(1);
                let action = DomainAction::from_name(a).ok_or_else(|| {
                    t.error(
                        1,
                        format!("unknown action `{}`: expected block or allow", a.trim()),
                    )
                })?;
                list.insert(t.required(0)?, action)
                    .map_err(|m| t.error(0, m))?;
            }
            b.domains(list);
            Ok(())
        },
    )?;
    with_table(
        read,
        dir,
        "protected.csv",
        &["name"],
        &["owner", "domains"],
        |t| {
            while t.next_row()? {
                let name = t.required(0)?.trim();
                let owner = t.get(1).trim();
                let domains = domain_list(t, 2)?;
                b.protect(Brand {
                    name: name.into(),
                    owner: owner.into(),
                    domains,
                });
            }
            Ok(())
        },
    )?;
    Ok(b.build())
}

/// Opens `dir/name` as a table and runs `f` over it; a missing file is skipped.
fn with_table(
    read: ReadFile<'_>,
    dir: &Path,
    name: &str,
    required: &[&'static str],
    optional: &[&'static str],
    f: impl FnOnce(&mut Table<&[u8]>) -> Result<(), LoadError>,
) -> Result<(), LoadError> {
    let path = dir.join(name);
    let Some(bytes) = read(name)? else {
        return Ok(());
    };
    let mut t = Table::new(&path, &bytes[..], required, optional)?;
    f(&mut t)
}

/// Column `i` as a space-separated list of domains (empty: no list).
fn domain_list<R: std::io::Read>(t: &Table<R>, i: usize) -> Result<DomainList, LoadError> {
    let mut list = DomainList::default();
    for d in t.get(i).split_whitespace() {
        list.insert(d, DomainAction::Allow)
            .map_err(|m| t.error(i, m))?;
    }
    Ok(list)
}

/// An SMSC `system_id` and password.
type Login = (Box<str>, Box<str>);

/// An account's own SMSC credentials (`upstream_system_id`,
/// `upstream_password`): both empty is none; a system_id of 1 to 15
/// characters and a password of at most 8 (SMPP 3.4), else the column at
/// fault and why.
pub(crate) fn upstream_login(
    system_id: &str,
    password: &str,
) -> Result<Option<Login>, (usize, String)> {
    let id = system_id.trim();
    if id.is_empty() {
        if !password.is_empty() {
            return Err((4, "upstream_password without an upstream_system_id".into()));
        }
        return Ok(None);
    }
    if id.chars().count() > 15 || !id.is_ascii() {
        return Err((
            4,
            format!("upstream_system_id `{id}`: 1 to 15 ASCII characters (SMPP 3.4)"),
        ));
    }
    if password.chars().count() > MAX_PASSWORD_LEN || !password.is_ascii() {
        return Err((
            5,
            format!("upstream_password: at most {MAX_PASSWORD_LEN} ASCII characters (SMPP 3.4)"),
        ));
    }
    Ok(Some((id.into(), password.into())))
}

fn number<R: std::io::Read>(t: &Table<R>, i: usize) -> Result<Number, LoadError> {
    let v = t.required(i)?;
    Number::parse(v).map_err(|e| t.error(i, format!("bad number `{}`: {e}", v.trim())))
}

fn date<R: std::io::Read>(t: &Table<R>, i: usize) -> Result<Option<i32>, LoadError> {
    let v = t.get(i).trim();
    if v.is_empty() {
        return Ok(None);
    }
    let ok = v.len() == 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-';
    let d: Option<jiff::civil::Date> = if ok { v.parse().ok() } else { None };
    match d {
        Some(d) => Ok(Some(chanrac::window::day_number(d))),
        None => Err(t.error(i, format!("bad date `{v}`: expected YYYY-MM-DD"))),
    }
}

fn timestamp<R: std::io::Read>(t: &Table<R>, i: usize) -> Result<jiff::Timestamp, LoadError> {
    let v = t.required(i)?.trim();
    events::parse_time(v).map_err(|m| t.error(i, m))
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<LoadError>();
}
