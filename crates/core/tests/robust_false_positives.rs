//! An adversarial false-positive hunt for robust matching (docs/matching.md,
//! "The robust text"): ordinary Vietnamese SMS written by hand — family and
//! friends in heavy teencode (`ko`, `dc`, `j`, `z`, `w`, `oy`, `2day`,
//! `g9`, `hi5`, `điiii`), work, school, shopping, deliveries, banks' codes
//! and balances, carriers, appointments, English mixed in, product and model
//! names (`A52s`, `VF9`, `U23`), codes, flats, times and prices — matched
//! against the 24 literals and 8 regexes of `obfuscation_retention.rs` and
//! a larger set of realistic spam and scam signatures (loans, gambling,
//! prizes, phishing, jobs, SIMs, and the short words analysts do write:
//! `nạp`, `thẻ`, `link`, `otp`, ...), built twice, robust matching on and
//! off. A *robust-only false positive* is a signature that fires on an
//! ordinary message with robust matching on and not with it off.
//!
//! The ones found today are listed in `KNOWN`, each with the rule of the
//! robust text that makes it; the test fails if any other ordinary message
//! gains a hit from robust matching (a known one that stops firing is
//! printed, not failed: take it out of the list then).
//!
//! `cargo test -p chanrac --test robust_false_positives -- --nocapture`
//! prints every robust-only hit with the folded and robust texts.
#![allow(clippy::unwrap_used, clippy::panic)]

mod spam;

use chanrac::content::signatures::robust_regex;
use chanrac::content::{
    fold, robust_skeleton, robust_text, SignatureKind, SignatureSet, SignatureSetBuilder,
};
use spam::{hits, LITERALS, REGEXES};

/// More literals of real spam and scam, `X0`..: phrases, and the short
/// words analysts do write.
const MORE_LITERALS: &[&str] = &[
    // Loans.
    "vay nhanh",                     // X0
    "giải ngân",                     // X1
    "hỗ trợ nợ xấu",                 // X2
    "vay tín chấp",                  // X3
    "duyệt hồ sơ",                   // X4
    "không cần chứng minh thu nhập", // X5
    "lãi suất thấp",                 // X6
    "vay online",                    // X7
    "chỉ cần cccd",                  // X8
    "bốc bát họ",                    // X9
    "vay theo lương",                // X10
    "hỗ trợ tài chính",              // X11
    // Gambling.
    "nhà cái",            // X12
    "cá độ",              // X13
    "nổ hũ",              // X14
    "tài xỉu",            // X15
    "bắn cá",             // X16
    "game bài",           // X17
    "đá gà",              // X18
    "casino",             // X19
    "lô đề",              // X20
    "soi cầu",            // X21
    "hoàn trả",           // X22
    "khuyến mãi nạp đầu", // X23
    // Prizes.
    "trúng thưởng",      // X24
    "quay số",           // X25
    "tri ân khách hàng", // X26
    "phần thưởng",       // X27
    "nhận giải",         // X28
    "may mắn trúng",     // X29
    "mã dự thưởng",      // X30
    "quà tặng",          // X31
    "voucher",           // X32
    // Phishing.
    "xác minh tài khoản",      // X33
    "cập nhật thông tin",      // X34
    "tài khoản bị khóa",       // X35
    "đăng nhập tại",           // X36
    "tạm khóa",                // X37
    "bị đình chỉ",             // X38
    "chuẩn hóa thông tin",     // X39
    "thuê bao sẽ bị khóa",     // X40
    "truy cập link",           // X41
    "phạt nguội",              // X42
    "hoàn tiền",               // X43
    "điểm thưởng sắp hết hạn", // X44
    // Jobs.
    "việc nhẹ lương cao", // X45
    "cộng tác viên",      // X46
    "làm online",         // X47
    "hoa hồng",           // X48
    "kiếm tiền",          // X49
    "việc làm thêm",      // X50
    "chốt đơn",           // X51
    "nhiệm vụ",           // X52
    // SIMs.
    "sim số đẹp", // X53
    "sim vip",    // X54
    "tứ quý",     // X55
    // Ads, investment.
    "ưu đãi",       // X56
    "khuyến mãi",   // X57
    "miễn phí",     // X58
    "đầu tư",       // X59
    "lợi nhuận",    // X60
    "tiền ảo",      // X61
    "forex",        // X62
    "đất nền",      // X63
    "giảm cân",     // X64
    "đăng ký ngay", // X65
    "liên hệ ngay", // X66
    // Short words.
    "nạp",      // X67
    "thẻ",      // X68
    "link",     // X69
    "otp",      // X70
    "vay",      // X71
    "lãi",      // X72
    "cược",     // X73
    "bet",      // X74
    "vip",      // X75
    "zalo",     // X76
    "free",     // X77
    "sex",      // X78
    "visa",     // X79
    "bonus",    // X80
    "tặng",     // X81
    "gái xinh", // X82
];

