//! The client half of the soak test (`bench/soak.py`): sequential `GET`s through
//! hypersync's pooled `Client` for SECS seconds with random pauses, against a server that
//! closes idle connections at random moments. Prints `requests=N failed=M`: every request
//! is idempotent, so none may fail.
//!
//! `soak-client URL SECS`

use std::io::Read;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("URL");
    let secs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(600);
    let client = hypersync::Client::new();
    let until = Instant::now() + Duration::from_secs(secs);
    let (mut requests, mut failed) = (0u64, 0u64);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut body = Vec::new();
    while Instant::now() < until {
        requests += 1;
        let ok = match client.get(url.as_str()).send() {
            Ok(mut res) => {
                body.clear();
                res.read_to_end(&mut body).is_ok() && res.status == hypersync::Ok
            }
            Err(e) => {
                eprintln!("request {requests} failed: {e}");
                false
            }
        };
        if !ok {
            failed += 1;
        }
        // xorshift: pauses of 0-80 ms, so some land on a connection the server is closing.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(seed % 81));
    }
    println!("requests={requests} failed={failed}");
}
