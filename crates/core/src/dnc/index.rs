//! The DNC list's bytes: a blocked sorted array, read in place. The
//! format is documented in the parent module.

use xxhash_rust::xxh3::Xxh3;

use super::DncError;
use crate::number::Number;

/// The first eight bytes of a DNC list.
pub(super) const MAGIC: [u8; 8] = *b"CHRCDNC\0";
/// The format version this build writes and reads.
pub(super) const VERSION: u32 = 1;
/// Bucket bits used unless a builder asks otherwise.
pub(super) const DEFAULT_BUCKET_BITS: u32 = 12;
/// The most bucket bits: a low part and two scope bits fill a `u16`.
pub(super) const MAX_BUCKET_BITS: u32 = 14;
/// The most empty buckets a run bridges (each costs 4 bytes of directory;
/// a new segment costs 16 bytes and a deeper segment search).
pub(super) const MAX_GAP: u64 = 3;

const HEADER_LEN: usize = 56;
const SEGMENT_LEN: usize = 16;
const CHECKSUM_AT: usize = 48;

/// A segment as the lookup uses it.
#[derive(Clone, Copy, Debug)]
struct Segment {
    /// One past the last bucket.
    end: u64,
    /// The first bucket's index in the directory.
    dir: usize,
}

/// Where things are in checked bytes, and the segment table.
#[derive(Debug)]
pub(super) struct Index {
    bits: u32,
    len: usize,
    /// Each segment's first bucket, for the search.
    firsts: Box<[u64]>,
    segments: Box<[Segment]>,
    exceptions: usize,
    exception_count: usize,
    directory: usize,
    entries: usize,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

fn corrupt(message: impl Into<String>) -> DncError {
    DncError::Corrupt(message.into())
}

fn checksum(b: &[u8]) -> u64 {
    let mut h = Xxh3::new();
    h.update(b.get(..CHECKSUM_AT).unwrap_or(&[]));
    h.update(b.get(HEADER_LEN..).unwrap_or(&[]));
    h.digest()
}

/// Whether every key from `lo` to `hi` is a valid number's (valid keys of
/// one digit count are one interval).
fn all_valid(lo: u64, hi: u64) -> bool {
    lo >> 56 == hi >> 56 && Number::from_bits(lo).is_some() && Number::from_bits(hi).is_some()
}

/// What the header says, checked against the bytes: the counts and where
/// each part starts.
struct Layout {
    bits: u32,
    len: usize,
    segment_count: usize,
    exception_count: usize,
    directory_len: usize,
    entry_count: usize,
    exceptions: usize,
    directory: usize,
    entries: usize,
}

/// The magic, version, bucket bits, counts, total length and checksum.
fn read_header(b: &[u8]) -> Result<Layout, DncError> {
    if b.get(..MAGIC.len()) != Some(&MAGIC[..]) {
        return Err(DncError::NotDnc);
    }
    let field = |at| u64_at(b, at).ok_or_else(|| corrupt("the header is cut short"));
    let version = u32_at(b, 8).ok_or_else(|| corrupt("the header is cut short"))?;
    if version != VERSION {
        return Err(DncError::Version {
            found: version,
            supported: VERSION,
        });
    }
    let bits = u32_at(b, 12).ok_or_else(|| corrupt("the header is cut short"))?;
    if !(1..=MAX_BUCKET_BITS).contains(&bits) {
        return Err(corrupt(format!(
            "{bits} bucket bits where 1 to {MAX_BUCKET_BITS} are allowed"
        )));
    }
    let (len, s, e, r, stored) = (field(16)?, field(24)?, field(32)?, field(40)?, field(48)?);
    let too_big = || corrupt("the counts in the header do not fit in memory");
    let size = |n: u64, each: usize| {
        usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(each))
            .ok_or_else(too_big)
    };
    let entry_count = len
        .checked_sub(e)
        .ok_or_else(|| corrupt(format!("{e} exceptions but {len} numbers")))?;
    let exceptions = HEADER_LEN
        .checked_add(size(s, SEGMENT_LEN)?)
        .ok_or_else(too_big)?;
    let directory = exceptions.checked_add(size(e, 8)?).ok_or_else(too_big)?;
    let entries = directory.checked_add(size(r, 4)?).ok_or_else(too_big)?;
    let end = entries
        .checked_add(size(entry_count, 2)?)
        .ok_or_else(too_big)?;
    if end != b.len() {
        return Err(corrupt(format!(
            "{} bytes where the header says {end}",
            b.len()
        )));
    }
    let computed = checksum(b);
    if stored != computed {
        return Err(DncError::ChecksumMismatch { stored, computed });
    }
    if u32::try_from(entry_count).is_err() {
        return Err(corrupt(format!("{entry_count} entries do not fit in u32")));
    }
    // The lengths fit in `b`, so each count fits in a `usize`.
    Ok(Layout {
        bits,
        len: len as usize,
        segment_count: s as usize,
        exception_count: e as usize,
        directory_len: r as usize,
        entry_count: entry_count as usize,
        exceptions,
        directory,
        entries,
    })
}

