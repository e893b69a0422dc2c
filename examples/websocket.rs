//! cargo run --release -p examples --example websocket -- --addr 127.0.0.1:3000
//!
//! A WebSocket echo: `ws://127.0.0.1:3000/ws` upgrades (`101 Switching Protocols`), and
//! every message sent is sent back. The HTTP side is a hyper-server handler; after the 101
//! the handler gets the socket, with any bytes already read past the request
//! (`Handler::on_upgrade`). Try: `python3 -m websockets ws://127.0.0.1:3000/ws`.

use examples::websocket::Echo;
use hyper_server::Server;

mod args;

fn main() {
    let args = args::parse("websocket", "", &[]);
    let at = format!("cannot listen on {}", args.addr);
    let server = args.or_exit(Server::http(args.addr), &at);
    let server = args.or_exit(
        server.threads(args.threads).handle(|_ctrl| Echo::new()),
        &at,
    );
    println!("Listening on ws://{}/ws", server.addr());
    args::serve_until_interrupted(&args, server);
}
