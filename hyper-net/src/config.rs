//! [`Config`]: the settings of a loop.

use std::time::Duration;

/// Settings of a loop.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) max_connections: usize,
    pub(crate) buf_size: usize,
    pub(crate) max_buf_size: usize,
    pub(crate) read_budget: usize,
    pub(crate) max_events: usize,
    pub(crate) accept_backoff: Duration,
    pub(crate) linger: Duration,
    pub(crate) pool_keep: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_connections: 16 * 1024,
            buf_size: 8 * 1024,
            max_buf_size: 512 * 1024,
            read_budget: 64 * 1024,
            max_events: 1024,
            accept_backoff: Duration::from_millis(100),
            linger: Duration::from_secs(5),
            pool_keep: 256,
        }
    }
}

impl Config {
    /// Most connections open at once (16384 by default); past it the loop stops accepting
    /// until one closes.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Size of pooled read and write buffers (8 KiB by default).
    pub fn buf_size(mut self, n: usize) -> Self {
        self.buf_size = n.max(64);
        self
    }

    /// Largest a read buffer may grow to hold one message head (512 KiB by default).
    pub fn max_buf_size(mut self, n: usize) -> Self {
        self.max_buf_size = n.max(self.buf_size);
        self
    }

    /// Bytes read from one connection per turn before others get theirs (64 KiB).
    pub fn read_budget(mut self, n: usize) -> Self {
        self.read_budget = n.max(1);
        self
    }

    /// How long accepting pauses after `EMFILE`/`ENFILE` (100 ms).
    pub fn accept_backoff(mut self, d: Duration) -> Self {
        self.accept_backoff = d;
        self
    }

    /// How long a closing connection may take to flush what it wrote (5 s).
    pub fn linger(mut self, d: Duration) -> Self {
        self.linger = d;
        self
    }
}
