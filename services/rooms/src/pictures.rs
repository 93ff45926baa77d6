//! Pictures (PNG, JPEG, GIF, WebP) as they are kept: checked by decoding, without their
//! metadata, and with a thumbnail. A picture is read from the file its upload was spooled to and
//! is never held whole in memory: a walk over its chunks makes a [`Plan`] of what to keep
//! (ranges of the file, and a few rewritten bytes), and the decoder and the object store both
//! read the picture through it ([`Kept`]), so what is checked is exactly what is stored. Only
//! the decoded pixels (bounded) and the thumbnail are held.
//!
//! Removed: EXIF (with its location; a JPEG keeps a minimal EXIF holding only its orientation,
//! so it is still shown upright), XMP, ICC profiles in JPEG and WebP, comments, PNG text and
//! time chunks, GIF comments and application blocks other than looping, and anything after the
//! picture's end (where phones append videos and other data).

use crate::error::{Result, RoomsError};
use bytes::Bytes;
use image::metadata::Orientation;
use image::{DynamicImage, ImageFormat};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;

/// A thumbnail's largest side, in pixels.
const THUMBNAIL_SIDE: u32 = 320;
/// The largest picture decoded, in pixels per side, and the memory its pixels may take.
const MAX_SIDE: u32 = 12_000;
pub const MAX_DECODE_BYTES: u64 = 192 * 1024 * 1024;

/// A piece of a kept picture: a range of the spooled file, or bytes written in place of one.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Copy { at: u64, len: u64 },
    Bytes(Vec<u8>),
}

/// What is kept of a picture: its pieces in order (each with where it starts in the kept
/// picture) and the size they make.
#[derive(Debug, Default)]
struct Plan {
    pieces: Vec<(u64, Piece)>,
    size: u64,
    /// The orientation a JPEG's EXIF gave, other than upright.
    orientation: Option<Orientation>,
}

impl Plan {
    fn copy(&mut self, at: u64, len: u64) {
        if len == 0 {
            return;
        }
        self.size += len;
        if let Some((_, Piece::Copy { at: a, len: l })) = self.pieces.last_mut()
            && *a + *l == at
        {
            *l += len;
            return;
        }
        self.pieces.push((self.size - len, Piece::Copy { at, len }));
    }

    fn put(&mut self, bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        let len = bytes.len() as u64;
        self.pieces.push((self.size, Piece::Bytes(bytes)));
        self.size += len;
    }
}

fn broken() -> io::Error {
    io::Error::from(io::ErrorKind::InvalidData)
}

/// A walk over the spooled file: where it is, and how long the file is.
struct Walk<R> {
    r: R,
    pos: u64,
    len: u64,
}

impl<R: BufRead + Seek> Walk<R> {
    fn bytes<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut b = [0; N];
        self.r.read_exact(&mut b)?;
        self.pos += N as u64;
        Ok(b)
    }

    fn u8(&mut self) -> io::Result<u8> {
        Ok(self.bytes::<1>()?[0])
    }

    /// Reads `n` bytes of a chunk the walk looks into (a JPEG segment, at most 64 KiB; a GIF
    /// block, at most 255 bytes; a WebP header, 10).
    fn vec(&mut self, n: u64) -> io::Result<Vec<u8>> {
        if n > (self.len - self.pos).min(u64::from(u16::MAX)) {
            return Err(broken());
        }
        let mut b = vec![0; n as usize];
        self.r.read_exact(&mut b)?;
        self.pos += n;
        Ok(b)
    }

    fn skip(&mut self, n: u64) -> io::Result<()> {
        if n > self.len - self.pos {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.r.seek_relative(n as i64)?;
        self.pos += n;
        Ok(())
    }

    /// Reads a JPEG marker (fill bytes before it dropped) and returns its code.
    fn marker(&mut self) -> io::Result<u8> {
        if self.u8()? != 0xFF {
            return Err(broken());
        }
        loop {
            match self.u8()? {
                0xFF => continue,
                code => return Ok(code),
            }
        }
    }

    /// Keeps a JPEG scan's entropy-coded bytes, which end at the first marker that is neither
    /// a stuffed zero nor a restart; returns that marker's code.
    fn scan(&mut self, plan: &mut Plan) -> io::Result<u8> {
        let start = self.pos;
        loop {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let Some(i) = buf.iter().position(|&b| b == 0xFF) else {
                let n = buf.len();
                self.r.consume(n);
                self.pos += n as u64;
                continue;
            };
            self.r.consume(i);
            self.pos += i as u64;
            let end = self.pos;
            let code = self.marker()?;
            if code != 0x00 && !(0xD0..=0xD7).contains(&code) {
                plan.copy(start, end - start);
                return Ok(code);
            }
        }
    }
}

