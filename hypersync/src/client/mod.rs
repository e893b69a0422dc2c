//! The blocking client: [`Client`], [`RequestBuilder`], [`Response`], [`Body`],
//! [`RedirectPolicy`].
//!
//! Each request runs on the calling thread over `hyper_proto`, on a pooled keep-alive
//! connection when one is free: in the steady state one write and one read per request.
//! A pooled connection idle for a while is checked before reuse (a closed one is replaced),
//! and an idempotent request that fails on a reused connection before any answer is sent
//! again once on a new one.
//!
//! # Examples
//!
//! ```no_run
//! use std::io::Read;
//! use hypersync::Client;
//! use hypersync::header::UserAgent;
//!
//! let client = Client::new();
//! let mut res = client.get("http://127.0.0.1:3000/").header(UserAgent("me".into())).send().unwrap();
//! let mut body = String::new();
//! res.read_to_string(&mut body).unwrap();
//! println!("{} {}", res.status, body);
//! ```

use core::fmt;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use url::Url;

use crate::net::{NetworkConnector, NetworkStream};

use self::conn::HttpConn;
use crate::error::{Error, Result};
use crate::header::{ContentLength, Header, HeaderFormat, Headers, Location};
use crate::method::Method;
use crate::status::StatusCode;
use crate::version::HttpVersion;

mod conn;
pub mod pool;
mod response;
mod stream;

/// The rustls crate `https://` runs on, so that a custom [`Client::set_tls_config`] names
/// the same version.
pub use rustls;

pub use self::stream::{default_tls_config, tls_config_with_extra_roots};
/// Builds a TLS configuration with roots of its own and a client certificate (mutual TLS).
pub use hyper_net::tls::ClientTls;

pub use self::response::Response;
pub use crate::http::RawStatus;

/// Redirect hops followed before the request fails (0.10 had no limit, so a loop spun
/// forever).
pub const MAX_REDIRECTS: usize = 10;

/// A pooled connection idle at least this long is checked (a non-blocking peek) before it
/// is used: servers close idle connections after a few seconds.
const CHECK_AFTER: Duration = Duration::from_millis(250);

/// What the client does with a `3xx` answer carrying `Location`.
#[derive(Clone, Copy, Default)]
pub enum RedirectPolicy {
    /// Follow none: the `3xx` is the response.
    FollowNone,
    /// Follow all (the default), up to [`MAX_REDIRECTS`] hops.
    #[default]
    FollowAll,
    /// Follow those for which the function returns true.
    FollowIf(fn(&Url) -> bool),
}

impl fmt::Debug for RedirectPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match *self {
            RedirectPolicy::FollowNone => "FollowNone",
            RedirectPolicy::FollowAll => "FollowAll",
            RedirectPolicy::FollowIf(_) => "FollowIf",
        })
    }
}

impl RedirectPolicy {
    fn follows(&self, url: &Url) -> bool {
        match *self {
            RedirectPolicy::FollowNone => false,
            RedirectPolicy::FollowAll => true,
            RedirectPolicy::FollowIf(f) => f(url),
        }
    }
}

/// A blocking HTTP client with a connection pool. `Send + Sync`: share it in an `Arc`.
pub struct Client {
    pool: Arc<Idle>,
    redirect_policy: RedirectPolicy,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    proxy: Option<(String, u16)>,
    tls: Arc<rustls::ClientConfig>,
    /// A user's connector (`with_connector`), which opens every connection.
    connector: Option<Arc<Connect>>,
}

/// A user's `NetworkConnector::connect`, its stream boxed.
type Connect = dyn Fn(&str, u16, &str) -> Result<Box<dyn NetworkStream + Send>> + Send + Sync;

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("redirect_policy", &self.redirect_policy)
            .field("read_timeout", &self.read_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("proxy", &self.proxy)
            .finish()
    }
}

impl Default for Client {
    fn default() -> Client {
        Client::new()
    }
}

impl Client {
    /// A client keeping up to 5 idle connections per host, as 0.10's did.
    pub fn new() -> Client {
        Client::with_pool_config(pool::Config::default())
    }

    /// A client whose connections `connector` opens (0.10's way to get TLS:
    /// `Client::with_connector(HttpsConnector::new(ssl))`; a mock connector in tests).
    ///
    /// [`HttpConnector`](crate::net::HttpConnector) and `HttpsConnector` over
    /// [`TlsClient`](crate::net::TlsClient) let the client open connections itself
    /// (pooled and checked before reuse; `https://` with the connector's rustls
    /// configuration). Any other connector's `connect` is called for each new connection
    /// and the client speaks HTTP over the stream it returns, pooled as well.
    pub fn with_connector<C, S>(connector: C) -> Client
    where
        C: NetworkConnector<Stream = S> + Send + Sync + 'static,
        S: Into<Box<dyn NetworkStream + Send>> + Send,
    {
        let mut client = Client::new();
        match connector.own_connections() {
            Some(Some(config)) => client.set_tls_config(config),
            Some(None) => {}
            None => {
                client.connector = Some(Arc::new(move |host: &str, port: u16, scheme: &str| {
                    connector.connect(host, port, scheme).map(Into::into)
                }));
            }
        }
        client
    }

