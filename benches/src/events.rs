//! A policy and an event log for the replay bench: 10,000 identifiers (5,000
//! brandnames and 5,000 registered caller numbers of 1,000 advertisers), the
//! 5,000 literal + 200 regex signatures of `content_scan`, consent records,
//! and a deterministic, realistic event mix (the event format, docs/formats.md): ad SMS with
//! and without tones, ad calls, person-to-person SMS and calls, customer
//! care, registration messages, opt-ins and opt-outs, with a tenth of the
//! recipients on the DNC list.

use std::io::{self, Write};
use std::path::Path;

use chanrac::number::Number;

use crate::{literal_signatures, mobile_numbers, regex_signatures, sms_corpus, Rng};

/// Advertisers in the replay policy.
pub const ADVERTISERS: usize = 1_000;
/// Identifiers per advertiser: 5 brandnames and 5 caller numbers.
pub const PER_ADVERTISER: usize = 5;
/// Customers (consent holders or not) per advertiser.
pub const CUSTOMERS: usize = 100;

fn brand(a: usize, j: usize) -> String {
    format!("BR{a:04}{j}")
}

fn caller(a: usize, j: usize) -> String {
    format!("0287{:07}", a * 10 + j)
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The customers of advertiser `a`, from a pool of numbers.
fn customer(pool: &[Number], a: usize, j: usize) -> Number {
    pool[(a * 97 + j * 7_919) % pool.len()]
}

fn pool() -> Vec<Number> {
    mobile_numbers(100_000, 31)
}

/// Writes `brandnames.csv`, `advertisers.csv`, `signatures.csv` and
/// `consents.csv` into `dir` (the DNC list is written by the caller).
pub fn write_policy(dir: &Path) -> io::Result<()> {
    let mut b = io::BufWriter::new(std::fs::File::create(dir.join("brandnames.csv"))?);
    writeln!(b, "identifier,advertiser,status,valid_from,valid_until")?;
    let mut adv = io::BufWriter::new(std::fs::File::create(dir.join("advertisers.csv"))?);
    writeln!(adv, "advertiser,name,kind")?;
    for a in 0..ADVERTISERS {
        writeln!(adv, "adv{a:04},Advertiser {a},organisation")?;
        for j in 0..PER_ADVERTISER {
            writeln!(b, "{},adv{a:04},active,2025-01-01,2027-12-31", brand(a, j))?;
            writeln!(b, "{},adv{a:04},active,2025-01-01,2027-12-31", caller(a, j))?;
        }
    }
    b.flush()?;
    adv.flush()?;
    let mut s = io::BufWriter::new(std::fs::File::create(dir.join("signatures.csv"))?);
    writeln!(s, "id,kind,pattern")?;
    for (i, l) in literal_signatures(5_000, 7).iter().enumerate() {
        writeln!(s, "lit-{i},literal,{}", quote(l))?;
    }
    for (i, r) in regex_signatures(200, 8).iter().enumerate() {
        writeln!(s, "re-{i},regex,{}", quote(r))?;
    }
    s.flush()?;
    // Half of each advertiser's customers opted in before the log starts.
    let pool = pool();
    let mut c = io::BufWriter::new(std::fs::File::create(dir.join("consents.csv"))?);
    writeln!(c, "advertiser,recipient,state,time")?;
    for a in 0..ADVERTISERS {
        for j in (0..CUSTOMERS).step_by(2) {
            writeln!(
                c,
                "adv{a:04},{},optin,2026-01-15T10:00:00+07:00",
                customer(&pool, a, j)
            )?;
        }
    }
    c.flush()
}

/// Writes `n` events (CSV with the contract's header) spread over one day,
/// in time order; a tenth of the recipients are drawn from `listed` (the
/// DNC list) when it is not empty.
pub fn write_events<W: Write>(out: W, n: usize, listed: &[Number], seed: u64) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    let mut rng = Rng::new(seed);
    let pool = pool();
    let texts = sms_corpus(4_096, &literal_signatures(5_000, 7), 9);
    let strangers = mobile_numbers(50_000, seed ^ 0x5EED);
    writeln!(w, "id,time,channel,kind,source,advertiser,recipient,text")?;
    for i in 0..n {
        // 00:00:00 to 23:59:59 on 2 March 2026, Hanoi time.
        let s = (i as u64 * 86_400) / n as u64;
        let time = format!(
            "2026-03-02T{:02}:{:02}:{:02}+07:00",
            s / 3600,
            s / 60 % 60,
            s % 60
        );
        let a = rng.below(ADVERTISERS as u64) as usize;
        let j = rng.below(PER_ADVERTISER as u64) as usize;
        let adv = format!("adv{a:04}");
        let mut to = customer(&pool, a, rng.below(CUSTOMERS as u64) as usize);
        if !listed.is_empty() && rng.below(10) == 0 {
            to = listed[rng.below(listed.len() as u64) as usize];
        }
        let stranger = strangers[rng.below(strangers.len() as u64) as usize];
        let text = &texts[rng.below(texts.len() as u64) as usize];
        let roll = rng.below(100);
        let (channel, kind, source, advertiser, text) = match roll {
            0..=44 => {
                let t = if text.starts_with("[QC]") {
                    text.clone()
                } else {
                    format!("[QC] {text}")
                };
                ("sms", "ad", brand(a, j), adv, t)
            }
            45..=54 => ("call", "ad", caller(a, j), adv, String::new()),
            55..=74 => (
                "sms",
                "p2p",
                stranger.to_string(),
                String::new(),
                "Anh oi, toi nay may gio hop lop vay?".into(),
            ),
            75..=79 => ("call", "p2p", stranger.to_string(), String::new(), String::new()),
            80..=91 => (
                "sms",
                "care",
                brand(a, j),
                adv,
                format!(
                    "TK *{:04} -250.000d luc 07:05. So du 12.480.000d. ND: thanh toan hoa don",
                    rng.below(10_000)
                ),
            ),
            92..=95 => (
                "sms",
                "registration",
                brand(a, j),
                adv,
                format!(
                    "DKQC {}: Quy khach co dong y nhan tin nhan quang cao? Soan Y gui 8079 de dong y",
                    brand(a, j)
                ),
            ),
            96..=97 => ("sms", "optin", to.to_string(), adv, "Y".into()),
            _ => ("sms", "optout", to.to_string(), adv, "TC".into()),
        };
        writeln!(
            w,
            "e{i},{time},{channel},{kind},{source},{advertiser},{to},{}",
            quote(&text)
        )?;
    }
    w.flush()
}
