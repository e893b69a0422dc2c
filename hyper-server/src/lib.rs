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
#![doc(test(attr(deny(warnings))))]

mod conn;
mod error;
mod handler;
mod response;
mod server;

#[cfg(test)]
mod driver_tests;

pub use error::Error;
pub use handler::{Decoder, Encoder, Handler, HandlerFactory, Request};
pub use hyper_net::{Control, SendError, TcpStream, Transport};
/// Protocol vocabulary from `hyper_proto`, so that a server needs no other import: the
/// limits a server applies, what a request head and body look like, and why a head was
/// refused.
pub use hyper_proto::{BodyLength, Headers, InvalidHeader, Limits, Next, OutgoingHead, ParseError};
pub use response::Response;
pub use server::{Listening, Server};

/// Status codes and other vocabulary, from the `http` crate.
pub use http::{Method, StatusCode, Version};
