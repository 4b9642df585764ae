#!/usr/bin/env python3
"""Pipelined INVITE load on chanrac-sip: N ad calls to new callees, W in flight.
Prints rate and latency percentiles. Usage: sipload.py HOST:PORT N W TAG"""
import socket, sys, time

host, port = sys.argv[1].split(":")
n, w, tag = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
addr = (host, int(port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind(("127.0.0.1", 0))
me = "%s:%d" % s.getsockname()
s.settimeout(5)


def invite(i):
    callee = "0913%06d" % i
    cid = "%s-%d" % (tag, i)
    return (
        "INVITE sip:%s@%s:%s SIP/2.0\r\n"
        "Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s\r\n"
        "From: <sip:02473001234@%s>;tag=t%s\r\n"
        "To: <sip:%s@%s:%s>\r\n"
        "Call-ID: %s\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        % (callee, host, port, me, cid, me, cid, callee, host, port, cid)
    ).encode(), cid


msgs = [invite(i) for i in range(n)]
sent = {}
lat = []
codes = {}
nxt = 0
start = time.perf_counter()
while len(lat) < n:
    while nxt < n and len(sent) < w:
        b, cid = msgs[nxt]
        sent[cid] = time.perf_counter()
        s.sendto(b, addr)
        nxt += 1
    data, _ = s.recvfrom(65536)
    t = time.perf_counter()
    text = data.decode("utf-8", "replace")
    code = text.split(" ", 2)[1]
    cid = [l for l in text.split("\r\n") if l.lower().startswith("call-id:")][0].split(":", 1)[1].strip()
    if cid in sent:
        lat.append(t - sent.pop(cid))
        codes[code] = codes.get(code, 0) + 1
el = time.perf_counter() - start
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(len(lat) * q))] * 1e6
print("%s: %d calls in %.2f s = %.0f/s, p50 %.0f us, p99 %.0f us, codes %s" % (tag, n, el, n / el, p(0.5), p(0.99), codes))
