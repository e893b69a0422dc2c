//! A blocking GET with hypersync's client, written as a hyper 0.10 program would be.
//!
//! ```text
//! cargo run --release -p examples --example sync_client -- http://127.0.0.1:3000/
//! cargo run --release -p examples --example sync_client -- --cacert cert.pem https://localhost:3443/
//! ```
//!
//! Prints the status and headers to stderr and the body to stdout. `https://` URLs are
//! checked against Mozilla's roots; `--cacert FILE` trusts the PEM certificates in FILE too
//! (curl's flag), for a private CA or a self-signed server.

extern crate hypersync as hyper;

use std::io;

use hyper::Client;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cacert, url) = match &args[..] {
        [url] if !url.starts_with('-') => (None, url),
        [flag, file, url] if flag == "--cacert" => (Some(file), url),
        _ => {
            eprintln!("usage: sync_client [--cacert FILE] URL");
            std::process::exit(2);
        }
    };
    let mut client = Client::new();
    if let Some(file) = cacert {
        let pem = std::fs::read(file).unwrap_or_else(|e| {
            eprintln!("sync_client: cannot read {file}: {e}");
            std::process::exit(1);
        });
        match hyper::client::tls_config_with_extra_roots(&pem) {
            Ok(config) => client.set_tls_config(config),
            Err(e) => {
                eprintln!("sync_client: {file}: {e}");
                std::process::exit(1);
            }
        }
    }
    let mut res = match client.get(url.as_str()).send() {
        Ok(res) => res,
        Err(e) => {
            eprintln!("sync_client: {e}");
            std::process::exit(1);
        }
    };
    eprintln!("Response: {}", res.status);
    eprint!("{}", res.headers);
    if let Err(e) = io::copy(&mut res, &mut io::stdout()) {
        eprintln!("sync_client: reading the body: {e}");
        std::process::exit(1);
    }
}
