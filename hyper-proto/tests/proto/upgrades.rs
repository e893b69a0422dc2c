//! The pair across a protocol change: `101 Switching Protocols` and `CONNECT` tunnels.

use http::{Method, StatusCode};
use hyper_proto::{BodyKind, RequestLine, UserError};

use super::pair::Pair;

#[test]
fn upgrade_hands_off_both_sides() {
    let mut p = Pair::new(usize::MAX);
    p.client_out.extend_from_slice(
        b"GET /chat HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello",
    );
    let req = p.server_request();
    assert_eq!(req.path, "/chat");
    let headers = [
        (&b"Connection"[..], &b"upgrade"[..]),
        (&b"Upgrade"[..], &b"websocket"[..]),
    ];
    p.server
        .send_response_head(
            p.now,
            StatusCode::SWITCHING_PROTOCOLS,
            headers,
            BodyKind::Empty,
            None,
            &mut p.server_out,
        )
        .unwrap();
    assert_eq!(
        p.server_out,
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n"
    );
    assert!(p.server.is_upgraded() && !p.server.is_closed());
    // The frame after the head is left in the buffer for the new protocol.
    assert_eq!(p.server_in, b"\x81\x05hello");
    assert_eq!(p.try_server_request().unwrap(), None);
}

#[test]
fn switching_protocols_needs_an_upgrade_request() {
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::GET, "/", BodyKind::Empty, false);
    p.server_request();
    let err = p
        .server_head(StatusCode::SWITCHING_PROTOCOLS, BodyKind::Empty)
        .unwrap_err();
    assert_eq!(err.user_error(), Some(UserError::InvalidState));
}

#[test]
fn connect_tunnel_both_sides() {
    let mut p = Pair::new(usize::MAX);
    let line = RequestLine {
        method: &Method::CONNECT,
        target: b"db.internal:5432",
        host: b"db.internal:5432",
    };
    p.client
        .send_request_head(p.now, &line, [], BodyKind::Empty, false, &mut p.client_out)
        .unwrap();
    let req = p.server_request();
    assert_eq!(req.method, Method::CONNECT);
    p.server_head(StatusCode::OK, BodyKind::Length(99)).unwrap();
    assert_eq!(
        p.server_out, b"HTTP/1.1 200 OK\r\n\r\n",
        "no framing on a tunnel"
    );
    assert!(p.server.is_upgraded());
    p.server_out.extend_from_slice(b"tunnel bytes");
    p.flush();
    let n = p.client.recv_head(p.now, &p.client_in).unwrap().unwrap();
    assert!(p.client.response(&p.client_in).is_upgrade());
    assert!(p.client.is_upgraded() && !p.client.is_closed());
    assert_eq!(&p.client_in[n..], b"tunnel bytes");
}
