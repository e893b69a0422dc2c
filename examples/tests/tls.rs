//! HTTPS: the `hello` and `echo` handlers behind `Server::handle_tls`, driven by real TLS
//! clients (curl with `--cacert`, python's `ssl`), with a certificate generated for each
//! run (rcgen). Loopback only.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use examples::{echo::Echo, hello::Hello};
use hyper_client::{Client, MaybeTls};
use hyper_server::tls::server_config_from_pem;
use hyper_server::{Listening, Server};

mod common;
use common::{run, sha256, stdout, temp_file};

/// A fresh self-signed certificate for `localhost` and 127.0.0.1, written as PEM files
/// into a temp dir: (dir, cert path, key path, cert PEM, key PEM).
fn certificate(name: &str) -> (PathBuf, PathBuf, PathBuf, String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let cert = params.self_signed(&key).unwrap();
    let dir = std::env::temp_dir().join(format!("hyper-next-tls-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_pem, key_pem) = (cert.pem(), key.serialize_pem());
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, &cert_pem).unwrap();
    std::fs::write(&key_path, &key_pem).unwrap();
    (dir, cert_path, key_path, cert_pem, key_pem)
}

fn https<H>(cert: &str, key: &str, server: Server, handler: fn() -> H) -> Listening
where
    H: hyper_server::Handler<hyper_server::tls::TlsStream> + 'static,
{
    let config = server_config_from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
    server.handle_tls(config, move |_| handler()).unwrap()
}

/// curl's arguments to reach `addr` as `https://localhost:PORT` trusting `cert`.
fn curl_args(addr: SocketAddr, cert: &std::path::Path) -> Vec<String> {
    vec![
        "-sS".into(),
        "--max-time".into(),
        "30".into(),
        "--cacert".into(),
        cert.to_str().unwrap().into(),
        "--resolve".into(),
        format!("localhost:{}:127.0.0.1", addr.port()),
    ]
}

#[test]
fn curl_over_tls_keep_alive_alpn_and_verification() {
    let (dir, cert, _key, cert_pem, key_pem) = certificate("curl");
    let srv = https(
        &cert_pem,
        &key_pem,
        Server::http("127.0.0.1:0").unwrap(),
        Hello::new,
    );
    let url = format!("https://localhost:{}/", srv.addr().port());
    let mut args = curl_args(srv.addr(), &cert);
    args.extend(["-v".into(), url.clone(), format!("{url}again")]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run("curl", &args);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello, World!Hello, World!"
    );
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("ALPN: server accepted http/1.1"), "{log}");
    assert!(log.contains("Re-using existing connection"), "{log}");
    // Without the certificate trusted, curl refuses the server (verification is real).
    let refused = std::process::Command::new("curl")
        .args(["-sS", "--max-time", "10", "--resolve"])
        .arg(format!("localhost:{}:127.0.0.1", srv.addr().port()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    // A plain-HTTP client on the TLS port is closed; the server goes on serving.
    let plain = std::process::Command::new("curl")
        .args(["-sS", "--max-time", "10"])
        .arg(format!("http://127.0.0.1:{}/", srv.addr().port()))
        .output()
        .unwrap();
    assert!(!plain.status.success());
    let args = curl_args(srv.addr(), &cert);
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.push(&url);
    assert_eq!(stdout("curl", &args), "Hello, World!");
    srv.close().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn echo_over_tls_byte_exact_both_directions() {
    let (dir, cert, _key, cert_pem, key_pem) = certificate("echo");
    let srv = https(
        &cert_pem,
        &key_pem,
        Server::http("127.0.0.1:0").unwrap(),
        Echo::new,
    );
    let url = format!("https://localhost:{}/echo", srv.addr().port());
    let (up_dir, file) = temp_file("tls-up.bin", 30 << 20);
    let want = sha256(file.to_str().unwrap());
    let data = format!("@{}", file.display());
    for (name, extra) in [
        ("len", None),
        ("chunked", Some("Transfer-Encoding: chunked")),
    ] {
        let out = up_dir.join(format!("back-{name}.bin"));
        let mut args = curl_args(srv.addr(), &cert);
        args.extend(["--data-binary".into(), data.clone()]);
        if let Some(h) = extra {
            args.extend(["-H".into(), h.into()]);
        }
        args.extend(["-o".into(), out.to_str().unwrap().into(), url.clone()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run("curl", &args);
        assert_eq!(sha256(out.to_str().unwrap()), want, "{name}");
    }
    // python's ssl: keep-alive over one TLS connection, then a half-duplex 20 MiB echo
    // (the whole body sent before the answer is read).
    let script = r#"
import http.client, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[3])
c = http.client.HTTPSConnection("localhost", int(sys.argv[2]), context=ctx, timeout=30)
sock = None
for i in range(10):
    body = ("x" * i * 1000).encode()
    c.request("POST", "/echo", body=body)
    r = c.getresponse()
    assert r.status == 200 and r.read() == body
    if sock is None:
        sock = c.sock
    assert c.sock is sock, "connection was not reused"
big = bytes((i * 7 + i // 4096) % 251 for i in range(20 * 1024 * 1024))
c.request("POST", "/echo", body=big)
r = c.getresponse()
assert r.status == 200 and r.read() == big
version = c.sock.version()
# The server ends a `Connection: close` exchange with close_notify: reading to the end
# with ragged EOFs not suppressed raises if the stream was merely cut.
raw = ctx.wrap_socket(__import__("socket").create_connection(("127.0.0.1", int(sys.argv[2]))),
                      server_hostname="localhost", suppress_ragged_eofs=False)
raw.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
got = b""
while True:
    part = raw.recv(65536)
    if not part:
        break
    got += part
assert got.startswith(b"HTTP/1.1 200 OK") and got.endswith(b"POST /echo\n"), got
# Pipelined: 8 requests in one TLS write, answered in order.
p = ctx.wrap_socket(__import__("socket").create_connection(("127.0.0.1", int(sys.argv[2]))),
                    server_hostname="localhost")
p.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n" * 7
          + b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
got = b""
while True:
    part = p.recv(65536)
    if not part:
        break
    got += part
assert got.count(b"HTTP/1.1 200 OK\r\n") == 8, got
print("ok", version)
"#;
    let out = stdout(
        "python3",
        &[
            "-c",
            script,
            "127.0.0.1",
            &srv.addr().port().to_string(),
            cert.to_str().unwrap(),
        ],
    );
    assert!(out.starts_with("ok TLSv1.3"), "{out}");
    srv.close().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_dir_all(up_dir).unwrap();
}

/// A client that opens a connection and never completes its handshake is closed by the
/// head-read timeout, like one that never sends a head; one that sends garbage instead of
/// a ClientHello is closed at once.
#[test]
fn stalled_and_broken_handshakes_are_closed() {
    let (dir, _cert, _key, cert_pem, key_pem) = certificate("stall");
    let server = Server::http("127.0.0.1:0")
        .unwrap()
        .header_read_timeout(Some(Duration::from_millis(300)));
    let srv = https(&cert_pem, &key_pem, server, Hello::new);
    let mut silent = TcpStream::connect(srv.addr()).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let t0 = Instant::now();
    let mut buf = [0u8; 64];
    let n = silent.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "a silent connection gets no bytes, only a close");
    assert!(t0.elapsed() >= Duration::from_millis(300));
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    let mut junk = TcpStream::connect(srv.addr()).unwrap();
    junk.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    junk.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let t0 = Instant::now();
    let mut back = Vec::new();
    let _ = junk.read_to_end(&mut back);
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "garbage held {:?}",
        t0.elapsed()
    );
    assert!(
        !back.starts_with(b"HTTP/"),
        "answered in plain text: {back:?}"
    );
    srv.close().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

/// A real TLS peer: nginx serving HTTPS with a certificate made for this run, driven by
/// hypersync's blocking client trusting that certificate (and refusing it without).
#[test]
fn hypersync_client_against_nginx_over_tls() {
    let (dir, cert, key, cert_pem, _) = certificate("nginx");
    let free = || {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // One port per TLS version: the client must speak both.
    let (port12, port13) = (free(), free());
    let answer = "location / { default_type text/plain; \
                  return 200 \"from nginx $ssl_server_name $ssl_protocol\\n\"; }";
    let http = format!(
        "ssl_certificate {c}; ssl_certificate_key {k}; \
         server {{ listen 127.0.0.1:{port12} ssl; ssl_protocols TLSv1.2; {answer} }} \
         server {{ listen 127.0.0.1:{port13} ssl; ssl_protocols TLSv1.3; {answer} }}",
        c = cert.display(),
        k = key.display(),
    );
    let mut child = common::start_nginx(&dir, &http, port13);
    while TcpStream::connect(("127.0.0.1", port12)).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let result = std::panic::catch_unwind(|| {
        let mut client = hypersync::Client::new();
        let roots = hypersync::client::tls_config_with_extra_roots(cert_pem.as_bytes()).unwrap();
        client.set_tls_config(roots);
        for (port, version) in [(port12, "TLSv1.2"), (port13, "TLSv1.3")] {
            let url = format!("https://localhost:{port}/");
            for _ in 0..3 {
                let mut res = client.get(&*url).send().unwrap();
                assert_eq!(res.status, hypersync::Ok);
                let mut body = String::new();
                res.read_to_string(&mut body).unwrap();
                assert_eq!(body, format!("from nginx localhost {version}\n"));
            }
        }
        let url = format!("https://localhost:{port13}/");
        assert!(
            hypersync::Client::new().get(&*url).send().is_err(),
            "untrusted"
        );
    });
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
    std::fs::remove_dir_all(dir).unwrap();
    if let Err(e) = result {
        panic!("{e:?}\nnginx: {log}");
    }
}

/// hyper-client's handler for these tests: sends `body` (if any) with a length, collects
/// status and body.
struct Fetch {
    body: Option<Vec<u8>>,
    sent: usize,
    status: u16,
    got: Vec<u8>,
    done: std::sync::mpsc::Sender<Result<(u16, Vec<u8>), String>>,
}

impl hyper_client::Handler<MaybeTls> for Fetch {
    fn on_request(&mut self, req: &mut hyper_client::Request) -> hyper_client::Next {
        match &self.body {
            Some(b) => {
                req.set_method(hyper_client::Method::POST);
                req.set_content_length(b.len() as u64);
                hyper_client::Next::write()
            }
            None => hyper_client::Next::read(),
        }
    }

    fn on_request_writable(
        &mut self,
        enc: &mut hyper_client::Encoder<'_, '_, MaybeTls>,
    ) -> hyper_client::Next {
        let body = self.body.as_deref().unwrap_or_default();
        while self.sent < body.len() {
            match enc.write(&body[self.sent..]) {
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    return hyper_client::Next::read_and_write()
                }
                Err(_) => return hyper_client::Next::remove(),
            }
        }
        hyper_client::Next::read()
    }

    fn on_response(&mut self, res: hyper_client::Response<'_>) -> hyper_client::Next {
        self.status = res.status().as_u16();
        hyper_client::Next::read()
    }

    fn on_response_readable(
        &mut self,
        dec: &mut hyper_client::Decoder<'_, '_, MaybeTls>,
    ) -> hyper_client::Next {
        let mut buf = [0u8; 16384];
        loop {
            match dec.read(&mut buf) {
                Ok(0) => {
                    let _ = self
                        .done
                        .send(Ok((self.status, std::mem::take(&mut self.got))));
                    return hyper_client::Next::end();
                }
                Ok(n) => self.got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    return hyper_client::Next::read()
                }
                Err(e) => {
                    let _ = self.done.send(Err(e.to_string()));
                    return hyper_client::Next::remove();
                }
            }
        }
    }

    fn on_error(&mut self, err: hyper_client::Error) -> hyper_client::Next {
        let _ = self.done.send(Err(err.to_string()));
        hyper_client::Next::remove()
    }
}

/// One request through `client`: (status, body), or the error's text.
fn fetch(
    client: &Client<Fetch>,
    url: &str,
    body: Option<Vec<u8>>,
) -> Result<(u16, Vec<u8>), String> {
    let (done, rx) = std::sync::mpsc::channel();
    let h = Fetch {
        body,
        sent: 0,
        status: 0,
        got: Vec::new(),
        done,
    };
    client.request(url, h).map_err(|e| e.to_string())?;
    rx.recv_timeout(Duration::from_secs(30))
        .map_err(|e| e.to_string())?
}

/// hyper-client over `https://`: our TLS echo, verified against the certificate made for
/// the run, requests with and without bodies on pooled connections; refused without it.
#[test]
fn hyper_client_over_tls() {
    let (dir, _cert, _key, cert_pem, key_pem) = certificate("hyper-client");
    let srv = https(
        &cert_pem,
        &key_pem,
        Server::http("127.0.0.1:0").unwrap(),
        Echo::new,
    );
    let roots = hyper_client::tls::client_config_with_extra_roots(cert_pem.as_bytes()).unwrap();
    let client: Client<Fetch> = Client::builder().tls_config(roots).build().unwrap();
    let base = format!("https://localhost:{}", srv.addr().port());
    for i in 0..10 {
        let (status, body) = fetch(&client, &format!("{base}/"), None).unwrap();
        assert_eq!(
            (status, &body[..]),
            (200, &b"echo server: POST /echo\n"[..]),
            "{i}"
        );
    }
    let big: Vec<u8> = (0..3 << 20).map(|i: u32| (i * 7 % 251) as u8).collect();
    let (status, body) = fetch(&client, &format!("{base}/echo"), Some(big.clone())).unwrap();
    assert_eq!(status, 200);
    assert!(body == big, "3 MiB echo over TLS differs");
    let untrusted: Client<Fetch> = Client::builder().build().unwrap();
    let err = fetch(&untrusted, &format!("{base}/"), None).unwrap_err();
    assert!(err.contains("certificate"), "{err}");
    srv.close().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

/// One server, an HTTP and an HTTPS listener, one handler type: its factory learns from
/// `HandlerFactory::create_for` whether the connection is TLS and which name the client
/// asked for (SNI), and answers with them.
#[test]
fn mixed_listeners_and_sni_reach_the_handler() {
    use hyper_server::tls::MaybeTls;
    use hyper_server::{Connection, Control, HandlerFactory};

    struct Say {
        text: Vec<u8>,
        pos: usize,
    }
    impl hyper_server::Handler<MaybeTls> for Say {
        fn on_request(&mut self, _: hyper_server::Request<'_>) -> hyper_server::Next {
            hyper_server::Next::write()
        }
        fn on_request_readable(
            &mut self,
            _: &mut hyper_server::Decoder<'_, '_, MaybeTls>,
        ) -> hyper_server::Next {
            hyper_server::Next::write()
        }
        fn on_response(&mut self, res: &mut hyper_server::Response) -> hyper_server::Next {
            res.set_content_length(self.text.len() as u64);
            hyper_server::Next::write()
        }
        fn on_response_writable(
            &mut self,
            enc: &mut hyper_server::Encoder<'_, '_, MaybeTls>,
        ) -> hyper_server::Next {
            while self.pos < self.text.len() {
                match enc.write(&self.text[self.pos..]) {
                    Ok(n) => self.pos += n,
                    Err(_) => return hyper_server::Next::write(),
                }
            }
            hyper_server::Next::end()
        }
    }
    #[derive(Clone)]
    struct Who;
    impl HandlerFactory<MaybeTls> for Who {
        type Output = Say;
        fn create(&mut self, _: Control) -> Say {
            Say {
                text: b"unknown".to_vec(),
                pos: 0,
            }
        }
        fn create_for(&mut self, _: Control, conn: &Connection<'_>) -> Say {
            let text = format!("tls={} sni={}", conn.tls, conn.server_name.unwrap_or("-"));
            Say {
                text: text.into_bytes(),
                pos: 0,
            }
        }
    }

    let (dir, cert, _key, cert_pem, key_pem) = certificate("mixed");
    let config = server_config_from_pem(cert_pem.as_bytes(), key_pem.as_bytes()).unwrap();
    let srv = Server::http("127.0.0.1:0")
        .unwrap()
        .listen_tls("127.0.0.1:0")
        .unwrap()
        .handle_mixed(config, Who)
        .unwrap();
    let (plain, tls) = (srv.addrs()[0], srv.addrs()[1]);
    assert_ne!(plain, tls);
    let http = stdout(
        "curl",
        &["-sS", "--max-time", "10", &format!("http://{plain}/")],
    );
    assert_eq!(http, "tls=false sni=-");
    let mut args = curl_args(tls, &cert);
    let url = format!("https://localhost:{}/", tls.port());
    args.push(url);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(stdout("curl", &args), "tls=true sni=localhost");
    // Plain HTTP on the TLS port and TLS on the plain one both fail; the server goes on.
    let cross = std::process::Command::new("curl")
        .args(["-sS", "--max-time", "10", "-k"])
        .arg(format!("https://127.0.0.1:{}/", plain.port()))
        .output()
        .unwrap();
    assert!(!cross.status.success());
    assert_eq!(stdout("curl", &args), "tls=true sni=localhost");
    srv.close().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

/// `curl -p -x http://PROXY https://...`: the proxy tunnels `CONNECT` to an allowed target
/// (our TLS server; TLS runs end to end through the tunnel, two requests on it), refuses
/// others with 403, and answers 502 when the target cannot be reached.
#[test]
fn proxy_connect_tunnels_to_allowed_targets() {
    use examples::proxy::{Proxy, Upstream};
    let (dir, cert, _key, cert_pem, key_pem) = certificate("connect");
    let tls = https(
        &cert_pem,
        &key_pem,
        Server::http("127.0.0.1:0").unwrap(),
        Hello::new,
    );
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let allowed: std::sync::Arc<[String]> = [
        format!("localhost:{}", tls.addr().port()),
        format!("localhost:{closed}"),
    ]
    .into();
    let client: Client<Upstream> = Client::builder().build().unwrap();
    let upstream: std::sync::Arc<str> = "http://127.0.0.1:9".into();
    let proxy = Server::http("127.0.0.1:0")
        .unwrap()
        .handle(move |ctrl| {
            Proxy::new(client.clone(), upstream.clone(), ctrl).allow_connect(allowed.clone())
        })
        .unwrap();
    let via = format!("http://{}", proxy.addr());
    let url = format!("https://localhost:{}/", tls.addr().port());
    let cacert = cert.to_str().unwrap();
    let both = stdout(
        "curl",
        &[
            "-sS",
            "--max-time",
            "20",
            "-p",
            "-x",
            &via,
            "--cacert",
            cacert,
            &url,
            &url,
        ],
    );
    assert_eq!(both, "Hello, World!Hello, World!");
    let status = |target: &str| {
        let out = std::process::Command::new("curl")
            .args(["-sS", "--max-time", "20", "-p", "-x", &via, "-k"])
            .arg(target)
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // hypersync's client through the same proxy: https goes through a CONNECT tunnel,
    // with the pooled tunnel reused for the second request.
    let mut sync = hypersync::Client::with_http_proxy("127.0.0.1", proxy.addr().port());
    sync.set_tls_config(
        hypersync::client::tls_config_with_extra_roots(cert_pem.as_bytes()).unwrap(),
    );
    for _ in 0..2 {
        let mut res = sync.get(url.as_str()).send().unwrap();
        let mut body = String::new();
        res.read_to_string(&mut body).unwrap();
        assert_eq!(
            (res.status, body.as_str()),
            (hypersync::Ok, "Hello, World!")
        );
    }
    let forbidden = status("https://localhost:1/");
    assert!(forbidden.contains("403"), "{forbidden}");
    let unreachable = status(&format!("https://localhost:{closed}/"));
    assert!(unreachable.contains("502"), "{unreachable}");
    proxy.close().unwrap();
    tls.close().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

/// Mutual TLS: a server that requires client certificates from its own CA (rustls's
/// verifier, through `handle_tls`), and hyper-client presenting one (`ClientTls`); curl
/// with `--cert`/`--key` likewise. Without a certificate, both are refused.
#[test]
fn client_certificates() {
    use hyper_server::tls::rustls;
    let (dir, cert, _key, cert_pem, key_pem) = certificate("mtls");
    // A client CA and a client certificate it signs.
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let client_key = rcgen::KeyPair::generate().unwrap();
    let client_cert = rcgen::CertificateParams::new(vec!["client.example".to_owned()])
        .unwrap()
        .signed_by(&client_key, &ca, &ca_key)
        .unwrap();
    let (client_pem, client_key_pem) = (client_cert.pem(), client_key.serialize_pem());
    std::fs::write(dir.join("client.pem"), &client_pem).unwrap();
    std::fs::write(dir.join("client.key"), &client_key_pem).unwrap();
    // The server: our certificate, client certificates from that CA required.
    let mut client_roots = rustls::RootCertStore::empty();
    client_roots.add(ca.der().clone()).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        std::sync::Arc::new(client_roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    use rustls::pki_types::pem::PemObject;
    let chain =
        vec![rustls::pki_types::CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap()];
    let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap();
    let srv = Server::http("127.0.0.1:0")
        .unwrap()
        .handle_tls(std::sync::Arc::new(config), |_| Hello::new())
        .unwrap();
    let url = format!("https://localhost:{}/", srv.addr().port());
    // hyper-client with and without its certificate.
    let with = hyper_client::tls::ClientTls::new()
        .add_roots_pem(cert_pem.as_bytes())
        .unwrap()
        .client_cert_pem(client_pem.as_bytes(), client_key_pem.as_bytes())
        .unwrap()
        .build();
    let client: Client<Fetch> = Client::builder().tls_config(with).build().unwrap();
    assert_eq!(
        fetch(&client, &url, None).unwrap(),
        (200, b"Hello, World!".to_vec())
    );
    let without = hyper_client::tls::client_config_with_extra_roots(cert_pem.as_bytes()).unwrap();
    let client: Client<Fetch> = Client::builder().tls_config(without).build().unwrap();
    assert!(
        fetch(&client, &url, None).is_err(),
        "no client certificate, no answer"
    );
    // curl likewise.
    let mut args = curl_args(srv.addr(), &cert);
    let (c, k) = (dir.join("client.pem"), dir.join("client.key"));
    args.extend([
        "--cert".into(),
        c.display().to_string(),
        "--key".into(),
        k.display().to_string(),
    ]);
    args.push(url.clone());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(stdout("curl", &args), "Hello, World!");
    let mut bare = curl_args(srv.addr(), &cert);
    bare.push(url);
    let refused = std::process::Command::new("curl")
        .args(&bare)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    srv.close().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

/// hyper-client asks the `proxy` example for a tunnel (`Request::set_connect`), gets it in
/// `on_upgrade`, and speaks TLS through it to our HTTPS server.
#[test]
fn hyper_client_connect_through_the_proxy() {
    use examples::proxy::{Proxy, Upstream};
    use hyper_server::tls::rustls;
    use std::sync::mpsc::{channel, Sender};

    struct Tunnel {
        target: String,
        roots: std::sync::Arc<rustls::ClientConfig>,
        done: Sender<Result<String, String>>,
    }
    impl hyper_client::Handler<MaybeTls> for Tunnel {
        fn on_request(&mut self, req: &mut hyper_client::Request) -> hyper_client::Next {
            req.set_connect(&self.target).unwrap();
            hyper_client::Next::read()
        }
        fn on_request_writable(
            &mut self,
            _: &mut hyper_client::Encoder<'_, '_, MaybeTls>,
        ) -> hyper_client::Next {
            hyper_client::Next::read()
        }
        fn on_response(&mut self, res: hyper_client::Response<'_>) -> hyper_client::Next {
            if !res.status().is_success() {
                let _ = self
                    .done
                    .send(Err(format!("proxy answered {}", res.status())));
            }
            hyper_client::Next::remove()
        }
        fn on_response_readable(
            &mut self,
            _: &mut hyper_client::Decoder<'_, '_, MaybeTls>,
        ) -> hyper_client::Next {
            hyper_client::Next::remove()
        }
        fn on_error(&mut self, err: hyper_client::Error) -> hyper_client::Next {
            let _ = self.done.send(Err(err.to_string()));
            hyper_client::Next::remove()
        }
        fn on_upgrade(self, transport: MaybeTls, read_ahead: Vec<u8>) {
            let MaybeTls::Plain(sock) = transport else {
                return;
            };
            let sock = TcpStream::from(std::os::fd::OwnedFd::from(sock));
            std::thread::spawn(move || {
                let talk = || -> std::io::Result<String> {
                    assert!(read_ahead.is_empty());
                    sock.set_nonblocking(false)?;
                    let name = "localhost".try_into().unwrap();
                    let conn = rustls::ClientConnection::new(self.roots, name)
                        .map_err(std::io::Error::other)?;
                    let mut tls = rustls::StreamOwned::new(conn, sock);
                    tls.write_all(
                        b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                    )?;
                    let mut answer = String::new();
                    let _ = tls.read_to_string(&mut answer);
                    Ok(answer)
                };
                let _ = self.done.send(talk().map_err(|e| e.to_string()));
            });
        }
    }

    let (dir, _cert, _key, cert_pem, key_pem) = certificate("client-connect");
    let tls = https(
        &cert_pem,
        &key_pem,
        Server::http("127.0.0.1:0").unwrap(),
        Hello::new,
    );
    let target = format!("localhost:{}", tls.addr().port());
    let allowed: std::sync::Arc<[String]> = [target.clone()].into();
    let upstream_client: Client<Upstream> = Client::builder().build().unwrap();
    let proxy = Server::http("127.0.0.1:0")
        .unwrap()
        .handle(move |ctrl| {
            Proxy::new(upstream_client.clone(), "http://127.0.0.1:9".into(), ctrl)
                .allow_connect(allowed.clone())
        })
        .unwrap();
    let roots = hyper_client::tls::client_config_with_extra_roots(cert_pem.as_bytes()).unwrap();
    let client: Client<Tunnel> = Client::builder().build().unwrap();
    let (done, rx) = channel();
    let url = format!("http://{}/", proxy.addr());
    client
        .request(
            url.as_str(),
            Tunnel {
                target,
                roots,
                done,
            },
        )
        .unwrap();
    let answer = rx.recv_timeout(Duration::from_secs(20)).unwrap().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with("Hello, World!"), "{answer}");
    proxy.close().unwrap();
    tls.close().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
