#!/usr/bin/env python3
"""Writes docs/performance.md from one run of scripts/bench: criterion medians
(target/criterion/*/new/estimates.json), the lines the benches print
(target/bench.log) and the script's own measurements (target/*.txt, *.md).
Every row sets ours beside its peer from the same run, with the ratio and the
target (met, or by how much it is missed). Rows whose data is
missing (a filter, a peer that did not run) are left out and listed."""
import json
import os
import platform
import re
import subprocess

ROOT = "target/criterion"
LOG = open("target/bench.log").read() if os.path.exists("target/bench.log") else ""
missing = []


def median(group, name):
    """Criterion's median, ns per iteration, or None."""
    p = os.path.join(ROOT, group, name, "new", "estimates.json")
    if not os.path.exists(p):
        if f"{group}/{name}" not in missing:
            missing.append(f"{group}/{name}")
        return None
    return json.load(open(p))["median"]["point_estimate"]


def fmt(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.1f} ns"


def rate(per_s, unit):
    return f"{per_s:,.0f} {unit}/s"


def at_most(ratio, limit, what="×"):
    if ratio <= limit:
        return f"≤ {limit}{what}: **met**"
    over = ratio / limit
    by = f"+{(over - 1) * 100:.0f} %" if over < 2 else f"{over:.1f}× over"
    return f"≤ {limit}{what}: **not met** ({by})"


def at_least(value, limit, what="×"):
    if value >= limit:
        return f"≥ {limit:,}{what}: **met**"
    return f"≥ {limit:,}{what}: **not met** ({value / limit * 100:.0f} % of it)"


def speed(peer, ours):
    """Ours against a peer's time, as "N× faster" or "N× slower"."""
    return f"ours {peer / ours:.2f}× faster" if peer >= ours else f"ours {ours / peer:.2f}× slower"


def grep(pattern):
    m = re.search(pattern, LOG, re.M)
    return m


rows = []


def row(what, ours, peer, ratio, target="—"):
    rows.append(f"| {what} | {ours} | {peer} | {ratio} | {target} |")


def section(title):
    rows.append(f"| **{title}** | | | | |")


n_engine = grep(r"^engine_check: (\d+) numbers")
n_engine = f"{int(n_engine.group(1)):,}" if n_engine else "?"

# Full check.
section(f"Full `Engine::check`, DNC list of {n_engine} numbers, 90 % absent recipients")
h = median("engine_check", "baseline_hashset_u64_lookup")
for name, what in [("ad_sms", "ad SMS, no content (R1–R9, S2)"), ("ad_call", "ad call (R1–R9)")]:
    x = median("engine_check", name)
    if x and h:
        row(f"full {what}, 1 thread", f"{fmt(x)} ({rate(1e9 / x, 'checks')})",
            f"`HashSet<u64>` lookup on the same list: {fmt(h)}", f"{x / h:.1f}×", at_most(x / h, 1.5))
for name, what in [("ad_sms", "ad SMS"), ("ad_call", "ad call")]:
    one = median("engine_check", f"{name}_1_threads")
    two = median("engine_check", f"{name}_2_threads")
    h2 = median("engine_check", "baseline_hashset_u64_lookup_2_threads")
    if one and two and h2:
        row(f"full {what}, 2 threads sharing one engine (aggregate, `iter_custom`)",
            f"{fmt(two)} per check ({rate(1e9 / two, 'checks')}; {one / two:.2f}× the 1-thread rate)",
            f"`HashSet<u64>`, 2 threads, same harness: {fmt(h2)}", f"{two / h2:.1f}×", at_most(two / h2, 1.5))

# DNC.
section("DNC list")
m = grep(r"^dnc_lookup: (\d+) numbers \((\d+) distinct\) collected in [^;]+; index \((\d+) bucket bits\) built \(sort, merge, index\) in ([^:]+): (\d+) bytes, ([\d.]+) bytes/number")
f = grep(r"^dnc_lookup: FST of the same entries built \(from the sorted stream\) in ([^:]+): (\d+) bytes, ([\d.]+) bytes/number")
x = median("dnc_lookup", "index_90pct_absent")
xf = median("dnc_lookup", "fst_90pct_absent")
h = median("dnc_lookup", "baseline_hashset_u64")
v = median("dnc_lookup", "baseline_sorted_vec_u64")
if x and h:
    row("DNC lookup (`dnc_lookup`, the blocked index), 90 % absent", fmt(x), f"`HashSet<u64>`: {fmt(h)}", f"{x / h:.2f}×", at_most(x / h, 1.5))
if x and v:
    row("DNC lookup vs binary search", fmt(x), f"sorted `Vec<u64>`: {fmt(v)}", f"{x / v:.2f}×")
if xf and h:
    row("DNC lookup in an FST of the same entries (the previous format)", fmt(xf), f"`HashSet<u64>`: {fmt(h)}", f"{xf / h:.1f}×")
