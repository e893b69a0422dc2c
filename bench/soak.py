#!/usr/bin/env python3
"""Endurance test: mixed load against the examples' handlers, then the client against a
server that closes idle connections at random moments.

  cd bench && cargo build --release --bin soak-server --bin soak-client
  python3 soak.py [SERVER_SECS=1800] [CLIENT_SECS=600]

Part 1 runs `soak-server` (echo, the Control wake-up of `wait`, and a panicking handler;
2 loop threads) for SERVER_SECS under: keep-alive and new-connection GETs, pipelined
bursts of 16, sized and chunked uploads up to 64 MiB checked byte for byte, slow readers,
slow writers, clients vanishing mid-body, `/user/N` lookups woken by `Control`, and one
request in 10,000 to the panicking handler. Every minute it prints the server's RSS, its
open descriptors (sampled with the load paused, nothing in flight) and the error counts.
Goals: no unexpected error, RSS drift under 5%
after the first 5 minutes, descriptors back to the idle count at the end.

Part 2 runs `soak-client` for CLIENT_SECS against a python server that closes each idle
keep-alive connection after a random 0-100 ms: hypersync's client and hyper-client's at
once, sequential GETs with random pauses. Goal: no failed (idempotent) request.
"""
import hashlib
import http.client
import os
import random
import socket
import socketserver
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_SECS = int(sys.argv[1]) if len(sys.argv) > 1 else 1800
CLIENT_SECS = int(sys.argv[2]) if len(sys.argv) > 2 else 600
BIG = os.urandom(64 * 1024 * 1024)

lock = threading.Lock()
counts = {}
unexpected = []
stop = threading.Event()
# Set for a moment every minute: runners finish what they are doing and wait, so that the
# RSS sample is not a picture of whatever uploads happen to be in flight.
pause = threading.Event()
in_flight = [0]


def count(name, ok=True, why=None):
    with lock:
        key = name if ok else name + "_unexpected"
        counts[key] = counts.get(key, 0) + 1
        if not ok and len(unexpected) < 50:
            unexpected.append("%s: %s" % (name, why))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def size():
    r = random.random()
    if r < 0.90:
        return random.randint(0, 64 * 1024)
    if r < 0.99:
        return random.randint(64 * 1024, 4 * 1024 * 1024)
    return random.randint(16 * 1024 * 1024, 64 * 1024 * 1024)


def read_to_close(s, pause=0.0):
    """Everything the server sends until it closes (waiting `pause` between reads: a
    slow reader)."""
    got = b""
    while True:
        d = s.recv(65536)
        if not d:
            return got
        got += d
        if pause:
            time.sleep(pause)


