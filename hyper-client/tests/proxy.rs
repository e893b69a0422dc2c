//! The client through an HTTP proxy (`Builder::proxy`): `http://` requests forwarded in
//! absolute-form over one pooled connection to the proxy, `https://` requests through a
//! `CONNECT` tunnel with TLS to the origin, `Proxy-Authorization` from the proxy's user
//! info, `no_proxy` hosts reached directly, a refused tunnel reported.

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper_client::tls::{client_config_with_extra_roots, rustls};
use hyper_client::{Client, Error, Proxy};

mod common;
use common::{read_request, scripted, wait, Collect};

/// A forwarding proxy script: answers each request with its own request line as the body,
/// and reports each head.
fn echoing_proxy(seen: Sender<String>) -> (SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
    let seen = Mutex::new(seen);
    scripted(move |_, mut s| {
        while let Some((head, _)) = read_request(&mut s) {
            let line = head.lines().next().unwrap_or("").to_owned();
            let _ = seen.lock().unwrap().send(head);
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{line}",
                line.len()
            );
            if s.write_all(answer.as_bytes()).is_err() {
                return;
            }
        }
    })
}

#[test]
fn http_requests_are_forwarded_in_absolute_form_over_one_connection() {
    let (tx, seen) = channel();
    let (proxy_addr, accepted) = echoing_proxy(tx.clone());
    let (origin, _) = echoing_proxy(tx);
    let proxy = Proxy::new(format!("http://user:pw@{proxy_addr}"))
        .unwrap()
        .no_proxy("127.0.0.1");
    let client = Client::builder().proxy(proxy).build().unwrap();
    // Names that do not resolve: only the proxy is looked up and connected to.
    for url in [
        "http://a.invalid/x",
        "http://b.invalid:8080/y?q=1",
        "http://a.invalid/z",
    ] {
        let (h, rx) = Collect::get();
        client.request(url, h).unwrap();
        let out = wait(&rx).unwrap();
        assert_eq!(
            String::from_utf8(out.body).unwrap(),
            format!("GET {url} HTTP/1.1")
        );
        let head = seen.recv_timeout(Duration::from_secs(10)).unwrap();
        let host = url.split('/').nth(2).unwrap();
        assert!(head.contains(&format!("\r\nhost: {host}\r\n")), "{head}");
        assert!(
            head.contains("\r\nproxy-authorization: Basic dXNlcjpwdw==\r\n"),
            "{head}"
        );
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "one proxy connection for every origin"
    );
    // A `no_proxy` host is reached directly, in origin-form, without the credentials.
    let (h, rx) = Collect::get();
    client
        .request(format!("http://{origin}/direct"), h)
        .unwrap();
    assert_eq!(wait(&rx).unwrap().body, b"GET /direct HTTP/1.1");
    let head = seen.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(!head.contains("proxy-authorization"), "{head}");
}

/// A certificate for `localhost`: (certificate PEM, server config).
fn certificate() -> (String, Arc<rustls::ServerConfig>) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let config = hyper_net::tls::server_config_from_pem(
        cert.pem().as_bytes(),
        key.serialize_pem().as_bytes(),
    )
    .unwrap();
    (cert.pem(), config)
}

/// A blocking TLS origin answering `secret PATH` to each request, keep-alive.
fn tls_origin(config: Arc<rustls::ServerConfig>) -> SocketAddr {
    let (addr, _) = scripted(move |_, s| {
        let conn = rustls::ServerConnection::new(Arc::clone(&config)).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, s);
        while let Some((head, _)) = read_request(&mut tls) {
            let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
            let body = format!("secret {path}");
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            if tls.write_all(answer.as_bytes()).is_err() {
                return;
            }
        }
    });
    addr
}

/// A CONNECT proxy script: reports each CONNECT head, answers `refuse` if given, else
/// opens the tunnel to the port asked (on loopback) and splices both ways.
fn connect_proxy(
    seen: Sender<String>,
    refuse: Option<&'static str>,
) -> (SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
    let seen = Mutex::new(seen);
    scripted(move |_, mut s| {
        let Some((head, _)) = read_request(&mut s) else {
            return;
        };
        let target = head.split_whitespace().nth(1).unwrap_or("").to_owned();
        let _ = seen.lock().unwrap().send(head);
        if let Some(answer) = refuse {
            let _ = s.write_all(answer.as_bytes());
            return;
        }
        let port: u16 = target.rsplit(':').next().unwrap().parse().unwrap();
        let Ok(up) = TcpStream::connect(("127.0.0.1", port)) else {
            let _ = s.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
            return;
        };
        s.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .unwrap();
        let (mut a, mut b) = (s.try_clone().unwrap(), up.try_clone().unwrap());
        std::thread::spawn(move || {
            let _ = io::copy(&mut a, &mut b);
            let _ = b.shutdown(Shutdown::Write);
        });
        let (mut up, mut s) = (up, s);
        let _ = io::copy(&mut up, &mut s);
        let _ = s.shutdown(Shutdown::Write);
    })
}

