//! An independent, adversarial check of robust matching (docs/matching.md,
//! "The robust text"): whole spam messages written by hand, one trick at a
//! time, in styles `obfuscation_retention.rs`'s generator does not produce
//! (tone digits typed inside the syllable, `w` alone for `ư`, `9` for `g`,
//! `l`/`I` swapped, separators with spaces around them, ASCII arrows,
//! full-width and mathematical letters, ...), over the same 24 literal and
//! 8 regex signatures; and ordinary messages that look like the tricks
//! (flat numbers, times, prices, codes, English words, Telex-looking
//! names) on which robust matching must add no hit.
//!
//! A case counts as detected when its *target* signature (the one whose
//! phrase it disguises) fires, so that a literal matching elsewhere in the
//! message does not hide a miss. Cases marked `Miss` are known misses today
//! (see the report printed by `--nocapture`, and the comment on each); the
//! test fails if a case marked `Hit` stops being detected, or if a trick's
//! share falls below its measured floor. A `Miss` that starts to be
//! detected is printed, not failed: mark it `Hit` then.
//!
//! `cargo test -p chanrac --test obfuscation_independent -- --nocapture`
#![allow(clippy::unwrap_used, clippy::panic)]

mod spam;

use chanrac::content::{robust_text, SignatureKind, SignatureSet, SignatureSetBuilder};
use spam::{hits, LITERALS, REGEXES};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Now {
    /// Detected today (robust on); a regression if it stops.
    Hit,
    /// A known miss today (the reason is in the comment beside it).
    Miss,
}
use Now::{Hit, Miss};

/// (target signature, message, what happens today)
type Case = (&'static str, &'static str, Now);

/// Leetspeak, light: one or two letters replaced, in some words.
const LEET_LIGHT: &[Case] = &[
    (
        "L0",
        "[QC] V4y tiền nhanh chỉ cần CCCD, giải ngân sau 30 phút. Gọi ngay 0912.345.678",
        Hit,
    ),
    (
        "L4",
        "Chúc mừng thuê bao 0987xxx123 đã trúng thưởn9 xe SH 150i. Nhận giải tại: shvn-quatang.com",
        Hit,
    ),
    (
        "L2",
        "Hỗ trợ nợ xấu, kh0ng cần thế chấp, duyệt hồ sơ 15 phút. LH Zalo 0987 654 321",
        Hit,
    ),
    (
        "L3",
        "Lãi $uất ưu đãi chỉ 0.8%/tháng cho khách hàng mới, đăng ký tại vaynhanh247.com",
        Hit,
    ),
    (
        "L5",
        "Quý khách được nhận qu@ tri ân nhân dịp 20/11, truy cập https://tri-an-kh.vn trước 30/11",
        Hit,
    ),
    (
        "L6",
        "Tuyển cộng tác v1ên bán hàng online, thu nhập 10-15tr/tháng, inbox Zalo 0903 456 789",
        Hit,
    ),
    (
        "L9",
        "S1M số đẹp giá rẻ, đuôi 6868, 8888, 3979. Gọi ngay 0909.888.999 để giữ số",
        Hit,
    ),
    (
        "L11",
        "[VCB] Tài khoản của bạn bị kh0á do đăng nhập bất thường. Xác minh tại vcb-secure.top",
        Hit,
    ),
    (
        "L12",
        "Bấm vào đường l1nk sau để nhận 500k: bit.ly/nhanqua500",
        Hit,
    ),
    (
        "L16",
        "Rút tiền mặ7 từ thẻ tín dụng phí chỉ 1.5%, LH 0938 111 222",
        Hit,
    ),
    (
        "L14",
        "Hỗ trợ v@y vốn sinh viên tới 30 triệu, không cần chứng minh thu nhập. Zalo 0966.123.456",
        Hit,
    ),
    // `!` between two letters is leetspeak `i` (`t!n` -> `tin`).
    (
        "L15",
        "Đáo hạn thẻ t!n dụng tất cả ngân hàng, phí 1.6%. Hotline 1900 6868",
        Hit,
    ),
    // A final leet `4` in a text typed with its marks is no VNI tone: `cu4` -> `cua`.
    (
        "L21",
        "Đơn hàng cu4 bạn đang bị giữ tại kho, thanh toán phí 25k tại ghn-express.top",
        Hit,
    ),
    (
        "L22",
        "Việc nhẹ nhận lương c4o, 500k/ngày, không cần kinh nghiệm. Nhắn Zalo 0977 222 333",
        Hit,
    ),
    (
        "R1",
        "Vay tín chấp l4i suất 0% tháng đầu, giải ngân trong 2h. LH 0911 222 333",
        Hit,
    ),
    (
        "R2",
        "N4P thẻ 100k tặng 100k, chỉ hôm nay tại napthe-vip.com",
        Hit,
    ),
    (
        "R0",
        "Vay t1ền 50 triệu không thế chấp, nhận tiền trong ngày. 0933 444 555",
        Hit,
    ),
];

