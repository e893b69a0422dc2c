//! cargo run --release -p examples --example tokio_server -- --addr 127.0.0.1:3000 [--threads N]
//!
//! The `echo` service on hyper-proto alone, driven by tokio over `tokio::net::TcpStream`:
//! no mio loop of ours, no hyper-net. `--threads 1` (the default) runs tokio's
//! current-thread runtime; `--threads N` its multi-thread runtime with N workers.
//! `GET /` answers a short text, `POST /echo` sends the body back. The driver is
//! `examples/src/tokio_server.rs`, the HTTP side `examples/src/proto_echo.rs`;
//! hyper-proto's `driving` docs explain the loop. Ctrl-C stops it (no graceful drain).

use hyper_proto::Config;

mod args;

fn main() {
    let args = args::parse("tokio_server", "", &[]);
    let rt = args.or_exit(
        examples::tokio_server::runtime(args.threads),
        "cannot start the tokio runtime",
    );
    let at = format!("cannot listen on {}", args.addr);
    let listener = args.or_exit(rt.block_on(tokio::net::TcpListener::bind(args.addr)), &at);
    let addr = args.or_exit(listener.local_addr(), &at);
    println!("Listening on http://{addr}");
    rt.block_on(examples::tokio_server::serve(listener, Config::default()));
}
