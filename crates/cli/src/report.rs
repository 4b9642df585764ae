//! `chanrac replay --report FILE.html`: the replay as one self-contained
//! HTML page for a compliance officer — inline CSS and SVG, no script, no
//! external resource, every piece of user text escaped.
//!
//! Sections (each a `<section>` with a stable `id`, tables with stable ids
//! so that tools and tests can find them):
//!
//! | id | what |
//! |---|---|
//! | `totals` | events, allowed, blocked, flagged; per event kind (table `totals-by-kind`) |
//! | `rules` | violations per rule with the legal clause, the events blocked and only flagged (delivered: "would have been blocked"), and the fine band of each row in force (table `violations`) |
//! | `advertisers` | per advertiser: events, blocked, violations, estimated fine exposure (table `exposure`) |
//! | `hours` | ad traffic (ads and registrations) by local hour against the legal windows: one inline `<svg>` per channel (`chart-sms`, `chart-call`), windows shaded |
//! | `signatures` | the most matched spam signatures (table `top-signatures`) |
//! | `links` | link hosts (table `links-by-host`: messages, blocked, `URL_BLOCKED`, `LOOKALIKE` and the brands imitated, the advertisers linking) and per advertiser (table `links-by-advertiser`: events with links, `URL_NOT_ALLOWED`, `LOOKALIKE`) |
//!
//! Exposure prices each *act* once per advertiser: an act is a row of the
//! fine table ([`chanrac::law::FINES`]) — a rule, an event kind, and the
//! decree in force on the event's local date — so a replay that spans the
//! day a new decree takes over prices the events on each side by their own
//! decree. Organisations pay the band; individuals (`advertisers.csv` kind
//! `individual`) half.
//!
//! The page holds no time of generation: the same replay gives the same
//! bytes.

use std::fmt::Write as _;

use chanrac::law::{self, Reason};
use chanrac::policy::{AdvertiserKind, Policy};
use chanrac::window::Window;
use chanrac::Mode;

use crate::replay::{group, Options, Summary};
use crate::suspensions::local_time;

