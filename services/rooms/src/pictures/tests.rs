//! The metadata walk on pictures made here: what it keeps decodes to the same pixels, what it
//! drops is gone, and a cut-off or garbled picture is refused without a panic.

use super::*;
use std::io::Write;

const SECRET: &[u8] = b"secret-location";

fn picture() -> DynamicImage {
    DynamicImage::ImageRgb8(image::RgbImage::from_fn(40, 30, |x, y| {
        image::Rgb([(x * 6) as u8, (y * 8) as u8, ((x + y) * 3) as u8])
    }))
}

fn encode(format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    let pic = match format {
        ImageFormat::Gif | ImageFormat::WebP => DynamicImage::ImageRgba8(picture().to_rgba8()),
        _ => picture(),
    };
    pic.write_to(&mut io::Cursor::new(&mut out), format)
        .unwrap();
    out
}

fn spooled(bytes: &[u8]) -> File {
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(bytes).unwrap();
    f
}

/// The kept bytes of `bytes`, or why they were refused.
fn kept(bytes: &[u8], content_type: &str) -> Result<(Vec<u8>, u32, u32)> {
    let mut p = prepare(spooled(bytes), content_type)?;
    let mut out = Vec::new();
    p.kept.read_to_end(&mut out).unwrap();
    assert_eq!(out.len() as u64, p.kept.plan.size);
    assert!(!p.thumbnail.is_empty());
    Ok((out, p.width, p.height))
}

fn pixels(bytes: &[u8]) -> Vec<u8> {
    image::load_from_memory(bytes)
        .unwrap()
        .to_rgba8()
        .into_raw()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(body);
    s
}

/// An EXIF (big-endian TIFF) with the orientation `o` and a location-like string after it.
fn exif(o: u8) -> Vec<u8> {
    let mut e = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0".to_vec();
    e.extend_from_slice(&[o, 0, 0, 0, 0, 0, 0]);
    e.extend_from_slice(SECRET);
    e
}

fn jpeg_with_metadata(orientation: u8) -> Vec<u8> {
    let plain = encode(ImageFormat::Jpeg);
    let mut j = plain[..2].to_vec();
    j.extend(segment(0xE1, &exif(orientation)));
    j.extend(segment(
        0xE1,
        &[b"http://ns.adobe.com/xap/1.0/\0", SECRET].concat(),
    ));
    j.extend(segment(0xE2, &[b"ICC_PROFILE\0\x01\x01", SECRET].concat()));
    j.extend(segment(0xFE, SECRET));
    j.extend_from_slice(&plain[2..]);
    // What phones append after the end (a motion photo's video).
    j.extend_from_slice(SECRET);
    j
}

#[test]
fn a_jpeg_keeps_its_pixels_and_orientation_and_nothing_else() {
    let original = jpeg_with_metadata(6);
    let (out, width, height) = kept(&original, "image/jpeg").unwrap();
    assert!(!contains(&out, SECRET), "metadata left in the JPEG");
    assert!(out.len() < original.len());
    assert_eq!(pixels(&out), pixels(&original));
    assert!(out.ends_with(&[0xFF, 0xD9]));
    // Rotated a quarter turn: shown 30 wide and 40 high.
    assert_eq!((width, height), (30, 40));
    let app1 = out.windows(6).position(|w| w == b"Exif\0\0").unwrap();
    assert_eq!(
        Orientation::from_exif_chunk(&out[app1 + 6..]),
        Some(Orientation::Rotate90)
    );
    // An upright one carries no EXIF at all.
    let (out, width, height) = kept(&jpeg_with_metadata(1), "image/jpeg").unwrap();
    assert!(!contains(&out, b"Exif"));
    assert_eq!((width, height), (40, 30));
}

#[test]
fn a_progressive_looking_jpeg_with_restarts_and_fill_bytes_keeps_its_scans() {
    // Fill bytes before a marker and a second "scan" after the first: the walk keeps every
    // scan's bytes up to the real end.
    let plain = encode(ImageFormat::Jpeg);
    let mut j = plain[..plain.len() - 2].to_vec();
    j.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xD9]);
    let (out, ..) = kept(&j, "image/jpeg").unwrap();
    assert_eq!(out, plain);
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    c.extend_from_slice(&crc.finalize().to_be_bytes());
    c
}

fn png_with_metadata() -> Vec<u8> {
    let plain = encode(ImageFormat::Png);
    let (body, end) = plain.split_at(plain.len() - 12);
    let mut p = body[..33].to_vec(); // the signature and IHDR
    p.extend(png_chunk(b"tEXt", &[b"Comment\0", SECRET].concat()));
    p.extend(png_chunk(b"eXIf", &exif(1)[6..]));
    p.extend_from_slice(&body[33..]);
    p.extend(png_chunk(
        b"iTXt",
        &[b"XML:com.adobe.xmp\0\0\0\0\0", SECRET].concat(),
    ));
    p.extend(png_chunk(b"tIME", &[7, 234, 12, 7, 11, 30, 0]));
    p.extend_from_slice(end);
    p.extend_from_slice(SECRET);
    p
}

#[test]
fn a_png_loses_its_text_exif_and_time_chunks() {
    let original = png_with_metadata();
    let (out, width, height) = kept(&original, "image/png").unwrap();
    assert!(!contains(&out, SECRET));
    assert!(!contains(&out, b"tIME"));
    assert_eq!(out, encode(ImageFormat::Png));
    assert_eq!(pixels(&out), pixels(&original));
    assert_eq!((width, height), (40, 30));
}