/// Leetspeak, heavy: most vowels and `t`, `s` as digits, capitals.
const LEET_HEAVY: &[Case] = &[
    (
        "L0",
        "V4Y 71ỀN NH4NH 50 TR1ỆU, G14I NG4N TR0NG NG4Y. LH 0912 345 678",
        Hit,
    ),
    (
        "L4",
        "CHÚC MỪNG B4N Đ4 7RÚNG 7HƯỞNG 1 X3 5H. NHẬN 7ẠI sh-thuong.vip",
        Hit,
    ),
    (
        "L3",
        "L41 5U47 UU Đ41 CH1 0.5%/7H4NG, VAY 7ỚI 500 TR1ỆU",
        Hit,
    ),
    (
        "L2",
        "KH0NG C4N 7H3 CH4P, CH1 C4N CCCD. G0I 0988 777 666",
        Hit,
    ),
    (
        "L11",
        "7ÀI KH04N CỦ4 B4N BỊ KH04 74M 7HỜI, X4C M1NH 74I vcb-verify.top",
        Hit,
    ),
    (
        "L18",
        "N4P 71ỀN NH4N 7HƯỞNG G4P Đ0I, CHỈ H0M N4Y 7ẠI game-vip.club",
        Hit,
    ),
    ("L9", "5IM 5Ố Đ3P GI4 R3, Đ4U 0912, G0I 0909 888 999", Hit),
    // `74C`: an amount's shape, but no unit, in a text written in leetspeak: `tac`.
    (
        "L6",
        "7UY3N C0NG 74C V13N L4M 0NLIN3, 7HU NH4P 10-20 7R1ỆU",
        Hit,
    ),
    (
        "L23",
        "CHUY3N KH04N NG4Y 500K Đ3 GIỮ CH0, 5TK 0123456789 VCB",
        Hit,
    ),
    // Known miss: `7h47` (thất) reads as the time 7:47 (leet_led, `time`); `71n` (tín) too few letters.
    (
        "L19",
        "7RỢ C4P 7H47 NGH13P Đ07 3: NH4P 7H0NG 71N 74I bhxh-gov.top",
        Miss,
    ),
    (
        "L16",
        "RÚ7 7I3N M47 7Ừ 7HẺ 7ÍN DỤNG, PHÍ 1.5%, LH 0938 111 222",
        Hit,
    ),
    // `CU4` in a text typed with its marks (`ĐƠN`, `ĐẾN`): leet `a`.
    (
        "L21",
        "ĐƠN H4NG CU4 B4N Đ4 ĐẾN KH0, PHÍ SHIP 30K, CK 74I: ghtk-pay.top",
        Hit,
    ),
    (
        "L17",
        "C4 CUOC B0NG Đ4 UY 71N, N4P 100K 7ẶNG 200K: bong88.vip",
        Hit,
    ),
    ("L8", "7HU NH4P H4P D4N 7Ừ 15-30 7R1ỆU/7H4NG", Hit),
    (
        "L13",
        "X4C 7HUC 74I KH04N NG4Y 7ẠI vietinbank-xacthuc.top Đ3 7R4NH BỊ KH04",
        Hit,
    ),
    (
        "L7",
        "L4M V13C 74I NH4, 7HU NH4P 300K/NG4Y, Z4L0 0909 111 222",
        Hit,
    ),
];

