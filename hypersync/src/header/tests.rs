use super::*;
use crate::method::Method;

/// Parses `wire` as `H`, formats it back and parses that: both parses must agree.
pub(crate) fn round<H>(wire: &str) -> H
where
    H: Header + HeaderFormat + PartialEq + fmt::Debug + fmt::Display,
{
    let h = H::parse_header(&[wire.as_bytes().to_vec()]).unwrap();
    let again = H::parse_header(&[h.to_string().into_bytes()]).unwrap();
    assert_eq!(h, again, "{wire}");
    h
}

fn raw(values: &[&str]) -> Vec<Vec<u8>> {
    values.iter().map(|v| v.as_bytes().to_vec()).collect()
}

#[test]
fn typed_headers_parse_and_format_back() {
    // (field name, raw values, what it formats back to)
    let cases: &[(&str, &[&str], &str)] = &[
        ("Content-Length", &["42"], "42"),
        ("Content-Length", &["7", "7"], "7"),
        (
            "Content-Type",
            &["text/html; charset=utf-8"],
            "text/html; charset=utf-8",
        ),
        (
            "Accept",
            &["text/html, application/json;q=0.5"],
            "text/html, application/json; q=0.5",
        ),
        ("Connection", &["close"], "close"),
        ("Host", &["example.com:8080"], "example.com:8080"),
        ("ETag", &["W/\"x\""], "W/\"x\""),
        ("If-None-Match", &["*"], "*"),
        ("Allow", &["GET, PURGE"], "GET, PURGE"),
        (
            "Cache-Control",
            &["no-cache, max-age=60"],
            "no-cache, max-age=60",
        ),
        ("Transfer-Encoding", &["gzip, chunked"], "gzip, chunked"),
        ("Cookie", &["a=1; b=2"], "a=1; b=2"),
        (
            "Date",
            &["Sun, 06 Nov 1994 08:49:37 GMT"],
            "Sun, 06 Nov 1994 08:49:37 GMT",
        ),
        (
            "Accept-Language",
            &["en-US, fr;q=0.7, zh-Hant-TW;q=0.5"],
            "en-US, fr; q=0.7, zh-Hant-TW; q=0.5",
        ),
        ("Content-Language", &["de-DE", "en"], "de-DE, en"),
    ];
    for (name, values, want) in cases {
        let mut h = Headers::new();
        h.set_raw(name.to_string(), raw(values));
        let got = match *name {
            "Content-Length" => h.get::<ContentLength>().map(|v| v.to_string()),
            "Content-Type" => h.get::<ContentType>().map(|v| v.to_string()),
            "Accept" => h.get::<Accept>().map(|v| v.to_string()),
            "Connection" => h.get::<Connection>().map(|v| v.to_string()),
            "Host" => h.get::<Host>().map(|v| v.to_string()),
            "ETag" => h.get::<ETag>().map(|v| v.to_string()),
            "If-None-Match" => h.get::<IfNoneMatch>().map(|v| v.to_string()),
            "Allow" => h.get::<Allow>().map(|v| v.to_string()),
            "Cache-Control" => h.get::<CacheControl>().map(|v| v.to_string()),
            "Transfer-Encoding" => h.get::<TransferEncoding>().map(|v| v.to_string()),
            "Cookie" => h.get::<Cookie>().map(|v| v.to_string()),
            "Date" => h.get::<Date>().map(|v| v.to_string()),
            "Accept-Language" => h.get::<AcceptLanguage>().map(|v| v.to_string()),
            "Content-Language" => h.get::<ContentLanguage>().map(|v| v.to_string()),
            _ => unreachable!(),
        };
        assert_eq!(got.as_deref(), Some(*want), "{name}: {values:?}");
    }
}

