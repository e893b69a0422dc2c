//! cargo run --release -p examples --example proxy -- --addr 127.0.0.1:3000 http://127.0.0.1:8080
//!
//! Forwards every request to the upstream given as argument through a `Client`, streaming
//! bodies both ways; the server handler waits on `Next::wait()` and is woken by the client
//! side through its `Control`.
//!
//! `--connect HOST:PORT` (repeatable) also tunnels `CONNECT HOST:PORT` to that target, so
//! `curl -p -x http://127.0.0.1:3000 https://HOST:PORT/` works through the proxy; any other
//! target gets 403 (an open CONNECT proxy is an open relay).

use std::sync::Arc;

use examples::proxy::{Proxy, Upstream};
use hyper_client::Client;
use hyper_server::Server;

mod args;

fn main() {
    let args = args::parse("proxy", "http://UPSTREAM:PORT", &["--connect HOST:PORT"]);
    let tunnels: Arc<[String]> = args
        .flag_values("--connect")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let Some(upstream) = args.rest.first() else {
        eprintln!("proxy: which upstream?\nusage: proxy [--addr HOST:PORT] [--threads N] http://UPSTREAM:PORT");
        std::process::exit(2);
    };
    let upstream: Arc<str> = upstream.trim_end_matches('/').into();
    let client: Client<Upstream> =
        args.or_exit(Client::builder().build(), "cannot start the client");
    let at = format!("cannot listen on {}", args.addr);
    let server = args.or_exit(Server::http(args.addr), &at);
    let server = args.or_exit(
        server.threads(args.threads).handle(move |ctrl| {
            Proxy::new(client.clone(), Arc::clone(&upstream), ctrl)
                .allow_connect(Arc::clone(&tunnels))
        }),
        &at,
    );
    println!(
        "Listening on http://{} forwarding to {}",
        server.addr(),
        args.rest[0]
    );
    args::serve_until_interrupted(&args, server);
}
