//! [`Proxy`]: an HTTP proxy for the client's requests, as curl's `-x` uses one.
//!
//! - `http://` requests are forwarded: the request line names the whole URL
//!   (absolute-form, RFC 9112 §3.2.2), and one connection to the proxy serves every origin.
//! - `https://` requests go through a tunnel: a `CONNECT host:port` to the proxy, then TLS
//!   with the origin over the same connection (the proxy sees neither the request nor the
//!   certificate check). A tunnel is kept for further requests to the same origin.
//!
//! User info in the proxy's URL becomes `Proxy-Authorization: Basic` on forwarded
//! requests and on each `CONNECT`. Hosts listed with [`Proxy::no_proxy`] are reached
//! directly.

use std::sync::Arc;

use hyper_proto::OutgoingHead;

use crate::pool::Dest;
use crate::url::{IntoUrl, Url, UrlError};

/// An HTTP proxy (`http://[user:password@]host:port`), for [`Builder::proxy`](crate::Builder::proxy).
///
/// # Examples
///
/// ```
/// use hyper_client::{Client, Proxy};
/// # use hyper_client::{Handler, MaybeTls};
/// # #[allow(dead_code)]
/// # fn build<H: Handler<MaybeTls>>() -> Result<Client<H>, Box<dyn std::error::Error>> {
/// let proxy = Proxy::new("http://user:secret@proxy.internal:3128")?.no_proxy("localhost, .corp.example");
/// let client = Client::builder().proxy(proxy).build()?;
/// # Ok(client) }
/// ```
#[derive(Clone, Debug)]
pub struct Proxy {
    url: Url,
    /// `Proxy-Authorization`, if the URL had user info; sent with each `CONNECT`.
    connect_fields: Arc<OutgoingHead>,
    /// Hosts (and domains) reached directly.
    no_proxy: Vec<Box<str>>,
}

/// How a request reaches its origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// A connection to the origin itself.
    Direct,
    /// An `http://` request through the proxy, in absolute-form.
    Forward,
    /// An `https://` request through a `CONNECT` tunnel.
    Tunnel,
}

impl Proxy {
    /// A proxy at `url`: `http://host:port`, with `user:password@` for a proxy that asks
    /// for Basic authentication (port 80 when not given; its path is ignored).
    ///
    /// # Errors
    ///
    /// [`UrlError`] for a malformed URL, and [`UrlError::Scheme`] for an `https://` proxy
    /// (TLS to the proxy itself is not supported).
    pub fn new(url: impl IntoUrl) -> Result<Self, UrlError> {
        let url = url.into_url()?;
        if url.is_tls() {
            return Err(UrlError::Scheme);
        }
        let mut connect_fields = OutgoingHead::new();
        if let Some(basic) = url.basic_auth() {
            connect_fields
                .set_header("proxy-authorization", basic)
                .map_err(|_| UrlError::Authority)?;
        }
        Ok(Self {
            url,
            connect_fields: Arc::new(connect_fields),
            no_proxy: Vec::new(),
        })
    }

    /// Hosts reached without the proxy, as curl's `NO_PROXY` lists them: names separated
    /// by commas (or spaces), each matching that host and its subdomains (`example.com`
    /// and `.example.com` both cover `www.example.com`), IP addresses matching exactly,
    /// and `*` matching every host. May be called again to add more.
    pub fn no_proxy(mut self, hosts: &str) -> Self {
        for entry in hosts
            .split([',', ' '])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let entry = entry.trim_start_matches('.');
            let entry = entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .unwrap_or(entry);
            self.no_proxy.push(entry.to_ascii_lowercase().into());
        }
        self
    }

    /// The proxy's URL (without its user info).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Whether `host` is reached directly.
    fn bypassed(&self, host: &str) -> bool {
        self.no_proxy.iter().any(|entry| {
            let entry = &**entry;
            entry == "*"
                || host.eq_ignore_ascii_case(entry)
                || host.len() > entry.len()
                    && host.as_bytes()[host.len() - entry.len() - 1] == b'.'
                    && host[host.len() - entry.len()..].eq_ignore_ascii_case(entry)
        })
    }

    /// `Proxy-Authorization` for forwarded requests, if the proxy's URL carried user info.
    pub(crate) fn authorization(&self) -> Option<&str> {
        self.url.basic_auth()
    }

    /// The fields of a `CONNECT` to this proxy.
    pub(crate) fn connect_fields(&self) -> &OutgoingHead {
        &self.connect_fields
    }
}

