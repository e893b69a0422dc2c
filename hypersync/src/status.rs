//! `StatusCode` with hyper 0.10's variant names (`StatusCode::Ok`, `StatusCode::NotFound`,
//! ..., `Unregistered(u16)`), and conversions to and from `http::StatusCode`.

use core::cmp::Ordering;
use core::fmt;

macro_rules! status_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $reason:literal;)*) => {
        /// An HTTP status code, named as hyper 0.10 named it.
        ///
        /// Equality and order follow the number, so `Unregistered(200) == Ok`.
        ///
        /// # Examples
        ///
        /// ```
        /// use hypersync::status::StatusCode;
        /// assert_eq!(StatusCode::from_u16(404), StatusCode::NotFound);
        /// assert_eq!(StatusCode::NotFound.to_u16(), 404);
        /// assert_eq!(StatusCode::NotFound.to_string(), "404 Not Found");
        /// assert_eq!(StatusCode::Unregistered(299).to_u16(), 299);
        /// ```
        #[derive(Debug, Clone, Copy)]
        pub enum StatusCode {
            $(
                #[doc = concat!("`", stringify!($code), " ", $reason, "`")]
                $variant,
            )*
            /// A code without a name here.
            Unregistered(u16),
        }

        impl StatusCode {
            /// The named variant for `n`, or `Unregistered(n)`.
            pub fn from_u16(n: u16) -> StatusCode {
                match n {
                    $($code => StatusCode::$variant,)*
                    _ => StatusCode::Unregistered(n),
                }
            }

            /// The number.
            pub fn to_u16(&self) -> u16 {
                match *self {
                    $(StatusCode::$variant => $code,)*
                    StatusCode::Unregistered(n) => n,
                }
            }

            /// The reason phrase registered for this code, if there is one.
            pub fn canonical_reason(&self) -> Option<&'static str> {
                match StatusCode::from_u16(self.to_u16()) {
                    $(StatusCode::$variant => Some($reason),)*
                    StatusCode::Unregistered(_) => None,
                }
            }
        }
    };
}

status_codes! {
    Continue = 100, "Continue";
    SwitchingProtocols = 101, "Switching Protocols";
    Processing = 102, "Processing";
    Ok = 200, "OK";
    Created = 201, "Created";
    Accepted = 202, "Accepted";
    NonAuthoritativeInformation = 203, "Non-Authoritative Information";
    NoContent = 204, "No Content";
    ResetContent = 205, "Reset Content";
    PartialContent = 206, "Partial Content";
    MultiStatus = 207, "Multi-Status";
    AlreadyReported = 208, "Already Reported";
    ImUsed = 226, "IM Used";
    MultipleChoices = 300, "Multiple Choices";
    MovedPermanently = 301, "Moved Permanently";
    Found = 302, "Found";
    SeeOther = 303, "See Other";
    NotModified = 304, "Not Modified";
    UseProxy = 305, "Use Proxy";
    TemporaryRedirect = 307, "Temporary Redirect";
    PermanentRedirect = 308, "Permanent Redirect";
    BadRequest = 400, "Bad Request";
    Unauthorized = 401, "Unauthorized";
    PaymentRequired = 402, "Payment Required";
    Forbidden = 403, "Forbidden";
    NotFound = 404, "Not Found";
    MethodNotAllowed = 405, "Method Not Allowed";
    NotAcceptable = 406, "Not Acceptable";
    ProxyAuthenticationRequired = 407, "Proxy Authentication Required";
    RequestTimeout = 408, "Request Timeout";
    Conflict = 409, "Conflict";
    Gone = 410, "Gone";
    LengthRequired = 411, "Length Required";
    PreconditionFailed = 412, "Precondition Failed";
    PayloadTooLarge = 413, "Payload Too Large";
    UriTooLong = 414, "URI Too Long";
    UnsupportedMediaType = 415, "Unsupported Media Type";
    RangeNotSatisfiable = 416, "Range Not Satisfiable";
    ExpectationFailed = 417, "Expectation Failed";
    ImATeapot = 418, "I'm a teapot";
    MisdirectedRequest = 421, "Misdirected Request";
    UnprocessableEntity = 422, "Unprocessable Entity";
    Locked = 423, "Locked";
    FailedDependency = 424, "Failed Dependency";
    UpgradeRequired = 426, "Upgrade Required";
    PreconditionRequired = 428, "Precondition Required";
    TooManyRequests = 429, "Too Many Requests";
    RequestHeaderFieldsTooLarge = 431, "Request Header Fields Too Large";
    UnavailableForLegalReasons = 451, "Unavailable For Legal Reasons";
    InternalServerError = 500, "Internal Server Error";
    NotImplemented = 501, "Not Implemented";
    BadGateway = 502, "Bad Gateway";
    ServiceUnavailable = 503, "Service Unavailable";
    GatewayTimeout = 504, "Gateway Timeout";
    HttpVersionNotSupported = 505, "HTTP Version Not Supported";
    VariantAlsoNegotiates = 506, "Variant Also Negotiates";
    InsufficientStorage = 507, "Insufficient Storage";
    LoopDetected = 508, "Loop Detected";
    NotExtended = 510, "Not Extended";
    NetworkAuthenticationRequired = 511, "Network Authentication Required";
}