if m:
    bpn = float(m.group(6))
    row(f"DNC size, {int(m.group(1)):,} numbers ({int(m.group(2)):,} distinct)",
        f"{int(m.group(5)) / 1e6:.1f} MB, {bpn:.2f} bytes/number ({m.group(3)} bucket bits; built in {m.group(4)})",
        "`HashSet<u64>`: 8-byte keys + control bytes and slack"
        + (f"; FST of the same entries: {float(f.group(3)):.2f} bytes/number" if f else ""),
        "", at_most(bpn, 3, " bytes"))
redis_mem = grep(r"^peers_redis: (\d+) numbers, (\d+) in the Redis set .*used_memory (\d+) bytes \(([\d.]+) bytes/number\)")
ours = median("dnc_peers", "ours_dnc_get")
hs = median("dnc_peers", "baseline_hashset_u64")
plain = median("dnc_peers", "redis_sismember")
piped = median("dnc_peers", "redis_sismember_pipelined_x16")
size = f"{int(redis_mem.group(2)):,}-number set" if redis_mem else "same set"
if ours and piped:
    per = piped / 16
    row(f"DNC lookup vs Redis `SISMEMBER` pipelined ×16 ({size}, loopback)", fmt(ours),
        f"{fmt(per)} per lookup ({fmt(piped)} per 16)", f"ours {per / ours:.0f}× faster", at_least(per / ours, 50))
if ours and plain:
    row("DNC lookup vs Redis `SISMEMBER`, one round trip each", fmt(ours), fmt(plain), f"ours {plain / ours:.0f}× faster")
if ours and hs:
    row("DNC lookup vs `HashSet<u64>` (same process as the Redis rows)", fmt(ours), fmt(hs), f"{ours / hs:.1f}×", at_most(ours / hs, 1.5))
if redis_mem:
    row("Redis memory for that set", "", f"{int(redis_mem.group(3)) / 1e6:,.0f} MB, {float(redis_mem.group(4)):.0f} bytes/number", "")
elif grep(r"^peers_redis: skipping"):
    row("Redis peers", "", "did not run: " + grep(r"^peers_redis: skipping.*$").group(0), "")

# Frequency.
f = grep(r"^frequency: (\d+) distinct")
section(f"Frequency check-and-commit, 1 ad call / 24 h, {int(f.group(1)):,} distinct (advertiser, recipient) pairs" if f else "Frequency check-and-commit")
for phase, what in [("grant_new_pair", "first call of a pair (grant + insert)"), ("refuse_repeat", "repeat over the full table (refused)")]:
    for t in [1, 2]:
        o = median("frequency", f"ours_{phase}_{t}_threads")
        st = median("frequency", f"state_{phase}_{t}_threads")
        g = median("frequency", f"governor_{phase}_{t}_threads")
        agg = ", aggregate" if t == 2 else ""
        if st and g:
            row(f"{what}, {t} thread{'s' if t == 2 else ''}{agg}", f"{fmt(st)} (`State::check_and_count`)",
                f"`governor` keyed limiter: {fmt(g)}", speed(g, st), at_least(g / st, 3, "× faster"))
        if o and g:
            row(f"{what}, {t} thread{'s' if t == 2 else ''}{agg}, the whole ad-call check", f"{fmt(o)} (full ad-call `Engine::check`)",
                f"`governor` keyed limiter: {fmt(g)}", speed(g, o))
for phase, what in [("new_pair", "first call"), ("refuse_repeat", "repeat")]:
    r = median("frequency", f"redis_set_nx_ex_{phase}")
    o = median("frequency", f"ours_{'grant_new_pair' if phase == 'new_pair' else 'refuse_repeat'}_1_threads")
    if r and o:
        row(f"{what}, vs Redis `SET key NX EX 86400` (one round trip)", fmt(o), fmt(r), f"ours {r / o:.0f}× faster")
for m in re.finditer(r"^frequency exactness, (.+?): 2 threads x (\d+) pairs, (\d+) granted of (\d+) distinct pairs: (.*)$", LOG, re.M):
    row(f"exact under contention: {m.group(1)}", f"{int(m.group(3)):,} grants for {int(m.group(4)):,} pairs, each tried by 2 threads at once", "", "",
        "exact: **met**" if m.group(5) == "exact" else "exact: **NOT met**")

# Content.
section("Content scan: 5,000 literal + 200 regex signatures, 4,096 Vietnamese SMS of 70–160 chars")
of = median("content_peers", "ours_fold_and_scan")
op = median("content_peers", "ours_scan_prefolded")
hp = median("content_peers", "hyperscan_prefolded")
hf = median("content_peers", "hyperscan_fold_and_scan")
nv = median("content_peers", "baseline_naive_contains_5000_literals")
hsv = grep(r"^peers_hyperscan: Hyperscan (\S+)")
agree = grep(r"^peers_hyperscan: .*hits ours (\d+), hyperscan (\d+), messages whose hits differ (\d+)")
hsname = f"Hyperscan {hsv.group(1)}" if hsv else "Hyperscan"
if of:
    mps = 4096 / (of / 1e9)
    row("ours, folding included, messages/s per core", rate(mps, "msgs"), "", "", at_least(mps, 1_000_000, " msgs/s"))
