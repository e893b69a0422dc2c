//! Allocations per request of a keep-alive server in the steady state.
//!
//! Runs the `hello` handler in-process (one loop thread) and an allocation-free client
//! thread; counts every allocation in the process while the client sends requests after a
//! warm-up. Prints `allocs_per_request=<n>` for one connection, then for 16 connections
//! with 16 pipelined requests each. With `sync`, the server is hypersync's, running the
//! `sync_hello` handler (a 0.10-style `handle(req, res)` on 8 worker threads). With `std`
//! or `tokio`, the server is the `std_server` or `tokio_server` example's (hyper-proto
//! driven by blocking `std::net`, or by tokio's current-thread runtime), answering `GET /`
//! with the echo service's index text.
//!
//! With `tls`, the `hello` handler over `Server::handle_tls` (a rustls client drives it; its
//! thread's allocations are not counted).
//!
//! `cargo run --release --bin allocs [REQUESTS] [sync|std|tokio|tls]`

#![allow(unsafe_code, reason = "a counting GlobalAlloc forwarding to System")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use hyper_server::tls::rustls;

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ON: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// Set on the client's thread: its allocations (a TLS client's records) are not the
    /// server's and are not counted.
    static CLIENT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn counting() -> bool {
    ON.load(Ordering::Relaxed) && !CLIENT.with(std::cell::Cell::get)
}

static TRACE: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];
static TRACED: AtomicU64 = AtomicU64::new(0);

/// Records the sizes of the first few counted allocations (`ALLOCS_TRACE=1` prints them).
fn trace(size: usize) {
    let i = TRACED.fetch_add(1, Ordering::Relaxed);
    if let Some(slot) = TRACE.get(i as usize) {
        slot.store(size as u64, Ordering::Relaxed);
    }
}

// SAFETY: forwards every call unchanged to `System`; the counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counting() {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            trace(layout.size());
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counting() {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
/// Sends `n` requests per connection in batches of `depth`, reading every response; no
/// allocation (fixed buffers, responses counted by their body text).
fn drive<S: Read + Write>(conns: &mut [S], n: usize, depth: usize, body: &[u8]) {
    let batch: Vec<u8> = REQUEST.repeat(depth);
    let mut buf = [0u8; 64 * 1024];
    let mut sent = 0;
    while sent < n {
        for c in conns.iter_mut() {
            c.write_all(&batch).expect("write");
        }
        for c in conns.iter_mut() {
            let mut seen = 0;
            let mut carry = 0usize;
            while seen < depth {
                let got = c.read(&mut buf[carry..]).expect("read");
                assert!(got > 0, "server closed");
                let end = carry + got;
                let mut i = 0;
                let mut last = 0;
                while i + body.len() <= end {
                    if &buf[i..i + body.len()] == body {
                        seen += 1;
                        i += body.len();
                        last = i;
                    } else {
                        i += 1;
                    }
                }
                // Keep a possibly cut-off body for the next read.
                let keep = end - last.max(end.saturating_sub(body.len() - 1));
                buf.copy_within(end - keep..end, 0);
                carry = keep;
            }
        }
        sent += depth;
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mode = std::env::args().nth(2).unwrap_or_default();
    // The end of each response's body, to count responses by.
    let mut body: &[u8] = b"Hello, World!";
    let any = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let config = hyper_proto::Config::default();
    let (addr, stop): (std::net::SocketAddr, Box<dyn FnOnce()>) = if mode == "std" {
        body = b"POST /echo\n";
        let s = examples::std_server::spawn(any, config).unwrap();
        (s.addr(), Box::new(move || s.close()))
    } else if mode == "tokio" {
        body = b"POST /echo\n";
        let s = examples::tokio_server::spawn(any, 1, config).unwrap();
        (s.addr(), Box::new(move || s.close()))
    } else if mode == "tls" {
        let (config, _) = tls_configs();
        let server = hyper_server::Server::http("127.0.0.1:0")
            .unwrap()
            .handle_tls(config, |_| examples::hello::Hello::new())
            .unwrap();
        (server.addr(), Box::new(move || server.close().unwrap()))
    } else if mode == "sync" {
        let mut l = hypersync::Server::http("127.0.0.1:0")
            .unwrap()
            .handle_threads(sync_hello, 8)
            .unwrap();
        (l.socket, Box::new(move || l.close().unwrap()))
    } else {
        let server = hyper_server::Server::http("127.0.0.1:0")
            .unwrap()
            .handle(|_| examples::hello::Hello::new())
            .unwrap();
        (server.addr(), Box::new(move || server.close().unwrap()))
    };
    CLIENT.with(|c| c.set(true));
    for (conns, depth) in [(1usize, 1usize), (16, 16)] {
        let streams: Vec<TcpStream> = (0..conns)
            .map(|_| TcpStream::connect(addr).unwrap())
            .collect();
        for s in &streams {
            s.set_nodelay(true).unwrap();
        }
        let (total, requests) = if mode == "tls" {
            let (_, client) = tls_configs();
            let mut streams: Vec<_> = streams
                .into_iter()
                .map(|s| {
                    let name = "localhost".try_into().unwrap();
                    let conn = rustls::ClientConnection::new(client.clone(), name).unwrap();
                    rustls::StreamOwned::new(conn, s)
                })
                .collect();
            count(&mut streams, n, depth, body)
        } else {
            let mut streams = streams;
            count(&mut streams, n, depth, body)
        };
        println!(
            "connections={conns} pipeline={depth} requests={requests} allocations={total} allocs_per_request={:.4}",
            total as f64 / requests
        );
    }
    stop();
    if std::env::var_os("ALLOCS_TRACE").is_some() {
        let sizes: Vec<u64> = TRACE.iter().map(|s| s.load(Ordering::Relaxed)).collect();
        eprintln!("first allocation sizes: {sizes:?}");
    }
}

/// Warms `streams` up (buffers pooled, tables grown), then counts the server's allocations
/// over `n` requests per connection: (allocations, requests).
fn count<S: Read + Write>(streams: &mut [S], n: usize, depth: usize, body: &[u8]) -> (u64, f64) {
    drive(streams, 2_000, depth, body);
    ALLOCS.store(0, Ordering::SeqCst);
    ON.store(true, Ordering::SeqCst);
    drive(streams, n, depth, body);
    ON.store(false, Ordering::SeqCst);
    let requests = (n.div_ceil(depth) * depth * streams.len()) as f64;
    (ALLOCS.load(Ordering::SeqCst), requests)
}

/// A server configuration with a certificate for `localhost` made now, and a client
/// configuration trusting it.
fn tls_configs() -> (Arc<rustls::ServerConfig>, Arc<rustls::ClientConfig>) {
    static MADE: std::sync::OnceLock<(Arc<rustls::ServerConfig>, Arc<rustls::ClientConfig>)> =
        std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let server = hyper_server::tls::server_config_from_pem(
            cert.pem().as_bytes(),
            key.serialize_pem().as_bytes(),
        )
        .unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert.der().clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        (server, Arc::new(client))
    })
    .clone()
}

/// The `sync_hello` example's handler.
fn sync_hello(
    mut req: hypersync::server::Request<'_, '_>,
    mut res: hypersync::server::Response<'_>,
) {
    let _ = std::io::copy(&mut req, &mut std::io::sink());
    res.headers_mut()
        .set(hypersync::header::ContentType::plaintext());
    let _ = res.send(b"Hello, World!");
}