/// How many signatures the report lists.
const TOP_SIGNATURES: usize = 10;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { --ink:#1f2937; --muted:#6b7280; --line:#e5e7eb; --ok:#2563eb; --bad:#dc2626; --flag:#d97706; --win:#dcfce7; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); margin: 0; background: #f9fafb; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
p.meta, p.note { color: var(--muted); margin: 4px 0; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; color: var(--muted); margin: 8px 0 0; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0 14px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 150px; }
.card .n { font-size: 26px; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .l { color: var(--muted); font-size: 13px; }
.card.blocked .n { color: var(--bad); } .card.allowed .n { color: var(--ok); } .card.flagged .n { color: var(--flag); }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-size: 13px; text-transform: uppercase; letter-spacing: .03em; color: #374151; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tfoot td { font-weight: 700; background: #f9fafb; }
#violations td > code { white-space: nowrap; }
.scroll { overflow-x: auto; }
td.name { min-width: 200px; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; background: #f3f4f6; padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
.band { white-space: nowrap; }
.small { color: var(--muted); font-size: 13px; }
figure { margin: 10px 0 18px; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
figcaption { font-weight: 600; margin: 2px 6px 4px; }
svg { display: block; width: 100%; height: auto; }
svg text { font: 12px system-ui, sans-serif; fill: #374151; }
.empty { color: var(--muted); font-style: italic; }
"#;

/// The whole page.
pub fn render(s: &Summary, policy: &Policy, o: &Options) -> String {
    let mut h = String::with_capacity(32 * 1024);
    let offset = policy.config().utc_offset;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>chanrac compliance report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        esc(&o.events.display().to_string())
    );
    let _ = writeln!(h, "<h1>Compliance report</h1>");
    let _ = writeln!(
        h,
        "<p class=\"meta\">Decree 91/2020/ND-CP replay by chanrac {}</p>",
        esc(env!("CARGO_PKG_VERSION"))
    );
    let _ = writeln!(h, "<dl class=\"meta\">");
    let _ = writeln!(
        h,
        "<dt>Events</dt><dd><code>{}</code></dd>",
        esc(&o.events.display().to_string())
    );
    let _ = writeln!(
        h,
        "<dt>Policy</dt><dd><code>{}</code></dd>",
        esc(&o.policy.display().to_string())
    );
    if let Some(dropped) = o.live {
        let _ = writeln!(
            h,
            "<dt>Source</dt><dd>verdict logs of the adapters: the decisions taken on live traffic{}</dd>",
            if dropped > 0 {
                format!(" ({} lines the adapters could not write are missing, marked as dropped)", group(dropped))
            } else {
                String::new()
            }
        );
    } else {
        let _ = writeln!(
            h,
            "<dt>Mode</dt><dd>{}</dd>",
            match o.mode {
                Mode::Audit => "audit (traffic already delivered: every ad counts)",
                Mode::Monitor =>
                    "monitor (every event delivered; what would have been blocked is only flagged)",
                Mode::Enforce => "enforce (only allowed events count)",
            }
        );
    }
    if let Some((a, b)) = s.span {
        let _ = writeln!(
            h,
            "<dt>Period</dt><dd>{} to {} (local time, UTC{offset})</dd>",
            esc(&local_time(a, offset)),
            esc(&local_time(b, offset))
        );
    }
    let _ = writeln!(h, "</dl>");

    totals(&mut h, s);
    rules(&mut h, s);
    advertisers(&mut h, s, policy);
    hours(&mut h, s, policy);
    signatures(&mut h, s, policy);
    links(&mut h, s);

    let _ = writeln!(
        h,
        "<p class=\"note\">Fine bands are those of the fine table in force on each event's local date \
         (Decree 15/2020/ND-CP Art.94 as amended by Decree 91/2020/ND-CP Art.32 for events before \
         the penalty decree 174/2026 takes over). Figures are estimates for compliance work, not \
         decisions of an inspector.</p>"
    );
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn totals(h: &mut String, s: &Summary) {
    let _ = writeln!(
        h,
        "<section id=\"totals\">\n<h2>Totals</h2>\n<div class=\"cards\">"
    );
    for (class, label, n) in [
        ("events", "events", s.events),
        ("allowed", "allowed", s.allowed),
        ("blocked", "blocked", s.blocked),
        ("flagged", "flagged (delivered, reported)", s.flagged),
    ] {
        let _ = writeln!(
            h,
            "<div class=\"card {class}\"><div class=\"n\">{}</div><div class=\"l\">{label}</div></div>",
            group(n)
        );
    }
    let _ = writeln!(h, "</div>");
    if s.per_kind.is_empty() {
        let _ = writeln!(h, "<p class=\"empty\">No events.</p>");
    } else {
        let _ = writeln!(
            h,
            "<table id=\"totals-by-kind\">\n<thead><tr><th>Kind</th><th class=\"num\">Events</th>\
             <th class=\"num\">Allowed</th><th class=\"num\">Blocked</th><th class=\"num\">Flagged</th></tr></thead>\n<tbody>"
        );
        for (kind, [a, b, f]) in &s.per_kind {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(kind),
                group(a + b + f),
                group(*a),
                group(*b),
                group(*f)
            );
        }
        let _ = writeln!(h, "</tbody>\n</table>");
    }
    let _ = writeln!(h, "</section>");
}

fn band(min: u64, max: u64) -> String {
    format!("{} – {}", group(min), group(max))
}

fn applies_name(a: law::Applies) -> &'static str {
    match a {
        law::Applies::Ad => "ad",
        law::Applies::Registration => "registration",
        law::Applies::Any => "any kind",
    }
}

fn rules(h: &mut String, s: &Summary) {
    let _ = writeln!(h, "<section id=\"rules\">\n<h2>Violations per rule</h2>");
    if s.per_reason.is_empty() {
        let _ = writeln!(h, "<p class=\"empty\">No violations.</p>\n</section>");
        return;
    }
    let _ = writeln!(
        h,
        "<table id=\"violations\">\n<thead><tr><th>Code</th><th>Rule</th><th>Legal clause</th><th>What</th>\
         <th class=\"num\">Events</th><th class=\"num\">Blocked</th>\
         <th class=\"num\" title=\"delivered and reported: would have been blocked\">Only flagged</th>\
         <th>Fine band, organisation (VND)</th></tr></thead>\n<tbody>"
    );
    for (r, n) in &s.per_reason {
        let i = r.info();
        let (blocked, flagged) = s.blocked_flagged(*r);
        let mut fines = String::new();
        match s.reason_rows.get(r) {
            Some(rows) if !rows.is_empty() => {
                for (&idx, &count) in rows {
                    if let Some(f) = law::FINES.get(idx) {
                        let _ = write!(
                            fines,
                            "<div><span class=\"band\">{}</span> <span class=\"small\">{} · {} · {} event{}</span></div>",
                            band(f.band.min, f.band.max),
                            applies_name(f.applies),
                            esc(f.decree),
                            group(count),
                            if count == 1 { "" } else { "s" }
                        );
                    }
                }
            }
            _ => fines.push_str(&unpriced(*r)),
        }
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num blocked\">{}</td><td class=\"num flagged\">{}</td><td>{fines}</td></tr>",
            esc(i.code),
            esc(i.rule),
            esc(i.clause),
            esc(i.summary),
            group(*n),
            group(blocked),
            group(flagged)
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");
}

/// Why a reason has no band.
fn unpriced(r: Reason) -> String {
    let why = match r {
        Reason::Label => "no band of its own on an ad (R9)",
        Reason::SpamSignature
        | Reason::SuspendedSource
        | Reason::SuspendedContact
        | Reason::Behavior => "applies to the traffic, not priced",
        _ => "no fine row for these events",
    };
    format!("<span class=\"small\">— {why}</span>")
}

fn advertisers(h: &mut String, s: &Summary, policy: &Policy) {
    let _ = writeln!(
        h,
        "<section id=\"advertisers\">\n<h2>Fine exposure per advertiser</h2>"
    );
    if s.per_advertiser.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"empty\">No advertising traffic.</p>\n</section>"
        );
        return;
    }
    let mut rows: Vec<_> = s
        .per_advertiser
        .iter()
        .map(|(id, t)| {
            let a = policy.advertiser(id);
            let individual = a.is_some_and(|a| a.kind == AdvertiserKind::Individual);
            let (lo, hi) = t.exposure(individual);
            (id, a, individual, t, lo, hi)
        })
        .collect();
    rows.sort_by(|x, y| y.5.cmp(&x.5).then(x.0.cmp(y.0)));
    let _ = writeln!(
        h,
        "<div class=\"scroll\"><table id=\"exposure\">\n<thead><tr><th>Advertiser</th><th>Name</th><th>Kind</th>\
         <th class=\"num\">Events</th><th class=\"num\">Blocked</th><th class=\"num\">Violations</th>\
         <th class=\"num\">Acts<br>priced</th><th class=\"num\">Exposure<br>min (VND)</th><th class=\"num\">Exposure<br>max (VND)</th></tr></thead>\n<tbody>"
    );
    let (mut tlo, mut thi) = (0u64, 0u64);
    for (id, a, individual, t, lo, hi) in &rows {
        tlo += lo;
        thi += hi;
        let name = a.map_or("", |a| &*a.name);
        let kind = match (a, individual) {
            (None, _) => "organisation <span class=\"small\">(not in advertisers.csv)</span>",
            (Some(_), true) => "individual <span class=\"small\">(half)</span>",
            (Some(_), false) => "organisation",
        };
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"name\">{}</td><td>{kind}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(id),
            esc(name),
            group(t.events),
            group(t.blocked),
            group(t.violations),
            t.rows.len(),
            group(*lo),
            group(*hi)
        );
    }
    let _ = writeln!(
        h,
        "</tbody>\n<tfoot><tr><td colspan=\"7\">Total</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr></tfoot>\n</table></div>",
        group(tlo),
        group(thi)
    );
    let _ = writeln!(
        h,
        "<p class=\"note\">Each act — a rule, on an ad or a registration, under the decree in force on the \
         event's local date — is priced once per advertiser however many events committed it \
         (an act is fined once; repetition weighs within the band). Individuals pay half.</p>\n</section>"
    );
}

fn hours(h: &mut String, s: &Summary, policy: &Policy) {
    let c = policy.config();
    let _ = writeln!(
        h,
        "<section id=\"hours\">\n<h2>Ad traffic by hour of day</h2>\n\
         <p class=\"note\">Ads and registration messages by local hour (UTC{}); the shaded band is the \
         legal window (D91 Art.13(6)). Bars: delivered (blue) and blocked (red).</p>",
        c.utc_offset
    );
    for (ch, id, title, window) in [
        (0usize, "chart-sms", "SMS", c.sms_window),
        (1, "chart-call", "Calls", c.call_window),
    ] {
        let _ = writeln!(
            h,
            "<figure>\n<figcaption>{title}: legal window {window}</figcaption>"
        );
        h.push_str(&chart(id, title, &s.hours[ch], window));
        let _ = writeln!(h, "</figure>");
    }
    let _ = writeln!(h, "</section>");
}

/// The smallest 1, 2 or 5 × 10ⁿ step with at most five steps to `max`.
fn nice_step(max: u64) -> u64 {
    let mut p = 1u64;
    loop {
        for m in [1u64, 2, 5] {
            let step = m.saturating_mul(p);
            if step.saturating_mul(5) >= max {
                return step;
            }
        }
        p = p.saturating_mul(10);
    }
}

/// One hour-of-day chart as inline SVG: stacked bars, the window shaded.
fn chart(id: &str, title: &str, data: &[[u64; 2]; 24], window: Window) -> String {
    const W: f64 = 1000.0;
    const H: f64 = 306.0;
    const ML: f64 = 56.0;
    const MR: f64 = 16.0;
    const MT: f64 = 56.0;
    const MB: f64 = 46.0;
    let pw = W - ML - MR;
    let ph = H - MT - MB;
    let bw = pw / 24.0;
    let max = data.iter().map(|[a, b]| a + b).max().unwrap_or(0);
    let step = nice_step(max.max(1));
    let top = max.max(1).div_ceil(step).saturating_mul(step);
    let y = |v: u64| MT + ph - ph * (v as f64) / (top as f64);
    let x_of = |sec: u32| ML + pw * f64::from(sec) / 86_400.0;
    let total: u64 = data.iter().map(|[a, b]| a + b).sum();

    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" role=\"img\" \
         aria-label=\"{} ad traffic by local hour, {} events, legal window {window}\">",
        esc(title),
        total
    );
    // The legal window.
    let (wx0, wx1) = (x_of(window.start()), x_of(window.end()));
    let _ = writeln!(
        s,
        "<rect class=\"window\" x=\"{wx0:.1}\" y=\"{MT}\" width=\"{:.1}\" height=\"{ph}\" fill=\"#dcfce7\" stroke=\"#86efac\"/>",
        wx1 - wx0
    );
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#166534\">legal window {window}</text>",
        (wx0 + wx1) / 2.0,
        MT - 7.0
    );
    // Grid and y axis.
    for k in 0..=top / step {
        let v = k * step;
        let yy = y(v);
        let _ = writeln!(
            s,
            "<line x1=\"{ML}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#e5e7eb\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v}</text>",
            ML + pw,
            ML - 6.0,
            yy + 4.0
        );
    }
    // Bars.
    for (hour, [ok, bad]) in data.iter().enumerate() {
        let x = ML + bw * hour as f64 + bw * 0.15;
        let w = bw * 0.7;
        let tip = format!(
            "{hour:02}:00–{:02}:00: {ok} delivered, {bad} blocked",
            hour + 1
        );
        let _ = write!(s, "<g class=\"bar\"><title>{}</title>", esc(&tip));
        if *ok > 0 {
            let _ = write!(
                s,
                "<rect class=\"delivered\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"#2563eb\"/>",
                y(*ok),
                y(0) - y(*ok)
            );
        }
        if *bad > 0 {
            let _ = write!(
                s,
                "<rect class=\"blocked\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"#dc2626\"/>",
                y(ok + bad),
                y(*ok) - y(ok + bad)
            );
        }
        let _ = writeln!(s, "</g>");
    }
    // Hour ticks on the slot edges, so that the window's edges meet them.
    for hour in 0..=24u32 {
        let x = ML + bw * f64::from(hour);
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#6b7280\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{hour}</text>",
            MT + ph,
            MT + ph + 4.0,
            MT + ph + 17.0
        );
    }
    // Axes, labels, legend.
    let _ = writeln!(
        s,
        "<line x1=\"{ML}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#6b7280\"/>",
        MT + ph,
        ML + pw,
        MT + ph
    );
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">local hour</text>",
        ML + pw / 2.0,
        H - 8.0
    );
    let _ = writeln!(
        s,
        "<text x=\"14\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {:.1})\">events</text>",
        MT + ph / 2.0,
        MT + ph / 2.0
    );
    let lx = W - MR - 330.0;
    let _ = writeln!(
        s,
        "<g class=\"legend\"><rect x=\"{lx}\" y=\"10\" width=\"12\" height=\"12\" fill=\"#2563eb\"/>\
         <text x=\"{}\" y=\"20\">delivered</text>\
         <rect x=\"{}\" y=\"10\" width=\"12\" height=\"12\" fill=\"#dc2626\"/><text x=\"{}\" y=\"20\">blocked</text>\
         <rect x=\"{}\" y=\"10\" width=\"12\" height=\"12\" fill=\"#dcfce7\" stroke=\"#86efac\"/><text x=\"{}\" y=\"20\">legal window</text></g>",
        lx + 16.0,
        lx + 100.0,
        lx + 116.0,
        lx + 190.0,
        lx + 206.0
    );
    s.push_str("</svg>\n");
    s
}

