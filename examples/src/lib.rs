//! The handlers behind the example programs, as a library so that tests can run them
//! in-process against real clients (curl, python, ab, wrk).
//!
//! Each example binary (`examples/*.rs`) parses `--addr` and starts a [`Server`] with one of
//! these.
//!
//! [`Server`]: hyper_server::Server

pub mod echo;
pub mod files;
pub mod hello;
pub mod proxy;
pub mod sync;
pub mod wait;
