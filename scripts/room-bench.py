#!/usr/bin/env python3
"""One room of many members, all online, against a running chat server (NDJSON over TCP).

  scripts/room-bench.py --port 5000 --members 1000 [--server-pid PID] [--rate 20] [--seconds 10]

1. Registers and logs in `--members` users (each a password hash on the server: slow), plus
   a probe pair in a direct chat that sends a message every 20 ms throughout.
2. Creates one group holding all of them; reports how long until every member has its
   `chat:new`, and the worst probe delivery latency meanwhile (how long the room's creation
   delayed another chat).
3. Sends `--rate` messages per second into the room for `--seconds`; reports delivery
   latency percentiles over every member, and with `--server-pid` server CPU per delivery.

Every delivery is checked: a member that misses a message or gets one twice is reported and
the exit status is 2. Loopback only; every loop is bounded in count and time.
"""
import argparse
import asyncio
import json
import os
import resource
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(pid):
    if not pid:
        return None
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Client:
    """One NDJSON connection: answers by request id, pushes to a queue."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.waiting = {}
        self.pushes = asyncio.Queue()
        self.next_id = 0
        self.task = asyncio.ensure_future(self.read())

    @classmethod
    async def connect(cls, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 24)
        return cls(reader, writer)

    async def read(self):
        while line := await self.reader.readline():
            at = time.monotonic()
            # A room's chat:new lists every member (60 KB for 1,000): not parsed, so that this
            # client does not become the bottleneck it measures.
            if line.startswith(b'{"type":"chat:new"'):
                self.pushes.put_nowait((at, {"type": "chat:new"}))
                continue
            message = json.loads(line)
            if "status" in message:
                self.waiting.pop(message.get("request_id"), asyncio.get_running_loop().create_future()).set_result(message)
            else:
                self.pushes.put_nowait((at, message))

    async def call(self, **command):
        self.next_id += 1
        command["request_id"] = self.next_id
        future = asyncio.get_running_loop().create_future()
        self.waiting[self.next_id] = future
        self.writer.write((json.dumps(command) + "\n").encode())
        reply = await asyncio.wait_for(future, 120)
        if reply["status"] != "ok":
            raise RuntimeError(f"{command['type']}: {reply}")
        return reply

    async def next_push(self, kind, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            at, message = await asyncio.wait_for(self.pushes.get(), max(0.001, deadline - time.monotonic()))
            if message.get("type") == kind:
                return at, message


async def user(port, name, semaphore):
    async with semaphore:
        client = await Client.connect(port)
        registered = await client.call(type="register", username=name, password="password-1")
        await client.call(type="login", username=name, password="password-1")
        return client, registered["user_id"]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))] if ordered else float("nan")


async def run_probe(arguments):
    """A message every 20 ms in the probe pair's chat until stdin closes; prints
    [[sent, latency], …] with `time.monotonic()` times, which every process shares."""
    sender, receiver = await Client.connect(arguments.port), await Client.connect(arguments.port)
    for client, name in ((sender, arguments.probe_users[0]), (receiver, arguments.probe_users[1])):
        await client.call(type="login", username=name, password="password-1")
    stdin = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    closed = asyncio.ensure_future(stdin.read())
    print("ready", flush=True)
    latencies, sequence = [], 0
    while not closed.done() and sequence < 100_000:
        sequence += 1
        sent = time.monotonic()
        await sender.call(type="message", chat_id=arguments.probe_chat, content=f"probe {sequence}")
        at, _ = await receiver.next_push("message:new", timeout=30)
        latencies.append((sent, at - sent))
        await asyncio.sleep(max(0, 0.02 - (time.monotonic() - sent)))
    print(json.dumps(latencies), flush=True)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--probe-users", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--probe-chat", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.probe:
        return await run_probe(arguments)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, arguments.members + 256)), hard))
    tag = f"{os.getpid()}-{int(time.time())}"
    semaphore = asyncio.Semaphore(64)

    started = time.monotonic()
    people = await asyncio.gather(*(user(arguments.port, f"r{i}-{tag}"[:32], semaphore) for i in range(arguments.members)))
    probe_a_name, probe_b_name = f"pa-{tag}"[:32], f"pb-{tag}"[:32]
    (probe_a, _), (probe_b, probe_b_id) = await asyncio.gather(
        user(arguments.port, probe_a_name, semaphore), user(arguments.port, probe_b_name, semaphore))
    print(f"set up {arguments.members} members in {time.monotonic() - started:.0f} s", file=sys.stderr)
    probe_chat = (await probe_a.call(type="create_chat", user_id=probe_b_id))["chat_id"]
    await probe_b.next_push("chat:new")

    # The probe runs in a process of its own, so that this one's work cannot delay it.
    probe = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--probe", "--port", str(arguments.port), "--probe-users", probe_a_name, probe_b_name,
        "--probe-chat", probe_chat, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    await asyncio.wait_for(probe.stdout.readline(), 60)  # "ready"
    await asyncio.sleep(0.5)
    admin, _ = people[0]
    create_at = time.monotonic()
    group = (await admin.call(type="create_group", group_name="room", member_ids=[member for _, member in people[1:]]))["chat_id"]
    arrivals = await asyncio.gather(*(client.next_push("chat:new", timeout=120) for client, _ in people[1:]))
    all_joined = max(at for at, _ in arrivals) - create_at
    await asyncio.sleep(0.5)
    probe.stdin.close()
    probe_latencies = json.loads(await asyncio.wait_for(probe.stdout.read(), 60))
    await probe.wait()
    during = [latency for sent, latency in probe_latencies if sent >= create_at - 0.05]
    worst_probe = max(during) if during else float("nan")

    cpu_before = server_cpu_seconds(arguments.server_pid)
    count = int(arguments.rate * arguments.seconds)
    sent_at = {}
    begin = time.monotonic()
    for index in range(count):
        target = begin + index / arguments.rate
        await asyncio.sleep(max(0, target - time.monotonic()))
        sent_at[f"m{index}"] = time.monotonic()
        await admin.call(type="message", chat_id=group, content=f"m{index}")
    latencies, problems = [], 0
    for client, _ in people[1:]:
        seen = set()
        while len(seen) < count:
            try:
                at, message = await client.next_push("message:new", timeout=30)
            except asyncio.TimeoutError:
                problems += count - len(seen)
                break
            content = message["payload"]["content"]
            if content in seen:
                problems += 1
            seen.add(content)
            latencies.append(at - sent_at[content])
    cpu_after = server_cpu_seconds(arguments.server_pid)
    deliveries = count * (arguments.members - 1)
    report = {
        "members": arguments.members,
        "room_created_all_joined_ms": round(all_joined * 1000, 1),
        "other_chat_worst_delivery_ms_during_creation": round(worst_probe * 1000, 1),
        "rate": arguments.rate,
        "deliveries": deliveries,
        "delivery_p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "delivery_p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "server_cpu_us_per_delivery": round((cpu_after - cpu_before) / deliveries * 1e6, 2) if cpu_before is not None else None,
        "lost_or_duplicated": problems,
    }
    print(json.dumps(report) if arguments.json else "\n".join(f"{key}: {value}" for key, value in report.items()))
    sys.exit(2 if problems else 0)


asyncio.run(main())