/// Repeated letters: tripled, doubled vowels with tones, doubled initials.
const REPEATED: &[Case] = &[
    (
        "L0",
        "Vaaay tiềềền nhanhhh chỉ cần CCCD, không thẩm định. Gọi 0912 345 678",
        Hit,
    ),
    (
        "L1",
        "Giảiii ngânnn trong ngàyyy, hồ sơ đơn giản, LH Zalo 0987.654.321",
        Hit,
    ),
    (
        "L4",
        "Chúc mừng bạn đã trúnggg thưởnggg 50 triệu!!! Nhận tại quatang-vn.com",
        Hit,
    ),
    (
        "L5",
        "Nhậận quàà tri âân khách hàng thân thiết, chi tiết: bit.ly/trian2024",
        Hit,
    ),
    (
        "L10",
        "Khuyếến mãii đặặc biệệt cuối tuần, giảm 50% toàn bộ, hotline 1900 1234",
        Hit,
    ),
    (
        "L17",
        "Cá cượợc bóóng đáá uy tín, nạp 100k tặng 200k tại bong88.vip",
        Hit,
    ),
    (
        "L8",
        "Tuyển gấp, thu nhậập hấấp dẫẫn 20-30tr/tháng, inbox 0909 111 222",
        Hit,
    ),
    (
        "L20",
        "Quààà tặặặng miễễễn phííí cho 100 khách đầu tiên, đăng ký tại qua-tang.vn",
        Hit,
    ),
    (
        "L16",
        "Rúttt tiềnnn mặttt từ thẻ tín dụng, phí 1.5%, gọi 0938 111 222",
        Hit,
    ),
    (
        "L14",
        "Hỗỗ trợợ vayyy vốốn kinh doanh tới 500 triệu, LH 0966 123 456",
        Hit,
    ),
    (
        "L22",
        "Việc nhẹ nnhận llương ccao, làm tại nhà, Zalo 0977 222 333",
        Hit,
    ),
    (
        "L21",
        "Đơnnn hànggg củaaa bạnnn đang chờ giao, xác nhận tại ghn-vn.top",
        Hit,
    ),
    (
        "R0",
        "Vayyy tiềnnn 50 triệuuu không thế chấp, 0933 444 555",
        Hit,
    ),
    (
        "R7",
        "Thuuu nhậppp 20 triệuuu mỗi tháng, nhắn tin 0988 555 666",
        Hit,
    ),
    (
        "L13",
        "Xáááccc thựựực tàiii khoảnnn ngay tại vcb-online.top",
        Hit,
    ),
    (
        "L0",
        "Vaay tìiềên nhaanh, giải ngân 5 phút, gọi 0912 000 111",
        Hit,
    ),
];

/// Telex typed without the input method: partial (some words), `dd`, `w`
/// for ư/ơ (after `u`/`o` and alone), tone keys after the final consonant
/// and inside the syllable.
const TELEX: &[Case] = &[
    (
        "L0",
        "Vay tieenf nhanh, chir caanf CCCD, giair ngaan 30 phuts. LH 0912 345 678",
        Hit,
    ),
    (
        "L1",
        "Giair ngaan trong ngayf, khoong thaamr ddinhj. Zalo 0987 654 321",
        Hit,
    ),
    (
        "L2",
        "Khoong caanf thees chaaps, lai suat thaaps. Goij 0988 777 666",
        Hit,
    ),
    (
        "L3",
        "Laix suaats uwu ddaix chir 0.5%, ddaw kys taij vaynhanh.vn",
        Hit,
    ),
    (
        "L4",
        "Chucs mungf quys khachs ddax trusng thuwowngr xe SH. Nhaanj taij sh-qua.vn",
        Hit,
    ),
    (
        "L5",
        "Nhaanj quaf tri aan 20/11 taij https://trian-kh.vn",
        Hit,
    ),
    (
        "L6",
        "Tuyeenr coongj tasc vieen bans hangf online, thu nhaapj 10tr",
        Hit,
    ),
    (
        "L7",
        "Tuyeenr nguwowif laamf vieecj taij nhaf, 300k/ngayf, Zalo 0909 111 222",
        Hit,
    ),
    (
        "L9",
        "Sim soos ddepj gias rer, dduooi 6868, goij 0909 888 999",
        Hit,
    ),
    (
        "L11",
        "Taif khoarn cuar bajn bij khoas, xasc minh taij vcb-verify.top",
        Hit,
    ),
    (
        "L12",
        "Baams vaof dduwowngf link sau ddeer nhaanj quaf: bit.ly/abc",
        Hit,
    ),
    (
        "L15",
        "Ddaso hajn thef tins dujng moij ngaan hangf, phis 1.6%",
        Hit,
    ),
    (
        "L17",
        "Cas cuwowcj bongs ddas uy tins, napj 100k tawngj 200k",
        Hit,
    ),
    (
        "L14",
        "Hoox trowj vay voons sinh vieen, LH 0966 123 456",
        Hit,
    ),
    ("L3", "Laix suaats wu ddaix cho khachs hangf mowis", Hit),
    ("L4", "Trusng thwowngr 100 trieeuj, nhaanj ngay", Hit),
    (
        "L8",
        "Viec nhe, thu nhaapj haaps daanx, Zalo 0909 111 222",
        Hit,
    ),
    ("L0", "Vay tiefen nhanh, giai ngan 5 phut", Hit),
    ("L22", "Nhaanj luwowng cao, 500k/ngayf", Hit),
    ("L23", "Chuyeenr khoarn ngay 500k ddeer giuwx chox", Hit),
];

