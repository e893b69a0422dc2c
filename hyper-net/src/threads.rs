//! Many cores: N loops on N threads, each with its own `SO_REUSEPORT` listener.

use std::io;
use std::net::SocketAddr;
use std::thread::JoinHandle;
use std::time::Instant;

use crate::config::Config;
use crate::driver::Driver;
use crate::event_loop::{EventLoop, LoopHandle};

/// Running loops started by [`spawn_loops`].
#[derive(Debug)]
pub struct Loops<M> {
    addrs: Vec<SocketAddr>,
    handles: Vec<LoopHandle<M>>,
    threads: Vec<JoinHandle<io::Result<()>>>,
}

impl<M: Send> Loops<M> {
    /// The first address the loops listen on (with the port the OS chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    /// Every address the loops listen on, in the order given.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// One handle per loop.
    pub fn handles(&self) -> &[LoopHandle<M>] {
        &self.handles
    }

    /// Stops every loop (see [`LoopHandle::stop`]) and waits for their threads.
    ///
    /// # Errors
    ///
    /// The first error a loop ended with.
    pub fn stop(self, deadline: Option<Instant>) -> io::Result<()> {
        for h in &self.handles {
            let _ = h.stop(deadline);
        }
        self.join()
    }

    /// Waits for every loop thread to end.
    ///
    /// # Errors
    ///
    /// The first error a loop ended with (a panic in a loop thread is reported as an error).
    pub fn join(self) -> io::Result<()> {
        let mut result = Ok(());
        for t in self.threads {
            let r = t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("event loop thread panicked")));
            if result.is_ok() {
                result = r;
            }
        }
        result
    }
}

/// Starts `n` loops on `n` threads, each listening on every address of `addrs` with its own
/// `SO_REUSEPORT` sockets (the kernel spreads connections over them), each running the
/// driver `make(i)`.
///
/// # Errors
///
/// Binding or creating a loop failed (nothing is left running then).
pub fn spawn_loops<D, F>(
    n: usize,
    addrs: &[SocketAddr],
    config: Config,
    make: F,
) -> io::Result<Loops<D::Msg>>
where
    D: Driver + 'static,
    F: Fn(usize) -> D + Send + Sync + 'static,
{
    let n = n.max(1);
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no address to listen on",
        ));
    }
    // Bind every listener here, so that port 0 resolves once and errors surface now.
    let mut bound = Vec::with_capacity(addrs.len());
    let mut per_loop: Vec<Vec<std::net::TcpListener>> = (0..n).map(|_| Vec::new()).collect();
    // SO_REUSEPORT only when several loops share a port: a single loop then fails with
    // "address in use" if another process already listens there, instead of sharing it.
    let reuse_port = n > 1;
    for &addr in addrs {
        let first = crate::event_loop::bind(addr, reuse_port)?;
        let addr = first.local_addr()?;
        bound.push(addr);
        per_loop[0].push(first);
        for l in per_loop.iter_mut().skip(1) {
            l.push(crate::event_loop::bind(addr, true)?);
        }
    }
    start(per_loop, bound, config, make)
}

/// Starts one loop on its own thread, accepting on `listeners` (already bound, by the
/// caller: a listener handed over from elsewhere keeps its socket and its port), running
/// the driver `make(0)`.
///
/// # Errors
///
/// A listener has no address, or the loop could not start.
pub fn spawn_loop_on<D, F>(
    listeners: Vec<std::net::TcpListener>,
    config: Config,
    make: F,
) -> io::Result<Loops<D::Msg>>
where
    D: Driver + 'static,
    F: Fn(usize) -> D + Send + Sync + 'static,
{
    if listeners.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no listener to accept on",
        ));
    }
    let bound = listeners
        .iter()
        .map(std::net::TcpListener::local_addr)
        .collect::<io::Result<Vec<_>>>()?;
    start(vec![listeners], bound, config, make)
}

fn start<D, F>(
    per_loop: Vec<Vec<std::net::TcpListener>>,
    bound: Vec<SocketAddr>,
    config: Config,
    make: F,
) -> io::Result<Loops<D::Msg>>
where
    D: Driver + 'static,
    F: Fn(usize) -> D + Send + Sync + 'static,
{
    let make = std::sync::Arc::new(make);
    let mut handles = Vec::with_capacity(per_loop.len());
    let mut threads: Vec<JoinHandle<io::Result<()>>> = Vec::with_capacity(per_loop.len());
    for (i, listeners) in per_loop.into_iter().enumerate() {
        let (tx, rx) = std::sync::mpsc::channel();
        let make = std::sync::Arc::clone(&make);
        let config = config.clone();
        let thread = std::thread::Builder::new()
            .name(format!("hyper-net-{i}"))
            .spawn(move || {
                let mut lp = match EventLoop::new(make(i), config) {
                    Ok(lp) => lp,
                    Err(e) => {
                        let _ = tx.send(Err(io::Error::new(e.kind(), e.to_string())));
                        return Err(e);
                    }
                };
                for listener in listeners {
                    if let Err(e) = lp.add_listener(listener) {
                        let _ = tx.send(Err(io::Error::new(e.kind(), e.to_string())));
                        return Err(e);
                    }
                }
                let _ = tx.send(Ok(lp.handle()));
                lp.run()
            })?;
        let started = rx
            .recv()
            .unwrap_or_else(|_| Err(io::Error::other("event loop failed to start")));
        match started {
            Ok(h) => handles.push(h),
            Err(e) => {
                for h in &handles {
                    let _ = h.stop(None);
                }
                let _ = thread.join();
                for t in threads {
                    let _ = t.join();
                }
                return Err(e);
            }
        }
        threads.push(thread);
    }
    Ok(Loops {
        addrs: bound,
        handles,
        threads,
    })
}
