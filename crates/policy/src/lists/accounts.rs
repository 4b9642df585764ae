//! `accounts.csv`, the SMPP accounts: system_id, advertiser, class, bind
//! password, the account's own upstream SMSC login and how many sessions
//! to the SMSC it keeps. Snapshot section `accounts`.

use std::collections::HashSet;
use std::io;

use std::num::NonZeroU16;

use chanrac::policy::{Account, AccountClass, Policy, PolicyBuilder, MAX_UPSTREAM_SESSIONS};

use super::enums::{column, names, tag, Variants};
use super::{Csv, Records};
use crate::error::LoadError;
use crate::snapshot::codec::{records, Enc, Reader};
use crate::snapshot::{Section, SnapshotError};
use crate::table::Table;
use crate::MAX_PASSWORD_LEN;

pub(crate) const CSV: Csv = Csv {
    file: "accounts.csv",
    required: &["account", "advertiser", "class", "password"],
    optional: &[
        "upstream_system_id",
        "upstream_password",
        "upstream_sessions",
    ],
    read,
};

/// `class`: names and snapshot tags.
const CLASS: Variants<AccountClass, 2> = [(AccountClass::Ad, "ad"), (AccountClass::Care, "care")];

fn read(t: &mut Table<&[u8]>, b: &mut PolicyBuilder) -> Result<(), LoadError> {
    let mut seen = HashSet::new();
    while t.next_row()? {
        let account = t.required(0)?.trim();
        let advertiser = t.required(1)?.trim();
        let class = column(t, 2, "class", &names(&CLASS), AccountClass::parse)?;
        let password = t.required(3)?;
        check_password(password).map_err(|m| t.error(3, m))?;
        if !seen.insert(account.to_string()) {
            return Err(t.error(0, format!("account `{account}` appears more than once")));
        }
        let upstream = upstream_login(t.get(4), t.get(5)).map_err(|(i, m)| t.error(i, m))?;
        let upstream_sessions = sessions(t.get(6).trim()).map_err(|m| t.error(6, m))?;
        b.account(
            account,
            Account {
                advertiser: advertiser.into(),
                class,
                password: password.into(),
                upstream,
                upstream_sessions,
            },
        );
    }
    Ok(())
}

/// Checks an account's bind password against SMPP 3.4's limit. The message
/// does not repeat the password.
fn check_password(password: &str) -> Result<(), String> {
    if password.len() > MAX_PASSWORD_LEN {
        return Err(format!(
            "password is {} bytes long: SMPP 3.4 allows at most {MAX_PASSWORD_LEN}",
            password.len()
        ));
    }
    Ok(())
}

/// `upstream_sessions`: empty is the adapter's default, else a whole number
/// from 1 to [`MAX_UPSTREAM_SESSIONS`].
fn sessions(v: &str) -> Result<Option<NonZeroU16>, String> {
    if v.is_empty() {
        return Ok(None);
    }
    match v.parse::<u32>().ok().and_then(session_count) {
        Some(n) => Ok(Some(n)),
        None => Err(format!(
            "upstream_sessions `{v}`: a whole number from 1 to {MAX_UPSTREAM_SESSIONS}, or empty for the adapter's default"
        )),
    }
}

/// `n` as a session count, when it is one: 1 to [`MAX_UPSTREAM_SESSIONS`].
fn session_count(n: u32) -> Option<NonZeroU16> {
    u16::try_from(n)
        .ok()
        .and_then(NonZeroU16::new)
        .filter(|n| n.get() <= MAX_UPSTREAM_SESSIONS)
}

/// An SMSC `system_id` and password.
type Login = (Box<str>, Box<str>);

/// An account's own SMSC credentials (`upstream_system_id`,
/// `upstream_password`): both empty is none; a system_id of 1 to 15
/// characters and a password of at most 8 (SMPP 3.4), else the column at
/// fault and why.
fn upstream_login(system_id: &str, password: &str) -> Result<Option<Login>, (usize, String)> {
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

pub(crate) const RECORDS: Records = Records {
    section: Section::Accounts,
    encode,
    decode,
};

/// The smallest record: five empty strings, the class and the session
/// count.
const MIN_RECORD: usize = 25;

fn encode(p: &Policy) -> io::Result<Vec<u8>> {
    let mut accounts = Vec::new();
    for (id, a) in p.accounts() {
        let mut e = Enc::default();
        e.str(id)?;
        e.str(&a.advertiser)?;
        e.u8(tag(&CLASS, a.class)?);
        e.str(&a.password)?;
        let (up_id, up_pw) = a.upstream.clone().unwrap_or_default();
        e.str(&up_id)?;
        e.str(&up_pw)?;
        // 0: the adapter's default (version 6 on).
        e.u32(u32::from(a.upstream_sessions.map_or(0, NonZeroU16::get)));
        accounts.push(e);
    }
    records(accounts, false)
}

fn decode(mut r: Reader<'_>, b: &mut PolicyBuilder) -> Result<(), SnapshotError> {
    let mut ids = HashSet::new();
    for _ in 0..r.count(MIN_RECORD)? {
        let id = r.str()?;
        let advertiser = r.str()?;
        let class = r.tag(&CLASS, "account class")?;
        let password = r.str()?;
        check_password(password).map_err(|m| r.error(format!("account `{id}`: {m}")))?;
        let (up_id, up_pw) = (r.str()?, r.str()?);
        let upstream = upstream_login(up_id, up_pw)
            .map_err(|(_, m)| r.error(format!("account `{id}`: {m}")))?;
        // 0: the adapter's default.
        let n = r.u32()?;
        let upstream_sessions = match (n, session_count(n)) {
            (0, _) => None,
            (_, Some(n)) => Some(n),
            (_, None) => {
                return Err(r.error(format!(
                    "account `{id}`: {n} upstream sessions, over {MAX_UPSTREAM_SESSIONS}"
                )))
            }
        };
        if !ids.insert(id) {
            return Err(r.error(format!("account `{id}` appears twice")));
        }
        b.account(
            id,
            Account {
                advertiser: advertiser.into(),
                class,
                password: password.into(),
                upstream,
                upstream_sessions,
            },
        );
    }
    r.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_name_parses_to_its_variant() {
        for (c, name) in CLASS {
            assert_eq!(AccountClass::parse(name), Some(c));
        }
    }
}