/// VNI typed without the input method: tone digit at the end, after the
/// final consonant (`tien62`), right after the vowel (`gia3i`), `d9`.
const VNI: &[Case] = &[
    (
        "L0",
        "Vay tie6n2 nhanh, chi3 ca62n CCCD. LH 0912 345 678",
        Hit,
    ),
    ("L0", "Vay tien62 nhanh 5 phut, goi 0912 000 111", Hit),
    (
        "L1",
        "Gia3i nga6n trong nga2y, kho6ng tha63m d9i5nh. Zalo 0987 654 321",
        Hit,
    ),
    ("L1", "Giai3 ngan6 trong ngay2, ho so don gian", Hit),
    ("L2", "Kho6ng ca62n the61 cha61p, lai suat tha61p", Hit),
    ("L3", "La4i sua61t u7u d9a4i chi3 0.5%", Hit),
    ("L4", "Chuc1 mu72ng ba5n d9a4 tru1ng thu7o73ng xe SH", Hit),
    ("L4", "Trung1 thuong73 xe SH, nhan tai sh-qua.vn", Hit),
    (
        "L5",
        "Nha6n5 qua2 tri a6n 20/11 tai https://trian-kh.vn",
        Hit,
    ),
    ("L6", "Tuye6n3 co65ng ta1c vie6n ba1n ha2ng online", Hit),
    (
        "L21",
        "d9o7n ha2ng cu3a ba5n dang cho7 giao, xac nhan tai ghn-vn.top",
        Hit,
    ),
    ("L16", "Ru1t tie62n ma85t tu72 the3 tin1 du5ng", Hit),
    ("L9", "Sim so61 d9ep5 gia1 re3, goi 0909 888 999", Hit),
    ("L22", "Nha65n lu7o7ng cao, 500k/nga2y", Hit),
    ("L23", "Chuye63n khoa3n ngay 500k de giu cho", Hit),
    ("L11", "Tai2 khoa3n cu3a ba5n bi5 kho1a, xac minh ngay", Hit),
    ("L11", "Tai2 khoan3 cua3 ban5 bi5 khoa1, xac minh ngay", Hit),
];