    /// A client with the pool settings given.
    pub fn with_pool_config(config: pool::Config) -> Client {
        Client {
            pool: Arc::new(Idle {
                conns: Mutex::new(Vec::new()),
                max_idle: config.max_idle,
            }),
            redirect_policy: RedirectPolicy::default(),
            read_timeout: None,
            write_timeout: None,
            proxy: None,
            tls: default_tls_config(),
            connector: None,
        }
    }

    /// A client that sends every request through the HTTP proxy at `host:port`.
    pub fn with_http_proxy<H: Into<std::borrow::Cow<'static, str>>>(host: H, port: u16) -> Client {
        let mut client = Client::new();
        client.proxy = Some((host.into().into_owned(), port));
        client
    }

    /// Sets the redirect policy.
    pub fn set_redirect_policy(&mut self, policy: RedirectPolicy) {
        self.redirect_policy = policy;
    }

    /// The TLS settings of `https://` requests (not in hyper 0.10, which took a TLS
    /// connector instead): by default [`default_tls_config`], Mozilla's roots; trust a
    /// private CA with [`tls_config_with_extra_roots`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let mut client = hypersync::Client::new();
    /// let ca = std::fs::read("ca.pem").unwrap();
    /// client.set_tls_config(hypersync::client::tls_config_with_extra_roots(&ca).unwrap());
    /// let res = client.get("https://internal.example/").send().unwrap();
    /// ```
    pub fn set_tls_config(&mut self, config: Arc<rustls::ClientConfig>) {
        self.tls = config;
    }

    /// How long a read from the server may block.
    pub fn set_read_timeout(&mut self, dur: Option<Duration>) {
        self.read_timeout = dur;
    }

    /// How long a write to the server may block.
    pub fn set_write_timeout(&mut self, dur: Option<Duration>) {
        self.write_timeout = dur;
    }

    /// A `GET` request.
    pub fn get<U: IntoUrl>(&self, url: U) -> RequestBuilder<'_> {
        self.request(Method::Get, url)
    }

    /// A `HEAD` request.
    pub fn head<U: IntoUrl>(&self, url: U) -> RequestBuilder<'_> {
        self.request(Method::Head, url)
    }

    /// A `POST` request.
    pub fn post<U: IntoUrl>(&self, url: U) -> RequestBuilder<'_> {
        self.request(Method::Post, url)
    }

    /// A `PUT` request.
    pub fn put<U: IntoUrl>(&self, url: U) -> RequestBuilder<'_> {
        self.request(Method::Put, url)
    }

    /// A `PATCH` request.
    pub fn patch<U: IntoUrl>(&self, url: U) -> RequestBuilder<'_> {
        self.request(Method::Patch, url)
    }

    /// A `DELETE` request.
    pub fn delete<U: IntoUrl>(&self, url: U) -> RequestBuilder<'_> {
        self.request(Method::Delete, url)
    }

    /// A request with any method.
    pub fn request<U: IntoUrl>(&self, method: Method, url: U) -> RequestBuilder<'_> {
        RequestBuilder {
            client: self,
            method,
            url: url.into_url(),
            headers: None,
            body: None,
        }
    }

    fn connection(&self, url: &Url) -> Result<HttpConn> {
        let (scheme, host, port) = target_of(url)?;
        let conn = match self.pool.checkout(scheme, host, port) {
            Some(mut conn) => {
                conn.set_timeouts(self.read_timeout, self.write_timeout)?;
                conn
            }
            None => {
                let key = (scheme.to_owned(), host.to_owned(), port);
                let (host, port) = match self.proxy {
                    Some((ref h, p)) => (h.as_str(), p),
                    None => (host, port),
                };
                let timeouts = (self.read_timeout, self.write_timeout);
                if let Some(connect) = &self.connector {
                    let stream = connect(host, port, scheme)?;
                    HttpConn::over(key, stream, timeouts)?
                } else {
                    let via_proxy = self.proxy.is_some();
                    HttpConn::connect(key, (host, port), timeouts, via_proxy, &self.tls)?
                }
            }
        };
        Ok(conn)
    }
}