/// More regexes, written over folded text as analysts write them, `Y0`..
const MORE_REGEXES: &[&str] = &[
    r"vay \d+ ?(tr|trieu)",                          // Y0
    r"giai ngan (trong|sau) \d+ ?(phut|gio|h)",      // Y1
    r"lai suat (chi )?(tu )?\d+([.,]\d+)?%",         // Y2
    r"nap (lan )?dau (tang|nhan)",                   // Y3
    r"tang \d+ ?k\b",                                // Y4
    r"(truy cap|bam|click) (vao )?(link|ngay)",      // Y5
    r"(zalo|zl)[ :.]*0\d{9}",                        // Y6
    r"nha cai \w+",                                  // Y7
    r"hoan tra \d+%",                                // Y8
    r"tai khoan .{0,20}(bi khoa|tam khoa|dinh chi)", // Y9
    r"xac (minh|thuc) (tai khoan|thong tin)",        // Y10
    r"cap nhat (thong tin|cccd|sinh trac)",          // Y11
    r"thu nhap (tu )?\d+ ?(tr|trieu|k)",             // Y12
    r"luong \d+ ?(tr|trieu)",                        // Y13
    r"tuyen \d+ (ctv|nhan vien)",                    // Y14
    r"trung thuong (xe|dien thoai|iphone|\d+)",      // Y15
    r"sim (so dep|vip|tu quy)",                      // Y16
    r"no hu (doi thuong|\d+)",                       // Y17
    r"(fb|w|m|v)88",                                 // Y18
    r"\bib (zalo|ngay|em)\b",                        // Y19
    r"uu dai \d+%",                                  // Y20
    r"\bbit\.ly/\w+",                                // Y21
];

