//! Echo on hypersync, written as a hyper 0.10 program would be (the handler is
//! `examples::sync::echo`).
//!
//! ```text
//! cargo run --release -p examples --example sync_echo -- --addr 127.0.0.1:3000 --threads 8
//! ```
//!
//! `POST /echo` streams the request body back as it arrives, any size, in bounded memory;
//! `GET /` answers a short text; anything else is a 404.

extern crate hypersync as hyper;

use examples::sync::echo;
use hyper::server::Server;

#[allow(dead_code)]
mod args;

fn main() {
    let args = args::parse();
    let threads = if args.threads_set { args.threads } else { 8 };
    let listening = Server::http(args.addr)
        .expect("bind")
        .handle_threads(echo, threads)
        .expect("start");
    println!(
        "Listening on http://{} ({threads} worker threads)",
        listening.socket
    );
}
