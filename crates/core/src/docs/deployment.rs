//! # Deploying chanrac
//!
//! ## Policies
//!
//! A policy is a directory of CSV files and an optional `policy.toml`
//! (docs/formats.md; `examples/policy/` has one of each, commented). Every
//! file is optional. A bad row stops the load with the file, the physical
//! line and the column, and nothing is half-loaded, so a reload that fails
//! leaves the running policy in place.
//!
//! For production, compile the directory into one file and ship that:
//!
//! ```text
//! chanrac build --policy /etc/chanrac/policy --out /var/lib/chanrac/policy.snap.new
//! mv /var/lib/chanrac/policy.snap.new /var/lib/chanrac/policy.snap   # atomic
//! ```
//!
//! The snapshot is versioned and checksummed; the adapters and every
//! command take it as `--policy`, map it without copying the DNC list, and
//! refuse a truncated, damaged or other-version file with a message naming
//! it. Write a new file and rename it over the old one: never modify a
//! snapshot in place while it is mapped.
//!
//! ## Reloads
//!
//! The adapters reload on `SIGHUP` and when a policy file changes; a library
//! host calls [`Engine::swap`](crate::Engine::swap). DNC changes made live
//! (5656) since the engine started stay on top of the reloaded list, merged
//! or not, so a list exported before they arrived does not undo them; call
//! [`Engine::discard_dnc_changes`](crate::Engine::discard_dnc_changes) when
//! the reloaded list already holds them.
//!
//! ## State
//!
//! Give each engine its own state directory (`--state DIR`). It holds
//! numbered snapshots and journal segments; compact it now and then
//! (`StateDir::compact`, the adapters do it themselves) to drop ads older
//! than 24 hours and opt-ins and registration marks older than the
//! retention (400 days by default; Decree 91 Art.11 asks advertisers to
//! keep consent records at least one year); opt-outs are kept.
//!
//! In memory, the pairs live in a lock-free table of 32 bytes a slot that
//! doubles when half full: 64 to 128 bytes a remembered pair (the table is
//! between a quarter and half full), plus the old table while it grows. Size it for the pairs you expect
//! ([`StateConfig`](crate::state::StateConfig)`::initial_slots`), bound it
//! (`max_bytes`; the adapters' `--state-max-mb`) and pick what a new pair
//! gets beyond the bound ([`OnFull`](crate::state::OnFull); `--on-full`):
//! `block` (`STATE_FULL`, the default) or `deliver`. Alarm on
//! [`StateStats::full_events`](crate::state::StateStats). The adapters run
//! [`Engine::maintain`](crate::Engine::maintain) every second on a blocking
//! thread; a library host should do the same from a thread it owns.
//!
//! ## The compliance tools
//!
//! - `chanrac inbox` turns a day of messages to 5656 into the next `dnc.csv`,
//!   the appendix report list and the rejected messages;
//! - `chanrac suspensions` makes the twice-monthly suspension request list
//!   from the reports, without repeating earlier requests;
//! - `chanrac replay --mode audit --report day.html` prices a day of
//!   delivered traffic by the decree in force on each event's date;
//! - `chanrac scrub` cleans an advertiser's campaign list before it is sent.
