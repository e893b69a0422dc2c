//! `seq-client PORT N WARMUP`: WARMUP then N sequential `GET /` on one keep-alive connection
//! through hyper-client, each response checked (200 and the whole body), then prints
//! `rps=<requests per second>` for the timed part, and the allocations per request made
//! by the whole process (client loop thread included) during it.

use std::sync::atomic::Ordering;

use hyper_next_bench::{Counting, ALLOCS};

#[global_allocator]
static GLOBAL: Counting = Counting;

use std::io::{ErrorKind, Read};
use std::sync::mpsc::{channel, Sender};
use std::time::Instant;

use hyper_client::{
    Client, Decoder, Encoder, Error, Handler, MaybeTls, Next, Request, Response, Url,
};

/// One GET; on success it starts the next one itself, on the client's loop thread, until
/// `left` runs out. That keeps the whole sequence on one thread, as the single-threaded
/// peer clients are (the caller's thread only waits for the end).
struct Get {
    client: Client<Get>,
    /// Parsed once; each request shares its text.
    url: Url,
    left: usize,
    done: Sender<Result<(), String>>,
    status: u16,
    len: usize,
}

impl Get {
    fn next(&self) -> Self {
        Self {
            client: self.client.clone(),
            url: self.url.clone(),
            left: self.left - 1,
            done: self.done.clone(),
            status: 0,
            len: 0,
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
                        let _ = self
                            .done
                            .send(Err(format!("status {} body {}", self.status, self.len)));
                    } else if self.left <= 1 {
                        let _ = self.done.send(Ok(()));
                    } else if self.client.request(&self.url, self.next()).is_err() {
                        let _ = self.done.send(Err("client closed".into()));
                    }
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
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let warmup: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let client: Client<Get> = Client::new().expect("client");
    let (tx, rx) = channel();
    let run = |count: usize| {
        let first = Get {
            client: client.clone(),
            url: url.clone(),
            left: count,
            done: tx.clone(),
            status: 0,
            len: 0,
        };
        client.request(&url, first).expect("request");
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
