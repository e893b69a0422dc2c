//! The server half of hyper-next: the state-machine [`Handler`] of the 2016 "async hyper"
//! design, on the hyper-net event loop.
//!
//! One handler per request, built by a [`HandlerFactory`] (any `FnMut(Control) -> H`). The
//! server calls it as the request arrives and the socket becomes readable or writable; it
//! answers every call with a [`Next`]: read, write, wait (for a [`Control::ready`] from
//! another thread), end, or remove, each with an optional timeout. No boxing, no dynamic
//! dispatch, no allocation per request in the steady state: the request is a view of the
//! read buffer and the response head is encoded straight into the write buffer.
//!
//! What the server does for every handler: keep-alive and pipelining in order, chunked or
//! length bodies both ways, `Expect: 100-continue` answered when the handler reads, `HEAD`
//! answered without a body, automatic 400/408/413/414/417/431/501/505 answers with
//! `Connection: close`, a `Date` header, and a handler that panics costs only its own
//! connection (500 if nothing was sent yet).
//!
//! HTTPS (feature `tls`): `Server::handle_tls` with a rustls configuration
//! (`tls::server_config_from_pem`), or `listen_tls` + `handle_mixed` for HTTP and HTTPS on
//! one server; a factory implementing [`HandlerFactory::create_for`] learns per request
//! whether the connection is TLS and the SNI host name. A handler that answers `101` gets
//! the socket in [`Handler::on_upgrade`].
//!
//! # Example
//!
//! A whole server: every request is answered `Hello, World!`, the body written as far as
//! the socket takes it each time it is writable.
//!
//! ```
//! use std::io::{ErrorKind, Write};
//! use hyper_server::{Decoder, Encoder, Handler, Next, Request, Response, Server, TcpStream};
//!
//! const BODY: &[u8] = b"Hello, World!";
//!
//! struct Hello {
//!     written: usize,
//! }
//!
//! impl Handler<TcpStream> for Hello {
//!     fn on_request(&mut self, req: Request<'_>) -> Next {
//!         // Read (and drop) a body first if there is one, so the connection stays usable.
//!         if req.has_body() { Next::read() } else { Next::write() }
//!     }
//!     fn on_request_readable(&mut self, body: &mut Decoder<'_, '_, TcpStream>) -> Next {
//!         let mut sink = [0u8; 4096];
//!         loop {
//!             match std::io::Read::read(body, &mut sink) {
//!                 Ok(0) => return Next::write(),
//!                 Ok(_) => {}
//!                 Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::read(),
//!                 Err(_) => return Next::remove(),
//!             }
//!         }
//!     }
//!     fn on_response(&mut self, res: &mut Response) -> Next {
//!         res.set_content_length(BODY.len() as u64);
//!         res.set_header("Content-Type", "text/plain").unwrap();
//!         Next::write()
//!     }
//!     fn on_response_writable(&mut self, body: &mut Encoder<'_, '_, TcpStream>) -> Next {
//!         while self.written < BODY.len() {
//!             match body.write(&BODY[self.written..]) {
//!                 Ok(n) => self.written += n,
//!                 // The socket is full: called again when it can take more.
//!                 Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::write(),
//!                 Err(_) => return Next::remove(),
//!             }
//!         }
//!         Next::end()
//!     }
//! }
//!
//! let server = Server::http("127.0.0.1:0")?.handle(|_ctrl| Hello { written: 0 })?;
//! println!("listening on {}", server.addr());
//! // `server.wait()` serves until the process ends; a test stops it instead.
//! server.shutdown(std::time::Duration::from_secs(1))?;
//! # Ok::<(), std::io::Error>(())
//! ```
#![doc(test(attr(deny(warnings))))]

mod conn;
mod error;
mod handler;
mod response;
mod server;

#[cfg(test)]
mod driver_tests;

pub use error::Error;
pub use handler::{Connection, Decoder, Encoder, Handler, HandlerFactory, Request};
pub use hyper_net::{Control, SendError, TcpStream, Transport};
/// Protocol vocabulary from `hyper_proto`, so that a server needs no other import: the
/// limits a server applies, what a request head and body look like, and why a head was
/// refused.
pub use hyper_proto::{BodyLength, Headers, InvalidHeader, Limits, Next, OutgoingHead, ParseError};
pub use response::Response;
pub use server::{Listening, Server};

/// HTTPS (feature `tls`): the rustls transport, a PEM loader, and `rustls` itself.
#[cfg(feature = "tls")]
pub mod tls {
    pub use hyper_net::rustls;
    pub use hyper_net::tls::{server_config_from_pem, MaybeTls, TlsStream, MAX_PENDING_TLS};
}

/// Status codes and other vocabulary, from the `http` crate.
pub use http::{Method, StatusCode, Version};
