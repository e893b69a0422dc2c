//! cargo run --release -p examples --example hello -- --addr 127.0.0.1:3000
//!
//! Answers every request with `200 Hello, World!` (`text/plain`), after reading and
//! discarding any request body. The README's main example.
//!
//! `--tls CERT KEY` serves HTTPS instead, with a PEM certificate chain and its key:
//! `curl --cacert CERT https://localhost:3000/`.

use examples::hello::Hello;
use hyper_server::tls::server_config_from_pem;
use hyper_server::Server;

mod args;

fn main() {
    let args = args::parse("hello", "", &["--tls CERT KEY"]);
    let at = format!("cannot listen on {}", args.addr);
    let server = args.or_exit(Server::http(args.addr), &at);
    let server = server.threads(args.threads);
    let (server, scheme) = match args.flag_values("--tls")[..] {
        [cert, key] => {
            let read = |path: &str| {
                let what = format!("cannot read {path}");
                args.or_exit(std::fs::read(path), what)
            };
            let config = args.or_exit(
                server_config_from_pem(&read(cert), &read(key)),
                format!("{cert} and {key} are not a usable certificate and key"),
            );
            let tls = server.handle_tls(config, |_ctrl| Hello::new());
            (args.or_exit(tls, &at), "https")
        }
        _ => (
            args.or_exit(server.handle(|_ctrl| Hello::new()), &at),
            "http",
        ),
    };
    println!("Listening on {scheme}://{}", server.addr());
    args::serve_until_interrupted(&args, server);
}
