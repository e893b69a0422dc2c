//! `http://` and `https://host[:port]/path?query` URLs: what the client needs of them,
//! parsed without allocation beyond the one owned copy.

use core::fmt;
use std::sync::Arc;

/// Why a URL was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// Neither `http://` nor `https://`.
    Scheme,
    /// No host, a malformed host or port or user info.
    Authority,
    /// A byte that cannot appear in a request-target (space, control).
    Target,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Scheme => "unsupported URL scheme (http:// and https:// are)",
            Self::Authority => "invalid host or port in URL",
            Self::Target => "invalid character in URL path",
        })
    }
}

impl std::error::Error for UrlError {}

/// A parsed `http` or `https` URL.
///
/// # Examples
///
/// ```
/// let url = hyper_client::Url::parse("http://[::1]:8080/a/b?c=d#frag").unwrap();
/// assert_eq!(url.host(), "::1");
/// assert_eq!(url.port(), 8080);
/// assert_eq!(url.target(), "/a/b?c=d");
/// assert_eq!(url.authority(), "[::1]:8080");
/// let tls = hyper_client::Url::parse("https://example.com/x").unwrap();
/// assert_eq!((tls.scheme(), tls.port()), ("https", 443));
/// assert!(hyper_client::Url::parse("ftp://example.com/").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Url {
    /// Shared: cloning a parsed URL for another request allocates nothing.
    text: Arc<str>,
    /// Host without brackets.
    host: (usize, usize),
    /// Host as written, with brackets and port: the `Host` header value.
    authority: (usize, usize),
    port: u16,
    target: (usize, usize),
    tls: bool,
    /// `Basic ...` from user info in the URL (`http://user:pass@host/`), which the text
    /// no longer holds.
    basic: Option<Arc<str>>,
}

