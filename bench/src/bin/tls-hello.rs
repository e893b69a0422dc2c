//! The `hello` handler over TLS for `bench/tls_cpu.py`, with session resumption off so that
//! every new connection costs a full handshake, as nginx's with `ssl_session_cache off` and
//! `ssl_session_tickets off` does (our `hello --tls` resumes sessions: rustls's default).
//!
//! `tls-hello ADDR CERT KEY`

use std::sync::Arc;

use examples::hello::Hello;
use hyper_server::tls::rustls::server::NoServerSessionStorage;
use hyper_server::tls::server_config_from_pem;
use hyper_server::Server;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, cert, key] = &args[..] else {
        eprintln!("usage: tls-hello ADDR CERT KEY");
        std::process::exit(2);
    };
    let read = |p: &str| std::fs::read(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    let config = server_config_from_pem(&read(cert), &read(key)).expect("certificate and key");
    let mut config = Arc::try_unwrap(config).unwrap_or_else(|c| (*c).clone());
    config.session_storage = Arc::new(NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    let server = Server::http(addr.as_str())
        .expect("listen")
        .handle_tls(Arc::new(config), |_| Hello::new())
        .expect("serve");
    server.wait().expect("serve");
}