#[test]
fn bad_values_are_none_not_panics() {
    let cases: &[(&str, &[&str])] = &[
        ("Content-Length", &["1", "2"]),
        ("Content-Length", &["-1"]),
        ("Content-Length", &["+1"]),
        ("Content-Length", &[""]),
        ("Date", &["yesterday"]),
        ("ETag", &["no-quotes"]),
        ("Host", &["h:port"]),
        ("Accept-Language", &["not a tag!"]),
    ];
    for (name, values) in cases {
        let mut h = Headers::new();
        h.set_raw(name.to_string(), raw(values));
        let parsed = match *name {
            "Content-Length" => h.get::<ContentLength>().is_some(),
            "Date" => h.get::<Date>().is_some(),
            "ETag" => h.get::<ETag>().is_some(),
            "Host" => h.get::<Host>().is_some(),
            "Accept-Language" => h.get::<AcceptLanguage>().is_some(),
            _ => unreachable!(),
        };
        assert!(!parsed, "{name}: {values:?}");
        assert!(h.get_raw(name).is_some());
    }
}

#[test]
fn typed_and_raw_views_stay_consistent() {
    let mut h = Headers::new();
    h.set(ContentLength(10));
    assert_eq!(h.get_raw("content-length").unwrap(), &raw(&["10"])[..]);
    h.get_mut::<ContentLength>().unwrap().0 = 11;
    assert_eq!(h.get_raw("Content-Length").unwrap(), &raw(&["11"])[..]);
    h.set_raw("content-length", raw(&["12"]));
    assert_eq!(h.get::<ContentLength>(), Some(&ContentLength(12)));
    assert_eq!(h.len(), 1);
    h.append_raw("Content-Length", b"12".to_vec());
    assert_eq!(h.get_raw("content-length").unwrap().len(), 2);
    assert_eq!(h.get::<ContentLength>(), Some(&ContentLength(12)));
    h.set(SetCookie(vec!["a=1".into(), "b=2".into()]));
    assert_eq!(h.get_raw("set-cookie").unwrap().len(), 2);
    assert!(h
        .to_string()
        .contains("Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n"));
    let copy: Headers = h.iter().collect();
    assert_eq!(copy, h);
    assert!(h
        .iter()
        .any(|v| v.is::<ContentLength>() && v.value_string() == "12, 12"));
    h.remove_raw("SET-COOKIE");
    assert!(!h.has::<SetCookie>());
    let map = http::HeaderMap::from(&h);
    assert_eq!(map.get_all("content-length").iter().count(), 2);
    assert_eq!(Headers::from(&map), h);
}

#[test]
fn allow_parses_extension_methods() {
    let mut h = Headers::new();
    h.set_raw("Allow", raw(&["GET, PURGE"]));
    assert_eq!(
        h.get::<Allow>().unwrap().0,
        vec![Method::Get, Method::Extension("PURGE".into())]
    );
}

#[test]
fn http_dates_round_trip_across_the_years() {
    use std::time::{Duration, UNIX_EPOCH};
    for secs in [0u64, 951_782_400, 1_709_164_800, 4_102_444_799, 784_111_777] {
        let d = HttpDate::from(UNIX_EPOCH + Duration::from_secs(secs));
        let back: HttpDate = d.to_string().parse().unwrap();
        assert_eq!(back, d, "{d}");
    }
    assert_eq!(
        HttpDate::from(UNIX_EPOCH + Duration::from_secs(951_782_400)).to_string(),
        "Tue, 29 Feb 2000 00:00:00 GMT"
    );
}

#[test]
fn language_tags_as_programs_build_them() {
    use core::str::FromStr;
    let tag = crate::LanguageTag::from_str("en-GB").unwrap();
    assert_eq!(tag.primary_language(), "en");
    let mut h = Headers::new();
    h.set(AcceptLanguage(vec![
        QualityItem::new(tag, Quality(1000)),
        QualityItem::new(crate::LanguageTag::parse("fr").unwrap(), Quality(500)),
    ]));
    assert_eq!(
        h.get_raw("accept-language").unwrap(),
        &raw(&["en-GB, fr; q=0.5"])[..]
    );
}
