//! Name resolution off the loop thread: a small pool of resolver threads whose answers go
//! back through whatever the caller's callback does (usually [`LoopHandle::send`], the same
//! channel-and-wake path as `Control`).
//!
//! [`LoopHandle::send`]: crate::LoopHandle::send

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::thread::JoinHandle;

use crossbeam_channel::Sender;

use crate::control::SendError;

type Done = Box<dyn FnOnce(io::Result<Vec<SocketAddr>>) + Send>;

/// A pool of threads running blocking `getaddrinfo` lookups.
///
/// IP literals are answered at once without a thread. One lookup costs one boxed callback:
/// lookups are per new host, not per request.
///
/// # Examples
///
/// ```
/// let resolver = hyper_net::Resolver::new(2).unwrap();
/// let (tx, rx) = std::sync::mpsc::channel();
/// resolver.resolve("127.0.0.1", 8080, move |r| tx.send(r.unwrap()).unwrap()).unwrap();
/// assert_eq!(rx.recv().unwrap(), ["127.0.0.1:8080".parse().unwrap()]);
/// ```
#[derive(Debug)]
pub struct Resolver {
    tx: Option<Sender<(String, u16, Done)>>,
    threads: Vec<JoinHandle<()>>,
}

impl Resolver {
    /// Starts `workers` resolver threads (at least one).
    ///
    /// # Errors
    ///
    /// A thread could not be spawned.
    pub fn new(workers: usize) -> io::Result<Self> {
        let (tx, rx) = crossbeam_channel::unbounded::<(String, u16, Done)>();
        let mut threads = Vec::new();
        for i in 0..workers.max(1) {
            let rx = rx.clone();
            threads.push(
                std::thread::Builder::new()
                    .name(format!("hyper-net-dns-{i}"))
                    .spawn(move || {
                        for (host, port, done) in rx {
                            let result = (host.as_str(), port)
                                .to_socket_addrs()
                                .map(Iterator::collect::<Vec<_>>)
                                .and_then(|addrs| {
                                    if addrs.is_empty() {
                                        Err(io::Error::new(io::ErrorKind::NotFound, "no address"))
                                    } else {
                                        Ok(addrs)
                                    }
                                });
                            done(result);
                        }
                    })?,
            );
        }
        Ok(Self {
            tx: Some(tx),
            threads,
        })
    }

    /// Looks `host` up and calls `done` with its addresses (on a resolver thread, or at
    /// once for an IP literal, bracketed IPv6 included).
    ///
    /// # Errors
    ///
    /// [`SendError::Stopped`] after the resolver was dropped.
    pub fn resolve(
        &self,
        host: &str,
        port: u16,
        done: impl FnOnce(io::Result<Vec<SocketAddr>>) + Send + 'static,
    ) -> Result<(), SendError> {
        let literal = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if let Ok(ip) = literal.parse::<IpAddr>() {
            done(Ok(vec![SocketAddr::new(ip, port)]));
            return Ok(());
        }
        let tx = self.tx.as_ref().ok_or(SendError::Stopped)?;
        tx.send((host.to_owned(), port, Box::new(done)))
            .map_err(|_| SendError::Stopped)
    }
}

impl Drop for Resolver {
    fn drop(&mut self) {
        self.tx = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn localhost_and_literals_and_failure() {
        let r = Resolver::new(2).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let t = tx.clone();
        r.resolve("localhost", 80, move |res| {
            t.send(("localhost", res)).unwrap()
        })
        .unwrap();
        let t = tx.clone();
        r.resolve("[::1]", 81, move |res| t.send(("v6", res)).unwrap())
            .unwrap();
        r.resolve("no-such-host.invalid", 80, move |res| {
            tx.send(("bad", res)).unwrap()
        })
        .unwrap();
        let mut seen = 0;
        while seen < 3 {
            let (name, res) = rx.recv_timeout(Duration::from_secs(30)).unwrap();
            match name {
                "localhost" => assert!(res
                    .unwrap()
                    .iter()
                    .all(|a| a.ip().is_loopback() && a.port() == 80)),
                "v6" => assert_eq!(res.unwrap(), ["[::1]:81".parse().unwrap()]),
                _ => assert!(res.is_err()),
            }
            seen += 1;
        }
    }
}
