//! Column readers shared by the lists: numbers, dates, times and
//! space-separated domain lists, with errors naming the cell.

use std::io::Read;

use chanrac::content::links::{DomainAction, DomainList};
use chanrac::number::Number;

use crate::error::LoadError;
use crate::table::Table;

/// Required column `i` as a phone number.
pub(crate) fn number<R: Read>(t: &Table<R>, i: usize) -> Result<Number, LoadError> {
    let v = t.required(i)?;
    Number::parse(v).map_err(|e| t.error(i, format!("bad number `{}`: {e}", v.trim())))
}

/// Column `i` as a `YYYY-MM-DD` day number (empty: none).
pub(crate) fn date<R: Read>(t: &Table<R>, i: usize) -> Result<Option<i32>, LoadError> {
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

/// Required column `i` as a time, as events write it.
pub(crate) fn timestamp<R: Read>(t: &Table<R>, i: usize) -> Result<jiff::Timestamp, LoadError> {
    let v = t.required(i)?.trim();
    crate::events::parse_time(v).map_err(|m| t.error(i, m))
}

/// Column `i` as a space-separated list of domains (empty: no list).
pub(crate) fn domain_list<R: Read>(t: &Table<R>, i: usize) -> Result<DomainList, LoadError> {
    allowed_domains(t.get(i)).map_err(|m| t.error(i, m))
}

/// A space-separated domain list as written in `advertisers.csv` and
/// `protected.csv` (and stored so in a snapshot).
pub(crate) fn allowed_domains(s: &str) -> Result<DomainList, String> {
    let mut list = DomainList::default();
    for d in s.split_whitespace() {
        list.insert(d, DomainAction::Allow)?;
    }
    Ok(list)
}

/// The entries of a domain list, space-separated, as written.
pub(crate) fn joined(list: &DomainList) -> String {
    let v: Vec<&str> = list.entries().iter().map(|(d, _)| d.as_str()).collect();
    v.join(" ")
}
