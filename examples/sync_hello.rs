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

mod args;

fn main() {
    let args = args::parse("sync_hello", "", &["--keep-alive"]);
    let threads = if args.threads_set { args.threads } else { 8 };
    let at = format!("cannot listen on {}", args.addr);
    let mut server = args.or_exit(Server::http(args.addr), &at);
    if let Some(secs) = args.flag("--keep-alive") {
        let secs: u64 = args.or_exit(secs.parse(), "--keep-alive wants a number of seconds");
        server.keep_alive(Some(std::time::Duration::from_secs(secs)));
    }
    let listening = args.or_exit(server.handle_threads(hello, threads), &at);
    println!(
        "Listening on http://{} ({threads} worker threads)",
        listening.socket
    );
    // Dropping `listening` blocks until the server stops, as in hyper 0.10.
}
