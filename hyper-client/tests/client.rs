//! The client against test servers on loopback: our own server, raw sockets scripted per
//! test, python's http.server and nginx.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::channel;
use std::sync::Arc;
use std::time::Duration;

use hyper_client::{Client, Error, Method, Next};

mod common;
use common::{read_request, scripted, wait, Collect};

#[test]
fn keep_alive_reuses_one_connection() {
    let (addr, accepted) = scripted(|_, mut s| {
        while let Some((head, _)) = read_request(&mut s) {
            let path = head.split_whitespace().nth(1).unwrap().to_owned();
            write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{path}",
                path.len()
            )
            .unwrap();
        }
    });
    let client = Client::new().unwrap();
    for i in 0..5 {
        let (h, rx) = Collect::get();
        client.request(format!("http://{addr}/r{i}"), h).unwrap();
        let out = wait(&rx).unwrap();
        assert_eq!(out.body, format!("/r{i}").as_bytes());
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "one connection for five requests"
    );
}

#[test]
fn stale_pooled_connection_is_retried_for_get_not_post() {
    // Connection 0 answers one request, then drops the next without a byte; later
    // connections answer normally.
    let (addr, accepted) = scripted(|n, mut s| {
        let Some(_) = read_request(&mut s) else {
            return;
        };
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .unwrap();
        if n == 0 {
            let _ = read_request(&mut s);
            return; // closes without answering
        }
        while read_request(&mut s).is_some() {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .unwrap();
        }
    });
    let client = Client::new().unwrap();
    let (h, rx) = Collect::get();
    client.request(format!("http://{addr}/"), h).unwrap();
    wait(&rx).unwrap();
    let (h, rx) = Collect::get();
    client.request(format!("http://{addr}/"), h).unwrap();
    assert_eq!(
        wait(&rx).unwrap().body,
        b"ok",
        "GET retried on a fresh connection"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 2);

    // Same again with POST: the failure is reported, never retried silently.
    let (addr, accepted) = scripted(|n, mut s| {
        let Some(_) = read_request(&mut s) else {
            return;
        };
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .unwrap();
        if n == 0 {
            let _ = read_request(&mut s);
        }
    });
    let (h, rx) = Collect::get();
    client.request(format!("http://{addr}/"), h).unwrap();
    wait(&rx).unwrap();
    let (h, rx) = Collect::new(Method::POST, Some(b"data".to_vec()));
    client.request(format!("http://{addr}/"), h).unwrap();
    let err = wait(&rx).unwrap_err();
    assert!(matches!(err, Error::Incomplete | Error::Io(_)), "{err:?}");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "POST not retried");
}

#[test]
fn expect_continue_waits_for_100() {
    let (addr, _) = scripted(|_, mut s| {
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            s.read_exact(&mut b).unwrap();
            head.push(b[0]);
        }
        let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
        assert!(text.contains("expect: 100-continue"), "{text}");
        // Nothing of the body may arrive before the 100.
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        assert!(s.read(&mut b).is_err(), "body sent before 100 Continue");
        s.set_read_timeout(None).unwrap();
        s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").unwrap();
        let mut body = [0u8; 5];
        s.read_exact(&mut body).unwrap();
        s.write_all(b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\n")
            .unwrap();
        s.write_all(&body).unwrap();
    });
    let client = Client::new().unwrap();
    let (mut h, rx) = Collect::new(Method::PUT, Some(b"hello".to_vec()));
    h.expect = true;
    client.request(format!("http://{addr}/up"), h).unwrap();
    let out = wait(&rx).unwrap();
    assert_eq!((out.status, out.body.as_slice()), (201, &b"hello"[..]));
}

#[test]
fn chunked_response_split_at_every_byte() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n";
    let (addr, _) = scripted(move |_, mut s| {
        s.set_nodelay(true).unwrap();
        read_request(&mut s).unwrap();
        for b in response.iter() {
            s.write_all(&[*b]).unwrap();
            std::thread::sleep(Duration::from_micros(200));
        }
        let _ = read_request(&mut s);
    });
    let client = Client::new().unwrap();
    let (h, rx) = Collect::get();
    client.request(format!("http://{addr}/"), h).unwrap();
    let out = wait(&rx).unwrap();
    assert_eq!(out.body, b"hello world");
    assert_eq!(out.trailers, [("X-Trailer".to_owned(), "t".to_owned())]);
}

