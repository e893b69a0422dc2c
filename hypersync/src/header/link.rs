//! `Link` (RFC 8288, 0.10's RFC 5988 shape): links to related resources, with their
//! relation types and attributes.

use core::fmt;
use core::str::FromStr;
use std::borrow::Cow;

use mime::Mime;

use super::parsing::{split_outside, unquote};
use super::{Header, HeaderFormat};
use crate::error::{Error, Result};
use crate::LanguageTag;

/// `Link`: one or more link values.
///
/// # Examples
///
/// ```
/// use hypersync::header::{Headers, Link, LinkValue, RelationType};
///
/// let mut h = Headers::new();
/// h.set(Link::new(vec![LinkValue::new("/page/2").push_rel(RelationType::Next)]));
/// assert_eq!(h.get_raw("link").unwrap()[0], b"</page/2>; rel=\"next\"");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    values: Vec<LinkValue>,
}

/// One link: its target and attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkValue {
    link: Cow<'static, str>,
    rel: Option<Vec<RelationType>>,
    anchor: Option<String>,
    rev: Option<Vec<RelationType>>,
    href_lang: Option<Vec<LanguageTag>>,
    media_desc: Option<Vec<MediaDesc>>,
    title: Option<String>,
    title_star: Option<String>,
    media_type: Option<Mime>,
}

/// A link relation type (the IANA registry 0.10 knew, and any other).
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelationType {
    Alternate,
    Appendix,
    Bookmark,
    Chapter,
    Contents,
    Copyright,
    Current,
    DescribedBy,
    Edit,
    EditMedia,
    Enclosure,
    First,
    Glossary,
    Help,
    Hub,
    Index,
    Last,
    LatestVersion,
    License,
    Next,
    NextArchive,
    Payment,
    Prev,
    PredecessorVersion,
    Previous,
    PrevArchive,
    Related,
    Replies,
    Section,
    RelationTypeSelf,
    Service,
    Start,
    Stylesheet,
    Subsection,
    SuccessorVersion,
    Up,
    VersionHistory,
    Via,
    WorkingCopy,
    WorkingCopyOf,
    /// Any other relation type (an extension URI, say).
    ExtRelType(String),
}

const RELATIONS: [(RelationType, &str); 40] = [
    (RelationType::Alternate, "alternate"),
    (RelationType::Appendix, "appendix"),
    (RelationType::Bookmark, "bookmark"),
    (RelationType::Chapter, "chapter"),
    (RelationType::Contents, "contents"),
    (RelationType::Copyright, "copyright"),
    (RelationType::Current, "current"),
    (RelationType::DescribedBy, "describedby"),
    (RelationType::Edit, "edit"),
    (RelationType::EditMedia, "edit-media"),
    (RelationType::Enclosure, "enclosure"),
    (RelationType::First, "first"),
    (RelationType::Glossary, "glossary"),
    (RelationType::Help, "help"),
    (RelationType::Hub, "hub"),
    (RelationType::Index, "index"),
    (RelationType::Last, "last"),
    (RelationType::LatestVersion, "latest-version"),
    (RelationType::License, "license"),
    (RelationType::Next, "next"),
    (RelationType::NextArchive, "next-archive"),
    (RelationType::Payment, "payment"),
    (RelationType::Prev, "prev"),
    (RelationType::PredecessorVersion, "predecessor-version"),
    (RelationType::Previous, "previous"),
    (RelationType::PrevArchive, "prev-archive"),
    (RelationType::Related, "related"),
    (RelationType::Replies, "replies"),
    (RelationType::Section, "section"),
    (RelationType::RelationTypeSelf, "self"),
    (RelationType::Service, "service"),
    (RelationType::Start, "start"),
    (RelationType::Stylesheet, "stylesheet"),
    (RelationType::Subsection, "subsection"),
    (RelationType::SuccessorVersion, "successor-version"),
    (RelationType::Up, "up"),
    (RelationType::VersionHistory, "version-history"),
    (RelationType::Via, "via"),
    (RelationType::WorkingCopy, "working-copy"),
    (RelationType::WorkingCopyOf, "working-copy-of"),
];

/// A media descriptor (`media=`).
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaDesc {
    Screen,
    Tty,
    Tv,
    Projection,
    Handheld,
    Print,
    Braille,
    Aural,
    All,
    /// Any other.
    Extension(String),
}

const MEDIA: [(MediaDesc, &str); 9] = [
    (MediaDesc::Screen, "screen"),
    (MediaDesc::Tty, "tty"),
    (MediaDesc::Tv, "tv"),
    (MediaDesc::Projection, "projection"),
    (MediaDesc::Handheld, "handheld"),
    (MediaDesc::Print, "print"),
    (MediaDesc::Braille, "braille"),
    (MediaDesc::Aural, "aural"),
    (MediaDesc::All, "all"),
];

