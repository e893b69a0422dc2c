//! Serves a directory: `GET` and `HEAD` with `Content-Length`, files of any size streamed
//! in 64 KiB pieces with back-pressure (never a whole file in memory), 404 for what is not
//! there, and no way out of the directory (`..`, absolute paths and encoded slashes are
//! refused).

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

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
        Some(out)
    }
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
        if *req.method() != Method::GET && !self.head {
            self.status = StatusCode::METHOD_NOT_ALLOWED;
            return Next::write();
        }
        if let Some(path) = self.resolve(req.path()) {
            if let Ok(file) = File::open(&path) {
                if let Ok(meta) = file.metadata() {
                    if meta.is_file() {
                        self.len = meta.len();
                        self.file = Some(file);
                        self.status = StatusCode::OK;
                    }
                }
            }
        }
        Next::write()
    }

    fn on_request_readable(&mut self, _: &mut Decoder<'_, '_, TcpStream>) -> Next {
        Next::write()
    }

    fn on_response(&mut self, res: &mut Response) -> Next {
        res.set_status(self.status);
        if self.status == StatusCode::OK {
            res.set_content_length(self.len);
            let _ = res.set_header("Content-Type", "application/octet-stream");
            if self.head || self.len == 0 {
                return Next::end();
            }
            self.buf = vec![0; CHUNK];
            self.pos = CHUNK;
            return Next::write();
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
                self.buf.resize(CHUNK, 0);
                match file.read(&mut self.buf) {
                    Ok(0) => return Next::end(),
                    Ok(n) => {
                        self.buf.truncate(n);
                        self.pos = 0;
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

    #[test]
    fn no_escape() {
        let f = Files::new(Arc::new(PathBuf::from("/srv/www")));
        assert_eq!(
            f.resolve("/a/b.txt"),
            Some(PathBuf::from("/srv/www/a/b.txt"))
        );
        assert_eq!(f.resolve("/a/./b"), Some(PathBuf::from("/srv/www/a/b")));
        for bad in [
            "/../etc/passwd",
            "/a/../../etc",
            "/%2e%2e/etc/passwd",
            "/a%2fb",
            "/a%00",
            "/%zz",
        ] {
            assert_eq!(f.resolve(bad), None, "{bad}");
        }
    }
}