/// Separators between letters: `.` `-` `_` `*` `/` `|` `~` `+` `,`,
/// spaces, mixed, with and without spaces around them.
const SEPARATORS: &[Case] = &[
    (
        "L0",
        "V.a.y t.i.ề.n n.h.a.n.h chỉ 5 phút, gọi 0912 345 678",
        Hit,
    ),
    (
        "L1",
        "G-I-Ả-I N-G-Â-N T-R-O-N-G N-G-À-Y, không thẩm định. Zalo 0987 654 321",
        Hit,
    ),
    (
        "L3",
        "L_Ã_I S_U_Ấ_T Ư_U Đ_Ã_I chỉ 0.5%/tháng tại vaynhanh.vn",
        Hit,
    ),
    (
        "L4",
        "Chúc mừng bạn đã t*r*ú*n*g t*h*ư*ở*n*g 1 xe SH, nhận tại sh-qua.vn",
        Hit,
    ),
    (
        "R4",
        "N/h/ậ/n q/u/à t/r/i â/n khách hàng 20/11 tại https://trian-kh.vn",
        Hit,
    ),
    (
        "L6",
        "T|U|Y|Ể|N C|Ộ|N|G T|Á|C V|I|Ê|N bán hàng, 10-15tr/tháng",
        Hit,
    ),
    (
        "L7",
        "Tuyển người l.à.m v-i-ệ-c t_ạ_i n*h*à, 300k/ngày, Zalo 0909 111 222",
        Hit,
    ),
    (
        "L8",
        "Việc nhẹ, t h u  n h ậ p  h ấ p  d ẫ n, nhắn 0909 111 222",
        Hit,
    ),
    (
        "L10",
        "K.h-u_y*ế/n m.ã.i đ-ặ-c b.i.ệ.t cuối tuần, giảm 50%",
        Hit,
    ),
    (
        "R6",
        "R . Ú . T  T . I . Ề . N  M . Ặ . T tại nhà, phí 1.5%",
        Hit,
    ),
    (
        "R0",
        "V.A.Y T.I.Ề.N 50 T.R.I.Ệ.U không thế chấp, LH 0933 444 555",
        Hit,
    ),
    ("R2", "N-Ạ-P T-H-Ẻ 100K tặng 100K, chỉ hôm nay", Hit),
    ("R1", "L.ã.i s.u.ấ.t 0% tháng đầu, giải ngân 2h", Hit),
    (
        "R5",
        "T/à/i k/h/o/ả/n b/ị k/h/ó/a, xác minh tại vcb-verify.top",
        Hit,
    ),
    ("R3", "g i ả i  n g â n  n h a n h, hồ sơ đơn giản", Hit),
    ("R7", "T~h~u n~h~ậ~p 20 t~r~i~ệ~u/tháng", Hit),
    // Evenly spaced letters over several words join into one word
    // (`vaytien`); the regex's spaceless form matches on it.
    ("R0", "v a y t i ề n 50 t r i ệ u, gọi 0933 444 555", Hit),
    ("R6", "Rút+tiền+nhanh, phí thấp, LH 0938 111 222", Hit),
    (
        "R4",
        "Nhận.quà.tri.ân khách hàng thân thiết tại bit.ly/trian",
        Hit,
    ),
    ("R0", "Vay - tiền - 50 - triệu, không thế chấp", Hit),
    ("R6", "Rút | tiền | nhanh 24/7, phí 1%", Hit),
    // A lone comma links spelled-out letters; the space between `P` and `T` is a word break.
    ("R2", "N,Ạ,P T,H,Ẻ 100K tặng 100K", Hit),
];

/// Emoji and symbols between words and between letters.
const EMOJI: &[Case] = &[
    (
        "R0",
        "💰Vay💰tiền💰50💰triệu💰 không thế chấp, LH 0933 444 555",
        Hit,
    ),
    ("R0", "V❤️A❤️Y T❤️I❤️Ề❤️N 50 TRIỆU, giải ngân 1h", Hit),
    ("R1", "🔥Lãi🔥suất🔥0%🔥 tháng đầu cho KH mới", Hit),
    (
        "R2",
        "★ Nạp ★ thẻ ★ 100k ★ nhận ngay 200k tại napthe.vip",
        Hit,
    ),
    ("R3", "Giải ✨ ngân ✨ nhanh, chỉ cần CCCD", Hit),
    (
        "R4",
        "Nhận🎁quà🎁tri🎁ân khách hàng, xem tại bit.ly/trian",
        Hit,
    ),
    (
        "R5",
        "⚠️ Tài ➡️ khoản ➡️ bị ➡️ khóa ⚠️ xác minh ngay: vcb-verify.top",
        Hit,
    ),
    ("R6", "R💵Ú💵T T💵I💵Ề💵N M💵Ặ💵T tại nhà, phí 1.5%", Hit),
    ("R7", "Thu ⭐ nhập ⭐ 20 ⭐ triệu/tháng, làm online", Hit),
    ("R0", "Vay tiền ♥ 50 ♥ triệu, không thế chấp", Hit),
    (
        "R3",
        "👉 giải 👉 ngân 👉 trong 👉 ngày 👈 hồ sơ đơn giản",
        Hit,
    ),
    ("L4", "Chúc mừng bạn t🔥r🔥ú🔥n🔥g th🔥ư🔥ởng 1 xe SH", Hit),
    ("R6", "Rút >> tiền >> nhanh, phí 1%", Hit),
    // Known miss: a single arrow between two words is kept as written
    // (robust.rs: gap): `lãi suất => 6%` in an ordinary message has the
    // same shape (robust_false_positives.rs).
    ("R2", "Nạp thẻ => 100k tặng 100k", Miss),
    ("R7", "Thu nhập 2️⃣0️⃣ triệu mỗi tháng", Hit),
    (
        "R5",
        "Tài khoản 🔒 bị khóa 🔒 liên hệ ngay 0912 000 111",
        Hit,
    ),
    ("R1", "Lãi suất 💯 0% cho khách mới", Hit),
];

