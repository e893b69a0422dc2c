//! `hyper-conc PORT N CONNECTIONS`: the hyper 1.x side of the concurrent-client comparison.
//! N `GET /` over CONNECTIONS keep-alive connections (`hyper::client::conn::http1`), all on
//! one current-thread tokio runtime: each connection always has a request going, which is
//! what `conc-client PORT N 100 CONNECTIONS` amounts to (HTTP/1.1 sends one request at a
//! time per connection; the other requests in flight wait for a free one). Every response is
//! checked (200 and the 13-byte body). Prints `rps=<requests per second>`.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|a| a.parse().ok()).expect("PORT");
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let conns: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    let secs = local.block_on(&rt, async move {
        let left = Rc::new(Cell::new(n));
        let host = format!("127.0.0.1:{port}");
        let mut senders = Vec::new();
        for _ in 0..conns {
            let stream = TcpStream::connect(("127.0.0.1", port))
                .await
                .expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .expect("handshake");
            tokio::task::spawn_local(async move {
                let _ = conn.await;
            });
            senders.push(sender);
        }
        let t0 = Instant::now();
        let mut tasks = Vec::new();
        for mut sender in senders {
            let left = Rc::clone(&left);
            let host = host.clone();
            tasks.push(tokio::task::spawn_local(async move {
                while left.get() > 0 {
                    left.set(left.get() - 1);
                    sender.ready().await.expect("ready");
                    let req = hyper::Request::get("/")
                        .header(hyper::header::HOST, host.as_str())
                        .body(Empty::<Bytes>::new())
                        .expect("request");
                    let res = sender.send_request(req).await.expect("send_request");
                    assert_eq!(res.status(), 200);
                    let body = res.into_body().collect().await.expect("body").to_bytes();
                    assert_eq!(body.len(), 13);
                }
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        t0.elapsed().as_secs_f64()
    });
    println!(
        "hyper-conn connections={conns} requests={n} secs={secs:.3} rps={:.0}",
        n as f64 / secs
    );
}