/// A JPEG's segments up to its end: application segments other than JFIF (APP0) and Adobe's
/// colour marker (APP14) and comments are dropped; the EXIF's orientation is kept alone.
fn jpeg<R: BufRead + Seek>(w: &mut Walk<R>, plan: &mut Plan) -> io::Result<()> {
    if w.bytes::<2>()? != [0xFF, 0xD8] {
        return Err(broken());
    }
    plan.copy(0, 2);
    let mut code = w.marker()?;
    loop {
        let start = w.pos - 2;
        match code {
            0xD9 => {
                plan.copy(start, 2);
                return Ok(());
            }
            0xD0..=0xD7 | 0x01 => {
                plan.copy(start, 2);
                code = w.marker()?;
            }
            0x00 | 0xD8 => return Err(broken()),
            _ => {
                let len = u64::from(u16::from_be_bytes(w.bytes()?));
                let body = len.checked_sub(2).ok_or_else(broken)?;
                match code {
                    0xE1 => {
                        let data = w.vec(body)?;
                        if plan.orientation.is_none()
                            && let Some(tiff) = data.strip_prefix(b"Exif\0\0")
                            && let Some(o) = Orientation::from_exif_chunk(tiff)
                            && o != Orientation::NoTransforms
                        {
                            plan.orientation = Some(o);
                            plan.put(exif_orientation(o));
                        }
                    }
                    0xE2..=0xED | 0xEF | 0xFE => w.skip(body)?,
                    _ => {
                        w.skip(body)?;
                        plan.copy(start, len + 2);
                    }
                }
                code = match code {
                    0xDA => w.scan(plan)?,
                    _ => w.marker()?,
                };
            }
        }
    }
}

/// An APP1 segment whose EXIF holds the orientation alone.
fn exif_orientation(o: Orientation) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    tiff.extend_from_slice(&[0, o.to_exif(), 0, 0, 0, 0, 0, 0]);
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    seg
}

/// A PNG's chunks up to IEND, without text, EXIF and time chunks.
fn png<R: BufRead + Seek>(w: &mut Walk<R>, plan: &mut Plan) -> io::Result<()> {
    if &w.bytes::<8>()? != b"\x89PNG\r\n\x1a\n" {
        return Err(broken());
    }
    plan.copy(0, 8);
    loop {
        let start = w.pos;
        let len = u64::from(u32::from_be_bytes(w.bytes()?));
        let kind: [u8; 4] = w.bytes()?;
        if len > 0x7FFF_FFFF {
            return Err(broken());
        }
        w.skip(len + 4)?;
        if !matches!(&kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME") {
            plan.copy(start, len + 12);
        }
        if &kind == b"IEND" {
            return Ok(());
        }
    }
}