/// Mixtures: leet + separators, Telex + capitals, full-width or
/// mathematical letters + leet, look-alike `l`/`I`, Cyrillic + leet.
const MIXTURES: &[Case] = &[
    ("L0", "V.4.Y T.1.Ề.N N.H.4.N.H, gọi 0912 345 678", Hit),
    ("L1", "G-1-Ả-1 N-G-Â-N TR0NG NG4Y, LH 0987 654 321", Hit),
    ("L0", "VAY TIEENF NHANH CHIR CAANF CCCD", Hit),
    (
        "L11",
        "TAIF KHOARN CUAR BAJN BIJ KHOAS, XASC MINH TAIJ vcb-verify.top",
        Hit,
    ),
    ("L0", "ＶＡＹ ＴＩỀＮ ＮＨ４ＮＨ ５０ ＴＲＩỆＵ", Hit),
    ("L4", "ＴＲÚＮＧ ７ＨƯỞＮＧ ＸＥ ＳＨ", Hit),
    ("L0", "𝐕𝟒𝐘 𝐓𝐈Ề𝐍 𝐍𝐇𝐀𝐍𝐇, gọi 0912 345 678", Hit),
    // `l` written for capital `I` in a word in capitals (step 0).
    ("L0", "VAY TlỀN NHANH 50 TRIỆU, GỌI 0912 345 678", Hit),
    // Capital `I` written for `L` (step 0: `iai` is no syllable, `lai` is).
    ("L3", "IÃI SUẤT ƯU ĐÃI CHỈ 0.5%", Hit),
    ("L2", "K🔥H🔥0🔥N🔥G C🔥Ầ🔥N T🔥H🔥Ế C🔥H🔥Ấ🔥P", Hit),
    ("L3", "Laix $uaats uwu ddaix chir 0.5%", Hit),
    ("L0", "Vaaay t1ềềền nhanhhh, gọi 0912 345 678", Hit),
    (
        "L18",
        "🔥 NAPJ TIEENF NHAANJ THUWOWNGR 🔥 game-vip.club",
        Hit,
    ),
    ("L22", "NHẬN LƯƠNG C4О, LÀM TẠI NHÀ", Hit),
    // `@` linked to a letter by one splitter is a token of the run (`qu.@`).
    ("L5", "N.h.ậ.n q.u.@ t.r.1 â.n tại bit.ly/trian", Hit),
    ("L4", "TRU1NG THU7O73NG XE SH", Hit),
    ("L9", "S.1.M S.Ố Đ.Ẹ.P, gọi 0909 888 999", Hit),
    ("L16", "R.U.S.T T.I.E.E.N.F M.A.J.T tại nhà", Hit),
    ("L0", "V4y t1eenf nhanh, gọi 0912 345 678", Hit),
];

/// Each trick, its cases, and the share (percent, robust on) measured when
/// this file was written, rounded down: a floor against regressions, not a
/// goal (the goal is 90 % for every trick; see the known misses above).
const TRICKS: &[(&str, &[Case], f64)] = &[
    ("leet light", LEET_LIGHT, 100.0),
    ("leet heavy", LEET_HEAVY, 93.0),
    ("repeated letters", REPEATED, 100.0),
    ("telex", TELEX, 100.0),
    ("vni", VNI, 100.0),
    ("separators", SEPARATORS, 100.0),
    ("emoji/symbols", EMOJI, 94.0),
    ("mixtures", MIXTURES, 100.0),
];

