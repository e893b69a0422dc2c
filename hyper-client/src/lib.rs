//! The client half of hyper-next: the client-side state-machine [`Handler`] (the server's,
//! with names and types adjusted), and a [`Client`] running handlers on its own event loop
//! thread with a keep-alive pool keyed by host and port, DNS on resolver threads, connect
//! timeouts, and one safe retry of an idempotent request that hit a pooled connection the
//! server had already closed.
//!
//! Requests are started from any thread with [`Client::request`]; each has a handler that
//! fills the request head, writes the body, and reads the response as it arrives, answering
//! every call with a [`Next`]. One client runs one handler type: an enum serves several
//! kinds of request without boxing.
#![doc(test(attr(deny(warnings))))]

mod client;
mod error;
mod handler;
mod request;
mod url;

pub use client::{Builder, Client, RequestError};
pub use error::Error;
pub use handler::{Decoder, Encoder, Handler, Response};
pub use hyper_net::{Control, TcpStream};
pub use hyper_proto::Next;
pub use request::{InvalidHeader, Request};
pub use url::{IntoUrl, Url, UrlError};

/// Methods, status codes and other vocabulary, from the `http` crate.
pub use http::{Method, StatusCode, Version};
