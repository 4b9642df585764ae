//! Message content: the rules that read the text of an SMS.
//!
//! - **S1, spam templates** (Decree 91/2020; Circular 22/2021 Art.4): a
//!   message matching a shared template (`signatures.csv`) is spam
//!   (`SPAM_SIGNATURE`). See [`SignatureSet`].
//! - **S3, suspended contact numbers** (QĐ 128/2016, QĐ 30/2021): a message
//!   advertising a contact number on the suspended list is spam
//!   (`SUSPENDED_CONTACT`). See [`for_each_contact`].
//!
//! Both read the *folded* text (docs/matching.md), which undoes the usual
//! obfuscations: diacritics, case, look-alike Cyrillic and Greek letters,
//! full-width forms, zero-width characters, punctuation between letters.
//!
//! | module | what |
//! |---|---|
//! | [`fold`](mod@fold) | [`FoldBuf`]: folded text and skeleton, reusable, allocation-free when warm |
//! | [`signatures`] | [`SignatureSetBuilder`] → [`SignatureSet`]: one automaton for all literals, prefiltered regexes |
//! | [`contacts`] | [`for_each_contact`]: the valid numbers written in a text |
//!
//! The check path folds once per message into a per-thread [`FoldBuf`] and
//! hands it to both rules; it also remembers, per thread, the content
//! verdicts of the last 1,024 texts it checked (under 1 KiB each, keyed by
//! the policy and the whole text), because a campaign sends one text to
//! many recipients. Used directly, the pieces look like this:
//!
//! ```
//! use chanrac::content::{for_each_contact, FoldBuf, SignatureKind, SignatureSetBuilder};
//! use chanrac::number::Number;
//!
//! // Compile path (once per policy).
//! let mut b = SignatureSetBuilder::new();
//! b.add("vay-nhanh", SignatureKind::Literal, "vay tiền nhanh");
//! b.add("lai-suat-0", SignatureKind::Regex, r"lai suat 0[.,]?\d*%");
//! let signatures = b.build()?;
//! let suspended = [Number::parse("0912 345 678").unwrap()];
//!
//! // Check path (per message; no allocation once warm).
//! let mut buf = FoldBuf::new();
//! let mut hits = Vec::new();
//! buf.fold("V.A.Y T-I-Ề-N nhanh\u{200B}, lãi suất 0,5%! Gọi +84 912.345.678");
//! assert_eq!(buf.skeleton(), "vaytiennhanhlaisuat05goi84912345678");
//! signatures.scan(&buf, &mut hits);
//! let ids: Vec<&str> = hits.iter().map(|&i| signatures.id(i)).collect();
//! assert_eq!(ids, ["vay-nhanh", "lai-suat-0"]);
//! let mut suspended_contact = false;
//! for_each_contact(buf.folded(), |n| suspended_contact |= suspended.contains(&n));
//! assert!(suspended_contact);
//!
//! // A clean message.
//! buf.fold("Chúc mừng sinh nhật! Tối nay 7 giờ gặp nhé.");
//! assert!(!signatures.is_match(&buf));
//! # Ok::<(), chanrac::content::SignatureError>(())
//! ```

pub mod contacts;
pub mod fold;
pub mod links;
pub mod lookalike;
pub mod robust;
pub mod signatures;
pub mod toned;
pub(crate) mod verdict;

pub use contacts::{contact_numbers, for_each_contact};
pub use fold::{fold, skeleton, FoldBuf};
pub use robust::{robust_skeleton, robust_text, RobustBuf};
pub use signatures::{SignatureError, SignatureKind, SignatureSet, SignatureSetBuilder};
pub use toned::toned_skeleton;
