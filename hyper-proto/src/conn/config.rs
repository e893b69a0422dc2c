//! [`Config`]: the settings of one connection, with the default timeouts.

use std::time::Duration;

use crate::limits::Limits;

/// Default time an idle keep-alive connection is kept (nginx: 75 s).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Default time a peer has to send a whole request head (hyper: 30 s; slowloris protection).
pub const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Default time a client holds back a request body sent with `Expect: 100-continue` before
/// sending it anyway (curl waits 1 s).
pub const DEFAULT_CONTINUE_TIMEOUT: Duration = Duration::from_secs(1);

/// Default time a body read may wait for the peer's next bytes, when the handler's
/// [`Next`](crate::Next) sets no timeout of its own (nginx's `client_body_timeout`).
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(60);

/// Default time a body write may wait for the peer to take bytes, when the handler's
/// [`Next`](crate::Next) sets no timeout of its own (nginx's `send_timeout`).
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// Settings of one connection.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use hyper_proto::{Config, Limits};
/// let config = Config::default()
///     .keep_alive(false)
///     .head_timeout(Some(Duration::from_secs(5)))
///     .limits(Limits::default().max_headers(50));
/// assert!(!config.is_keep_alive());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub(crate) limits: Limits,
    pub(crate) keep_alive: bool,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) head_timeout: Option<Duration>,
    pub(crate) continue_timeout: Duration,
    pub(crate) body_timeout: Option<Duration>,
    pub(crate) send_timeout: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            keep_alive: true,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            head_timeout: Some(DEFAULT_HEAD_TIMEOUT),
            continue_timeout: DEFAULT_CONTINUE_TIMEOUT,
            body_timeout: Some(DEFAULT_BODY_TIMEOUT),
            send_timeout: Some(DEFAULT_SEND_TIMEOUT),
        }
    }
}

impl Config {
    /// Sets the size limits.
    pub const fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Allows or forbids more than one exchange per connection (on by default).
    pub const fn keep_alive(mut self, on: bool) -> Self {
        self.keep_alive = on;
        self
    }

    /// How long an idle keep-alive connection is kept ([`DEFAULT_IDLE_TIMEOUT`]).
    pub const fn idle_timeout(mut self, d: Option<Duration>) -> Self {
        self.idle_timeout = d;
        self
    }

    /// How long a peer has to send a whole head once it started ([`DEFAULT_HEAD_TIMEOUT`]).
    pub const fn head_timeout(mut self, d: Option<Duration>) -> Self {
        self.head_timeout = d;
        self
    }

    /// How long a client holds back a body sent with `Expect: 100-continue` waiting for
    /// `100 Continue` before sending it anyway ([`DEFAULT_CONTINUE_TIMEOUT`]).
    pub const fn continue_timeout(mut self, d: Duration) -> Self {
        self.continue_timeout = d;
        self
    }

    /// How long reading a body may wait for the peer's next bytes when the handler's
    /// `Next::read()` has no timeout ([`DEFAULT_BODY_TIMEOUT`]); past it the handler gets a
    /// timeout error ([`TimeoutKind::Next`](crate::TimeoutKind::Next)). `None`: no limit.
    pub const fn body_timeout(mut self, d: Option<Duration>) -> Self {
        self.body_timeout = d;
        self
    }

    /// How long writing a body may wait for the peer to take bytes when the handler's
    /// `Next::write()` has no timeout ([`DEFAULT_SEND_TIMEOUT`]); past it the handler gets
    /// a timeout error. `None`: no limit.
    pub const fn send_timeout(mut self, d: Option<Duration>) -> Self {
        self.send_timeout = d;
        self
    }

    /// Whether keep-alive is on.
    pub const fn is_keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// The size limits.
    pub const fn get_limits(&self) -> &Limits {
        &self.limits
    }
}
