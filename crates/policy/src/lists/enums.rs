//! Enumerated values: the names a policy file writes, the one error for a
//! name that is none of them, and the one-byte tags a snapshot stores.

use std::fmt::Debug;
use std::io;

use crate::error::LoadError;
use crate::table::Table;

/// An enumerated column's variants, each with the name a policy file writes
/// for it. A variant's position is its tag in a snapshot, so the tags are
/// written once, here, for both directions.
pub(crate) type Variants<T, const N: usize> = [(T, &'static str); N];

/// The error for a value that is none of `expected`: "unknown `what`
/// `value`: expected a, b or c".
pub(crate) fn unknown(what: &str, value: &str, expected: &[&str]) -> String {
    let list = match expected.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    };
    format!("unknown {what} `{value}`: expected {list}")
}

/// The names of `variants`, in tag order.
pub(crate) fn names<T, const N: usize>(variants: &Variants<T, N>) -> [&'static str; N] {
    variants.each_ref().map(|(_, name)| *name)
}

/// Required column `i` read by `parse`, or the [`unknown`] error naming
/// `what` and the `expected` names.
pub(crate) fn column<T, R: std::io::Read>(
    t: &Table<R>,
    i: usize,
    what: &str,
    expected: &[&str],
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, LoadError> {
    parse(t.required(i)?).ok_or_else(|| t.error(i, unknown(what, t.get(i).trim(), expected)))
}

/// The snapshot tag of `value`: its position in `variants`.
pub(crate) fn tag<T: PartialEq + Debug>(variants: &[(T, &str)], value: T) -> io::Result<u8> {
    variants
        .iter()
        .position(|(v, _)| *v == value)
        .and_then(|i| u8::try_from(i).ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{value:?} has no snapshot tag"),
            )
        })
}

/// The variant tagged `t` in a snapshot.
pub(crate) fn from_tag<T: Copy>(variants: &[(T, &str)], t: u8) -> Option<T> {
    variants.get(usize::from(t)).map(|(v, _)| *v)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn unknown_lists_the_names() {
        assert_eq!(
            unknown("kind", "x", &["a", "b", "c"]),
            "unknown kind `x`: expected a, b or c"
        );
        assert_eq!(
            unknown("class", "x", &["ad", "care"]),
            "unknown class `x`: expected ad or care"
        );
        assert_eq!(unknown("k", "x", &["a"]), "unknown k `x`: expected a");
    }

    #[test]
    fn tags_are_positions() {
        let v: Variants<char, 3> = [('a', "a"), ('b', "b"), ('c', "c")];
        for (i, (c, _)) in v.iter().enumerate() {
            let t = tag(&v, *c).unwrap();
            assert_eq!(usize::from(t), i);
            assert_eq!(from_tag(&v, t), Some(*c));
        }
        assert_eq!(from_tag(&v, 3), None);
        assert!(tag(&v[..2], 'c').is_err());
        assert_eq!(names(&v), ["a", "b", "c"]);
    }
}
