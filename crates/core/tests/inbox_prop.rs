//! Property tests of the 5656 parser: any text gives a command or a reason
//! (never a panic), and DNC commands and reports written in any of the
//! tolerated ways read back as what was meant.
#![allow(clippy::unwrap_used, clippy::panic)]

use chanrac::dnc::Scopes;
use chanrac::inbox::{parse, Command};
use chanrac::Channel;
use proptest::prelude::*;

/// A separator between keywords: nothing, spaces, or punctuation.
fn sep() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" ".to_string()),
        Just("  ".to_string()),
        Just("\t".to_string()),
        Just(".".to_string()),
        Just("-".to_string()),
        Just(" \u{3000}".to_string()),
    ]
}

/// Case and diacritics as people type them.
fn spelled(word: &'static str) -> impl Strategy<Value = String> {
    let forms: Vec<&'static str> = match word {
        "dk" => vec![
            "DK",
            "dk",
            "Dk",
            "ĐK",
            "đk",
            "ＤＫ",
            "Đăng ký",
            "dang ky",
            "DANG KY",
        ],
        "huy" => vec![
            "HUY", "huy", "Huy", "HỦY", "Hủy", "Huỷ", "huỷ", "HUỶ", "hũy",
        ],
        "dnc" => vec!["DNC", "dnc", "Dnc", "ＤＮＣ"],
        "s" => vec!["S", "s", "Ｓ", "SMS", "sms"],
        "v" => vec!["V", "v", "Ｖ"],
        _ => vec![word],
    };
    proptest::sample::select(forms).prop_map(str::to_string)
}

fn scope() -> impl Strategy<Value = (Option<&'static str>, Scopes)> {
    prop_oneof![
        Just((None, Scopes::ALL)),
        Just((Some("s"), Scopes::SMS)),
        Just((Some("v"), Scopes::CALL)),
    ]
}

fn dnc_command() -> impl Strategy<Value = (String, Command)> {
    (any::<bool>(), scope(), sep(), sep(), " {0,2}", " {0,2}").prop_flat_map(
        |(join, (letter, scopes), s1, s2, lead, trail)| {
            let verb = spelled(if join { "dk" } else { "huy" });
            let dnc = spelled("dnc");
            let l = match letter {
                Some(l) => spelled(l).boxed(),
                None => Just(String::new()).boxed(),
            };
            (verb, dnc, l).prop_map(move |(v, d, l)| {
                let text = format!("{lead}{v}{s1}{d}{s2}{l}{trail}");
                let want = if join {
                    Command::DncJoin(scopes)
                } else {
                    Command::DncLeave(scopes)
                };
                (text, want)
            })
        },
    )
}

/// A mobile number in one of its written forms, and its normalised form.
fn number() -> impl Strategy<Value = (String, String)> {
    ("[35789]", "[0-9]{8}", 0usize..6).prop_map(|(first, rest, form)| {
        let national = format!("{first}{rest}");
        let (a, b, c) = (&national[..2], &national[2..5], &national[5..]);
        let written = match form {
            0 => format!("0{national}"),
            1 => format!("0{a} {b} {c}"),
            2 => format!("+84 {a}{b}.{c}"),
            3 => format!("0084-{a}-{b}-{c}"),
            4 => format!("84{national}"),
            _ => format!("0{a}.{b}.{c}"),
        };
        (written, format!("84{national}"))
    })
}

fn brackets() -> impl Strategy<Value = (&'static str, &'static str)> {
    proptest::sample::select(vec![
        ("[", "]"),
        ("(", ")"),
        ("［", "］"),
        ("（", "）"),
        ("【", "】"),
        ("{", "}"),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_gives_a_command_or_a_reason(text in "\\PC{0,80}") {
        match parse(&text) {
            Ok(Command::Report { source, content, .. }) => {
                prop_assert!(!source.trim().is_empty());
                prop_assert!(!content.trim().is_empty());
            }
            Ok(_) => {}
            Err(e) => prop_assert!(!e.message().is_empty()),
        }
    }

    #[test]
    fn bracket_soup_never_panics(text in "[SVsv ]{0,2}[\\[\\]\\(\\)【】（）0-9 a-z+.-]{0,40}") {
        let _ = parse(&text);
    }

    #[test]
    fn dnc_commands_read_back((text, want) in dnc_command()) {
        prop_assert_eq!(parse(&text), Ok(want), "{:?}", text);
    }

    #[test]
    fn reports_read_back(
        call in any::<bool>(),
        (written, normal) in number(),
        (o1, c1) in brackets(),
        (o2, c2) in brackets(),
        // Vietnamese letters, not the whole À-ỹ range: it holds combining
        // marks, which fold to nothing (a content of only those is empty).
        content in "[A-Za-z0-9%,.!:/ àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐÂÊÔƠƯ]{0,30}[A-Za-z0-9đươ]",
        gap in " {0,2}",
        inner in " {0,2}",
    ) {
        let letter = if call { "V" } else { "s" };
        let text = format!("{letter}{gap}{o1}{inner}{written}{inner}{c1}{gap}{o2}{content}{c2}");
        match parse(&text) {
            Ok(Command::Report { channel, source, content: got, reported }) => {
                prop_assert_eq!(channel, if call { Channel::Call } else { Channel::Sms });
                prop_assert_eq!(source, written);
                prop_assert_eq!(got, content.trim());
                prop_assert_eq!(reported.to_string(), normal);
            }
            other => prop_assert!(false, "{:?} → {:?}", text, other),
        }
    }
}
