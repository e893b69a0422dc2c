//! The example handlers driven by real clients: curl, python's http.client, ab and wrk.
//! Each server runs in-process on `127.0.0.1:0`. The clients must be installed (`.ci/run`
//! installs them); a missing one fails the test with a message saying so.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use examples::proxy::{Proxy, Upstream};
use examples::{echo::Echo, files::Files, hello::Hello, wait};
use hyper_server::{Listening, Server};

mod common;
use common::{run, stdout};

fn sha256(path: &str) -> String {
    stdout("sha256sum", &[path])
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

fn hello() -> Listening {
    Server::http("127.0.0.1:0")
        .unwrap()
        .handle(|_| Hello::new())
        .unwrap()
}

fn echo() -> Listening {
    Server::http("127.0.0.1:0")
        .unwrap()
        .handle(|_| Echo::new())
        .unwrap()
}

/// A file of `len` pseudo-random bytes in a fresh temp dir.
fn temp_file(name: &str, len: usize) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("hyper-next-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut chunk = vec![0u8; 1 << 16];
    let mut left = len;
    while left > 0 {
        for b in chunk.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let n = left.min(chunk.len());
        f.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    (dir, path)
}

#[test]
fn curl_hello_get_head_http10() {
    let srv = hello();
    let url = format!("http://{}/", srv.addr());
    assert_eq!(
        stdout("curl", &["-sS", "--max-time", "10", &url]),
        "Hello, World!"
    );
    let head = stdout("curl", &["-sS", "--max-time", "10", "-I", &url]);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("content-length: 13\r\n"),
        "{head}"
    );
    let v10 = stdout(
        "curl",
        &["-sS", "--max-time", "10", "--http1.0", "-i", &url],
    );
    assert!(
        v10.to_ascii_lowercase().contains("connection: close\r\n"),
        "{v10}"
    );
    assert!(v10.ends_with("Hello, World!"));
    // A body is read and discarded; the answer is the same.
    let posted = stdout("curl", &["-sS", "--max-time", "10", "-d", "ignored", &url]);
    assert_eq!(posted, "Hello, World!");
    srv.close().unwrap();
}

#[test]
fn curl_echo_50_mib_by_checksum() {
    let srv = echo();
    let url = format!("http://{}/echo", srv.addr());
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
    srv.close().unwrap();
}

/// The proxy in front of the echo example: past its read-ahead (64 MiB) the echo answers
/// while the upload is still arriving, so the proxy's client must keep sending the request
/// body while it streams the answer back (both directions at once), with bounded buffers.
/// 80 MiB is more than the read-ahead, the socket buffers and the proxy's pipes together.
#[test]
fn curl_through_the_proxy_to_echo_streams_both_ways() {
    let upstream = echo();
    let target: Arc<str> = format!("http://{}", upstream.addr()).into();
    let client: hyper_client::Client<Upstream> = hyper_client::Client::builder().build().unwrap();
    let proxy = Server::http("127.0.0.1:0")
        .unwrap()
        .handle(move |ctrl| Proxy::new(client.clone(), Arc::clone(&target), ctrl))
        .unwrap();
    let url = format!("http://{}/echo", proxy.addr());
    let (dir, file) = temp_file("proxied.bin", 80 << 20);
    let file = file.to_str().unwrap();
    let want = sha256(file);
    let data = format!("@{file}");
    for (name, extra) in [
        ("len", None),
        ("chunked", Some("Transfer-Encoding: chunked")),
    ] {
        let out = dir.join(format!("out-{name}.bin"));
        let mut args = vec!["-sS", "--max-time", "60", "--data-binary", &data];
        if let Some(h) = extra {
            args.extend(["-H", h]);
        }
        args.extend(["-o", out.to_str().unwrap(), "-w", "%{http_code}", &url]);
        assert_eq!(stdout("curl", &args), "200", "{name}");
        assert_eq!(sha256(out.to_str().unwrap()), want, "{name}");
    }
    std::fs::remove_dir_all(dir).unwrap();
    proxy.close().unwrap();
    upstream.close().unwrap();
}

/// The proxy passes a HEAD answer's length through, and takes absolute-form targets for its
/// upstream while refusing them for any other host with a 400 (not a DNS failure's 502).
#[test]
fn proxy_head_length_and_absolute_form() {
    let upstream = hello();
    let up = format!("127.0.0.1:{}", upstream.addr().port());
    let target: Arc<str> = format!("http://{up}").into();
    let client: hyper_client::Client<Upstream> = hyper_client::Client::builder().build().unwrap();
    let proxy = Server::http("127.0.0.1:0")
        .unwrap()
        .handle(move |ctrl| Proxy::new(client.clone(), Arc::clone(&target), ctrl))
        .unwrap();
    let base = format!("http://{}", proxy.addr());
    let head = stdout(
        "curl",
        &["-sS", "-I", "--max-time", "10", &format!("{base}/")],
    );
    assert!(head.contains("content-length: 13\r\n"), "{head}");
    // curl -x sends absolute-form targets, as to any forward proxy.
    let ok = stdout(
        "curl",
        &[
            "-sS",
            "--max-time",
            "10",
            "-x",
            &base,
            &format!("http://{up}/x"),
        ],
    );
    assert_eq!(ok, "Hello, World!");
    let refused = stdout(
        "curl",
        &[
            "-sS",
            "-i",
            "--max-time",
            "10",
            "-x",
            &base,
            "http://elsewhere.invalid/x",
        ],
    );
    assert!(
        refused.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{refused}"
    );
    assert!(refused.contains("names another host"), "{refused}");
    proxy.close().unwrap();
    upstream.close().unwrap();
}

#[test]
fn curl_files_streams_and_refuses_escape() {
    let (dir, file) = temp_file("big.bin", 3 << 20);
    let root = Arc::new(dir.canonicalize().unwrap());
    let r = Arc::clone(&root);
    let srv = Server::http("127.0.0.1:0")
        .unwrap()
        .handle(move |_| Files::new(Arc::clone(&r)))
        .unwrap();
    let base = format!("http://{}", srv.addr());
    let out = dir.join("downloaded");
    run(
        "curl",
        &[
            "-sS",
            "--max-time",
            "30",
            "-o",
            out.to_str().unwrap(),
            &format!("{base}/big.bin"),
        ],
    );
    assert_eq!(
        sha256(out.to_str().unwrap()),
        sha256(file.to_str().unwrap())
    );
    let head = stdout(
        "curl",
        &["-sS", "--max-time", "10", "-I", &format!("{base}/big.bin")],
    );
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {}\r\n", 3 << 20)),
        "{head}"
    );
    let code = |path: &str| {
        stdout(
            "curl",
            &[
                "-sS",
                "--max-time",
                "10",
                "--path-as-is",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                &format!("{base}{path}"),
            ],
        )
    };
    assert_eq!(code("/missing"), "404");
    assert_eq!(code("/../../etc/passwd"), "404");
    assert_eq!(code("/%2e%2e/%2e%2e/etc/passwd"), "404");
    std::fs::remove_dir_all(dir).unwrap();
    srv.close().unwrap();
}

