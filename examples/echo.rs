//! cargo run --release -p examples --example echo -- --addr 127.0.0.1:3000
//!
//! `GET /` and `HEAD /` answer a short text; `POST /echo` streams the request body back as
//! it arrives (chunked when the request was chunked, sized otherwise), with back-pressure.
//! Try: `curl --data-binary @bigfile http://127.0.0.1:3000/echo | sha256sum`
//!
//! Echoing while reading needs a client that sends and receives at once, as curl and our
//! `proxy` example do. A proxy that stops forwarding the request body once the response
//! has started (nginx 1.22 does, buffered or not) stalls on bodies larger than its and the
//! sockets' buffers (about 1 MB through nginx here), until its `proxy_read_timeout`.

use examples::echo::Echo;
use hyper_server::Server;

mod args;

fn main() {
    let args = args::parse("echo", "", &[]);
    let at = format!("cannot listen on {}", args.addr);
    let server = args.or_exit(Server::http(args.addr), &at);
    let server = args.or_exit(
        server.threads(args.threads).handle(|_ctrl| Echo::new()),
        &at,
    );
    println!("Listening on http://{}", server.addr());
    args::serve_until_interrupted(&args, server);
}
