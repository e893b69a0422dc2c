//! `conc-client PORT N CONCURRENCY MAX_CONNECTIONS`: N `GET /` through one hyper-client
//! `Client` limited to MAX_CONNECTIONS connections, CONCURRENCY requests in flight at any
//! time (each finished request starts the next one from its handler, on the client loop).
//! Prints `rps=<requests per second>`.

use std::io::{ErrorKind, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;
use std::time::Instant;

use hyper_client::{
    Client, Decoder, Encoder, Error, Handler, MaybeTls, Next, Request, Response, Url,
};

struct Get {
    client: Client<Get>,
    url: Url,
    started: Arc<AtomicUsize>,
    /// Requests finished; the last one tells the main thread (one message per run, so the
    /// measurement is the client loop's work, as in the single-threaded peers).
    finished: Arc<AtomicUsize>,
    total: usize,
    done: Sender<Result<(), String>>,
    status: u16,
    len: usize,
}

impl Get {
    fn spawn_next(&self) {
        if self.started.fetch_add(1, Ordering::Relaxed) < self.total {
            let next = Self {
                client: self.client.clone(),
                url: self.url.clone(),
                started: Arc::clone(&self.started),
                finished: Arc::clone(&self.finished),
                total: self.total,
                done: self.done.clone(),
                status: 0,
                len: 0,
            };
            let _ = self.client.request(&self.url, next);
        }
    }
}

impl Handler<MaybeTls> for Get {
    fn on_request(&mut self, _: &mut Request) -> Next {
        Next::read()
    }
    fn on_request_writable(&mut self, _: &mut Encoder<'_, '_, MaybeTls>) -> Next {
        Next::read()
    }
    fn on_response(&mut self, res: Response<'_>) -> Next {
        self.status = res.status().as_u16();
        Next::read()
    }
    fn on_response_readable(&mut self, dec: &mut Decoder<'_, '_, MaybeTls>) -> Next {
        let mut buf = [0u8; 4096];
        loop {
            match dec.read(&mut buf) {
                Ok(0) => {
                    if self.status != 200 || self.len != 13 {
                        let _ = self.done.send(Err(format!("status {}", self.status)));
                    } else if self.finished.fetch_add(1, Ordering::Relaxed) + 1 == self.total {
                        let _ = self.done.send(Ok(()));
                    }
                    self.spawn_next();
                    return Next::end();
                }
                Ok(n) => self.len += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::read(),
                Err(e) => {
                    let _ = self.done.send(Err(e.to_string()));
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
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|a| a.parse().ok()).expect("PORT");
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let conc: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let conns: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let client: Client<Get> = Client::builder()
        .max_connections(conns)
        .max_idle_per_host(conns)
        .build()
        .expect("client");
    let (tx, rx) = channel();
    let started = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    for _ in 0..conc.min(n) {
        started.fetch_add(1, Ordering::Relaxed);
        let h = Get {
            client: client.clone(),
            url: url.clone(),
            started: Arc::clone(&started),
            finished: Arc::clone(&finished),
            total: n,
            done: tx.clone(),
            status: 0,
            len: 0,
        };
        client.request(&url, h).expect("request");
    }
    if let Err(e) = rx.recv().expect("answer") {
        panic!("request failed: {e}");
    }
    let secs = t0.elapsed().as_secs_f64();
    println!("hyper-next-client concurrency={conc} connections={conns} requests={n} secs={secs:.3} rps={:.0}", n as f64 / secs);
    client.close();
}
