//! cargo run --release -p examples --example tokio_server -- --addr 127.0.0.1:3000 [--threads N]
//!
//! The `echo` service on hyper-proto alone, driven by tokio over `tokio::net::TcpStream`:
//! no mio loop of ours, no hyper-net. `--threads 1` (the default) runs tokio's
//! current-thread runtime; `--threads N` its multi-thread runtime with N workers.
//! `GET /` answers a short text, `POST /echo` sends the body back. The driver is
//! `examples/src/tokio_server.rs`, the HTTP side `examples/src/proto_echo.rs`;
//! hyper-proto's `driving` docs explain the loop. Ctrl-C (or SIGTERM) shuts it down
//! gracefully: no new connections, idle ones closed, requests in flight answered (for up to
//! 10 s), then it exits.

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
    let (tx, rx) = tokio::sync::oneshot::channel();
    // Without a signal handler, `tx` is dropped unsent: serve until the process is killed.
    args::on_interrupt(move || {
        let _ = tx.send(());
    });
    let stop = async {
        if rx.await.is_err() {
            std::future::pending::<()>().await;
        }
        args::announce_shutdown(&args);
        args::GRACE
    };
    let cut = rt.block_on(examples::tokio_server::serve(
        listener,
        Config::default(),
        stop,
    ));
    if cut > 0 {
        eprintln!("tokio_server: {cut} connections still busy were cut");
    }
}
