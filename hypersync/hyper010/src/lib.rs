//! hyper 0.10.16's API, served by [hypersync](https://docs.rs/hypersync): a crate named
//! `hyper`, version 0.10.16, so that an application moves the frameworks and middleware
//! written for hyper 0.10 (iron, nickel, router, mount, staticfile, ...) onto the
//! hyper-next engine with one entry in its own `Cargo.toml`:
//!
//! ```toml
//! [patch.crates-io]
//! hyper = { path = "../hyper-next/hypersync/hyper010" }
//! ```
//!
//! Every crate of the build that says `extern crate hyper;` then gets this one. Everything
//! here is hypersync's (see its docs for what differs from 0.10, and why).
//!
//! # Examples
//!
//! ```no_run
//! extern crate hyper;
//!
//! use hyper::server::{Request, Response, Server};
//!
//! fn hello(_: Request, res: Response) {
//!     res.send(b"Hello World!").unwrap();
//! }
//!
//! fn main() {
//!     let _listening = Server::http("127.0.0.1:3000").unwrap().handle(hello);
//! }
//! ```

pub use hypersync::*;