/// A WebP's RIFF chunks without EXIF, XMP and ICC, the header's flags and size told so.
fn webp<R: BufRead + Seek>(w: &mut Walk<R>, plan: &mut Plan) -> io::Result<()> {
    let mut head: [u8; 12] = w.bytes()?;
    if &head[..4] != b"RIFF" || &head[8..] != b"WEBP" {
        return Err(broken());
    }
    let end = 8 + u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
    if end > w.len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    // Its size is known at the end; these bytes are as long.
    plan.put(head.to_vec());
    while w.pos < end {
        let start = w.pos;
        let id: [u8; 4] = w.bytes()?;
        let size_bytes: [u8; 4] = w.bytes()?;
        let size = u64::from(u32::from_le_bytes(size_bytes));
        let padded = size + (size & 1);
        match &id {
            b"EXIF" | b"XMP " | b"ICCP" => w.skip(padded)?,
            b"VP8X" if size == 10 => {
                let mut data = w.vec(10)?;
                // Its flags: no ICC profile (0x20), EXIF (0x08) or XMP (0x04) any more.
                data[0] &= !(0x20 | 0x08 | 0x04);
                plan.put([&id[..], &size_bytes, &data].concat());
            }
            _ => {
                w.skip(padded)?;
                plan.copy(start, 8 + padded);
            }
        }
    }
    if w.pos != end {
        return Err(broken());
    }
    let size = u32::try_from(plan.size - 8).map_err(|_| broken())?;
    head[4..8].copy_from_slice(&size.to_le_bytes());
    plan.pieces[0].1 = Piece::Bytes(head.to_vec());
    Ok(())
}

/// A GIF's blocks up to its trailer, without comments and application blocks other than the
/// looping ones.
fn gif<R: BufRead + Seek>(w: &mut Walk<R>, plan: &mut Plan) -> io::Result<()> {
    let head: [u8; 13] = w.bytes()?;
    if &head[..6] != b"GIF87a" && &head[..6] != b"GIF89a" {
        return Err(broken());
    }
    let table = |flags: u8| match flags & 0x80 {
        0 => 0,
        _ => 3u64 << ((flags & 7) + 1),
    };
    w.skip(table(head[10]))?;
    plan.copy(0, w.pos);
    let blocks = |w: &mut Walk<R>| -> io::Result<()> {
        loop {
            match w.u8()? {
                0 => return Ok(()),
                n => w.skip(u64::from(n))?,
            }
        }
    };
    loop {
        let start = w.pos;
        match w.u8()? {
            0x3B => {
                plan.copy(start, 1);
                return Ok(());
            }
            0x2C => {
                let descriptor: [u8; 9] = w.bytes()?;
                w.skip(table(descriptor[8]))?;
                w.u8()?; // the LZW code size
                blocks(w)?;
                plan.copy(start, w.pos - start);
            }
            0x21 => {
                let keep = match w.u8()? {
                    0xFE => {
                        blocks(w)?;
                        false
                    }
                    0xFF => match w.u8()? {
                        0 => false,
                        n => {
                            let id = w.vec(u64::from(n))?;
                            blocks(w)?;
                            matches!(&id[..], b"NETSCAPE2.0" | b"ANIMEXTS1.0")
                        }
                    },
                    _ => {
                        blocks(w)?;
                        true
                    }
                };
                if keep {
                    plan.copy(start, w.pos - start);
                }
            }
            _ => return Err(broken()),
        }
    }
}

/// A kept picture, read through its plan from the spooled file (as the decoder and the store
/// read it).
pub struct Kept {
    file: File,
    plan: Plan,
    pos: u64,
}

impl Read for Kept {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.plan.size || buf.is_empty() {
            return Ok(0);
        }
        let i = self.plan.pieces.partition_point(|(s, _)| *s <= self.pos) - 1;
        let (start, piece) = &self.plan.pieces[i];
        let off = self.pos - start;
        let n = match piece {
            Piece::Bytes(b) => {
                let rest = &b[off as usize..];
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                n
            }
            Piece::Copy { at, len } => {
                let want = (len - off).min(buf.len() as u64) as usize;
                match self.file.read_at(&mut buf[..want], at + off)? {
                    0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                    n => n,
                }
            }
        };
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Kept {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let at = match to {
            SeekFrom::Start(n) => i128::from(n),
            SeekFrom::End(d) => i128::from(self.plan.size) + i128::from(d),
            SeekFrom::Current(d) => i128::from(self.pos) + i128::from(d),
        };
        self.pos = u64::try_from(at).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        Ok(self.pos)
    }
}

