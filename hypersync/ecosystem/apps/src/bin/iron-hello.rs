//! iron's `hello` example, listening on 127.0.0.1 and the port given (default 3000), for
//! `cpu_per_req.py` to run on hypersync's `hyper` and on crates.io's alike.
extern crate iron;

use iron::prelude::*;
use iron::status;

fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    Iron::new(|_: &mut Request| Ok(Response::with((status::Ok, "Hello, World!"))))
        .http(("127.0.0.1", port))
        .unwrap();
}