impl Url {
    /// Parses `http://host[:port][/path][?query][#fragment]`, or the same with `https://`.
    ///
    /// # Errors
    ///
    /// [`UrlError`] for another scheme, a missing or malformed host or port, user info, or
    /// bytes that cannot go in a request line.
    pub fn parse(s: &str) -> Result<Self, UrlError> {
        let starts = |scheme: &str| {
            s.get(..scheme.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
        };
        let (rest_start, tls) = if starts("http://") {
            (7, false)
        } else if starts("https://") {
            (8, true)
        } else {
            return Err(UrlError::Scheme);
        };
        let rest = &s[rest_start..];
        let auth_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if let Some(at) = rest[..auth_len].rfind('@') {
            // User info becomes an `Authorization: Basic` header and leaves the URL (so
            // that neither `Host` nor a log line carries the password).
            let basic = basic_auth(&rest[..at])?;
            let without = format!("{}{}", &s[..rest_start], &rest[at + 1..]);
            let mut url = Self::parse(&without)?;
            url.basic = Some(basic.into());
            return Ok(url);
        }
        let auth = &rest[..auth_len];
        if auth.is_empty() {
            return Err(UrlError::Authority);
        }
        if !auth.is_ascii() {
            // An international host name: its ASCII form (punycode, UTS #46), as
            // browsers and curl send it.
            let (host, port) = match auth.rsplit_once(':') {
                Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
                _ => (auth, None),
            };
            let ascii = idna::domain_to_ascii(host).map_err(|_| UrlError::Authority)?;
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let text = format!("{}{ascii}{port}{}", &s[..rest_start], &rest[auth_len..]);
            return Self::parse(&text);
        }
        let (host, port_str, host_off) = if let Some(inner) = auth.strip_prefix('[') {
            let close = inner.find(']').ok_or(UrlError::Authority)?;
            let host = &inner[..close];
            host.parse::<std::net::Ipv6Addr>()
                .map_err(|_| UrlError::Authority)?;
            let after = &inner[close + 1..];
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or(UrlError::Authority)?),
            };
            (host, port, 1)
        } else {
            match auth.rsplit_once(':') {
                Some((h, p)) => (h, Some(p), 0),
                None => (auth, None, 0),
            }
        };
        if host.is_empty()
            || !host.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':' | b'%')
            })
        {
            return Err(UrlError::Authority);
        }
        let port = match port_str {
            None | Some("") if tls => 443,
            None | Some("") => 80,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|&p| p > 0)
                .ok_or(UrlError::Authority)?,
        };
        let after_auth = &rest[auth_len..];
        let target_len = after_auth.find('#').unwrap_or(after_auth.len());
        let target = &after_auth[..target_len];
        if target.bytes().any(|b| b <= 0x20 || b == 0x7f) {
            return Err(UrlError::Target);
        }
        if !target.is_ascii() {
            // A request line is ASCII: other characters go percent-encoded (as UTF-8),
            // as browsers send them; `%` sequences already there stay as given.
            let mut encoded = String::with_capacity(target.len() * 3);
            for b in target.bytes() {
                if b.is_ascii() {
                    encoded.push(char::from(b));
                } else {
                    encoded.push_str(&format!("%{b:02X}"));
                }
            }
            let text = format!("{}{encoded}", &s[..rest_start + auth_len]);
            return Self::parse(&text);
        }
        // Owned text: the original, with "/" inserted when the path is empty and without
        // the fragment (one allocation either way).
        let head = &s[..rest_start + auth_len];
        let target_start = head.len();
        let text: Arc<str> = if target.starts_with('/') {
            Arc::from(&s[..target_start + target.len()])
        } else {
            Arc::from(format!("{head}/{target}"))
        };
        let host_start = rest_start + host_off;
        Ok(Self {
            host: (host_start, host_start + host.len()),
            authority: (rest_start, rest_start + auth_len),
            port,
            target: (target_start, text.len()),
            text,
            tls,
            basic: None,
        })
    }

    /// The scheme: `http` or `https`.
    pub fn scheme(&self) -> &'static str {
        if self.tls {
            "https"
        } else {
            "http"
        }
    }

    /// Whether the scheme is `https`.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The host name or address (IPv6 without brackets).
    pub fn host(&self) -> &str {
        &self.text[self.host.0..self.host.1]
    }

    /// The port (80 when not given).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `Host` header value: host as written, with the port if one was given.
    pub fn authority(&self) -> &str {
        &self.text[self.authority.0..self.authority.1]
    }

    /// The `Authorization` value (`Basic ...`) made of the user info the URL was written
    /// with, if any.
    pub fn basic_auth(&self) -> Option<&str> {
        self.basic.as_deref()
    }

    /// The whole URL as it is sent: scheme, authority, path and query, without user info
    /// or fragment (the absolute-form a proxy is sent).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Path and query, the request-target (`/` at least).
    pub fn target(&self) -> &str {
        &self.text[self.target.0..self.target.1]
    }
}

/// What [`Client::request`](crate::Client::request) takes as a URL: text to parse, or a
/// [`Url`] parsed once and reused (a clone shares its text, so a request to it allocates
/// nothing for the URL).
///
/// # Examples
///
/// ```
/// use hyper_client::{IntoUrl, Url};
/// let url = Url::parse("http://127.0.0.1:8080/x").unwrap();
/// assert_eq!((&url).into_url().unwrap(), url);
/// assert_eq!("http://127.0.0.1:8080/x".into_url().unwrap(), url);
/// assert!("ftp://a/".into_url().is_err());
/// ```
pub trait IntoUrl {
    /// The parsed URL.
    ///
    /// # Errors
    ///
    /// As [`Url::parse`].
    fn into_url(self) -> Result<Url, UrlError>;
}

impl IntoUrl for Url {
    fn into_url(self) -> Result<Url, UrlError> {
        Ok(self)
    }
}

impl IntoUrl for &Url {
    fn into_url(self) -> Result<Url, UrlError> {
        Ok(self.clone())
    }
}

impl IntoUrl for &str {
    fn into_url(self) -> Result<Url, UrlError> {
        Url::parse(self)
    }
}

impl IntoUrl for &String {
    fn into_url(self) -> Result<Url, UrlError> {
        Url::parse(self)
    }
}

