//! Entry points for the fuzz targets in `fuzz/` (one line each there), also
//! run over a fixed corpus by the tests so they stay exercised in CI.

use std::path::Path;

use crate::events::{EventReader, EventRow, Format};
use crate::{load_files, FILES};

/// Splits `data` at `0xFF` bytes into the policy files and loads them:
/// never panics, whatever the bytes.
pub fn policy_files(data: &[u8]) {
    let parts: Vec<&[u8]> = data.split(|&b| b == 0xFF).collect();
    let files: Vec<(&str, &[u8])> = FILES.iter().copied().zip(parts).collect();
    if let Ok(policy) = load_files(Path::new("fuzz"), &files) {
        // A policy that loads must be usable.
        let engine = chanrac::Engine::new(policy);
        let _ = engine.policy().dnc().len();
    }
}

/// Reads `data` as an event file (first byte picks CSV or JSON Lines) and
/// checks every event against an empty policy: never panics.
pub fn event_file(data: &[u8]) {
    let (format, rest) = match data.split_first() {
        Some((b, rest)) if b & 1 == 1 => (Format::Jsonl, rest),
        Some((_, rest)) => (Format::Csv, rest),
        None => return,
    };
    let Ok(mut r) = EventReader::new(Path::new("events"), rest, format) else {
        return;
    };
    let engine = chanrac::Engine::new(chanrac::Policy::default());
    let mut row = EventRow::default();
    while let Ok(true) = r.read(&mut row) {
        let _ = engine.check(&row.event());
    }
}

/// Loads `data` as a snapshot file twice: as it is (the frame checks), then
/// resealed — magic, version, length and checksum made valid — so that the
/// section table and decoders see the fuzzer's bytes too. Never panics.
pub fn snapshot_file(data: &[u8]) {
    let name = Path::new("fuzz.snap");
    use_snapshot(crate::snapshot::load_bytes(name, data));
    let mut sealed = data.to_vec();
    if crate::snapshot::reseal(&mut sealed) {
        use_snapshot(crate::snapshot::load_bytes(name, &sealed));
    }
}

/// A snapshot that loads must be usable.
fn use_snapshot(loaded: Result<chanrac::Policy, crate::LoadError>) {
    if let Ok(policy) = loaded {
        let engine = chanrac::Engine::new(policy);
        engine.policy().dnc().for_each(|_, _| {});
    }
}

/// Opens `data` as a DNC list twice: as it is, then with its checksum
/// (bytes 48..56: xxh3-64 of bytes 0..48 then 56..end) made valid, so that
/// the structural checks are reached. A list that opens must answer, for
/// every number it lists, the scopes it lists: never a panic.
pub fn dnc_list(data: &[u8]) {
    use_dnc(chanrac::dnc::DncList::from_bytes(data));
    if let (Some(head), Some(tail)) = (data.get(..48), data.get(56..)) {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(head);
        h.update(tail);
        let mut sealed = data.to_vec();
        if let Some(sum) = sealed.get_mut(48..56) {
            sum.copy_from_slice(&h.digest().to_le_bytes());
        }
        use_dnc(chanrac::dnc::DncList::from_bytes(&sealed[..]));
    }
}

fn use_dnc<D: AsRef<[u8]>>(opened: Result<chanrac::dnc::DncList<D>, chanrac::dnc::DncError>) {
    if let Ok(dnc) = opened {
        let mut n = 0;
        dnc.for_each(|number, scopes| {
            assert_eq!(dnc.get(number), scopes);
            n += 1;
        });
        assert_eq!(n, dnc.len());
    }
}

/// Reads `data` as a 5656 message (lossy UTF-8) and as a messages file:
/// never panics, and a report always has a source and a content.
pub fn inbox_message(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(chanrac::inbox::Command::Report {
        source, content, ..
    }) = chanrac::inbox::parse(&text)
    {
        assert!(!source.trim().is_empty() && !content.trim().is_empty());
    }
    if let Ok(messages) = crate::messages::read_messages(Path::new("messages.csv"), data) {
        for m in messages {
            let _ = chanrac::inbox::parse(&m.text);
        }
    }
}

/// Reads `data` as a report list in the appendix form (`chanrac inbox`
/// writes them, `chanrac suspensions` reads them): rows or a clean error,
/// never a panic; every row read names a line after the header, and its
/// reported identifier, written out, reads back as itself.
pub fn reports_file(data: &[u8]) {
    if let Ok(rows) = crate::messages::read_reports(Path::new("reports.csv"), data) {
        for r in rows {
            assert!(r.line >= 2);
            let again = chanrac::inbox::source_identifier(&r.reported.to_string());
            assert_eq!(again.ok(), Some(r.reported), "{:?}", r.written);
        }
    }
}