fn riff_chunk(id: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = id.to_vec();
    c.extend_from_slice(&(data.len() as u32).to_le_bytes());
    c.extend_from_slice(data);
    if data.len() % 2 == 1 {
        c.push(0);
    }
    c
}

fn webp_with_metadata() -> Vec<u8> {
    let plain = encode(ImageFormat::WebP);
    let image = &plain[12..]; // its VP8L chunk
    let mut vp8x = vec![0x20 | 0x10 | 0x08 | 0x04, 0, 0, 0];
    vp8x.extend_from_slice(&39u32.to_le_bytes()[..3]);
    vp8x.extend_from_slice(&29u32.to_le_bytes()[..3]);
    let mut chunks = riff_chunk(b"VP8X", &vp8x);
    chunks.extend(riff_chunk(b"ICCP", &[SECRET, b"x"].concat()));
    chunks.extend_from_slice(image);
    chunks.extend(riff_chunk(b"EXIF", &exif(1)[6..]));
    chunks.extend(riff_chunk(b"XMP ", &[b"<x:xmpmeta>", SECRET].concat()));
    let mut w = b"RIFF".to_vec();
    w.extend_from_slice(&(4 + chunks.len() as u32).to_le_bytes());
    w.extend_from_slice(b"WEBP");
    w.extend(chunks);
    w
}

#[test]
fn a_webp_loses_its_exif_xmp_and_icc_and_says_so_in_its_header() {
    let original = webp_with_metadata();
    let (out, width, height) = kept(&original, "image/webp").unwrap();
    assert!(!contains(&out, SECRET));
    assert_eq!(
        u32::from_le_bytes(out[4..8].try_into().unwrap()) as usize,
        out.len() - 8
    );
    assert_eq!(&out[12..16], b"VP8X");
    // Alpha stays flagged; ICC, EXIF and XMP do not.
    assert_eq!(out[20], 0x10);
    assert_eq!(pixels(&out), pixels(&original));
    assert_eq!((width, height), (40, 30));
}

fn gif_with_metadata() -> Vec<u8> {
    let plain = encode(ImageFormat::Gif);
    let mut g = plain[..plain.len() - 1].to_vec();
    g.extend_from_slice(&[0x21, 0xFE, SECRET.len() as u8]);
    g.extend_from_slice(SECRET);
    g.extend_from_slice(&[0, 0x21, 0xFF, 11]);
    g.extend_from_slice(b"XMP DataXMP");
    g.extend_from_slice(&[SECRET.len() as u8]);
    g.extend_from_slice(SECRET);
    g.extend_from_slice(&[0, 0x21, 0xFF, 11]);
    g.extend_from_slice(b"NETSCAPE2.0");
    g.extend_from_slice(&[3, 1, 0, 0, 0, 0x3B]);
    g.extend_from_slice(SECRET);
    g
}

#[test]
fn a_gif_loses_comments_and_foreign_application_blocks_but_keeps_looping() {
    let original = gif_with_metadata();
    let (out, width, height) = kept(&original, "image/gif").unwrap();
    assert!(!contains(&out, SECRET));
    assert!(!contains(&out, b"XMP DataXMP"));
    assert!(contains(&out, b"NETSCAPE2.0"));
    assert_eq!(pixels(&out), pixels(&original));
    assert_eq!((width, height), (40, 30));
}

#[test]
fn a_cut_off_or_garbled_picture_is_refused_without_a_panic() {
    let cases = [
        (jpeg_with_metadata(6), "image/jpeg", SECRET.len()),
        (png_with_metadata(), "image/png", SECRET.len()),
        (webp_with_metadata(), "image/webp", 0),
        (gif_with_metadata(), "image/gif", SECRET.len()),
    ];
    for (bytes, content_type, trailer) in &cases {
        let end = bytes.len() - trailer;
        for cut in 0..end {
            assert!(
                kept(&bytes[..cut], content_type).is_err(),
                "{content_type} cut at {cut} of {end} was kept"
            );
        }
        // Each byte changed in turn (a cheap fuzz): refused or kept, never a panic, and what
        // is kept still decodes.
        let mut seed = 0x2545_f491_u32;
        for i in 0..bytes.len() {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let mut garbled = bytes.clone();
            garbled[i] ^= (seed as u8) | 1;
            if let Ok((out, ..)) = kept(&garbled, content_type) {
                assert!(
                    image::load_from_memory(&out).is_ok(),
                    "{content_type} byte {i}"
                );
            }
        }
    }
    // A type the walk does not know, and an empty file.
    assert!(kept(&encode(ImageFormat::Png), "image/bmp").is_err());
    assert!(kept(b"", "image/png").is_err());
}

#[test]
fn the_kept_picture_reads_and_seeks_across_its_pieces() {
    let original = webp_with_metadata();
    let (whole, ..) = kept(&original, "image/webp").unwrap();
    let mut p = prepare(spooled(&original), "image/webp").unwrap();
    for at in [0u64, 5, 12, 20, 29, whole.len() as u64 - 3] {
        p.kept.seek(SeekFrom::Start(at)).unwrap();
        let mut rest = Vec::new();
        p.kept.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, &whole[at as usize..], "from {at}");
    }
    p.kept.seek(SeekFrom::End(-2)).unwrap();
    let mut two = [0; 2];
    p.kept.read_exact(&mut two).unwrap();
    assert_eq!(two, whole[whole.len() - 2..]);
    p.kept.rewind().unwrap();
    assert!(p.kept.seek(SeekFrom::Current(-1)).is_err());
}
