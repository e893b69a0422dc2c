//! The echo service's behaviour, the same tests against every driver of it: the mio
//! `echo` example (hyper-server), and hyper-proto driven by blocking `std::net`
//! (`std_server`) and by tokio (`tokio_server`, current-thread and multi-thread). Real
//! clients (curl, python's http.client, nginx, ab, wrk), and a conformance table of raw
//! requests: the rules live in hyper-proto, so every driver must answer them alike.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::Command;
use std::time::Duration;

use examples::echo::Echo;
use hyper_proto::Config;
use hyper_server::Server;

mod common;
use common::{run, sha256, stdout, temp_file};

/// One running echo server, whichever drives it.
enum Running {
    Mio(hyper_server::Listening),
    Std(examples::std_server::Running),
    Tokio(examples::tokio_server::Running),
}

impl Running {
    fn addr(&self) -> SocketAddr {
        match self {
            Self::Mio(s) => s.addr(),
            Self::Std(s) => s.addr(),
            Self::Tokio(s) => s.addr(),
        }
    }

    fn close(self) {
        match self {
            Self::Mio(s) => s.close().unwrap(),
            Self::Std(s) => s.close(),
            Self::Tokio(s) => s.close(),
        }
    }

    /// A graceful shutdown with `grace`: how many connections it cut, where the driver
    /// tells (the mio server does not).
    fn shutdown(self, grace: Duration) -> Option<usize> {
        match self {
            Self::Mio(s) => {
                s.shutdown(grace).unwrap();
                None
            }
            Self::Std(s) => Some(s.shutdown(grace)),
            Self::Tokio(s) => Some(s.shutdown(grace)),
        }
    }
}

type Start = fn(SocketAddr) -> Running;

/// Every driver of the echo service, by name, with the default configuration.
const SERVERS: [(&str, Start); 4] = [
    ("mio echo", |a| {
        Running::Mio(Server::http(a).unwrap().handle(|_| Echo::new()).unwrap())
    }),
    ("std_server", |a| {
        Running::Std(examples::std_server::spawn(a, Config::default()).unwrap())
    }),
    ("tokio_server (current-thread)", |a| {
        Running::Tokio(examples::tokio_server::spawn(a, 1, Config::default()).unwrap())
    }),
    ("tokio_server (multi-thread)", |a| {
        Running::Tokio(examples::tokio_server::spawn(a, 2, Config::default()).unwrap())
    }),
];

/// Runs `check` against each driver of the echo service in turn, naming the one that fails.
fn each_server(check: fn(SocketAddr)) {
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    for (name, start) in SERVERS {
        let srv = start(any);
        let addr = srv.addr();
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| check(addr))) {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!("{name}: {why}");
        }
        srv.close();
    }
}

