//! hypersync's client against scripted loopback servers.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use hypersync::client::{Body, RedirectPolicy};
use hypersync::header::{ContentLength, Location, UserAgent};
use hypersync::http::RawStatus;
use hypersync::status::StatusCode;
use hypersync::Client;

/// One request as the server saw it: request line, header lines, body.
#[derive(Debug)]
struct Seen {
    line: String,
    headers: Vec<String>,
    body: Vec<u8>,
}

/// Reads one request (Content-Length or chunked body) from `r`; `None` at EOF.
fn read_request(r: &mut BufReader<TcpStream>) -> Option<Seen> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        if h == "\r\n" {
            break;
        }
        headers.push(h.trim_end().to_owned());
    }
    let find = |name: &str| {
        headers.iter().find_map(|h| {
            let (n, v) = h.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    let mut body = Vec::new();
    if let Some(n) = find("content-length") {
        body.resize(n.parse().unwrap(), 0);
        r.read_exact(&mut body).ok()?;
    } else if find("transfer-encoding").is_some() {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Some(Seen {
        line: line.trim_end().to_owned(),
        headers,
        body,
    })
}

/// A server whose every connection runs `answer(request index on the connection, request)`
/// returning the raw response and whether to close afterwards. Reports each request seen,
/// and counts connections.
fn scripted<F>(answer: F) -> (SocketAddr, mpsc::Receiver<Seen>, Arc<AtomicUsize>)
where
    F: Fn(usize, &Seen) -> (Vec<u8>, bool) + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    let conns = Arc::new(AtomicUsize::new(0));
    let counted = conns.clone();
    let answer = Arc::new(answer);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            counted.fetch_add(1, Ordering::SeqCst);
            let (tx, answer) = (tx.clone(), answer.clone());
            thread::spawn(move || {
                let mut w = stream.try_clone().unwrap();
                let mut r = BufReader::new(stream);
                let mut i = 0;
                while let Some(seen) = read_request(&mut r) {
                    let (raw, close) = answer(i, &seen);
                    let _ = tx.send(seen);
                    if w.write_all(&raw).is_err() || close {
                        return;
                    }
                    i += 1;
                }
            });
        }
    });
    (addr, rx, conns)
}

fn ok(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        body
    )
    .into_bytes()
}

fn text(res: &mut hypersync::client::Response) -> String {
    let mut s = String::new();
    res.read_to_string(&mut s).unwrap();
    s
}

#[test]
fn keep_alive_reuses_one_connection_and_frames_bodies() {
    let (addr, seen, conns) =
        scripted(|_, req| (ok(&format!("{} {}", req.line, req.body.len())), false));
    let client = Client::new();
    let base = format!("http://{addr}");
    for _ in 0..3 {
        let mut res = client
            .get(format!("{base}/a?b=1"))
            .header(UserAgent("t".into()))
            .send()
            .unwrap();
        assert_eq!(res.status, StatusCode::Ok);
        assert_eq!(text(&mut res), "GET /a?b=1 HTTP/1.1 0");
    }
    let mut res = client
        .post(&*format!("{base}/p"))
        .body("hello")
        .send()
        .unwrap();
    assert_eq!(text(&mut res), "POST /p HTTP/1.1 5");
    let mut data: &[u8] = b"streamed body";
    let mut res = client
        .put(&*format!("{base}/s"))
        .body(Body::ChunkedBody(&mut data))
        .send()
        .unwrap();
    assert_eq!(text(&mut res), "PUT /s HTTP/1.1 13");
    assert_eq!(conns.load(Ordering::SeqCst), 1);
    let first = seen.recv().unwrap();
    assert!(
        first
            .headers
            .iter()
            .any(|h| h == &format!("host: {addr}") || h == &format!("Host: {addr}")),
        "{first:?}"
    );
    assert!(
        first.headers.iter().any(|h| h == "User-Agent: t"),
        "{first:?}"
    );
}

