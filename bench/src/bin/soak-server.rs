//! The server of the soak test (`bench/soak.py`): the `echo` example's handler on
//! `/echo` and `/`, the `wait` example's (a `Control` wake-up from a worker thread) on
//! `/user/N`, and `/panic`, whose handler panics (the soak sends it one request in 10,000).
//!
//! `soak-server ADDR THREADS`

use std::time::Duration;

use examples::echo::Echo;
use examples::wait::{Db, Wait};
use hyper_server::{
    Control, Decoder, Encoder, Handler, Next, Request, Response, Server, TcpStream,
};

/// One request: which example handler serves it is decided by its path.
enum Route {
    Undecided(Db, Control),
    Echo(Echo),
    Wait(Wait),
}

impl Handler<TcpStream> for Route {
    fn on_request(&mut self, req: Request<'_>) -> Next {
        if let Route::Undecided(db, ctrl) = self {
            if req.path() == "/panic" {
                panic!("the soak's one request in 10,000 whose handler panics");
            }
            *self = if req.path().starts_with("/user/") {
                Route::Wait(Wait::new(db.clone(), ctrl.clone()))
            } else {
                Route::Echo(Echo::new())
            };
        }
        match self {
            Route::Echo(h) => Handler::<TcpStream>::on_request(h, req),
            Route::Wait(h) => h.on_request(req),
            Route::Undecided(..) => Next::remove(),
        }
    }

    fn on_request_readable(&mut self, d: &mut Decoder<'_, '_, TcpStream>) -> Next {
        match self {
            Route::Echo(h) => h.on_request_readable(d),
            Route::Wait(h) => h.on_request_readable(d),
            Route::Undecided(..) => Next::remove(),
        }
    }

    fn on_response(&mut self, res: &mut Response) -> Next {
        match self {
            Route::Echo(h) => Handler::<TcpStream>::on_response(h, res),
            Route::Wait(h) => h.on_response(res),
            Route::Undecided(..) => Next::remove(),
        }
    }

    fn on_response_writable(&mut self, e: &mut Encoder<'_, '_, TcpStream>) -> Next {
        match self {
            Route::Echo(h) => h.on_response_writable(e),
            Route::Wait(h) => h.on_response_writable(e),
            Route::Undecided(..) => Next::remove(),
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(2);
    let db = Db::start(Duration::from_millis(5));
    let server = Server::http(addr.as_str())
        .and_then(|s| {
            s.threads(threads)
                .handle(move |ctrl| Route::Undecided(db.clone(), ctrl))
        })
        .unwrap_or_else(|e| {
            eprintln!("soak-server: cannot listen on {addr}: {e}");
            std::process::exit(1)
        });
    println!("listening on {}", server.addr());
    if let Err(e) = server.wait() {
        eprintln!("soak-server: {e}");
    }
}
