#!/usr/bin/env python3
"""An ESME built on the Python smpplib client (PyPI), driving chanrac-smpp.

Usage: smpplib_client.py HOST PORT
Prints one JSON object per message: its name, recipient, the text sent,
how many parts, and the command_status of each submit_sm_resp in part order
(or of the bind_resp, for a refused bind).
"""
import json
import sys

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm

HOST, PORT = sys.argv[1], int(sys.argv[2])

LONG = (
    "[QC] Siêu thị ShopVN khuyến mãi lớn nhất năm: giảm đến 50% toàn bộ giày dép, "
    "quần áo và phụ kiện từ ngày 2 đến ngày 8 tháng 3. Mua 2 tặng 1, miễn phí giao hàng "
    "toàn quốc. Từ chối QC soạn TC gửi 9029"
)

# (name, system_id, password, recipient, text)
MESSAGES = [
    ("ucs2_ad", "shopvn_ad", "secret1", "0912000001",
     "[QC] Giảm 50% giày dép. Từ chối QC soạn TC gửi 9029"),
    ("gsm7_ad", "shopvn_ad", "secret1", "+84912000002",
     "[QC] Sale {50%} on shoes today | reply TC to 9029 ~ €5"),
    ("long_ad", "shopvn_ad", "secret1", "84912000003", LONG),
    ("second_ad", "shopvn_ad", "secret1", "84912000003", "[QC] Ưu đãi thứ hai trong ngày"),
    ("third_ad", "shopvn_ad", "secret1", "84912000003", "[QC] Ưu đãi thứ ba trong ngày"),
    ("fourth_ad", "shopvn_ad", "secret1", "84912000003", "[QC] Ưu đãi thứ tư trong ngày"),
    ("dnc_ad", "shopvn_ad", "secret1", "84912000009", "[QC] Ưu đãi cho số DNC"),
    ("care", "shopvn_care", "secret2", "84912000004", "Đơn hàng 123 của bạn đã được giao"),
]


def client():
    c = smpplib.client.Client(HOST, PORT, timeout=10, allow_unknown_opt_params=True)
    c.connect()
    return c


def send(c, name, to, text):
    parts, coding, esm_class = smpplib.gsm.make_parts(text)
    seqs = []
    for part in parts:
        pdu = c.send_message(
            source_addr_ton=smpplib.consts.SMPP_TON_ALNUM,
            source_addr_npi=smpplib.consts.SMPP_NPI_UNK,
            source_addr="SHOPVN",
            dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
            dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
            destination_addr=to,
            short_message=part,
            data_coding=coding,
            esm_class=esm_class,
            registered_delivery=False,
        )
        seqs.append(pdu.sequence)
    got = {}
    while len(got) < len(seqs):
        resp = c.read_pdu()
        if resp.command == "submit_sm_resp":
            got[resp.sequence] = (int(resp.status), (resp.message_id or b"").decode("ascii", "replace"))
    print(json.dumps({
        "name": name,
        "to": to,
        "text": text,
        "coding": coding,
        "parts": len(parts),
        "statuses": [got[s][0] for s in seqs],
        "message_ids": [got[s][1] for s in seqs],
    }, ensure_ascii=False), flush=True)


sessions = {}
for name, system_id, password, to, text in MESSAGES:
    if system_id not in sessions:
        c = client()
        c.bind_transceiver(system_id=system_id, password=password)
        sessions[system_id] = c
    send(sessions[system_id], name, to, text)

for c in sessions.values():
    resp = c.unbind()
    assert resp.command == "unbind_resp", resp.command
    c.disconnect()

# A bind with a wrong password is refused.
c = client()
try:
    c.bind_transmitter(system_id="shopvn_ad", password="wrong")
    status = 0
except smpplib.exceptions.PDUError as e:
    status = e.args[1]
print(json.dumps({"name": "wrong_password", "statuses": [status]}), flush=True)
c.disconnect()
