//! Shared by the benchmark binaries: a counting global allocator.

#![allow(unsafe_code, reason = "a counting GlobalAlloc forwarding to System")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

/// Allocations (and reallocations) made so far by a program whose global allocator is
/// [`Counting`].
pub static ALLOCS: AtomicU64 = AtomicU64::new(0);

/// `System`, counting every allocation in [`ALLOCS`]. Use with
/// `#[global_allocator] static GLOBAL: Counting = Counting;`.
#[derive(Debug)]
pub struct Counting;

// SAFETY: forwards every call unchanged to `System`; the counter is a plain atomic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// What a [`Get`] does with its outcome: the status and body length of a response read to
/// its end, or why the request failed. Called once, on the client's loop thread.
pub trait Then: Send + 'static {
    /// Takes the outcome.
    fn then(self, outcome: Result<(u16, usize), String>);
}

/// A `GET` through hyper-client that reads the response to its end, counting its bytes,
/// and hands the outcome to its [`Then`] (which may start the next request).
pub struct Get<T> {
    status: u16,
    len: usize,
    then: Option<T>,
}

impl<T: Then> Get<T> {
    /// A request whose outcome goes to `then`.
    pub fn new(then: T) -> Self {
        Self {
            status: 0,
            len: 0,
            then: Some(then),
        }
    }

    fn finish(&mut self, outcome: Result<(u16, usize), String>) {
        if let Some(then) = self.then.take() {
            then.then(outcome);
        }
    }
}

impl<T: Then> hyper_client::Handler<hyper_client::MaybeTls> for Get<T> {
    fn on_request(&mut self, _: &mut hyper_client::Request) -> hyper_client::Next {
        hyper_client::Next::read()
    }

    fn on_request_writable(
        &mut self,
        _: &mut hyper_client::Encoder<'_, '_, hyper_client::MaybeTls>,
    ) -> hyper_client::Next {
        hyper_client::Next::read()
    }

    fn on_response(&mut self, res: hyper_client::Response<'_>) -> hyper_client::Next {
        self.status = res.status().as_u16();
        hyper_client::Next::read()
    }

    fn on_response_readable(
        &mut self,
        dec: &mut hyper_client::Decoder<'_, '_, hyper_client::MaybeTls>,
    ) -> hyper_client::Next {
        use std::io::Read;
        let mut buf = [0u8; 4096];
        loop {
            match dec.read(&mut buf) {
                Ok(0) => {
                    self.finish(Ok((self.status, self.len)));
                    return hyper_client::Next::end();
                }
                Ok(n) => self.len += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    return hyper_client::Next::read()
                }
                Err(e) => {
                    self.finish(Err(e.to_string()));
                    return hyper_client::Next::remove();
                }
            }
        }
    }

    fn on_error(&mut self, err: hyper_client::Error) -> hyper_client::Next {
        self.finish(Err(err.to_string()));
        hyper_client::Next::remove()
    }
}