impl IntoUrl for String {
    fn into_url(self) -> Result<Url, UrlError> {
        Url::parse(&self)
    }
}

impl IntoUrl for &url::Url {
    fn into_url(self) -> Result<Url, UrlError> {
        Url::parse(self.as_str())
    }
}

impl IntoUrl for url::Url {
    fn into_url(self) -> Result<Url, UrlError> {
        Url::parse(self.as_str())
    }
}

impl IntoUrl for &http::Uri {
    fn into_url(self) -> Result<Url, UrlError> {
        Url::parse(&self.to_string())
    }
}

impl IntoUrl for http::Uri {
    fn into_url(self) -> Result<Url, UrlError> {
        (&self).into_url()
    }
}

/// `Basic base64(user:password)` from URL user info, percent-decoded (RFC 7617).
fn basic_auth(userinfo: &str) -> Result<String, UrlError> {
    use base64::Engine;
    let mut plain = Vec::with_capacity(userinfo.len());
    let bytes = userinfo.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = userinfo.get(i + 1..i + 3).ok_or(UrlError::Authority)?;
                plain.push(u8::from_str_radix(hex, 16).map_err(|_| UrlError::Authority)?);
                i += 3;
            }
            b if b <= 0x20 || b == 0x7f || b == b'/' => return Err(UrlError::Authority),
            b => {
                plain.push(b);
                i += 1;
            }
        }
    }
    if !userinfo.contains(':') {
        plain.push(b':'); // a user without a password
    }
    Ok(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(plain)
    ))
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("http://example.com").unwrap();
        assert_eq!(
            (u.host(), u.port(), u.target(), u.authority()),
            ("example.com", 80, "/", "example.com")
        );
        let u = Url::parse("HTTP://a.b:8080?x=1").unwrap();
        assert_eq!((u.host(), u.port(), u.target()), ("a.b", 8080, "/?x=1"));
        let u = Url::parse("http://127.0.0.1:1/p/q#frag").unwrap();
        assert_eq!((u.host(), u.target()), ("127.0.0.1", "/p/q"));
        let u = Url::parse("HTTPS://a.b/x").unwrap();
        assert_eq!((u.scheme(), u.port(), u.target()), ("https", 443, "/x"));
        let u = Url::parse("https://[::1]:8443").unwrap();
        assert_eq!(
            (u.host(), u.port(), u.authority()),
            ("::1", 8443, "[::1]:8443")
        );
        let u = Url::parse("http://Aladdin:open%20sesame@a.example:81/p").unwrap();
        assert_eq!(u.basic_auth(), Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
        assert_eq!((u.authority(), u.target()), ("a.example:81", "/p"));
        assert_eq!(
            u.to_string(),
            "http://a.example:81/p",
            "no password in the text"
        );
        let u = Url::parse("https://user@h/").unwrap();
        assert_eq!(u.basic_auth(), Some("Basic dXNlcjo="));
        let u = Url::parse("http://Bücher.example:8080/ä?q=%20").unwrap();
        assert_eq!((u.host(), u.port()), ("xn--bcher-kva.example", 8080));
        assert_eq!(
            u.target(),
            "/%C3%A4?q=%20",
            "UTF-8 encoded, %20 kept as given"
        );
        let parsed = url::Url::parse("https://Bücher.example/a b").unwrap();
        assert_eq!(
            parsed.into_url().unwrap(),
            Url::parse("https://xn--bcher-kva.example/a%20b").unwrap()
        );
        let uri: http::Uri = "http://h:8/x?y".parse().unwrap();
        assert_eq!(
            uri.into_url().unwrap(),
            Url::parse("http://h:8/x?y").unwrap()
        );
        for bad in [
            "ftp://a/",
            "https:/a/",
            "a.b/c",
            "http://",
            "http://:80/",
            "http://u:%zz@host/",
            "http://@/",
            "http://a:0/",
            "http://a:99999/",
            "http://a:8x/",
            "http://[::1/",
            "http://[nothex]/",
            "http://a/b c",
            "http://a b/",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }
}
