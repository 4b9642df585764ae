//! The fuzz entry points over a fixed corpus, so they stay exercised in CI
//! (the fuzzers themselves run with `cargo fuzz run -s none TARGET`).

use chanrac_policy::fuzz;

const SAMPLES: &[&[u8]] = &[
    b"",
    b"Lvay ti\xe1\xbb\x81n nhanh\nV.A.Y T-I-\xe1\xbb\x80-N nhanh, goi 0912 345 678",
    b"Rlai suat 0[.,]?\\d*%\nL\xc3\xa3i su\xe1\xba\xa5t 0,5% cho kh\xc3\xa1ch m\xe1\xbb\x9bi",
    b"R(\nunclosed",
    b"L!!!\n!!!",
    b"Lvay\nv\xe2\x80\x8ba\xe2\x80\x8by \xd0\xb0 \xef\xbc\xb6\xef\xbc\xa1\xef\xbc\xb9",
    b"x\n\xff\xfe\x00\x01+84 912.345.678 5.000.000 \xc4\x91\xe1\xbb\x93ng",
    b"number,scope\n0912345678,sms\xff\xffidentifier,advertiser,status\nSHOP,shop,active",
    b"\x01{\"id\":1,\"time\":\"2026-03-02T09:00:00+07:00\",\"kind\":\"ad\",\"channel\":\"sms\",\"recipient\":\"0912345678\"}",
    b"\x00id,time,channel,kind,source,advertiser,recipient,text\ne,2026-03-02T09:00:00Z,sms,ad,X,a,0912345678,[QC] t",
    b"S [0912 345 678][Vay ti\xe1\xbb\x81n]",
    b"CHANRAC\x00\x01\x00\x00\x00",
    b"Vao hxxps://vietcombank.com.vn@vietc0mbank-vn[.]top:8080/x ngay, b1dv (dot) xyz, www.ACB.vn",
    b"\xef\xbd\x85\xef\xbd\x96\xef\xbd\x89\xef\xbd\x8c\xe3\x80\x82top vi\xe1\xbb\x87t.vn a@b.com 1.2.3.4 ..x.. -.- . .",
];

#[test]
fn fuzz_entry_points_take_the_corpus() {
    for s in SAMPLES {
        fuzz::content(s);
        fuzz::links(s);
        fuzz::policy_files(s);
        fuzz::event_file(s);
        fuzz::snapshot_file(s);
        fuzz::inbox_message(s);
        fuzz::dnc_list(s);
        fuzz::reports_file(s);
        fuzz::numbers_file(s);
    }
    for s in [
        &b"stt,reported_number,type,content,reporter,time,note\n\
           1,0912 345 678,SMS,vay,84987654321,2026-03-02T09:00:00+07:00,mobile\n\
           2,VIETTEL,call,,,2026-03-02T10:00:00+07:00,brandname\n\
           3,+84 24 7300 1234,sms,,,2026-03-02T10:00:00Z,\n\
           4,5656,sms,,,2026-03-02T10:00:00Z,\n"[..],
        b"stt,number\n1,0912345678\n2,+84 24 7300 1234\n3,5656\n4,1900 1234\n",
        b"number\n2026-03-02T10:00:0\xc3\xa90\n",
    ] {
        fuzz::reports_file(s);
        fuzz::numbers_file(s);
    }
    // A real list, then cut short and with bytes changed.
    let mut b = chanrac::dnc::DncBuilder::new();
    for n in ["0912345678", "0912345679", "02412345678", "5656"] {
        b.insert(
            chanrac::Number::parse(n).unwrap(),
            chanrac::dnc::Scopes::ALL,
        );
    }
    let list = b.build().as_bytes().to_vec();
    fuzz::dnc_list(&list);
    for at in 0..list.len() {
        fuzz::dnc_list(&list[..at]);
        let mut bad = list.clone();
        bad[at] ^= 0x5a;
        fuzz::dnc_list(&bad);
    }
}