/// The idle connections of a client, shared with its responses (which give theirs back).
pub(crate) struct Idle {
    conns: Mutex<Vec<HttpConn>>,
    max_idle: usize,
}

impl Idle {
    fn checkout(&self, scheme: &str, host: &str, port: u16) -> Option<HttpConn> {
        let mut idle = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        let same = |c: &HttpConn| c.key.2 == port && c.key.1 == host && c.key.0 == scheme;
        while let Some(i) = idle.iter().rposition(same) {
            let mut conn = idle.swap_remove(i);
            if conn.idle_since.elapsed() < CHECK_AFTER || conn.is_fresh() {
                return Some(conn);
            }
        }
        None
    }

    pub(crate) fn checkin(&self, mut conn: HttpConn) {
        if !conn.reusable() {
            return;
        }
        conn.idle_since = Instant::now();
        conn.reused = true;
        let mut idle = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        if idle.iter().filter(|c| c.key == conn.key).count() < self.max_idle {
            idle.push(conn);
        }
    }
}

/// (scheme, host to connect to, port) of an `http` or `https` URL.
fn target_of(url: &Url) -> Result<(&str, &str, u16)> {
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(Error::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "unsupported URL scheme {:?} (http and https are)",
                url.scheme()
            ),
        )));
    }
    let host = url
        .host_str()
        .ok_or(Error::Uri(url::ParseError::EmptyHost))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(80);
    Ok((url.scheme(), host, port))
}

/// Something a URL can be made of: `Url` (url 1, as 0.10), `/// Something a URL can be made of: `Url`, `&str`, `&String`, `String`.str`, `/// Something a URL can be made of: `Url`, `&str`, `&String`, `String`.String`, `String`, url 2's `Url`, `http::Uri`.
pub trait IntoUrl {
    /// The URL.
    ///
    /// # Errors
    ///
    /// The text is not a URL.
    fn into_url(self) -> std::result::Result<Url, url::ParseError>;
}

impl IntoUrl for Url {
    fn into_url(self) -> std::result::Result<Url, url::ParseError> {
        Ok(self)
    }
}

impl IntoUrl for &Url {
    fn into_url(self) -> std::result::Result<Url, url::ParseError> {
        Ok(self.clone())
    }
}

impl IntoUrl for &str {
    fn into_url(self) -> std::result::Result<Url, url::ParseError> {
        Url::parse(self)
    }
}

impl IntoUrl for &String {
    fn into_url(self) -> std::result::Result<Url, url::ParseError> {
        Url::parse(self)
    }
}

impl IntoUrl for String {
    fn into_url(self) -> std::result::Result<Url, url::ParseError> {
        Url::parse(&self)
    }
}

/// A URL of the maintained `url` 2.x (re-parsed: it is already valid, the same text).
impl IntoUrl for url2::Url {
    fn into_url(self) -> std::result::Result<Url, url::ParseError> {
        Url::parse(self.as_str())
    }
}

impl IntoUrl for &url2::Url {
    fn into_url(self) -> std::result::Result<Url, url::ParseError> {
        Url::parse(self.as_str())
    }
}

/// An `http::Uri` (absolute: scheme and authority).
impl IntoUrl for http::Uri {
    fn into_url(self) -> std::result::Result<Url, url::ParseError> {
        Url::parse(&self.to_string())
    }
}

/// A request body.
pub enum Body<'a> {
    /// A body of unknown length, read to its end and sent chunked.
    ChunkedBody(&'a mut (dyn Read + 'a)),
    /// A body of this many bytes, read from the reader.
    SizedBody(&'a mut (dyn Read + 'a), u64),
    /// Bytes in memory (the `usize` is their length, as in 0.10).
    BufBody(&'a [u8], usize),
}

impl fmt::Debug for Body<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Body::ChunkedBody(_) => f.write_str("ChunkedBody"),
            Body::SizedBody(_, n) => write!(f, "SizedBody({n})"),
            Body::BufBody(_, n) => write!(f, "BufBody({n})"),
        }
    }
}

impl<'a> From<&'a [u8]> for Body<'a> {
    fn from(b: &'a [u8]) -> Body<'a> {
        Body::BufBody(b, b.len())
    }
}

impl<'a> From<&'a str> for Body<'a> {
    fn from(s: &'a str) -> Body<'a> {
        s.as_bytes().into()
    }
}

impl<'a> From<&'a String> for Body<'a> {
    fn from(s: &'a String) -> Body<'a> {
        s.as_bytes().into()
    }
}

impl<'a> From<&'a Vec<u8>> for Body<'a> {
    fn from(v: &'a Vec<u8>) -> Body<'a> {
        v[..].into()
    }
}