/// What users expect of a static server: types, validators, ranges, methods, and no way out
/// through a symbolic link.
#[test]
fn curl_files_types_validators_ranges_methods() {
    let (dir, _) = temp_file("unused.bin", 1);
    std::fs::write(dir.join("page.html"), "<p>hello</p>\n").unwrap();
    let outside = dir
        .parent()
        .unwrap()
        .join(format!("outside-{}.txt", std::process::id()));
    std::fs::write(&outside, "secret").unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("link.txt")).unwrap();
    let root = Arc::new(dir.canonicalize().unwrap());
    let srv = Server::http("127.0.0.1:0")
        .unwrap()
        .handle(move |_| Files::new(Arc::clone(&root)))
        .unwrap();
    let url = format!("http://{}/page.html", srv.addr());
    let code = |extra: &[&str], url: &str| {
        let mut args = vec![
            "-s",
            "--max-time",
            "10",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ];
        args.extend_from_slice(extra);
        args.push(url);
        stdout("curl", &args)
    };
    let head = stdout("curl", &["-sS", "-I", "--max-time", "10", &url]);
    assert!(head.contains("Content-Type: text/html\r\n"), "{head}");
    assert!(head.contains("Accept-Ranges: bytes\r\n"), "{head}");
    let etag = head
        .lines()
        .find_map(|l| l.strip_prefix("ETag: "))
        .expect("an ETag")
        .trim()
        .to_owned();
    let modified = head
        .lines()
        .find_map(|l| l.strip_prefix("Last-Modified: "))
        .expect("a Last-Modified")
        .trim()
        .to_owned();
    assert_eq!(
        code(&["-H", &format!("If-None-Match: {etag}")], &url),
        "304"
    );
    assert_eq!(code(&["-H", "If-None-Match: \"other\""], &url), "200");
    assert_eq!(
        code(&["-H", &format!("If-Modified-Since: {modified}")], &url),
        "304"
    );
    assert_eq!(
        code(
            &["-H", "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT"],
            &url
        ),
        "200"
    );
    let part = stdout(
        "curl",
        &["-sS", "-i", "--max-time", "10", "-r", "3-7", &url],
    );
    assert!(
        part.starts_with("HTTP/1.1 206 Partial Content\r\n"),
        "{part}"
    );
    assert!(part.contains("Content-Range: bytes 3-7/13\r\n"), "{part}");
    assert!(part.ends_with("\r\n\r\nhello"), "{part}");
    let tail = stdout("curl", &["-sS", "--max-time", "10", "-r", "-5", &url]);
    assert_eq!(tail, "</p>\n");
    assert_eq!(code(&["-r", "100-"], &url), "416");
    let del = stdout(
        "curl",
        &["-sS", "-i", "--max-time", "10", "-X", "DELETE", &url],
    );
    assert!(
        del.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{del}"
    );
    assert!(del.contains("Allow: GET, HEAD\r\n"), "{del}");
    assert_eq!(code(&["-X", "BREW"], &url), "501");
    assert_eq!(code(&[], &format!("http://{}/link.txt", srv.addr())), "404");
    std::fs::remove_file(outside).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
    srv.close().unwrap();
}