/// The segments: ordered, not overlapping, their buckets adding up to the
/// directory. Returns each one's first bucket, and the segments.
fn read_segments(b: &[u8], l: &Layout) -> Result<(Vec<u64>, Vec<Segment>), DncError> {
    let last_bucket = u64::MAX >> l.bits;
    let mut firsts = Vec::with_capacity(l.segment_count);
    let mut segments = Vec::with_capacity(l.segment_count);
    let mut dir = 0usize;
    let mut prev_end = 0u64;
    for i in 0..l.segment_count {
        let at = HEADER_LEN + i * SEGMENT_LEN;
        let bad = |m: String| corrupt(format!("segment {i}: {m}"));
        let (Some(first), Some(count), Some(zero)) =
            (u64_at(b, at), u32_at(b, at + 8), u32_at(b, at + 12))
        else {
            return Err(bad("cut short".into()));
        };
        if count == 0 || zero != 0 {
            return Err(bad(format!("{count} buckets, reserved field {zero}")));
        }
        if first > last_bucket || u64::from(count) - 1 > last_bucket - first {
            return Err(bad(format!(
                "{count} buckets from bucket {first} pass the last bucket"
            )));
        }
        if i > 0 && first < prev_end {
            return Err(bad("out of order or overlapping".into()));
        }
        prev_end = first + u64::from(count);
        firsts.push(first);
        segments.push(Segment { end: prev_end, dir });
        dir += count as usize;
    }
    if dir.checked_add(1) != Some(l.directory_len) {
        return Err(corrupt(format!(
            "a directory of {} where the segments have {dir} buckets",
            l.directory_len
        )));
    }
    Ok((firsts, segments))
}

/// The directory and the entries, bucket by bucket: each bucket's run in
/// order, within the bucket, with a scope, and a valid number's key.
fn check_buckets(
    b: &[u8],
    l: &Layout,
    firsts: &[u64],
    segments: &[Segment],
) -> Result<(), DncError> {
    let per_bucket = 1u32 << l.bits;
    let mut start = u32_at(b, l.directory).unwrap_or(u32::MAX);
    if start != 0 {
        return Err(corrupt("the directory does not start at 0"));
    }
    let mut d = 0usize;
    for (&first, seg) in firsts.iter().zip(segments) {
        for bucket in first..seg.end {
            d += 1;
            let end = u32_at(b, l.directory + 4 * d).unwrap_or(0);
            if end < start || end - start > per_bucket {
                return Err(corrupt(format!("directory entry {d}: {end} after {start}")));
            }
            if end as usize > l.entry_count {
                return Err(corrupt(format!(
                    "directory entry {d}: {end} past the {} entries",
                    l.entry_count
                )));
            }
            let base = bucket << l.bits;
            let checked_keys = all_valid(base, base | u64::from(per_bucket - 1));
            let mut prev: Option<u16> = None;
            for k in start..end {
                let v = u16_at(b, l.entries + 2 * k as usize).unwrap_or(0);
                let low = v >> 2;
                if v & 3 == 0 || u32::from(low) >= per_bucket || prev.is_some_and(|p| p >= low) {
                    return Err(corrupt(format!(
                        "entry {k} ({v:#06x}) in bucket {bucket}: no scope, \
                         too large or out of order"
                    )));
                }
                if !checked_keys && Number::from_bits(base | u64::from(low)).is_none() {
                    return Err(corrupt(format!("entry {k}: not a number's key")));
                }
                prev = Some(low);
            }
            start = end;
        }
    }
    if start as usize != l.entry_count {
        return Err(corrupt(format!(
            "the directory ends at {start}, not at the {} entries",
            l.entry_count
        )));
    }
    Ok(())
}

