//! The spam signatures the robust-matching tests share
//! (`obfuscation_retention.rs`, `obfuscation_independent.rs`,
//! `robust_false_positives.rs`): 24 literals `L0`.. and 8 regexes `R0`..,
//! and how a test reads which fire.
#![allow(dead_code)]

use chanrac::content::{robust_text, FoldBuf, SignatureSet};

/// Literal signatures: phrases of real Vietnamese scam and ad spam.
pub const LITERALS: &[&str] = &[
    "vay tiền nhanh",
    "giải ngân trong ngày",
    "không cần thế chấp",
    "lãi suất ưu đãi",
    "trúng thưởng",
    "nhận quà tri ân",
    "tuyển cộng tác viên",
    "làm việc tại nhà",
    "thu nhập hấp dẫn",
    "sim số đẹp",
    "khuyến mãi đặc biệt",
    "tài khoản của bạn bị khóa",
    "bấm vào đường link",
    "xác thực tài khoản",
    "hỗ trợ vay vốn",
    "đáo hạn thẻ tín dụng",
    "rút tiền mặt",
    "cá cược bóng đá",
    "nạp tiền nhận thưởng",
    "trợ cấp thất nghiệp",
    "quà tặng miễn phí",
    "đơn hàng của bạn",
    "nhận lương cao",
    "chuyển khoản ngay",
];

/// Regex signatures, written over folded text as analysts write them.
pub const REGEXES: &[(&str, &str)] = &[
    (r"vay (tien|von) \d+ trieu", "vay tiền 50 triệu"),
    (r"lai suat \d+%", "lãi suất 0% tháng đầu"),
    (r"nap (the|tien) \d+k", "nạp thẻ 100k"),
    (r"giai ngan (nhanh|trong ngay)", "giải ngân nhanh"),
    (r"nhan (qua|thuong) (tri an|mien phi)", "nhận quà tri ân"),
    (r"tai khoan (bi khoa|tam khoa)", "tài khoản bị khóa"),
    (r"rut tien (mat|nhanh)", "rút tiền mặt"),
    (r"thu nhap \d+ (trieu|tr)", "thu nhập 15 triệu"),
];

/// The ids of the signatures of `set` that fire on `text`, sorted, once
/// each.
pub fn hits(set: &SignatureSet, text: &str) -> Vec<String> {
    let mut buf = FoldBuf::new();
    buf.fold(text);
    let mut out = Vec::new();
    set.scan(&buf, &mut out);
    let mut ids: Vec<String> = out.iter().map(|&i| set.id(i).to_string()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// One trick's row of a held-out table: over the cases of `trick` in
/// `cases` (the lines of `file`: trick, target, message; every trick one of
/// `tricks`), how many there are and how many `on` and `off` detect (the
/// target fires); prints each case `on` misses, and the row.
pub fn tally(
    on: &SignatureSet,
    off: &SignatureSet,
    file: &str,
    cases: &str,
    tricks: &[&str],
    trick: &str,
) -> (usize, usize, usize) {
    let (mut n, mut n_on, mut n_off) = (0, 0, 0);
    for (line, row) in cases.lines().enumerate() {
        let f: Vec<&str> = row.split('\t').collect();
        let [t, target, message] = f[..] else {
            panic!("{file} line {}: not 3 columns", line + 1);
        };
        assert!(tricks.contains(&t), "{file} line {}: trick {t}", line + 1);
        if t != trick {
            continue;
        }
        n += 1;
        let got = hits(on, message).iter().any(|h| h == target);
        n_on += usize::from(got);
        n_off += usize::from(hits(off, message).iter().any(|h| h == target));
        if !got {
            println!(
                "miss [{trick}] {target}: {message}\n    robust: {}",
                robust_text(message)
            );
        }
    }
    assert!(n > 0, "{file}: no case of {trick}");
    println!(
        "| {trick} | {n} | {n_on} ({:.1} %) | {n_off} ({:.0} %) |",
        100.0 * n_on as f64 / n as f64,
        100.0 * n_off as f64 / n as f64
    );
    (n, n_on, n_off)
}

/// Telex typing of one Vietnamese letter: (letters, tone letter).
pub fn telex(c: char) -> (String, Option<char>) {
    use unicode_normalization::UnicodeNormalization;
    let mut base = String::new();
    let mut tone = None;
    let mut mark = "";
    for d in c.to_string().nfd() {
        match d {
            '\u{0300}' => tone = Some('f'),
            '\u{0301}' => tone = Some('s'),
            '\u{0309}' => tone = Some('r'),
            '\u{0303}' => tone = Some('x'),
            '\u{0323}' => tone = Some('j'),
            '\u{0302}' => mark = "circ",
            '\u{0306}' => mark = "w",
            '\u{031B}' => mark = "w",
            'đ' => base.push_str("dd"),
            'Đ' => base.push_str("DD"),
            d => base.push(d),
        }
    }
    match mark {
        "circ" => {
            let b = base.clone();
            base.push_str(&b);
        }
        "w" => base.push('w'),
        _ => {}
    }
    (base, tone)
}

/// VNI typing: (letters with marks, tone digit).
pub fn vni(c: char) -> (String, Option<char>) {
    use unicode_normalization::UnicodeNormalization;
    let mut base = String::new();
    let mut tone = None;
    for d in c.to_string().nfd() {
        match d {
            '\u{0301}' => tone = Some('1'),
            '\u{0300}' => tone = Some('2'),
            '\u{0309}' => tone = Some('3'),
            '\u{0303}' => tone = Some('4'),
            '\u{0323}' => tone = Some('5'),
            '\u{0302}' => base.push('6'),
            '\u{031B}' => base.push('7'),
            '\u{0306}' => base.push('8'),
            'đ' => base.push_str("d9"),
            'Đ' => base.push_str("D9"),
            d => base.push(d),
        }
    }
    (base, tone)
}
