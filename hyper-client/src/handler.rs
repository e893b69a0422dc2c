//! The client-side [`Handler`]: the server's, with names and types adjusted.

use hyper_net::{Control, Transport};
use hyper_proto::Next;

use crate::error::Error;
use crate::request::Request;

/// The response head handed to [`Handler::on_response`]: a borrowed view of the read buffer.
pub type Response<'a> = hyper_proto::Response<'a>;

/// Writes the request body in [`Handler::on_request_writable`].
pub type Encoder<'a, 'io, T> = hyper_net::Encoder<'a, 'io, T, hyper_proto::Client>;

/// Reads the response body in [`Handler::on_response_readable`]: `Ok(0)` at its end,
/// `WouldBlock` when nothing more arrived yet.
pub type Decoder<'a, 'io, T> = hyper_net::Decoder<'a, 'io, T, hyper_proto::Client>;

/// One request's state machine on the client side.
///
/// The order: [`Handler::on_control`] once the request has a connection, then
/// [`Handler::on_request`] to fill the head, [`Handler::on_request_writable`] while it
/// writes a body, [`Handler::on_response`] with the response head (informational 1xx
/// answers are skipped), [`Handler::on_response_readable`] while it reads the body, and
/// [`Next::end`]. Any failure goes to [`Handler::on_error`], and the handler is dropped.
///
/// A server may answer before the whole request body was sent. An error, or an answer on a
/// connection the server closes, stops the request body (RFC 9112 §9.3). A success on a
/// connection kept open is a server streaming its answer as it reads (an echo, a
/// transform): the request body goes on, and the handler gets both calls for as long as its
/// [`Next`] asks for both ([`Next::read_and_write`]); [`Next::read`] alone pauses the body.
/// Ending the exchange before the body is complete closes the connection.
pub trait Handler<T: Transport>: Send + 'static {
    /// Fill the request head (method, headers, body framing).
    fn on_request(&mut self, req: &mut Request) -> Next;

    /// Body bytes can be written.
    fn on_request_writable(&mut self, encoder: &mut Encoder<'_, '_, T>) -> Next;

    /// The response head arrived.
    fn on_response(&mut self, res: Response<'_>) -> Next;

    /// Response body bytes can be read (or the body ended: `read` returns `Ok(0)`).
    fn on_response_readable(&mut self, decoder: &mut Decoder<'_, '_, T>) -> Next;

    /// The request failed; the exchange is over and the handler is dropped after this call,
    /// so the returned `Next` is not acted on.
    fn on_error(&mut self, err: Error) -> Next;

    /// The request's connection, to wake the handler from another thread after
    /// [`Next::wait`].
    fn on_control(&mut self, ctrl: Control) {
        drop(ctrl);
    }

    /// The server switched protocols: `101` to a request with `Upgrade` (and
    /// `Connection: upgrade`), or a 2xx to `CONNECT`. After [`Handler::on_response`] saw
    /// that head (its `Next` is not acted on), the connection leaves HTTP/1.1 and the
    /// pool: `transport` is the handler's (out of the event loop, non-blocking), with
    /// `read_ahead`, the bytes the server sent past its response head. Default: closes it.
    fn on_upgrade(self, transport: T, read_ahead: Vec<u8>)
    where
        Self: Sized,
    {
        drop((transport, read_ahead));
    }
}
