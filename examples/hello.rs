//! cargo run --release -p examples --example hello -- --addr 127.0.0.1:3000
//!
//! Answers every request with `200 Hello, World!` (`text/plain`), after reading and
//! discarding any request body. The README's main example.

use examples::hello::Hello;
use hyper_server::Server;

mod args;

fn main() -> std::io::Result<()> {
    let args = args::parse();
    let server = Server::http(args.addr)?
        .threads(args.threads)
        .handle(|_ctrl| Hello::new())?;
    println!("Listening on http://{}", server.addr());
    server.wait()
}
