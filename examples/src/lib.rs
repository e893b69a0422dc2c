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

/// Writes `body[*pos..]` as far as the connection takes it, moving `pos`: `Next::end()`
/// once all of it is queued, `Next::write()` while the socket is full, `Next::remove()`
/// when the connection broke. For handlers answering with a body they already hold.
pub fn write_body<T: hyper_server::Transport>(
    encoder: &mut hyper_server::Encoder<'_, '_, T>,
    body: &[u8],
    pos: &mut usize,
) -> hyper_server::Next {
    use hyper_server::Next;
    use std::io::{ErrorKind, Write};
    while *pos < body.len() {
        match encoder.write(&body[*pos..]) {
            Ok(n) => *pos += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::write(),
            Err(_) => return Next::remove(),
        }
    }
    Next::end()
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
