#!/usr/bin/env python3
"""Slowloris against a server while wrk measures good clients.

  bench/slowloris.py PORT [SLOW=1000] [SECS=10]

Runs wrk -c8 for SECS alone (baseline), then again while SLOW connections each trickle a
request head one byte a second (never finishing it), and prints both rates, the ratio,
and how many slow connections the server had closed by the end (a server with a head-read
timeout closes them; one without keeps them forever).
"""
import re
import resource
import socket
import subprocess
import sys
import threading
import time

port = int(sys.argv[1])
slow_n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
secs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, slow_n + 1024)), hard))


def wrk():
    out = subprocess.run(["wrk", "-t1", "-c8", "-d%ds" % secs, "http://127.0.0.1:%d/" % port],
                         capture_output=True, text=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(m.group(1)) if m else 0.0


base = wrk()
head = b"GET / HTTP/1.1\r\nHost: slow\r\nX-Padding: " + b"a" * 4096
socks = []
for _ in range(slow_n):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.setblocking(False)
        socks.append(s)
    except OSError:
        break
stop = threading.Event()
closed = set()


def trickle():
    i = 0
    while not stop.is_set():
        for k, s in enumerate(socks):
            if k in closed:
                continue
            try:
                s.send(head[i % len(head):i % len(head) + 1])
            except OSError:
                closed.add(k)
        i += 1
        stop.wait(1.0)


t = threading.Thread(target=trickle, daemon=True)
t.start()
time.sleep(1)
loaded = wrk()
stop.set()
t.join()
print("slowloris port=%d slow_conns=%d baseline_rps=%.0f under_attack_rps=%.0f ratio=%.2f slow_closed_by_server=%d"
      % (port, len(socks), base, loaded, loaded / base if base else 0, len(closed)))
