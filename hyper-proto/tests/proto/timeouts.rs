//! The pair's timers: head-read, idle, `Next`, body and send timeouts, and `Next`s that
//! wait or remove.

use std::time::Duration;

use http::{Method, StatusCode};
use hyper_proto::{BodyKind, Config, Next, TimeoutKind};

use super::pair::Pair;
#[test]
fn head_read_timeout_answers_408() {
    let mut p = Pair::new(usize::MAX);
    let deadline = p
        .server
        .poll_timeout()
        .expect("head timeout armed on accept");
    p.client_out.extend_from_slice(b"GET / HTTP/1.1\r\n");
    p.flush();
    assert_eq!(p.try_server_request().unwrap(), None);
    // Spurious wakeups change nothing.
    assert_eq!(p.server.handle_timeout(p.now), None);
    p.advance(Duration::from_secs(29));
    assert_eq!(p.server.handle_timeout(p.now), None);
    p.advance(Duration::from_secs(2));
    assert!(p.now >= deadline);
    let err = p.server.handle_timeout(p.now).unwrap();
    assert_eq!(err.timeout_kind(), Some(TimeoutKind::HeadRead));
    assert!(p.server.poll_transmit(&mut p.server_out, None));
    assert!(p
        .server_out
        .starts_with(b"HTTP/1.1 408 Request Timeout\r\n"));
    assert!(p.server.is_closed());
}

#[test]
fn a_body_that_makes_no_progress_times_out_by_default() {
    // The handler's Next::read() carries no timeout: the connection's body timeout does.
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::POST, "/", BodyKind::Length(10), false);
    p.server_request();
    p.server_next(Next::read()).unwrap();
    let at = p.server.poll_timeout().expect("body timeout armed");
    assert_eq!(at, p.now + hyper_proto::DEFAULT_BODY_TIMEOUT);
    p.advance(hyper_proto::DEFAULT_BODY_TIMEOUT);
    let err = p.server.handle_timeout(p.now).unwrap();
    assert_eq!(err.timeout_kind(), Some(TimeoutKind::Next));
    // Writing a body the peer does not take: the send timeout.
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::GET, "/", BodyKind::Empty, false);
    p.server_request();
    p.server_head(StatusCode::OK, BodyKind::Length(100))
        .unwrap();
    p.server_next(Next::write()).unwrap();
    assert_eq!(
        p.server.poll_timeout(),
        Some(p.now + hyper_proto::DEFAULT_SEND_TIMEOUT)
    );
    // Both can be turned off; a Next that waits for a Control gets no limit either.
    let config = Config::default().body_timeout(None).send_timeout(None);
    let mut p = Pair::with_config(usize::MAX, config);
    p.client_request(&Method::POST, "/", BodyKind::Length(10), false);
    p.server_request();
    p.server_next(Next::read()).unwrap();
    assert_eq!(p.server.poll_timeout(), None);
    p.server_next(Next::wait()).unwrap();
    assert_eq!(p.server.poll_timeout(), None);
}

#[test]
fn head_read_timeout_without_a_byte_closes_silently() {
    // A connection that never sent anything (a browser's pre-connection) gets no 408.
    let mut p = Pair::new(usize::MAX);
    let deadline = p
        .server
        .poll_timeout()
        .expect("head timeout armed on accept");
    p.advance(Duration::from_secs(31));
    assert!(p.now >= deadline);
    let err = p.server.handle_timeout(p.now).unwrap();
    assert_eq!(err.timeout_kind(), Some(TimeoutKind::HeadRead));
    assert!(!p.server.poll_transmit(&mut p.server_out, None));
    assert!(p.server_out.is_empty());
    assert!(p.server.is_closed());
}

#[test]
fn slow_head_is_not_extended_by_trickling() {
    let mut p = Pair::new(1);
    p.client_out
        .extend_from_slice(b"GET / HTTP/1.1\r\nHost: t\r\nX: ");
    for _ in 0..20 {
        p.step();
        assert_eq!(p.try_server_request().unwrap(), None);
        p.advance(Duration::from_secs(2));
        if p.server.handle_timeout(p.now).is_some() {
            return;
        }
    }
    panic!("a head trickled over 40 s must hit the 30 s head timeout");
}

#[test]
fn idle_timeout_closes_silently() {
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::GET, "/", BodyKind::Empty, false);
    p.server_request();
    p.server_respond(204, BodyKind::Empty, b"").unwrap();
    p.flush();
    p.server_out.clear();
    let deadline = p.server.poll_timeout().expect("idle timeout armed");
    p.advance(deadline - p.now);
    let err = p.server.handle_timeout(p.now).unwrap();
    assert_eq!(err.timeout_kind(), Some(TimeoutKind::Idle));
    assert!(!p.server.poll_transmit(&mut p.server_out, None));
    assert!(p.server.is_closed() && p.server_out.is_empty());
}

#[test]
fn next_timeout_goes_to_the_handler() {
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::POST, "/", BodyKind::Length(10), false);
    p.server_request();
    p.server_next(Next::read().timeout(Duration::from_secs(5)))
        .unwrap();
    p.advance(Duration::from_secs(4));
    assert_eq!(p.server.handle_timeout(p.now), None);
    p.advance(Duration::from_secs(1));
    let err = p.server.handle_timeout(p.now).unwrap();
    assert_eq!(err.timeout_kind(), Some(TimeoutKind::Next));
    assert!(!p.server.is_closed(), "the handler decides");
    // The default choice of a server: 408 when nothing was sent yet.
    assert!(p.server.respond_error(StatusCode::REQUEST_TIMEOUT));
    p.server.poll_transmit(&mut p.server_out, None);
    assert!(p.server_out.starts_with(b"HTTP/1.1 408 "));
    assert!(p.server.is_closed());
}

#[test]
fn wait_has_no_interest_until_woken() {
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::POST, "/", BodyKind::Length(3), false);
    p.server_request();
    p.server_next(Next::wait()).unwrap();
    assert!(!p.server.wants_read() && !p.server.wants_write());
    assert_eq!(p.server.poll_timeout(), None);
    // A Control::ready(Next::read()) from elsewhere arrives:
    p.server_next(Next::read()).unwrap();
    assert!(p.server.wants_read());
    p.server_next(Next::write()).unwrap();
    assert!(p.server.wants_write());
}

#[test]
fn remove_closes_now() {
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::GET, "/", BodyKind::Empty, false);
    p.server_request();
    p.server_next(Next::remove()).unwrap();
    assert!(p.server.is_closed());
}
