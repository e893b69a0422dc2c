//! Shared by the examples: `--addr HOST:PORT` (default `127.0.0.1:3000`; a host name such
//! as `localhost:3000` is resolved), `--threads N`, `--help`, the example's own flags and
//! positional arguments; anything else is an error with a usage line. Logging goes to
//! stderr as `RUST_LOG` says (`debug`: every connection and exchange; `warn`: failures).

use std::fmt::Display;
use std::net::{SocketAddr, ToSocketAddrs};

/// Command-line options common to the server examples.
#[derive(Debug)]
pub(crate) struct Args {
    /// Where to listen.
    pub(crate) addr: SocketAddr,
    /// Event loops (threads), or worker threads for the hypersync examples.
    pub(crate) threads: usize,
    /// Whether `--threads` was given.
    pub(crate) threads_set: bool,
    /// Positional arguments.
    pub(crate) rest: Vec<String>,
    /// The example's own flags that were given, with their values.
    pub(crate) extra: Vec<(String, String)>,
    name: &'static str,
}

impl Args {
    /// The (first) value of the example's own flag `name` (`"--keep-alive"`), if given.
    #[allow(dead_code, reason = "only the examples with flags of their own use it")]
    pub(crate) fn flag(&self, name: &str) -> Option<&str> {
        self.flag_values(name).into_iter().next()
    }

    /// All values of the example's own flag `name` (`"--tls"`: the certificate and the
    /// key), empty if not given.
    #[allow(dead_code, reason = "only the examples with flags of their own use it")]
    pub(crate) fn flag_values(&self, name: &str) -> Vec<&str> {
        self.extra
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The value of `r`, or a one-line message naming `what` failed and exit status 1.
    pub(crate) fn or_exit<T, E: Display>(&self, r: Result<T, E>, what: impl Display) -> T {
        r.unwrap_or_else(|e| {
            eprintln!("{}: {what}: {e}", self.name);
            std::process::exit(1)
        })
    }
}

/// Parses the command line of example `name`, whose positional arguments are described by
/// `positional` (for the usage line) and whose own flags are `flags`: a name, then the names
/// of its values (`"--tls CERT KEY"`; a bare `"--keep-alive"` takes one value). Exits with
/// status 2 and a usage line on anything malformed or unknown, 0 after `--help`.
pub(crate) fn parse(name: &'static str, positional: &str, flags: &[&str]) -> Args {
    // `RUST_LOG=debug` shows every connection and exchange, `warn` the failures.
    env_logger::init();
    let mut usage = format!("usage: {name} [--addr HOST:PORT] [--threads N]");
    // (name, how many values)
    let specs: Vec<(&str, usize)> = flags
        .iter()
        .map(|f| {
            let mut words = f.split_whitespace();
            let name = words.next().unwrap_or_default();
            (name, words.count().max(1))
        })
        .collect();
    for f in flags {
        if f.contains(' ') {
            usage.push_str(&format!(" [{f}]"));
        } else {
            usage.push_str(&format!(" [{f} VALUE]"));
        }
    }
    if !positional.is_empty() {
        usage.push(' ');
        usage.push_str(positional);
    }
    let die = |msg: String| -> ! {
        eprintln!("{name}: {msg}\n{usage}");
        std::process::exit(2)
    };
    let mut args = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
        threads: 1,
        threads_set: false,
        rest: Vec::new(),
        extra: Vec::new(),
        name,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--addr" => {
                let v = it.next().unwrap_or_default();
                args.addr = match v.to_socket_addrs().map(|mut a| a.next()) {
                    Ok(Some(addr)) => addr,
                    Ok(None) => die(format!("--addr {v:?} resolves to no address")),
                    Err(e) => die(format!(
                        "--addr wants HOST:PORT, and {v:?} is not one ({e})"
                    )),
                };
            }
            "--threads" => {
                let v = it.next().unwrap_or_default();
                args.threads = match v.parse() {
                    Ok(n) if n > 0 => n,
                    _ => die(format!("--threads wants a positive number, not {v:?}")),
                };
                args.threads_set = true;
            }
            "-h" | "--help" => {
                println!("{usage}");
                std::process::exit(0);
            }
            f if specs.iter().any(|(n, _)| *n == f) => {
                let want = specs.iter().find(|(n, _)| *n == f).map_or(1, |(_, k)| *k);
                for _ in 0..want {
                    match it.next() {
                        Some(v) => args.extra.push((a.clone(), v)),
                        None if want == 1 => die(format!("{f} wants a value")),
                        None => die(format!("{f} wants {want} values")),
                    }
                }
            }
            f if f.starts_with('-') => die(format!("unknown option {f:?}")),
            _ => args.rest.push(a),
        }
    }
    args
}

/// Calls `f` once, on the first Ctrl-C, SIGTERM or SIGHUP. Returns `false` when no
/// handler could be installed (another one is): then `f` is never called.
#[allow(dead_code, reason = "each example uses one of the waiting helpers")]
pub(crate) fn on_interrupt(f: impl FnOnce() + Send + 'static) -> bool {
    let f = std::sync::Mutex::new(Some(f));
    ctrlc::set_handler(move || {
        let f = f
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(f) = f {
            f();
        }
    })
    .is_ok()
}

/// Blocks until Ctrl-C (or SIGTERM, SIGHUP), then tells what a graceful shutdown does and
/// returns `true`. Returns `false` at once when no handler could be installed: the caller
/// serves until the process is killed.
#[allow(dead_code, reason = "each example uses one of the waiting helpers")]
pub(crate) fn wait_for_interrupt(args: &Args) -> bool {
    let (tx, rx) = std::sync::mpsc::channel();
    if !on_interrupt(move || {
        let _ = tx.send(());
    }) {
        return false;
    }
    let _ = rx.recv();
    announce_shutdown(args);
    true
}

/// The line a server prints when a signal starts its graceful shutdown.
#[allow(dead_code, reason = "each example uses one of the waiting helpers")]
pub(crate) fn announce_shutdown(args: &Args) {
    eprintln!(
        "{}: shutting down; requests in flight may take up to {} s to finish",
        args.name,
        GRACE.as_secs()
    );
}

/// How long a graceful shutdown lets requests in flight finish.
#[allow(dead_code, reason = "each example uses one of the waiting helpers")]
pub(crate) const GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves until Ctrl-C (or SIGTERM, SIGHUP), then shuts down gracefully: no new
/// connections, requests in flight finish (up to [`GRACE`]), then the process exits.
#[allow(dead_code, reason = "each example uses one of the waiting helpers")]
pub(crate) fn serve_until_interrupted(args: &Args, server: hyper_server::Listening) {
    if !wait_for_interrupt(args) {
        args.or_exit(server.wait(), "the server stopped");
        return;
    }
    args.or_exit(server.shutdown(GRACE), "the server stopped with an error");
}

/// [`serve_until_interrupted`] for a hypersync server, with the graceful shutdown it adds
/// to 0.10's API (without a signal handler, dropping `listening` blocks as in 0.10).
#[allow(dead_code, reason = "each example uses one of the waiting helpers")]
pub(crate) fn sync_until_interrupted(args: &Args, mut listening: hypersync::server::Listening) {
    if wait_for_interrupt(args) {
        args.or_exit(
            listening.shutdown(GRACE),
            "the server stopped with an error",
        );
    }
}