def keepalive(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(100):
        c.request("GET", "/")
        r = c.getresponse()
        body = r.read()
        if r.status != 200 or not body.startswith(b"echo server"):
            raise Exception("GET / gave %d" % r.status)
    c.close()


def newconn(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/", headers={"Connection": "close"})
    r = c.getresponse()
    r.read()
    c.close()
    if r.status != 200:
        raise Exception("status %d" % r.status)


def pipelined(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"GET / HTTP/1.1\r\nHost: soak\r\n\r\n" * 15 + b"GET / HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
    data = read_to_close(s)
    s.close()
    if data.count(b"HTTP/1.1 200 OK") != 16:
        raise Exception("%d answers of 16" % data.count(b"HTTP/1.1 200 OK"))


def upload(port, chunked):
    n = size()
    start = random.randint(0, len(BIG) - n)
    body = BIG[start:start + n]
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    if chunked:
        pieces = (body[i:i + 65536] for i in range(0, len(body), 65536))
        c.request("POST", "/echo", body=pieces, encode_chunked=True)
    else:
        c.request("POST", "/echo", body=body)
    r = c.getresponse()
    back = r.read()
    c.close()
    if r.status != 200 or hashlib.sha256(back).digest() != hashlib.sha256(body).digest():
        raise Exception("echo of %d bytes came back as %d (status %d)" % (n, len(back), r.status))


def slow_reader(port):
    body = BIG[:2 * 1024 * 1024]
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: soak\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    got = read_to_close(s, pause=0.01)
    s.close()
    if not got.endswith(body[-1000:]):
        raise Exception("slow reader got %d bytes" % len(got))


def slow_writer(port):
    body = BIG[:64 * 1024]
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: soak\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
    for i in range(0, len(body), 4096):
        s.sendall(body[i:i + 4096])
        time.sleep(0.02)
    got = read_to_close(s)
    s.close()
    if not got.endswith(body):
        raise Exception("slow writer got %d bytes" % len(got))


def vanish(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: soak\r\nContent-Length: 1000000\r\n\r\n" + BIG[:100000])
    s.close()


def wait(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n = random.randint(0, 10 ** 6)
    c.request("GET", "/user/%d" % n)
    r = c.getresponse()
    body = r.read()
    c.close()
    if r.status != 200 or body != b"user %d: name-%d\n" % (n, n):
        raise Exception("lookup gave %d %r" % (r.status, body[:50]))


def panic(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/panic")
    r = c.getresponse()
    r.read()
    c.close()
    if r.status != 500:
        raise Exception("panic gave %d" % r.status)


SCENARIOS = [
    ("keepalive", keepalive, 4),
    ("newconn", newconn, 2),
    ("pipelined", pipelined, 2),
    ("upload_sized", lambda p: upload(p, False), 2),
    ("upload_chunked", lambda p: upload(p, True), 1),
    ("slow_reader", slow_reader, 1),
    ("slow_writer", slow_writer, 1),
    ("vanish", vanish, 1),
    ("wait", wait, 2),
]


def runner(name, fn, port):
    while not stop.is_set():
        while pause.is_set() and not stop.is_set():
            time.sleep(0.05)
        with lock:
            in_flight[0] += 1
        try:
            if random.randint(1, 10000) == 1:
                panic(port)
                count("panic")
            fn(port)
            count(name)
        except Exception as e:
            count(name, False, repr(e))
        finally:
            with lock:
                in_flight[0] -= 1


def proc_stats(pid):
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    fds = len(os.listdir("/proc/%d/fd" % pid))
    return rss, fds


def part1():
    port = free_port()
    srv = subprocess.Popen([os.path.join(HERE, "target/release/soak-server"), "127.0.0.1:%d" % port, "2"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    srv.stdout.readline()
    idle_rss, idle_fds = proc_stats(srv.pid)
    print("part 1: soak-server on %d for %d s; idle: rss %d kB, %d fds" % (port, SERVER_SECS, idle_rss, idle_fds), flush=True)
    threads = []
    for name, fn, n in SCENARIOS:
        for _ in range(n):
            t = threading.Thread(target=runner, args=(name, fn, port), daemon=True)
            t.start()
            threads.append(t)
    t0 = time.time()
    samples = []
    while time.time() - t0 < SERVER_SECS:
        time.sleep(min(60, SERVER_SECS))
        pause.set()
        for _ in range(600):
            with lock:
                if in_flight[0] == 0:
                    break
            time.sleep(0.1)
        rss, fds = proc_stats(srv.pid)
        pause.clear()
        minute = int((time.time() - t0) / 60)
        samples.append((minute, rss))
        with lock:
            c = dict(counts)
        print("minute %d: rss %d kB, fds %d, counts %s" % (minute, rss, fds, c), flush=True)
    stop.set()
    for t in threads:
        t.join(timeout=180)
    # Idle connections close after the idle timeout (60 s).
    for _ in range(90):
        rss, fds = proc_stats(srv.pid)
        if fds <= idle_fds:
            break
        time.sleep(1)
    rss, fds = proc_stats(srv.pid)
    srv.kill()
    late = [r for m, r in samples if m >= 5]
    drift = (max(late) - min(late)) / min(late) * 100 if len(late) >= 2 else 0.0
    bad = sum(v for k, v in counts.items() if k.endswith("_unexpected"))
    print("part 1 result: unexpected_errors=%d rss_drift_after_5min=%.1f%% fds_end=%d idle_fds=%d counts=%s"
          % (bad, drift, fds, idle_fds, counts), flush=True)
    for u in unexpected[:20]:
        print("  unexpected:", u)
    return bad == 0 and drift < 5.0 and fds <= idle_fds


class Flaky(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Closer(socketserver.BaseRequestHandler):
    """Keep-alive HTTP/1.1 that closes an idle connection after a random 0-100 ms."""

    def handle(self):
        s = self.request
        buf = b""
        while True:
            s.settimeout(random.uniform(0.0, 0.1))
            try:
                d = s.recv(65536)
            except (socket.timeout, OSError):
                break
            if not d:
                break
            buf += d
            while b"\r\n\r\n" in buf:
                _, buf = buf.split(b"\r\n\r\n", 1)
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        s.close()


def part2():
    srv = Flaky(("127.0.0.1", 0), Closer)
    port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("part 2: soak-client for %d s against a server closing idle connections at random" % CLIENT_SECS, flush=True)
    out = subprocess.run([os.path.join(HERE, "target/release/soak-client"), "http://127.0.0.1:%d/" % port, str(CLIENT_SECS)],
                         capture_output=True, text=True).stdout.strip()
    srv.shutdown()
    print("part 2 result:", out, flush=True)
    return out.endswith("failed=0")


ok1 = part1() if SERVER_SECS > 0 else True
ok2 = part2() if CLIENT_SECS > 0 else True
print("soak: %s" % ("PASS" if ok1 and ok2 else "FAIL"))
sys.exit(0 if ok1 and ok2 else 1)