/// The exceptions: ordered, valid numbers' keys with a scope, outside the
/// segments.
fn check_exceptions(
    b: &[u8],
    l: &Layout,
    firsts: &[u64],
    segments: &[Segment],
) -> Result<(), DncError> {
    let mut seg = 0usize;
    let mut prev: Option<u64> = None;
    for i in 0..l.exception_count {
        let v = u64_at(b, l.exceptions + 8 * i).unwrap_or(0);
        let key = v >> 2;
        if v & 3 == 0 || prev.is_some_and(|p| p >= key) || Number::from_bits(key).is_none() {
            return Err(corrupt(format!(
                "exception {i} ({v:#x}): no scope, out of order or not a number's key"
            )));
        }
        let bucket = key >> l.bits;
        while segments.get(seg).is_some_and(|s| s.end <= bucket) {
            seg += 1;
        }
        if firsts.get(seg).is_some_and(|&f| f <= bucket) {
            return Err(corrupt(format!("exception {i} is inside segment {seg}")));
        }
        prev = Some(key);
    }
    Ok(())
}

impl Index {
    /// Checks `b` (see the module docs) and finds its parts: the header,
    /// the segments, every bucket's entries, the exceptions.
    pub(super) fn open(b: &[u8]) -> Result<Index, DncError> {
        let l = read_header(b)?;
        let (firsts, segments) = read_segments(b, &l)?;
        check_buckets(b, &l, &firsts, &segments)?;
        check_exceptions(b, &l, &firsts, &segments)?;
        Ok(Index {
            bits: l.bits,
            len: l.len,
            firsts: firsts.into(),
            segments: segments.into(),
            exceptions: l.exceptions,
            exception_count: l.exception_count,
            directory: l.directory,
            entries: l.entries,
        })
    }

    /// The index of the bytes of an empty [`Writer`].
    pub(super) fn empty() -> Index {
        Index {
            bits: DEFAULT_BUCKET_BITS,
            len: 0,
            firsts: Box::new([]),
            segments: Box::new([]),
            exceptions: HEADER_LEN,
            exception_count: 0,
            directory: HEADER_LEN,
            entries: HEADER_LEN + 4,
        }
    }

    /// The bucket bits.
    pub(super) fn bucket_bits(&self) -> u32 {
        self.bits
    }

    /// How many numbers.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The scope bits of `key` in `b` (the bytes this index was opened on).
    #[inline]
    pub(super) fn get(&self, b: &[u8], key: u64) -> u8 {
        let bucket = key >> self.bits;
        let i = self.firsts.partition_point(|&f| f <= bucket);
        if let Some(i) = i.checked_sub(1) {
            if let (Some(&first), Some(seg)) = (self.firsts.get(i), self.segments.get(i)) {
                if bucket < seg.end {
                    let d = seg.dir + (bucket - first) as usize;
                    let low = (key & ((1 << self.bits) - 1)) as u16;
                    return self.in_bucket(b, d, low);
                }
            }
        }
        self.exception(b, key)
    }

