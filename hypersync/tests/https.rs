//! hypersync's client over `https://`, against a loopback rustls server with a certificate
//! made for each run: verification against the roots given, SNI, the pool reusing a TLS
//! connection (after the server's session tickets arrived on it), and refusal of an
//! untrusted server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use hypersync::client::rustls;
use hypersync::client::tls_config_with_extra_roots;
use hypersync::Client;

/// A certificate for `localhost` and 127.0.0.1: (certificate PEM, server config).
fn certificate() -> (String, Arc<rustls::ServerConfig>) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let cert = params.self_signed(&key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key_der = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key_der)
        .unwrap();
    (cert.pem(), Arc::new(config))
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
