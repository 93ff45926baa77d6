//! Uploads are streamed, never held whole in memory: a file of about 19 MB (a picture whose
//! metadata makes it that big, and any other file) is kept while the process allocates a small
//! fraction of it. Its own test binary, so that the allocator counts this test alone.

use bytes::Bytes;
use chat_rooms::attachments::{File, Files, Links, keep};
use futures_util::Stream;
use peakmem_alloc::{INSTRUMENTED_SYSTEM, PeakMemAlloc, PeakMemAllocTrait};
use std::alloc::System;
use std::io::Write;
use uuid::Uuid;

#[global_allocator]
static GLOBAL: &PeakMemAlloc<System> = &INSTRUMENTED_SYSTEM;

const MB: usize = 1024 * 1024;
const SIZE: usize = 19 * MB;

/// A file's bytes as an upload brings them: 64 KiB at a time, read from disk.
fn upload(path: std::path::PathBuf) -> impl Stream<Item = chat_rooms::attachments::Chunk> + Unpin {
    let file = std::fs::File::open(path).unwrap();
    Box::pin(futures_util::stream::unfold(file, |mut file| async move {
        use std::io::Read;
        let mut chunk = vec![0; 64 * 1024];
        let n = file.read(&mut chunk).unwrap();
        chunk.truncate(n);
        (n > 0).then(|| (Ok(Bytes::from(chunk)), file))
    }))
}

/// A JPEG of 64×48 pixels carrying about 19 MB of comments and an EXIF block.
fn big_jpeg() -> Vec<u8> {
    let mut small = Vec::new();
    image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 7]))
        .write_to(
            &mut std::io::Cursor::new(&mut small),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let mut out = small[..2].to_vec();
    let comment = vec![b'c'; 65_533];
    while out.len() < SIZE {
        out.extend_from_slice(&[0xFF, 0xFE, 0xFF, 0xFF]);
        out.extend_from_slice(&comment);
    }
    out.extend_from_slice(&small[2..]);
    out
}

/// Keeps the file at `path` and returns what it was kept as and the most the process held
/// meanwhile beyond what it held before.
fn kept(files: &Files, path: std::path::PathBuf, declared: &str) -> (serde_json::Value, usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    GLOBAL.reset_peak_memory();
    let file = File {
        room_id: Uuid::nil(),
        name: "big".into(),
        declared: Some(declared.into()),
    };
    let attachment = rt.block_on(keep(files, file, upload(path))).unwrap();
    let peak = GLOBAL.get_peak_memory();
    (serde_json::to_value(&attachment).unwrap(), peak)
}

#[test]
fn a_big_upload_is_kept_without_holding_it_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let files = Files::open(
        store.to_str().unwrap(),
        20 * MB as u64,
        Links::new(Some("k"), 60),
    )
    .unwrap();

    let picture = dir.path().join("picture.jpg");
    std::fs::write(&picture, big_jpeg()).unwrap();
    let other = dir.path().join("data.bin");
    let mut f = std::fs::File::create(&other).unwrap();
    let block: Vec<u8> = (0..MB).map(|i| (i * 7 % 251) as u8).collect();
    for _ in 0..SIZE / MB {
        f.write_all(&block).unwrap();
    }
    drop(f);

    let (image, image_peak) = kept(&files, picture, "image/jpeg");
    assert_eq!(image["content_type"], "image/jpeg");
    assert_eq!(
        (image["width"].as_u64(), image["height"].as_u64()),
        (Some(64), Some(48))
    );
    // Its comments are gone: what is kept is the small picture.
    assert!(image["size"].as_u64().unwrap() < 64 * 1024, "{image}");

    let (data, data_peak) = kept(&files, other, "application/octet-stream");
    assert_eq!(data["size"].as_u64(), Some(SIZE as u64));
    let stored = walk(&store);
    assert!(
        stored.iter().any(|(_, len)| *len == SIZE as u64),
        "{stored:?}"
    );

    // A few MiB at most (parts of 1 MiB, chunks of 256 KiB), against 19 MiB files.
    for (what, peak) in [("picture", image_peak), ("file", data_peak)] {
        eprintln!("keeping a {SIZE}-byte {what} held at most {peak} bytes at once");
        assert!(
            peak < 5 * MB,
            "keeping a {SIZE}-byte {what} held {peak} bytes at once"
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<(std::path::PathBuf, u64)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            found.extend(walk(&entry.path()));
        } else {
            found.push((entry.path(), meta.len()));
        }
    }
    found
}