/// Ordinary messages that look like the tricks: none is spam.
const ORDINARY: &[&str] = &[
    "Căn hộ P1205 tòa T3 bàn giao ngày 12/10, anh chị nhớ mang CCCD",
    "Hẹn 7h30 sáng mai ở quán cafe Tùng nhé, anh đến sớm 15p",
    "Áo 150k, quần 200k, ship 30k nha chị, tổng 380k",
    "Mã OTP của bạn là 123456, có hiệu lực 3 phút. Không chia sẻ mã cho bất kỳ ai",
    "Team mình họp online lúc 9h, link meet gửi trong group nhé",
    "Shop free ship cho đơn từ 300k, hàng về thứ 6 nha bạn",
    "Anh Nhân gửi tool mới rồi, em cài thử rồi báo lại anh",
    "Đọc tin trên www.vnexpress.net đi, có bài về lãi suất tiết kiệm tăng",
    "Lớp 10A1 nộp tiền quỹ 50k trước thứ 6, bạn lớp trưởng thu",
    "Chị Nhaan ơi, mai em qua lấy hàng nhé",
    "Phòng 4A tầng 3, gõ cửa 2 lần nha",
    "Sim 4G của bạn sắp hết dung lượng, soạn MAX gửi 191 để gia hạn",
    "Tuan oi, toi nay 8h da bong o san Hoa Binh nhe",
    "Con trai nhận lương tháng này cao hơn rồi mẹ ạ",
    "Em chuyển khoản tiền học cho con rồi nhé",
    "Bố ơi, xe bus số 32 hôm nay đi chậm, con về trễ 20p",
    "Họp phụ huynh lớp 5A2 vào 14h ngày 20/10 tại phòng 204",
    "Gửi em file báo cáo Q3, số liệu tháng 7-8-9 nhé",
    "Hàng của chị đã tới bưu cục, mã vận đơn GHN123456VN",
    "Wifi nhà mình pass là 12345678, đổi rồi nhé",
    "Anh Dũng ơi, tối nay 19h45 đá bóng ở sân Mỹ Đình, nhớ mang giày",
    "Tiền điện tháng 10 là 1tr250, tiền nước 120k, em chuyển giúp anh",
    "Thứ 7 này 7h sáng đi làm từ thiện ở quận 7 nhé mọi người",
    "Mẹ gửi 2 hộp bánh qua xe khách, số xe 29B-123.45, 3h chiều tới",
    "Sếp duyệt nghỉ phép 3 ngày từ 12/10 đến 14/10 rồi em",
    "Đặt bàn 6 người lúc 18h30 tại nhà hàng Hoa Sen, tên Nhân",
    "OK em, tool chạy ngon rồi, 100% pass test",
    "Vietcombank: TK 0123456789 +5,000,000 VND luc 10:15 12/10. SD: 12,345,678 VND. ND: luong thang 9",
    "Nhà mình ở ngõ 4, số 18, đi qua cổng trường THCS rẽ trái",
    "Anh nhận được quà rồi, cảm ơn em nhiều nha",
    "Em fix bug xong roi, deploy len server nhe, 5 phut nua test",
    "Chúc mừng năm mới 🎉🎉 An khang thịnh vượng, vạn sự như ý",
    "Thứ 2 - 4 - 6 học tiếng Anh, 3 - 5 - 7 học toán nha con",
    "Giá: 1.200.000đ - giảm 10% còn 1.080.000đ, anh lấy không?",
    "Gửi anh N.V.A và chị T.T.H: họp lớp cũ 10A1 tối 12/10",
    "Con ở phòng 4nh... à nhầm, phòng 401 nhà B nha mẹ",
    "Cả nhà đi xem boong tàu, xoong nồi để đó chiều rửa",
    "Tối nay em cho mèo ăn pate 3 lần, ngủ sớm nha anh",
    "Mai thi Toán 7h, con mang thước, bút chì 2B và máy tính Casio",
    "Chú Tư vay ông 5 triệu, tháng sau trả, mẹ nhắn vậy thôi",
    "Bạn Lan2 lớp mình đổi số rồi, số mới 0987 111 222",
    "Anh ơi em ở 7ngõ Huế, tầng4, chuông hỏng gọi em nhé",
    "Sale 50% tất cả giày, cuối tuần ghé shop nha chị",
    "Em gửi chị link ảnh cưới: drive.google.com/abc, tải về nha",
];

fn set(robust: bool) -> SignatureSet {
    let mut b = SignatureSetBuilder::new();
    b.robust(robust);
    for (i, p) in LITERALS.iter().enumerate() {
        b.add(format!("L{i}"), SignatureKind::Literal, *p);
    }
    for (i, p) in REGEXES.iter().map(|r| r.0).enumerate() {
        b.add(format!("R{i}"), SignatureKind::Regex, p);
    }
    b.build().unwrap()
}

