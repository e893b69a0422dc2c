//! A blocking GET with hypersync's client, written as a hyper 0.10 program would be.
//!
//! ```text
//! cargo run --release -p examples --example sync_client -- http://127.0.0.1:3000/
//! ```
//!
//! Prints the status and headers to stderr and the body to stdout.

extern crate hypersync as hyper;

use std::io;

use hyper::Client;

fn main() {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: sync_client URL");
        std::process::exit(2);
    };
    let client = Client::new();
    let mut res = match client.get(&*url).send() {
        Ok(res) => res,
        Err(e) => {
            eprintln!("sync_client: {e}");
            std::process::exit(1);
        }
    };
    eprintln!("Response: {}", res.status);
    eprint!("{}", res.headers);
    if let Err(e) = io::copy(&mut res, &mut io::stdout()) {
        eprintln!("sync_client: reading the body: {e}");
        std::process::exit(1);
    }
}