    /// Searches bucket `d` of the directory for `low`.
    #[inline]
    fn in_bucket(&self, b: &[u8], d: usize, low: u16) -> u8 {
        let at = self.directory + 4 * d;
        let (Some(start), Some(end)) = (u32_at(b, at), u32_at(b, at + 4)) else {
            return 0;
        };
        let from = self.entries + 2 * start as usize;
        let Some(ents) = b.get(from..self.entries + 2 * end as usize) else {
            return 0;
        };
        let n = ents.len() / 2;
        if n == 0 {
            return 0;
        }
        let at = |i: usize| u16_at(ents, 2 * i).unwrap_or(0);
        // Where `low` would be if the bucket's numbers were evenly spread,
        // then a gallop towards it and a binary search.
        let guess = ((usize::from(low) * n) >> self.bits).min(n - 1);
        let v = at(guess);
        let (mut lo, mut hi) = match (v >> 2).cmp(&low) {
            std::cmp::Ordering::Equal => return (v & 3) as u8,
            std::cmp::Ordering::Less => {
                let (mut lo, mut hi, mut step) = (guess + 1, n, 1);
                while guess + step < n {
                    let p = guess + step;
                    if at(p) >> 2 < low {
                        lo = p + 1;
                        step *= 2;
                    } else {
                        hi = p + 1;
                        break;
                    }
                }
                (lo, hi)
            }
            std::cmp::Ordering::Greater => {
                let (mut lo, mut hi, mut step) = (0, guess, 1);
                while let Some(p) = guess.checked_sub(step) {
                    if at(p) >> 2 > low {
                        hi = p;
                        step *= 2;
                    } else {
                        lo = p;
                        break;
                    }
                }
                (lo, hi)
            }
        };
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let v = at(mid);
            match (v >> 2).cmp(&low) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return (v & 3) as u8,
            }
        }
        0
    }

    /// Searches the exceptions for `key`.
    fn exception(&self, b: &[u8], key: u64) -> u8 {
        let (mut lo, mut hi) = (0, self.exception_count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let v = u64_at(b, self.exceptions + 8 * mid).unwrap_or(0);
            match (v >> 2).cmp(&key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return (v & 3) as u8,
            }
        }
        0
    }

    /// Every (key, scope bits) in key order.
    pub(super) fn for_each(&self, b: &[u8], mut f: impl FnMut(u64, u8)) {
        let mut x = 0usize;
        let exception = |x: usize| u64_at(b, self.exceptions + 8 * x).unwrap_or(0);
        for (&first, seg) in self.firsts.iter().zip(self.segments.iter()) {
            while x < self.exception_count && exception(x) >> 2 >> self.bits < first {
                let v = exception(x);
                f(v >> 2, (v & 3) as u8);
                x += 1;
            }
            for (d, bucket) in (seg.dir..).zip(first..seg.end) {
                let start = u32_at(b, self.directory + 4 * d).unwrap_or(0) as usize;
                let end = u32_at(b, self.directory + 4 * d + 4).unwrap_or(0) as usize;
                for k in start..end {
                    let v = u16_at(b, self.entries + 2 * k).unwrap_or(0);
                    f(bucket << self.bits | u64::from(v >> 2), (v & 3) as u8);
                }
            }
        }
        while x < self.exception_count {
            let v = exception(x);
            f(v >> 2, (v & 3) as u8);
            x += 1;
        }
    }
}

/// Builds the bytes from (key, scope bits) in strictly increasing key order.
#[derive(Debug)]
pub(super) struct Writer {
    bits: u32,
    len: u64,
    /// (first bucket, bucket count) of each segment so far.
    segments: Vec<(u64, u32)>,
    exceptions: Vec<u64>,
    directory: Vec<u32>,
    entries: Vec<u16>,
    run: Option<Run>,
    last: Option<u64>,
}

/// The run being added to: its buckets are at the end of the directory.
#[derive(Debug)]
struct Run {
    first: u64,
    last: u64,
    dir: usize,
    entries: usize,
}

