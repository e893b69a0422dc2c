//! cargo run --release -p examples --example hello -- --addr 127.0.0.1:3000
//!
//! Answers every request with `200 Hello, World!` (`text/plain`), after reading and
//! discarding any request body. The README's main example.

use examples::hello::Hello;
use hyper_server::Server;

mod args;

fn main() {
    let args = args::parse("hello", "", &[]);
    let at = format!("cannot listen on {}", args.addr);
    let server = args.or_exit(Server::http(args.addr), &at);
    let server = args.or_exit(
        server.threads(args.threads).handle(|_ctrl| Hello::new()),
        &at,
    );
    println!("Listening on http://{}", server.addr());
    args::serve_until_interrupted(&args, server);
}
