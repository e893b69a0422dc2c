//! hypersync over TLS, with a certificate made for each run.
//!
//! The client against a loopback rustls server: verification against the roots given,
//! SNI, the pool reusing a TLS connection (after the server's session tickets arrived on
//! it), and refusal of an untrusted server. The server (`Server::https`) against our
//! client, curl and a raw rustls client: keep-alive across the loop and the workers,
//! bodies streamed both ways, `close_notify`, and handshakes that never finish holding no
//! worker.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use hypersync::client::rustls;
use hypersync::client::tls_config_with_extra_roots;
use hypersync::net::{HttpConnector, HttpsConnector, TlsClient, TlsServer};
use hypersync::server::{Listening, Request, Response, Server};
use hypersync::Client;

/// A certificate for `localhost` and 127.0.0.1, and its key, as PEM.
fn pem_pair() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// A certificate for `localhost` and 127.0.0.1: (certificate PEM, server config).
fn certificate() -> (String, Arc<rustls::ServerConfig>) {
    let (cert, key) = pem_pair();
    let ssl = TlsServer::from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
    (cert, ssl.config())
}

/// A TLS server answering every request on a connection with `hello` (keep-alive). Counts
/// the connections it accepted and records the SNI names it saw.
fn tls_server(
    config: Arc<rustls::ServerConfig>,
) -> (SocketAddr, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let names = Arc::new(Mutex::new(Vec::new()));
    let (count, seen) = (accepted.clone(), names.clone());
    thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(sock) = sock else { return };
            count.fetch_add(1, Ordering::SeqCst);
            let (config, seen) = (config.clone(), seen.clone());
            thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, sock);
                let mut reader = BufReader::new(&mut tls);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    // The head's other lines (these requests have no body).
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                    }
                    let tls = reader.get_mut();
                    if let Some(name) = tls.conn.server_name() {
                        seen.lock().unwrap().push(name.to_owned());
                    }
                    let body = "hello";
                    let res = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if tls.write_all(res.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, accepted, names)
}

#[test]
fn https_get_verifies_sends_sni_and_reuses_the_connection() {
    let (pem, config) = certificate();
    let (addr, accepted, names) = tls_server(config);
    let mut client = Client::new();
    client.set_tls_config(tls_config_with_extra_roots(pem.as_bytes()).unwrap());
    client.set_read_timeout(Some(Duration::from_secs(10)));
    let url = format!("https://localhost:{}/", addr.port());
    for i in 0..3 {
        let mut res = client.get(&url).send().unwrap();
        assert_eq!(res.status, hypersync::Ok);
        let mut body = String::new();
        res.read_to_string(&mut body).unwrap();
        assert_eq!(body, "hello", "request {i}");
        drop(res);
        // Long enough idle for the pool to check the connection before reuse: the TLS
        // 1.3 session tickets that came after the handshake must not count as "the
        // server said something unasked".
        thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "one TLS connection for three requests"
    );
    assert_eq!(names.lock().unwrap()[0], "localhost", "SNI");
    // An IP address works too (no SNI is sent for it; the certificate names it).
    let mut res = client
        .get(&*format!("https://127.0.0.1:{}/", addr.port()))
        .send()
        .unwrap();
    let mut body = String::new();
    res.read_to_string(&mut body).unwrap();
    assert_eq!(body, "hello");
}

#[test]
fn an_untrusted_server_is_refused() {
    let (_pem, config) = certificate();
    let (addr, _, _) = tls_server(config);
    let client = Client::new(); // Mozilla's roots only
    let err = client
        .get(&*format!("https://localhost:{}/", addr.port()))
        .send()
        .unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
    // Another certificate for the right name, but not the one trusted: refused as well.
    let (other_pem, _) = certificate();
    let mut client = Client::new();
    client.set_tls_config(tls_config_with_extra_roots(other_pem.as_bytes()).unwrap());
    assert!(client
        .get(&*format!("https://localhost:{}/", addr.port()))
        .send()
        .is_err());
    assert!(tls_config_with_extra_roots(b"not a certificate").is_err());
}

