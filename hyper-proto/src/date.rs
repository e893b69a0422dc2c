//! [`DateCache`]: the `Date` header value (IMF-fixdate), formatted once a second from the
//! caller's clock.

use core::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A formatted `Date` value (IMF-fixdate), refreshed by the caller from its own clock, at
/// most once a second in practice.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use hyper_proto::DateCache;
///
/// let mut date = DateCache::new(UNIX_EPOCH + Duration::from_secs(784111777));
/// assert_eq!(date.as_bytes(), b"Sun, 06 Nov 1994 08:49:37 GMT");
/// assert!(!date.update(UNIX_EPOCH + Duration::from_millis(784111777_500)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DateCache {
    /// `date: ` + the 29-byte value + CRLF: the whole header line, written in one copy.
    line: [u8; 37],
    secs: u64,
    /// When [`DateCache::refresh`] next reads the wall clock.
    next: Option<Instant>,
}

impl DateCache {
    /// A cache holding the date of `now`.
    pub fn new(now: SystemTime) -> Self {
        let mut line = [0; 37];
        line[..6].copy_from_slice(b"date: ");
        line[35..].copy_from_slice(b"\r\n");
        let mut cache = Self {
            line,
            secs: u64::MAX,
            next: None,
        };
        cache.update(now);
        cache
    }

    /// Re-formats the value if `now` is in another second; returns whether it changed.
    pub fn update(&mut self, now: SystemTime) -> bool {
        let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if secs == self.secs {
            return false;
        }
        self.secs = secs;
        let mut value = [0u8; 29];
        format_imf_fixdate(secs, &mut value);
        self.line[6..35].copy_from_slice(&value);
        true
    }

    /// What a driver calls once per batch of work with its monotonic `now`: reads the wall
    /// clock through `wall` (and re-formats) at most twice a second, so that the value never
    /// lags a second behind and costs one `Instant` comparison otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Instant, SystemTime};
    /// use hyper_proto::DateCache;
    /// let mut date = DateCache::new(SystemTime::now());
    /// let now = Instant::now();
    /// date.refresh(now, SystemTime::now);
    /// let mut read = false;
    /// date.refresh(now, || { read = true; SystemTime::now() });
    /// assert!(!read, "within half a second the clock is not read again");
    /// ```
    pub fn refresh(&mut self, now: Instant, wall: impl FnOnce() -> SystemTime) {
        if self.next.is_none_or(|at| now >= at) {
            self.update(wall());
            self.next = Some(now + Duration::from_millis(500));
        }
    }

    /// The formatted value, such as `Sun, 06 Nov 1994 08:49:37 GMT`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.line[6..35]
    }

    /// The whole header line, `date: <value>\r\n`.
    pub(crate) fn line(&self) -> &[u8] {
        &self.line
    }
}

impl fmt::Debug for DateCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DateCache")
            .field(&String::from_utf8_lossy(self.as_bytes()))
            .finish()
    }
}

/// `day-name "," SP date1 SP time-of-day SP GMT` (RFC 9110 §5.6.7).
fn format_imf_fixdate(secs: u64, buf: &mut [u8; 29]) {
    const DAYS: [&[u8; 3]; 7] = [b"Thu", b"Fri", b"Sat", b"Sun", b"Mon", b"Tue", b"Wed"];
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days as i64);
    let two = |b: &mut [u8], n: u64| {
        b[0] = b'0' + (n / 10) as u8;
        b[1] = b'0' + (n % 10) as u8;
    };
    buf[..3].copy_from_slice(DAYS[(days % 7) as usize]);
    buf[3..5].copy_from_slice(b", ");
    two(&mut buf[5..7], day);
    buf[7] = b' ';
    buf[8..11].copy_from_slice(MONTHS[(month - 1) as usize]);
    buf[11] = b' ';
    let y = year as u64 % 10_000;
    two(&mut buf[12..14], y / 100);
    two(&mut buf[14..16], y % 100);
    buf[16] = b' ';
    two(&mut buf[17..19], rem / 3600);
    buf[19] = b':';
    two(&mut buf[20..22], rem / 60 % 60);
    buf[22] = b':';
    two(&mut buf[23..25], rem % 60);
    buf[25..29].copy_from_slice(b" GMT");
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u64, u64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn date(secs: u64) -> String {
        String::from_utf8(
            DateCache::new(UNIX_EPOCH + Duration::from_secs(secs))
                .as_bytes()
                .to_vec(),
        )
        .unwrap()
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(date(1_795_651_199), "Wed, 25 Nov 2026 23:59:59 GMT");
        assert_eq!(date(4_102_444_800), "Fri, 01 Jan 2100 00:00:00 GMT");
    }
}
