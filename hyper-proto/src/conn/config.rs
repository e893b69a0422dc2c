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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            keep_alive: true,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            head_timeout: Some(DEFAULT_HEAD_TIMEOUT),
            continue_timeout: DEFAULT_CONTINUE_TIMEOUT,
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

    /// Whether keep-alive is on.
    pub const fn is_keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// The size limits.
    pub const fn get_limits(&self) -> &Limits {
        &self.limits
    }
}
