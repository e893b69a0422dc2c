//! The read buffer of a blocking connection: bytes `pos..end` are read and not yet parsed;
//! the rest is room, zeroed once when the buffer grows, never per read.

/// Bytes read at a time (and the buffer's first size).
pub(crate) const READ_CHUNK: usize = 16 * 1024;

/// Makes room after `end` for a read: starts over when everything was parsed, moves the
/// unparsed bytes to the front when the room left is small, and grows the buffer only when
/// the unparsed bytes alone fill it. Returns how much room there is.
pub(crate) fn make_room(buf: &mut Vec<u8>, pos: &mut usize, end: &mut usize) -> usize {
    if *pos == *end {
        *pos = 0;
        *end = 0;
    }
    if buf.len() - *end < READ_CHUNK / 4 && *pos > 0 {
        buf.copy_within(*pos..*end, 0);
        *end -= *pos;
        *pos = 0;
    }
    if buf.len() - *end < READ_CHUNK / 4 {
        let grown = (buf.len() * 2).max(READ_CHUNK);
        buf.resize(grown, 0);
    }
    buf.len() - *end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_is_made_without_losing_bytes() {
        let mut buf = Vec::new();
        let (mut pos, mut end) = (0, 0);
        assert_eq!(make_room(&mut buf, &mut pos, &mut end), READ_CHUNK);
        // Nearly full, partly parsed: the unparsed bytes move to the front.
        end = READ_CHUNK - 10;
        pos = 8000;
        buf[pos] = 7;
        buf[end - 1] = 9;
        let room = make_room(&mut buf, &mut pos, &mut end);
        assert_eq!(
            (pos, end, buf[0], buf[end - 1]),
            (0, READ_CHUNK - 8010, 7, 9)
        );
        assert_eq!(room, 8010);
        // Full of unparsed bytes: it grows.
        end = buf.len();
        let room = make_room(&mut buf, &mut pos, &mut end);
        assert_eq!(buf.len(), 2 * READ_CHUNK);
        assert_eq!(room, READ_CHUNK);
        assert_eq!(buf[0], 7);
    }
}
