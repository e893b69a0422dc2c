//! cargo run --release -p examples --example files -- --addr 127.0.0.1:3000 [DIR]
//!
//! Serves DIR (default: the current directory): `GET`/`HEAD`, `Content-Length`, files of
//! any size streamed with back-pressure, 404, and no escape from DIR.
//! Try: `curl -O http://127.0.0.1:3000/Cargo.toml`

use std::path::PathBuf;
use std::sync::Arc;

use examples::files::Files;
use hyper_server::Server;

mod args;

fn main() {
    let args = args::parse("files", "[DIR]", &[]);
    let dir = args
        .rest
        .first()
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let root = args.or_exit(
        dir.canonicalize(),
        format!("cannot serve {}", dir.display()),
    );
    let root = Arc::new(root);
    let shown = root.display().to_string();
    let at = format!("cannot listen on {}", args.addr);
    let server = args.or_exit(Server::http(args.addr), &at);
    let server = args.or_exit(
        server
            .threads(args.threads)
            .handle(move |_ctrl| Files::new(Arc::clone(&root))),
        &at,
    );
    println!("Listening on http://{} serving {shown}", server.addr());
    args::serve_until_interrupted(&args, server);
}