/// Reads `data` as a numbers file (an earlier suspension request): numbers
/// or a clean error, never a panic; every number read, written out, parses
/// back to itself.
pub fn numbers_file(data: &[u8]) {
    if let Ok(numbers) = crate::messages::read_numbers(Path::new("numbers.csv"), data) {
        for n in numbers {
            let again = chanrac::number::Number::parse(&n.to_string());
            assert_eq!(again.ok(), Some(n));
        }
    }
}

/// Content (S1, S3): the first line of `data` is a signature (`L…` a
/// literal, `R…` a regex, anything else skipped), the rest a message. Builds
/// the set (an error is fine), folds the message, scans it, extracts contact
/// numbers, and checks the invariants: folding is idempotent, the skeleton is
/// `a-z0-9` only, every contact is a valid number, the literal automaton
/// agrees with `str::contains` on skeletons. Never panics.
pub fn content(data: &[u8]) {
    use chanrac::content::{
        fold, for_each_contact, skeleton, FoldBuf, SignatureKind, SignatureSetBuilder,
    };
    let text = String::from_utf8_lossy(data);
    let (sig, message) = text.split_once('\n').unwrap_or((&text, ""));
    let mut b = SignatureSetBuilder::new();
    // The naive twin is of the plain matching; the robust set below must
    // find at least what it finds.
    b.robust(false);
    let literal = match sig.as_bytes().first() {
        Some(b'L') => {
            b.add("l", SignatureKind::Literal, &sig[1..]);
            Some(&sig[1..])
        }
        Some(b'R') => {
            b.add("r", SignatureKind::Regex, &sig[1..]);
            None
        }
        _ => None,
    };
    let mut buf = FoldBuf::new();
    buf.fold(message);
    let folded = buf.folded().to_string();
    assert_eq!(fold(&folded), folded, "folding is idempotent");
    assert!(buf
        .skeleton()
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    for_each_contact(&folded, |n| {
        assert!(chanrac::number::Number::from_bits(n.to_bits()).is_some());
    });
    if let Ok(set) = b.build() {
        let mut hits = Vec::new();
        set.scan(&buf, &mut hits);
        assert_eq!(set.is_match(&buf), !hits.is_empty());
        if let Some(l) = literal {
            let sk = skeleton(l);
            let naive = !sk.is_empty() && buf.skeleton().contains(&sk);
            assert_eq!(naive, !hits.is_empty(), "literal {l:?} on {message:?}");
        }
        if let Ok(robust) = b.robust(true).build() {
            let mut more = Vec::new();
            robust.scan(&buf, &mut more);
            assert!(hits.iter().all(|h| more.contains(h)), "robust lost a match");
            assert_eq!(robust.is_match(&buf), !more.is_empty());
        }
    }
}

/// Links (`URL_BLOCKED`, `URL_NOT_ALLOWED`, `LOOKALIKE`): extracts the link
/// hosts of any text and checks that each is non-empty, free of white
/// space and already in A-label form (converting it again changes
/// nothing); looks each up in a domain list and a small brand index, and
/// builds the robust text. Never panics.
pub fn links(data: &[u8]) {
    use chanrac::content::links::{for_each_host, host_to_ascii, DomainAction, DomainList};
    use chanrac::content::lookalike::{Brand, Lookalikes};
    use std::sync::OnceLock;
    static SETUP: OnceLock<(DomainList, Lookalikes)> = OnceLock::new();
    let (domains, brands) = SETUP.get_or_init(|| {
        let mut d = DomainList::default();
        let _ = d.insert("*.top", DomainAction::Block);
        let _ = d.insert("vietcombank.com.vn", DomainAction::Allow);
        let mut own = DomainList::default();
        let _ = own.insert("vietcombank.com.vn", DomainAction::Allow);
        let brands = Lookalikes::new(vec![
            Brand {
                name: "Vietcombank".into(),
                owner: "".into(),
                domains: own,
            },
            Brand {
                name: "BIDV".into(),
                owner: "".into(),
                domains: DomainList::default(),
            },
        ]);
        (d, brands)
    });
    let text = String::from_utf8_lossy(data);
    let may = chanrac::content::links::may_link(&chanrac::content::fold(&text));
    for_each_host(&text, |h| {
        assert!(may, "the prefilter dropped a link in {text:?}");
        assert!(!h.is_empty(), "empty host in {text:?}");
        assert!(!h.chars().any(char::is_whitespace), "{h:?}");
        assert_eq!(host_to_ascii(h), h, "not in A-label form");
        let _ = domains.get(h);
        for b in brands.imitated_by_host(h) {
            assert!((b as usize) < brands.len());
        }
    });
    let mut r = chanrac::content::RobustBuf::new();
    let mut buf = chanrac::content::FoldBuf::new();
    buf.fold(&text);
    r.build_from(&buf);
    assert!(r
        .skeleton()
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
}
