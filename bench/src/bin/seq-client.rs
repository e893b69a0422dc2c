//! `seq-client PORT N WARMUP`: WARMUP then N sequential `GET /` on one keep-alive connection
//! through hyper-client, each response checked (200 and the whole body), then prints
//! `rps=<requests per second>` for the timed part, and the allocations per request made
//! by the whole process (client loop thread included) during it.

use std::sync::atomic::Ordering;

use hyper_next_bench::{Counting, ALLOCS};

#[global_allocator]
static GLOBAL: Counting = Counting;

use std::sync::mpsc::{channel, Sender};
use std::time::Instant;

use hyper_client::{Client, Url};
use hyper_next_bench::{Get, Then};

/// One GET's continuation: on success it starts the next one itself, on the client's loop
/// thread, until `left` runs out. That keeps the whole sequence on one thread, as the
/// single-threaded peer clients are (the caller's thread only waits for the end).
struct Seq {
    client: Client<Get<Seq>>,
    /// Parsed once; each request shares its text.
    url: Url,
    left: usize,
    done: Sender<Result<(), String>>,
}

impl Then for Seq {
    fn then(self, outcome: Result<(u16, usize), String>) {
        match outcome {
            Ok((200, 13)) if self.left <= 1 => {
                let _ = self.done.send(Ok(()));
            }
            Ok((200, 13)) => {
                let client = self.client.clone();
                let url = self.url.clone();
                let next = Seq {
                    left: self.left - 1,
                    ..self
                };
                let done = next.done.clone();
                if client.request(url, Get::new(next)).is_err() {
                    let _ = done.send(Err("client closed".into()));
                }
            }
            Ok((status, len)) => {
                let _ = self.done.send(Err(format!("status {status} body {len}")));
            }
            Err(e) => {
                let _ = self.done.send(Err(e));
            }
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|a| a.parse().ok()).expect("PORT");
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let warmup: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let client: Client<Get<Seq>> = Client::new().expect("client");
    let (tx, rx) = channel();
    let run = |count: usize| {
        let first = Seq {
            client: client.clone(),
            url: url.clone(),
            left: count,
            done: tx.clone(),
        };
        client.request(&url, Get::new(first)).expect("request");
        if let Err(e) = rx.recv().expect("answer") {
            panic!("request failed: {e}");
        }
    };
    run(warmup.max(1));
    let a0 = ALLOCS.load(Ordering::Relaxed);
    let t0 = Instant::now();
    run(n);
    let secs = t0.elapsed().as_secs_f64();
    let allocs = ALLOCS.load(Ordering::Relaxed) - a0;
    println!(
        "hyper-next-client requests={n} secs={secs:.3} rps={:.0} allocs_per_request={:.2}",
        n as f64 / secs,
        allocs as f64 / n as f64
    );
    client.close();
}
