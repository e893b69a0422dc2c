//! Serving a listener of the user's, as 0.10 did: each of `threads` threads accepts a
//! connection and serves it until it closes.
//!
//! A user's listener (or TLS wrapper) is blocking code the event loop cannot own: its
//! `accept` may run a handshake, its streams are not sockets the loop can poll. The
//! connection itself is framed and checked as on the loop (`WorkerConn`, `serve`): the
//! same rules, automatic answers, drained bodies and pipelining. What is lost is what the
//! loop gives: an idle or slow connection holds its thread (up to the keep-alive
//! timeout for the next head, the read timeout within a body).

use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use hyper_proto::{Conn, Server as ProtoServer};

use super::conn::{After, Buffers, Timeouts, WorkerConn};
use super::{serve, Handler};
use crate::net::{NetworkListener, NetworkStream};
use crate::stream::Stream;

/// Tells the accepting threads to stop.
#[derive(Debug, Default)]
pub(crate) struct Stop(Arc<AtomicBool>);

impl Stop {
    /// Stops the threads: each finishes the request it is on (the last on its
    /// connection); one blocked in `accept` is woken by a connection to `addr`.
    pub(crate) fn stop(&self, addr: SocketAddr, threads: usize) {
        self.0.store(true, Ordering::SeqCst);
        for _ in 0..threads {
            if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }

    fn stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Starts `threads` threads accepting on clones of `listener`.
pub(crate) fn start<L, H>(
    listener: L,
    handler: Arc<H>,
    threads: usize,
    keep_alive: Option<Duration>,
    timeouts: Timeouts,
) -> std::io::Result<(Arc<Stop>, Vec<thread::JoinHandle<()>>)>
where
    L: NetworkListener + Send + 'static,
    H: Handler + 'static,
{
    let stop = Arc::new(Stop::default());
    let mut proto = hyper_proto::Config::default();
    proto = match keep_alive {
        Some(idle) => proto.idle_timeout(Some(idle)),
        None => proto.keep_alive(false),
    };
    // How long a connection waits for its next head (0.10's keep-alive timeout).
    let wait = keep_alive.unwrap_or(Duration::from_secs(5));
    let mut workers = Vec::with_capacity(threads);
    for i in 0..threads {
        let mut listener = listener.clone();
        let handler = Arc::clone(&handler);
        let stop = Arc::clone(&stop);
        workers.push(
            thread::Builder::new()
                .name(format!("hypersync-accept-{i}"))
                .spawn(move || {
                    while !stop.stopped() {
                        match listener.accept() {
                            Ok(stream) if !stop.stopped() => {
                                serve_stream(&*handler, stream, proto, wait, timeouts, &stop);
                            }
                            Ok(_) => break,
                            Err(e) => {
                                // A failed handshake or a full descriptor table: the next
                                // connection may do better; do not spin.
                                log::warn!("hypersync: accept failed: {e}");
                                thread::sleep(Duration::from_millis(10));
                            }
                        }
                    }
                })?,
        );
    }
    Ok((stop, workers))
}

/// Serves one connection until it closes, goes quiet or the server stops.
fn serve_stream<H: Handler, S: NetworkStream + Send>(
    handler: &H,
    mut stream: S,
    config: hyper_proto::Config,
    wait: Duration,
    timeouts: Timeouts,
    stop: &Stop,
) {
    let peer = stream
        .peer_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    let proto = Box::new(Conn::<ProtoServer>::new(config, Instant::now()));
    let boxed: Box<dyn NetworkStream + Send> = Box::new(stream);
    let made = WorkerConn::new(
        Stream::User(boxed),
        proto,
        Vec::new(),
        peer,
        wait,
        timeouts,
        Arc::clone(&stop.0),
    );
    let mut conn = match made {
        Ok(conn) => conn,
        Err(e) => {
            log::warn!("hypersync: a connection from {peer} could not be set up: {e}");
            return;
        }
    };
    conn.give_buffers(Buffers::default());
    handler.on_connection_start();
    loop {
        let head = match conn.next_head(false) {
            After::Next(head) => head,
            After::Return | After::Close => break,
        };
        let (back, open) = serve(handler, conn, head, || false).split();
        conn = back;
        if !open || stop.stopped() {
            break;
        }
    }
    conn.close();
    handler.on_connection_end();
}
