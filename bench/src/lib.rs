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
