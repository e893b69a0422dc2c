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

mod args;

fn main() {
    let args = args::parse("sync_echo", "", &[]);
    let threads = if args.threads_set { args.threads } else { 8 };
    let at = format!("cannot listen on {}", args.addr);
    let server = args.or_exit(Server::http(args.addr), &at);
    let listening = args.or_exit(server.handle_threads(echo, threads), &at);
    println!(
        "Listening on http://{} ({threads} worker threads)",
        listening.socket
    );
    // Ctrl-C or SIGTERM: `Listening::shutdown`, a graceful stop (0.10 had none).
    args::sync_until_interrupted(&args, listening);
}
