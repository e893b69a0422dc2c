//! The type-state markers of 0.10's `net` module.

/// A response whose head has not been written: status and headers can change.
#[derive(Debug)]
pub enum Fresh {}

/// A response whose head has been written: the body can be written.
#[derive(Debug)]
pub enum Streaming {}
