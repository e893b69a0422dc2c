//! The seed's database example: the handler asks a pool of worker threads (standing in for
//! a database's connections) to look a user up, returns `Next::wait()`, and the worker wakes
//! it through its `Control` when the answer is ready. The loop serves other connections
//! meanwhile, and [`WORKERS`] lookups run at once.
//!
//! `GET /user/<id>` answers `user <id>: <name>` after the lookup; anything else 404.

use std::sync::{Arc, Mutex};

use crossbeam_channel::Sender;
use std::time::Duration;

use hyper_server::{
    Control, Decoder, Encoder, Handler, Next, Request, Response, StatusCode, TcpStream,
};

/// A lookup job: the id, where to put the answer, and how to wake the handler.
type Job = (u64, Arc<Mutex<Option<String>>>, Control);

/// Lookups the "database" runs at once.
pub const WORKERS: usize = 8;

/// The "database": [`WORKERS`] threads answering lookups after a delay.
#[derive(Debug, Clone)]
pub struct Db {
    tx: Sender<Job>,
}

impl Db {
    /// Starts the workers; each lookup takes `latency`.
    pub fn start(latency: Duration) -> Self {
        let (tx, rx) = crossbeam_channel::unbounded::<Job>();
        for _ in 0..WORKERS {
            let rx = rx.clone();
            std::thread::spawn(move || {
                for (id, slot, ctrl) in rx {
                    std::thread::sleep(latency);
                    *slot.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(format!("user {id}: name-{id}\n"));
                    // The client may have gone away meanwhile: then there is nobody to wake.
                    let _ = ctrl.ready(Next::write());
                }
            });
        }
        Self { tx }
    }
}

/// One request's state.
#[derive(Debug)]
pub struct Wait {
    db: Db,
    ctrl: Control,
    answer: Arc<Mutex<Option<String>>>,
    body: Vec<u8>,
    pos: usize,
    found: bool,
}

impl Wait {
    /// A handler for one request, with its connection's `Control`.
    pub fn new(db: Db, ctrl: Control) -> Self {
        Self {
            db,
            ctrl,
            answer: Arc::new(Mutex::new(None)),
            body: Vec::new(),
            pos: 0,
            found: false,
        }
    }
}

impl Handler<TcpStream> for Wait {
    fn on_request(&mut self, req: Request<'_>) -> Next {
        let id = req
            .path()
            .strip_prefix("/user/")
            .and_then(|id| id.parse::<u64>().ok());
        match id {
            Some(id) => {
                self.found = true;
                let job = (id, Arc::clone(&self.answer), self.ctrl.clone());
                if self.db.tx.send(job).is_err() {
                    return Next::remove();
                }
                // Wait, without blocking the loop, for the worker's Control::ready.
                Next::wait().timeout(Duration::from_secs(10))
            }
            None => Next::write(),
        }
    }

    fn on_request_readable(&mut self, _: &mut Decoder<'_, '_, TcpStream>) -> Next {
        Next::write()
    }

    fn on_response(&mut self, res: &mut Response) -> Next {
        let answer = self.answer.lock().unwrap_or_else(|e| e.into_inner()).take();
        self.body = match (self.found, answer) {
            (true, Some(text)) => text.into_bytes(),
            (true, None) => {
                res.set_status(StatusCode::INTERNAL_SERVER_ERROR);
                b"no answer\n".to_vec()
            }
            (false, _) => {
                res.set_status(StatusCode::NOT_FOUND);
                b"try /user/42\n".to_vec()
            }
        };
        let _ = res.set_header("Content-Type", "text/plain");
        res.set_content_length(self.body.len() as u64);
        Next::write()
    }

    fn on_response_writable(&mut self, encoder: &mut Encoder<'_, '_, TcpStream>) -> Next {
        crate::write_body(encoder, &self.body, &mut self.pos)
    }
}
