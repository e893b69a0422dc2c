//! Shared by the examples: `--addr HOST:PORT` (default `127.0.0.1:3000`) and `--threads N`.

use std::net::SocketAddr;

/// Command-line options common to the server examples.
#[derive(Debug)]
pub(crate) struct Args {
    /// Where to listen.
    pub(crate) addr: SocketAddr,
    /// Event loops (threads), or worker threads for the hypersync examples.
    pub(crate) threads: usize,
    /// Whether `--threads` was given.
    pub(crate) threads_set: bool,
    /// Positional arguments left over.
    pub(crate) rest: Vec<String>,
}

/// Parses `--addr` and `--threads`; exits with a message on anything malformed.
pub(crate) fn parse() -> Args {
    let mut args = Args {
        addr: "127.0.0.1:3000".parse().expect("default address"),
        threads: 1,
        threads_set: false,
        rest: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--addr" => {
                let v = it.next().unwrap_or_default();
                args.addr = v.parse().unwrap_or_else(|_| {
                    eprintln!("--addr wants HOST:PORT, got {v:?}");
                    std::process::exit(2)
                });
            }
            "--threads" => {
                let v = it.next().unwrap_or_default();
                args.threads = v.parse().unwrap_or_else(|_| {
                    eprintln!("--threads wants a number, got {v:?}");
                    std::process::exit(2)
                });
                args.threads_set = true;
            }
            "-h" | "--help" => {
                eprintln!("options: --addr HOST:PORT (default 127.0.0.1:3000) --threads N");
                std::process::exit(0);
            }
            _ => args.rest.push(a),
        }
    }
    args
}
