//! The frame-size limit, enforced on each frame's header as it arrives. actix-http's parser
//! checks a frame's size only once the whole frame is buffered, so a client declaring a 64 MiB
//! frame made the gateway buffer it, and one declaring a terabyte held the socket open forever.
//! [`FrameGuard`] reads the headers of the byte stream before the WebSocket codec does and fails
//! the stream (`PayloadError::Overflow`, which the serve loop closes with 1009) as soon as a
//! header declares more than the limit.

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The longest frame header: 2 bytes, 8 of extended length, 4 of mask.
const MAX_HEADER: usize = 14;

/// A request body that fails when a WebSocket frame header in it declares more than `max`
/// bytes of payload.
pub struct FrameGuard {
    inner: Payload,
    headers: HeaderScan,
}

impl FrameGuard {
    pub fn new(inner: Payload, max: usize) -> Self {
        Self {
            inner,
            headers: HeaderScan::new(max as u64),
        }
    }
}

impl Stream for FrameGuard {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.headers.refused {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => Poll::Ready(Some(match this.headers.scan(&chunk) {
                Ok(()) => Ok(chunk),
                Err(TooLarge) => Err(PayloadError::Overflow),
            })),
            other => other,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
struct TooLarge;

/// Follows frame boundaries through the byte stream: collects each header, then skips the
/// payload it declares.
struct HeaderScan {
    max: u64,
    header: [u8; MAX_HEADER],
    have: usize,
    /// Payload bytes of the current frame still to come (0: a header is next).
    skip: u64,
    refused: bool,
}

impl HeaderScan {
    fn new(max: u64) -> Self {
        Self {
            max,
            header: [0; MAX_HEADER],
            have: 0,
            skip: 0,
            refused: false,
        }
    }

    fn scan(&mut self, mut chunk: &[u8]) -> Result<(), TooLarge> {
        while !chunk.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(chunk.len() as u64);
                self.skip -= n;
                chunk = &chunk[n as usize..];
                continue;
            }
            self.header[self.have] = chunk[0];
            self.have += 1;
            chunk = &chunk[1..];
            if let Some((declared, header_len)) = self.declared() {
                if declared > self.max {
                    self.refused = true;
                    return Err(TooLarge);
                }
                if self.have == header_len {
                    self.have = 0;
                    self.skip = declared;
                }
            }
        }
        Ok(())
    }

    /// The payload length the header declares and the header's full length, once the header
    /// has come far enough to tell.
    fn declared(&self) -> Option<(u64, usize)> {
        if self.have < 2 {
            return None;
        }
        let short = u64::from(self.header[1] & 0x7f);
        let mask = if self.header[1] & 0x80 != 0 { 4 } else { 0 };
        let (extended, declared) = match short {
            126 if self.have >= 4 => (
                2,
                u64::from(u16::from_be_bytes([self.header[2], self.header[3]])),
            ),
            127 if self.have >= 10 => {
                let mut len = [0; 8];
                len.copy_from_slice(&self.header[2..10]);
                (8, u64::from_be_bytes(len))
            }
            126 | 127 => return None,
            n => (0, n),
        };
        Some((declared, 2 + extended + mask))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame header declaring `len` bytes.
    fn header(len: u64) -> Vec<u8> {
        let mut h = vec![0x81];
        match len {
            0..=125 => h.push(0x80 | len as u8),
            126..=0xffff => {
                h.push(0x80 | 126);
                h.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                h.push(0x80 | 127);
                h.extend_from_slice(&len.to_be_bytes());
            }
        }
        h.extend_from_slice(&[1, 2, 3, 4]);
        h
    }

    #[test]
    fn frames_within_the_limit_pass_however_they_are_split() {
        let mut stream = vec![];
        for len in [0u64, 5, 125, 126, 300, 1000] {
            stream.extend(header(len));
            stream.extend(std::iter::repeat_n(b'x', len as usize));
        }
        for split in [1, 2, 3, 7, 64, stream.len()] {
            let mut scan = HeaderScan::new(1000);
            for chunk in stream.chunks(split) {
                assert_eq!(scan.scan(chunk), Ok(()), "split {split}");
            }
            assert_eq!((scan.have, scan.skip), (0, 0), "ends on a frame boundary");
        }
    }

    // Property tests (`cargo test` runs 256 cases each; scripts/fuzz-parsers many more).
    proptest::proptest! {
        #[test]
        fn any_bytes_split_anywhere_never_panic_and_a_refusal_is_final(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000),
            split in 1usize..80,
            max in 0u64..3000,
        ) {
            let mut scan = HeaderScan::new(max);
            let mut refused = false;
            for chunk in bytes.chunks(split) {
                if scan.scan(chunk).is_err() {
                    refused = true;
                    break;
                }
            }
            proptest::prop_assert_eq!(refused, scan.refused);
            proptest::prop_assert!(scan.have < MAX_HEADER);
        }

        #[test]
        fn frames_within_the_limit_pass_and_one_over_is_refused_at_its_length(
            lens in proptest::collection::vec(0u64..700, 0..8),
            split in 1usize..50,
            over in 701u64..(1 << 50),
        ) {
            let max = 700;
            let mut stream = vec![];
            for len in &lens {
                stream.extend(header(*len));
                stream.extend(std::iter::repeat_n(b'x', *len as usize));
            }
            let mut scan = HeaderScan::new(max);
            for chunk in stream.chunks(split) {
                proptest::prop_assert_eq!(scan.scan(chunk), Ok(()));
            }
            proptest::prop_assert_eq!((scan.have, scan.skip), (0, 0));
            // The oversized frame is refused by the last byte of its length, before its mask.
            let big = header(over);
            let length_ends = big.len() - 4;
            let refused_at = big.iter().position(|b| scan.scan(&[*b]).is_err());
            proptest::prop_assert_eq!(refused_at, Some(length_ends - 1));
        }
    }

    #[test]
    fn a_header_declaring_too_much_is_refused_before_its_payload() {
        for declared in [1001u64, 64 << 20, 1 << 40] {
            let mut scan = HeaderScan::new(1000);
            let mut stream = header(10);
            stream.extend([b'x'; 10]);
            stream.extend(header(declared));
            // Only the header of the large frame: none of its payload has come.
            assert_eq!(scan.scan(&stream), Err(TooLarge), "{declared}");
        }
        // Byte by byte, it is refused on the last byte of the length, before the mask.
        let mut scan = HeaderScan::new(1000);
        let h = header(1 << 40);
        let refused_at = h.iter().position(|b| scan.scan(&[*b]).is_err());
        assert_eq!(refused_at, Some(9));
    }
}
