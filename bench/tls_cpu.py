#!/usr/bin/env python3
"""Server CPU per HTTPS request: our `hello --tls` beside nginx with TLS, same certificate.

  python3 bench/tls_cpu.py [--rounds 5] [--dur 5] [--mode ka] [--mode handshake]

Makes a P-256 certificate (openssl), starts each server pinned to CPU 0 (ours: the `hello`
handler over `Server::handle_tls`, `bench/target/release/tls-hello`; nginx: one worker,
`return 200 "Hello, World!"`; both TLS 1.3 with session resumption off, so that a new
connection is a full handshake on both), loads it with wrk pinned to
CPU 1 over https, and divides the server's CPU time (user+sys of its process tree, from
/proc) by the requests done. `ka`: 50 keep-alive connections. `handshake`: every request
on a new connection (`Connection: close`), so each costs a full TLS handshake. Servers
alternate within each round; the ratio nginx/ours is taken per round, the median printed.
Prints the negotiated protocol and cipher of each server first (curl -v), to show they
match. Needs: bench/target/release/tls-hello (cd bench && cargo build --release --bin
tls-hello), nginx, wrk, curl, openssl.
"""
import argparse, os, socket, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ticks(pid):
    """user+sys ticks of pid and its children (nginx: master and worker)."""
    pids = [pid]
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        pids.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    total = 0
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            pass
    return total


def nginx_conf(d, port, cert, key):
    return (
        "daemon off; master_process off; worker_processes 1; pid %(d)s/nginx.pid;\n"
        "error_log %(d)s/error.log;\nevents { worker_connections 1024; }\n"
        "http { access_log off; client_body_temp_path %(d)s/b; proxy_temp_path %(d)s/p;\n"
        " fastcgi_temp_path %(d)s/f; uwsgi_temp_path %(d)s/u; scgi_temp_path %(d)s/s;\n"
        " keepalive_requests 1000000;\n"
        " server { listen 127.0.0.1:%(port)d ssl; ssl_certificate %(cert)s;\n"
        "  ssl_certificate_key %(key)s; ssl_protocols TLSv1.3; ssl_session_tickets off;\n"
        "  ssl_session_cache off;\n"
        "  location / { default_type text/plain; return 200 \"Hello, World!\"; } } }\n"
        % {"d": d, "port": port, "cert": cert, "key": key}
    )


def start(name, port, cert, key, work):
    if name == "ours":
        argv = [os.path.join(ROOT, "bench/target/release/tls-hello"), "127.0.0.1:%d" % port,
                cert, key]
    else:
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(nginx_conf(work, port, cert, key))
        argv = ["nginx", "-p", work, "-c", conf]
    proc = subprocess.Popen(["taskset", "-c", "0"] + argv, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    end = time.time() + 10
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("%s did not listen" % name)


def wrk(port, mode, dur):
    args = ["taskset", "-c", "1", "wrk", "-t1", "-c50" if mode == "ka" else "-c8",
            "-d%ds" % dur, "https://127.0.0.1:%d/" % port]
    if mode == "handshake":
        args[4:4] = ["-H", "Connection: close"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=dur + 60).stdout
    done = errors = 0
    for line in out.splitlines():
        line = line.strip()
        if " requests in " in line:
            done = int(line.split()[0])
        if line.startswith("Non-2xx") or line.startswith("Socket errors"):
            errors += 1
    return done, errors, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--dur", type=int, default=5)
    ap.add_argument("--mode", action="append", choices=["ka", "handshake"])
    a = ap.parse_args()
    modes = a.mode or ["ka", "handshake"]
    work = tempfile.mkdtemp(prefix="tls-cpu-")
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    servers = ["ours", "nginx"]
    for name in servers:
        port = free_port()
        proc = start(name, port, cert, key, work)
        v = subprocess.run(["curl", "-sS", "-v", "-o", "/dev/null", "--cacert", cert,
                            "https://127.0.0.1:%d/" % port], capture_output=True, text=True).stderr
        line = next((l for l in v.splitlines() if "SSL connection using" in l), "?")
        print("%-6s %s" % (name, line.strip("* ")))
        proc.terminate()
        proc.wait()
    for mode in modes:
        ratios, per = [], {s: [] for s in servers}
        for r in range(a.rounds):
            got = {}
            order = servers if r % 2 == 0 else servers[::-1]
            for name in order:
                port = free_port()
                proc = start(name, port, cert, key, work)
                wrk(port, mode, 1)  # warm-up
                t0 = ticks(proc.pid)
                done, errors, out = wrk(port, mode, a.dur)
                t1 = ticks(proc.pid)
                proc.terminate()
                proc.wait()
                if done == 0:
                    sys.exit("%s: no requests done\n%s" % (name, out))
                ns = (t1 - t0) * 1e9 / TCK / done
                got[name] = ns
                per[name].append(ns)
                print("%s round %d %-6s %8.0f ns/req (%d req, %d error lines)" % (mode, r + 1, name, ns, done, errors))
            ratios.append(got["nginx"] / got["ours"])
        print("%s: median CPU ns per request: ours %.0f, nginx %.0f; nginx/ours per round median %.2fx" % (
            mode, statistics.median(per["ours"]), statistics.median(per["nginx"]), statistics.median(ratios)))


if __name__ == "__main__":
    main()
