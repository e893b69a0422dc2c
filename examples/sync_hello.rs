//! `Hello, World!` from a hyper 0.10-style blocking handler on hypersync.
//!
//! ```text
//! cargo run --release -p examples --example sync_hello -- --addr 127.0.0.1:3000 --threads 8
//! ```
//!
//! The handler reads any request body to its end, then answers `Hello, World!`.
//! `--threads` is the number of worker threads (8 by default); `--keep-alive SECS` how
//! long an idle connection is kept (5 s by default, as in hyper 0.10).

extern crate hypersync as hyper;

use examples::sync::hello;
use hyper::server::Server;

#[allow(dead_code)]
mod args;

fn main() {
    let args = args::parse();
    let threads = if args.threads_set { args.threads } else { 8 };
    let mut server = Server::http(args.addr).expect("bind");
    if let Some(at) = args.rest.iter().position(|a| a == "--keep-alive") {
        let secs: u64 = args
            .rest
            .get(at + 1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                eprintln!("--keep-alive wants a number of seconds");
                std::process::exit(2)
            });
        server.keep_alive(Some(std::time::Duration::from_secs(secs)));
    } else if let Some(bad) = args.rest.first() {
        eprintln!("sync_hello: unknown argument {bad:?}; usage: --addr HOST:PORT --threads N --keep-alive SECS");
        std::process::exit(2);
    }
    let listening = server.handle_threads(hello, threads).expect("start");
    println!(
        "Listening on http://{} ({threads} worker threads)",
        listening.socket
    );
    // Dropping `listening` blocks until the server stops, as in hyper 0.10.
}