impl<'a, R: Read + 'a> From<&'a mut R> for Body<'a> {
    fn from(r: &'a mut R) -> Body<'a> {
        Body::ChunkedBody(r)
    }
}

/// A request being built: `client.post(url).header(h).body("...").send()`.
pub struct RequestBuilder<'a> {
    client: &'a Client,
    method: Method,
    url: std::result::Result<Url, url::ParseError>,
    headers: Option<Headers>,
    body: Option<Body<'a>>,
}

impl fmt::Debug for RequestBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

impl<'a> RequestBuilder<'a> {
    /// Sets a typed header.
    pub fn header<H: Header + HeaderFormat>(mut self, header: H) -> RequestBuilder<'a> {
        self.headers.get_or_insert_with(Headers::new).set(header);
        self
    }

    /// Replaces the headers with these.
    pub fn headers(mut self, headers: Headers) -> RequestBuilder<'a> {
        self.headers = Some(headers);
        self
    }

    /// Sets the body.
    pub fn body<B: Into<Body<'a>>>(mut self, body: B) -> RequestBuilder<'a> {
        self.body = Some(body.into());
        self
    }

    /// Sends the request and reads the response head; the body is read from the
    /// [`Response`]. Redirects are followed as the client's policy says.
    ///
    /// # Errors
    ///
    /// A bad URL, a connection or protocol failure, or more than [`MAX_REDIRECTS`] hops.
    pub fn send(self) -> Result<Response> {
        let RequestBuilder {
            client,
            mut method,
            url,
            headers,
            body,
        } = self;
        let mut url = url?;
        let mut headers = headers.unwrap_or_default();
        // 0.10 sent no body with GET or HEAD.
        let mut body = match method {
            Method::Get | Method::Head => None,
            _ => body,
        };
        for _hop in 0..=MAX_REDIRECTS {
            let res = exchange(client, &method, &url, &headers, &mut body)?;
            let follow = match res.status {
                StatusCode::MovedPermanently
                | StatusCode::Found
                | StatusCode::SeeOther
                | StatusCode::TemporaryRedirect
                | StatusCode::PermanentRedirect => {
                    res.headers.get::<Location>().and_then(|l| url.join(l).ok())
                }
                _ => None,
            };
            let Some(next) = follow.filter(|u| client.redirect_policy.follows(u)) else {
                return Ok(res);
            };
            let status = res.status;
            // Reading the rest of the body lets the connection go back to the pool.
            res.finish();
            if status == StatusCode::SeeOther {
                method = Method::Get;
            }
            // As 0.10: the method is kept (but 303 means GET); a body is not sent again.
            body = None;
            headers.remove::<ContentLength>();
            url = next;
        }
        Err(Error::Io(io::Error::other(format!(
            "more than {MAX_REDIRECTS} redirects"
        ))))
    }
}

/// One request and the response head, retried once on a new connection when a reused one
/// fails before any answer and the request can safely be sent twice.
fn exchange(
    client: &Client,
    method: &Method,
    url: &Url,
    headers: &Headers,
    body: &mut Option<Body<'_>>,
) -> Result<Response> {
    let http_method = http::Method::try_from(method)?;
    // Through a proxy, `http` requests name the whole URL; `https` ones go through a
    // CONNECT tunnel and name only the path, as to the server itself.
    let target = match client.proxy {
        Some(_) if url.scheme() == "http" => &url[..url::Position::AfterQuery],
        _ => &url[url::Position::BeforePath..url::Position::AfterQuery],
    };
    let host = &url[url::Position::BeforeHost..url::Position::AfterPort];
    let fields: Vec<(&[u8], &[u8])> = headers.lines().map(|(n, v)| (n.as_bytes(), v)).collect();
    let line = hyper_proto::RequestLine {
        method: &http_method,
        target: target.as_bytes(),
        host: host.as_bytes(),
    };
    let replayable = body.as_ref().is_none_or(|b| matches!(b, Body::BufBody(..)));
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut conn = client.connection(url)?;
        let mut empty = Body::BufBody(&[], 0);
        let b = body.as_mut().unwrap_or(&mut empty);
        let result = conn.send(&line, &fields, b).and_then(|()| conn.recv_head());
        match result {
            Ok(head) => {
                return Ok(Response::new(
                    Arc::clone(&client.pool),
                    conn,
                    head.status,
                    head.headers,
                    HttpVersion::from(head.version),
                    url.clone(),
                ))
            }
            Err(e) if conn.reused && attempt == 1 && replayable && method.idempotent() => {
                log::debug!("hypersync client: reused connection failed ({e}); retrying once");
            }
            Err(e) => return Err(Error::Io(e)),
        }
    }
}
