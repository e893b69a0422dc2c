//! A hashed timing wheel holding at most one deadline per connection.
//!
//! Arming, re-arming and cancelling are O(1) (intrusive doubly-linked lists threaded through
//! a table indexed by slab key, so no allocation per timer once the table has grown to the
//! loop's connection count). Finding the next expiry scans a 1024-bit occupancy bitmap (16
//! words) whatever the number of connections. Deadlines never fire early; they fire at the
//! first loop turn at or after their 1 ms tick.

use std::time::{Duration, Instant};

const SLOTS: usize = 1024;
const WORDS: usize = SLOTS / 64;
const NIL: u32 = u32::MAX;
/// `Link::want` of an entry cancelled but still linked.
const CANCELLED: u64 = u64::MAX;

/// Resolution of the wheel (the tick arithmetic below assumes exactly 1 ms).
pub(crate) const TICK: Duration = Duration::from_millis(1);

#[derive(Clone, Copy, Debug)]
struct Link {
    /// Absolute tick of the slot this entry is linked in.
    at: u64,
    /// The tick actually wanted, when it was pushed later without relinking (a keep-alive
    /// connection re-arms its idle deadline on every request: that costs one store).
    want: u64,
    /// Slot it is linked in, or `NIL` when not armed.
    slot: u32,
    prev: u32,
    next: u32,
}

const UNARMED: Link = Link {
    at: 0,
    want: 0,
    slot: NIL,
    prev: NIL,
    next: NIL,
};

#[derive(Debug)]
pub(crate) struct Wheel {
    origin: Instant,
    heads: Box<[u32; SLOTS]>,
    occupied: [u64; WORDS],
    links: Vec<Link>,
    /// Every tick up to and including this one has been expired.
    done: u64,
    armed: usize,
}

impl Wheel {
    pub(crate) fn new(origin: Instant) -> Self {
        Self {
            origin,
            heads: Box::new([NIL; SLOTS]),
            occupied: [0; WORDS],
            links: Vec::new(),
            done: 0,
            armed: 0,
        }
    }

    /// Ticks since the origin, rounded down.
    fn tick_floor(&self, t: Instant) -> u64 {
        // Millisecond ticks from whole seconds and sub-second nanos: u64 arithmetic only.
        let d = t.saturating_duration_since(self.origin);
        d.as_secs() * 1000 + u64::from(d.subsec_millis())
    }

    /// Ticks since the origin, rounded up: a deadline is never reported before it passed.
    fn tick_ceil(&self, t: Instant) -> u64 {
        let d = t.saturating_duration_since(self.origin);
        d.as_secs() * 1000 + u64::from(d.subsec_nanos().div_ceil(1_000_000))
    }

    fn instant_of(&self, tick: u64) -> Instant {
        self.origin + TICK * u32::try_from(tick).unwrap_or(u32::MAX)
    }

    /// Number of linked entries (including lazily cancelled ones not yet dropped).
    pub(crate) fn len(&self) -> usize {
        self.armed
    }

    /// Arms (or re-arms, or with `None` cancels) the deadline of `key`.
    pub(crate) fn set(&mut self, key: u32, deadline: Option<Instant>) {
        let k = key as usize;
        if self.links.len() <= k {
            self.links.resize(k + 1, UNARMED);
        }
        let Some(deadline) = deadline else {
            // Cancel lazily: the entry stays linked and is dropped when its tick comes, so a
            // connection that clears and re-arms its deadline on every request relinks nothing.
            if let Some(link) = self.links.get_mut(k) {
                if link.slot != NIL {
                    link.want = CANCELLED;
                }
            }
            return;
        };
        // Never schedule into a tick already processed: it would wait a whole rotation.
        let at = self.tick_ceil(deadline).max(self.done + 1);
        let link = &mut self.links[k];
        if link.slot != NIL && at >= link.at {
            // Later than the armed tick: remember it; `expire` moves the entry when the
            // armed tick comes. No relinking on the common keep-alive path.
            link.want = at;
            return;
        }
        self.unlink(key);
        self.link(key, at);
    }

    fn link(&mut self, key: u32, at: u64) {
        let k = key as usize;
        let slot = (at as usize) & (SLOTS - 1);
        let head = self.heads[slot];
        self.links[k] = Link {
            at,
            want: at,
            slot: slot as u32,
            prev: NIL,
            next: head,
        };
        if head != NIL {
            self.links[head as usize].prev = key;
        }
        self.heads[slot] = key;
        self.occupied[slot / 64] |= 1 << (slot % 64);
        self.armed += 1;
    }

    fn unlink(&mut self, key: u32) {
        let Some(link) = self.links.get(key as usize).copied() else {
            return;
        };
        if link.slot == NIL {
            return;
        }
        if link.prev != NIL {
            self.links[link.prev as usize].next = link.next;
        } else {
            self.heads[link.slot as usize] = link.next;
            if link.next == NIL {
                let s = link.slot as usize;
                self.occupied[s / 64] &= !(1 << (s % 64));
            }
        }
        if link.next != NIL {
            self.links[link.next as usize].prev = link.prev;
        }
        self.links[key as usize] = UNARMED;
        self.armed -= 1;
    }

