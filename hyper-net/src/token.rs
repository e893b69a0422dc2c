//! Connection identities: a slab key plus a generation, so that a late event or wakeup
//! never reaches a connection that reused the slot.

use mio::Token;

/// Bits of a token that hold the slab key; the rest hold the generation.
const KEY_BITS: u32 = 32;
const KEY_MASK: usize = (1 << KEY_BITS) - 1;

/// The token of the loop's waker.
pub(crate) const WAKER: Token = Token(usize::MAX);

/// Listener tokens count down from here (never a connection token: generations stay below
/// `u32::MAX >> 1`).
pub(crate) const LISTENER_BASE: usize = usize::MAX - 1;

/// The identity of one connection of one loop: which slot, and which use of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConnId {
    pub(crate) key: u32,
    pub(crate) gen: u32,
}

impl ConnId {
    pub(crate) fn token(self) -> Token {
        Token(((self.gen as usize) << KEY_BITS) | self.key as usize)
    }

    pub(crate) fn from_token(t: Token) -> Self {
        Self {
            key: (t.0 & KEY_MASK) as u32,
            gen: (t.0 >> KEY_BITS) as u32,
        }
    }

    /// The slot index, for logs.
    pub fn slot(&self) -> usize {
        self.key as usize
    }
}

/// Whether `t` belongs to a listener, and which.
pub(crate) fn listener_index(t: Token) -> Option<usize> {
    if t == WAKER {
        return None;
    }
    let i = LISTENER_BASE.checked_sub(t.0)?;
    (i < 1024).then_some(i)
}

pub(crate) fn listener_token(i: usize) -> Token {
    Token(LISTENER_BASE - i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let id = ConnId { key: 7, gen: 3 };
        assert_eq!(ConnId::from_token(id.token()), id);
        assert_ne!(id.token(), ConnId { key: 7, gen: 4 }.token());
        assert_eq!(listener_index(listener_token(2)), Some(2));
        assert_eq!(listener_index(WAKER), None);
        assert_eq!(listener_index(id.token()), None);
    }
}