/// A picture ready to keep: its bytes (without metadata) to read from the start, its size as
/// shown (upright), and a thumbnail.
pub struct Prepared {
    pub kept: Kept,
    pub thumbnail: Bytes,
    pub width: u32,
    pub height: u32,
}

/// Checks the picture spooled to `file` by decoding what will be kept of it (with bounds, so a
/// small file cannot claim a huge picture) and makes its thumbnail. Blocking work: run it off
/// the async threads.
pub fn prepare(file: File, content_type: &str) -> Result<Prepared> {
    let refused = || RoomsError::invalid("file", "is a broken or unsupported image");
    let len = file.metadata().map_err(|_| refused())?.len();
    (&file).rewind().map_err(|_| refused())?;
    let mut plan = Plan::default();
    let mut walk = Walk {
        r: BufReader::new(&file),
        pos: 0,
        len,
    };
    let walked = match content_type {
        "image/jpeg" => jpeg(&mut walk, &mut plan),
        "image/png" => png(&mut walk, &mut plan),
        "image/webp" => webp(&mut walk, &mut plan),
        "image/gif" => gif(&mut walk, &mut plan),
        _ => Err(broken()),
    };
    walked.map_err(|_| refused())?;
    let mut kept = Kept { file, plan, pos: 0 };
    let mut decoded = decode(&mut kept, content_type).ok_or_else(|| {
        RoomsError::invalid(
            "file",
            format!("is a broken image, or too large a picture (at most {MAX_SIDE} pixels a side)"),
        )
    })?;
    if let Some(o) = kept.plan.orientation {
        decoded.apply_orientation(o);
    }
    let (width, height) = (decoded.width(), decoded.height());
    // Made smaller to fit, never larger.
    let small = match width > THUMBNAIL_SIDE || height > THUMBNAIL_SIDE {
        true => decoded.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE),
        false => decoded,
    };
    let mut thumbnail = Vec::new();
    small
        .to_rgb8()
        .write_to(&mut io::Cursor::new(&mut thumbnail), ImageFormat::Jpeg)
        .map_err(|_| refused())?;
    kept.pos = 0;
    Ok(Prepared {
        kept,
        thumbnail: Bytes::from(thumbnail),
        width,
        height,
    })
}

/// Decodes the kept picture. JPEGs go to `zune-jpeg` directly: `image`'s wrapper reads the
/// whole file into memory first.
fn decode(kept: &mut Kept, content_type: &str) -> Option<DynamicImage> {
    let reader = BufReader::new(kept);
    if content_type == "image/jpeg" {
        use zune_core::colorspace::ColorSpace;
        let options = zune_core::options::DecoderOptions::default()
            .set_strict_mode(false)
            .set_max_width(MAX_SIDE as usize)
            .set_max_height(MAX_SIDE as usize)
            .jpeg_set_out_colorspace(ColorSpace::RGB);
        let mut decoder = zune_jpeg::JpegDecoder::new_with_options(reader, options);
        decoder.decode_headers().ok()?;
        if decoder.output_buffer_size()? as u64 > MAX_DECODE_BYTES {
            return None;
        }
        let (w, h) = decoder.dimensions()?;
        let pixels = decoder.decode().ok()?;
        let (w, h) = (u32::try_from(w).ok()?, u32::try_from(h).ok()?);
        return match pixels.len() / (w as usize * h as usize).max(1) {
            1 => image::GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8),
            3 => image::RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8),
            4 => image::RgbaImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgba8),
            _ => None,
        };
    }
    let format = match content_type {
        "image/png" => ImageFormat::Png,
        "image/webp" => ImageFormat::WebP,
        "image/gif" => ImageFormat::Gif,
        _ => return None,
    };
    let mut reader = image::ImageReader::with_format(reader, format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    reader.decode().ok()
}

#[cfg(test)]
mod tests;
