//! Table tests of the content rules: obfuscated spam that must match a
//! template, and ordinary Vietnamese messages that must not.

#![allow(clippy::unwrap_used)]

use chanrac::content::{
    contact_numbers, fold, FoldBuf, SignatureKind, SignatureSet, SignatureSetBuilder,
};

fn templates() -> SignatureSet {
    let mut b = SignatureSetBuilder::new();
    for (id, kind, pattern) in [
        ("vay-nhanh", SignatureKind::Literal, "vay tiền nhanh"),
        ("giai-ngan", SignatureKind::Literal, "giải ngân trong ngày"),
        ("the-chap", SignatureKind::Literal, "không cần thế chấp"),
        (
            "trung-thuong",
            SignatureKind::Literal,
            "chúc mừng quý khách đã trúng thưởng",
        ),
        ("zalo", SignatureKind::Literal, "kết bạn zalo"),
        ("ctv", SignatureKind::Literal, "tuyển cộng tác viên"),
        (
            "khoa-tk",
            SignatureKind::Literal,
            "tài khoản của quý khách bị khóa",
        ),
        ("lai-0", SignatureKind::Regex, r"lai suat 0[.,]?\d*%"),
        (
            "thu-nhap",
            SignatureKind::Regex,
            r"thu nhap (tu )?\d+ ?(k|tr|trieu)",
        ),
        (
            "link",
            SignatureKind::Regex,
            r"(bam|click|nhan) vao (duong )?link",
        ),
    ] {
        b.add(id, kind, pattern);
    }
    b.build().expect("templates compile")
}

fn matched(set: &SignatureSet, text: &str) -> Vec<String> {
    let mut buf = FoldBuf::new();
    buf.fold(text);
    let mut out = Vec::new();
    set.scan(&buf, &mut out);
    assert_eq!(set.is_match(&buf), !out.is_empty(), "{text}");
    out.iter().map(|&i| set.id(i).to_string()).collect()
}

#[test]
fn obfuscated_spam_matches() {
    let set = templates();
    let cases: &[(&str, &[&str])] = &[
        ("V.A.Y T-I-Ề-N nhanh", &["vay-nhanh"]),
        ("vay tiền nhanh", &["vay-nhanh"]),
        ("VAY TIEN NHANH", &["vay-nhanh"]),
        ("vау tiеn nhаnh", &["vay-nhanh"]), // Cyrillic а, у, е
        (
            "v\u{200B}a\u{200C}y t\u{200D}i\u{FEFF}ền nhanh",
            &["vay-nhanh"],
        ), // zero width
        ("ＶＡＹ ＴＩỀＮ ＮＨＡＮＨ", &["vay-nhanh"]), // full width
        ("ᴠᴀʏ ᴛɪềɴ ɴʜᴀɴʜ", &["vay-nhanh"]), // small capitals
        ("🆅🅰🆈 🆃🅸🅴̂̀🅽 🅽🅷🅰🅽🅷", &["vay-nhanh"]), // negative squared
        ("𝐕𝐀𝐘 𝐓𝐈𝐄̂̀𝐍 𝐍𝐇𝐀𝐍𝐇", &["vay-nhanh"]), // mathematical bold, combining marks
        ("Vay_tien_nhanh!!!", &["vay-nhanh"]),
        ("v a y t i e n n h a n h", &["vay-nhanh"]),
        ("vay\u{00AD}tiền\u{00AD}nhanh", &["vay-nhanh"]), // soft hyphens
        ("VΑY TΙEΝ ΝΗΑΝΗ", &["vay-nhanh"]),               // Greek capitals
        ("Vay tie\u{0302}\u{0300}n nhanh", &["vay-nhanh"]), // decomposed (NFD) Vietnamese
        (
            "[QC] VAY TIỀN NHANH, giải ngân trong ngày, KHÔNG CẦN THẾ CHẤP. Lãi suất 0,5%!",
            &["vay-nhanh", "giai-ngan", "the-chap", "lai-0"],
        ),
        ("Kết bạn Z.a.l.o 0912345678 để nhận ưu đãi", &["zalo"]),
        (
            "Tuyển cộng tác viên làm tại nhà, thu nhập từ 500k/ngày",
            &["ctv", "thu-nhap"],
        ),
        ("THU NHẬP 15 TRIỆU/THÁNG", &["thu-nhap"]),
        (
            "Tài khoản của quý khách bị khóa, bấm vào đường link sau",
            &["khoa-tk", "link"],
        ),
        ("LÃI SUẤT 0% trong 30 ngày", &["lai-0"]),
        ("lãi suất 0.9%/tháng", &["lai-0"]),
        (
            "CHÚC MỪNG QUÝ KHÁCH ĐÃ TRÚNG THƯỞNG 1 xe SH",
            &["trung-thuong"],
        ),
    ];
    for (text, want) in cases {
        assert_eq!(
            matched(&set, text),
            *want,
            "{text:?} folded {:?}",
            fold(text)
        );
    }
}

#[test]
fn ordinary_messages_do_not_match() {
    let set = templates();
    for text in [
        "Mẹ ơi tối nay con về muộn, mẹ cứ ăn cơm trước nhé",
        "Anh nhớ mua sữa cho bé nhé",
        "Họp lớp thứ 7 này ở quán cũ, 7 giờ tối",
        "Chúc mừng năm mới! An khang thịnh vượng",
        "Em đã chuyển khoản tiền nhà tháng này rồi",
        "Mai đi đá bóng không? Sân cũ nha",
        "Con đã nhận được quà của bà, con cảm ơn bà",
        "Cho tôi vay ít tiền, mai trả nhanh thôi",
        "Lãi suất tiết kiệm 12 tháng là 5,5%",
        "Tài khoản của em bị trừ tiền hai lần",
        "Bạn ơi kết bạn với mình trên Facebook nhé",
        "Chúc mừng sinh nhật em! 🎂🎁",
        "Thu nhập tháng này ổn không?",
        "Anh gửi link tài liệu qua email rồi",
        "",
        "   ",
        "ok",
    ] {
        assert_eq!(
            matched(&set, text),
            Vec::<String>::new(),
            "{text:?} folded {:?}",
            fold(text)
        );
    }
}

#[test]
fn contact_numbers_in_messages() {
    let cases: &[(&str, &[&str])] = &[
        ("Gọi ngay 0912 345 678", &["84912345678"]),
        ("LH +84 912.345.678 (Ms Lan)", &["84912345678"]),
        (
            "Zalo: 0912.345.678 / 0987-654-321",
            &["84912345678", "84987654321"],
        ),
        ("Hotline: 024 3456 7890", &["842434567890"]),
        ("Phí chỉ 5.000.000 đồng, giảm 50%", &[]),
        ("Mã OTP 123456, hết hạn sau 5 phút", &[]),
        ("Gọi 0 9 1 2 3 4 5 6 7 8", &["84912345678"]),
        ("sđt０９１２３４５６７８", &["84912345678"]),
    ];
    for (text, want) in cases {
        let got: Vec<String> = contact_numbers(&fold(text))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(got, *want, "{text:?}");
    }
}
