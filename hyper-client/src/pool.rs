//! The client's connection accounting: idle connections per destination, connections open
//! (in all and per destination) against the builder's limits, and requests waiting for a
//! connection.
//!
//! A destination is scheme, host and port: the origin's, or the proxy's for requests it
//! forwards ([`Dest`]). Lists are short and searched by `&str`, so a request on a pooled
//! connection allocates no key.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use hyper_net::{ConnId, Control};
use hyper_proto::Next;

use crate::url::Url;

/// Scheme, host and port: what the pool keys connections by.
pub(crate) type Key = (&'static str, String, u16);

/// A destination, borrowed: where a request's connection goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Dest<'a> {
    /// `http`, `https`, or `proxy` for requests a proxy forwards.
    pub(crate) scheme: &'static str,
    pub(crate) host: &'a str,
    pub(crate) port: u16,
}

impl<'a> Dest<'a> {
    /// The origin of `url`.
    pub(crate) fn of(url: &'a Url) -> Self {
        Dest {
            scheme: url.scheme(),
            host: url.host(),
            port: url.port(),
        }
    }
}

fn is_for(key: &Key, dest: Dest<'_>) -> bool {
    key.0 == dest.scheme && key.1 == dest.host && key.2 == dest.port
}

/// The key of a destination.
pub(crate) fn key_of(dest: Dest<'_>) -> Key {
    (dest.scheme, dest.host.to_owned(), dest.port)
}

/// Hashes the client's map keys (connection ids and tags, chosen by the loop and not by a
/// peer, so there is no flooding to resist) with a multiply per word instead of SipHash.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// A map keyed by loop-chosen ids.
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Idle connections, open counts and waiting requests (`J`: a request waiting).
pub(crate) struct Pool<J> {
    /// Idle connections per destination.
    idle: Vec<(Key, Vec<(ConnId, Control)>)>,
    /// Connections open or being opened, against `max_connections`.
    open: usize,
    /// Connections open or being opened per destination, against `max_per_host`.
    per_host: Vec<(Key, usize)>,
    /// Requests waiting for a connection while the client (or their host) is at its limit.
    pub(crate) waiting: VecDeque<J>,
    max_idle_per_host: usize,
    max_connections: usize,
    max_per_host: usize,
}

impl<J> Pool<J> {
    pub(crate) fn new(
        max_idle_per_host: usize,
        max_connections: usize,
        max_per_host: usize,
    ) -> Self {
        Self {
            idle: Vec::new(),
            open: 0,
            per_host: Vec::new(),
            waiting: VecDeque::new(),
            max_idle_per_host,
            max_connections,
            max_per_host,
        }
    }

    /// An idle connection to `dest` that is still alive, taken out of the pool.
    pub(crate) fn take_idle(&mut self, dest: Dest<'_>) -> Option<(ConnId, Control)> {
        let (_, list) = self.idle.iter_mut().find(|(k, _)| is_for(k, dest))?;
        while let Some((id, ctrl)) = list.pop() {
            if ctrl.is_alive() {
                return Some((id, ctrl));
            }
        }
        None
    }

    /// Whether `dest` is at its own connection limit.
    pub(crate) fn host_full(&self, dest: Dest<'_>) -> bool {
        self.host_open(dest) >= self.max_per_host
    }

    /// Whether the client is at its connection limit.
    pub(crate) fn full(&self) -> bool {
        self.open >= self.max_connections
    }

    /// Frees a slot for `dest`: closes one idle connection to another destination, if any.
    pub(crate) fn evict_other(&mut self, dest: Dest<'_>) {
        let other = self
            .idle
            .iter_mut()
            .find(|(k, list)| !is_for(k, dest) && !list.is_empty());
        if let Some((_, list)) = other {
            if let Some((_, ctrl)) = list.pop() {
                let _ = ctrl.ready(Next::remove());
            }
        }
    }

    fn host_slot(&self, dest: Dest<'_>) -> Option<usize> {
        self.per_host.iter().position(|(k, _)| is_for(k, dest))
    }

    /// Connections open or being opened to `dest`.
    fn host_open(&self, dest: Dest<'_>) -> usize {
        self.host_slot(dest).map_or(0, |i| self.per_host[i].1)
    }

    /// A connection to `dest` starts opening.
    pub(crate) fn opened(&mut self, dest: Dest<'_>) {
        self.open += 1;
        match self.host_slot(dest) {
            Some(i) => self.per_host[i].1 += 1,
            None => self.per_host.push((key_of(dest), 1)),
        }
    }

    /// A connection to `key` closed or failed to open.
    pub(crate) fn released(&mut self, key: &Key) {
        let slot = self.per_host.iter().position(|(k, _)| k == key);
        self.release(slot);
    }

    /// [`Pool::released`] for `dest`.
    pub(crate) fn released_dest(&mut self, dest: Dest<'_>) {
        let slot = self.host_slot(dest);
        self.release(slot);
    }

    fn release(&mut self, slot: Option<usize>) {
        self.open = self.open.saturating_sub(1);
        if let Some(i) = slot {
            self.per_host[i].1 -= 1;
            if self.per_host[i].1 == 0 {
                self.per_host.swap_remove(i);
            }
        }
    }

    /// Keeps a finished connection to `key` as idle; `false` when that destination already
    /// has as many idle connections as allowed (close it then).
    pub(crate) fn park(&mut self, key: &Key, ctrl: &Control) -> bool {
        let pos = match self.idle.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                self.idle.push((key.clone(), Vec::new()));
                self.idle.len() - 1
            }
        };
        let list = &mut self.idle[pos].1;
        list.retain(|(_, c)| c.is_alive());
        if list.len() >= self.max_idle_per_host {
            return false;
        }
        list.push((ctrl.id(), ctrl.clone()));
        true
    }

    /// The first waiting request whose destination is below its limit, while the client
    /// has room for another connection.
    pub(crate) fn next_ready(&mut self, dest: impl Fn(&J) -> Dest<'_>) -> Option<J> {
        if self.full() {
            return None;
        }
        let i = self.waiting.iter().position(|j| !self.host_full(dest(j)))?;
        self.waiting.remove(i)
    }

    /// The first waiting request for `key` that `ok` accepts.
    pub(crate) fn next_for(
        &mut self,
        key: &Key,
        dest: impl Fn(&J) -> Dest<'_>,
        ok: impl Fn(&J) -> bool,
    ) -> Option<J> {
        let i = self
            .waiting
            .iter()
            .position(|j| is_for(key, dest(j)) && ok(j))?;
        self.waiting.remove(i)
    }
}
