//! Head parsing and chunked decoding throughput, beside raw httparse on the same bytes.
//!
//! `cargo bench -p hyper-proto` (release profile with fat LTO, one codegen unit).

#![allow(missing_docs, reason = "criterion generates the bench harness items")]

use std::hint::black_box;
use std::mem::MaybeUninit;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hyper_proto::{BodyKind, Config, Conn, Decoder, Encoder, Limits, RequestParser, Server};

const SMALL: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUser-Agent: wrk\r\n\r\n";

const BROWSER: &[u8] = b"GET /wp-content/uploads/2010/03/hello-kitty-darth-vader-pink.jpg HTTP/1.1\r\n\
Host: www.kittyhell.com\r\n\
User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.6; ja-JP-mac; rv:1.9.2.3) Gecko/20100401 Firefox/3.6.3 Pathtraq/0.9\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: ja,en-us;q=0.7,en;q=0.3\r\n\
Accept-Encoding: gzip,deflate\r\n\
Accept-Charset: Shift_JIS,utf-8;q=0.7,*;q=0.7\r\n\
Keep-Alive: 115\r\n\
Connection: keep-alive\r\n\
Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx; __utma=xxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.x; __utmz=xxxxxxxxx.xxxxxxxxxx.x.x.utmccn=(referral)|utmcsr=reader.livedoor.com|utmcct=/reader/|utmcmd=referral\r\n\r\n";

fn heads(c: &mut Criterion) {
    for (name, input) in [("small", SMALL), ("browser", BROWSER)] {
        let mut group = c.benchmark_group(format!("head_{name}"));
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function("httparse_raw", |b| {
            b.iter(|| {
                let mut headers = [const { MaybeUninit::uninit() }; 100];
                let mut req = httparse::Request::new(&mut []);
                let n = req
                    .parse_with_uninit_headers(black_box(input), &mut headers)
                    .unwrap();
                black_box((n, req.method, req.path, req.headers.len()));
            });
        });
        let mut parser = RequestParser::new(Limits::default());
        group.bench_function("hyper_proto_parse", |b| {
            b.iter(|| {
                let req = parser.parse(black_box(input)).unwrap().unwrap();
                black_box((req.head_len(), req.body(), req.keep_alive()));
            });
        });
        let now = Instant::now();
        let mut conn = Conn::<Server>::new(Config::default(), now);
        let mut out = Vec::with_capacity(256);
        group.bench_function("hyper_proto_conn_exchange", |b| {
            b.iter(|| {
                let n = conn.recv_head(now, black_box(input)).unwrap().unwrap();
                black_box(n);
                out.clear();
                conn.send_response_head(
                    now,
                    http::StatusCode::OK,
                    [],
                    BodyKind::Length(13),
                    None,
                    &mut out,
                )
                .unwrap();
                conn.send_body(b"Hello, World!", &mut out).unwrap();
                conn.end_exchange(now, &mut out).unwrap();
                black_box(out.len());
            });
        });
        group.finish();
    }
}

fn chunked(c: &mut Criterion) {
    let mut body = Vec::new();
    let mut enc = Encoder::chunked();
    let piece = vec![b'x'; 4096];
    for _ in 0..64 {
        enc.encode(&piece, &mut body).unwrap();
    }
    enc.finish(&mut body).unwrap();
    let mut small = Vec::new();
    let mut enc = Encoder::chunked();
    for _ in 0..4096 {
        enc.encode(&piece[..16], &mut small).unwrap();
    }
    enc.finish(&mut small).unwrap();
    let mut group = c.benchmark_group("chunked_decode");
    for (name, input) in [("4k_chunks", &body), ("16b_chunks", &small)] {
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut dec = Decoder::chunked();
                let mut buf = &input[..];
                let mut total = 0;
                while !dec.is_done() {
                    let step = dec.decode(buf).unwrap();
                    total += step.data.len();
                    buf = &buf[step.consumed..];
                }
                black_box(total)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, heads, chunked);
criterion_main!(benches);
