//! What programs used of 0.10's `net` module: the response type-state markers and
//! `HttpListener`.

/// A response whose head has not been written: status and headers can change.
#[derive(Debug)]
pub enum Fresh {}

/// A response whose head has been written: the body can be written.
#[derive(Debug)]
pub enum Streaming {}

pub use crate::server::HttpListener;
