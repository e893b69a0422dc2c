//! Size limits applied to incoming messages, with named defaults.

/// Default largest message head (start line plus fields plus the blank line), in bytes.
///
/// Heads past this are refused with 431 (or 414 when the request-target alone is too long).
/// The same order as nginx's `large_client_header_buffers` (8 KiB per line).
pub const MAX_HEAD_SIZE: usize = 16 * 1024;

/// Default largest number of header fields in one head. More is refused with 431.
pub const MAX_HEADERS: usize = 100;

/// Default longest request-target, in bytes. Longer is refused with 414.
///
/// RFC 9112 §3 recommends supporting request-lines of at least 8000 octets.
pub const MAX_TARGET_LEN: usize = 8 * 1024;

/// Default cap on the total bytes of chunk extensions in one body (RFC 9112 §7.1.1 says a
/// server ought to limit them). Past it the body is refused with 400.
pub const MAX_CHUNK_EXTENSIONS: usize = 16 * 1024;

/// Default largest trailer section of a chunked body, in bytes. Past it: 431.
pub const MAX_TRAILER_SIZE: usize = 8 * 1024;

/// The limits one connection applies to what it receives.
///
/// # Examples
///
/// ```
/// use hyper_proto::Limits;
/// let limits = Limits::default().max_headers(32).max_body_size(Some(1 << 20));
/// assert_eq!(limits.headers(), 32);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub(crate) max_head_size: usize,
    pub(crate) max_headers: usize,
    pub(crate) max_target_len: usize,
    pub(crate) max_chunk_extensions: usize,
    pub(crate) max_trailer_size: usize,
    pub(crate) max_body_size: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_head_size: MAX_HEAD_SIZE,
            max_headers: MAX_HEADERS,
            max_target_len: MAX_TARGET_LEN,
            max_chunk_extensions: MAX_CHUNK_EXTENSIONS,
            max_trailer_size: MAX_TRAILER_SIZE,
            max_body_size: None,
        }
    }
}

impl Limits {
    /// Sets the largest head in bytes ([`MAX_HEAD_SIZE`] by default).
    pub const fn max_head_size(mut self, n: usize) -> Self {
        self.max_head_size = n;
        self
    }

    /// Sets the largest number of header fields ([`MAX_HEADERS`] by default).
    pub const fn max_headers(mut self, n: usize) -> Self {
        self.max_headers = n;
        self
    }

    /// Sets the longest request-target ([`MAX_TARGET_LEN`] by default).
    pub const fn max_target_len(mut self, n: usize) -> Self {
        self.max_target_len = n;
        self
    }

    /// Sets the cap on chunk-extension bytes per body ([`MAX_CHUNK_EXTENSIONS`] by default).
    pub const fn max_chunk_extensions(mut self, n: usize) -> Self {
        self.max_chunk_extensions = n;
        self
    }

    /// Sets the largest trailer section ([`MAX_TRAILER_SIZE`] by default).
    pub const fn max_trailer_size(mut self, n: usize) -> Self {
        self.max_trailer_size = n;
        self
    }

    /// Sets the largest body accepted (`None`, no limit, by default). A declared length past
    /// it is refused with 413 before any body byte is read; a chunked body is cut off with
    /// 413 when it passes the limit.
    pub const fn max_body_size(mut self, n: Option<u64>) -> Self {
        self.max_body_size = n;
        self
    }

    /// The largest head in bytes.
    pub const fn head_size(&self) -> usize {
        self.max_head_size
    }

    /// The largest number of header fields.
    pub const fn headers(&self) -> usize {
        self.max_headers
    }

    /// The longest request-target.
    pub const fn target_len(&self) -> usize {
        self.max_target_len
    }

    /// The largest body, if limited.
    pub const fn body_size(&self) -> Option<u64> {
        self.max_body_size
    }
}
