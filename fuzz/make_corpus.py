#!/usr/bin/env python3
"""Writes the committed seed corpus, fuzz/corpus/<target>/, from real inputs:
the example policy and events, a snapshot and a state journal made by the
`chanrac` binary from them, 5656 messages and report lists from
testdata/inbox, valid INVITEs, valid SMPP PDUs and whole sessions (bind,
submit_sm, enquire_link, unbind). Deterministic: run it again after changing
an input (committed inputs only: it reads the working tree) and commit what
changed.

    python3 fuzz/make_corpus.py [path/to/chanrac]

(default: target/debug/chanrac, built with `cargo build -p chanrac-cli`).
"""

import csv
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")
# In crates/policy's FILES order: policy_files splits its input at 0xFF.
POLICY_FILES = [
    "policy.toml", "dnc.csv", "brandnames.csv", "accounts.csv", "advertisers.csv",
    "consents.csv", "signatures.csv", "suspended.csv", "agreements.csv", "domains.csv",
    "protected.csv",
]


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def lines(path, n):
    """The first n lines of a text file (header included)."""
    return b"".join(read(path).splitlines(keepends=True)[:n])


corpus = {}


def seed(target, data):
    corpus.setdefault(target, []).append(bytes(data))


# --- policy directories -----------------------------------------------------
for d in ["examples/policy", "testdata/base/basic", "testdata/inbox/policy"]:
    parts = []
    for name in POLICY_FILES:
        p = os.path.join(ROOT, d, name)
        parts.append(open(p, "rb").read() if os.path.exists(p) else b"")
    seed("policy_files", b"\xff".join(parts))

# --- events -----------------------------------------------------------------
events_csv = lines("examples/events.csv", 14)
seed("event_reader", b"\x00" + events_csv)
rows = list(csv.DictReader(io.StringIO(events_csv.decode())))
jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:8]).encode()
seed("event_reader", b"\x01" + jsonl)
seed("event_reader", b"\x00" + read("examples/policy/consents.csv"))

# --- snapshots, the DNC list inside one, a state journal --------------------
chanrac = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/chanrac")
if not os.path.exists(chanrac):
    subprocess.run(["cargo", "build", "-q", "-p", "chanrac-cli"], cwd=ROOT, check=True)
tmp = tempfile.mkdtemp()
try:
    for name, d in [("example", "examples/policy"), ("basic", "testdata/base/basic")]:
        snap = os.path.join(tmp, name + ".snap")
        subprocess.run([chanrac, "build", "-q", "--policy", os.path.join(ROOT, d), "--out", snap],
                       check=True)
        b = open(snap, "rb").read()
        seed("snapshot_loader", b)
        # The section table: 24-byte header, then (kind u32, pad u32, offset u64,
        # len u64) per section; kind 2 is the DNC list.
        (count,) = struct.unpack_from("<I", b, 12)
        for i in range(count):
            kind, _, off, ln = struct.unpack_from("<IIQQ", b, 24 + 24 * i)
            if kind == 2:
                seed("dnc_list", b[off:off + ln])
    state = os.path.join(tmp, "state")
    subprocess.run([chanrac, "replay", "--policy", os.path.join(ROOT, "examples/policy"),
                    "--events", os.path.join(ROOT, "examples/events.csv"), "--state", state,
                    "--out", os.path.join(tmp, "v.jsonl")], check=True)
    # The replay ends with a compaction: its snapshot holds every record.
    # store_state reads its input as a journal's records and, behind a
    # snapshot's magic, as a snapshot (records, then their count).
    snaps = [f for f in sorted(os.listdir(state)) if f.endswith(".snap")]
    body = open(os.path.join(state, snaps[-1]), "rb").read()[8:-8]
    # Records are length-prefixed and checksummed each: sorted, so that the
    # seed does not depend on the order the state table lists them in.
    recs, at = [], 0
    while at + 2 <= len(body):
        (ln,) = struct.unpack_from("<H", body, at)
        recs.append(body[at:at + 2 + ln])
        at += 2 + ln
    records = b"".join(sorted(recs))
    seed("store_state", records)
    seed("store_state", records + struct.pack("<Q", len(recs)))
finally:
    shutil.rmtree(tmp)

# --- 5656 -------------------------------------------------------------------
messages = read("testdata/inbox/messages.csv")
seed("inbox_parser", messages)
for r in list(csv.DictReader(io.StringIO(
        "\n".join(l for l in messages.decode().splitlines() if not l.startswith("#")))))[:10]:
    seed("inbox_parser", r["text"].encode())
