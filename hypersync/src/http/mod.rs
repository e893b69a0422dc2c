//! What programs used of 0.10's `http` module: [`RawStatus`], and [`h1`]'s body reader.

use std::borrow::Cow;

pub mod h1;

/// A status line's code and reason phrase as received (`Response::status_raw`); the
/// reason borrows the standard phrase when the server sent that one.
///
/// # Examples
///
/// ```
/// use hypersync::http::RawStatus;
///
/// let teapot = RawStatus(418, "I'm a teapot".into());
/// assert_eq!(teapot.0, 418);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RawStatus(pub u16, pub Cow<'static, str>);

impl RawStatus {
    /// `code` and `reason` from a status line: borrowed when `reason` is the standard
    /// phrase of `code`, as nearly all are.
    pub(crate) fn of(code: u16, reason: &[u8]) -> RawStatus {
        let canonical = ::http::StatusCode::from_u16(code)
            .ok()
            .and_then(|s| s.canonical_reason())
            .filter(|c| c.as_bytes() == reason);
        RawStatus(
            code,
            match canonical {
                Some(c) => Cow::Borrowed(c),
                None => Cow::Owned(String::from_utf8_lossy(reason).into_owned()),
            },
        )
    }
}

impl From<crate::status::StatusCode> for RawStatus {
    fn from(status: crate::status::StatusCode) -> RawStatus {
        RawStatus(
            status.to_u16(),
            Cow::Borrowed(status.canonical_reason().unwrap_or("")),
        )
    }
}
