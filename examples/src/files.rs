//! Serves a directory: `GET` and `HEAD` with `Content-Length`, a `Content-Type` from the
//! file's extension, `Last-Modified` and `ETag` (with `If-Modified-Since` /
//! `If-None-Match` answered `304`), a single `Range` (`206`, or `416` past the end), files
//! of any size streamed in 64 KiB pieces with back-pressure (never a whole file in
//! memory), 404 for what is not there, `405` with `Allow` for another method and `501` for
//! a method HTTP does not define, and no way out of the directory (`..`, absolute paths,
//! encoded slashes and symbolic links pointing outside are refused).

use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use hyper_server::{
    Decoder, Encoder, Handler, Method, Next, Request, Response, StatusCode, TcpStream,
};

const CHUNK: usize = 64 * 1024;

/// One request's state.
#[derive(Debug)]
pub struct Files {
    root: Arc<PathBuf>,
    file: Option<File>,
    len: u64,
    status: StatusCode,
    buf: Vec<u8>,
    pos: usize,
    head: bool,
    /// `Content-Type`, `Last-Modified`, `ETag` of the file found.
    content_type: &'static str,
    modified: Option<SystemTime>,
    etag: String,
    /// The part of the file sent (`206`), or `None` for all of it.
    range: Option<(u64, u64)>,
    /// The whole file's length (for `Content-Range`).
    total: u64,
}

impl Files {
    /// A handler serving files under `root`.
    pub fn new(root: Arc<PathBuf>) -> Self {
        Self {
            root,
            file: None,
            len: 0,
            status: StatusCode::NOT_FOUND,
            buf: Vec::new(),
            pos: 0,
            head: false,
            content_type: "application/octet-stream",
            modified: None,
            etag: String::new(),
            range: None,
            total: 0,
        }
    }

    /// Maps a request path to a file under the root, refusing anything that could leave it.
    fn resolve(&self, path: &str) -> Option<PathBuf> {
        let decoded = percent_decode(path)?;
        let rel = Path::new(decoded.trim_start_matches('/'));
        let mut out = (*self.root).clone();
        for c in rel.components() {
            match c {
                Component::Normal(part) => out.push(part),
                Component::CurDir => {}
                _ => return None,
            }
        }
        if out.is_dir() {
            out.push("index.html");
        }
        // A symbolic link may point anywhere: what it leads to must be under the root too.
        let real = out.canonicalize().ok()?;
        let root = self.root.canonicalize().ok()?;
        real.starts_with(&root).then_some(real)
    }

    /// Opens the file for a GET/HEAD and decides the answer from the conditional and range
    /// headers.
    fn open(&mut self, req: &Request<'_>) {
        let Some(path) = self.resolve(req.path()) else {
            return;
        };
        let Ok(file) = File::open(&path) else {
            return;
        };
        let Ok(meta) = file.metadata() else {
            return;
        };
        if !meta.is_file() {
            return;
        }
        self.total = meta.len();
        self.len = meta.len();
        self.modified = meta.modified().ok();
        let secs = self
            .modified
            .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        self.etag = format!("\"{:x}-{:x}\"", meta.len(), secs);
        self.content_type = mime_guess::from_path(&path)
            .first_raw()
            .unwrap_or("application/octet-stream");
        self.status = StatusCode::OK;
        // RFC 9110 §13.1.2: If-None-Match decides when present, else If-Modified-Since.
        let header = |name| {
            req.headers()
                .get(name)
                .and_then(|v| std::str::from_utf8(v).ok())
        };
        let not_modified = match (header("if-none-match"), header("if-modified-since")) {
            (Some(tags), _) => tags
                .split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || t == self.etag),
            (None, Some(since)) => match (httpdate::parse_http_date(since), self.modified) {
                (Ok(since), Some(modified)) => {
                    // Compared in whole seconds, as the header carries them.
                    httpdate::fmt_http_date(modified) == httpdate::fmt_http_date(since)
                        || modified <= since
                }
                _ => false,
            },
            (None, None) => false,
        };
        if not_modified {
            self.status = StatusCode::NOT_MODIFIED;
            return;
        }
        if let Some(range) = header("range") {
            match single_range(range, self.total) {
                Some(Ok((first, last))) => {
                    if file_at(&file, first).is_none() {
                        return;
                    }
                    self.range = Some((first, last));
                    self.len = last - first + 1;
                    self.status = StatusCode::PARTIAL_CONTENT;
                }
                Some(Err(())) => {
                    self.status = StatusCode::RANGE_NOT_SATISFIABLE;
                    return;
                }
                // Not a single byte range we serve: the whole file (RFC 9110 §14.2).
                None => {}
            }
        }
        self.file = Some(file);
    }
}

/// Positions `file` at `at`.
fn file_at(mut file: &File, at: u64) -> Option<u64> {
    file.seek(SeekFrom::Start(at)).ok()
}

/// A single `bytes=` range of a `total`-byte file: `Some(Ok((first, last)))` inclusive,
/// `Some(Err(()))` when it lies past the end (416), `None` for anything else (several
/// ranges, another unit, bad syntax: served whole).
fn single_range(value: &str, total: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    let range = if a.is_empty() {
        // The last `b` bytes.
        if !digits(b) {
            return None;
        }
        let n: u64 = b.parse().ok()?;
        if n == 0 || total == 0 {
            return Some(Err(()));
        }
        (total.saturating_sub(n), total - 1)
    } else {
        if !digits(a) || !(b.is_empty() || digits(b)) {
            return None;
        }
        let first: u64 = a.parse().ok()?;
        let last: u64 = if b.is_empty() {
            u64::MAX
        } else {
            b.parse().ok()?
        };
        if last < first {
            return None;
        }
        if first >= total {
            return Some(Err(()));
        }
        (first, last.min(total - 1))
    };
    Some(Ok(range))
}

