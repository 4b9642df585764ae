//! `policy.toml`: optional overrides of the law's defaults (docs/formats.md).

use std::path::Path;

use chanrac::actions::{Action, Actions};
use chanrac::behavior::BehaviorConfig;
use chanrac::policy::Config;
use chanrac::window::{UtcOffset, Window};
use chanrac::Reason;
use serde::Deserialize;
use toml::Spanned;

use crate::error::{LoadError, Location};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    utc_offset: Option<Spanned<String>>,
    sms_window: Option<Spanned<String>>,
    call_window: Option<Spanned<String>>,
    sms_per_24h: Option<Spanned<u32>>,
    calls_per_24h: Option<Spanned<u32>>,
    require_consent: Option<bool>,
    registration_reply_hours: Option<u32>,
    behavior: Option<Spanned<toml::Table>>,
    actions: Option<std::collections::BTreeMap<Spanned<String>, Spanned<String>>>,
    replies: Option<Spanned<RawReplies>>,
}

/// `[replies]`: each list given replaces its default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReplies {
    yes: Option<Vec<String>>,
    no: Option<Vec<String>>,
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (u64, usize) {
    // A span from the parser should start on a character, but a byte
    // offset inside one must not panic: back off to the character's start.
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn error_at(
    path: &Path,
    text: &str,
    span: std::ops::Range<usize>,
    key: &str,
    msg: String,
) -> LoadError {
    let (line, col) = line_col(text, span.start);
    LoadError::at(path, line, col, key, msg)
}

pub(crate) fn parse(path: &Path, text: &str) -> Result<Config, LoadError> {
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let msg = e.message().trim().to_string();
        match e.span() {
            Some(span) => {
                let (line, col) = line_col(text, span.start);
                LoadError::at(path, line, col, "", msg)
            }
            None => LoadError::new(path, Location::default(), msg),
        }
    })?;
    let mut c = Config::default();
    if let Some(o) = raw.utc_offset {
        c.utc_offset = UtcOffset::parse(o.get_ref()).ok_or_else(|| {
            error_at(
                path,
                text,
                o.span(),
                "utc_offset",
                format!(
                    "bad offset `{}`: expected `+HH:MM` or `-HH:MM`",
                    o.get_ref()
                ),
            )
        })?;
    }
    for (key, val, slot) in [
        ("sms_window", raw.sms_window, &mut c.sms_window),
        ("call_window", raw.call_window, &mut c.call_window),
    ] {
        if let Some(w) = val {
            *slot = Window::parse(w.get_ref()).map_err(|e| {
                error_at(
                    path,
                    text,
                    w.span(),
                    key,
                    format!("bad window `{}`: {e}", w.get_ref()),
                )
            })?;
        }
    }
    for (key, val, slot) in [
        ("sms_per_24h", raw.sms_per_24h, &mut c.sms_per_24h),
        ("calls_per_24h", raw.calls_per_24h, &mut c.calls_per_24h),
    ] {
        if let Some(n) = val {
            // The state keeps three counted ads per pair and channel, packed
            // in one word; Decree 91 Art.13(5) allows at most 3 ad SMS and 1
            // ad call in 24 h, so a larger cap would be unlawful anyway.
            if *n.get_ref() > chanrac::state::frequency::MAX_CAP {
                return Err(error_at(
                    path,
                    text,
                    n.span(),
                    key,
                    format!(
                        "cap `{}` is above {}: Decree 91 Art.13(5) allows at most 3 ad SMS and 1 ad call per advertiser and number in 24 hours",
                        n.get_ref(),
                        chanrac::state::frequency::MAX_CAP
                    ),
                ));
            }
            *slot = *n.get_ref();
        }
    }
    if let Some(b) = raw.require_consent {
        c.require_consent = b;
    }
    if let Some(h) = raw.registration_reply_hours {
        c.registration_reply_hours = h;
    }
    if let Some(t) = raw.behavior {
        let span = t.span();
        let cfg = behavior_config(toml::Value::Table(t.into_inner())).map_err(|e| {
            error_at(
                path,
                text,
                span,
                "behavior",
                format!("bad [behavior] table: {}", e.message().trim()),
            )
        })?;
        c.behavior = Some(cfg);
    }
    if let Some(actions) = raw.actions {
        c.actions = parse_actions(path, text, actions)?;
    }
    if let Some(r) = raw.replies {
        let span = r.span();
        let r = r.into_inner();
        let list = |l: Vec<String>| l.into_iter().map(Box::from).collect();
        if let Some(yes) = r.yes {
            c.replies.yes = list(yes);
        }
        if let Some(no) = r.no {
            c.replies.no = list(no);
        }
        if let Some(both) = c.replies.conflict() {
            return Err(error_at(
                path,
                text,
                span,
                "replies",
                format!("`{both}` means both yes and no: an entry in both lists is a bad value"),
            ));
        }
    }
    Ok(c)
}