impl Link {
    /// A `Link` of these values.
    pub fn new(values: Vec<LinkValue>) -> Link {
        Link { values }
    }

    /// Its values.
    pub fn values(&self) -> &[LinkValue] {
        &self.values
    }

    /// Adds a value.
    pub fn push_value(&mut self, value: LinkValue) {
        self.values.push(value);
    }
}

impl LinkValue {
    /// A link to `uri`, with no attributes.
    pub fn new<T: Into<Cow<'static, str>>>(uri: T) -> LinkValue {
        LinkValue {
            link: uri.into(),
            rel: None,
            anchor: None,
            rev: None,
            href_lang: None,
            media_desc: None,
            title: None,
            title_star: None,
            media_type: None,
        }
    }

    /// The target.
    pub fn link(&self) -> &str {
        &self.link
    }
    /// `rel`.
    pub fn rel(&self) -> Option<&[RelationType]> {
        self.rel.as_deref()
    }
    /// `anchor`.
    pub fn anchor(&self) -> Option<&str> {
        self.anchor.as_deref()
    }
    /// `rev`.
    pub fn rev(&self) -> Option<&[RelationType]> {
        self.rev.as_deref()
    }
    /// `hreflang`.
    pub fn href_lang(&self) -> Option<&[LanguageTag]> {
        self.href_lang.as_deref()
    }
    /// `media`.
    pub fn media_desc(&self) -> Option<&[MediaDesc]> {
        self.media_desc.as_deref()
    }
    /// `title`.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    /// `title*`, as given.
    pub fn title_star(&self) -> Option<&str> {
        self.title_star.as_deref()
    }
    /// `type`.
    pub fn media_type(&self) -> Option<&Mime> {
        self.media_type.as_ref()
    }

    /// Adds a `rel` type.
    pub fn push_rel(mut self, rel: RelationType) -> LinkValue {
        self.rel.get_or_insert_with(Vec::new).push(rel);
        self
    }
    /// Sets `anchor`.
    pub fn set_anchor<T: Into<String>>(mut self, anchor: T) -> LinkValue {
        self.anchor = Some(anchor.into());
        self
    }
    /// Adds a `rev` type.
    pub fn push_rev(mut self, rev: RelationType) -> LinkValue {
        self.rev.get_or_insert_with(Vec::new).push(rev);
        self
    }
    /// Adds an `hreflang`.
    pub fn push_href_lang(mut self, tag: LanguageTag) -> LinkValue {
        self.href_lang.get_or_insert_with(Vec::new).push(tag);
        self
    }
    /// Adds a `media` descriptor.
    pub fn push_media_desc(mut self, desc: MediaDesc) -> LinkValue {
        self.media_desc.get_or_insert_with(Vec::new).push(desc);
        self
    }
    /// Sets `title`.
    pub fn set_title<T: Into<String>>(mut self, title: T) -> LinkValue {
        self.title = Some(title.into());
        self
    }
    /// Sets `title*` (an RFC 8187 extended value, kept as given).
    pub fn set_title_star<T: Into<String>>(mut self, title_star: T) -> LinkValue {
        self.title_star = Some(title_star.into());
        self
    }
    /// Sets `type`.
    pub fn set_media_type(mut self, media_type: Mime) -> LinkValue {
        self.media_type = Some(media_type);
        self
    }
}

impl FromStr for RelationType {
    type Err = Error;
    fn from_str(s: &str) -> Result<RelationType> {
        if s.is_empty() {
            return Err(Error::Header);
        }
        Ok(RELATIONS
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(s))
            .map_or_else(
                || RelationType::ExtRelType(s.to_owned()),
                |(r, _)| r.clone(),
            ))
    }
}

impl fmt::Display for RelationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelationType::ExtRelType(s) => f.write_str(s),
            known => f.write_str(
                RELATIONS
                    .iter()
                    .find(|(r, _)| r == known)
                    .map_or("", |(_, n)| n),
            ),
        }
    }
}

impl FromStr for MediaDesc {
    type Err = Error;
    fn from_str(s: &str) -> Result<MediaDesc> {
        if s.is_empty() {
            return Err(Error::Header);
        }
        Ok(MEDIA
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(s))
            .map_or_else(|| MediaDesc::Extension(s.to_owned()), |(m, _)| m.clone()))
    }
}

impl fmt::Display for MediaDesc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MediaDesc::Extension(s) => f.write_str(s),
            known => f.write_str(
                MEDIA
                    .iter()
                    .find(|(m, _)| m == known)
                    .map_or("", |(_, n)| n),
            ),
        }
    }
}