/// How `url` is reached with `proxy` (or without one).
pub(crate) fn route(proxy: Option<&Proxy>, url: &Url) -> Route {
    match proxy {
        Some(p) if !p.bypassed(url.host()) => {
            if url.is_tls() {
                Route::Tunnel
            } else {
                Route::Forward
            }
        }
        _ => Route::Direct,
    }
}

/// What the pool keys `url`'s connections by: the origin, or for forwarded requests the
/// proxy (one connection to it serves every `http://` origin; a client has one proxy, so
/// the key needs no name).
pub(crate) fn dest<'a>(proxy: Option<&Proxy>, url: &'a Url) -> Dest<'a> {
    match route(proxy, url) {
        Route::Forward => Dest {
            scheme: "proxy",
            host: "",
            port: 0,
        },
        _ => Dest::of(url),
    }
}

/// Where `url`'s connections are opened: the origin, or the proxy.
pub(crate) fn connect_to<'a>(proxy: Option<&'a Proxy>, url: &'a Url) -> (&'a str, u16) {
    match (route(proxy, url), proxy) {
        (Route::Direct, _) | (_, None) => (url.host(), url.port()),
        (_, Some(p)) => (p.url.host(), p.url.port()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_follow_the_scheme_and_no_proxy() {
        let proxy = Proxy::new("http://u:p@proxy:3128/ignored")
            .unwrap()
            .no_proxy("localhost, .corp.example 10.0.0.1,[::1]");
        let cases = [
            ("http://example.com/", Route::Forward),
            ("https://example.com/", Route::Tunnel),
            ("http://localhost:8080/", Route::Direct),
            ("http://corp.example/", Route::Direct),
            ("https://www.corp.example/", Route::Direct),
            ("http://notcorp.example/", Route::Forward),
            ("http://10.0.0.1/", Route::Direct),
            ("http://10.0.0.12/", Route::Forward),
            ("http://[::1]:80/", Route::Direct),
        ];
        for (url, want) in cases {
            let url = Url::parse(url).unwrap();
            assert_eq!(route(Some(&proxy), &url), want, "{url:?}");
            assert_eq!(route(None, &url), Route::Direct);
        }
        let all = Proxy::new("http://proxy:3128").unwrap().no_proxy("*");
        assert_eq!(
            route(Some(&all), &Url::parse("http://x/").unwrap()),
            Route::Direct
        );
        assert_eq!(proxy.authorization(), Some("Basic dTpw"));
        assert_eq!(proxy.url().port(), 3128);
        assert!(Proxy::new("https://proxy:3128").is_err());
    }

    #[test]
    fn forwarded_requests_share_the_proxy_connection_tunnels_do_not() {
        let proxy = Proxy::new("http://proxy:3128").unwrap();
        let a = Url::parse("http://a.example/").unwrap();
        let b = Url::parse("http://b.example:8080/").unwrap();
        let s = Url::parse("https://a.example/").unwrap();
        assert!(dest(Some(&proxy), &a) == dest(Some(&proxy), &b));
        assert!(dest(Some(&proxy), &s) == Dest::of(&s));
        assert_eq!(connect_to(Some(&proxy), &s), ("proxy", 3128));
        assert_eq!(connect_to(None, &s), ("a.example", 443));
    }
}