fn signatures(h: &mut String, s: &Summary, policy: &Policy) {
    let _ = writeln!(
        h,
        "<section id=\"signatures\">\n<h2>Top spam signatures</h2>"
    );
    let set = policy.signatures();
    let mut top: Vec<(u32, u64)> = s
        .signatures
        .iter()
        .filter(|(&i, _)| (i as usize) < set.len())
        .map(|(&i, &n)| (i, n))
        .collect();
    if top.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"empty\">No message matched a spam signature.</p>\n</section>"
        );
        return;
    }
    top.sort_by(|a, b| b.1.cmp(&a.1).then(set.id(a.0).cmp(set.id(b.0))));
    let shown = top.len().min(TOP_SIGNATURES);
    let _ = writeln!(
        h,
        "<table id=\"top-signatures\">\n<thead><tr><th class=\"num\">#</th><th>Signature</th><th>Kind</th>\
         <th>Pattern</th><th class=\"num\">Messages</th></tr></thead>\n<tbody>"
    );
    for (rank, (i, n)) in top.iter().take(shown).enumerate() {
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
            rank + 1,
            esc(set.id(*i)),
            esc(set.kind(*i).name()),
            esc(set.pattern(*i)),
            group(*n)
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>");
    if top.len() > shown {
        let _ = writeln!(
            h,
            "<p class=\"note\">{} more signatures matched.</p>",
            top.len() - shown
        );
    }
    let _ = writeln!(h, "</section>");
}

