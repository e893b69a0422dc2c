//! Sans-IO HTTP/1.1: everything about the protocol that can be done with bytes in and bytes
//! out.
//!
//! This crate does **no IO and reads no clock**: no sockets, no threads, no mio, no
//! `Instant::now()`. The caller owns the buffers and the time; every call that may arm or
//! fire a deadline takes `now`. That makes it usable under any runtime (a mio loop, blocking
//! `std::net`, tokio, io_uring, a fuzzer) and testable deterministically.
//!
//! ```text
//!  socket bytes ─▶ [caller's read buffer] ─▶ Conn::recv_head ─▶ Request view (borrowed)
//!                                         └▶ Conn::recv_body ─▶ body slices (borrowed)
//!  handler's Next ─▶ Conn::set_next ─▶ wants_read / wants_write / poll_timeout
//!  Next::end      ─▶ Conn::end_exchange ─▶ last chunk; next exchange, or close
//!  response head ─▶ Conn::send_response_head ─┐
//!  body bytes    ─▶ Conn::frame_body / send_body ─▶ [caller's write buffer] ─▶ socket
//!  automatic 100 / 4xx answers ─▶ Conn::poll_transmit ┘
//! ```
//!
//! **Writing a driver** (a socket loop under std, tokio or anything else): the guide
//! [`driving`] has the whole loop for each role, every convention where it applies, and a
//! complete blocking server and client.
//!
//! Key types: [`Conn`] (the per-connection state machine, [`Server`] or [`Client`] role),
//! [`RequestParser`] / [`ResponseParser`] (heads, with the RFC 9112 rules httparse leaves to
//! us), [`Decoder`] / [`Encoder`] (body framing), [`encode_response_head`] /
//! [`encode_request_head`], [`Next`], [`Limits`], [`ParseError`] with its status hint.
//!
//! # Examples
//!
//! A server connection answering one request, all in memory:
//!
//! ```
//! use std::time::Instant;
//! use http::StatusCode;
//! use hyper_proto::{BodyKind, Config, Conn, Server};
//!
//! let now = Instant::now();
//! let mut conn = Conn::<Server>::new(Config::default(), now);
//! let mut input = b"GET /hello HTTP/1.1\r\nHost: example\r\n\r\n".to_vec();
//! let mut out = Vec::new();
//!
//! let head_len = conn.recv_head(now, &input).unwrap().expect("complete head");
//! assert_eq!(conn.request(&input).path(), "/hello");
//! input.drain(..head_len);
//!
//! conn.send_response_head(now, StatusCode::OK, [], BodyKind::Length(5), None, &mut out).unwrap();
//! conn.send_body(b"hello", &mut out).unwrap();
//! conn.end_exchange(now, &mut out).unwrap(); // the handler said Next::end()
//!
//! assert_eq!(out, b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello");
//! assert!(conn.is_idle() && conn.is_keep_alive()); // ready for the next request
//! ```
#![doc(test(attr(deny(warnings))))]

mod conn;
mod date;
mod decode;
pub mod driving;
mod encode;
mod error;
mod fast_head;
mod head_encode;
mod head_parse;
mod header_list;
mod headers;
mod interop;
mod limits;
mod next;
mod outgoing;
mod request;
mod response;

/// Hooks for the fuzz targets (feature `fuzzing`); not public API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod __fuzz {
    pub use crate::fast_head::check_against_httparse;
}

pub use conn::{
    Client, ClientData, Config, Conn, Role, Server, ServerData, DEFAULT_BODY_TIMEOUT,
    DEFAULT_CONTINUE_TIMEOUT, DEFAULT_HEAD_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_SEND_TIMEOUT,
};
pub use date::DateCache;
pub use decode::{Decoded, Decoder};
pub use encode::{BodyKind, Encoder, Frame};
pub use error::{Error, ParseError, TimeoutKind, UserError};
pub use head_encode::{
    connect_authority, encode_request_head, encode_response_head, EncodedHead, RequestLine,
    ResponseContext,
};
pub use head_parse::{BodyLength, Headers, MAX_HEADERS_CAP};
pub use header_list::HeaderList;
pub use interop::{encode_http_request, encode_http_response, header_pairs};
pub use limits::{
    Limits, MAX_CHUNK_EXTENSIONS, MAX_HEADERS, MAX_HEAD_SIZE, MAX_TARGET_LEN, MAX_TRAILER_SIZE,
};
pub use next::{Interest, Next};
pub use outgoing::{InvalidHeader, OutgoingHead};
pub use request::{is_idempotent, Request, RequestParser};
pub use response::{Response, ResponseParser};

/// The vocabulary types this crate's API takes and returns, from the `http` crate, so that
/// a driver needs no `http` dependency of its own to name them.
pub use http::{HeaderName, HeaderValue, Method, StatusCode, Version};
