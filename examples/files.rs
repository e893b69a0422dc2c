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

fn main() -> std::io::Result<()> {
    let args = args::parse();
    let dir = args
        .rest
        .first()
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let root = Arc::new(dir.canonicalize()?);
    let shown = root.display().to_string();
    let server = Server::http(args.addr)?
        .threads(args.threads)
        .handle(move |_ctrl| Files::new(Arc::clone(&root)))?;
    println!("Listening on http://{} serving {shown}", server.addr());
    server.wait()
}