/// The fields of `[behavior]` (every key optional: the defaults of
/// [`BehaviorConfig`]; an unknown key is an error), before the checks of
/// [`BehaviorConfig::validate`].
#[derive(serde::Deserialize)]
#[serde(
    remote = "BehaviorConfig",
    default = "BehaviorConfig::default",
    deny_unknown_fields
)]
struct BehaviorFields {
    window_seconds: u32,
    max_messages_per_window: u32,
    max_calls_per_window: u32,
    min_events: u32,
    new_recipient_share: f64,
    send_receive_ratio: f64,
    short_call_seconds: u32,
    short_call_share: f64,
    short_gap_seconds: u32,
    short_gap_share: f64,
    contact_memory_seconds: u32,
    max_sources: u32,
    seed: u64,
}

/// `[behavior]`: its keys read, then every value checked.
fn behavior_config(table: toml::Value) -> Result<BehaviorConfig, toml::de::Error> {
    use serde::de::Error as _;
    let c = BehaviorFields::deserialize(table)?;
    c.validate().map_err(toml::de::Error::custom)?;
    Ok(c)
}

/// `[actions]`: reason code → `block`, `flag` or `off` (codes and values
/// case-insensitive); an unknown code or value is a bad value.
fn parse_actions(
    path: &Path,
    text: &str,
    table: std::collections::BTreeMap<Spanned<String>, Spanned<String>>,
) -> Result<Actions, LoadError> {
    let mut actions = Actions::default();
    for (code, value) in table {
        let key = format!("actions.{}", code.get_ref());
        let upper = code.get_ref().to_ascii_uppercase();
        let reason =
            match Reason::from_code(&upper) {
                Some(Reason::StateUnavailable) => return Err(error_at(
                    path,
                    text,
                    code.span(),
                    &key,
                    "STATE_UNAVAILABLE has no action: it follows the fail mode (--on-store-error)"
                        .to_string(),
                )),
                Some(r) => r,
                None => {
                    let known: Vec<&str> = Reason::ALL
                        .into_iter()
                        .filter(|r| !matches!(r, Reason::StateFull | Reason::StateUnavailable))
                        .map(Reason::code)
                        .collect();
                    return Err(error_at(
                        path,
                        text,
                        code.span(),
                        &key,
                        format!(
                            "unknown reason code `{}`: expected one of {}",
                            code.get_ref(),
                            known.join(", ")
                        ),
                    ));
                }
            };
        let action = Action::parse(value.get_ref()).ok_or_else(|| {
            error_at(
                path,
                text,
                value.span(),
                &key,
                format!(
                    "bad action `{}`: expected `block`, `flag` or `off`",
                    value.get_ref()
                ),
            )
        })?;
        actions
            .set(reason, action)
            .map_err(|e| error_at(path, text, value.span(), &key, e.to_string()))?;
    }
    Ok(actions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let p = Path::new("policy.toml");
        assert_eq!(parse(p, "").unwrap(), Config::default());
        let c = parse(
            p,
            "sms_window = \"08:00-20:00\"\nsms_per_24h = 2\nrequire_consent = false\n",
        )
        .unwrap();
        assert_eq!(c.sms_window.to_string(), "08:00-20:00");
        assert_eq!(c.sms_per_24h, 2);
        let e = parse(Path::new("policy.toml"), "\ncalls_per_24h = 4\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "policy.toml:2: column 17 (calls_per_24h): cap `4` is above 3: Decree 91 Art.13(5) allows at most 3 ad SMS and 1 ad call per advertiser and number in 24 hours"
        );
        assert!(!c.require_consent);
        let e = parse(p, "# x\nsms_window = \"22:00-07:00\"\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("policy.toml:2: column 14 (sms_window)"),
            "{e}"
        );
        let e = parse(p, "sms_per_24 = 3\n").unwrap_err();
        assert!(e.to_string().contains("policy.toml:1"), "{e}");
        let e = parse(p, "utc_offset = \"7\"\n").unwrap_err();
        assert!(e.to_string().contains("utc_offset"), "{e}");
    }

    #[test]
    fn behavior_table_reads_keys_and_checks_values() {
        let p = Path::new("policy.toml");
        let c = parse(p, "[behavior]\nwindow_seconds = 60\nmin_events = 5\n").unwrap();
        assert_eq!(
            c.behavior,
            Some(BehaviorConfig {
                window_seconds: 60,
                min_events: 5,
                ..BehaviorConfig::default()
            })
        );
        // Every key optional: an empty table turns S4 on with the defaults.
        let c = parse(p, "[behavior]\n").unwrap();
        assert_eq!(c.behavior, Some(BehaviorConfig::default()));
        let e = parse(p, "[behavior]\nnew_recipient_share = 1.5\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("`new_recipient_share` must be between 0 and 1"),
            "{e}"
        );
        let e = parse(p, "[behavior]\nwindow_seconds = 0\n").unwrap_err();
        assert!(e.to_string().contains("window_seconds"), "{e}");
        let e = parse(p, "[behavior]\nmax_messages = 1\n").unwrap_err();
        assert!(e.to_string().contains("max_messages"), "{e}");
        assert!(e.to_string().starts_with("policy.toml:"), "{e}");
    }

    #[test]
    fn actions_table() {
        let p = Path::new("policy.toml");
        let c = parse(
            p,
            "[actions]\nLABEL = \"flag\"\nfrequency = \"OFF\"\nBEHAVIOR = \"block\"\nDNC = \"flag\"\n",
        )
        .unwrap();
        assert_eq!(c.actions.get(Reason::Label), Action::Flag);
        assert_eq!(c.actions.get(Reason::Frequency), Action::Off);
        assert_eq!(c.actions.get(Reason::Behavior), Action::Block);
        assert_eq!(c.actions.get(Reason::Dnc), Action::Flag);
        assert_eq!(c.actions.get(Reason::NoConsent), Action::Block);
        // [actions] never turns a rule on.
        assert!(c.behavior.is_none());

        let e = parse(p, "[actions]\nDNC = \"off\"\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("policy.toml:2: column 7 (actions.DNC)")
                && e.to_string().contains("never `off`"),
            "{e}"
        );
        let e = parse(p, "[actions]\nREFUSED = \"off\"\n").unwrap_err();
        assert!(e.to_string().contains("never `off`"), "{e}");
        let e = parse(p, "[actions]\nSTATE_FULL = \"flag\"\n").unwrap_err();
        assert!(e.to_string().contains("fail mode"), "{e}");
        let e = parse(p, "[actions]\nSTATE_UNAVAILABLE = \"flag\"\n").unwrap_err();
        assert!(e.to_string().contains("fail mode"), "{e}");
        let e = parse(p, "\n[actions]\nNOPE = \"flag\"\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("policy.toml:3: column 1 (actions.NOPE)")
                && e.to_string().contains("unknown reason code"),
            "{e}"
        );
        let e = parse(p, "[actions]\nLABEL = \"drop\"\n").unwrap_err();
        assert!(e.to_string().contains("bad action `drop`"), "{e}");
        let e = parse(p, "[actions]\nLABEL = 1\n").unwrap_err();
        assert!(e.to_string().contains("policy.toml:2"), "{e}");
    }

    #[test]
    fn line_col_of_an_offset_inside_a_character_does_not_panic() {
        // Byte 3 is inside `é` (bytes 2..4): counted as that character.
        assert_eq!(line_col("a\n\u{e9}b", 3), (2, 1));
        assert_eq!(line_col("a\n\u{e9}b", 4), (2, 2));
        assert_eq!(line_col("\u{1f600}", 2), (1, 1));
        assert_eq!(line_col("ab", 99), (1, 3));
        // Vietnamese text in a value gives an error, not a panic.
        let e = parse(Path::new("policy.toml"), "sms_window = \"Tiếng Việt\"\n").unwrap_err();
        assert!(e.to_string().starts_with("policy.toml:1:"), "{e}");
    }
}
