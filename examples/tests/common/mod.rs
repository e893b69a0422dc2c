//! Running the real clients the example tests drive.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs `cmd` and insists it succeeds (its output in the message when it does not).
pub(crate) fn run(cmd: &str, args: &[&str]) -> Output {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("`{cmd}` could not run ({e}); install it (see .ci/run)"));
    assert!(
        out.status.success(),
        "`{cmd} {}` failed: {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// [`run`]'s standard output, as text.
pub(crate) fn stdout(cmd: &str, args: &[&str]) -> String {
    String::from_utf8(run(cmd, args).stdout).unwrap()
}

/// A python `http.client` session against an echo server at `argv[1]:argv[2]`: a `GET /`,
/// 20 `POST /echo` of growing bodies and a 404, all on one connection; prints `ok`.
#[allow(dead_code, reason = "only the echo tests use it")]
pub(crate) const PYTHON_KEEP_ALIVE_ECHO: &str = r#"
import http.client, sys
c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=10)
c.request("GET", "/")
r = c.getresponse(); assert r.status == 200, r.status; r.read()
sock = c.sock
for i in range(20):
    body = ("x" * i).encode()
    c.request("POST", "/echo", body=body)
    r = c.getresponse()
    assert r.status == 200 and r.read() == body
    assert c.sock is sock, "connection was not reused"
c.request("GET", "/nothing-here")
r = c.getresponse(); assert r.status == 404; r.read()
assert c.sock is sock
print("ok")
"#;

/// The SHA-256 of a file, in hex (`sha256sum`).
#[allow(dead_code, reason = "not every test crate checks files")]
pub(crate) fn sha256(path: &str) -> String {
    stdout("sha256sum", &[path])
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// A file of `len` pseudo-random bytes in a fresh temp dir.
#[allow(dead_code, reason = "not every test crate uploads files")]
pub(crate) fn temp_file(name: &str, len: usize) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("hyper-next-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut chunk = vec![0u8; 1 << 16];
    let mut left = len;
    while left > 0 {
        for b in chunk.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let n = left.min(chunk.len());
        f.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    (dir, path)
}

/// Starts nginx in `dir` (a fresh temp dir it may fill) with `http_block` inside its
/// `http { }` (temp paths and logs are set here), and waits until `port` accepts.
#[allow(dead_code, reason = "only the tests with nginx in front use it")]
pub(crate) fn start_nginx(
    dir: &std::path::Path,
    http_block: &str,
    port: u16,
) -> std::process::Child {
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("nginx must be installed (.ci/run installs it)");
    let conf = format!(
        "daemon off; master_process off; worker_processes 1; pid {d}/nginx.pid; error_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{ access_log off; client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; \
         fastcgi_temp_path {d}/fcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi; \
         {http_block} }}\n",
        d = dir.display(),
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let mut child = Command::new(nginx)
        .args([
            "-p",
            dir.to_str().unwrap(),
            "-c",
            dir.join("nginx.conf").to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("nginx starts");
    let t0 = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if t0.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            panic!(
                "nginx did not start: {}",
                std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child
}
