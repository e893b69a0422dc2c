//! The handlers behind the example programs, as a library so that tests can run them
//! in-process against real clients (curl, python, ab, wrk).
//!
//! Each example binary (`examples/*.rs`) parses `--addr` and starts a [`Server`] with one of
//! these.
//!
//! [`Server`]: hyper_server::Server

pub mod echo;
pub mod files;
pub mod held;
pub mod hello;
pub mod proto_echo;
pub mod proxy;
pub mod std_server;
pub mod sync;
pub mod tokio_server;
pub mod tunnel;
pub mod wait;
pub mod websocket;

/// Whether `method` is one HTTP defines (RFC 9110 §9 and PATCH): a route that does not
/// serve it answers `405`; a method outside this list is `501` (no route knows it).
pub fn is_standard_method(method: &hyper_server::Method) -> bool {
    use hyper_server::Method;
    matches!(
        *method,
        Method::GET
            | Method::HEAD
            | Method::POST
            | Method::PUT
            | Method::DELETE
            | Method::CONNECT
            | Method::OPTIONS
            | Method::TRACE
            | Method::PATCH
    )
}

/// Reads and drops the request body as far as it has arrived: `Next::write()` once it has
/// ended (the answer can go), `Next::read()` while more is to come, `Next::remove()` on a
/// broken body. Handlers that do not want a body call it so the connection stays usable.
pub fn drop_body<T: hyper_server::Transport>(
    decoder: &mut hyper_server::Decoder<'_, '_, T>,
) -> hyper_server::Next {
    use hyper_server::Next;
    use std::io::{ErrorKind, Read};
    let mut sink = [0u8; 8192];
    loop {
        match decoder.read(&mut sink) {
            Ok(0) => return Next::write(),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::read(),
            Err(_) => return Next::remove(),
        }
    }
}
