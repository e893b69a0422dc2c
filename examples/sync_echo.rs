//! Echo on hypersync, written as a hyper 0.10 program would be.
//!
//! ```text
//! cargo run --release -p examples --example sync_echo -- --addr 127.0.0.1:3000 --threads 8
//! ```
//!
//! `POST /echo` streams the request body back as it arrives, any size, in bounded memory;
//! `GET /` answers a short text; anything else is a 404.

// Written as hyper 0.10 programs were: `Request` and `Response` without their lifetimes.
#![allow(elided_lifetimes_in_paths)]

extern crate hypersync as hyper;

use std::io;

use hyper::server::{Request, Response, Server};
use hyper::status::StatusCode;
use hyper::uri::RequestUri::AbsolutePath;
use hyper::{Get, Post};

#[allow(dead_code)]
mod args;

fn echo(mut req: Request, mut res: Response) {
    let path = match req.uri {
        AbsolutePath(ref p) => p.split('?').next().unwrap_or("").to_owned(),
        _ => {
            *res.status_mut() = StatusCode::BadRequest;
            return;
        }
    };
    match (&req.method, &path[..]) {
        (&Get, "/") => {
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
        _ => *res.status_mut() = StatusCode::NotFound,
    }
}

fn main() {
    let args = args::parse();
    let threads = if args.threads_set { args.threads } else { 8 };
    let listening = Server::http(args.addr)
        .expect("bind")
        .handle_threads(echo, threads)
        .expect("start");
    println!(
        "Listening on http://{} ({threads} worker threads)",
        listening.socket
    );
}
