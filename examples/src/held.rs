//! [`Held`]: request body bytes an echo holds (up to `READ_AHEAD_MAX`, 64 MiB, per
//! connection) while its client is not reading, in blocks.
//!
//! The first block is 64 KiB from the heap, as small bodies need; further blocks are
//! 1 MiB anonymous memory maps, given back to the system as soon as their bytes are
//! written out. Held in one growing `Vec`, 64 MiB bodies left the process at the
//! high-water mark of concurrent uploads (glibc keeps freed large buffers in its heap once
//! its mmap threshold has risen): the soak's RSS stepped up each time more of them met.

use std::collections::VecDeque;

/// The first block's size (from the heap).
const FIRST: usize = 64 * 1024;
/// The size of each further block (a memory map of its own).
const BLOCK: usize = 1024 * 1024;

enum Mem {
    Heap(Box<[u8]>),
    Map(memmap2::MmapMut),
}

impl Mem {
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Heap(b) => b,
            Self::Map(m) => m,
        }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        match self {
            Self::Heap(b) => b,
            Self::Map(m) => m,
        }
    }
}

struct Block {
    mem: Mem,
    /// Bytes `start..end` are held.
    start: usize,
    end: usize,
}

/// A queue of bytes in blocks: filled at the back, written out from the front.
#[derive(Default)]
pub struct Held {
    blocks: VecDeque<Block>,
    len: usize,
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held")
            .field("len", &self.len)
            .field("blocks", &self.blocks.len())
            .finish()
    }
}

impl Held {
    /// Nothing held, nothing allocated.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Room for more bytes at the back (a new block when the last is full); mark what was
    /// written there with [`Held::commit`].
    pub fn room(&mut self) -> &mut [u8] {
        if self
            .blocks
            .back()
            .is_none_or(|b| b.end == b.mem.bytes().len())
        {
            let mem = if self.blocks.is_empty() {
                Mem::Heap(vec![0; FIRST].into_boxed_slice())
            } else {
                // A map when the system gives one, else the heap.
                memmap2::MmapMut::map_anon(BLOCK)
                    .map_or_else(|_| Mem::Heap(vec![0; BLOCK].into_boxed_slice()), Mem::Map)
            };
            self.blocks.push_back(Block {
                mem,
                start: 0,
                end: 0,
            });
        }
        let Some(last) = self.blocks.back_mut() else {
            return &mut [];
        };
        let end = last.end;
        &mut last.mem.bytes_mut()[end..]
    }

    /// `n` bytes of [`Held::room`] now hold data.
    pub fn commit(&mut self, n: usize) {
        if let Some(last) = self.blocks.back_mut() {
            let n = n.min(last.mem.bytes().len() - last.end);
            last.end += n;
            self.len += n;
        }
    }

    /// Appends `data`.
    pub fn extend_from_slice(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let room = self.room();
            let n = room.len().min(data.len());
            room[..n].copy_from_slice(&data[..n]);
            self.commit(n);
            data = &data[n..];
        }
    }

    /// The bytes at the front (the first block's; empty when nothing is held).
    pub fn front(&self) -> &[u8] {
        self.blocks
            .front()
            .map_or(&[][..], |b| &b.mem.bytes()[b.start..b.end])
    }

    /// Drops `n` bytes from the front; a block emptied is freed, or reused when it is the
    /// only one.
    pub fn consume(&mut self, mut n: usize) {
        while n > 0 {
            let Some(first) = self.blocks.front_mut() else {
                return;
            };
            let take = n.min(first.end - first.start);
            first.start += take;
            self.len -= take;
            n -= take;
            if first.start == first.end {
                if self.blocks.len() == 1 {
                    let only = &mut self.blocks[0];
                    (only.start, only.end) = (0, 0);
                    return;
                }
                self.blocks.pop_front();
            }
        }
    }

    /// The bytes held, block by block, front first.
    pub fn slices(&self) -> impl Iterator<Item = &[u8]> {
        self.blocks.iter().map(|b| &b.mem.bytes()[b.start..b.end])
    }

    /// Drops everything held, and the memory with it.
    pub fn clear(&mut self) {
        self.blocks.clear();
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_come_out_as_they_went_in_across_blocks() {
        let data: Vec<u8> = (0..3 * BLOCK + 12_345)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let mut held = Held::new();
        // In and out in uneven steps, reading through `room` and `extend_from_slice`.
        let mut fed = 0;
        let mut out = Vec::new();
        let mut step = 1;
        while out.len() < data.len() {
            if fed < data.len() {
                let n = (step * 9_973).min(data.len() - fed);
                if step % 2 == 0 {
                    held.extend_from_slice(&data[fed..fed + n]);
                    fed += n;
                } else {
                    let room = held.room();
                    let n = n.min(room.len());
                    room[..n].copy_from_slice(&data[fed..fed + n]);
                    held.commit(n);
                    fed += n;
                }
            }
            assert_eq!(held.len(), fed - out.len());
            let take = held.front().len().min(step * 7_919);
            out.extend_from_slice(&held.front()[..take]);
            held.consume(take);
            step += 1;
        }
        assert!(out == data);
        assert!(held.is_empty());
        assert!(held.blocks.len() <= 1, "emptied blocks are freed");
    }

    #[test]
    fn slices_and_clear() {
        let mut held = Held::new();
        held.extend_from_slice(&vec![1u8; FIRST + 10]);
        let lens: Vec<usize> = held.slices().map(<[u8]>::len).collect();
        assert_eq!(lens, [FIRST, 10]);
        held.clear();
        assert!(held.is_empty() && held.front().is_empty() && held.blocks.is_empty());
    }
}
