//! cargo run --release -p examples --example echo -- --addr 127.0.0.1:3000
//!
//! `GET /` and `HEAD /` answer a short text; `POST /echo` streams the request body back as
//! it arrives (chunked when the request was chunked, sized otherwise), with back-pressure.
//! Try: `curl --data-binary @bigfile http://127.0.0.1:3000/echo | sha256sum`

use examples::echo::Echo;
use hyper_server::Server;

mod args;

fn main() -> std::io::Result<()> {
    let args = args::parse();
    let server = Server::http(args.addr)?
        .threads(args.threads)
        .handle(|_ctrl| Echo::new())?;
    println!("Listening on http://{}", server.addr());
    server.wait()
}
