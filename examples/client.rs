//! cargo run --release -p examples --example client -- http://127.0.0.1:3000/
//! cargo run --release -p examples --example client -- --cacert cert.pem https://localhost:3443/
//!
//! Fetches URL: the body goes to stdout (pipe it anywhere), the status line and headers to
//! stderr. Exits non-zero with a one-line message on stderr when the request fails (bad
//! URL, refused, timeout, broken framing, a certificate that does not verify).
//! `https://` servers are checked against Mozilla's roots; `--cacert FILE` trusts the PEM
//! certificates in FILE too, and `--cert FILE --key FILE` presents a client certificate to
//! servers that ask for one (curl's flags). `-x`/`--proxy URL` sends the request through
//! an HTTP proxy, as curl's `-x` does: forwarded for `http://`, tunneled with `CONNECT`
//! for `https://`; `--noproxy HOSTS` lists hosts reached directly. Without `-x`, the
//! proxy comes from the environment as curl reads it: `http_proxy` (lower case only) for
//! `http://` URLs, `https_proxy` or `HTTPS_PROXY` for `https://`, else `all_proxy` /
//! `ALL_PROXY`; `no_proxy` / `NO_PROXY` for the hosts reached directly.

use std::io::{ErrorKind, Read, Write};
use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

use hyper_client::{Client, Decoder, Encoder, Error, Handler, MaybeTls, Next, Request, Response};

struct Fetch {
    done: Sender<Result<(), String>>,
    timeout: Duration,
}

impl Handler<MaybeTls> for Fetch {
    fn on_request(&mut self, req: &mut Request) -> Next {
        let _ = req.set_header("User-Agent", "hyper-next-example/0.1");
        let _ = req.set_header("Accept", "*/*");
        Next::read().timeout(self.timeout)
    }

    fn on_request_writable(&mut self, _: &mut Encoder<'_, '_, MaybeTls>) -> Next {
        Next::read().timeout(self.timeout)
    }

    fn on_response(&mut self, res: Response<'_>) -> Next {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "{:?} {} {}",
            res.version(),
            res.status().as_u16(),
            String::from_utf8_lossy(res.reason())
        );
        for (name, value) in res.headers().iter() {
            let _ = writeln!(err, "{name}: {}", String::from_utf8_lossy(value));
        }
        let _ = writeln!(err);
        Next::read().timeout(self.timeout)
    }

    fn on_response_readable(&mut self, decoder: &mut Decoder<'_, '_, MaybeTls>) -> Next {
        let mut buf = [0u8; 64 * 1024];
        let mut out = std::io::stdout().lock();
        loop {
            match decoder.read(&mut buf) {
                Ok(0) => {
                    let _ = out.flush();
                    let _ = self.done.send(Ok(()));
                    return Next::end();
                }
                Ok(n) => {
                    if out.write_all(&buf[..n]).is_err() {
                        let _ = self.done.send(Err("stdout closed".into()));
                        return Next::remove();
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    return Next::read().timeout(self.timeout)
                }
                Err(e) => {
                    let msg = if e.kind() == ErrorKind::UnexpectedEof {
                        "connection closed before the end of the body".to_owned()
                    } else {
                        format!("broken response body: {e}")
                    };
                    let _ = self.done.send(Err(msg));
                    return Next::remove();
                }
            }
        }
    }

    fn on_error(&mut self, err: Error) -> Next {
        let _ = self.done.send(Err(err.to_string()));
        Next::remove()
    }
}

fn main() {
    let usage = || -> ! {
        eprintln!(
            "usage: client [--cacert FILE] [--cert FILE --key FILE] [-x|--proxy URL] [--noproxy HOSTS] URL"
        );
        std::process::exit(2)
    };
    let fail = |msg: String| -> ! {
        eprintln!("error: {msg}");
        std::process::exit(1)
    };
    let (mut cacert, mut cert, mut key, mut url) = (None, None, None, None);
    let (mut proxy, mut noproxy) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let slot = match a.as_str() {
            "--cacert" => &mut cacert,
            "--cert" => &mut cert,
            "--key" => &mut key,
            "-x" | "--proxy" => &mut proxy,
            "--noproxy" => &mut noproxy,
            _ if a.starts_with('-') || url.is_some() => usage(),
            _ => {
                url = Some(a);
                continue;
            }
        };
        *slot = Some(args.next().unwrap_or_else(|| usage()));
    }
    let Some(url) = url else { usage() };
    let read = |file: &str| {
        std::fs::read(file).unwrap_or_else(|e| fail(format!("cannot read {file}: {e}")))
    };
    let mut builder = Client::builder().connect_timeout(Some(Duration::from_secs(10)));
    if cacert.is_some() || cert.is_some() {
        let mut tls = hyper_client::tls::ClientTls::new();
        if let Some(file) = &cacert {
            tls = tls
                .add_roots_pem(&read(file))
                .unwrap_or_else(|e| fail(format!("{file}: {e}")));
        }
        match (&cert, &key) {
            (Some(c), Some(k)) => {
                tls = tls
                    .client_cert_pem(&read(c), &read(k))
                    .unwrap_or_else(|e| fail(format!("{c} and {k}: {e}")));
            }
            (None, None) => {}
            _ => usage(),
        }
        builder = builder.tls_config(tls.try_build().unwrap_or_else(|e| fail(e.to_string())));
    }
    let proxy = proxy.or_else(|| proxy_from_env(&url));
    if let Some(p) = &proxy {
        let noproxy = noproxy.or_else(|| env_any(&["no_proxy", "NO_PROXY"]));
        let p = hyper_client::Proxy::new(p.as_str())
            .unwrap_or_else(|e| fail(format!("proxy {p}: {e}")))
            .no_proxy(noproxy.as_deref().unwrap_or(""));
        builder = builder.proxy(p);
    }
    let client = builder
        .build()
        .unwrap_or_else(|e| fail(format!("the client could not start: {e}")));
    let (tx, rx) = channel();
    let handler = Fetch {
        done: tx,
        timeout: Duration::from_secs(30),
    };
    if let Err(e) = client.request(url.as_str(), handler) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    match rx.recv() {
        Ok(Ok(())) => {}
        Ok(Err(msg)) => {
            eprintln!("error: {msg}");
            std::process::exit(1);
        }
        Err(_) => {
            eprintln!("error: request abandoned");
            std::process::exit(1);
        }
    }
}

/// The first of these environment variables that is set and not empty.
fn env_any(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
}

/// The proxy curl would take from the environment for `url`. `HTTP_PROXY` in upper case
/// is not read, as curl does not: a CGI program gets it from a request's `Proxy` header.
fn proxy_from_env(url: &str) -> Option<String> {
    let https = url
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"));
    let scheme: &[&str] = if https {
        &["https_proxy", "HTTPS_PROXY"]
    } else {
        &["http_proxy"]
    };
    env_any(scheme).or_else(|| env_any(&["all_proxy", "ALL_PROXY"]))
}
