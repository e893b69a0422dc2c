//! Runs the 0.10 programs built from unmodified source and talks to them as clients do.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `bin` and waits (up to 10 s) until `addr` accepts connections.
fn start(bin: &str, addr: &str) -> Running {
    let child = Command::new(bin)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the example");
    let running = Running(child);
    let until = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < until, "{} did not listen on {}", bin, addr);
        std::thread::sleep(Duration::from_millis(20));
    }
    running
}

/// Sends `raw` on a new connection and reads until the server closes it (5 s at most).
fn exchange(addr: &str, raw: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(raw).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn hyper_010_server_example_echoes_and_routes() {
    let addr = "127.0.0.1:1337";
    let _server = start(env!("CARGO_BIN_EXE_hyper010_server"), addr);
    let out = exchange(
        addr,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\
          POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world\
          GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    // Bodies are not newline-terminated: find status lines anywhere.
    let statuses: Vec<&str> = out
        .match_indices("HTTP/1.1 ")
        .map(|(at, _)| out[at..].lines().next().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "HTTP/1.1 200 OK",
            "HTTP/1.1 200 OK",
            "HTTP/1.1 404 Not Found"
        ],
        "{}",
        out
    );
    assert!(out.contains("Try POST /echo"), "{}", out);
    // The echo is chunked (no Content-Length was set): one chunk of 11 bytes.
    assert!(out.contains("Transfer-Encoding: chunked\r\n"), "{}", out);
    assert!(out.contains("\r\nb\r\nhello world\r\n0\r\n\r\n"), "{}", out);
}

#[test]
fn hyper_010_hello_example_and_client_example() {
    let addr = "127.0.0.1:3000";
    let _server = start(env!("CARGO_BIN_EXE_hyper010_hello"), addr);
    let out = exchange(addr, b"GET / HTTP/1.0\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{}", out);
    assert!(out.ends_with("\r\n\r\nHello World!"), "{}", out);
    // hyper's own client example against it.
    let client = Command::new(env!("CARGO_BIN_EXE_hyper010_client"))
        .arg("http://127.0.0.1:3000/")
        .env_remove("HTTP_PROXY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&client.stdout);
    assert!(client.status.success(), "{}", stdout);
    assert!(stdout.starts_with("Response: 200 OK\n"), "{}", stdout);
    assert!(stdout.contains("Content-Length: 12\r\n"), "{}", stdout);
    assert!(stdout.ends_with("Hello World!"), "{}", stdout);
}

#[test]
fn legacy_app_self_test_matches_hyper_010() {
    let out = Command::new(env!("CARGO_BIN_EXE_legacy_app"))
        .args(["127.0.0.1:0", "--self-test"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().skip(1).collect();
    // What the same source prints against hyper 0.10.16, but for the last line: 0.10 sent
    // a dropped 404 chunked, hypersync with `Content-Length: 0`.
    let port = stdout
        .lines()
        .next()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        lines,
        [
            "THREAD 0".to_owned(),
            "THREAD 1".to_owned(),
            "THREAD 2".to_owned(),
            "THREAD 3".to_owned(),
            "agent: legacy/1.0".to_owned(),
            format!("redirected to http://127.0.0.1:{}/: legacy app", port),
            "missing: 404 Not Found Some(ContentLength(0))".to_owned(),
        ]
    );
}
