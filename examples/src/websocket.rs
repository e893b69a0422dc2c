//! The `websocket` example's handler: `GET /ws` with a WebSocket handshake is answered
//! `101 Switching Protocols`; hyper-server then hands the socket over
//! ([`Handler::on_upgrade`], with any bytes the client sent past its request), and a
//! thread echoes every message on it (tungstenite for the framing). `GET /` answers a short
//! text; a plain `GET /ws` gets `426 Upgrade Required`; other paths 404.

use hyper_server::{
    Decoder, Encoder, Handler, Method, Next, Request, Response, StatusCode, TcpStream,
};
use tungstenite::protocol::Role;
use tungstenite::{Message, WebSocket};

const INDEX: &[u8] = b"websocket echo: connect to ws://HOST:PORT/ws\n";

/// One request's state.
#[derive(Debug, Default)]
pub struct Echo {
    /// `Sec-WebSocket-Accept` for a valid handshake.
    accept: Option<String>,
    status: Option<StatusCode>,
    body: &'static [u8],
    pos: usize,
}

impl Echo {
    /// A handler for one request.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Whether a comma-separated header value lists `token` (case-insensitive).
fn lists(value: Option<&[u8]>, token: &str) -> bool {
    value.is_some_and(|v| {
        v.split(|&b| b == b',')
            .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    })
}

impl Handler<TcpStream> for Echo {
    fn on_request(&mut self, req: Request<'_>) -> Next {
        let h = req.headers();
        (self.status, self.body) = match (req.method(), req.path()) {
            (&Method::GET, "/ws")
                if lists(h.get("upgrade"), "websocket")
                    && lists(h.get("connection"), "upgrade")
                    && h.get("sec-websocket-version") == Some(b"13") =>
            {
                match h.get("sec-websocket-key") {
                    Some(key) => {
                        self.accept = Some(tungstenite::handshake::derive_accept_key(key));
                        (Some(StatusCode::SWITCHING_PROTOCOLS), &b""[..])
                    }
                    None => (
                        Some(StatusCode::BAD_REQUEST),
                        &b"no Sec-WebSocket-Key\n"[..],
                    ),
                }
            }
            (&Method::GET, "/ws") => (
                Some(StatusCode::UPGRADE_REQUIRED),
                &b"a WebSocket handshake is expected here\n"[..],
            ),
            (&Method::GET | &Method::HEAD, "/") => (Some(StatusCode::OK), INDEX),
            _ => (Some(StatusCode::NOT_FOUND), &b"not found\n"[..]),
        };
        if req.has_body() {
            Next::read()
        } else {
            Next::write()
        }
    }

    fn on_request_readable(&mut self, decoder: &mut Decoder<'_, '_, TcpStream>) -> Next {
        crate::drop_body(decoder)
    }

    fn on_response(&mut self, res: &mut Response) -> Next {
        let status = self.status.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        res.set_status(status);
        if let (StatusCode::SWITCHING_PROTOCOLS, Some(accept)) = (status, &self.accept) {
            let _ = res.set_header("Upgrade", "websocket");
            let _ = res.set_header("Connection", "Upgrade");
            let _ = res.set_header("Sec-WebSocket-Accept", accept.as_str());
            // HTTP/1.1 ends here: the socket comes back in `on_upgrade`.
            return Next::remove();
        }
        if status == StatusCode::UPGRADE_REQUIRED {
            let _ = res.set_header("Upgrade", "websocket");
        }
        let _ = res.set_header("Content-Type", "text/plain");
        res.set_content_length(self.body.len() as u64);
        Next::write()
    }

    fn on_response_writable(&mut self, encoder: &mut Encoder<'_, '_, TcpStream>) -> Next {
        crate::write_body(encoder, self.body, &mut self.pos)
    }

    fn on_upgrade(self, transport: TcpStream, read_ahead: Vec<u8>) {
        // Out of the event loop: a blocking thread per WebSocket, as a simple echo can be.
        let sock = std::net::TcpStream::from(std::os::fd::OwnedFd::from(transport));
        let spawned = std::thread::Builder::new()
            .name("websocket".into())
            .spawn(move || {
                if let Err(e) = echo(sock, read_ahead) {
                    log::debug!("websocket ended: {e}");
                }
            });
        if let Err(e) = spawned {
            log::warn!("no thread for a websocket: {e}");
        }
    }
}

/// Sends every text and binary message back until the client closes.
#[allow(
    clippy::result_large_err,
    reason = "tungstenite's own error type, returned once per WebSocket"
)]
fn echo(sock: std::net::TcpStream, read_ahead: Vec<u8>) -> tungstenite::Result<()> {
    sock.set_nonblocking(false)?;
    sock.set_read_timeout(Some(std::time::Duration::from_secs(300)))?;
    let mut ws = WebSocket::from_partially_read(sock, read_ahead, Role::Server, None);
    loop {
        match ws.read()? {
            msg @ (Message::Text(_) | Message::Binary(_)) => ws.send(msg)?,
            Message::Close(_) => {
                // tungstenite answered the close; flush it and end.
                let _ = ws.flush();
                return Ok(());
            }
            // Pings are answered by tungstenite itself.
            _ => {}
        }
    }
}
