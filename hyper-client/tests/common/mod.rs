//! What the client tests share: a collecting handler, scripted loopback servers.

#![allow(dead_code, reason = "each test crate uses a part")]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

use hyper_client::{Decoder, Encoder, Error, Handler, Method, Next, Request, Response};

pub(crate) type T = hyper_client::MaybeTls;

/// What a request ended with.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) trailers: Vec<(String, String)>,
}

/// A handler that sends `method` with an optional body and collects the response.
pub(crate) struct Collect {
    pub(crate) method: Method,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) chunked: bool,
    pub(crate) expect: bool,
    pub(crate) pos: usize,
    pub(crate) timeout: Option<Duration>,
    pub(crate) out: Option<Outcome>,
    pub(crate) done: Option<Sender<Result<Outcome, Error>>>,
}

impl Collect {
    pub(crate) fn get() -> (Self, Receiver<Result<Outcome, Error>>) {
        Self::new(Method::GET, None)
    }

    pub(crate) fn new(
        method: Method,
        body: Option<Vec<u8>>,
    ) -> (Self, Receiver<Result<Outcome, Error>>) {
        let (tx, rx) = channel();
        let h = Self {
            method,
            body,
            chunked: false,
            expect: false,
            pos: 0,
            timeout: None,
            out: None,
            done: Some(tx),
        };
        (h, rx)
    }

    pub(crate) fn finish(&mut self, r: Result<Outcome, Error>) {
        if let Some(tx) = self.done.take() {
            let _ = tx.send(r);
        }
    }

    pub(crate) fn read_next(&self) -> Next {
        match self.timeout {
            Some(t) => Next::read().timeout(t),
            None => Next::read(),
        }
    }
}

impl Handler<T> for Collect {
    fn on_request(&mut self, req: &mut Request) -> Next {
        req.set_method(self.method.clone());
        req.set_header("User-Agent", "hyper-next-test").unwrap();
        match &self.body {
            Some(b) if self.chunked => req.set_chunked(),
            Some(b) => req.set_content_length(b.len() as u64),
            None => {}
        }
        req.set_expect_continue(self.expect);
        if self.body.is_some() {
            Next::write()
        } else {
            self.read_next()
        }
    }

    fn on_request_writable(&mut self, enc: &mut Encoder<'_, '_, T>) -> Next {
        let body = self.body.as_deref().unwrap_or_default();
        while self.pos < body.len() {
            // Small pieces, so chunked bodies have several chunks.
            let end = (self.pos + 1000).min(body.len());
            match enc.write(&body[self.pos..end]) {
                Ok(n) => self.pos += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::write(),
                Err(_) => return Next::remove(),
            }
        }
        if self.chunked {
            enc.close().unwrap();
        }
        self.read_next()
    }

    fn on_response(&mut self, res: Response<'_>) -> Next {
        self.out = Some(Outcome {
            status: res.status().as_u16(),
            headers: res
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.to_ascii_lowercase(),
                        String::from_utf8_lossy(v).into_owned(),
                    )
                })
                .collect(),
            body: Vec::new(),
            trailers: Vec::new(),
        });
        self.read_next()
    }

    fn on_response_readable(&mut self, dec: &mut Decoder<'_, '_, T>) -> Next {
        let mut buf = [0u8; 8192];
        loop {
            match dec.read(&mut buf) {
                Ok(0) => {
                    let mut out = self.out.take().unwrap();
                    out.trailers = dec
                        .trailers()
                        .map(|(n, v)| (n.to_owned(), String::from_utf8_lossy(v).into_owned()))
                        .collect();
                    self.finish(Ok(out));
                    return Next::end();
                }
                Ok(n) => self.out.as_mut().unwrap().body.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return self.read_next(),
                Err(e) => {
                    let err = if e.kind() == ErrorKind::UnexpectedEof {
                        Error::Incomplete
                    } else {
                        Error::Io(e)
                    };
                    self.finish(Err(err));
                    return Next::remove();
                }
            }
        }
    }

    fn on_error(&mut self, err: Error) -> Next {
        self.finish(Err(err));
        Next::remove()
    }
}

pub(crate) fn wait(rx: &Receiver<Result<Outcome, Error>>) -> Result<Outcome, Error> {
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the request neither finished nor failed")
}

/// A scripted server: each accepted connection is handed to `script` on its own thread;
/// returns the address and the count of accepted connections.
pub(crate) fn scripted(
    script: impl Fn(usize, TcpStream) + Send + Sync + 'static,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&count);
    let script = Arc::new(script);
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(s) = s else { return };
            let n = c.fetch_add(1, Ordering::SeqCst);
            let script = Arc::clone(&script);
            std::thread::spawn(move || script(n, s));
        }
    });
    (addr, count)
}

/// Reads one request head (and a Content-Length body) from `s`; `None` at EOF.
pub(crate) fn read_request(s: &mut impl Read) -> Option<(String, Vec<u8>)> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(1) => head.push(b[0]),
            _ => return None,
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let len = text
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(|v| v.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    Some((text, body))
}
