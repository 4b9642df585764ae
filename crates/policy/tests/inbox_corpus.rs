//! Table-driven tests of the 5656 parser (`chanrac::inbox::parse`) over the
//! corpus `testdata/inbox/messages.toml`: messages as subscribers type them,
//! each with the outcome it must give.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::Path;

use chanrac::dnc::Scopes;
use chanrac::ident::Identifier;
use chanrac::inbox::{parse, Command};
use chanrac::number::NumberClass;

fn scope(name: &str) -> Scopes {
    Scopes::parse(name).unwrap_or_else(|| panic!("bad scope `{name}` in the corpus"))
}

fn note(id: &Identifier) -> &'static str {
    match id {
        Identifier::Name(_) => "brandname",
        Identifier::Number(n) => match n.class() {
            NumberClass::Mobile => "mobile",
            NumberClass::Fixed => "fixed",
            NumberClass::ShortCode => "short_code",
        },
    }
}

#[test]
fn corpus() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/inbox/messages.toml");
    let doc: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 60, "the corpus has {} messages", cases.len());
    let mut failures = vec![];
    let (mut dnc, mut reports, mut rejects) = (0, 0, 0);
    for c in cases {
        let c = c.as_table().unwrap();
        let text = c["text"].as_str().unwrap();
        let get = |k: &str| c.get(k).and_then(|v| v.as_str());
        let got = parse(text);
        chanrac_policy::fuzz::inbox_message(text.as_bytes());
        let ok = if let Some(s) = get("join") {
            dnc += 1;
            got == Ok(Command::DncJoin(scope(s)))
        } else if let Some(s) = get("leave") {
            dnc += 1;
            got == Ok(Command::DncLeave(scope(s)))
        } else if let Some(ch) = get("report") {
            reports += 1;
            match &got {
                Ok(Command::Report {
                    channel,
                    source,
                    content,
                    reported,
                }) => {
                    channel.name() == ch
                        && Some(source.as_str()) == get("source")
                        && Some(content.as_str()) == get("content")
                        && Some(reported.to_string().as_str()) == get("reported")
                        && Some(note(reported)) == get("note")
                }
                Err(_) | Ok(_) => false,
            }
        } else if let Some(code) = get("reject") {
            rejects += 1;
            match &got {
                Err(e) => {
                    // Every reason is something a person can read.
                    assert!(!e.message().is_empty() && !e.message().ends_with('.'));
                    e.kind().code() == code
                }
                Ok(_) => false,
            }
        } else {
            panic!("case `{text}` has no expected outcome");
        };
        if !ok {
            failures.push(format!("{text:?}: got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} messages misread:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(dnc >= 20 && reports >= 20 && rejects >= 20);
}

/// Parsing is a pure function of the text: the same message always gives
/// the same outcome, and re-parsing the parts of a report gives them back.
#[test]
fn reports_round_trip() {
    for text in [
        "S [0912 345 678][Vay tien nhanh]",
        "V (024) 3812 3456 (moi dau tu)",
        "s 【VIETTEL】【Khuyến mãi】",
    ] {
        let Ok(Command::Report {
            channel,
            source,
            content,
            reported,
        }) = parse(text)
        else {
            panic!("{text}");
        };
        let letter = if channel == chanrac::Channel::Sms {
            "S"
        } else {
            "V"
        };
        let again = parse(&format!("{letter} [{source}][{content}]")).unwrap();
        assert_eq!(
            again,
            Command::Report {
                channel,
                source,
                content,
                reported
            }
        );
    }
}
