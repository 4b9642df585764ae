//! The *toned skeleton* of a text, for diacritic-sensitive signatures
//! (`diacritic` kind): like the skeleton, but the Vietnamese letters keep
//! their marks, so `bắn cá` (`bắncá`) and `bán cá` (`báncá`) differ.
//!
//! Exactly: the text in Unicode NFC; each character lower-cased
//! (`char::to_lowercase`); a lower-case Vietnamese letter with a diacritic
//! (`à á ả ã ạ ă ằ … ự ỳ ý ỷ ỹ ỵ đ`, the 134 letters of the alphabet and its
//! tones) is kept as it is; any other character is folded on its own as in
//! the folded text (NFKC, look-alikes, marks dropped) and only its `a-z0-9`
//! are kept. Zero-width characters, punctuation and white space vanish as in
//! the skeleton.

use unicode_normalization::UnicodeNormalization;

use super::fold::fold_char;

/// The lower-case Vietnamese letters that carry a diacritic.
const TONED: &str = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ";

/// Whether `c` is a lower-case Vietnamese letter with a diacritic.
pub(crate) fn is_toned(c: char) -> bool {
    !c.is_ascii() && TONED.contains(c)
}

/// Appends the toned skeleton of `text` to `out`.
pub(crate) fn toned_skeleton_into(text: &str, out: &mut String) {
    for c in text.nfc() {
        for l in c.to_lowercase() {
            if is_toned(l) {
                out.push(l);
            } else if l.is_ascii() {
                if l.is_ascii_alphanumeric() {
                    out.push(l.to_ascii_lowercase());
                }
            } else {
                fold_char(l, &mut |o| {
                    if o.is_ascii_lowercase() || o.is_ascii_digit() {
                        out.push(o);
                    }
                });
            }
        }
    }
}

/// The toned skeleton of `text` (allocates).
///
/// ```
/// use chanrac::content::toned_skeleton;
/// assert_eq!(toned_skeleton("Bắn Cá đổi thưởng!"), "bắncáđổithưởng");
/// assert_ne!(toned_skeleton("bán cá"), toned_skeleton("bắn cá"));
/// assert_eq!(toned_skeleton("B.Ắ.N c\u{200B}á"), "bắncá");
/// ```
pub fn toned_skeleton(text: &str) -> String {
    let mut s = String::new();
    toned_skeleton_into(text, &mut s);
    s
}
