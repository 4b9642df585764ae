#!/usr/bin/env python3
"""data_sm from the Python smpplib client (PyPI) through chanrac-smpp.

Usage: smpplib_data_sm.py HOST PORT
Binds as a transceiver, sends data_sm (text in message_payload, UCS-2) and
prints one JSON object per message: its name, the data_sm_resp status and
message_id; for the one asking for a receipt, the receipt that came back
(answered with deliver_sm_resp).
"""
import json
import sys

import smpplib.client
import smpplib.consts
import smpplib.smpp

HOST, PORT = sys.argv[1], int(sys.argv[2])

MESSAGES = [
    ("spam", "84912000001", "[QC] Vay tiền nhanh lãi thấp", 0),
    ("dnc", "84912000009", "[QC] Ưu đãi cho số DNC", 0),
    ("allowed", "84912000002", "[QC] Ưu đãi cuối tuần", 1),
]

c = smpplib.client.Client(HOST, PORT, timeout=10, allow_unknown_opt_params=True)
c.connect()
c.bind_transceiver(system_id="shopvn_ad", password="secret1")
for name, to, text, receipt in MESSAGES:
    pdu = smpplib.smpp.make_pdu(
        "data_sm",
        client=c,
        source_addr_ton=smpplib.consts.SMPP_TON_ALNUM,
        source_addr_npi=smpplib.consts.SMPP_NPI_UNK,
        source_addr="SHOPVN",
        dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
        dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
        destination_addr=to,
        esm_class=0,
        registered_delivery=receipt,
        data_coding=smpplib.consts.SMPP_ENCODING_ISO10646,
        message_payload=text.encode("utf-16-be"),
    )
    c.send_pdu(pdu)
    out = {"name": name}
    while True:
        resp = c.read_pdu()
        if resp.command == "data_sm_resp" and resp.sequence == pdu.sequence:
            out["command"] = resp.command
            out["status"] = int(resp.status)
            out["message_id"] = (resp.message_id or b"").decode("ascii", "replace")
            break
    if receipt:
        while True:
            d = c.read_pdu()
            if d.command == "deliver_sm":
                c.send_pdu(smpplib.smpp.make_pdu("deliver_sm_resp", client=c, sequence=d.sequence))
                out["receipted"] = (d.receipted_message_id or b"").decode("ascii", "replace") \
                    if isinstance(d.receipted_message_id, bytes) else d.receipted_message_id
                out["receipt_text"] = (d.short_message or b"").decode("ascii", "replace")
                break
    print(json.dumps(out, ensure_ascii=False), flush=True)

resp = c.unbind()
assert resp.command == "unbind_resp", resp.command
c.disconnect()