impl Writer {
    /// A writer with `bits` bucket bits (clamped to 1 to 14).
    pub(super) fn new(bits: u32) -> Writer {
        Writer {
            bits: bits.clamp(1, MAX_BUCKET_BITS),
            len: 0,
            segments: Vec::new(),
            exceptions: Vec::new(),
            directory: Vec::new(),
            entries: Vec::new(),
            run: None,
            last: None,
        }
    }

    /// Adds `key`; a key not above the last one, or without scope bits, is
    /// skipped (callers give sorted, distinct keys).
    pub(super) fn push(&mut self, key: u64, scope: u8) {
        let scope = scope & 3;
        if scope == 0 {
            return;
        }
        if self.last.is_some_and(|l| l >= key) || key >> 62 != 0 {
            debug_assert!(false, "keys must increase and fit in 62 bits");
            return;
        }
        self.last = Some(key);
        self.len += 1;
        let bucket = key >> self.bits;
        let low = (key & ((1 << self.bits) - 1)) as u16;
        match &mut self.run {
            Some(run) if bucket - run.last <= MAX_GAP + 1 => {
                // Open the buckets up to this one (the empty ones too).
                for _ in run.last..bucket {
                    self.directory.push(self.entries.len() as u32);
                }
                run.last = bucket;
            }
            _ => {
                self.close_run();
                self.run = Some(Run {
                    first: bucket,
                    last: bucket,
                    dir: self.directory.len(),
                    entries: self.entries.len(),
                });
                self.directory.push(self.entries.len() as u32);
            }
        }
        self.entries.push(low << 2 | u16::from(scope));
    }

    /// Ends the current run as a segment or as exceptions, whichever takes
    /// fewer bytes.
    fn close_run(&mut self) {
        let Some(run) = self.run.take() else { return };
        let buckets = run.last - run.first + 1;
        let numbers = (self.entries.len() - run.entries) as u64;
        let as_segment = SEGMENT_LEN as u64 + 4 * buckets + 2 * numbers;
        match u32::try_from(buckets) {
            Ok(count) if as_segment < 8 * numbers => self.segments.push((run.first, count)),
            _ => {
                // Back out the run's buckets into exceptions.
                let ends = self
                    .directory
                    .get(run.dir + 1..)
                    .unwrap_or(&[])
                    .iter()
                    .copied()
                    .chain([self.entries.len() as u32]);
                let mut k = run.entries;
                for (bucket, end) in (run.first..).zip(ends) {
                    while k < end as usize {
                        let v = self.entries.get(k).copied().unwrap_or(0);
                        let key = bucket << self.bits | u64::from(v >> 2);
                        self.exceptions.push(key << 2 | u64::from(v & 3));
                        k += 1;
                    }
                }
                self.directory.truncate(run.dir);
                self.entries.truncate(run.entries);
            }
        }
    }

