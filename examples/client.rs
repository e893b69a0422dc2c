//! cargo run --release -p examples --example client -- http://127.0.0.1:3000/
//!
//! Fetches URL: the body goes to stdout (pipe it anywhere), the status line and headers to
//! stderr. Exits non-zero with a one-line message on stderr when the request fails (bad
//! URL, refused, timeout, broken framing).

use std::io::{ErrorKind, Read, Write};
use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

use hyper_client::{Client, Decoder, Encoder, Error, Handler, Next, Request, Response, TcpStream};

struct Fetch {
    done: Sender<Result<(), String>>,
    timeout: Duration,
}

impl Handler<TcpStream> for Fetch {
    fn on_request(&mut self, req: &mut Request) -> Next {
        let _ = req.set_header("User-Agent", "hyper-next-example/0.1");
        let _ = req.set_header("Accept", "*/*");
        Next::read().timeout(self.timeout)
    }

    fn on_request_writable(&mut self, _: &mut Encoder<'_, '_, TcpStream>) -> Next {
        Next::read().timeout(self.timeout)
    }

    fn on_response(&mut self, res: Response<'_>) -> Next {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "{:?} {} {}",
            res.version(),
            res.status().as_u16(),
            String::from_utf8_lossy(res.reason())
        );
        for (name, value) in res.headers().iter() {
            let _ = writeln!(err, "{name}: {}", String::from_utf8_lossy(value));
        }
        let _ = writeln!(err);
        Next::read().timeout(self.timeout)
    }

    fn on_response_readable(&mut self, decoder: &mut Decoder<'_, '_, TcpStream>) -> Next {
        let mut buf = [0u8; 64 * 1024];
        let mut out = std::io::stdout().lock();
        loop {
            match decoder.read(&mut buf) {
                Ok(0) => {
                    let _ = out.flush();
                    let _ = self.done.send(Ok(()));
                    return Next::end();
                }
                Ok(n) => {
                    if out.write_all(&buf[..n]).is_err() {
                        let _ = self.done.send(Err("stdout closed".into()));
                        return Next::remove();
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    return Next::read().timeout(self.timeout)
                }
                Err(e) => {
                    let msg = if e.kind() == ErrorKind::UnexpectedEof {
                        "connection closed before the end of the body".to_owned()
                    } else {
                        format!("broken response body: {e}")
                    };
                    let _ = self.done.send(Err(msg));
                    return Next::remove();
                }
            }
        }
    }

    fn on_error(&mut self, err: Error) -> Next {
        let _ = self.done.send(Err(err.to_string()));
        Next::remove()
    }
}

fn main() {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: client URL");
        std::process::exit(2);
    };
    let client = Client::builder()
        .connect_timeout(Some(Duration::from_secs(10)))
        .build()
        .unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(1)
        });
    let (tx, rx) = channel();
    let handler = Fetch {
        done: tx,
        timeout: Duration::from_secs(30),
    };
    if let Err(e) = client.request(&url, handler) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    match rx.recv() {
        Ok(Ok(())) => {}
        Ok(Err(msg)) => {
            eprintln!("error: {msg}");
            std::process::exit(1);
        }
        Err(_) => {
            eprintln!("error: request abandoned");
            std::process::exit(1);
        }
    }
}
