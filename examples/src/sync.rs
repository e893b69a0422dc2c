//! The handlers of the hypersync examples (`sync_hello`, `sync_echo`), written as hyper
//! 0.10 programs write them.

use std::io;

use hypersync::header::ContentType;
use hypersync::server::{Request, Response};
use hypersync::status::StatusCode;
use hypersync::uri::RequestUri::AbsolutePath;
use hypersync::{Get, Post};

/// Reads any body to its end, then answers `Hello, World!` as `text/plain`.
pub fn hello(mut req: Request<'_, '_>, mut res: Response<'_>) {
    if let Err(e) = io::copy(&mut req, &mut io::sink()) {
        eprintln!("reading the body: {e}");
        return;
    }
    res.headers_mut().set(ContentType::plaintext());
    if let Err(e) = res.send(b"Hello, World!") {
        eprintln!("send: {e}");
    }
}

/// `POST /echo` streams the body back as it arrives (chunked); `GET /` a short text; a
/// method a path does not serve 405 with `Allow`, a method HTTP does not define 501,
/// anything else 404.
pub fn echo(mut req: Request<'_, '_>, mut res: Response<'_>) {
    let path = match req.uri {
        AbsolutePath(ref p) => p.split('?').next().unwrap_or("").to_owned(),
        _ => {
            *res.status_mut() = StatusCode::BadRequest;
            return;
        }
    };
    if let hypersync::method::Method::Extension(_) = req.method {
        *res.status_mut() = StatusCode::NotImplemented;
        return;
    }
    match (&req.method, &path[..]) {
        (&Get | &hypersync::Head, "/") => {
            let _ = res.send(b"Try POST /echo\n");
        }
        (&Post, "/echo") => {
            let mut res = match res.start() {
                Ok(res) => res,
                Err(e) => return eprintln!("start: {e}"),
            };
            if let Err(e) = io::copy(&mut req, &mut res) {
                return eprintln!("echo: {e}");
            }
            let _ = res.end();
        }
        (_, "/") | (_, "/echo") => {
            *res.status_mut() = StatusCode::MethodNotAllowed;
            let allow = if path == "/" { "GET, HEAD" } else { "POST" };
            res.headers_mut()
                .set_raw("Allow", vec![allow.as_bytes().to_vec()]);
        }
        _ => *res.status_mut() = StatusCode::NotFound,
    }
}
