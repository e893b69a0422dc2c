//! hyper 0.10's blocking API on the hyper-next engine.
//!
//! A program written for hyper 0.10 moves here by changing its dependency line to
//! `hypersync` and `extern crate hyper;` to `extern crate hypersync as hyper;`: the paths,
//! names and signatures it uses are the same (`hyper::server::{Server, Request, Response}`,
//! `hyper::Client`, `hyper::header::ContentType`, `hyper::status::StatusCode::NotFound`,
//! `hyper::Get`, `header!`, ...).
//!
//! What is underneath is not the same. The server's sockets live in a mio event loop
//! (hyper-net): a connection reaches one of the `handle_threads` worker threads only once a
//! request head is complete, and idle keep-alive connections and slow clients hold no
//! thread at all. A worker reads and writes a busy connection directly; between requests
//! the busy connections wait in one set the workers share, and one worker serves each
//! that is ready in turn, as an event loop does (another is woken if one waits 1 ms behind
//! a slow handler); a connection quiet for 2 ms goes back to the loop. Every rule
//! and automatic answer of `hyper-proto` applies (400, 413, 431, 501, 505, timeouts,
//! pipelining). The client runs each request on the calling thread over `hyper-proto`, with
//! a pool that checks connections before reuse.
//!
//! # Example
//!
//! ```no_run
//! extern crate hypersync as hyper;
//!
//! use hyper::server::{Request, Response};
//!
//! fn hello(_: Request, res: Response) {
//!     res.send(b"Hello World!").unwrap();
//! }
//!
//! fn main() {
//!     let _listening = hyper::Server::http("127.0.0.1:3000").unwrap().handle(hello);
//!     println!("Listening on http://127.0.0.1:3000");
//! }
//! ```
//!
//! # Migrating from hyper 0.10
//!
//! Nothing changes for the common surface. What is deliberately different, and why:
//!
//! | 0.10 | hypersync | why |
//! |---|---|---|
//! | an unread request body was parsed as the next request | the rest of the body is read and dropped (bounded), or the connection closed | the bytes of one request never become another |
//! | a `HEAD` answer carried `0\r\n\r\n` | no body on a `HEAD` answer | RFC 9110 §9.3.2 |
//! | chunked bodies to HTTP/1.0 clients | close-delimited bodies for them | HTTP/1.0 has no chunked coding |
//! | a malformed head closed the connection silently | `400`, `413`, `414`, `431`, `501` or `505`, then close | the client learns why |
//! | a thread per connection, idle ones included | workers only for requests being handled | slowloris and idle keep-alive cannot starve the server |
//! | `Listening::close` did nothing | it stops the server: the listener and idle connections at once, each request in progress finished with `Connection: close` | |
//! | no graceful stop | `Listening::shutdown(grace)`: the same, with up to `grace` for the requests in flight before the rest is closed | deploys without cutting requests |
//! | a dropped `Fresh` response with `Content-Length: N` sent no body | `Content-Length: 0` | the client is not left waiting |
//! | client: no check of pooled connections, no retry | a stale pooled connection is replaced; an idempotent request is retried once | the first request after a server's idle close works |
//! | client: redirects followed without limit | followed up to 10 hops | a redirect loop ends |
//! | no read or write timeout by default | 60 s for a body read or a response write that makes no progress (`set_read_timeout(None)` for none) | a stalled client cannot hold a worker forever |
//! | `HttpDate(time::Tm)` | `HttpDate(SystemTime)` | `time` 0.1 is retired |
//! | `ConnectionOption::ConnectionHeader(UniCase<String>)` | `ConnectionHeader(String)` | one dependency less for a rare variant |
//! | `Handler::on_connection_start` / `on_connection_end` on the connection's worker thread | on the event loop's thread, for every connection accepted and closed | connections are not tied to workers; keep the callbacks short |
//! | TLS through a connector (`Client::with_connector(HttpsConnector::new(ssl))`, with `ssl` from an OpenSSL or native-tls crate) | the client speaks `https://` itself: rustls, Mozilla's roots, `Client::set_tls_config` for others (`client::tls_config_with_extra_roots`, `client::ClientTls` for a client certificate); `Client::with_connector(HttpsConnector::new(TlsClient::new()))` still compiles, with [`net::TlsClient`] (rustls) as `ssl`; through `with_http_proxy` it opens a `CONNECT` tunnel | one well-kept TLS stack instead of a choice of OpenSSL bindings |
//! | TLS servers: `Server::https(addr, ssl)` with an `SslServer` from an OpenSSL or native-tls crate, which wrapped each accepted stream | `Server::https(addr, ssl)` with [`net::TlsServer`] (rustls; `TlsServer::from_pem_files(cert, key)`) or an `Arc<rustls::ServerConfig>`: the one line that builds `ssl` changes | the event loop runs the handshake and reads each head, so a stalled handshake holds no worker thread |

#![allow(elided_lifetimes_in_paths)]
// Types are named as 0.10 named them, `Self` or not.
#![allow(clippy::use_self)]

#[macro_use]
pub mod header;
pub mod buffer;
pub mod client;
pub mod error;
pub mod http;
pub mod method;
pub mod net;
mod readbuf;
pub mod server;
pub mod status;
mod stream;
pub mod uri;
pub mod version;

pub use language_tags::LanguageTag;
pub use mime;
pub use url::Url;

pub use crate::client::Client;
pub use crate::error::{Error, Result};
pub use crate::method::Method::{Delete, Get, Head, Post};
pub use crate::server::Server;
pub use crate::status::StatusCode::{BadRequest, NotFound, Ok};
