//! The hypersync examples' handlers driven by real clients: curl, python's http.client, ab.
//! Each server runs in-process on `127.0.0.1:0`.

use hypersync::server::{Listening, Server};

mod common;
use common::{run, stdout};

fn serve(h: fn(hypersync::server::Request<'_, '_>, hypersync::server::Response<'_>)) -> Listening {
    Server::http("127.0.0.1:0")
        .unwrap()
        .handle_threads(h, 4)
        .unwrap()
}

#[test]
fn curl_sync_hello_get_head_post_http10() {
    let mut srv = serve(examples::sync::hello);
    let url = format!("http://{}/", srv.socket);
    let out = stdout("curl", &["-sS", "-i", "--max-time", "10", &url]);
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(
        out.contains("Content-Type: text/plain; charset=utf-8\r\n"),
        "{out}"
    );
    assert!(out.ends_with("\r\n\r\nHello, World!"), "{out}");
    let head = stdout("curl", &["-sS", "-I", "--max-time", "10", &url]);
    assert!(head.contains("Content-Length: 13\r\n"), "{head}");
    let v10 = stdout("curl", &["-sS", "-0", "--max-time", "10", &url]);
    assert_eq!(v10, "Hello, World!");
    let posted = stdout("curl", &["-sS", "--max-time", "10", "-d", "ignored", &url]);
    assert_eq!(posted, "Hello, World!");
    srv.close().unwrap();
}

#[test]
fn curl_sync_echo_20_mib_and_python_keep_alive() {
    let mut srv = serve(examples::sync::echo);
    let url = format!("http://{}/echo", srv.socket);
    let dir = std::env::temp_dir().join(format!("hypersync-echo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.bin");
    let data: Vec<u8> = (0..20u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(&input, &data).unwrap();
    for (name, extra) in [
        ("len", None),
        ("chunked", Some("Transfer-Encoding: chunked")),
        ("expect", Some("Expect: 100-continue")),
    ] {
        let out = dir.join(format!("out-{name}.bin"));
        let body = format!("@{}", input.display());
        let mut args = vec![
            "-sS",
            "--max-time",
            "60",
            "--data-binary",
            &body,
            "-o",
            out.to_str().unwrap(),
            &url,
        ];
        if let Some(h) = extra {
            args.splice(0..0, ["-H", h]);
        }
        run("curl", &args);
        assert!(std::fs::read(&out).unwrap() == data, "{name}: echo differs");
    }
    std::fs::remove_dir_all(&dir).unwrap();
    // python's http.client: one connection for every request, bodies of every small size.
    let script = common::PYTHON_KEEP_ALIVE_ECHO;
    let out = stdout(
        "python3",
        &[
            "-c",
            script,
            &srv.socket.ip().to_string(),
            &srv.socket.port().to_string(),
        ],
    );
    assert_eq!(out.trim(), "ok");
    srv.close().unwrap();
}

#[test]
fn ab_against_sync_hello_without_errors() {
    let mut srv = serve(examples::sync::hello);
    let url = format!("http://{}/", srv.socket);
    let ab = stdout(
        "ab",
        &["-q", "-k", "-n", "5000", "-c", "20", "-s", "10", &url],
    );
    assert!(ab.contains("Complete requests:      5000"), "{ab}");
    assert!(ab.contains("Failed requests:        0"), "{ab}");
    assert!(ab.contains("Keep-Alive requests:    5000"), "{ab}");
    let ab = stdout("ab", &["-q", "-n", "2000", "-c", "10", "-s", "10", &url]);
    assert!(ab.contains("Failed requests:        0"), "{ab}");
    srv.close().unwrap();
}

#[test]
fn sync_echo_routes_answer_405_501_404() {
    let mut srv = serve(examples::sync::echo);
    let base = format!("http://{}", srv.socket);
    let head = |method: &str, path: &str| {
        stdout(
            "curl",
            &[
                "-sS",
                "-i",
                "--max-time",
                "10",
                "-X",
                method,
                &format!("{base}{path}"),
            ],
        )
    };
    let out = head("POST", "/");
    assert!(
        out.starts_with("HTTP/1.1 405 Method Not Allowed\r\n")
            && out.contains("Allow: GET, HEAD\r\n"),
        "{out}"
    );
    let out = head("GET", "/echo");
    assert!(
        out.starts_with("HTTP/1.1 405 Method Not Allowed\r\n") && out.contains("Allow: POST\r\n"),
        "{out}"
    );
    assert!(head("BREW", "/").starts_with("HTTP/1.1 501 Not Implemented\r\n"));
    assert!(head("GET", "/nope").starts_with("HTTP/1.1 404 Not Found\r\n"));
    srv.close().unwrap();
}