seed("reports_file", read("testdata/inbox/expected/reports.csv"))
seed("numbers_file", read("examples/policy/suspended.csv"))
seed("numbers_file", read("testdata/inbox/expected/dnc.csv"))

# --- content: signature line, then a message --------------------------------
sigs = list(csv.reader(l for l in read("examples/policy/signatures.csv").decode().splitlines()
                       if not l.startswith("#")))
texts = [r["text"] for r in rows if r["text"]]
for i, s in enumerate(sigs[1:]):
    kind = "L" if s[1].strip() == "literal" else "R"
    seed("content", f"{kind}{s[2]}\n{texts[i % len(texts)]}".encode())
seed("content", "Lvay tiền\nV.A.Y T-I-Ề-N nhanh, gọi 0912 345 678".encode())

# --- SIP --------------------------------------------------------------------
INVITE = ("INVITE sip:0912000001@switch SIP/2.0\r\n"
          "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-1\r\n"
          "Max-Forwards: 70\r\n"
          "From: <sip:02473001234@switch>;tag=a\r\n"
          "To: <sip:0912000001@switch>\r\n"
          "Call-ID: c1@10.0.0.9\r\n"
          "CSeq: 1 INVITE\r\n"
          "Contact: <sip:02473001234@10.0.0.9:5060>\r\n"
          "Content-Length: 0\r\n\r\n")
seed("sip_message", INVITE.encode())
seed("sip_message", INVITE.replace("0912000001@switch SIP", "0912000002@switch SIP").encode())
seed("sip_message", INVITE.replace("Call-ID: c1@10.0.0.9\r\n",
                                   "Call-ID: c2\r\nP-Asserted-Identity: <tel:+842473001234>\r\n")
     .encode())
seed("sip_message", INVITE.replace("Call-ID: c1@10.0.0.9\r\n",
                                   "Call-ID: c3\r\nP-Asserted-Identity: "
                                   "<sip:anonymous@anonymous.invalid>\r\n").encode())
seed("sip_message", INVITE.replace("INVITE sip:", "OPTIONS sip:").replace("1 INVITE", "1 OPTIONS")
     .encode())
# Compact header names.
seed("sip_message", ("INVITE sip:0912000001@h SIP/2.0\r\n"
                     "v: SIP/2.0/UDP h;branch=z9hG4bKx\r\ni: c\r\nf: <sip:0987654321@h>;tag=1\r\n"
                     "t: sip:0912000001@h\r\nCSeq: 9 INVITE\r\nl: 0\r\n\r\n").encode())

# sip_session: a cache size byte, then records split at NULs: a time step
# byte (1 + steps of 250 ms), a kind byte (odd: a templated request from the
# bytes after it; even: the datagram itself).
tpl = lambda kind, *b: bytes([1, kind, *b])
seed("sip_session", bytes([8]) + b"\x00".join([
    tpl(1, 1, 1, 1, 1, 1, 1, 1), tpl(1, 1, 1, 1, 1, 1, 1, 1), tpl(3, 2, 2, 2, 2, 2, 2, 2),
    bytes([5, 0]) + INVITE.encode(), bytes([9, 0]) + INVITE.encode(),
    bytes([200, 0]) + INVITE.encode()]))
seed("sip_session", bytes([2]) + b"\x00".join(
    tpl(2 * k + 1, k + 1, k + 2, k + 3, k + 4, k + 5, k + 6, k + 7) for k in range(8)))

# --- SMPP -------------------------------------------------------------------
def pdu(command_id, seq, body=b"", status=0):
    return struct.pack(">IIII", 16 + len(body), command_id, status, seq) + body


def cstr(s):
    return s.encode() + b"\x00"


def bind(cmd, seq, system_id="shopvn_qc01", password="Sh0pQc26"):
    return pdu(cmd, seq, cstr(system_id) + cstr(password) + cstr("") + bytes([0x34, 0, 0]) +
               cstr(""))


def tlv(tag, value):
    return struct.pack(">HH", tag, len(value)) + value


def submit(seq, text, dc=0, source="SHOPVN", ton=5, dest="84912345678", esm=0, tlvs=b""):
    sm = text if isinstance(text, bytes) else text.encode("latin-1")
    body = (cstr("") + bytes([ton, 0]) + cstr(source) + bytes([1, 1]) + cstr(dest) +
            bytes([esm, 0, 0]) + cstr("") + cstr("") + bytes([0, 0, dc, 0, len(sm)]) + sm + tlvs)
    return pdu(0x04, seq, body)


