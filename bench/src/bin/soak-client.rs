//! The client half of the soak test (`bench/soak.py`): sequential `GET`s for SECS seconds
//! with random pauses, against a server that closes idle connections at random moments,
//! through both of our clients at once: hypersync's pooled `Client` (on this thread) and
//! hyper-client's (on its event loop, a request at a time from a second thread). Every
//! request is idempotent, so none may fail. Prints each client's counts, then the totals
//! as `requests=N failed=M`.
//!
//! `soak-client URL SECS`

use std::io::Read;
use std::sync::mpsc::{channel, Sender};
use std::time::{Duration, Instant};

use hyper_next_bench::{Get, Then};

/// Pauses of 0-80 ms (xorshift), so some requests land on a connection the server is
/// closing.
struct Pauses(u64);

impl Pauses {
    fn next(&mut self) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(self.0 % 81)
    }
}

/// Where a hyper-client `GET` reports: success is a 200 read to its end.
struct Report(Sender<Result<(), String>>);

impl Then for Report {
    fn then(self, outcome: Result<(u16, usize), String>) {
        let _ = self.0.send(match outcome {
            Ok((200, _)) => Ok(()),
            Ok((status, _)) => Err(format!("status {status}")),
            Err(e) => Err(e),
        });
    }
}

/// hyper-client's run: (requests, failed).
fn hyper_client_run(url: &str, until: Instant) -> (u64, u64) {
    let client: hyper_client::Client<Get<Report>> =
        hyper_client::Client::new().expect("client starts");
    let (mut requests, mut failed) = (0u64, 0u64);
    let mut pauses = Pauses(0x2545_f491_4f6c_dd1d);
    while Instant::now() < until {
        requests += 1;
        let (tx, rx) = channel();
        let outcome = client
            .request(url, Get::new(Report(tx)))
            .map_err(|e| e.to_string())
            .and_then(|()| {
                rx.recv_timeout(Duration::from_secs(30))
                    .map_err(|_| "no answer in 30 s".to_owned())?
            });
        if let Err(e) = outcome {
            eprintln!("hyper-client request {requests} failed: {e}");
            failed += 1;
        }
        std::thread::sleep(pauses.next());
    }
    (requests, failed)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("URL");
    let secs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(600);
    let until = Instant::now() + Duration::from_secs(secs);
    let other = {
        let url = url.clone();
        std::thread::spawn(move || hyper_client_run(&url, until))
    };
    let client = hypersync::Client::new();
    let (mut requests, mut failed) = (0u64, 0u64);
    let mut pauses = Pauses(0x9e37_79b9_7f4a_7c15);
    let mut body = Vec::new();
    while Instant::now() < until {
        requests += 1;
        let ok = match client.get(url.as_str()).send() {
            Ok(mut res) => {
                body.clear();
                res.read_to_end(&mut body).is_ok() && res.status == hypersync::Ok
            }
            Err(e) => {
                eprintln!("hypersync request {requests} failed: {e}");
                false
            }
        };
        if !ok {
            failed += 1;
        }
        std::thread::sleep(pauses.next());
    }
    let (hc_requests, hc_failed) = other.join().expect("the hyper-client thread");
    println!(
        "hypersync: requests={requests} failed={failed}; hyper-client: requests={hc_requests} \
         failed={hc_failed}; requests={} failed={}",
        requests + hc_requests,
        failed + hc_failed
    );
}
