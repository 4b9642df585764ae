//! The snapshot's primitives: [`Enc`] writes a section's fields, [`Reader`]
//! reads them back bounds-checked, trusting no length or count.

use std::io;

use chanrac::number::Number;

use super::{corrupt, Section, SnapshotError};

/// Reads one section, bounds-checking everything.
pub(crate) struct Reader<'a> {
    section: Section,
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(section: Section, buf: &'a [u8]) -> Reader<'a> {
        Reader {
            section,
            buf,
            pos: 0,
        }
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> SnapshotError {
        corrupt(Some(self.section), message)
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let start = self.pos;
        match start
            .checked_add(n)
            .and_then(|end| Some((end, self.buf.get(start..end)?)))
        {
            Some((end, s)) => {
                self.pos = end;
                Ok(s)
            }
            None => Err(self.error(format!(
                "ends early: {n} bytes needed at byte {start} of {}",
                self.buf.len()
            ))),
        }
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        let s = self.take(N)?;
        s.try_into().map_err(|_| self.error("short read"))
    }

    pub(crate) fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, SnapshotError> {
        self.array().map(u32::from_le_bytes)
    }

    pub(crate) fn u64(&mut self) -> Result<u64, SnapshotError> {
        self.array().map(u64::from_le_bytes)
    }

    pub(crate) fn i32(&mut self) -> Result<i32, SnapshotError> {
        self.array().map(i32::from_le_bytes)
    }

    pub(crate) fn i128(&mut self) -> Result<i128, SnapshotError> {
        self.array().map(i128::from_le_bytes)
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, SnapshotError> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        std::str::from_utf8(b).map_err(|_| self.error("a string is not valid UTF-8"))
    }

    pub(crate) fn number(&mut self) -> Result<Number, SnapshotError> {
        let bits = self.u64()?;
        Number::from_bits(bits).ok_or_else(|| self.error(format!("bad number bits {bits:#x}")))
    }

    pub(crate) fn opt_i32(&mut self) -> Result<Option<i32>, SnapshotError> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.i32().map(Some),
            t => Err(self.error(format!("bad option tag {t}"))),
        }
    }

    /// A one-byte tag naming one of `variants` (its position), or an
    /// "unknown `what` N" error.
    pub(crate) fn tag<T: Copy>(
        &mut self,
        variants: &[(T, &str)],
        what: &str,
    ) -> Result<T, SnapshotError> {
        let t = self.u8()?;
        crate::lists::enums::from_tag(variants, t)
            .ok_or_else(|| self.error(format!("unknown {what} {t}")))
    }

    /// A record count, checked against the bytes left (each record takes
    /// at least `min_record` bytes) so no count is trusted.
    pub(crate) fn count(&mut self, min_record: usize) -> Result<usize, SnapshotError> {
        let n = self.u32()? as usize;
        let left = self.buf.len().saturating_sub(self.pos);
        if n.saturating_mul(min_record) > left {
            return Err(self.error(format!("{n} records cannot fit in the {left} bytes left")));
        }
        Ok(n)
    }

    pub(crate) fn finish(self) -> Result<(), SnapshotError> {
        let left = self.buf.len().saturating_sub(self.pos);
        if left == 0 {
            Ok(())
        } else {
            Err(self.error(format!("{left} bytes left over")))
        }
    }
}

/// A section being encoded.
#[derive(Default)]
pub(crate) struct Enc(pub(crate) Vec<u8>);

pub(crate) fn too_large(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{what} too large for the snapshot format"),
    )
}

impl Enc {
    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn i128(&mut self, v: i128) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn opt_i32(&mut self, v: Option<i32>) {
        match v {
            None => self.u8(0),
            Some(d) => {
                self.u8(1);
                self.0.extend_from_slice(&d.to_le_bytes());
            }
        }
    }

    pub(crate) fn str(&mut self, s: &str) -> io::Result<()> {
        self.u32(u32::try_from(s.len()).map_err(|_| too_large("a string"))?);
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }

    pub(crate) fn number(&mut self, n: Number) {
        self.u64(n.to_bits());
    }
}

/// A record section: the count, then the records; sorted unless `keep_order`.
pub(crate) fn records(mut recs: Vec<Enc>, keep_order: bool) -> io::Result<Vec<u8>> {
    if !keep_order {
        recs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    }
    let mut out = Enc::default();
    out.u32(u32::try_from(recs.len()).map_err(|_| too_large("a list"))?);
    for r in recs {
        out.0.extend_from_slice(&r.0);
    }
    Ok(out.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_never_trusts_lengths() {
        let mut r = Reader::new(Section::Registry, &[0xff, 0xff, 0xff, 0xff, 1]);
        assert!(r.count(1).is_err());
        let mut r = Reader::new(Section::Registry, &[0xff, 0xff, 0xff, 0xff, 1]);
        assert!(r.str().is_err());
        let mut r = Reader::new(Section::Registry, &[]);
        assert!(r.u8().is_err());
    }
}