/// Ordinary messages: none is spam.
const ORDINARY: &[&str] = &[
    // Family and friends, heavy teencode.
    "ko bít nữa, để t hỏi mẹ r nt lại cho m nha",
    "e ơi tối nay a về trễ, e ăn trc đi nhé, ko cần chờ a",
    "mk đag ở nhà bn, lát qua đón bn đi chơi dc ko",
    "Đc r, 7h tối nay gặp ở quán cũ nha, nhớ mang tiền trả nợ t 😂",
    "j z tr, sao nay nhắn ko trl z 😤",
    "ntn là ntn, hôm qua ns r mà ko nghe 😒",
    "bjo m ở đâu, t qua lấy đồ cho",
    "iu bn nhìu lắm luôn á 😘😘",
    "hok có j đâu, t đùa thôi mà hihi",
    "đẹp w trời ơi, mua ở đâu z bà",
    "chị Lan tốt w, đãi cả phòng ăn trưa luôn",
    "bùn w, mai thi r mà chưa học j hết",
    "ăn cơm chưa, ăn r thì ngủ sớm đi nha, g9 😴",
    "2day là ngày vui nhất của t, cảm ơn mn nhiều nhoaaa",
    "b4 đi ngủ nhớ tắt quạt nha con",
    "Mãi iu, 4u hết nha ❤️",
    "Hi5 cái coi, đậu r nè 🎉🎉",
    "bye2, mai gặp nha",
    "điiii mà, đi với t điiii, buồn quá à",
    "nhaaa, nhớ nhaaa, ko quên đâu đó",
    "Ukm, mai đi sớm nhé, t chờ ở cổng trường",
    "oy xong oy, về thôi",
    "xong ui, mệt quá đi mất",
    "vk ơi ck về muộn nhé, họp đột xuất",
    "ck ơi mua giúp vk hộp sữa với bỉm cho con nha",
    "ny t giận r, giờ làm sao đây mn 😭",
    "ms về tới nhà, mệt xỉu luôn á",
    "cx đc, miễn là vui là đc",
    "lm bài tập chưa, cho t chép vs 🙏",
    "đg lm, lát nt lại nhé",
    "kq thi có r đó, vô web trường coi đi",
    "hnay trời lạnh ghê, mặc ấm vô nha",
    "hqua t thấy nó đi vs ny mới ở Vincom",
    "tks bạn nhiều nha, hôm nào t bao trà sữa",
    "sr nha, t ngủ quên mất 😅",
    "ok oke okie, 8h t qua",
    "hix, mất ví r, trong có cả căn cước với thẻ ATM",
    "huhu điểm thấp quá, ko dám về nhà",
    "hjhj cảm ơn chị nha, quà đẹp lắm",
    "kaka, nhìn mặt nó buồn cười vl",
    "vãi, sao m biết hay z",
    "ae ơi tối nay đá bóng ko, 19h sân cũ",
    "ace nhóm mình nộp tiền quỹ lớp 50k cho Hà nha",
    "ib t cái số tk, t ck tiền cho",
    "t ck r nha, check đi",
    "m nạp thẻ cho t 50k đc ko, mai t trả",
    "con nạp tiền điện thoại giúp mẹ 100k nhé",
    "Mẹ ơi, thẻ xe của con mất rồi, mai con làm lại",
    "t gửi link drive r đó, tải về đi",
    "Link nhóm zalo lớp mình đây, vào đi mọi người",
    "Add zalo t đi, số cũ đó",
    "ae nào rảnh thì làm ván game đi, 9h online",
    "nay đi đá gà ở quê ông ngoại, vui ghê",
    "Bắn cá ở hồ sau nhà bà vui lắm, về chơi đi",
    "Ông nội thích xem đá gà lắm, mua cho ông con gà",
    "Nhà cái cũ bị dột rồi, tháng sau sửa",
    "tui sẽ về sớm, mn cứ ăn trước nha",
    "Mai tui sẽ qua lấy, để ở bàn giúp tui",
    "Anh sẽ gọi lại sau nhé, đang lái xe",
    "Lâu dài thì nên mua nhà, thuê mãi cũng tốn",
    "Hợp tác lâu dài nhé anh, cảm ơn anh đã tin tưởng",
    "Cầu dài quá, đi bộ mỏi chân luôn",
    "Thu dài quá, mãi chưa thấy lạnh",
    "nhớ nhà w đi, tết này về ko",
    "wc ở đâu z, đau bụng quá",
    "wtf, sao lại hủy kèo",
    "www. đọc tin đi, vụ đó lên báo r",
    "Wow, đỉnh thật sự",
    "5ting nha, thi tốt nhé em",
    "10đ luôn, giỏi quá con ơi",
    "Lớp 10a nghỉ tiết 5, lớp 11b học bù chiều thứ 7",
    "Con học lớp 11a2, cô chủ nhiệm là cô Hằng",
    "Bé đi học về rồi, đang ăn bánh",
    "Bố về chưa, mẹ nấu cơm rồi",
    "Chúc mừng sinh nhật em gái iu, tuổi mới xinh đẹp, nhiều niềm vui",
    "Chúc mừng năm mới, an khang thịnh vượng, vạn sự như ý",
    "Nhà mình có khách, về sớm phụ mẹ nha con",
    "Con xin phép mẹ cho con đi chơi với bạn tới 9h",
    "Mẹ đang ở chợ, con cần mua gì không",
    "Ông bà ngoại khỏe không mẹ, cuối tháng con về",
    "Thằng Tí sốt cao quá, đưa đi viện nhi rồi",
    "Tiền điện tháng này 1tr2, tiền nước 150k, mạng 220k",
    "Cho t mượn 500k, thứ 6 lĩnh lương t trả",
    "Mượn 2tr5 nha, cuối tháng trả đủ",
    "Thôi, để t chuyển khoản cho nhanh, ko cần tiền mặt",
    "Chuyển khoản ngay giúp t nha, chủ nhà hối quá",
    "Tiền mặt hay chuyển khoản đều đc nha",
    "Rút tiền ở cây ATM gần trường nha, cây kia hỏng",
    "tui đi rút tiền, đợi tui 5p",
    "Bạn ơi vay t ít tiền, t kẹt quá",
    "Chú Tư vay ông 5 triệu, tháng sau trả",
    "Nhà mình vay ngân hàng 500 triệu mua nhà, lãi 8%",
    "Tính ra thu nhập = 25 triệu/tháng, trừ tiền nhà còn 15",
    "Thu nhập -> 18 triệu, chi tiêu -> 12 triệu, để dành 6 triệu",
    "Gửi tiết kiệm 12 tháng, lãi suất => 6% nha chị",
    "Lãi suất - 5% năm là thấp rồi, gửi đi em",
    "Kế hoạch: vay vốn -> 200 triệu, góp vốn -> 300 triệu, mở quán",
    "Bố nói vay tiền -> 50 triệu mua xe, trả góp 2 năm",
    "Nhận lương r, tối nay t bao",
    "Lương cao thì việc nặng thôi, bình thường mà",
    "Con được tăng lương rồi mẹ ơi, 12 triệu",
    // School.
    "Thông báo: lớp 12A1 nộp học phí trước ngày 15/9",
    "Các em ôn bài 1, 2, 3 để kiểm tra 15p thứ 5",
    "Mai thi Toán 7h, mang thước, bút chì 2B, máy tính Casio",
    "Nhóm 3 thuyết trình slide 5-10, nhóm 4 slide 11-15",
    "Điểm thi HK1 môn Lý đã có trên web trường",
    "Học bù tiết 3 - 4 chiều thứ 6, phòng A2.301",
    "Cô giáo nhắc các con mang áo mưa ngày mai",
    "Họp phụ huynh lớp 5A2 lúc 14h ngày 20/10, phòng 204",
    "Trường nghỉ học ngày 2/9, các em nghỉ ở nhà an toàn",
    "Bài tập: làm câu 1a, 1b, 2a trang 45 SGK",
    "Thầy cho điểm cộng bài 3c nhé các bạn",
    "Lịch thi: Văn 7h30, Anh 9h45, Toán 14h",
    "CLB tiếng Anh họp thứ 3 - 5 - 7 lúc 17h",
    "Đoàn trường tuyển cộng tác viên cho báo tường, bạn nào thích thì đăng ký ở văn phòng đoàn",
    // Work.
    "Anh ơi em gửi báo cáo Q3 qua mail rồi ạ",
    "Cuộc họp chuyển sang 3h chiều, phòng 402 tầng 4",
    "Em fix bug xong rồi, deploy lên server nhé, 5p nữa test",
    "Team mình họp online lúc 9h, link meet gửi trong group",
    "Khách hàng bên A xác nhận đơn hàng của bạn rồi nhé Hương",
    "Anh check giúp em hợp đồng bản 2, bản 1 ký rồi",
    "Sếp duyệt hồ sơ nghỉ phép của em chưa ạ",
    "Phòng nhân sự đang duyệt hồ sơ ứng viên, thứ 2 có kết quả",
    "Chị ơi chốt đơn giúp em 3 bộ áo size M nhé",
    "Em chốt đơn cho chị rồi, mai ship nha",
    "Nhiệm vụ tuần này: hoàn thành module thanh toán, test tích hợp",
    "Task này giao cho Nam, deadline thứ 6 nha",
    "Hoa hồng đỏ cắm phòng khách, hoa hồng trắng để bàn thờ",
    "Tiền hoa hồng tháng này của anh là 3tr, kế toán chuyển thứ 5",
    "Mai đi gặp đối tác ở quận 7, anh lái xe nhé",
    "Ai có file excel chi phí tháng 10 gửi em với",
    "Khách báo máy in lỗi, em qua xem giúp anh",
    "Họp kick-off dự án lúc 10h, mọi người vào đúng giờ",
    "Server down r, ae check gấp giúp",
    "pass wifi mới: 12345678, đổi r nhé",
    "Em gửi anh bảng giá mới, giảm 5% cho đơn trên 10 triệu",
    "Chị gửi giúp em visa đi Nhật, lịch bay 12/11",
    "Hồ sơ xin visa Hàn đã nộp, 10 ngày có kết quả",
    "Khách thanh toán bằng thẻ visa được không em",
    "Bên em có free ship nội thành không chị",
    "Freelancer bên mình gửi file design rồi anh",
    "There is a meeting at 3pm, where is the room?",
    "Here is the file, check it pls",
    "Thanks bro, see you at the cafe",
    "Sorry anh, em miss cuộc gọi, lát em gọi lại",
    "Pls confirm booking for 2 pax on 12/10, thanks",
    "Boss nói mai nghỉ, yes!!!",
    "Đi bus số 32 tới Times City rồi đi bộ vào",
    "Đặt Grab bike đi, đi bus lâu lắm",
    "Coffee sáng nay ở Highlands nhé, 8h",
    "Cafe sữa đá không đường, 2 ly nha chị",
    // Shopping.
    "Áo 150k, quần 200k, ship 30k nha chị, tổng 380k",
    "Shop ơi áo size L còn không ạ",
    "Shop free ship cho đơn từ 300k, hàng về thứ 6",
    "Sale 50% tất cả giày, cuối tuần ghé shop",
    "Em lấy 2 cái váy màu be, size S, gửi về Cầu Giấy",
    "Chị ơi đơn hàng của em giao chưa ạ, mã đơn 2210XY",
    "Hàng về r nha b, b qua lấy hay ship",
    "iPhone 15 Pro Max 256GB giá 29tr9, trả góp 0%",
    "Samsung A52s còn bảo hành 6 tháng, bán lại 4tr5",
    "Máy mình là A9, pin yếu lắm, định đổi máy",
    "Xe VF9 của anh đặt từ tháng 5, tháng 10 mới nhận",
    "Mạng 4G yếu quá, có 5G đâu mà xài",
    "Tai nghe có mp3 không shop",
    "Điện thoại LG G7 cũ bán 1tr, ai lấy không",
    "Con chó nhà hàng xóm giống chó K9 công an",
    "Cho em hỏi Mi9 còn hàng không ạ",
    "Đội U23 đá hay quá, vào chung kết rồi",
    "U19 VN thắng 2-0, xem chưa",
    "Mua 2 tặng 1, áo thun trắng nha",
    "Đơn giá 35.000đ/kg, lấy 10kg giảm 5%",
    "Shopee giao hàng trễ quá, 5 ngày chưa tới",
    "Lazada có mã giảm 20k cho đơn 100k",
    "Mình mua voucher ăn buffet rồi, tối thứ 7 đi nha",
    "Tiki giao sách tới rồi, cảm ơn em",
    "Bánh kem 20cm giá 350k, giao lúc 18h",
    "Kem chống nắng mua 1 tặng 1 ở Guardian",
    "Giá: 1.200.000đ - giảm 10% còn 1.080.000đ",
    "Máy giặt Toshiba 9kg, bảo hành 2 năm",
    "Tủ lạnh hỏng, thợ sửa báo hết 800k",
    "Cho mình 1 combo gà rán + pepsi nhé",
    "Order trà sữa size L 50% đường 30% đá",
    // Delivery.
    "GHN: Đơn hàng GHN123456VN đang giao, shipper sẽ gọi trước",
    "Shipper đang ở dưới sảnh, anh chị xuống nhận hàng nhé",
    "Giao Hàng Tiết Kiệm: đơn 2210ABC đã giao thành công",
    "Em ơi ship đồ tới tầng 12 tòa B2 nhé",
    "Anh để hàng ở bảo vệ giúp em, em đang đi làm",
    "Bưu cục báo hàng bị hoàn, em kiểm tra lại địa chỉ",
    "J&T: Kiện hàng của bạn đã tới bưu cục Cầu Giấy",
    "Đơn hàng của bạn đã giao thành công. Cảm ơn bạn đã mua sắm",
    "Hàng hoàn trả về kho rồi, em đặt lại nhé",
    "Shop hoàn tiền cho em rồi, cảm ơn shop",
    "Tiền hoàn trả vào ví Shopee trong 24h nha bạn",
    // Addresses, codes.
    "Căn hộ P1205 tòa T3, anh nhớ mang CCCD",
    "Nhà mình ở số 9 ngõ 4 Tôn Thất Tùng, đi qua cổng trường rẽ trái",
    "Phòng 11A tầng 11, bấm chuông 2 lần",
    "Nhà 41A hẻm 2 Lê Lợi, gần chợ",
    "Gặp ở cổng B2, bãi xe số 3",
    "Ngõ 10a Nguyễn Trãi, nhà thứ 3 bên trái",
    "Xe mình biển 30A-123.45, màu trắng",
    "Mình ở căn 1505 tòa A2, shipper gọi trước nhé",
    "Số 10B phố Hàng Bài, tầng 2",
    "Kho ở lô A3, khu công nghiệp Tân Tạo",
    "Mã giảm giá của chị là SALE20, nhập khi thanh toán",
    "Phòng 301a khu ký túc xá, gọi em xuống",
    // Banks, OTP, balances.
    "Mã OTP của bạn là 482913, có hiệu lực 5 phút. Không chia sẻ mã này cho bất kỳ ai",
    "Vietcombank: TK 0123456789 +5,000,000 VND luc 10:15 12/10. SD: 12,345,678 VND. ND: luong thang 9",
    "TPBank: TK xx6789 -200,000VND 18/10 09:12, SD 1,234,000VND, ND: nap tien dien thoai",
    "BIDV: Ma OTP giao dich la 839201. Tuyet doi khong cung cap OTP cho bat ky ai",
    "MB: Quy khach da dang ky thanh cong dich vu SMS Banking",
    "Techcombank: The tin dung ***1234 da thanh toan 1,250,000 VND tai SHOPEE",
    "ACB: Sao ke the tin dung thang 10 da san sang, han thanh toan 25/11",
    "Agribank: Quy khach vui long khong cung cap ma OTP, mat khau cho bat ky ai",
    "VPBank: Ma xac thuc cua Quy khach la 551234, hieu luc 3 phut",
    "Momo: Bạn đã nhận 200.000đ từ NGUYEN VAN A, lời nhắn: tiền ăn trưa",
    "ZaloPay: giao dịch 120.000đ thành công lúc 09:12",
    "Tài khoản tiết kiệm của quý khách đã được tất toán theo yêu cầu",
    "Sacombank: Khoan vay cua Quy khach den han tra ngay 15/11, so tien 5,200,000 VND",
    "VIB: The cua Quy khach se het han vao 12/2025, vui long den chi nhanh de doi the",
    "Vietinbank: Lai suat tiet kiem 12 thang hien la 4.8%/nam",
    // Carriers.
    "Viettel: Goi V120 cua Quy khach da duoc gia han, 4GB/ngay",
    "Sim 4G của bạn sắp hết dung lượng, soạn MAX gửi 191 để gia hạn",
    "Vinaphone: Quy khach con 2GB data, han su dung den 23h59 ngay 30/11",
    "Mobifone: Cam on Quy khach da nap the 50.000d. TKC: 62.000d",
    "Viettel thông báo: thuê bao của quý khách đã nạp thành công 100.000đ",
    "Viettel: Quy khach vui long cap nhat thong tin thue bao tai cua hang Viettel gan nhat truoc 31/12 theo quy dinh",
    // Appointments, services.
    "Lịch khám của bà là 8h sáng thứ 5 tại BV Bạch Mai",
    "Nha khoa Kim nhắc lịch hẹn 15h ngày 12/11, bác sĩ Tùng",
    "Spa xác nhận lịch hẹn 10h chủ nhật, chị đến sớm 10p nhé",
    "Vé máy bay VN213 của bạn đã được xác nhận, giờ bay 07:45",
    "Đặt bàn 6 người lúc 18h30 tại nhà hàng Hoa Sen, tên Nhân",
    "Xe khách 16 chỗ xuất phát lúc 5h15, nhớ đến sớm",
    "Taxi Mai Linh đang đến, biển số 51G-123.45",
    "Phòng khám đổi lịch sang 9h, anh chị thông cảm",
    "Tiệm tóc báo chiều nay 3h cắt nha anh",
    // Teencode with digits and look-alikes.
    "t ở nhà 9 ngõ 4, tầng3, bấm chuông nha",
    "2 đứa mình đi ăn lẩu đi, 7h nha",
    "ck ơi, 2 mẹ con về quê 3 ngày nha",
    "gửi m 2 cái ảnh r, xem đi",
    "nay 30 độ, nóng muốn xỉu",
    "em đc 9đ môn Lý nè mẹ ơi",
    "a ơi e đến r, đang đứng ở cổng 3",
    "Trời ơi, vui w trời, cảm ơn mn nha",
    "Hi mọi người, t là Nam lớp 12a3 nè",
    "Tối nay t đi đám cưới, về khuya",
    "Mẹ ơi con đói, có gì ăn ko",
    "Ba ơi mai chở con đi học nha",
    "T nghĩ là nên đi sớm, kẹt xe lắm",
    "cái đt của t bị hư r, nhắn qua fb nha",
    "ok t nhận r, cảm ơn nha",
    "Tks nha, mai t trả lại sách",
    "Mọi người ơi, nhà mình có ai lấy hộ em cái ô ở lớp không",
    "Chị ơi chị đến đâu rồi, em chờ ở quán cafe đầu ngõ",
    "Nhớ w à, khi nào về quê",
    "Mai trời mưa, ko đi đâu đc r",
    "Thằng em t nó thích Messi, t thích Ronaldo",
    "Chị Lisa hát hay thật, Jisoo cũng xinh",
    "Xoxo, nhớ cậu nhiều",
    "Kiss kiss, ngủ ngon nha",
    "Có gì mới ko, kể t nghe coi",
    "Sáng mai 6h30 chạy bộ ở công viên nha ae",
    "Giờ t mới đọc tin nhắn, sr nha",
    "vui vẻ ko quạu nha mấy bà",
    "ae đi phượt ko, t lo xe",
    "Để t lấy sổ tiết kiệm cho bố đi tất toán",
    "Anh nhận được quà rồi, cảm ơn em nhiều nha",
    "Bà cho con quà tặng sinh nhật đẹp lắm mẹ ạ",
    "Quà tặng cho cô giáo nhân 20/11, lớp góp 30k mỗi bạn",
    "Thẻ thư viện của con hết hạn rồi, mai làm lại",
    "Thẻ BHYT của bà ở trong ví, con lấy giúp mẹ",
    "Bố ơi, thẻ ngân hàng bị nuốt ở cây ATM rồi",
    "Phần thưởng học sinh giỏi của con là 1 bộ sách",
    "Con được nhận giải nhì cuộc thi vẽ ở trường",
    "Tuần sau lớp đi tham quan, mỗi bạn nộp 200k",
    "Bố mẹ nhớ giữ sức khỏe, con gửi quà về qua xe khách",
    // Aimed at the rules: `w` alone, doubled letters, arrows and dashes
    // between words, tone digits and `9` inside words, class codes.
    "Áo này đẹp w, dài tới gối luôn",
    "Phim hay w, dài gần 3 tiếng mà ko chán",
    "Bài hát hay w, đài nào phát z",
    "Ăn sáng ở Fresh Garden nhé, 7h",
    "Gì vậyyy, nhanh lên t chờ",
    "ủa vậyyy, tiền nhanh hết z trời",
    "Sao m làm vậy nhanh z, giỏi ghê",
    "Chị Naaa ơi, pass wifi là gì z",
    "Sổ mừng cưới: bác Hai tặng - 500k, cô Ba tặng - 300k, chú Tư tặng - 1tr",
    "Chi tiêu tháng 10: nạp tiền -> 100k, ăn sáng -> 600k, xăng -> 400k",
    "Bảng lương: lương cứng = 8tr, phụ cấp = 1tr, thưởng = 2tr",
    "Lỗi: tài khoản -> bị khóa sau 5 lần nhập sai pass, anh mở giúp em",
    "Kết quả xét nghiệm HbA1c của bác là 6.5%, tái khám sau 3 tháng",
    "Chạy test E2E xong rồi anh, pass hết",
    "Lớp 7A1 và 8A1 đá bóng chiều nay, lớp 8A3 cổ vũ",
    "Minh9x ơi, tối nay đi nhậu ko",
    "Vé xem phim ghế G9 G10 nha, suất 19h45",
    "Hà Nội -> Đà Nẵng -> Huế, đi 5 ngày nha cả nhà",
    "Lịch: thứ 2 -> họp, thứ 3 -> gặp khách, thứ 4 -> nghỉ",
    "Mua => 2 cái, tặng => 1 cái, tính ra rẻ",
    "Tài khoản | mật khẩu gửi qua mail riêng nhé",
    "Em iu <3 ngủ ngon nha",
    "Vui =)) mai gặp",
    "dw file về r mở ra xem",
    "Nhà t ở 74 Lê Lợi, 7 tầng, gần ngã tư",
];

