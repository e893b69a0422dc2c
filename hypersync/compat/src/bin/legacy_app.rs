#![deny(warnings)]
// A program in the style of hyper 0.10 applications (and of iron/nickel code under them):
// typed headers, a custom header, a stateful Handler, RequestUri matching, streaming
// responses, the blocking Client shared through an Arc. It compiles unchanged against
// hyper 0.10.16 with `extern crate hyper;`; here only that line differs.
#[macro_use]
extern crate hypersync as hyper;

use std::env;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use hyper::client::Client;
use hyper::header::{Connection, ContentLength, ContentType, Headers, Location, UserAgent};
use hyper::method::Method;
use hyper::mime::{Mime, SubLevel, TopLevel};
use hyper::server::{Handler, Request, Response, Server};
use hyper::status::StatusCode;
use hyper::uri::RequestUri::AbsolutePath;
use hyper::Url;

header! { (XRequestCount, "X-Request-Count") => [usize] }

struct App {
    hits: AtomicUsize,
}

impl Handler for App {
    fn handle(&self, mut req: Request, mut res: Response) {
        let n = self.hits.fetch_add(1, Ordering::SeqCst) + 1;
        res.headers_mut().set(XRequestCount(n));
        let path = match req.uri {
            AbsolutePath(ref p) => p.clone(),
            _ => {
                *res.status_mut() = StatusCode::BadRequest;
                return;
            }
        };
        let url = Url::parse(&format!("http://localhost{}", path)).unwrap();
        match (req.method.clone(), url.path()) {
            (Method::Get, "/") => {
                res.headers_mut()
                    .set(ContentType(Mime(TopLevel::Text, SubLevel::Plain, vec![])));
                res.send(b"legacy app\n").unwrap();
            }
            (Method::Get, "/agent") => {
                let agent = match req.headers.get::<UserAgent>() {
                    Some(&UserAgent(ref a)) => a.clone(),
                    None => "none".to_owned(),
                };
                res.send(agent.as_bytes()).unwrap();
            }
            (Method::Get, "/stream") => {
                let count: usize = url
                    .query_pairs()
                    .find(|&(ref k, _)| k == "n")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(3);
                let mut res = res.start().unwrap();
                for i in 0..count {
                    write!(res, "line {}\n", i).unwrap();
                }
                res.end().unwrap();
            }
            (Method::Post, "/upper") => {
                let mut body = String::new();
                req.read_to_string(&mut body).unwrap();
                res.headers_mut().set(ContentType::plaintext());
                res.send(body.to_uppercase().as_bytes()).unwrap();
            }
            (Method::Get, "/old") => {
                *res.status_mut() = StatusCode::MovedPermanently;
                res.headers_mut().set(Location("/".to_owned()));
            }
            (Method::Get, "/close") => {
                res.headers_mut().set(Connection::close());
                res.send(b"bye").unwrap();
            }
            (Method::Get, "/panic") => panic!("handler panicked on purpose"),
            _ => *res.status_mut() = hyper::NotFound,
        }
    }
}

fn client(base: &str) {
    let client = Arc::new(Client::new());
    let mut threads = Vec::new();
    for i in 0..4 {
        let client = client.clone();
        let url = format!("{}/upper", base);
        threads.push(thread::spawn(move || {
            let body = format!("thread {}", i);
            let mut res = client.post(&*url).body(&*body).send().unwrap();
            assert_eq!(res.status, hyper::Ok);
            let mut text = String::new();
            res.read_to_string(&mut text).unwrap();
            text
        }));
    }
    for t in threads {
        println!("{}", t.join().unwrap());
    }
    let mut headers = Headers::new();
    headers.set(UserAgent("legacy/1.0".to_owned()));
    let mut res = client
        .get(&format!("{}/agent", base))
        .headers(headers)
        .send()
        .unwrap();
    let mut agent = String::new();
    res.read_to_string(&mut agent).unwrap();
    println!("agent: {}", agent);
    let mut res = client.get(&format!("{}/old", base)).send().unwrap();
    let mut root = String::new();
    res.read_to_string(&mut root).unwrap();
    println!("redirected to {}: {}", res.url, root.trim());
    let res = client.get(&format!("{}/missing", base)).send().unwrap();
    println!(
        "missing: {} {:?}",
        res.status,
        res.headers.get::<ContentLength>()
    );
    io::stdout().flush().unwrap();
}

fn main() {
    let addr = env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let mut server = Server::http(&*addr).unwrap();
    server.keep_alive(Some(std::time::Duration::from_secs(5)));
    let mut listening = server
        .handle_threads(
            App {
                hits: AtomicUsize::new(0),
            },
            4,
        )
        .unwrap();
    println!("listening on {}", listening.socket);
    if env::args().nth(2).map_or(false, |a| a == "--self-test") {
        client(&format!("http://{}", listening.socket));
        listening.close().unwrap();
    }
}
