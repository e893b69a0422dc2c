//! One connection's bytes on a blocking thread, client or server side: a plain socket, a
//! rustls session over one, or a stream a user's listener or connector made.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::ops::{Deref, DerefMut};
use std::time::Duration;

use rustls::{ConnectionCommon, SideData, StreamOwned};

use crate::net::NetworkStream;

/// A plain socket, or a TLS session (`C` is rustls's `ClientConnection` or
/// `ServerConnection`) over one.
pub(crate) enum Stream<C> {
    Plain(TcpStream),
    Tls(Box<StreamOwned<C, TcpStream>>),
    /// What a `NetworkListener` or `NetworkConnector` of the user's made.
    User(Box<dyn NetworkStream + Send>),
}

impl<C> Stream<C> {
    /// The socket, unless the stream is a user's.
    pub(crate) fn sock(&self) -> Option<&TcpStream> {
        match self {
            Self::Plain(s) => Some(s),
            Self::Tls(t) => Some(&t.sock),
            Self::User(_) => None,
        }
    }

    pub(crate) fn set_read_timeout(&self, dur: Option<Duration>) -> io::Result<()> {
        match self {
            Self::User(u) => u.set_read_timeout(dur),
            _ => self.sock().map_or(Ok(()), |s| s.set_read_timeout(dur)),
        }
    }

    pub(crate) fn set_write_timeout(&self, dur: Option<Duration>) -> io::Result<()> {
        match self {
            Self::User(u) => u.set_write_timeout(dur),
            _ => self.sock().map_or(Ok(()), |s| s.set_write_timeout(dur)),
        }
    }

    pub(crate) fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        match self {
            Self::User(u) => u.close(how),
            _ => self.sock().map_or(Ok(()), |s| s.shutdown(how)),
        }
    }
}

impl<C, S> Read for Stream<C>
where
    C: DerefMut + Deref<Target = ConnectionCommon<S>>,
    S: SideData,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.read(buf),
            Self::User(u) => u.read(buf),
            Self::Tls(t) => match t.read(buf) {
                // A peer closing without `close_notify`: HTTP frames its own messages, and
                // a body cut short is caught there.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
                r => r,
            },
        }
    }
}

impl<C, S> Write for Stream<C>
where
    C: DerefMut + Deref<Target = ConnectionCommon<S>>,
    S: SideData,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.write(buf),
            Self::Tls(t) => t.write(buf),
            Self::User(u) => u.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(s) => s.flush(),
            Self::Tls(t) => t.flush(),
            Self::User(u) => u.flush(),
        }
    }
}