#[test]
fn chunked_and_close_delimited_responses() {
    let (addr, _seen, conns) = scripted(|i, _| {
        match i {
        0 => (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n".to_vec(), false),
        _ => (b"HTTP/1.1 200 OK\r\n\r\nuntil close".to_vec(), true),
    }
    });
    let client = Client::new();
    let url = format!("http://{addr}/");
    let mut res = client.get(&url).send().unwrap();
    // Read one byte at a time: the decoder must not lose what does not fit.
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while res.read(&mut byte).unwrap() == 1 {
        got.push(byte[0]);
    }
    assert_eq!(got, b"abcdefg");
    let mut res = client.get(&url).send().unwrap();
    assert_eq!(text(&mut res), "until close");
    assert_eq!(conns.load(Ordering::SeqCst), 1);
}

#[test]
fn a_connection_the_server_closed_is_replaced() {
    // Every connection serves one request and closes without saying so.
    let (addr, _seen, conns) = scripted(|_, _| (ok("x"), true));
    let client = Client::new();
    let url = format!("http://{addr}/");
    for _ in 0..3 {
        // At once (the retry of an idempotent request) ...
        assert_eq!(text(&mut client.get(&url).send().unwrap()), "x");
    }
    // ... and after the connection sat idle (the check before reuse).
    thread::sleep(Duration::from_millis(300));
    assert_eq!(text(&mut client.get(&url).send().unwrap()), "x");
    assert_eq!(conns.load(Ordering::SeqCst), 4);
}

#[test]
fn redirects_are_followed_with_a_limit() {
    let (addr, _seen, _) = scripted(|_, req| {
        let path = req.line.split(' ').nth(1).unwrap().to_owned();
        match &path[..] {
            "/old" => (
                b"HTTP/1.1 301 Moved Permanently\r\nLocation: /new\r\nContent-Length: 3\r\n\r\nold"
                    .to_vec(),
                false,
            ),
            "/see" => (
                b"HTTP/1.1 303 See Other\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n".to_vec(),
                false,
            ),
            "/loop" => (
                b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n".to_vec(),
                false,
            ),
            _ => (ok(&format!("{} {}", req.line, req.body.len())), false),
        }
    });
    let mut client = Client::new();
    let base = format!("http://{addr}");
    let mut res = client.get(format!("{base}/old")).send().unwrap();
    assert_eq!(res.url.path(), "/new");
    assert_eq!(text(&mut res), "GET /new HTTP/1.1 0");
    // 303 turns into a GET without the body.
    let mut res = client
        .post(format!("{base}/see"))
        .body("data")
        .send()
        .unwrap();
    assert_eq!(text(&mut res), "GET /new HTTP/1.1 0");
    // A loop ends in an error, not forever (0.10 followed without limit).
    let err = client.get(format!("{base}/loop")).send().unwrap_err();
    assert!(err.to_string().contains("redirects"), "{err}");
    client.set_redirect_policy(RedirectPolicy::FollowNone);
    let res = client.get(format!("{base}/old")).send().unwrap();
    assert_eq!(res.status, StatusCode::MovedPermanently);
    assert_eq!(
        res.headers.get::<Location>(),
        Some(&Location("/new".into()))
    );
    assert_eq!(res.headers.get::<ContentLength>(), Some(&ContentLength(3)));
}

#[test]
fn a_proxy_gets_the_absolute_url() {
    let (addr, seen, _) = scripted(|_, _| (ok("via proxy"), false));
    let client = Client::with_http_proxy("127.0.0.1", addr.port());
    let mut res = client
        .get("http://example.invalid:8080/x?y")
        .send()
        .unwrap();
    assert_eq!(text(&mut res), "via proxy");
    assert_eq!(
        seen.recv().unwrap().line,
        "GET http://example.invalid:8080/x?y HTTP/1.1"
    );
}

#[test]
fn errors_are_errors() {
    let client = Client::new();
    assert!(matches!(
        client.get("not a url").send(),
        Err(hypersync::Error::Uri(_))
    ));
    assert!(client.get("https://127.0.0.1:1/").send().is_err());
    // A server that answers garbage.
    let (addr, _seen, _) = scripted(|_, _| (b"NOT HTTP\r\n\r\n".to_vec(), true));
    assert!(client.get(format!("http://{addr}/")).send().is_err());
}

#[test]
fn a_shared_client_works_from_many_threads_against_hypersync() {
    fn handler(mut req: hypersync::server::Request<'_, '_>, res: hypersync::server::Response<'_>) {
        let mut body = String::new();
        req.read_to_string(&mut body).unwrap();
        res.send(body.to_uppercase().as_bytes()).unwrap();
    }
    let mut l = hypersync::Server::http("127.0.0.1:0")
        .unwrap()
        .handle_threads(handler, 4)
        .unwrap();
    let client = Arc::new(Client::new());
    let url = format!("http://{}/", l.socket);
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let (client, url) = (client.clone(), url.clone());
            thread::spawn(move || {
                for j in 0..50 {
                    let body = format!("t{i} r{j}");
                    let mut res = client.post(&url).body(&body).send().unwrap();
                    assert_eq!(text(&mut res), body.to_uppercase());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    l.close().unwrap();
}

#[test]
fn status_raw_keeps_the_reason_phrase_sent() {
    let (addr, _seen, _) = scripted(|i, _| {
        let line = match i {
            0 => "HTTP/1.1 200 Fine Thanks",
            1 => "HTTP/1.1 404 Not Found",
            _ => "HTTP/1.1 599 ",
        };
        (
            format!("{line}\r\nContent-Length: 0\r\n\r\n").into_bytes(),
            false,
        )
    });
    let client = Client::new();
    let url = format!("http://{addr}/");
    let res = client.get(&*url).send().unwrap();
    assert_eq!(res.status, StatusCode::Ok);
    assert_eq!(*res.status_raw(), RawStatus(200, "Fine Thanks".into()));
    drop(res);
    let res = client.get(&*url).send().unwrap();
    assert_eq!(res.status, StatusCode::NotFound);
    let raw = res.status_raw();
    assert!(
        matches!(raw.1, std::borrow::Cow::Borrowed("Not Found")),
        "{raw:?}"
    );
    drop(res);
    let res = client.get(&*url).send().unwrap();
    assert_eq!(res.status, StatusCode::Unregistered(599));
    assert_eq!(*res.status_raw(), RawStatus(599, "".into()));
}
