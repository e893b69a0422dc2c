//! The mio event loop under hyper-next: non-blocking sockets, a slab of connections, a
//! timer wheel, `Control` wakeups from any thread, and a per-loop buffer pool.
//!
//! The loop itself knows no HTTP: a [`Driver`] (the server or client role, implemented by
//! `hyper-server` / `hyper-client`, or by a test) runs on each connection; the loop calls it
//! with static dispatch when a connection is readable, writable, timed out or woken, and
//! does the socket work around it. HTTP enters in two places only, both over
//! `hyper_proto::Conn`: the body glue ([`Decoder`] / [`Encoder`]), and the glue role drivers
//! share ([`exchange`]: handler calls, panics, progress, back-pressure, `Control` tags).
//! [`Why::Woken`] carries a `hyper_proto::Next`.
//!
//! ```text
//!   epoll ──▶ EventLoop::turn ──▶ Driver::ready(conn, &mut Io, Why) ──▶ Step
//!                 │                      │ Io::read / buffered / consume
//!                 │                      │ Io::write_buf / write_vectored
//!                 ├─ flush write buffer ◀┘
//!                 ├─ register exactly the interest the Step asks for
//!                 ├─ arm the Step's deadline in the timer wheel
//!   Control::ready(next) (any thread) ──▶ channel + one coalesced wake ──▶ Why::Woken(next)
//! ```
//!
//! Tokens carry a slab key and a generation, so a late event or a stale [`Control`] never
//! reaches a connection that reused the slot. Buffers go back to the pool when a turn leaves
//! them empty: an idle keep-alive connection holds none.
#![doc(test(attr(deny(warnings))))]

mod body;
mod buf;
mod config;
mod control;
mod driver;
mod event_loop;
pub mod exchange;
mod io;
mod resolve;
mod threads;
mod timer;
#[cfg(feature = "tls")]
pub mod tls;
mod token;
mod transport;

pub use body::{Decoder, Encoder, MAX_QUEUED_BODY};
pub use config::Config;
pub use control::{Control, SendError};
pub use driver::{Closed, Cx, Driver, Step, Why};
pub use event_loop::{bind, EventLoop, LoopHandle};
pub use io::Io;
pub use resolve::Resolver;
pub use threads::{spawn_loop_on, spawn_loops, Loops};
pub use token::ConnId;
pub use transport::{Blocked, Transport};

/// Re-exported so drivers name the same types.
pub use mio::net::TcpStream;

/// The rustls crate the [`tls`] transport is built on, so that its users configure the
/// same version (feature `tls`).
#[cfg(feature = "tls")]
pub use rustls;