fn check_curl_echo_50_mib_by_checksum(addr: SocketAddr) {
    let url = format!("http://{}/echo", addr);
    let (dir, file) = temp_file("upload.bin", 50 << 20);
    let file = file.to_str().unwrap();
    let want = sha256(file);
    let out_len = dir.join("out-len.bin");
    let out_chunked = dir.join("out-chunked.bin");
    let out_expect = dir.join("out-expect.bin");
    let data = format!("@{file}");
    // Content-Length upload (curl adds Expect: 100-continue for large bodies itself).
    run(
        "curl",
        &[
            "-sS",
            "--max-time",
            "60",
            "--data-binary",
            &data,
            "-o",
            out_len.to_str().unwrap(),
            &url,
        ],
    );
    // Chunked upload.
    run(
        "curl",
        &[
            "-sS",
            "--max-time",
            "60",
            "-H",
            "Transfer-Encoding: chunked",
            "--data-binary",
            &data,
            "-o",
            out_chunked.to_str().unwrap(),
            &url,
        ],
    );
    // Explicit Expect: 100-continue: the server must answer 100 (curl would otherwise wait
    // a second before sending the body; the checksum is what matters here).
    let timing = stdout(
        "curl",
        &[
            "-sS",
            "--max-time",
            "60",
            "-H",
            "Expect: 100-continue",
            "--data-binary",
            &data,
            "-o",
            out_expect.to_str().unwrap(),
            "-w",
            "%{http_code}",
            &url,
        ],
    );
    assert_eq!(timing, "200");
    for out in [&out_len, &out_chunked, &out_expect] {
        assert_eq!(sha256(out.to_str().unwrap()), want, "{}", out.display());
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn curl_echo_50_mib_by_checksum() {
    each_server(check_curl_echo_50_mib_by_checksum);
}

fn check_echo_routes_answer_405_501_404(addr: SocketAddr) {
    let base = format!("http://{}", addr);
    let status = |method: &str, path: &str| {
        let out = stdout(
            "curl",
            &[
                "-sS",
                "-i",
                "--max-time",
                "10",
                "-X",
                method,
                &format!("{base}{path}"),
            ],
        );
        let line = out.lines().next().unwrap_or_default().trim().to_owned();
        let allow = out
            .lines()
            // Field names are case-insensitive.
            .find(|l| l.to_ascii_lowercase().starts_with("allow: "))
            .map(|l| l["allow: ".len()..].trim().to_owned());
        (line, allow)
    };
    assert_eq!(
        status("POST", "/"),
        (
            "HTTP/1.1 405 Method Not Allowed".into(),
            Some("GET, HEAD".into())
        )
    );
    assert_eq!(
        status("GET", "/echo"),
        (
            "HTTP/1.1 405 Method Not Allowed".into(),
            Some("POST".into())
        )
    );
    assert_eq!(status("BREW", "/echo").0, "HTTP/1.1 501 Not Implemented");
    assert_eq!(status("GET", "/nope").0, "HTTP/1.1 404 Not Found");
}

#[test]
fn echo_routes_answer_405_501_404() {
    each_server(check_echo_routes_answer_405_501_404);
}

fn check_python_http_client_reuses_the_connection(addr: SocketAddr) {
    let script = common::PYTHON_KEEP_ALIVE_ECHO;
    let out = stdout(
        "python3",
        &[
            "-c",
            script,
            &addr.ip().to_string(),
            &addr.port().to_string(),
        ],
    );
    assert_eq!(out.trim(), "ok");
}

#[test]
fn python_http_client_reuses_the_connection() {
    each_server(check_python_http_client_reuses_the_connection);
}

/// Clients that send a whole body before they read (python's http.client, nginx as a
/// proxy) get their echo: the echo reads ahead while they are not reading (up to 64 MiB).
fn check_half_duplex_clients_get_a_20_mib_echo(addr: SocketAddr) {
    let script = r#"
import http.client, sys, hashlib
data = bytes((i * 7 + i // 4096) % 251 for i in range(20 * 1024 * 1024))
c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=30)
c.request("POST", sys.argv[3], body=data)
r = c.getresponse()
back = r.read()
assert r.status == 200, r.status
assert back == data, (len(back), len(data))
print("ok")
"#;
    let out = stdout(
        "python3",
        &[
            "-c",
            script,
            &addr.ip().to_string(),
            &addr.port().to_string(),
            "/echo",
        ],
    );
    assert_eq!(out.trim(), "ok");
    // nginx in front: it forwards the whole body before it reads the answer.
    let dir = std::env::temp_dir().join(format!("hyper-next-nginx-echo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let http = format!(
        "client_max_body_size 64m; server {{ listen 127.0.0.1:{port}; location / {{ \
         proxy_pass http://{addr}; proxy_http_version 1.1; }} }}"
    );
    let mut child = common::start_nginx(&dir, &http, port);
    let result = Command::new("python3")
        .args(["-c", script, "127.0.0.1", &port.to_string(), "/echo"])
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        String::from_utf8_lossy(&result.stdout).trim(),
        "ok",
        "{}\nnginx: {log}",
        String::from_utf8_lossy(&result.stderr)
    );
}

#[test]
fn half_duplex_clients_get_a_20_mib_echo() {
    each_server(check_half_duplex_clients_get_a_20_mib_echo);
}

fn check_ab_and_wrk_smoke_loads(addr: SocketAddr) {
    let url = format!("http://{addr}/");
    let ab = stdout(
        "ab",
        &["-q", "-k", "-n", "5000", "-c", "20", "-s", "10", &url],
    );
    assert!(ab.contains("Complete requests:      5000"), "{ab}");
    assert!(ab.contains("Failed requests:        0"), "{ab}");
    assert!(ab.contains("Keep-Alive requests:    5000"), "{ab}");
    // HTTP/1.0 without keep-alive: a connection per request.
    let ab = stdout("ab", &["-q", "-n", "2000", "-c", "10", "-s", "10", &url]);
    assert!(ab.contains("Failed requests:        0"), "{ab}");
    let wrk = stdout("wrk", &["-t1", "-c20", "-d1s", "--timeout", "5s", &url]);
    assert!(!wrk.contains("Socket errors"), "{wrk}");
    assert!(!wrk.contains("Non-2xx"), "{wrk}");
    assert!(wrk.contains("requests in"), "{wrk}");
}

#[test]
fn ab_and_wrk_smoke_loads() {
    each_server(check_ab_and_wrk_smoke_loads);
}

/// Sends `request` (then ends our side when `half_close`), reads until the server closes
/// (at most 10 s) and returns what came back.
fn exchange(addr: SocketAddr, request: &[u8], half_close: bool) -> String {
    let mut s = connect(addr);
    s.write_all(request).unwrap();
    if half_close {
        s.shutdown(Shutdown::Write).unwrap();
    }
    read_until_closed(&mut s, "exchange")
}

/// The README's table of rules, as raw requests: the status line each must get, and that
/// the server closes afterwards (every request here ends its connection).
fn check_conformance_table(addr: SocketAddr) {
    let long_target = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(9000));
    let long_head = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX: {}\r\n\r\n",
        "a".repeat(17000)
    );
    let many = format!(
        "GET / HTTP/1.1\r\nHost: x\r\n{}\r\n",
        "X-A: 1\r\n".repeat(101)
    );
    let cases: &[(&str, &[u8], &str)] = &[
        ("TE and CL", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", "400"),
        ("TE not ending in chunked", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "400"),
        ("TE chunkedchunked", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunkedchunked\r\n\r\n", "400"),
        ("a coding before chunked", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "501"),
        ("TE in HTTP/1.0", b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400"),
        ("CL with a sign", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", "400"),
        ("differing CLs", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "400"),
        ("chunk size not hex", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", "400"),
        ("chunk data without CRLF", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", "400"),
        ("obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n", "400"),
        ("space before the colon", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", "400"),
        ("no Host", b"GET / HTTP/1.1\r\n\r\n", "400"),
        ("two Hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400"),
        ("HTTP/1.2 is 1.1", b"GET / HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n", "200"),
        ("HTTP/2.0", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505"),
        ("lower-case version", b"GET / http/1.1\r\nHost: x\r\n\r\n", "400"),
        ("head over 16 KiB", long_head.as_bytes(), "431"),
        ("more than 100 fields", many.as_bytes(), "431"),
        ("target over 8 KiB", long_target.as_bytes(), "414"),
        ("unknown Expect", b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\na", "417"),
        ("HTTP/1.0 closes", b"GET / HTTP/1.0\r\n\r\n", "200"),
    ];
    for (what, request, status) in cases {
        let back = exchange(addr, request, false);
        let want = format!("HTTP/1.1 {status} ");
        assert!(
            back.starts_with(&want),
            "{what}: wanted {status}, got {back:?}"
        );
    }
    // A body cut short by the client's end of stream: 400 (no answer had started).
    let back = exchange(
        addr,
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
        true,
    );
    assert!(back.starts_with("HTTP/1.1 400 "), "cut body: {back:?}");
    // HEAD: the GET's length, no body.
    let back = exchange(
        addr,
        b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        false,
    );
    assert!(back.starts_with("HTTP/1.1 200 "), "{back:?}");
    assert!(
        back.contains("content-length: 24\r\n") && back.ends_with("\r\n\r\n"),
        "HEAD: {back:?}"
    );
    // Pipelined: three answers in order on one connection, the last one closing it.
    let back = exchange(
        addr,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello\
          GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        false,
    );
    let statuses: Vec<&str> = back
        .match_indices("HTTP/1.1 ")
        .map(|(i, _)| &back[i + 9..i + 12])
        .collect();
    assert_eq!(statuses, ["200", "200", "404"], "{back:?}");
    assert!(back.contains("\r\n\r\nhello"), "{back:?}");
    // Expect: 100-continue: the 100 goes out before the body is sent.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n",
    )
    .unwrap();
    let mut first = [0u8; 25];
    s.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"ok").unwrap();
    let mut rest = [0u8; 512];
    let n = s.read(&mut rest).unwrap();
    let rest = String::from_utf8_lossy(&rest[..n]);
    assert!(
        rest.starts_with("HTTP/1.1 200 ") && rest.ends_with("\r\n\r\nok"),
        "{rest:?}"
    );
}

#[test]
fn conformance_table() {
    each_server(check_conformance_table);
}

/// The connection's deadlines, from hyper-proto's `poll_timeout`, honoured by the std and
/// tokio drivers (the mio server's are tested in hyper-server): a connection that never
/// sends a byte is closed without a word at the head timeout, one that started a head gets
/// 408, a body that stops coming gets 408, an idle keep-alive connection is closed.
#[test]
fn drivers_keep_the_deadlines() {
    let short = Duration::from_millis(300);
    let config = Config::default()
        .head_timeout(Some(short))
        .idle_timeout(Some(short))
        .body_timeout(Some(short));
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    let servers = [
        (
            "std_server",
            Running::Std(examples::std_server::spawn(any, config).unwrap()),
        ),
        (
            "tokio_server",
            Running::Tokio(examples::tokio_server::spawn(any, 1, config).unwrap()),
        ),
    ];
    for (name, srv) in servers {
        let addr = srv.addr();
        let t0 = std::time::Instant::now();
        assert_eq!(exchange(addr, b"", false), "", "{name}: silent connection");
        assert!(
            t0.elapsed() >= short,
            "{name}: closed before the head timeout"
        );
        let back = exchange(addr, b"GET / HTTP/1.1\r\nHost:", false);
        assert!(
            back.starts_with("HTTP/1.1 408 "),
            "{name}: started head: {back:?}"
        );
        let back = exchange(
            addr,
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
            false,
        );
        assert!(
            back.starts_with("HTTP/1.1 408 "),
            "{name}: stalled body: {back:?}"
        );
        let back = exchange(addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", false);
        assert!(
            back.starts_with("HTTP/1.1 200 ") && back.ends_with("POST /echo\n"),
            "{name}: idle: {back:?}"
        );
        srv.close();
    }
}

/// Connects with a bounded read timeout.
fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Reads until the server closes, failing after 10 s. A reset counts as closing: one
/// after the answer arrived still leaves the answer to check.
fn read_until_closed(s: &mut TcpStream, name: &str) -> String {
    let mut back = Vec::new();
    match s.read_to_end(&mut back) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!(
            "{name}: not closed within 10 s ({e}) after {:?}",
            String::from_utf8_lossy(&back)
        ),
    }
    String::from_utf8_lossy(&back).into_owned()
}

/// A graceful shutdown, as a service manager's SIGTERM starts it in the examples: the
/// idle keep-alive connection is closed at once, no new connection is served, and the two
/// requests in flight (one half-way through its body, one half-way through its head) are
/// answered in full, each with `Connection: close`, before the server stops.
#[test]
fn graceful_shutdown_finishes_requests_in_flight() {
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    for (name, start) in SERVERS {
        let srv = start(any);
        let addr = srv.addr();
        let mut idle = connect(addr);
        idle.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut got = Vec::new();
        while !got.ends_with(b"POST /echo\n") {
            let mut buf = [0u8; 512];
            let n = idle.read(&mut buf).unwrap();
            assert!(n > 0, "{name}: closed before answering");
            got.extend_from_slice(&buf[..n]);
        }
        let mut in_body = connect(addr);
        in_body
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello")
            .unwrap();
        let mut in_head = connect(addr);
        in_head.write_all(b"GET / HTTP/1.1\r\nHo").unwrap();
        // Lets the server read both before it is told to stop.
        std::thread::sleep(Duration::from_millis(200));
        let stopper = std::thread::spawn(move || srv.shutdown(Duration::from_secs(10)));

        assert_eq!(read_until_closed(&mut idle, name), "", "{name}: idle");
        // A new connection is not served (refused, closed, or never answered).
        if let Ok(mut late) = TcpStream::connect(addr) {
            late.set_read_timeout(Some(Duration::from_millis(500)))
                .unwrap();
            let _ = late.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            let mut buf = [0u8; 64];
            let n = late.read(&mut buf).unwrap_or(0);
            let back = String::from_utf8_lossy(&buf[..n]);
            assert!(!back.starts_with("HTTP/1.1 200"), "{name}: late: {back:?}");
        }

        // Each finishes its request, then gets the whole answer, as the last.
        let finish = [
            (
                &mut in_body,
                &b"world"[..],
                "\r\n\r\nhelloworld",
                "body in flight",
            ),
            (
                &mut in_head,
                &b"st: x\r\n\r\n"[..],
                "POST /echo\n",
                "head in flight",
            ),
        ];
        for (stream, rest, ends, what) in finish {
            stream.write_all(rest).unwrap();
            let back = read_until_closed(stream, name);
            let lower = back.to_ascii_lowercase();
            assert!(
                back.starts_with("HTTP/1.1 200 ")
                    && lower.contains("\r\nconnection: close\r\n")
                    && back.ends_with(ends),
                "{name}: {what}: {back:?}"
            );
        }
        let cut = stopper.join().unwrap();
        assert!(cut.is_none_or(|n| n == 0), "{name}: cut {cut:?}");
    }
}

/// A request that outlasts the grace period is cut when it ends, and the shutdown says
/// so: the server does not wait for a stalled client.
#[test]
fn graceful_shutdown_cuts_what_outlasts_the_grace() {
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    for (name, start) in SERVERS {
        let srv = start(any);
        let mut stalled = connect(srv.addr());
        stalled
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello")
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let cut = srv.shutdown(Duration::from_millis(300));
        assert!(cut.is_none_or(|n| n == 1), "{name}: cut {cut:?}");
        let back = read_until_closed(&mut stalled, name);
        assert!(!back.contains(" 200 "), "{name}: stalled: {back:?}");
    }
}