fn parse_value(s: &str) -> Result<LinkValue> {
    let mut parts = split_outside(s, ';').into_iter();
    let target = parts.next().unwrap_or("");
    let uri = target
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .ok_or(Error::Header)?;
    let mut v = LinkValue::new(uri.to_owned());
    for p in parts.filter(|p| !p.is_empty()) {
        let (name, value) = p.split_once('=').ok_or(Error::Header)?;
        let value = unquote(value)?;
        let list = || value.split_whitespace();
        match name.trim().to_ascii_lowercase().as_str() {
            // The first occurrence counts (RFC 8288 §3.3).
            "rel" if v.rel.is_none() => {
                v.rel = Some(list().map(str::parse).collect::<Result<_>>()?);
            }
            "rev" if v.rev.is_none() => {
                v.rev = Some(list().map(str::parse).collect::<Result<_>>()?);
            }
            "anchor" if v.anchor.is_none() => v.anchor = Some(value),
            "hreflang" => {
                let tag: LanguageTag = value.parse().map_err(|_| Error::Header)?;
                v = v.push_href_lang(tag);
            }
            "media" if v.media_desc.is_none() => {
                v.media_desc = Some(
                    value
                        .split(',')
                        .map(|m| m.trim().parse())
                        .collect::<Result<_>>()?,
                );
            }
            "title" if v.title.is_none() => v.title = Some(value),
            "title*" if v.title_star.is_none() => v.title_star = Some(value),
            "type" if v.media_type.is_none() => {
                v.media_type = Some(value.parse().map_err(|_| Error::Header)?);
            }
            _ => {}
        }
    }
    Ok(v)
}

impl Header for Link {
    fn header_name() -> &'static str {
        "Link"
    }
    fn parse_header(raw: &[Vec<u8>]) -> Result<Link> {
        let mut values = Vec::new();
        for line in raw {
            let s = std::str::from_utf8(line).map_err(|_| Error::Header)?;
            for v in split_outside(s, ',').into_iter().filter(|v| !v.is_empty()) {
                values.push(parse_value(v)?);
            }
        }
        if values.is_empty() {
            return Err(Error::Header);
        }
        Ok(Link { values })
    }
}

fn fmt_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T], sep: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        fmt::Display::fmt(item, f)?;
    }
    Ok(())
}

impl fmt::Display for LinkValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>", self.link)?;
        if let Some(rel) = &self.rel {
            f.write_str("; rel=\"")?;
            fmt_list(f, rel, " ")?;
            f.write_str("\"")?;
        }
        if let Some(anchor) = &self.anchor {
            write!(f, "; anchor=\"{anchor}\"")?;
        }
        if let Some(rev) = &self.rev {
            f.write_str("; rev=\"")?;
            fmt_list(f, rev, " ")?;
            f.write_str("\"")?;
        }
        for tag in self.href_lang.iter().flatten() {
            write!(f, "; hreflang={tag}")?;
        }
        if let Some(media) = &self.media_desc {
            f.write_str("; media=\"")?;
            fmt_list(f, media, ", ")?;
            f.write_str("\"")?;
        }
        if let Some(title) = &self.title {
            write!(
                f,
                "; title=\"{}\"",
                title.replace('\\', "\\\\").replace('"', "\\\"")
            )?;
        }
        if let Some(t) = &self.title_star {
            write!(f, "; title*={t}")?;
        }
        if let Some(m) = &self.media_type {
            write!(f, "; type=\"{m}\"")?;
        }
        Ok(())
    }
}

impl HeaderFormat for Link {
    fn fmt_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_list(f, &self.values, ", ")
    }
}

crate::__hypersync_display!(Link);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_values_parse_and_format_back() {
        let wire = "<http://example.com/TheBook/chapter2>; rel=\"previous\"; title=\"previous chapter\", </>; rel=\"http://example.net/foo next\"; anchor=\"#x\"; hreflang=de; media=\"screen, print\"; type=\"text/html\"";
        let link = Link::parse_header(&[wire.as_bytes().to_vec()]).unwrap();
        assert_eq!(link.values().len(), 2);
        let first = &link.values()[0];
        assert_eq!(first.link(), "http://example.com/TheBook/chapter2");
        assert_eq!(first.rel(), Some(&[RelationType::Previous][..]));
        assert_eq!(first.title(), Some("previous chapter"));
        let second = &link.values()[1];
        assert_eq!(
            second.rel(),
            Some(
                &[
                    RelationType::ExtRelType("http://example.net/foo".into()),
                    RelationType::Next
                ][..]
            )
        );
        assert_eq!(
            second.media_desc(),
            Some(&[MediaDesc::Screen, MediaDesc::Print][..])
        );
        assert_eq!(second.anchor(), Some("#x"));
        let again = Link::parse_header(&[link.to_string().into_bytes()]).unwrap();
        assert_eq!(again, link);
        assert_eq!(RelationType::RelationTypeSelf.to_string(), "self");
        for bad in [
            "",
            "no-brackets; rel=next",
            "<a>; rel",
            "<a>; type=\"not a mime\"",
        ] {
            assert!(
                Link::parse_header(&[bad.as_bytes().to_vec()]).is_err(),
                "{bad}"
            );
        }
    }
}