/// The robust-only false positives known today: (message, signature,
/// cause: the rule of the robust text, docs/matching.md, "The robust
/// text"). When this test was written it found 35 robust-only hits on 31
/// messages; the rules were then changed (a single spaced separator or
/// arrow between two words is kept as written, a lone `w` stays `w`, a
/// robust form's literal match must start a word, a literal whose robust
/// skeleton is shorter than 4 characters is matched as written only, and a
/// literal match found only on the robust text must not span a `, . ; ! ?`
/// — the drawn-out `Gì vậyyy, nhanh lên` no longer holds `vay nhanh`),
/// which leaves none. A new one is added here with its cause, or fixed.
const KNOWN: &[(&str, &str, &str)] = &[];

fn robust_form(id: &str) -> String {
    let (pattern, kind) = pattern_of(id);
    match kind {
        SignatureKind::Regex => robust_regex(pattern).unwrap(),
        _ => robust_skeleton(pattern),
    }
}

fn pattern_of(id: &str) -> (&'static str, SignatureKind) {
    let n: usize = id[1..].parse().unwrap();
    match &id[..1] {
        "L" => (LITERALS[n], SignatureKind::Literal),
        "R" => (REGEXES[n].0, SignatureKind::Regex),
        "X" => (MORE_LITERALS[n], SignatureKind::Literal),
        _ => (MORE_REGEXES[n], SignatureKind::Regex),
    }
}