    /// The bytes.
    pub(super) fn finish(mut self) -> Vec<u8> {
        self.close_run();
        self.directory.push(self.entries.len() as u32);
        let mut b = Vec::with_capacity(
            HEADER_LEN
                + SEGMENT_LEN * self.segments.len()
                + 8 * self.exceptions.len()
                + 4 * self.directory.len()
                + 2 * self.entries.len(),
        );
        b.extend_from_slice(&MAGIC);
        b.extend_from_slice(&VERSION.to_le_bytes());
        b.extend_from_slice(&self.bits.to_le_bytes());
        for n in [
            self.len,
            self.segments.len() as u64,
            self.exceptions.len() as u64,
            self.directory.len() as u64,
            0,
        ] {
            b.extend_from_slice(&n.to_le_bytes());
        }
        for (first, count) in &self.segments {
            b.extend_from_slice(&first.to_le_bytes());
            b.extend_from_slice(&count.to_le_bytes());
            b.extend_from_slice(&0u32.to_le_bytes());
        }
        for x in &self.exceptions {
            b.extend_from_slice(&x.to_le_bytes());
        }
        for d in &self.directory {
            b.extend_from_slice(&d.to_le_bytes());
        }
        for e in &self.entries {
            b.extend_from_slice(&e.to_le_bytes());
        }
        let sum = checksum(&b);
        if let Some(at) = b.get_mut(CHECKSUM_AT..HEADER_LEN) {
            at.copy_from_slice(&sum.to_le_bytes());
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dense mobile runs (segments), a scattered fixed line and short code
    /// (exceptions), every scope.
    fn sample(bits: u32) -> Vec<u8> {
        let mut keys: Vec<(u64, u8)> = vec![];
        for p in ["8490", "8432"] {
            for i in 0..800u64 {
                let n = Number::parse(&format!("{p}{:07}", 1_000_000 + i * 25)).unwrap();
                keys.push((n.to_bits(), (i % 3 + 1) as u8));
            }
        }
        for s in ["5656", "842412345678", "999"] {
            keys.push((Number::parse(s).unwrap().to_bits(), 3));
        }
        keys.sort_unstable();
        let mut w = Writer::new(bits);
        for (k, s) in keys {
            w.push(k, s);
        }
        w.finish()
    }

    fn reseal(b: &mut [u8]) {
        let sum = checksum(b);
        b[CHECKSUM_AT..HEADER_LEN].copy_from_slice(&sum.to_le_bytes());
    }

    #[test]
    fn dense_runs_are_segments_and_strays_exceptions() {
        let b = sample(DEFAULT_BUCKET_BITS);
        let index = Index::open(&b).unwrap();
        assert_eq!(index.len(), 1603);
        assert_eq!(index.segments.len(), 2);
        assert_eq!(index.exception_count, 3);
        // About 2 bytes per number.
        assert!(b.len() < 1603 * 2 + 200, "{}", b.len());
        let mut n = 0;
        let mut last = None;
        index.for_each(&b, |k, s| {
            assert!(last < Some(k) && s != 0);
            assert_eq!(index.get(&b, k), s);
            last = Some(k);
            n += 1;
        });
        assert_eq!(n, 1603);
    }

    #[test]
    fn damage_is_an_error_never_a_panic() {
        for bits in [1, 4, DEFAULT_BUCKET_BITS, MAX_BUCKET_BITS] {
            let good = sample(bits);
            let probe: Vec<u64> = [
                "84901000007",
                "84901000008",
                "84321019975",
                "5656",
                "842412345678",
            ]
            .iter()
            .map(|s| Number::parse(s).unwrap().to_bits())
            .collect();
            for at in (0..good.len()).step_by(if bits == DEFAULT_BUCKET_BITS { 1 } else { 5 }) {
                for mask in [0x01u8, 0x80, 0xff] {
                    let mut b = good.clone();
                    b[at] ^= mask;
                    assert!(Index::open(&b).is_err(), "unsealed byte {at} ^ {mask:#x}");
                    reseal(&mut b);
                    // Resealed: refused, or (a change the format allows,
                    // such as another scope) a list that works.
                    if let Ok(index) = Index::open(&b) {
                        let mut n = 0;
                        index.for_each(&b, |k, s| {
                            assert_eq!(index.get(&b, k), s);
                            n += 1;
                        });
                        assert_eq!(n, index.len(), "byte {at} ^ {mask:#x}");
                        for k in &probe {
                            index.get(&b, *k);
                        }
                    }
                }
            }
            for len in (0..good.len()).step_by(5) {
                assert!(Index::open(&good[..len]).is_err(), "cut at {len}");
            }
        }
    }

    #[test]
    fn foreign_and_other_versions_are_named() {
        let mut b = sample(DEFAULT_BUCKET_BITS);
        assert_eq!(Index::open(b"").unwrap_err(), DncError::NotDnc);
        assert_eq!(Index::open(b"CHRCDNC").unwrap_err(), DncError::NotDnc);
        b[8] = 2;
        reseal(&mut b);
        let e = Index::open(&b).unwrap_err();
        assert_eq!(
            e,
            DncError::Version {
                found: 2,
                supported: 1
            }
        );
        assert!(e.to_string().contains("version 2 is not supported"), "{e}");
    }
}