/// `%XX` decoding; `None` for malformed escapes, NUL, or an encoded `/` or `\`.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            let v = u8::from_str_radix(hex, 16).ok()?;
            if v == b'/' || v == b'\\' || v == 0 {
                return None;
            }
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl Handler<TcpStream> for Files {
    fn on_request(&mut self, req: Request<'_>) -> Next {
        self.head = *req.method() == Method::HEAD;
        if *req.method() == Method::GET || self.head {
            self.open(&req);
        } else if crate::is_standard_method(req.method()) {
            self.status = StatusCode::METHOD_NOT_ALLOWED;
        } else {
            self.status = StatusCode::NOT_IMPLEMENTED;
        }
        // Read (and drop) any body first, so the connection stays usable.
        if req.has_body() {
            Next::read()
        } else {
            Next::write()
        }
    }

    fn on_request_readable(&mut self, decoder: &mut Decoder<'_, '_, TcpStream>) -> Next {
        crate::drop_body(decoder)
    }

    fn on_response(&mut self, res: &mut Response) -> Next {
        res.set_status(self.status);
        if matches!(
            self.status,
            StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
        ) {
            let _ = res.set_header("ETag", self.etag.as_str());
            if let Some(modified) = self.modified {
                let _ = res.set_header("Last-Modified", httpdate::fmt_http_date(modified));
            }
            if self.status == StatusCode::NOT_MODIFIED {
                return Next::end();
            }
            let _ = res.set_header("Accept-Ranges", "bytes");
            let _ = res.set_header("Content-Type", self.content_type);
            if let Some((first, last)) = self.range {
                let _ = res.set_header(
                    "Content-Range",
                    format!("bytes {first}-{last}/{}", self.total),
                );
            }
            res.set_content_length(self.len);
            if self.head || self.len == 0 {
                return Next::end();
            }
            self.buf = vec![0; CHUNK];
            self.pos = CHUNK;
            return Next::write();
        }
        match self.status {
            StatusCode::METHOD_NOT_ALLOWED => {
                let _ = res.set_header("Allow", "GET, HEAD");
            }
            StatusCode::RANGE_NOT_SATISFIABLE => {
                let _ = res.set_header("Content-Range", format!("bytes */{}", self.total));
            }
            _ => {}
        }
        let _ = res.set_header("Content-Type", "text/plain");
        self.buf = format!("{}\n", self.status).into_bytes();
        res.set_content_length(self.buf.len() as u64);
        self.pos = 0;
        self.file = None;
        Next::write()
    }

    fn on_response_writable(&mut self, encoder: &mut Encoder<'_, '_, TcpStream>) -> Next {
        loop {
            if self.pos == self.buf.len() {
                let Some(file) = self.file.as_mut() else {
                    return Next::end();
                };
                if self.len == 0 {
                    return Next::end();
                }
                // Never more than the range (or file) length: a file growing meanwhile
                // must not overrun the Content-Length.
                let want = CHUNK.min(usize::try_from(self.len).unwrap_or(CHUNK));
                self.buf.resize(want, 0);
                match file.read(&mut self.buf) {
                    Ok(0) => return Next::end(),
                    Ok(n) => {
                        self.buf.truncate(n);
                        self.pos = 0;
                        self.len -= n as u64;
                    }
                    Err(_) => return Next::remove(),
                }
            }
            match encoder.write(&self.buf[self.pos..]) {
                Ok(n) => self.pos += n,
                // The socket is full: come back when it drains (back-pressure).
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::write(),
                Err(_) => return Next::remove(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> PathBuf {
        let base = std::env::temp_dir().join(format!("files-tests-{}", std::process::id()));
        let root = base.join("www");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("a/b.txt"), "b").unwrap();
        std::fs::write(base.join("secret.txt"), "secret").unwrap();
        let _ = std::os::unix::fs::symlink(base.join("secret.txt"), root.join("escape.txt"));
        let _ = std::os::unix::fs::symlink(root.join("a/b.txt"), root.join("inside.txt"));
        root
    }

    #[test]
    fn no_escape() {
        let root = tree();
        let real = root.canonicalize().unwrap();
        let f = Files::new(Arc::new(root));
        assert_eq!(f.resolve("/a/b.txt"), Some(real.join("a/b.txt")));
        assert_eq!(f.resolve("/a/./b.txt"), Some(real.join("a/b.txt")));
        // A link that stays inside is followed; one that leads out is not.
        assert_eq!(f.resolve("/inside.txt"), Some(real.join("a/b.txt")));
        for bad in [
            "/escape.txt",
            "/../secret.txt",
            "/a/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/a%2fb.txt",
            "/a%00",
            "/%zz",
            "/missing",
        ] {
            assert_eq!(f.resolve(bad), None, "{bad}");
        }
    }

    #[test]
    fn ranges() {
        type Case = (&'static str, Option<Result<(u64, u64), ()>>);
        let cases: &[Case] = &[
            ("bytes=0-9", Some(Ok((0, 9)))),
            ("bytes=5-", Some(Ok((5, 99)))),
            ("bytes=-10", Some(Ok((90, 99)))),
            ("bytes=-500", Some(Ok((0, 99)))),
            ("bytes=90-200", Some(Ok((90, 99)))),
            ("bytes=100-", Some(Err(()))),
            ("bytes=-0", Some(Err(()))),
            ("bytes=0-1,5-6", None),
            ("bytes=9-1", None),
            ("items=0-1", None),
            ("bytes=a-b", None),
        ];
        for (value, want) in cases {
            assert_eq!(single_range(value, 100), *want, "{value}");
        }
    }
}