/// How many hosts the report lists.
const TOP_LINK_HOSTS: usize = 50;

fn links(h: &mut String, s: &Summary) {
    let _ = writeln!(h, "<section id=\"links\">\n<h2>Links and look-alikes</h2>");
    if s.links.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"empty\">No message linked to a host (or the policy has no link rules).</p>\n</section>"
        );
        return;
    }
    let mut hosts: Vec<_> = s.links.iter().collect();
    hosts.sort_by(|a, b| b.1.messages.cmp(&a.1.messages).then(a.0.cmp(b.0)));
    let shown = hosts.len().min(TOP_LINK_HOSTS);
    let _ = writeln!(
        h,
        "<table id=\"links-by-host\">\n<thead><tr><th>Host</th><th class=\"num\">Messages</th>\
         <th class=\"num\">Blocked</th><th class=\"num\">URL_BLOCKED</th><th class=\"num\">LOOKALIKE</th>\
         <th>Imitates</th><th>Advertisers</th></tr></thead>\n<tbody>"
    );
    for (host, t) in hosts.iter().take(shown) {
        let brands: Vec<String> = t.brands.iter().map(|b| esc(b)).collect();
        let advs: Vec<String> = t.advertisers.iter().map(|a| esc(a)).collect();
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(host),
            group(t.messages),
            group(t.blocked),
            group(t.url_blocked),
            group(t.lookalike),
            brands.join(", "),
            advs.join(", ")
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>");
    if hosts.len() > shown {
        let _ = writeln!(
            h,
            "<p class=\"note\">{} more hosts were linked.</p>",
            hosts.len() - shown
        );
    }
    let linking: Vec<_> = s
        .per_advertiser
        .iter()
        .filter(|(_, t)| t.with_links > 0 || t.lookalikes > 0)
        .collect();
    if !linking.is_empty() {
        let _ = writeln!(
            h,
            "<table id=\"links-by-advertiser\">\n<thead><tr><th>Advertiser</th>\
             <th class=\"num\">Events with links</th><th class=\"num\">URL_NOT_ALLOWED</th>\
             <th class=\"num\">LOOKALIKE</th></tr></thead>\n<tbody>"
        );
        for (adv, t) in linking {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(adv),
                group(t.with_links),
                group(t.not_allowed),
                group(t.lookalikes)
            );
        }
        let _ = writeln!(h, "</tbody>\n</table>");
    }
    let _ = writeln!(h, "</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_matters() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn steps_are_nice() {
        assert_eq!(nice_step(1), 1);
        assert_eq!(nice_step(5), 1);
        assert_eq!(nice_step(6), 2);
        assert_eq!(nice_step(23), 5);
        assert_eq!(nice_step(1234), 500);
        assert_eq!(nice_step(u64::MAX), nice_step(u64::MAX));
    }

    #[test]
    fn chart_has_24_bars_and_the_window() {
        let mut d = [[0u64; 2]; 24];
        d[9] = [3, 1];
        d[23] = [0, 2];
        let svg = chart("c", "SMS", &d, Window::SMS);
        assert!(svg.starts_with("<svg id=\"c\""));
        assert_eq!(svg.matches("<g class=\"bar\">").count(), 24);
        assert_eq!(svg.matches("class=\"blocked\"").count(), 2);
        assert!(svg.contains("legal window 07:00-22:00"));
    }
}