if of and hp:
    row(f"ours folding included vs {hsname} on pre-folded text", rate(4096 / (of / 1e9), "msgs"),
        rate(4096 / (hp / 1e9), "msgs"), f"{of / hp:.2f}× its time", at_most(of / hp, 2))
if op and hp:
    row(f"ours on pre-folded text vs {hsname} on the same", rate(4096 / (op / 1e9), "msgs"), rate(4096 / (hp / 1e9), "msgs"), f"{op / hp:.2f}× its time")
if of and hf:
    row(f"both with our folding", rate(4096 / (of / 1e9), "msgs"), rate(4096 / (hf / 1e9), "msgs"), f"{of / hf:.2f}× its time")
if of and nv:
    row("ours vs naive fold + `contains` ×5,000 literals", fmt(of / 4096) + " per msg", fmt(nv / 4096) + " per msg", f"ours {nv / of:.0f}× faster")
if agree:
    row("same hits as Hyperscan", f"{agree.group(1)} hits", f"{agree.group(2)} hits", f"{agree.group(3)} messages differ")
x = median("content_scan", "5000_literals_200_regex")
ac = median("content_scan", "baseline_aho_corasick_5000_literals")
if x and ac:
    row("ours (regexes included) vs aho-corasick over the literal skeletons alone (`content_scan`)", fmt(x), fmt(ac), f"{x / ac:.2f}×")
for name in ["ascii", "vietnamese"]:
    x = median("fold", name)
    if x is not None:
        row(f"fold alone ({name}; MB/s in target/bench.log)", f"{fmt(x)} per corpus", "", "")

# Replay.
if os.path.exists("target/replay-bench.txt"):
    n, rep, parse = open("target/replay-bench.txt").read().split()
    n, rep, parse = int(n), float(rep), float(parse)
    section(f"`chanrac replay`, {n:,} events (realistic mix) over the {n_engine}-number policy snapshot")
    row("end to end, events/s (`chanrac replay -q --out /dev/null`, median of 3)", f"{rep:.2f} s: {rate(n / rep, 'events')}",
        "", "", at_least(n / rep, 1_000_000, " events/s"))
    row("end to end vs reading and parsing the same CSV alone", f"{rep:.2f} s", f"parse only: {parse:.2f} s ({rate(n / parse, 'events')})",
        f"{rep / parse:.1f}×", at_most(rep / parse, 2))

# Memory.
if os.path.exists("target/engine-rss.txt"):
    line = open("target/engine-rss.txt").read().strip()
    m = re.search(r"engine_rss: (\d+) DNC numbers \(([\d.]+) MB DNC index, ([\d.]+) bytes/number\), (\d+) identifiers, (\d+) signatures: resident ([\d.]+) MB before, ([\d.]+) MB after, engine ([\d.]+) MB", line)
    if m:
        section("Memory")
        eng = float(m.group(8))
        row(f"resident engine: {int(m.group(1)):,} DNC numbers, {int(m.group(4)):,} identifiers, {int(m.group(5)):,} signatures",
            f"{eng:.0f} MB (RSS {float(m.group(6)):.0f} → {float(m.group(7)):.0f} MB; DNC index {float(m.group(2)):.0f} MB)", "", "", at_most(eng, 150, " MB"))

cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
out = [
    "# Performance against the peers",
    "",
    "Written by `scripts/bench` (one run; `scripts/bench-table.py` makes this table from it). "
    "Every figure stands beside its peer measured in the same run on the same deterministic data; "
    "criterion medians. What the rows mean, how each peer was set up and where the time goes: "
    "[peers.md](peers.md).",
    "",
    f"Machine: {cpu}, {os.cpu_count()} cores (a shared VM), {platform.system()} {platform.release()}.",
    "",
    "| what | ours (median) | peer, same run | ratio | target |",
    "|---|---|---|---|---|",
] + [r for i, r in enumerate(rows) if not (r.startswith("| **") and (i + 1 == len(rows) or rows[i + 1].startswith("| **")))]
if os.path.exists("target/scrub-bench.md"):
    out += ["", "| scrub | ours | baseline, same run | ratio | check |", "|---|---|---|---|---|",
            open("target/scrub-bench.md").read().strip()]
if os.path.exists("target/smpp-bench.md"):
    out += ["", open("target/smpp-bench.md").read().strip()]
if missing:
    out += ["", "Not in this run: " + ", ".join(f"`{m}`" for m in missing) + "."]
text = "\n".join(out) + "\n"
open("docs/performance.md", "w").write(text)
print(text)