#[test]
fn informational_responses_are_skipped() {
    let (addr, _) = scripted(|_, mut s| {
        read_request(&mut s).unwrap();
        s.write_all(b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody").unwrap();
        let _ = read_request(&mut s);
    });
    let client = Client::new().unwrap();
    let (h, rx) = Collect::get();
    client.request(format!("http://{addr}/"), h).unwrap();
    let out = wait(&rx).unwrap();
    assert_eq!((out.status, out.body.as_slice()), (200, &b"body"[..]));
}

#[test]
fn head_204_304_and_close_delimited() {
    let (addr, _) = scripted(|_, mut s| {
        while let Some((head, _)) = read_request(&mut s) {
            if head.starts_with("HEAD") {
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
                    .unwrap();
            } else if head.contains("/204") {
                s.write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n")
                    .unwrap();
            } else if head.contains("/304") {
                s.write_all(b"HTTP/1.1 304 Not Modified\r\n\r\n").unwrap();
            } else {
                s.write_all(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
                    .unwrap();
                return;
            }
        }
    });
    let client = Client::new().unwrap();
    for (method, path, status) in [
        (Method::HEAD, "/", 200),
        (Method::GET, "/204", 204),
        (Method::GET, "/304", 304),
    ] {
        let (h, rx) = Collect::new(method, None);
        client.request(format!("http://{addr}{path}"), h).unwrap();
        let out = wait(&rx).unwrap();
        assert_eq!((out.status, out.body.len()), (status, 0), "{path}");
    }
    let (h, rx) = Collect::get();
    client.request(format!("http://{addr}/eof"), h).unwrap();
    assert_eq!(wait(&rx).unwrap().body, b"until the end");
}

#[test]
fn error_kinds_are_distinct() {
    let client = Client::new().unwrap();
    // Refused
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (h, rx) = Collect::get();
    client.request(format!("http://{closed}/"), h).unwrap();
    assert!(matches!(wait(&rx), Err(Error::ConnectRefused(_))));
    // DNS
    let (h, rx) = Collect::get();
    client.request("http://no-such-host.invalid/", h).unwrap();
    assert!(matches!(wait(&rx), Err(Error::Dns(_))));
    // Bad URL: refused before anything is sent
    let (h, _rx) = Collect::get();
    assert!(client.request("ftp://example.com/", h).is_err());
    // Head too large, body shorter than its length, reset mid-body
    let (addr, _) = scripted(|_, mut s| {
        let Some((head, _)) = read_request(&mut s) else {
            return;
        };
        if head.contains("/big") {
            let big = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(100_000));
            let _ = s.write_all(big.as_bytes());
        } else if head.contains("/short") {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
                .unwrap();
        } else {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
                .unwrap();
            let s2 = socket2::Socket::from(s);
            s2.set_linger(Some(Duration::ZERO)).unwrap(); // RST on close
        }
    });
    let (h, rx) = Collect::get();
    client.request(format!("http://{addr}/big"), h).unwrap();
    assert!(matches!(
        wait(&rx),
        Err(Error::Parse(hyper_proto::ParseError::HeadTooLarge))
    ));
    let (h, rx) = Collect::get();
    client.request(format!("http://{addr}/short"), h).unwrap();
    assert!(matches!(wait(&rx), Err(Error::Incomplete)));
    let (h, rx) = Collect::get();
    client.request(format!("http://{addr}/reset"), h).unwrap();
    let err = wait(&rx).unwrap_err();
    assert!(matches!(err, Error::Io(_) | Error::Incomplete), "{err:?}");
    // The client still works after all that.
    let (ok_addr, _) = scripted(|_, mut s| {
        read_request(&mut s).unwrap();
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .unwrap();
    });
    let (h, rx) = Collect::get();
    client.request(format!("http://{ok_addr}/"), h).unwrap();
    assert_eq!(wait(&rx).unwrap().body, b"ok");
}

#[test]
fn timeouts() {
    // Connect timeout: a listener with a full backlog that never accepts.
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    sock.listen(0).unwrap();
    let target = sock.local_addr().unwrap().as_socket().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        s.set_nonblocking(true).unwrap();
        let _ = s.connect(&target.into());
        fillers.push(s);
    }
    std::thread::sleep(Duration::from_millis(50));
    let client = Client::builder()
        .connect_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let (h, rx) = Collect::get();
    client.request(format!("http://{target}/"), h).unwrap();
    assert!(matches!(wait(&rx), Err(Error::ConnectTimeout)));
    // Response timeout from the handler's Next.
    let (addr, _) = scripted(|_, mut s| {
        read_request(&mut s).unwrap();
        std::thread::sleep(Duration::from_secs(2));
    });
    let (mut h, rx) = Collect::get();
    h.timeout = Some(Duration::from_millis(100));
    client.request(format!("http://{addr}/"), h).unwrap();
    assert!(matches!(wait(&rx), Err(Error::Timeout)));
}

