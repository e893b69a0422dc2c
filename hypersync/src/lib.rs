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
//! | `ConnectionOption::ConnectionHeader(UniCase<String>)` | `ConnectionHeader(String)` | one dependency less for a rare variant |
//! | `Handler::on_connection_start` / `on_connection_end` on the connection's worker thread | on the event loop's thread, for every connection accepted and closed | connections are not tied to workers; keep the callbacks short |
//! | TLS through a connector (`Client::with_connector(HttpsConnector::new(ssl))`) | the same, with any `SslClient` (hyper-native-tls's `NativeTlsClient` and the like, whose `wrap_client` is called for each connection), or [`net::TlsClient`] (rustls), which the client runs itself; without a connector the client speaks `https://` itself (rustls, Mozilla's roots, `Client::set_tls_config` for others); through `with_http_proxy` it opens a `CONNECT` tunnel | |
//! | `Client::with_connector` with a connector of one's own (a mock) | the same: its `connect` opens each connection and the client speaks HTTP over the stream, pooled | |
//! | TLS servers: `Server::https(addr, ssl)` with any `SslServer` | the same; with [`net::TlsServer`] (rustls; `TlsServer::from_pem_files(cert, key)`) or an `Arc<rustls::ServerConfig>` the event loop runs the handshake and reads each head, so a stalled handshake holds no worker thread; another `SslServer` is served a thread per connection, as 0.10 did | the loop cannot run a TLS library's blocking handshake |
//! | `Server::new(listener)` on any `NetworkListener` | the same: `HttpListener` and `HttpsListener<TlsServer>` run on the event loop; any other listener is served as 0.10 served it, each of `handle_threads` threads accepting a connection and serving it to its end (an idle connection holds its thread for up to the keep-alive timeout) | a user's `accept` and streams are blocking code the loop cannot own |
//! | `Request::downcast_ref::<HttpStream>()` / `ssl::<T>()` reached the socket or the TLS stream | the request's stream is always [`server::ConnStream`], through which the body comes decoded (on the event loop the socket is the loop's; on a user's listener, the stream is inside the connection hypersync frames): a downcast to another type gives `None` | the connection's framing is hyper-proto's, never the handler's |
//! | `Request::deconstruct()` gave an `HttpReader` that decoded the body from the socket | an `HttpReader::EofReader` over a stream that gives the body decoded; `Request::new` over a raw stream gives `SizedReader` / `ChunkedReader` as 0.10 did | the connection's framing is hyper-proto's |
//! | a request without `Host` was served | `400 Bad Request` (HTTP/1.1); `Request::new` over a raw stream takes an absolute-form target's authority for it, as test helpers (iron-test) need | RFC 9112 §3.2 |
//! | `100 Continue` written before `handle` was called | written when the handler first reads the body (a handler that answers without reading never makes the client send it); `check_continue` still refuses | RFC 9110 §10.1.1 lets the server choose |
//! | `Content-Length`, `Transfer-Encoding`, `Date` written in title case | the same by default (`Connection` too); `Server::title_case_headers(false)` writes them in lower case, as hyper 1.x does by default; the automatic answers to malformed requests (400, 413, ...) are lower case either way; headers a handler sets keep the case of their typed names | field names are case-insensitive (RFC 9110 §5.1), but old clients and tests compare header lines as strings |
//! | the status line to an HTTP/1.0 client said `HTTP/1.1` | the same (RFC 9110 §2.5: the server's own version) | |
//!
//! # Moving an iron or nickel application
//!
//! Frameworks and middleware written for hyper 0.10 say `extern crate hyper;`. This
//! workspace ships a crate named `hyper`, version 0.10.16 (`hypersync/hyper010`), that is
//! hypersync; two lines in the application's own `Cargo.toml` put it under every crate of
//! the build, with no change to any source:
//!
//! ```toml
//! [patch.crates-io]
//! hyper = { path = "../hyper-next/hypersync/hyper010" }
//! ```
//!
//! (or `git = "..."` with the repository). `cargo tree -i hyper` then shows
//! `hyper v0.10.16 (.../hypersync/hyper010)`. iron 0.6, nickel 0.11, router, mount,
//! staticfile, params, urlencoded, bodyparser, persistent, logger and iron-test run their
//! own test suites on it with the same results as on crates.io's hyper 0.10.16
//! (`hypersync/ecosystem/run.sh`); `Iron::http` and `Nickel::listen` serve on the event
//! loop.

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