impl StatusCode {
    /// The class of the code (1xx to 5xx, or `NoClass`).
    pub fn class(&self) -> StatusClass {
        match self.to_u16() {
            100..=199 => StatusClass::Informational,
            200..=299 => StatusClass::Success,
            300..=399 => StatusClass::Redirection,
            400..=499 => StatusClass::ClientError,
            500..=599 => StatusClass::ServerError,
            _ => StatusClass::NoClass,
        }
    }

    /// 1xx.
    pub fn is_informational(&self) -> bool {
        self.class() == StatusClass::Informational
    }

    /// 2xx.
    pub fn is_success(&self) -> bool {
        self.class() == StatusClass::Success
    }

    /// 3xx.
    pub fn is_redirection(&self) -> bool {
        self.class() == StatusClass::Redirection
    }

    /// 4xx.
    pub fn is_client_error(&self) -> bool {
        self.class() == StatusClass::ClientError
    }

    /// 5xx.
    pub fn is_server_error(&self) -> bool {
        self.class() == StatusClass::ServerError
    }

    /// Outside 100-599.
    pub fn is_strange_status(&self) -> bool {
        self.class() == StatusClass::NoClass
    }
}

impl core::hash::Hash for StatusCode {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.to_u16().hash(state);
    }
}

#[allow(clippy::derivable_impls)] // the enum is made by a macro
impl Default for StatusCode {
    fn default() -> StatusCode {
        StatusCode::Ok
    }
}

/// `"404 Not Found"`, or just the number for a code without a reason phrase.
impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.canonical_reason() {
            Some(reason) => write!(f, "{} {}", self.to_u16(), reason),
            None => write!(f, "{}", self.to_u16()),
        }
    }
}

impl PartialEq for StatusCode {
    fn eq(&self, other: &StatusCode) -> bool {
        self.to_u16() == other.to_u16()
    }
}

impl Eq for StatusCode {}

impl PartialOrd for StatusCode {
    fn partial_cmp(&self, other: &StatusCode) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for StatusCode {
    fn cmp(&self, other: &StatusCode) -> Ordering {
        self.to_u16().cmp(&other.to_u16())
    }
}

impl From<http::StatusCode> for StatusCode {
    fn from(s: http::StatusCode) -> StatusCode {
        StatusCode::from_u16(s.as_u16())
    }
}

/// Codes outside 100-999 (which `http` cannot hold) become `500`.
impl From<StatusCode> for http::StatusCode {
    fn from(s: StatusCode) -> http::StatusCode {
        http::StatusCode::from_u16(s.to_u16()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// The class of a status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusClass {
    /// 1xx
    Informational,
    /// 2xx
    Success,
    /// 3xx
    Redirection,
    /// 4xx
    ClientError,
    /// 5xx
    ServerError,
    /// Anything else.
    NoClass,
}

impl StatusClass {
    /// The `x00` code of the class (`200` for `Success`); `200` for `NoClass`.
    pub fn default_code(&self) -> StatusCode {
        match *self {
            StatusClass::Informational => StatusCode::Continue,
            StatusClass::Success | StatusClass::NoClass => StatusCode::Ok,
            StatusClass::Redirection => StatusCode::MultipleChoices,
            StatusClass::ClientError => StatusCode::BadRequest,
            StatusClass::ServerError => StatusCode::InternalServerError,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_code_round_trips() {
        for n in 0..1000u16 {
            let s = StatusCode::from_u16(n);
            assert_eq!(s.to_u16(), n);
            let named = !matches!(s, StatusCode::Unregistered(_));
            assert_eq!(named, s.canonical_reason().is_some(), "{n}");
            if (100..600).contains(&n) {
                assert_eq!(http::StatusCode::from(s).as_u16(), n);
            }
        }
        assert_eq!(StatusCode::Unregistered(404), StatusCode::NotFound);
        assert!(StatusCode::Ok < StatusCode::NotFound);
        assert_eq!(StatusCode::Unregistered(299).to_string(), "299");
        assert_eq!(
            StatusCode::from(http::StatusCode::IM_A_TEAPOT),
            StatusCode::ImATeapot
        );
    }
}