#[test]
fn thousand_requests_from_eight_threads_against_our_server() {
    use hyper_server::{Decoder as SDec, Encoder as SEnc, Handler as SHandler};
    struct Echo {
        body: Vec<u8>,
        pos: usize,
    }
    impl SHandler<hyper_server::TcpStream> for Echo {
        fn on_request(&mut self, req: hyper_server::Request<'_>) -> Next {
            self.body = format!("answer to {}", req.target()).into_bytes();
            Next::write()
        }
        fn on_request_readable(&mut self, _: &mut SDec<'_, '_, hyper_server::TcpStream>) -> Next {
            Next::write()
        }
        fn on_response(&mut self, res: &mut hyper_server::Response) -> Next {
            res.set_content_length(self.body.len() as u64);
            Next::write()
        }
        fn on_response_writable(
            &mut self,
            enc: &mut SEnc<'_, '_, hyper_server::TcpStream>,
        ) -> Next {
            while self.pos < self.body.len() {
                match enc.write(&self.body[self.pos..]) {
                    Ok(n) => self.pos += n,
                    Err(_) => return Next::write(),
                }
            }
            Next::end()
        }
    }
    let server = hyper_server::Server::http("127.0.0.1:0")
        .unwrap()
        .threads(2)
        .handle(|_| Echo {
            body: Vec::new(),
            pos: 0,
        })
        .unwrap();
    let addr = server.addr();
    // 1,000 requests at once over at most 64 connections: the rest wait for one (and the
    // test stays within a 1024-descriptor limit, server sockets included).
    let client = Client::builder()
        .max_idle_per_host(16)
        .max_connections(64)
        .build()
        .unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let client = client.clone();
            std::thread::spawn(move || {
                let mut pending = Vec::new();
                for i in 0..125 {
                    let (h, rx) = Collect::get();
                    let target = format!("/t{t}/r{i}");
                    client.request(format!("http://{addr}{target}"), h).unwrap();
                    pending.push((target, rx));
                }
                for (target, rx) in pending {
                    let out = wait(&rx).unwrap();
                    assert_eq!(out.body, format!("answer to {target}").as_bytes());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    server.close().unwrap();
}

#[test]
fn request_bodies_length_and_chunked() {
    let (addr, _) = scripted(|_, mut s| {
        let mut all = Vec::new();
        let mut buf = [0u8; 65536];
        // Read until the request ends (a Content-Length body, or the last chunk).
        loop {
            let n = s.read(&mut buf).unwrap();
            all.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&all);
            if let Some(head_end) = text.find("\r\n\r\n") {
                let head = &text[..head_end].to_ascii_lowercase();
                if head.contains("transfer-encoding: chunked") && text.ends_with("0\r\n\r\n") {
                    break;
                }
                if let Some(len) = head.lines().find_map(|l| {
                    l.strip_prefix("content-length: ")
                        .map(|v| v.parse::<usize>().unwrap())
                }) {
                    if all.len() >= head_end + 4 + len {
                        break;
                    }
                }
            }
        }
        let reply = format!("{}", all.len());
        write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
            reply.len()
        )
        .unwrap();
    });
    let client = Client::new().unwrap();
    let body = vec![b'z'; 100_000];
    let (h, rx) = Collect::new(Method::POST, Some(body.clone()));
    client.request(format!("http://{addr}/len"), h).unwrap();
    assert_eq!(wait(&rx).unwrap().status, 200);
    let (mut h, rx) = Collect::new(Method::POST, Some(body));
    h.chunked = true;
    client.request(format!("http://{addr}/chunked"), h).unwrap();
    assert_eq!(wait(&rx).unwrap().status, 200);
}

#[test]
fn against_python_http_server() {
    let dir = std::env::temp_dir().join(format!("hyper-client-py-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("file.txt"), "served by python\n").unwrap();
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = std::process::Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 must be installed");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let t0 = std::time::Instant::now();
    while TcpStream::connect(addr).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "python http.server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let client = Client::new().unwrap();
    for _ in 0..3 {
        let (h, rx) = Collect::get();
        client
            .request(format!("http://{addr}/file.txt"), h)
            .unwrap();
        let out = wait(&rx).unwrap();
        assert_eq!(
            (out.status, out.body.as_slice()),
            (200, &b"served by python\n"[..])
        );
    }
    let (h, rx) = Collect::get();
    client.request(format!("http://{addr}/missing"), h).unwrap();
    assert_eq!(wait(&rx).unwrap().status, 404);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn against_nginx() {
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("nginx must be installed (.ci/run installs it)");
    let dir = std::env::temp_dir().join(format!("hyper-client-nginx-{}", std::process::id()));
    let root = dir.join("www");
    std::fs::create_dir_all(&root).unwrap();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(root.join("big.bin"), &big).unwrap();
    std::fs::write(root.join("index.html"), "hello from nginx\n").unwrap();
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let conf = format!(
        "daemon off; master_process off; worker_processes 1; pid {d}/nginx.pid; error_log {d}/error.log;\n\
         events {{ worker_connections 256; }}\n\
         http {{ access_log off; client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; \
         fastcgi_temp_path {d}/fcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi; \
         keepalive_requests 1000; \
         server {{ listen 127.0.0.1:{port}; root {r}; location /chunked {{ return 200 \"x\"; }} }} }}\n",
        d = dir.display(),
        r = root.display(),
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let mut child = std::process::Command::new(nginx)
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
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let t0 = std::time::Instant::now();
    while TcpStream::connect(addr).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "nginx did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let client = Client::new().unwrap();
    for _ in 0..5 {
        let (h, rx) = Collect::get();
        client.request(format!("http://{addr}/"), h).unwrap();
        let out = wait(&rx).unwrap();
        assert_eq!(
            (out.status, out.body.as_slice()),
            (200, &b"hello from nginx\n"[..])
        );
    }
    let (h, rx) = Collect::get();
    client.request(format!("http://{addr}/big.bin"), h).unwrap();
    let out = wait(&rx).unwrap();
    assert!(out.body == big, "3 MB body intact");
    let (h, rx) = Collect::new(Method::HEAD, None);
    client.request(format!("http://{addr}/big.bin"), h).unwrap();
    let out = wait(&rx).unwrap();
    assert_eq!(out.body.len(), 0);
    assert!(out
        .headers
        .iter()
        .any(|(n, v)| n == "content-length" && v == "3000000"));
    let (h, rx) = Collect::get();
    client.request(format!("http://{addr}/missing"), h).unwrap();
    assert_eq!(wait(&rx).unwrap().status, 404);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn connection_limit_queues_requests() {
    let live = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (l, p) = (Arc::clone(&live), Arc::clone(&peak));
    let (addr, accepted) = scripted(move |_, mut s| {
        let now = l.fetch_add(1, Ordering::SeqCst) + 1;
        p.fetch_max(now, Ordering::SeqCst);
        while read_request(&mut s).is_some() {
            std::thread::sleep(Duration::from_millis(50));
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .unwrap();
        }
        l.fetch_sub(1, Ordering::SeqCst);
    });
    let client = Client::builder().max_connections(2).build().unwrap();
    let pending: Vec<_> = (0..6)
        .map(|i| {
            let (h, rx) = Collect::get();
            client.request(format!("http://{addr}/{i}"), h).unwrap();
            rx
        })
        .collect();
    for rx in pending {
        assert_eq!(wait(&rx).unwrap().body, b"ok");
    }
    assert!(
        peak.load(Ordering::SeqCst) <= 2,
        "more than 2 connections at once"
    );
    assert!(
        accepted.load(Ordering::SeqCst) <= 2,
        "waiting requests reuse the connections"
    );
}

/// A per-host limit queues the requests to a busy host without holding up another host.
#[test]
fn per_host_limit_queues_only_that_host() {
    let live = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (l, p) = (Arc::clone(&live), Arc::clone(&peak));
    let (slow, slow_accepted) = scripted(move |_, mut s| {
        let now = l.fetch_add(1, Ordering::SeqCst) + 1;
        p.fetch_max(now, Ordering::SeqCst);
        while read_request(&mut s).is_some() {
            std::thread::sleep(Duration::from_millis(200));
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow")
                .unwrap();
        }
        l.fetch_sub(1, Ordering::SeqCst);
    });
    let (fast, _) = scripted(|_, mut s| {
        while read_request(&mut s).is_some() {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfast")
                .unwrap();
        }
    });
    let client = Client::builder()
        .max_connections_per_host(2)
        .build()
        .unwrap();
    let slow_pending: Vec<_> = (0..6)
        .map(|i| {
            let (h, rx) = Collect::get();
            client.request(format!("http://{slow}/{i}"), h).unwrap();
            rx
        })
        .collect();
    // The other host is not behind the slow host's queue: answered while the slow host's
    // last requests still wait (three rounds of 200 ms on two connections).
    let (h, rx) = Collect::get();
    client.request(format!("http://{fast}/"), h).unwrap();
    assert_eq!(wait(&rx).unwrap().body, b"fast");
    let last = slow_pending.last().unwrap();
    assert!(
        matches!(last.try_recv(), Err(std::sync::mpsc::TryRecvError::Empty)),
        "the slow host's queue was already done"
    );
    for rx in slow_pending {
        assert_eq!(wait(&rx).unwrap().body, b"slow");
    }
    assert!(
        peak.load(Ordering::SeqCst) <= 2,
        "more than 2 connections to one host"
    );
    assert!(
        slow_accepted.load(Ordering::SeqCst) <= 2,
        "queued requests reuse them"
    );
}

/// User info in the URL goes out as `Authorization: Basic`, and not in `Host`; an IPv6
/// literal URL reaches its address with a bracketed `Host`; an `http::Uri` is taken too.
#[test]
fn url_user_info_ipv6_and_http_uri() {
    let (tx, rx) = channel::<String>();
    let tx = std::sync::Mutex::new(tx);
    let (addr, _) = scripted(move |_, mut s| {
        while let Some((head, _)) = read_request(&mut s) {
            let _ = tx.lock().unwrap().send(head);
            if s.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").is_err() {
                return;
            }
        }
    });
    let client = Client::builder().build().unwrap();
    let (h, done) = Collect::get();
    let url = format!(
        "http://Aladdin:open%20sesame@127.0.0.1:{}/secret",
        addr.port()
    );
    client.request(url.as_str(), h).unwrap();
    assert_eq!(wait(&done).unwrap().status, 204);
    let head = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(head.starts_with("GET /secret HTTP/1.1\r\n"), "{head}");
    assert!(
        head.contains("\r\nauthorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!("\r\nhost: 127.0.0.1:{}\r\n", addr.port())),
        "{head}"
    );
    let uri: http::Uri = format!("http://127.0.0.1:{}/from-uri", addr.port())
        .parse()
        .unwrap();
    let (h, done) = Collect::get();
    client.request(uri, h).unwrap();
    assert_eq!(wait(&done).unwrap().status, 204);
    let head = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(head.starts_with("GET /from-uri HTTP/1.1\r\n"), "{head}");
    assert!(!head.contains("authorization"), "{head}");
    // IPv6 loopback, when the machine has it.
    if let Ok(l6) = TcpListener::bind("[::1]:0") {
        let port = l6.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l6.accept() {
                if let Some((head, _)) = read_request(&mut s) {
                    let ok = head.contains(&format!("\r\nhost: [::1]:{port}\r\n"));
                    let answer: &[u8] = if ok {
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv6"
                    } else {
                        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                    };
                    let _ = s.write_all(answer);
                }
            }
        });
        let (h, done) = Collect::get();
        client.request(format!("http://[::1]:{port}/"), h).unwrap();
        let out = wait(&done).unwrap();
        assert_eq!((out.status, &out.body[..]), (200, &b"v6"[..]));
    }
}
