//! The client half of hyper-next: the client-side state-machine [`Handler`] (the server's,
//! with names and types adjusted), and a [`Client`] running handlers on its own event loop
//! thread with a keep-alive pool keyed by scheme, host and port, DNS on resolver threads, connect
//! timeouts, and one safe retry of an idempotent request that hit a pooled connection the
//! server had already closed.
//!
//! `https://` is built in (rustls, Mozilla's roots; [`Builder::tls_config`] with
//! [`tls::ClientTls`] for other roots or a client certificate); handlers see the connection
//! as [`MaybeTls`]. A `101` answer, or a 2xx to a `CONNECT` ([`Request::set_connect`]),
//! hands the socket to [`Handler::on_upgrade`]. [`Builder::proxy`] sends requests through
//! an HTTP [`Proxy`] (forwarded, or tunneled with `CONNECT` for `https://`).
//!
//! Requests are started from any thread with [`Client::request`]; each has a handler that
//! fills the request head, writes the body, and reads the response as it arrives, answering
//! every call with a [`Next`]. One client runs one handler type: an enum serves several
//! kinds of request without boxing.
//!
//! # Example
//!
//! A `GET` whose handler collects the status and body and hands them to the caller's thread.
//!
//! ```no_run
//! use std::io::{ErrorKind, Read};
//! use std::sync::mpsc::{channel, Sender};
//! use hyper_client::{Client, Decoder, Encoder, Error, Handler, MaybeTls, Next, Request, Response};
//!
//! struct Get {
//!     status: u16,
//!     body: Vec<u8>,
//!     done: Sender<Result<(u16, Vec<u8>), String>>,
//! }
//!
//! impl Handler<MaybeTls> for Get {
//!     fn on_request(&mut self, _req: &mut Request) -> Next {
//!         Next::read() // a GET: no body to write
//!     }
//!     fn on_request_writable(&mut self, _: &mut Encoder<'_, '_, MaybeTls>) -> Next {
//!         Next::read()
//!     }
//!     fn on_response(&mut self, res: Response<'_>) -> Next {
//!         self.status = res.status().as_u16();
//!         Next::read()
//!     }
//!     fn on_response_readable(&mut self, body: &mut Decoder<'_, '_, MaybeTls>) -> Next {
//!         let mut buf = [0u8; 8192];
//!         loop {
//!             match body.read(&mut buf) {
//!                 Ok(0) => {
//!                     let answer = (self.status, std::mem::take(&mut self.body));
//!                     let _ = self.done.send(Ok(answer));
//!                     return Next::end();
//!                 }
//!                 Ok(n) => self.body.extend_from_slice(&buf[..n]),
//!                 // Nothing more yet: called again when more arrives.
//!                 Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::read(),
//!                 Err(e) => {
//!                     let _ = self.done.send(Err(e.to_string()));
//!                     return Next::remove();
//!                 }
//!             }
//!         }
//!     }
//!     fn on_error(&mut self, err: Error) -> Next {
//!         let _ = self.done.send(Err(err.to_string()));
//!         Next::remove()
//!     }
//! }
//!
//! let client: Client<Get> = Client::new()?;
//! let (tx, rx) = channel();
//! client
//!     .request("http://127.0.0.1:3000/", Get { status: 0, body: Vec::new(), done: tx })
//!     .expect("the client is running");
//! match rx.recv().expect("an answer") {
//!     Ok((status, body)) => println!("{status}: {}", String::from_utf8_lossy(&body)),
//!     Err(e) => eprintln!("failed: {e}"),
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
#![doc(test(attr(deny(warnings))))]

mod client;
mod conn;
mod error;
mod handler;
mod pool;
mod proxy;
mod request;
mod url;

pub use client::{Builder, Client, RequestError};
pub use error::Error;
pub use handler::{Decoder, Encoder, Handler, Response};
pub use hyper_net::tls::MaybeTls;
pub use hyper_net::{Control, SendError, TcpStream, Transport};
pub use proxy::Proxy;

/// TLS for `https://` (the client's transport, its configuration helpers, `rustls`).
pub mod tls {
    pub use hyper_net::rustls;
    pub use hyper_net::tls::{
        client_config_with_extra_roots, default_client_config, ClientTls, MaybeTls, TlsStream,
    };
}
/// Protocol vocabulary from `hyper_proto`, so that a client needs no other import: the
/// limits it applies to responses, what a response body looks like, and why a response was
/// refused.
pub use hyper_proto::{BodyLength, Headers, InvalidHeader, Limits, Next, OutgoingHead, ParseError};
pub use request::Request;
pub use url::{IntoUrl, Url, UrlError};

/// Methods, status codes and other vocabulary, from the `http` crate.
pub use http::{Method, StatusCode, Version};
