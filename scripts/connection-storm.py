#!/usr/bin/env python3
"""10,000 connections opened at once and dropped at once, against a real chat-gateway.

Starts the gateway (a fresh database), opens COUNT connections together -- a third NDJSON
with a command in flight, a third WebSocket upgrades, a third that never send a byte --
then resets them all at once (SO_LINGER 0). Passes when the gateway answered every
connection it accepted, counts its connections back down to zero, and still serves a new
client (register, login, ping) afterwards. Exit status 0 on success.

    scripts/connection-storm.py [--gateway .build/debug/chat-gateway] [--count 10000]
"""
import argparse, asyncio, json, os, re, resource, socket, struct, subprocess, sys, tempfile, time

UPGRADE = (b"GET /ws HTTP/1.1\r\nHost: storm\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def start_gateway(binary, database, count):
    process = subprocess.Popen(
        [binary, "--db", database, "--port", "0", "--log-level", "info", "--max-connections", str(count + 100)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    for line in process.stderr:  # the line that says it listens carries the port
        match = re.search(rb"chat\.port=(\d+)", line)
        if match:
            # Keep draining its log so it never blocks on a full pipe.
            asyncio.get_event_loop().run_in_executor(None, lambda: [None for _ in process.stderr])
            return process, int(match.group(1))
    raise SystemExit("gateway exited before listening")


async def health(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /health HTTP/1.1\r\nHost: storm\r\nConnection: close\r\n\r\n")
    body = (await reader.read()).split(b"\r\n\r\n", 1)[1]
    writer.close()
    return json.loads(body)


async def open_one(port, kind):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if kind == 0:
        writer.write(b'{"type":"ping","request_id":1}\n{"type":"login","username":"nobody","pass')
        answer = await reader.readline()
        assert json.loads(answer)["status"] == "ok", answer
    elif kind == 1:
        writer.write(UPGRADE)
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
    return writer


def reset(writer):
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def client_round_trip(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for command in ({"type": "register", "username": "after", "password": "password-1"},
                    {"type": "login", "username": "after", "password": "password-1"},
                    {"type": "ping", "request_id": 2}):
        writer.write(json.dumps(command).encode() + b"\n")
        reply = json.loads(await asyncio.wait_for(reader.readline(), 30))
        assert reply["status"] == "ok", reply
    writer.close()


async def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateway", default=".build/debug/chat-gateway")
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.count + 100:
        raise SystemExit(f"need {args.count + 100} file descriptors, the limit is {hard}")

    with tempfile.TemporaryDirectory() as directory:
        process, port = start_gateway(args.gateway, os.path.join(directory, "chat.db"), args.count)
        try:
            started = time.monotonic()
            # Open in waves the listen backlog can take, all held open together.
            writers = []
            for wave in range(0, args.count, 500):
                writers += await asyncio.gather(*(open_one(port, n % 3) for n in range(wave, min(wave + 500, args.count))))
            opened = time.monotonic() - started
            # /health counts chat connections: the silent third has not chosen a protocol yet.
            chat = sum(1 for n in range(args.count) if n % 3 != 2)
            held = (await health(port))["connections"]
            if held < chat:
                raise SystemExit(f"the gateway holds {held} of {chat} chat connections")
            for writer in writers:
                reset(writer)
            await wait_for(lambda: _connections_at_most(port, 0), 60, "every dropped connection to close")
            await client_round_trip(port)
            if process.poll() is not None:
                raise SystemExit("the gateway died")
            print(f"connection storm: {args.count} opened in {opened:.1f} s and held ({held} of them chat connections), "
                  f"all reset at once, the gateway closed every one and still serves")
        finally:
            process.terminate()
            process.wait(10)


async def _connections_at_most(port, limit):
    return (await health(port))["connections"] <= limit


asyncio.run(main())
