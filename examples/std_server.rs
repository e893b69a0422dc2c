//! cargo run --release -p examples --example std_server -- --addr 127.0.0.1:3000
//!
//! The `echo` service on hyper-proto alone over blocking `std::net`, a thread per
//! connection: no mio, no hyper-net. `GET /` answers a short text, `POST /echo` sends the
//! body back. The driver is `examples/src/std_server.rs`, the HTTP side
//! `examples/src/proto_echo.rs`; hyper-proto's `driving` docs explain the loop.
//! Ctrl-C stops it (no graceful drain: this driver is kept minimal).

use hyper_proto::Config;
use std::sync::atomic::AtomicBool;

mod args;

fn main() {
    let args = args::parse("std_server", "", &[]);
    let at = format!("cannot listen on {}", args.addr);
    let listener = args.or_exit(std::net::TcpListener::bind(args.addr), &at);
    let addr = args.or_exit(listener.local_addr(), &at);
    println!("Listening on http://{addr}");
    examples::std_server::serve(&listener, Config::default(), &AtomicBool::new(false));
}
