//! 0.10's plumbing as frameworks, mocks and TLS crates use it: listeners, streams,
//! connectors and TLS wrappers of the user's own, and `Request::new` over any stream.

#![allow(elided_lifetimes_in_paths)]

mod common;
use common::{roundtrip, statuses};

use std::io::{self, Cursor, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hypersync::buffer::BufReader;
use hypersync::http::h1::HttpReader;
use hypersync::net::{
    HttpListener, HttpStream, HttpsConnector, NetworkConnector, NetworkListener, NetworkStream,
    SslClient, SslServer,
};
use hypersync::server::{ConnStream, Request, Response, Server};
use hypersync::status::StatusCode;
use hypersync::uri::RequestUri;
use hypersync::Client;

/// A stream of the user's: a TCP stream, marked so a handler can tell it is this one.
#[derive(Clone, Debug)]
struct Marked(HttpStream);

impl Read for Marked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for Marked {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl NetworkStream for Marked {
    fn peer_addr(&mut self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
    fn set_read_timeout(&self, dur: Option<Duration>) -> io::Result<()> {
        NetworkStream::set_read_timeout(&self.0, dur)
    }
    fn set_write_timeout(&self, dur: Option<Duration>) -> io::Result<()> {
        NetworkStream::set_write_timeout(&self.0, dur)
    }
    fn close(&mut self, how: std::net::Shutdown) -> io::Result<()> {
        self.0.close(how)
    }
}

/// A listener of the user's, counting what it accepts.
#[derive(Clone)]
struct Counting {
    inner: HttpListener,
    accepted: Arc<AtomicUsize>,
}

impl NetworkListener for Counting {
    type Stream = Marked;
    fn accept(&mut self) -> hypersync::Result<Marked> {
        let s = self.inner.accept()?;
        self.accepted.fetch_add(1, Ordering::SeqCst);
        Ok(Marked(s))
    }
    fn local_addr(&mut self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// A "TLS" wrapper that wraps nothing, counting: the shape hyper-native-tls's
/// `NativeTlsServer` and `NativeTlsClient` have.
#[derive(Clone, Default)]
struct Plain(Arc<AtomicUsize>);

impl SslServer for Plain {
    type Stream = Marked;
    fn wrap_server(&self, stream: HttpStream) -> hypersync::Result<Marked> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(Marked(stream))
    }
}

impl SslClient for Plain {
    type Stream = Marked;
    fn wrap_client(&self, stream: HttpStream, _host: &str) -> hypersync::Result<Marked> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(Marked(stream))
    }
}

/// Echoes POST bodies; for GET, says whether the request's stream is hypersync's (it is on
/// every path: the body comes decoded through the connection hypersync frames).
fn handler(mut req: Request, mut res: Response) {
    let on_conn = req.downcast_ref::<ConnStream>().is_some();
    let on_marked = req.downcast_ref::<Marked>().is_some();
    if req.method == hypersync::Post {
        let mut body = Vec::new();
        req.read_to_end(&mut body).unwrap();
        res.send(&body).unwrap();
        return;
    }
    match req.uri {
        RequestUri::AbsolutePath(ref p) if p == "/missing" => {
            *res.status_mut() = StatusCode::NotFound;
        }
        _ => {
            let what = format!("conn={on_conn} marked={on_marked}");
            res.send(what.as_bytes()).unwrap();
        }
    }
}

#[test]
fn a_listener_of_the_users_is_served_a_thread_per_connection_with_every_rule() {
    let accepted = Arc::new(AtomicUsize::new(0));
    let listener = Counting {
        inner: HttpListener::new("127.0.0.1:0").unwrap(),
        accepted: Arc::clone(&accepted),
    };
    let mut listening = Server::new(listener).handle_threads(handler, 2).unwrap();
    let addr = listening.socket;
    let out = roundtrip(
        addr,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\
          POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n\
          POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc\
          GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        statuses(&out),
        [
            "HTTP/1.1 200 OK",
            "HTTP/1.1 200 OK",
            "HTTP/1.1 200 OK",
            "HTTP/1.1 404 Not Found"
        ],
        "{out}"
    );
    assert!(out.contains("conn=true marked=false"), "{out}");
    assert!(out.contains("\r\n\r\nhello"), "{out}");
    assert!(out.contains("\r\n\r\nabc"), "{out}");
    // One connection carried all four.
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    // A malformed head gets its status, as on the loop.
    let bad = roundtrip(
        addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n",
    );
    assert!(bad.starts_with("HTTP/1.1 400 "), "{bad}");
    listening.close().unwrap();
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_millis(300))
            .map(|mut s| {
                s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
                let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                let mut b = [0u8; 1];
                s.read(&mut b).unwrap_or(0) == 0
            })
            .unwrap_or(true)
    );
}

#[test]
fn an_ssl_server_of_the_users_wraps_each_stream_on_a_thread_per_connection() {
    let ssl = Plain::default();
    let mut tls = Server::https("127.0.0.1:0", ssl.clone())
        .unwrap()
        .handle_threads(handler, 1)
        .unwrap();
    for _ in 0..2 {
        let out = roundtrip(
            tls.socket,
            b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert!(out.ends_with("conn=true marked=false"), "{out}");
    }
    assert_eq!(
        ssl.0.load(Ordering::SeqCst),
        2,
        "wrap_server once a connection"
    );
    tls.close().unwrap();
}

/// A client mock's connector: connects over TCP and counts.
struct Mock {
    connects: Arc<AtomicUsize>,
}

impl NetworkConnector for Mock {
    type Stream = Marked;
    fn connect(&self, host: &str, port: u16, scheme: &str) -> hypersync::Result<Marked> {
        assert_eq!(scheme, "http");
        self.connects.fetch_add(1, Ordering::SeqCst);
        Ok(Marked(HttpStream(TcpStream::connect((host, port))?)))
    }
}

#[test]
fn a_connector_of_the_users_opens_the_clients_connections_and_they_are_pooled() {
    let mut listening = Server::http("127.0.0.1:0")
        .unwrap()
        .handle_threads(handler, 2)
        .unwrap();
    let url = format!("http://127.0.0.1:{}/", listening.socket.port());
    let connects = Arc::new(AtomicUsize::new(0));
    let client = Client::with_connector(Mock {
        connects: Arc::clone(&connects),
    });
    for _ in 0..3 {
        let mut res = client.post(&url).body("ping").send().unwrap();
        let mut body = String::new();
        res.read_to_string(&mut body).unwrap();
        assert_eq!(body, "ping");
    }
    assert_eq!(connects.load(Ordering::SeqCst), 1);

    // An `HttpsConnector` over an `SslClient` of the user's: `http://` goes plain,
    // `https://` through `wrap_client` (here a wrapper that wraps nothing).
    let ssl = Plain::default();
    let client = Client::with_connector(HttpsConnector::new(ssl.clone()));
    let mut res = client.get(&url).send().unwrap();
    let mut body = String::new();
    res.read_to_string(&mut body).unwrap();
    assert_eq!(body, "conn=true marked=false");
    let https = format!("https://127.0.0.1:{}/", listening.socket.port());
    let mut res = client.get(&https).send().unwrap();
    body.clear();
    res.read_to_string(&mut body).unwrap();
    assert_eq!(body, "conn=true marked=false");
    assert_eq!(ssl.0.load(Ordering::SeqCst), 1);
    listening.close().unwrap();
}

/// A stream over bytes, as iron-test's `MockStream`.
struct Bytes(Cursor<Vec<u8>>);

impl Read for Bytes {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for Bytes {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl NetworkStream for Bytes {
    fn peer_addr(&mut self) -> io::Result<SocketAddr> {
        Ok(([127, 0, 0, 1], 3000).into())
    }
    fn set_read_timeout(&self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    fn set_write_timeout(&self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
}

/// Parses `raw` with `Request::new` and reads its body.
fn parse(raw: &[u8]) -> hypersync::Result<(Request<'static, 'static>, String)> {
    // Leaked: the request borrows its reader for the test's life.
    let stream: &'static mut Bytes = Box::leak(Box::new(Bytes(Cursor::new(raw.to_vec()))));
    let reader: &'static mut BufReader<&'static mut dyn NetworkStream> =
        Box::leak(Box::new(BufReader::new(stream as &mut dyn NetworkStream)));
    let mut req = Request::new(reader, ([127, 0, 0, 1], 9).into())?;
    let mut body = String::new();
    req.read_to_string(&mut body)
        .map_err(hypersync::Error::Io)?;
    Ok((req, body))
}

#[test]
fn request_new_reads_a_request_from_any_stream() {
    let (req, body) =
        parse(b"POST /up?x=1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
            .unwrap();
    assert_eq!(req.uri, RequestUri::AbsolutePath("/up?x=1".into()));
    assert_eq!(body, "abcde");
    let (_, body) =
        parse(b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbodyEXTRA").unwrap();
    assert_eq!(body, "body");
    // iron-test's shape: absolute form and no Host.
    let (req, body) =
        parse(b"GET http://localhost:3000/users HTTP/1.1\r\nContent-Length: 0\r\n\r\n").unwrap();
    assert!(matches!(req.uri, RequestUri::AbsoluteUri(ref u) if u.path() == "/users"));
    assert!(!req.headers.has::<hypersync::header::Host>());
    assert_eq!(body, "");
    let (_, _, _, _, _, reader) = req.deconstruct();
    assert!(matches!(
        reader,
        HttpReader::SizedReader(..) | HttpReader::EmptyReader(..)
    ));
    // What the server refuses, `Request::new` refuses.
    for bad in [
        &b"GET / HTTP/1.1\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"G@T / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\n",
        b"",
    ] {
        assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
    }
    // A body cut short is an error, not a short body.
    assert!(parse(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nabc").is_err());
}
