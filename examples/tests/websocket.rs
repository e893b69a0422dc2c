//! The `websocket` example: hyper-server answers the handshake with `101`, hands the socket
//! over (`Handler::on_upgrade`, with the bytes read past the request), and the example
//! echoes messages on it. Driven by python's `websockets` client and by raw bytes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use examples::websocket::Echo;
use hyper_server::Server;

mod common;
use common::stdout;

fn server() -> hyper_server::Listening {
    Server::http("127.0.0.1:0")
        .unwrap()
        .handle(|_| Echo::new())
        .unwrap()
}

/// A real client: text, binary, a 1 MiB message, ping, a clean close.
#[test]
fn python_websockets_client_gets_its_echo() {
    let srv = server();
    let script = r#"
import asyncio, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1], max_size=None) as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"
        await ws.send(b"\x00\x01\xff binary")
        assert await ws.recv() == b"\x00\x01\xff binary"
        big = bytes(i % 251 for i in range(1 << 20))
        await ws.send(big)
        assert await ws.recv() == big
        pong = await ws.ping()
        await asyncio.wait_for(pong, 10)
    print("ok", ws.close_code)
asyncio.run(main())
"#;
    let url = format!("ws://{}/ws", srv.addr());
    let out = stdout("python3", &["-c", script, &url]);
    assert_eq!(out.trim(), "ok 1000");
    srv.close().unwrap();
}

/// The client's first frame sent in the same packet as its handshake reaches the echo:
/// the bytes read past the request head go with the socket.
#[test]
fn a_frame_sent_with_the_handshake_is_not_lost() {
    let srv = server();
    let mut s = TcpStream::connect(srv.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut both = b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        .to_vec();
    // A masked text frame "hi" (client frames are masked; mask 1,2,3,4).
    both.extend_from_slice(&[0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2]);
    s.write_all(&both).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let want_frame = [0x81, 0x02, b'h', b'i'];
    while !got.ends_with(&want_frame) {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed early: {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{text}"
    );
    // RFC 6455's own example key and answer.
    assert!(
        text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "{text}"
    );
    srv.close().unwrap();
}

#[test]
fn plain_requests_get_426_404_and_the_index() {
    let srv = server();
    let base = format!("http://{}", srv.addr());
    let out = stdout(
        "curl",
        &["-sS", "-i", "--max-time", "10", &format!("{base}/ws")],
    );
    assert!(
        out.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
        "{out}"
    );
    let out = stdout(
        "curl",
        &["-sS", "-i", "--max-time", "10", &format!("{base}/nope")],
    );
    assert!(out.starts_with("HTTP/1.1 404 Not Found\r\n"), "{out}");
    let out = stdout("curl", &["-sS", "--max-time", "10", &format!("{base}/")]);
    assert!(out.starts_with("websocket echo"), "{out}");
    srv.close().unwrap();
}

/// hyper-client's side of an upgrade: it sends the handshake, sees the `101` in
/// `on_response`, and gets the socket in `on_upgrade`, where a WebSocket client (tungstenite)
/// takes over and talks to the `websocket` example.
#[test]
fn hyper_client_upgrades_and_gets_the_socket() {
    use hyper_client::{Client, MaybeTls};
    use std::sync::mpsc::{channel, Sender};

    struct Upgrade {
        status: u16,
        done: Sender<Result<String, String>>,
    }
    impl hyper_client::Handler<MaybeTls> for Upgrade {
        fn on_request(&mut self, req: &mut hyper_client::Request) -> hyper_client::Next {
            for (name, value) in [
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                ("Sec-WebSocket-Version", "13"),
            ] {
                req.set_header(name, value).unwrap();
            }
            hyper_client::Next::read()
        }
        fn on_request_writable(
            &mut self,
            _: &mut hyper_client::Encoder<'_, '_, MaybeTls>,
        ) -> hyper_client::Next {
            hyper_client::Next::read()
        }
        fn on_response(&mut self, res: hyper_client::Response<'_>) -> hyper_client::Next {
            self.status = res.status().as_u16();
            hyper_client::Next::read()
        }
        fn on_response_readable(
            &mut self,
            _: &mut hyper_client::Decoder<'_, '_, MaybeTls>,
        ) -> hyper_client::Next {
            let _ = self
                .done
                .send(Err(format!("no upgrade: status {}", self.status)));
            hyper_client::Next::remove()
        }
        fn on_error(&mut self, err: hyper_client::Error) -> hyper_client::Next {
            let _ = self.done.send(Err(err.to_string()));
            hyper_client::Next::remove()
        }
        fn on_upgrade(self, transport: MaybeTls, read_ahead: Vec<u8>) {
            let MaybeTls::Plain(sock) = transport else {
                let _ = self.done.send(Err("expected plain TCP".into()));
                return;
            };
            let sock = TcpStream::from(std::os::fd::OwnedFd::from(sock));
            let done = self.done;
            std::thread::spawn(move || {
                let talk = || -> Result<String, Box<dyn std::error::Error>> {
                    sock.set_nonblocking(false)?;
                    let mut ws = tungstenite::WebSocket::from_partially_read(
                        sock,
                        read_ahead,
                        tungstenite::protocol::Role::Client,
                        None,
                    );
                    ws.send(tungstenite::Message::text("over the upgraded socket"))?;
                    let back = ws.read()?.into_text()?.to_string();
                    ws.close(None)?;
                    Ok(back)
                };
                let _ = done.send(talk().map_err(|e| e.to_string()));
            });
        }
    }

    let srv = server();
    let client: Client<Upgrade> = Client::builder().build().unwrap();
    let (tx, rx) = channel();
    let url = format!("http://{}/ws", srv.addr());
    client
        .request(
            url.as_str(),
            Upgrade {
                status: 0,
                done: tx,
            },
        )
        .unwrap();
    let got = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(got.unwrap(), "over the upgraded socket");
    srv.close().unwrap();
}