/// https through an HTTP proxy goes through a CONNECT tunnel; a proxy that refuses it is
/// reported with its status (the success path is in `examples/tests/tls.rs`, through the
/// `proxy` example).
#[test]
fn https_through_a_proxy_uses_connect() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(String::new()));
    let record = seen.clone();
    thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(sock);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        *record.lock().unwrap() = line;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                break;
            }
        }
        let _ = reader
            .get_mut()
            .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    });
    let client = Client::with_http_proxy("127.0.0.1", port);
    let err = client
        .get("https://secure.example:8443/x")
        .send()
        .unwrap_err();
    assert!(err.to_string().contains("403"), "{err}");
    assert_eq!(
        *seen.lock().unwrap(),
        "CONNECT secure.example:8443 HTTP/1.1\r\n"
    );
}

#[test]
fn other_schemes_are_refused() {
    let err = Client::new().get("ftp://localhost/").send().unwrap_err();
    assert!(err.to_string().contains("scheme"), "{err}");
}

/// `GET`: `hello PORT` (the client's port: the same on every request of a connection).
/// `POST /echo`: the body back, read whole first. `POST /stream`: the body back as it
/// arrives (chunked).
fn app(mut req: Request<'_, '_>, res: Response<'_>) {
    let path = req.uri.to_string();
    if req.method != hypersync::Post {
        let body = format!("hello {}", req.remote_addr.port());
        res.send(body.as_bytes()).unwrap();
    } else if path == "/stream" {
        let mut res = res.start().unwrap();
        std::io::copy(&mut req, &mut res).unwrap();
        res.end().unwrap();
    } else {
        let mut body = Vec::new();
        req.read_to_end(&mut body).unwrap();
        res.send(&body).unwrap();
    }
}

/// A running server that stops when dropped: a failing test then ends instead of
/// blocking in `Listening`'s drop, which waits for the server (0.10's rule).
struct Running(Listening);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.close();
    }
}

/// An HTTPS server with `threads` workers running [`app`]: (certificate PEM, server).
fn https_server(threads: usize) -> (String, Running) {
    let (cert, key) = pem_pair();
    let ssl = TlsServer::from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
    let listening = Server::https("127.0.0.1:0", ssl)
        .unwrap()
        .handle_threads(app, threads)
        .unwrap();
    (cert, Running(listening))
}

fn trusting_client(cert: &str) -> Client {
    let mut client = Client::new();
    client.set_tls_config(tls_config_with_extra_roots(cert.as_bytes()).unwrap());
    client.set_read_timeout(Some(Duration::from_secs(10)));
    client
}

fn get_text(client: &Client, url: &str) -> String {
    let mut res = client.get(url).send().unwrap();
    assert_eq!(res.status, hypersync::Ok);
    let mut body = String::new();
    res.read_to_string(&mut body).unwrap();
    body
}