#[test]
fn echo_routes_answer_405_501_404() {
    let srv = echo();
    let base = format!("http://{}", srv.addr());
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
            .find_map(|l| l.strip_prefix("Allow: "))
            .map(|a| a.trim().to_owned());
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
    srv.close().unwrap();
}

#[test]
fn python_http_client_reuses_the_connection() {
    let srv = echo();
    let script = common::PYTHON_KEEP_ALIVE_ECHO;
    let addr = srv.addr();
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
    srv.close().unwrap();
}

#[test]
fn curl_wait_example() {
    let db = wait::Db::start(Duration::from_millis(20));
    let srv = Server::http("127.0.0.1:0")
        .unwrap()
        .handle(move |ctrl| wait::Wait::new(db.clone(), ctrl))
        .unwrap();
    let out = stdout(
        "curl",
        &[
            "-sS",
            "--max-time",
            "10",
            &format!("http://{}/user/7", srv.addr()),
        ],
    );
    assert_eq!(out, "user 7: name-7\n");
    srv.close().unwrap();
}

/// The lookups of concurrent requests run at once (one worker would take 8 x 300 ms).
#[test]
fn wait_example_serves_concurrent_requests() {
    let db = wait::Db::start(Duration::from_millis(300));
    let srv = Server::http("127.0.0.1:0")
        .unwrap()
        .handle(move |ctrl| wait::Wait::new(db.clone(), ctrl))
        .unwrap();
    let t0 = std::time::Instant::now();
    let clients: Vec<_> = (0..8)
        .map(|i| {
            let url = format!("http://{}/user/{i}", srv.addr());
            std::thread::spawn(move || stdout("curl", &["-sS", "--max-time", "10", &url]))
        })
        .collect();
    for (i, c) in clients.into_iter().enumerate() {
        assert_eq!(c.join().unwrap(), format!("user {i}: name-{i}\n"));
    }
    assert!(
        t0.elapsed() < Duration::from_millis(1800),
        "8 lookups of 300 ms took {:?}: not concurrent",
        t0.elapsed()
    );
    srv.close().unwrap();
}

#[test]
fn ab_and_wrk_smoke_loads_without_errors() {
    let srv = Server::http("127.0.0.1:0")
        .unwrap()
        .threads(2)
        .handle(|_| Hello::new())
        .unwrap();
    let url = format!("http://{}/", srv.addr());
    let ab = stdout(
        "ab",
        &["-q", "-k", "-n", "5000", "-c", "20", "-s", "10", &url],
    );
    assert!(ab.contains("Complete requests:      5000"), "{ab}");
    assert!(ab.contains("Failed requests:        0"), "{ab}");
    assert!(!ab.contains("Non-2xx responses"), "{ab}");
    assert!(ab.contains("Keep-Alive requests:    5000"), "{ab}");
    // Without keep-alive: a connection per request.
    let ab = stdout("ab", &["-q", "-n", "2000", "-c", "10", "-s", "10", &url]);
    assert!(ab.contains("Failed requests:        0"), "{ab}");
    let wrk = stdout("wrk", &["-t1", "-c20", "-d1s", "--timeout", "5s", &url]);
    assert!(!wrk.contains("Socket errors"), "{wrk}");
    assert!(!wrk.contains("Non-2xx"), "{wrk}");
    assert!(wrk.contains("requests in"), "{wrk}");
    srv.close().unwrap();
}

/// Clients that send a whole body before they read (python's http.client, nginx as a
/// proxy) get their echo: the echo reads ahead while they are not reading (up to 64 MiB).
#[test]
fn half_duplex_clients_get_a_20_mib_echo() {
    let srv = echo();
    let addr = srv.addr();
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
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("nginx must be installed (.ci/run installs it)");
    let dir = std::env::temp_dir().join(format!("hyper-next-nginx-echo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let conf = format!(
        "daemon off; master_process off; worker_processes 1; pid {d}/nginx.pid; error_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{ access_log off; client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; \
         fastcgi_temp_path {d}/fcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi; \
         client_max_body_size 64m; \
         server {{ listen 127.0.0.1:{port}; location / {{ proxy_pass http://{addr}; \
         proxy_http_version 1.1; }} }} }}\n",
        d = dir.display(),
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let mut child = Command::new(nginx)
        .args([
            "-p",
            dir.to_str().unwrap(),
            "-c",
            dir.join("nginx.conf").to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("nginx starts");
    let t0 = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "nginx did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
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
    srv.close().unwrap();
}
