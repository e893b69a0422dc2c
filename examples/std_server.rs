//! cargo run --release -p examples --example std_server -- --addr 127.0.0.1:3000
//!
//! The `echo` service on hyper-proto alone over blocking `std::net`, a thread per
//! connection: no mio, no hyper-net. `GET /` answers a short text, `POST /echo` sends the
//! body back. The driver is `examples/src/std_server.rs`, the HTTP side
//! `examples/src/proto_echo.rs`; hyper-proto's `driving` docs explain the loop.
//! Ctrl-C (or SIGTERM) shuts it down gracefully: no new connections, idle ones closed,
//! requests in flight answered (for up to 10 s), then it exits.

use hyper_proto::Config;

mod args;

fn main() {
    let args = args::parse("std_server", "", &[]);
    let at = format!("cannot listen on {}", args.addr);
    let server = args.or_exit(
        examples::std_server::spawn(args.addr, Config::default()),
        &at,
    );
    println!("Listening on http://{}", server.addr());
    if !args::wait_for_interrupt(&args) {
        // No signal handler: serve until the process is killed.
        loop {
            std::thread::park();
        }
    }
    let cut = server.shutdown(args::GRACE);
    if cut > 0 {
        eprintln!("std_server: {cut} connections still busy were cut");
    }
}
