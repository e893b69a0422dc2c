//! The example handlers driven by real clients: curl, python's http.client, ab and wrk.
//! Each server runs in-process on `127.0.0.1:0`. The clients must be installed (`.ci/run`
//! installs them); a missing one fails the test with a message saying so.

use std::sync::Arc;
use std::time::Duration;

use examples::proxy::{Proxy, Upstream};
use examples::{echo::Echo, files::Files, hello::Hello, wait};
use hyper_server::{Listening, Server};

mod common;
use common::{run, sha256, stdout, temp_file};

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
