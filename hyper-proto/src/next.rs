//! [`Next`]: what a handler wants to happen next on its connection.

use core::time::Duration;

/// What a handler wants next on its connection, with an optional timeout.
///
/// A plain value: handlers return it from every callback, and wakeups from other threads
/// (hyper-net's `Control::ready`) carry it across threads.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use hyper_proto::{Interest, Next};
///
/// let next = Next::read().timeout(Duration::from_secs(30));
/// assert_eq!(next.interest(), Interest::Read);
/// assert_eq!(next.deadline_after(), Some(Duration::from_secs(30)));
/// ```
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Next {
    interest: Interest,
    timeout: Option<Duration>,
}

/// The kind of a [`Next`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Interest {
    /// Wait until body bytes can be read.
    Read,
    /// Wait until body bytes can be written.
    Write,
    /// Wait for either.
    ReadWrite,
    /// Wait for neither: something outside the connection will wake it.
    Wait,
    /// The message is finished from the handler's side; keep the connection if the
    /// protocol allows it.
    End,
    /// Close the connection now, whatever its state.
    Remove,
}

impl Next {
    const fn new(interest: Interest) -> Self {
        Self {
            interest,
            timeout: None,
        }
    }

    /// Wait until the body can be read.
    pub const fn read() -> Self {
        Self::new(Interest::Read)
    }

    /// Wait until the body can be written.
    pub const fn write() -> Self {
        Self::new(Interest::Write)
    }

    /// Wait until the body can be read or written.
    pub const fn read_and_write() -> Self {
        Self::new(Interest::ReadWrite)
    }

    /// Wait for an outside wakeup (a `Control::ready(next)`), with no socket interest.
    pub const fn wait() -> Self {
        Self::new(Interest::Wait)
    }

    /// Finish the message; the connection stays open when keep-alive allows it.
    pub const fn end() -> Self {
        Self::new(Interest::End)
    }

    /// Close the connection now.
    pub const fn remove() -> Self {
        Self::new(Interest::Remove)
    }

    /// Fails the wait with a timeout error if nothing happens within `d`.
    pub const fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// What this `Next` waits for.
    pub const fn interest(&self) -> Interest {
        self.interest
    }

    /// The timeout set with [`Next::timeout`], if any.
    pub const fn deadline_after(&self) -> Option<Duration> {
        self.timeout
    }

    /// Whether this asks to read.
    pub const fn is_read(&self) -> bool {
        matches!(self.interest, Interest::Read | Interest::ReadWrite)
    }

    /// Whether this asks to write.
    pub const fn is_write(&self) -> bool {
        matches!(self.interest, Interest::Write | Interest::ReadWrite)
    }
}
