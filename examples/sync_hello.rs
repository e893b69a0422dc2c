//! `Hello, World!` from a hyper 0.10-style blocking handler on hypersync.
//!
//! ```text
//! cargo run --release -p examples --example sync_hello -- --addr 127.0.0.1:3000 --threads 8
//! ```
//!
//! The handler reads any request body to its end, then answers `Hello, World!`.
//! `--threads` is the number of worker threads (8 by default); `--keep-alive SECS` how
//! long an idle connection is kept (5 s by default, as in hyper 0.10).
//!
//! `--tls CERT KEY` serves HTTPS instead (`Server::https`), with a PEM certificate chain
//! and its key: `curl --cacert CERT https://localhost:3000/`.

extern crate hypersync as hyper;

use examples::sync::hello;
use hyper::net::TlsServer;
use hyper::server::Server;

mod args;

fn main() {
    let args = args::parse("sync_hello", "", &["--keep-alive SECS", "--tls CERT KEY"]);
    let at = format!("cannot listen on {}", args.addr);
    match args.flag_values("--tls")[..] {
        [cert, key] => {
            let what = format!("{cert} and {key} are not a usable certificate and key");
            let ssl = args.or_exit(TlsServer::from_pem_files(cert, key), what);
            serve(
                &args,
                args.or_exit(Server::https(args.addr, ssl), &at),
                "https",
            );
        }
        _ => serve(&args, args.or_exit(Server::http(args.addr), &at), "http"),
    }
}

fn serve<L: hyper::net::NetworkListener + Send + 'static>(
    args: &args::Args,
    mut server: Server<L>,
    scheme: &str,
) {
    let threads = if args.threads_set { args.threads } else { 8 };
    if let Some(secs) = args.flag("--keep-alive") {
        let secs: u64 = args.or_exit(secs.parse(), "--keep-alive wants a number of seconds");
        server.keep_alive(Some(std::time::Duration::from_secs(secs)));
    }
    let at = format!("cannot listen on {}", args.addr);
    let listening = args.or_exit(server.handle_threads(hello, threads), &at);
    println!(
        "Listening on {scheme}://{} ({threads} worker threads)",
        listening.socket
    );
    // Ctrl-C or SIGTERM: `Listening::shutdown`, a graceful stop (0.10 had none).
    args::sync_until_interrupted(args, listening);
}
