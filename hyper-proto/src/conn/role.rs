//! The two roles of a connection ([`Server`], [`Client`]) and the hooks through which the
//! generic state machine asks them where they differ (h11's "Rule 2": role-specific code
//! lives with the role, not in `if server` branches).

use core::fmt;

use http::{Method, Version};

use crate::limits::Limits;
use crate::request::RequestParser;
use crate::response::ResponseParser;

mod sealed {
    #[allow(
        unnameable_types,
        reason = "the sealed-trait pattern: nameable by no one on purpose"
    )]
    pub trait Sealed {}
}

/// The side of the connection: [`Server`] reads requests, [`Client`] reads responses.
///
/// The generic state machine asks the role through these hooks wherever the two sides
/// differ (h11's "Rule 2"): the role-specific code lives with the role.
pub trait Role: sealed::Sealed {
    /// Role-specific state (the head parser and what it needs).
    #[doc(hidden)]
    type Data: fmt::Debug;
    #[doc(hidden)]
    fn data(limits: Limits) -> Self::Data;
    /// The name in `Debug` output.
    #[doc(hidden)]
    const NAME: &'static str;
    /// Whether a remote violation or a head-read timeout is answered with an automatic
    /// response (the server's 4xx; a client just closes).
    #[doc(hidden)]
    const ANSWERS_ERRORS: bool;
    /// Whether a `100 Continue` waits to be written.
    #[doc(hidden)]
    fn continue_queued(data: &Self::Data) -> bool;
    /// The handler asked to read the body: queue `100 Continue` if the request expects it.
    #[doc(hidden)]
    fn queue_continue(data: &mut Self::Data);
    /// The wait for `100 Continue` is over: a held-back request body may go.
    #[doc(hidden)]
    fn stop_awaiting_continue(data: &mut Self::Data);
}

/// The server role: reads requests, writes responses.
#[derive(Debug)]
pub enum Server {}

/// The client role: writes requests, reads responses.
#[derive(Debug)]
pub enum Client {}

impl sealed::Sealed for Server {}
impl sealed::Sealed for Client {}

#[doc(hidden)]
#[derive(Debug)]
pub struct ServerData {
    pub(super) parser: RequestParser,
    /// The request being answered: version, HEAD, expect-continue.
    pub(super) version: Version,
    pub(super) head_request: bool,
    /// The request asked to switch protocols / was CONNECT.
    pub(super) upgrade_requested: bool,
    pub(super) connect: bool,
    pub(super) continue_state: Continue,
}

#[doc(hidden)]
#[derive(Debug)]
pub struct ClientData {
    pub(super) parser: ResponseParser,
    pub(super) method: Method,
    /// We sent `Expect: 100-continue` and no answer came yet.
    pub(super) awaiting_continue: bool,
}

impl Role for Server {
    type Data = ServerData;
    fn data(limits: Limits) -> ServerData {
        ServerData {
            parser: RequestParser::new(limits),
            version: Version::HTTP_11,
            head_request: false,
            upgrade_requested: false,
            connect: false,
            continue_state: Continue::None,
        }
    }
    const NAME: &'static str = "Conn<Server>";
    const ANSWERS_ERRORS: bool = true;
    fn continue_queued(data: &ServerData) -> bool {
        data.continue_state == Continue::Queued
    }
    fn queue_continue(data: &mut ServerData) {
        if data.continue_state == Continue::Expected {
            data.continue_state = Continue::Queued;
        }
    }
    fn stop_awaiting_continue(_: &mut ServerData) {}
}

impl Role for Client {
    type Data = ClientData;
    fn data(limits: Limits) -> ClientData {
        ClientData {
            parser: ResponseParser::new(limits),
            method: Method::GET,
            awaiting_continue: false,
        }
    }
    const NAME: &'static str = "Conn<Client>";
    const ANSWERS_ERRORS: bool = false;
    fn continue_queued(_: &ClientData) -> bool {
        false
    }
    fn queue_continue(_: &mut ClientData) {}
    fn stop_awaiting_continue(data: &mut ClientData) {
        data.awaiting_continue = false;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Continue {
    None,
    /// The request expects 100-continue; nothing sent yet.
    Expected,
    /// `100 Continue` waits in `poll_transmit`.
    Queued,
    /// Sent, or no longer possible (the response head went out).
    Done,
}