BIND_TX, BIND_TRX, BIND_RX = 0x02, 0x09, 0x01
ENQUIRE, UNBIND, GENERIC_NACK = 0x15, 0x06, 0x80000000
ucs2 = "[QC] Khuyến mãi 50%".encode("utf-16-be")
udh = lambda ref, total, seq: bytes([5, 0, 3, ref, total, seq])
pdus = [
    bind(BIND_TX, 1), bind(BIND_TRX, 1), bind(BIND_RX, 1, "shopvn_cskh", "Sh0pCs26"),
    submit(2, "[QC] ShopVN: Flash sale 40%"),
    submit(3, ucs2, dc=0x08),
    submit(4, ucs2, dc=0x48),
    submit(5, udh(7, 2, 1) + b"[QC] Vay tien nhanh ", esm=0x40),
    submit(6, b"", tlvs=tlv(0x0424, "[QC] payload".encode())),
    submit(7, b"[QC] sar part", tlvs=tlv(0x020C, b"\x00\x09") + tlv(0x020E, b"\x02") +
           tlv(0x020F, b"\x01")),
    submit(8, "Chao em", source="0981112233", ton=1),
    pdu(ENQUIRE, 9), pdu(UNBIND, 10), pdu(0x80000004, 11, cstr("id-1")),
    pdu(GENERIC_NACK, 12, status=3),
]
for p in pdus:
    seed("smpp_pdu", p)
    # Sessions of one PDU too: short inputs for the session fuzzer to grow.
    seed("smpp_session", p)
seed("smpp_session", bind(BIND_TRX, 1) + submit(2, "[QC] ShopVN: Flash sale 40%") +
     pdu(ENQUIRE, 3) + pdu(UNBIND, 4))
seed("smpp_session", bind(BIND_TX, 1) + submit(2, udh(7, 2, 1) + b"[QC] Vay tien ", esm=0x40) +
     submit(3, udh(7, 2, 2) + b"nhanh lai suat 0%", esm=0x40, dest="0912345678") +
     pdu(ENQUIRE, 4) + pdu(UNBIND, 5))
seed("smpp_session", bind(BIND_TRX, 1, "minhanh_qc", "MinhA026") + submit(2, ucs2, dc=0x48) +
     submit(3, b"[QC] both", tlvs=tlv(0x0424, b"payload") + tlv(0x0424, b"second")) +
     pdu(UNBIND, 4))
seed("smpp_session", bind(BIND_TRX, 1, "nobody", "x") + bind(BIND_TRX, 2) + pdu(0x0103, 3) +
     pdu(UNBIND, 4))

# --- reassembly: 4-byte ops (key, total, part, time step) -------------------
seed("udh_reassembly", bytes([0, 3, 1, 0, 0, 3, 2, 1, 0, 3, 3, 1]))
seed("udh_reassembly", bytes([1, 2, 2, 0, 2, 2, 1, 5, 1, 2, 1, 200, 2, 2, 2, 1]))

# --- the C ABI: op, unix_time (8), nanos (4), duration (8), NUL-separated ---
head = lambda op, t=0, d=-1: bytes([op]) + struct.pack("<qIq", t, 0, d)
for op, strings in [
    (0, ["sms", "ad", "SHOPVN", "shopvn_qc01", "0912345678", "[QC] ShopVN: Flash sale 40%"]),
    (1, ["call", "ad", "02473001234", "shopvn", "+84 912 345 678", ""]),
    (0, ["", "optin", "", "shopvn", "0912345678", ""]),
    (0, ["sms", "p2p", "0981112233", "", "0987654321", "Anh ơi"]),
    (2, ["0912 345 678", "sms"]), (3, ["84912345678", "all"]), (4, ["0912345678"]),
    (5, ["policy"]), (6, []), (7, []),
]:
    seed("capi_strings", head(op, 3600 * 9, 30 if op == 1 else -1) +
         b"\x00".join(s.encode() for s in strings))

# --- write ------------------------------------------------------------------
# Only the directories of the targets seeded here are rewritten (other
# targets keep their hand-written seeds).
for target, inputs in sorted(corpus.items()):
    d = os.path.join(OUT, target)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    for data in inputs:
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print(f"{target}: {len(inputs)} inputs, {sum(map(len, inputs))} bytes")
