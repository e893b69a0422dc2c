//! The client half of hyper-next: the client-side state-machine [`Handler`] (the server's,
//! with names and types adjusted), and a [`Client`] running handlers on its own event loop
//! thread with a keep-alive pool keyed by scheme, host and port, DNS on resolver threads, connect
//! timeouts, and one safe retry of an idempotent request that hit a pooled connection the
//! server had already closed.
//!
//! Requests are started from any thread with [`Client::request`]; each has a handler that
//! fills the request head, writes the body, and reads the response as it arrives, answering
//! every call with a [`Next`]. One client runs one handler type: an enum serves several
//! kinds of request without boxing.
#![doc(test(attr(deny(warnings))))]

mod client;
mod conn;
mod error;
mod handler;
mod pool;
mod request;
mod url;

pub use client::{Builder, Client, RequestError};
pub use error::Error;
pub use handler::{Decoder, Encoder, Handler, Response};
pub use hyper_net::{Control, SendError, TcpStream, Transport};
/// Protocol vocabulary from `hyper_proto`, so that a client needs no other import: the
/// limits it applies to responses, what a response body looks like, and why a response was
/// refused.
pub use hyper_proto::{BodyLength, Headers, InvalidHeader, Limits, Next, OutgoingHead, ParseError};
pub use request::Request;
pub use url::{IntoUrl, Url, UrlError};

/// Methods, status codes and other vocabulary, from the `http` crate.
pub use http::{Method, StatusCode, Version};
