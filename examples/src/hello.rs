//! `200 Hello, World!` for every request, after reading and discarding any body.

use std::io::{ErrorKind, Write};

use hyper_server::{Decoder, Encoder, Handler, Next, Request, Response, Transport};

const BODY: &[u8] = b"Hello, World!";

/// One request's state: how much of the greeting went out.
#[derive(Debug, Default)]
pub struct Hello {
    written: usize,
}

impl Hello {
    /// A handler for one request.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Over any transport: plain TCP, or TLS.
impl<T: Transport> Handler<T> for Hello {
    fn on_request(&mut self, req: Request<'_>) -> Next {
        if req.has_body() {
            Next::read()
        } else {
            Next::write()
        }
    }

    fn on_request_readable(&mut self, decoder: &mut Decoder<'_, '_, T>) -> Next {
        crate::drop_body(decoder)
    }

    fn on_response(&mut self, res: &mut Response) -> Next {
        res.set_content_length(BODY.len() as u64);
        let _ = res.set_header("Content-Type", "text/plain");
        Next::write()
    }

    fn on_response_writable(&mut self, encoder: &mut Encoder<'_, '_, T>) -> Next {
        while self.written < BODY.len() {
            match encoder.write(&BODY[self.written..]) {
                Ok(n) => self.written += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::write(),
                Err(_) => return Next::remove(),
            }
        }
        Next::end()
    }
}
