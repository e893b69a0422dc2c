//! [`Request`]: the head a client handler fills in `on_request`.

use http::Method;
use hyper_proto::{BodyKind, HeaderList, InvalidHeader, OutgoingHead};

use crate::url::Url;

/// The request head: method (GET by default), the URL, and the fields and framing of an
/// [`OutgoingHead`] (its methods are reached through `Deref`: `remove_header`, `headers`,
/// `header`, `set_content_length`, `set_chunked`, `body_kind`), plus `Expect`.
///
/// `Host` comes from the URL unless set here. [`Request::set_connect`] makes the request a
/// `CONNECT` for a tunnel through the proxy the URL names. `Content-Length` / `Transfer-Encoding:
/// chunked` given as headers set the framing, and `Expect: 100-continue` the expectation.
/// Without a body declared, none is sent.
#[derive(Debug)]
pub struct Request {
    method: Method,
    url: Url,
    /// `host:port` of a CONNECT's tunnel.
    connect: Option<Box<str>>,
    head: OutgoingHead,
    expect_continue: bool,
}

hyper_proto::deref_outgoing_head!(Request, head);

impl Request {
    pub(crate) fn new(url: Url) -> Self {
        let mut head = OutgoingHead::new();
        if let Some(basic) = url.basic_auth() {
            // From `http://user:pass@host/`; a handler's own `Authorization` replaces it.
            let _ = head.set_header("authorization", basic);
        }
        Self {
            method: Method::GET,
            url,
            connect: None,
            head,
            expect_continue: false,
        }
    }

    /// The URL being requested.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Makes this a `CONNECT` asking the proxy the URL names (`http://proxy:3128/`) for a
    /// tunnel to `authority` (`host:port`, sent as the request-target and `Host`). A 2xx
    /// answer hands the connection to the handler's
    /// [`on_upgrade`](crate::Handler::on_upgrade): the tunnel.
    ///
    /// # Errors
    ///
    /// [`InvalidHeader`] when `authority` is not `host:port`.
    pub fn set_connect(&mut self, authority: &str) -> Result<(), InvalidHeader> {
        let ok = authority.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty()
                && port.parse::<u16>().is_ok_and(|p| p > 0)
                && authority
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'/' && b != b'@')
        });
        if !ok {
            return Err(InvalidHeader);
        }
        self.method = Method::CONNECT;
        self.connect = Some(authority.into());
        Ok(())
    }

    /// The tunnel target of a [`Request::set_connect`] request.
    pub fn connect_target(&self) -> Option<&str> {
        self.connect.as_deref()
    }

    /// Sets the method.
    pub fn set_method(&mut self, method: Method) {
        self.method = method;
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Sets a header, replacing others of the same name; `Expect: 100-continue` sets the
    /// expectation instead.
    ///
    /// # Errors
    ///
    /// [`InvalidHeader`], and any `Expect` but `100-continue`; nothing changes then.
    pub fn set_header(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result<(), InvalidHeader> {
        if self.expect(name, value.as_ref())? {
            return Ok(());
        }
        self.head.set_header(name, value)
    }

    /// Adds a header line, keeping others of the same name.
    ///
    /// # Errors
    ///
    /// As [`Request::set_header`].
    pub fn append_header(
        &mut self,
        name: &str,
        value: impl AsRef<[u8]>,
    ) -> Result<(), InvalidHeader> {
        if self.expect(name, value.as_ref())? {
            return Ok(());
        }
        self.head.append_header(name, value)
    }

    /// Takes an `Expect` header as the expectation: whether it was one.
    fn expect(&mut self, name: &str, value: &[u8]) -> Result<bool, InvalidHeader> {
        if !name.eq_ignore_ascii_case("expect") {
            return Ok(false);
        }
        if !value.eq_ignore_ascii_case(b"100-continue") {
            return Err(InvalidHeader);
        }
        self.expect_continue = true;
        Ok(true)
    }

    /// Sends `Expect: 100-continue` and holds the body back until the server answers `100`
    /// (or a second passes, as curl does).
    pub fn set_expect_continue(&mut self, on: bool) {
        self.expect_continue = on;
    }

    pub(crate) fn body(&self) -> BodyKind {
        self.head.body_kind().unwrap_or(BodyKind::Empty)
    }

    pub(crate) fn expect_continue(&self) -> bool {
        self.expect_continue
    }

    pub(crate) fn fields(&self) -> &HeaderList {
        self.head.list()
    }

    /// Whether re-sending this request is harmless (RFC 9110 §9.2.2).
    pub(crate) fn is_idempotent(&self) -> bool {
        hyper_proto::is_idempotent(&self.method)
    }
}