#[test]
fn https_requests_go_through_a_connect_tunnel() {
    let (pem, config) = certificate();
    let origin = tls_origin(config);
    let (tx, seen) = channel();
    let (proxy_addr, accepted) = connect_proxy(tx, None);
    let client = Client::builder()
        .tls_config(client_config_with_extra_roots(pem.as_bytes()).unwrap())
        .proxy(Proxy::new(format!("http://u:p@{proxy_addr}")).unwrap())
        .build()
        .unwrap();
    for path in ["/one", "/two"] {
        let (h, rx) = Collect::get();
        let url = format!("https://localhost:{}{path}", origin.port());
        client.request(url, h).unwrap();
        let out = wait(&rx).unwrap();
        assert_eq!(out.status, 200);
        assert_eq!(out.body, format!("secret {path}").as_bytes());
    }
    let head = seen.recv_timeout(Duration::from_secs(10)).unwrap();
    let authority = format!("localhost:{}", origin.port());
    assert!(
        head.starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")),
        "{head}"
    );
    assert!(
        head.contains(&format!("\r\nhost: {authority}\r\n")),
        "{head}"
    );
    assert!(
        head.contains("\r\nproxy-authorization: Basic dTpw\r\n"),
        "{head}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "the tunnel is reused");
    assert!(seen.try_recv().is_err(), "one CONNECT");

    // The certificate is checked against the origin's name through the tunnel: a client
    // that does not trust it is refused.
    let untrusting = Client::builder()
        .proxy(Proxy::new(format!("http://{proxy_addr}")).unwrap())
        .build()
        .unwrap();
    let (h, rx) = Collect::get();
    untrusting
        .request(format!("https://localhost:{}/", origin.port()), h)
        .unwrap();
    let err = wait(&rx).unwrap_err();
    assert!(matches!(err, Error::Io(_)), "{err}");
}

#[test]
fn a_refused_tunnel_is_reported_with_its_status() {
    let (tx, seen) = channel();
    let (proxy_addr, _) = connect_proxy(
        tx,
        Some("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"),
    );
    let client = Client::builder()
        .proxy(Proxy::new(format!("http://{proxy_addr}")).unwrap())
        .build()
        .unwrap();
    let (h, rx) = Collect::get();
    client.request("https://example.invalid/", h).unwrap();
    match wait(&rx) {
        Err(Error::Proxy(status)) => assert_eq!(status.as_u16(), 407),
        other => panic!("{other:?}"),
    }
    let head = seen.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        head.starts_with("CONNECT example.invalid:443 HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(!head.contains("proxy-authorization"), "{head}");
}

/// A real proxy: tinyproxy (installed by `.ci/run`), with Basic authentication, forwarding
/// `http://` and tunneling `https://`.
#[test]
fn through_tinyproxy() {
    let bin = ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("tinyproxy is installed (.ci/run installs it)");
    let (pem, config) = certificate();
    let origin = tls_origin(config);
    let (tx, _seen) = channel();
    let (plain, _) = echoing_proxy(tx);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("hyper-client-tinyproxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("tinyproxy.conf");
    std::fs::write(
        &conf,
        format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\nAllow 127.0.0.1\n\
             ConnectPort {}\nBasicAuth alice s3cret\nLogLevel Warning\nPidFile \"{}\"\n",
            origin.port(),
            dir.join("pid").display()
        ),
    )
    .unwrap();
    let mut child = std::process::Command::new(bin)
        .arg("-d")
        .arg("-c")
        .arg(&conf)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "tinyproxy did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let result = std::panic::catch_unwind(|| {
        let roots = client_config_with_extra_roots(pem.as_bytes()).unwrap();
        let client = Client::builder()
            .tls_config(roots.clone())
            .proxy(Proxy::new(format!("http://alice:s3cret@127.0.0.1:{port}")).unwrap())
            .build()
            .unwrap();
        for _ in 0..2 {
            let (h, rx) = Collect::get();
            client
                .request(format!("https://localhost:{}/t", origin.port()), h)
                .unwrap();
            assert_eq!(wait(&rx).unwrap().body, b"secret /t");
        }
        let (h, rx) = Collect::get();
        client.request(format!("http://{plain}/p"), h).unwrap();
        let out = wait(&rx).unwrap();
        assert_eq!(out.status, 200);
        assert_eq!(out.body, b"GET /p HTTP/1.1");
        // Without the credentials: 407, for the tunnel and for a forwarded request.
        let anonymous = Client::builder()
            .tls_config(roots)
            .proxy(Proxy::new(format!("http://127.0.0.1:{port}")).unwrap())
            .build()
            .unwrap();
        let (h, rx) = Collect::get();
        anonymous
            .request(format!("https://localhost:{}/t", origin.port()), h)
            .unwrap();
        assert!(matches!(wait(&rx), Err(Error::Proxy(s)) if s.as_u16() == 407));
        let (h, rx) = Collect::get();
        anonymous.request(format!("http://{plain}/p"), h).unwrap();
        assert_eq!(wait(&rx).unwrap().status, 407);
    });
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// A proxy that takes the connection and never answers the `CONNECT`: the request fails
/// with a connect timeout instead of waiting forever.
#[test]
fn a_silent_proxy_times_out_the_tunnel() {
    let (proxy_addr, _) = scripted(|_, mut s| {
        let _ = read_request(&mut s);
        std::thread::sleep(Duration::from_secs(5));
    });
    let client = Client::builder()
        .connect_timeout(Some(Duration::from_millis(300)))
        .proxy(Proxy::new(format!("http://{proxy_addr}")).unwrap())
        .build()
        .unwrap();
    let (h, rx) = Collect::get();
    let started = std::time::Instant::now();
    client.request("https://example.invalid/", h).unwrap();
    assert!(matches!(wait(&rx), Err(Error::ConnectTimeout)));
    assert!(started.elapsed() < Duration::from_secs(4));
}