fn set(robust: bool) -> SignatureSet {
    let mut b = SignatureSetBuilder::new();
    b.robust(robust);
    let regexes: Vec<&str> = REGEXES.iter().map(|r| r.0).collect();
    for (prefix, list, kind) in [
        ("L", LITERALS, SignatureKind::Literal),
        ("R", &regexes[..], SignatureKind::Regex),
        ("X", MORE_LITERALS, SignatureKind::Literal),
        ("Y", MORE_REGEXES, SignatureKind::Regex),
    ] {
        for (i, p) in list.iter().enumerate() {
            b.add(format!("{prefix}{i}"), kind, *p);
        }
    }
    b.build().unwrap()
}

#[test]
fn ordinary_messages_gain_no_unknown_hit_from_robust_matching() {
    let (on, off) = (set(true), set(false));
    let signatures = LITERALS.len() + REGEXES.len() + MORE_LITERALS.len() + MORE_REGEXES.len();
    let mut added = Vec::new();
    let mut plain = Vec::new();
    for &text in ORDINARY {
        let (h_on, h_off) = (hits(&on, text), hits(&off, text));
        assert!(
            h_off.iter().all(|h| h_on.contains(h)),
            "robust matching lost a hit: {text}"
        );
        for id in h_on.iter().filter(|h| !h_off.contains(h)) {
            added.push((text, id.clone()));
        }
        if !h_off.is_empty() {
            plain.push((text, h_off));
        }
    }
    let flagged = |list: &[(&str, String)]| {
        let mut m: Vec<&str> = list.iter().map(|a| a.0).collect();
        m.dedup();
        m.len()
    };
    println!(
        "\nordinary messages: {}; signatures: {signatures}; robust-only hits: {} on {} messages; \
         messages hit with robust off: {}",
        ORDINARY.len(),
        added.len(),
        flagged(&added),
        plain.len()
    );
    let mut unknown = Vec::new();
    for (text, id) in &added {
        let (pattern, kind) = pattern_of(id);
        let known = KNOWN.iter().find(|k| k.0 == *text && k.1 == id);
        println!(
            "- {} {id} {kind:?} `{pattern}` (robust form `{}`)\n    message: {text}\n    \
             folded:  {}\n    robust:  {}\n    cause:   {}",
            if known.is_some() { "known" } else { "NEW" },
            robust_form(id),
            fold(text),
            robust_text(text),
            known.map_or("?", |k| k.2),
        );
        if known.is_none() {
            unknown.push((*text, id.clone(), robust_text(text)));
        }
    }
    for (text, id, _) in KNOWN {
        if !added.iter().any(|a| a.0 == *text && a.1 == *id) {
            println!("no longer a robust-only hit, take it out of KNOWN: {id} {text}");
        }
    }
    println!("\nhits with robust matching off (plain false positives, for context):");
    for (text, ids) in &plain {
        println!("- {ids:?}: {text}");
    }
    assert!(ORDINARY.len() >= 200);
    assert!(MORE_LITERALS.len() >= 60 && MORE_REGEXES.len() >= 15);
    assert!(
        unknown.is_empty(),
        "ordinary messages with a new robust-only hit: {unknown:#?}"
    );
}
