//! `conc-client PORT N CONCURRENCY MAX_CONNECTIONS`: N `GET /` through one hyper-client
//! `Client` limited to MAX_CONNECTIONS connections, CONCURRENCY requests in flight at any
//! time (each finished request starts the next one from its handler, on the client loop).
//! Prints `rps=<requests per second>`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;
use std::time::Instant;

use hyper_client::{Client, Url};
use hyper_next_bench::{Get, Then};

/// One GET's continuation: counts it, and starts the next request while any are left.
struct Conc {
    client: Client<Get<Conc>>,
    url: Url,
    started: Arc<AtomicUsize>,
    /// Requests finished; the last one tells the main thread (one message per run, so the
    /// measurement is the client loop's work, as in the single-threaded peers).
    finished: Arc<AtomicUsize>,
    total: usize,
    done: Sender<Result<(), String>>,
}

impl Then for Conc {
    fn then(self, outcome: Result<(u16, usize), String>) {
        match outcome {
            Ok((200, 13)) => {
                if self.finished.fetch_add(1, Ordering::Relaxed) + 1 == self.total {
                    let _ = self.done.send(Ok(()));
                }
            }
            Ok((status, _)) => {
                let _ = self.done.send(Err(format!("status {status}")));
            }
            Err(e) => {
                let _ = self.done.send(Err(e));
                return;
            }
        }
        if self.started.fetch_add(1, Ordering::Relaxed) < self.total {
            let (client, url) = (self.client.clone(), self.url.clone());
            let _ = client.request(url, Get::new(self));
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|a| a.parse().ok()).expect("PORT");
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let conc: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let conns: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let client: Client<Get<Conc>> = Client::builder()
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
        let h = Conc {
            client: client.clone(),
            url: url.clone(),
            started: Arc::clone(&started),
            finished: Arc::clone(&finished),
            total: n,
            done: tx.clone(),
        };
        client.request(&url, Get::new(h)).expect("request");
    }
    if let Err(e) = rx.recv().expect("answer") {
        panic!("request failed: {e}");
    }
    let secs = t0.elapsed().as_secs_f64();
    println!("hyper-next-client concurrency={conc} connections={conns} requests={n} secs={secs:.3} rps={:.0}", n as f64 / secs);
    client.close();
}