    /// When the loop should wake next for a timer: the tick of the nearest occupied slot
    /// (possibly a rotation early for far deadlines, which is a harmless early wake).
    pub(crate) fn next_wake(&self) -> Option<Instant> {
        if self.armed == 0 {
            return None;
        }
        let start = ((self.done + 1) as usize) & (SLOTS - 1);
        // Scan the bitmap from `start`, wrapping once.
        for step in 0..=WORDS {
            let w = (start / 64 + step) % WORDS;
            let mut bits = self.occupied[w];
            if step == 0 {
                bits &= !0u64 << (start % 64);
            } else if step == WORDS {
                bits &= (1u64 << (start % 64)).wrapping_sub(1);
            }
            if bits != 0 {
                let slot = w * 64 + bits.trailing_zeros() as usize;
                let ahead = (slot + SLOTS - start) % SLOTS;
                return Some(self.instant_of(self.done + 1 + ahead as u64));
            }
        }
        None
    }

    /// Moves time to `now` and appends the keys whose deadline passed to `out`.
    pub(crate) fn expire(&mut self, now: Instant, out: &mut Vec<u32>) {
        let now_tick = self.tick_floor(now);
        if now_tick <= self.done {
            return;
        }
        // Past a whole rotation every slot is visited once.
        let first = self.done + 1;
        let last = now_tick.min(self.done + SLOTS as u64);
        for tick in first..=last {
            let slot = (tick as usize) & (SLOTS - 1);
            let mut key = self.heads[slot];
            while key != NIL {
                let link = self.links[key as usize];
                if link.at <= now_tick {
                    self.unlink(key);
                    if link.want == CANCELLED {
                        // Cancelled lazily: nothing to report.
                    } else if link.want > now_tick {
                        // Pushed later meanwhile: re-arm at the wanted tick.
                        self.link(key, link.want);
                    } else {
                        out.push(key);
                    }
                }
                key = link.next;
            }
        }
        self.done = now_tick;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn fires_in_order_never_early() {
        let t0 = Instant::now();
        let mut w = Wheel::new(t0);
        w.set(1, Some(t0 + ms(5)));
        w.set(2, Some(t0 + ms(3)));
        w.set(3, Some(t0 + ms(3_000))); // more than one rotation away
        assert_eq!(w.len(), 3);
        assert_eq!(w.next_wake(), Some(t0 + ms(3)));
        let mut out = Vec::new();
        w.expire(t0 + ms(2), &mut out);
        assert!(out.is_empty());
        w.expire(t0 + ms(3), &mut out);
        assert_eq!(out, [2]);
        w.expire(t0 + ms(10), &mut out);
        assert_eq!(out, [2, 1]);
        // The far one survives whole rotations.
        w.expire(t0 + ms(2_999), &mut out);
        assert_eq!(out, [2, 1]);
        w.expire(t0 + ms(3_000), &mut out);
        assert_eq!(out, [2, 1, 3]);
        assert_eq!(w.len(), 0);
        assert_eq!(w.next_wake(), None);
    }

    #[test]
    fn rearm_and_cancel() {
        let t0 = Instant::now();
        let mut w = Wheel::new(t0);
        for k in 0..100 {
            w.set(k, Some(t0 + ms(10)));
        }
        w.set(50, Some(t0 + ms(20)));
        w.set(7, None);
        let mut out = Vec::new();
        w.expire(t0 + ms(10), &mut out);
        assert_eq!(out.len(), 98);
        assert!(!out.contains(&50) && !out.contains(&7));
        assert_eq!(w.next_wake(), Some(t0 + ms(20)));
        out.clear();
        w.expire(t0 + ms(25), &mut out);
        assert_eq!(out, [50]);
    }

    #[test]
    fn pushed_later_fires_at_the_new_deadline() {
        let t0 = Instant::now();
        let mut w = Wheel::new(t0);
        w.set(1, Some(t0 + ms(10)));
        w.set(1, Some(t0 + ms(30))); // later: recorded without relinking
        w.set(2, Some(t0 + ms(20)));
        w.set(2, Some(t0 + ms(5))); // earlier: relinked
        let mut out = Vec::new();
        w.expire(t0 + ms(5), &mut out);
        assert_eq!(out, [2]);
        w.expire(t0 + ms(10), &mut out);
        assert_eq!(out, [2], "key 1 was pushed to 30 ms");
        assert_eq!(w.len(), 1);
        w.expire(t0 + ms(29), &mut out);
        assert_eq!(out, [2]);
        w.expire(t0 + ms(30), &mut out);
        assert_eq!(out, [2, 1]);
        // Pushed beyond a whole rotation.
        w.set(3, Some(t0 + ms(40)));
        w.set(3, Some(t0 + ms(5_000)));
        w.expire(t0 + ms(4_999), &mut out);
        assert_eq!(out, [2, 1]);
        w.expire(t0 + ms(5_000), &mut out);
        assert_eq!(out, [2, 1, 3]);
    }

    #[test]
    fn sub_tick_deadline_rounds_up() {
        let t0 = Instant::now();
        let mut w = Wheel::new(t0);
        w.set(0, Some(t0 + Duration::from_micros(1500)));
        let mut out = Vec::new();
        w.expire(t0 + Duration::from_micros(1999), &mut out);
        assert!(out.is_empty(), "never early");
        w.expire(t0 + ms(2), &mut out);
        assert_eq!(out, [0]);
    }

    #[test]
    fn past_deadline_fires_next_turn() {
        let t0 = Instant::now();
        let mut w = Wheel::new(t0);
        let mut out = Vec::new();
        w.expire(t0 + ms(50), &mut out);
        w.set(4, Some(t0 + ms(10)));
        assert!(w.next_wake().unwrap() <= t0 + ms(51));
        w.expire(t0 + ms(51), &mut out);
        assert_eq!(out, [4]);
    }
}
