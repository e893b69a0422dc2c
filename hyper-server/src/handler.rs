//! The state-machine [`Handler`] of the seed, and [`HandlerFactory`].

use std::net::SocketAddr;

use hyper_net::{Control, Transport};
use hyper_proto::Next;

use crate::error::Error;
use crate::response::Response;

/// The request head handed to [`Handler::on_request`]: a borrowed view of the connection's
/// read buffer, with private fields and immutable accessors.
pub type Request<'a> = hyper_proto::Request<'a>;

/// Reads the request body in [`Handler::on_request_readable`]: `std::io::Read`, returning
/// `Ok(0)` at the end of the body and `WouldBlock` when nothing more has arrived yet.
pub type Decoder<'a, 'io, T> = hyper_net::Decoder<'a, 'io, T, hyper_proto::Server>;

/// Writes the response body in [`Handler::on_response_writable`]: `std::io::Write`,
/// framing what it is given; `WouldBlock` means wait for the next writable event.
pub type Encoder<'a, 'io, T> = hyper_net::Encoder<'a, 'io, T, hyper_proto::Server>;

/// One request's state machine. The server calls it as events happen on the connection, and
/// it answers each call with the [`Next`] thing it wants.
///
/// The order: [`Handler::on_request`] with the head; then, as the handler's `Next` asks,
/// [`Handler::on_request_readable`] while it reads the body, [`Handler::on_response`] once
/// to fill the response head (the first time it asks to write, or when it ends without
/// having written), and [`Handler::on_response_writable`] while it writes the body;
/// [`Next::end`] finishes the exchange. [`Next::wait`] parks it until a [`Control`] wakes
/// it. Calls may be spurious: a handler checks `WouldBlock` and returns its `Next` again.
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// use hyper_net::Transport;
/// use hyper_server::{Encoder, Handler, Next, Request, Response};
///
/// /// Bytes of the body written so far.
/// struct Hello(usize);
///
/// impl<T: Transport> Handler<T> for Hello {
///     fn on_request(&mut self, _req: Request<'_>) -> Next {
///         Next::write()
///     }
///     fn on_request_readable(&mut self, _: &mut hyper_server::Decoder<'_, '_, T>) -> Next {
///         Next::write()
///     }
///     fn on_response(&mut self, res: &mut Response) -> Next {
///         res.set_content_length(13);
///         Next::write()
///     }
///     fn on_response_writable(&mut self, enc: &mut Encoder<'_, '_, T>) -> Next {
///         // A write may take part of the body: the rest goes on the next call.
///         while self.0 < 13 {
///             match enc.write(&b"Hello, World!"[self.0..]) {
///                 Ok(n) => self.0 += n,
///                 Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Next::write(),
///                 Err(_) => return Next::remove(),
///             }
///         }
///         Next::end()
///     }
/// }
///
/// let server = hyper_server::Server::http("127.0.0.1:0")?.handle(|_ctrl| Hello(0))?;
/// server.close()?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait Handler<T: Transport> {
    /// The request head arrived.
    fn on_request(&mut self, req: Request<'_>) -> Next;

    /// Body bytes can be read (or the body ended: `read` returns `Ok(0)`).
    fn on_request_readable(&mut self, decoder: &mut Decoder<'_, '_, T>) -> Next;

    /// Fill the response head. Called once, before the first body write.
    fn on_response(&mut self, res: &mut Response) -> Next;

    /// Body bytes can be written.
    fn on_response_writable(&mut self, encoder: &mut Encoder<'_, '_, T>) -> Next;

    /// Something failed. The default answers a timeout with `408 Request Timeout` when no
    /// response was started (by returning [`Next::end`] without a response: the server
    /// then sends the status matching the error), and drops the connection otherwise.
    fn on_error(&mut self, err: Error) -> Next {
        match err {
            Error::Timeout => Next::end(),
            _ => Next::remove(),
        }
    }

    /// The handler answered `101 Switching Protocols` (to a request with `Upgrade`) and
    /// then returned [`Next::remove`]: HTTP/1.1 is over on this connection, and the socket
    /// is the handler's, with `read_ahead`, the bytes the client sent past its request head
    /// (the new protocol's first bytes, if any). The socket is out of the event loop
    /// (deregistered, non-blocking); the 101 answer was written. Default:
    /// [`Handler::on_remove`], which closes it.
    fn on_upgrade(self, transport: T, read_ahead: Vec<u8>)
    where
        Self: Sized,
    {
        let _ = read_ahead;
        self.on_remove(transport);
    }

    /// The connection closed while this handler owned it; `transport` is the socket (a
    /// handler that upgraded the connection can keep it).
    fn on_remove(self, transport: T)
    where
        Self: Sized,
    {
        drop(transport);
    }
}

/// Makes one [`Handler`] per request, given that request's connection [`Control`].
///
/// Implemented for closures `FnMut(Control) -> H`.
pub trait HandlerFactory<T: Transport> {
    /// The handler type.
    type Output: Handler<T>;

    /// A handler for a new request.
    fn create(&mut self, ctrl: Control) -> Self::Output;

    /// A handler for a new request on the connection `conn` describes (its peer, whether
    /// it is TLS, the host name asked for through SNI): implement it for handlers that
    /// depend on those. Default: [`HandlerFactory::create`].
    fn create_for(&mut self, ctrl: Control, conn: &Connection<'_>) -> Self::Output {
        let _ = conn;
        self.create(ctrl)
    }
}

/// What a [`HandlerFactory`] may know of the connection a request came on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Connection<'a> {
    /// The client's address.
    pub peer: SocketAddr,
    /// Whether the connection is TLS (`https`).
    pub tls: bool,
    /// The host name the client asked for through TLS's SNI, if any.
    pub server_name: Option<&'a str>,
}

impl<T, F, H> HandlerFactory<T> for F
where
    T: Transport,
    F: FnMut(Control) -> H,
    H: Handler<T>,
{
    type Output = H;

    fn create(&mut self, ctrl: Control) -> H {
        self(ctrl)
    }
}
