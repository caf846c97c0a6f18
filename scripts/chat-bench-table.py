#!/usr/bin/env python3
"""The side-by-side table of BENCHMARKS.md §0 from the JSON files scripts/chat-bench.sh wrote.

  scripts/chat-bench-table.py OUT_DIR

Each cell is the median over the runs, the runs themselves in brackets. Ratios are of the
medians. The last line counts what was lost or duplicated in any measurement.
"""
import glob
import json
import statistics
import sys

out = sys.argv[1]


def reports(server, name):
    found = []
    for path in sorted(glob.glob(f"{out}/{server}-{name}-*.json")):
        try:
            with open(path) as file:
                found.append(json.load(file))
        except (OSError, ValueError):
            print(f"unreadable: {path}", file=sys.stderr)
    return found


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def cell(values, digits=1, unit=""):
    m = median(values)
    if m is None:
        return "–"
    runs = " · ".join(f"{v:.{digits}f}" if v is not None else "–" for v in values)
    return f"{m:.{digits}f}{unit} ({runs})"


def step(report, rate):
    return next((s["result"] for s in report.get("steps", []) if s["rate"] == rate), None)


def cpu(result, per):
    if not result or not result.get("server"):
        return None
    return result["server"].get(f"cpuMicrosecondsPer{per}")


def ratio(a, b):
    a, b = median(a), median(b)
    return f"{a / b:.2f}×" if a and b else "–"


rows = []
lost = duplicated = 0


def count(result):
    global lost, duplicated
    if result:
        lost += result["unanswered"] + result["lostDeliveries"]
        duplicated += result["duplicates"]


# A sweep whose first step failed sustained nothing: 0, not a missing value.
sustainable = {s: [r.get("sustainableRate") or 0 for r in reports(s, "sweep")] for s in ("echo", "chat", "seed")}
for server in ("chat", "seed"):
    for r in reports(server, "sweep"):
        for s in r["steps"]:
            if s["passed"]:
                count(s["result"])
bound = next((r["p99BoundMs"] for r in reports("chat", "sweep")), 10)
rows.append((f"groups of 5: sustainable rate (every message acked and delivered once, ack p99 < {bound:g} ms), msg/s",
             cell(sustainable["echo"], 0), cell(sustainable["chat"], 0), cell(sustainable["seed"], 0),
             f"chat/seed {ratio(sustainable['chat'], sustainable['seed'])}, "
             f"chat/echo {ratio(sustainable['chat'], sustainable['echo'])}"))

for rate in (1000, 2000):
    values = {}
    for server in ("chat", "seed"):
        results = [step(r, rate) for r in reports(server, "fixed")]
        for result in results:
            count(result)
        values[server] = ([cpu(x, "Message") for x in results],
                          [x["ackLatencyMs"]["p99"] if x else None for x in results])
    rows.append((f"groups of 5, {rate:,} msg/s: server CPU per message, µs", "",
                 cell(values["chat"][0]), cell(values["seed"][0]), f"chat/seed {ratio(values['chat'][0], values['seed'][0])}"))
    rows.append((f"groups of 5, {rate:,} msg/s: ack p99, ms", "", cell(values["chat"][1]), cell(values["seed"][1]), ""))

group50 = {}
for server in ("chat", "seed"):
    results = [r["result"] for r in reports(server, "group50")]
    for result in results:
        count(result)
    group50[server] = [cpu(x, "Delivery") for x in results]
rows.append(("groups of 50, 500 msg/s: server CPU per delivery, µs", "", cell(group50["chat"]), cell(group50["seed"]),
             f"chat/seed {ratio(group50['chat'], group50['seed'])}"))

room = {s: reports(s, "room") for s in ("chat", "seed")}
if room["chat"] or room["seed"]:
    for r in room["chat"] + room["seed"]:
        count(r["result"])
    members = (room["chat"] or room["seed"])[0]["members"]
    p99 = {s: [r["result"]["deliveryLatencyMs"]["p99"] for r in room[s]] for s in room}
    per = {s: [cpu(r["result"], "Delivery") for r in room[s]] for s in room}
    worst = {s: [r["probe"]["worstMs"] for r in room[s]] for s in room}
    joined = [r.get("allJoinedMs") for r in room["chat"]]
    rows.append((f"room of {members:,}, 20 msg/s ({20 * (members - 1):,} deliveries/s): delivery p99, ms", "",
                 cell(p99["chat"]), cell(p99["seed"]), ""))
    rows.append((f"room of {members:,}: server CPU per delivery, µs", "", cell(per["chat"]), cell(per["seed"]),
                 f"chat/seed {ratio(per['chat'], per['seed'])}"))
    rows.append((f"creating the room: worst delivery in another chat meanwhile, ms", "", cell(worst["chat"]),
                 cell(worst["seed"]), f"chat: every member had chat:new after {cell(joined, 0)} ms"))

idle = {s: [r.get("serverBytesPerConnection") for r in reports(s, "connections")] for s in ("chat", "seed")}
for server in ("chat", "seed"):
    for r in reports(server, "connections"):
        lost += r["deliveriesExpected"] - r["deliveriesReceived"]
        duplicated += r["duplicates"]
held = {s: [r["openAtEnd"] for r in reports(s, "connections")] for s in ("chat", "seed")}
kb = {s: [v / 1024 if v is not None else None for v in idle[s]] for s in idle}
rows.append(("memory per idle authenticated connection (10,000 held), KB", "", cell(kb["chat"]), cell(kb["seed"]),
             f"chat/seed {ratio(kb['chat'], kb['seed'])}; held {held['chat']} / {held['seed']}"))

half = reports("chat", "half")
if half:
    for r in half:
        count(r["result"])
    rate = half[0]["result"]["offeredRate"]
    rows.append((f"chat-gateway at half its sustainable rate ({rate:,.0f} msg/s): ack p99, ms", "",
                 cell([r["result"]["ackLatencyMs"]["p99"] for r in half], 2), "", ""))

print("| figure | echo | chat-gateway | seed peer (Node.js) | |")
print("|---|---:|---:|---:|---|")
for row in rows:
    print("| " + " | ".join(row) + " |")
print(f"\nlost in any measurement: {lost}; duplicated: {duplicated}")