fn pattern_of(id: &str) -> &'static str {
    let n: usize = id[1..].parse().unwrap();
    if id.starts_with('L') {
        LITERALS[n]
    } else {
        REGEXES[n].0
    }
}

#[test]
fn hand_written_disguises_keep_their_detection() {
    let (on, off) = (set(true), set(false));
    let mut misses = Vec::new();
    let mut regressions = Vec::new();
    let mut recovered = Vec::new();
    println!();
    println!("| trick | cases | robust on | robust off | known misses |");
    println!("|---|---|---|---|---|");
    let mut all = (0, 0, 0);
    let mut below = Vec::new();
    let mut lost = Vec::new();
    for &(trick, cases, floor) in TRICKS {
        let (mut n_on, mut n_off, mut known) = (0, 0, 0);
        for &(target, text, now) in cases {
            let h_on = hits(&on, text);
            let h_off = hits(&off, text);
            let got_on = h_on.iter().any(|h| h == target);
            n_on += usize::from(got_on);
            let got_off = h_off.iter().any(|h| h == target);
            n_off += usize::from(got_off);
            if got_off && !got_on {
                lost.push((trick, target, text));
            }
            known += usize::from(now == Miss);
            if !got_on {
                misses.push((trick, target, text, h_on.clone()));
            }
            match (now, got_on) {
                (Hit, false) => regressions.push((trick, target, text)),
                (Miss, true) => recovered.push((trick, target, text)),
                _ => {}
            }
        }
        let share = 100.0 * n_on as f64 / cases.len() as f64;
        if share < floor {
            below.push((trick, share, floor));
        }
        all.0 += cases.len();
        all.1 += n_on;
        all.2 += n_off;
        println!(
            "| {trick} | {} | {n_on} ({:.0} %) | {n_off} ({:.0} %) | {known} |",
            cases.len(),
            100.0 * n_on as f64 / cases.len() as f64,
            100.0 * n_off as f64 / cases.len() as f64,
        );
    }
    println!(
        "| all | {} | {} ({:.0} %) | {} ({:.0} %) | |",
        all.0,
        all.1,
        100.0 * all.1 as f64 / all.0 as f64,
        all.2,
        100.0 * all.2 as f64 / all.0 as f64
    );
    println!("\nmisses (robust on), with the robust text:");
    for (trick, target, text, other) in &misses {
        println!(
            "- [{trick}] {target} `{}`\n    message: {text}\n    robust:  {}\n    other signatures firing: {other:?}",
            pattern_of(target),
            robust_text(text)
        );
    }
    for (trick, target, text) in &recovered {
        println!("now detected, mark it Hit: [{trick}] {target} {text}");
    }
    assert!(TRICKS.iter().all(|t| t.1.len() >= 8));
    assert!(
        lost.is_empty(),
        "robust matching lost a plain match: {lost:#?}"
    );
    assert!(
        regressions.is_empty(),
        "no longer detected: {regressions:#?}"
    );
    assert!(below.is_empty(), "below the floor: {below:?}");
}

#[test]
fn ordinary_look_alikes_gain_no_hit_from_robust_matching() {
    let (on, off) = (set(true), set(false));
    let mut added = Vec::new();
    let mut both = Vec::new();
    for &text in ORDINARY {
        let (h_on, h_off) = (hits(&on, text), hits(&off, text));
        let new: Vec<&String> = h_on.iter().filter(|h| !h_off.contains(h)).collect();
        if !new.is_empty() {
            added.push((
                text,
                new.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                robust_text(text),
            ));
        }
        if !h_off.is_empty() {
            both.push((text, h_off));
        }
    }
    println!(
        "\nordinary messages: {}; hits added by robust matching: {}; hits with robust off: {}",
        ORDINARY.len(),
        added.len(),
        both.len()
    );
    for (text, ids, robust) in &added {
        println!("- added {ids:?}: {text}\n    robust: {robust}");
    }
    for (text, ids) in &both {
        println!("- plain hit {ids:?}: {text}");
    }
    assert!(ORDINARY.len() >= 30);
    assert!(added.is_empty(), "{added:#?}");
}