fn pseudo_random(len: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn https_server_keeps_connections_and_bodies_across_loop_and_workers() {
    let (cert, listening) = https_server(2);
    let client = trusting_client(&cert);
    let url = format!("https://localhost:{}/", listening.0.socket.port());
    let first = get_text(&client, &url);
    assert!(first.starts_with("hello "), "{first}");
    for _ in 0..3 {
        // Idle long enough for the worker to give the connection (and its TLS session)
        // back to the loop, which reads the next head.
        thread::sleep(Duration::from_millis(50));
        assert_eq!(get_text(&client, &url), first, "same connection");
    }
    let body = pseudo_random(1 << 20);
    let mut res = client
        .post(&*format!("{url}echo"))
        .body(&body[..])
        .send()
        .unwrap();
    let mut back = Vec::new();
    res.read_to_end(&mut back).unwrap();
    assert!(back == body, "1 MiB echoed byte for byte");
    drop(res);
    assert_eq!(get_text(&client, &url), first, "still the same connection");
}

#[test]
fn https_server_with_curl_streams_uploads_and_keeps_alive() {
    let (cert, listening) = https_server(2);
    let dir = std::env::temp_dir().join(format!("hypersync-https-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &cert).unwrap();
    let upload = dir.join("upload.bin");
    let body = pseudo_random(8 << 20);
    std::fs::write(&upload, &body).unwrap();
    let port = listening.0.socket.port();
    let curl = |args: &[&str]| {
        let out = std::process::Command::new("curl")
            .args(["-sS", "--max-time", "30", "--cacert"])
            .arg(&ca)
            .args(args)
            .output()
            .expect("curl runs (the README lists it among the test tools)");
        assert!(
            out.status.success(),
            "curl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    // Two requests, one connection: the same client port answers both.
    let url = format!("https://localhost:{port}/");
    let two = String::from_utf8(curl(&[&url, &url])).unwrap();
    let (a, b) = two.split_at(two.len() / 2);
    assert!(a.starts_with("hello ") && a == b, "{two}");
    // 8 MiB streamed back as it arrives: sized (curl sends `Expect: 100-continue` first)
    // and chunked.
    let at = format!("@{}", upload.display());
    let stream = format!("https://localhost:{port}/stream");
    assert!(
        curl(&["--data-binary", &at, &stream]) == body,
        "sized upload"
    );
    let chunked = curl(&[
        "--data-binary",
        &at,
        "-H",
        "Transfer-Encoding: chunked",
        &stream,
    ]);
    assert!(chunked == body, "chunked upload");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A connection the server ends (`Connection: close`) ends with `close_notify`, so a
/// client can tell the end of the stream from a cut: rustls reports a close without it as
/// `UnexpectedEof`.
#[test]
fn https_server_ends_connections_with_close_notify() {
    let (cert, listening) = https_server(1);
    let roots = tls_config_with_extra_roots(cert.as_bytes()).unwrap();
    let sock = std::net::TcpStream::connect(listening.0.socket).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(roots, name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut all = Vec::new();
    tls.read_to_end(&mut all)
        .expect("the stream ends with close_notify, not a cut");
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("hello "), "{text}");
}

/// Handshakes that never finish and plain HTTP on the TLS port hold no worker: with one
/// worker thread, a client is still served beside them.
#[test]
fn stalled_handshakes_and_plain_http_hold_no_worker() {
    let (cert, listening) = https_server(1);
    let addr = listening.0.socket;
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        // The first bytes of a ClientHello record, and then nothing.
        s.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01]).unwrap();
        stalled.push(s);
    }
    let mut plain = std::net::TcpStream::connect(addr).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    // Closed after at most a TLS alert; an error (reset) is a close too.
    let _ = plain.read_to_end(&mut answer);
    assert!(
        !answer.starts_with(b"HTTP"),
        "no HTTP answer on the TLS port"
    );
    assert!(answer.len() < 64, "at most an alert: {answer:?}");
    let client = trusting_client(&cert);
    let text = get_text(&client, &format!("https://localhost:{}/", addr.port()));
    assert!(text.starts_with("hello "), "{text}");
    drop(stalled);
}

/// 0.10's way to TLS, `Client::with_connector(HttpsConnector::new(ssl))`, with rustls's
/// `TlsClient` as `ssl`; the plain connector keeps the default roots.
#[test]
fn with_connector_chooses_the_tls_configuration() {
    let (cert, listening) = https_server(1);
    let url = format!("https://localhost:{}/", listening.0.socket.port());
    let roots = tls_config_with_extra_roots(cert.as_bytes()).unwrap();
    let client = Client::with_connector(HttpsConnector::new(TlsClient::with_config(roots)));
    assert!(get_text(&client, &url).starts_with("hello "));
    let plain = Client::with_connector(HttpConnector);
    let err = plain.get(&*url).send().unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
}
