//! cargo run --release -p examples --example wait -- --addr 127.0.0.1:3000
//!
//! The seed's database example: `GET /user/42` parks the handler with `Next::wait()` while a
//! worker thread "queries a database" for 50 ms, then wakes it through its `Control`.
//! Try: `curl http://127.0.0.1:3000/user/42`

use std::time::Duration;

use examples::wait::{Db, Wait};
use hyper_server::Server;

mod args;

fn main() {
    let args = args::parse("wait", "", &[]);
    let db = Db::start(Duration::from_millis(50));
    let at = format!("cannot listen on {}", args.addr);
    let server = args.or_exit(Server::http(args.addr), &at);
    let server = args.or_exit(
        server
            .threads(args.threads)
            .handle(move |ctrl| Wait::new(db.clone(), ctrl)),
        &at,
    );
    println!("Listening on http://{}", server.addr());
    args::serve_until_interrupted(&args, server);
}
