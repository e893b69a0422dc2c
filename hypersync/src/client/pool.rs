//! Pool settings, as 0.10's `client::pool::Config`.

/// How many idle connections the client keeps per (scheme, host, port).
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Idle connections kept per host (5 by default).
    pub max_idle: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config { max_idle: 5 }
    }
}
