//! Files sent with messages. An upload is streamed into the object store (a local directory by
//! default, S3-compatible storage for clusters: `ROOMS_ATTACHMENTS_URL`) and becomes a message
//! that carries it; nothing is left behind when it is refused or cut off. Its content type is
//! taken from its bytes, never from the sender alone: a file that claims to be an image and is
//! not is refused. Images (PNG, JPEG, GIF, WebP) are read whole (they are bounded by the size
//! limit): checked by decoding, their metadata (EXIF with its location, XMP, text chunks)
//! removed, and a thumbnail made. Every download checks that the caller may read the room.

use crate::access::{member_of, readable};
use crate::error::{Result, RoomsError};
use crate::messages::{
    Outgoing, blocked_chat, direct_chat_closed, earlier, message_not_found, send_with_extras,
};
use crate::store::Store;
use bytes::{Bytes, BytesMut};
use chat_db::messages;
use chat_domain::{Attachment, ClientMsgId, Message, MessageBody, RoomKind};
use chat_http::RequestId;
use futures_util::{Stream, StreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload, WriteMultipart};
use std::sync::Arc;
use uuid::Uuid;

/// Image types shown inline; everything else is downloaded as a file.
pub const INLINE_IMAGES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];
/// Types a browser renders as a page or runs: kept as `application/octet-stream`.
const ACTIVE: [&str; 6] = [
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
];
/// Images prepared at once per replica, and how long one waits for a slot.
const IMAGE_SLOTS: usize = 2;
const IMAGE_SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// A thumbnail's largest side, in pixels.
const THUMBNAIL_SIDE: u32 = 320;
/// The largest image decoded, in pixels per side, and the memory a decode may take.
const MAX_SIDE: u32 = 12_000;
const MAX_DECODE_BYTES: u64 = 192 * 1024 * 1024;

/// Short-lived download links, each for one reader: an HMAC-SHA256 over the reader, the file
/// and the expiry, keyed from the service credential every replica shares. A link still needs
/// the reader's session (the room is checked on every request), so one seen in a log opens
/// nothing for anyone else, and nothing for its reader once expired.
pub struct Links {
    key: Vec<u8>,
    ttl: chrono::Duration,
}

type Mac = hmac::Hmac<sha2::Sha256>;

impl Links {
    /// `secret`: the service credential (without one, a key of this process: links then work
    /// only on the replica that made them).
    pub fn new(secret: Option<&str>, ttl_secs: u64) -> Self {
        use sha2::Digest;
        let seed = match secret {
            Some(s) => s.to_owned(),
            None => Uuid::new_v4().to_string(),
        };
        let key = sha2::Sha256::digest(format!("chat attachment links\n{seed}")).to_vec();
        Self {
            key,
            ttl: chrono::Duration::seconds(ttl_secs as i64),
        }
    }

    fn mac(&self, file: &Linked, expires: i64) -> Mac {
        use hmac::Mac as _;
        let Linked {
            reader,
            room_id,
            seq,
            id,
            small,
        } = file;
        let mut mac = Mac::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(format!("{reader}\n{room_id}\n{seq}\n{id}\n{small}\n{expires}").as_bytes());
        mac
    }

    fn link(&self, file: &Linked, expires: i64) -> String {
        use hmac::Mac as _;
        let signature: String = self
            .mac(file, expires)
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let path = if file.small {
            "attachment/thumbnail"
        } else {
            "attachment"
        };
        format!(
            "/api/rooms/{}/messages/{}/{path}?expires={expires}&signature={signature}",
            file.room_id, file.seq
        )
    }

    /// Links to a message's file (and thumbnail) for `reader`, and when they expire.
    pub fn sign(
        &self,
        reader: Uuid,
        room_id: Uuid,
        seq: i64,
        file: &mut Attachment,
    ) -> chrono::DateTime<chrono::Utc> {
        let expires_at = chrono::Utc::now() + self.ttl;
        let at = expires_at.timestamp();
        let linked = |small| Linked {
            reader,
            room_id,
            seq,
            id: file.id,
            small,
        };
        let (url, thumbnail_url) = (
            self.link(&linked(false), at),
            file.thumbnail.then(|| self.link(&linked(true), at)),
        );
        file.url = Some(url);
        file.thumbnail_url = thumbnail_url;
        expires_at
    }

    /// Puts links for `reader` on every file of a page read for them.
    pub fn sign_page(&self, reader: Uuid, page: &mut [Message]) {
        for m in page {
            let (room_id, seq) = (m.room_id, m.seq);
            if let Some(file) = m.attachment.as_deref_mut() {
                self.sign(reader, room_id, seq, file);
            }
        }
    }

    /// Whether a link's expiry and signature were made for this reader and file, and are
    /// current.
    pub fn check(&self, file: &Linked, expires: i64, signature: &str) -> bool {
        use hmac::Mac as _;
        let hex = signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit());
        if expires < chrono::Utc::now().timestamp() || !hex {
            return false;
        }
        let bytes: Vec<u8> = (0..32)
            .filter_map(|i| u8::from_str_radix(&signature[2 * i..2 * i + 2], 16).ok())
            .collect();
        self.mac(file, expires).verify_slice(&bytes).is_ok()
    }
}

/// What a download link is for: a reader, and a message's file or its thumbnail.
pub struct Linked {
    pub reader: Uuid,
    pub room_id: Uuid,
    pub seq: i64,
    pub id: Uuid,
    pub small: bool,
}

/// Where files are kept, and how large one may be.
pub struct Files {
    store: Arc<dyn ObjectStore>,
    pub max_bytes: u64,
    /// Download links.
    pub links: Links,
    /// Images read and decoded at once (each up to `max_bytes` read and `MAX_DECODE_BYTES`
    /// decoded).
    images: tokio::sync::Semaphore,
}

impl Files {
    /// `url`: `s3://bucket` (credentials, region and endpoint from the `AWS_*` variables), or a
    /// directory (`file:///path` or a path), made if missing.
    pub fn open(url: &str, max_bytes: u64, links: Links) -> anyhow::Result<Self> {
        let store: Arc<dyn ObjectStore> = if url.starts_with("s3://") {
            Arc::new(
                object_store::aws::AmazonS3Builder::from_env()
                    .with_url(url)
                    .build()?,
            )
        } else {
            let dir = url.strip_prefix("file://").unwrap_or(url);
            std::fs::create_dir_all(dir)?;
            Arc::new(object_store::local::LocalFileSystem::new_with_prefix(dir)?)
        };
        Ok(Self {
            store,
            max_bytes,
            links,
            images: tokio::sync::Semaphore::new(IMAGE_SLOTS),
        })
    }

    fn key(room_id: Uuid, id: Uuid) -> Path {
        Path::from(format!("{room_id}/{id}"))
    }

    fn thumbnail_key(room_id: Uuid, id: Uuid) -> Path {
        Path::from(format!("{room_id}/{id}.thumbnail"))
    }

    /// Deletes a file and its thumbnail (after the message that carried it was deleted, or was
    /// never stored). A failure is logged: the message is gone either way.
    pub async fn delete(&self, room_id: Uuid, attachment: &Attachment) {
        let mut keys = vec![Self::key(room_id, attachment.id)];
        if attachment.thumbnail {
            keys.push(Self::thumbnail_key(room_id, attachment.id));
        }
        for key in keys {
            if let Err(e) = self.store.delete(&key).await
                && !matches!(e, object_store::Error::NotFound { .. })
            {
                tracing::warn!(error = %e, room.id = %room_id, attachment.id = %attachment.id, "a file was not deleted");
            }
        }
    }
}

/// What an upload says about itself (its bytes follow).
pub struct Upload {
    pub room_id: Uuid,
    pub sender: Uuid,
    pub client_msg_id: ClientMsgId,
    /// The file's name, as sent.
    pub name: String,
    /// The `Content-Type` the sender gave.
    pub declared: Option<String>,
    /// The message's text (may be empty).
    pub caption: MessageBody,
    /// `Content-Length`, when given: refused at once when over the limit.
    pub length: Option<u64>,
    pub request_id: RequestId,
}

/// Stores an upload and the message that carries it. Returns the message and whether it is new
/// (a retry with the same `client_msg_id` returns the first, and its bytes are not read).
pub async fn upload<S, E>(
    store: &Store,
    files: &Files,
    up: Upload,
    mut body: S,
) -> Result<(Message, bool)>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    if up.length.is_some_and(|l| l > files.max_bytes) {
        return Err(RoomsError::TooLarge);
    }
    let mut conn = store.conn().await?;
    if let Some(row) =
        messages::find_by_client_id(&mut conn, up.sender, up.client_msg_id.as_str()).await?
    {
        return earlier(row, up.room_id);
    }
    let (room, _) = member_of(&mut conn, up.room_id, up.sender).await?;
    if room.kind == RoomKind::Direct.as_str()
        && direct_chat_closed(&mut conn, up.room_id, up.sender).await?
    {
        return Err(blocked_chat());
    }
    drop(conn);

    // The first bytes tell what the file is.
    let mut head = BytesMut::new();
    while head.len() < 8192 {
        match body.next().await {
            Some(chunk) => head.extend_from_slice(&chunk.map_err(cut_off)?),
            None => break,
        }
    }
    if head.len() as u64 > files.max_bytes {
        return Err(RoomsError::TooLarge);
    }
    if head.is_empty() {
        return Err(RoomsError::invalid("file", "is empty"));
    }
    let sniffed = infer::get(&head).map(|t| t.mime_type());
    let claims_image = up
        .declared
        .as_deref()
        .is_some_and(|d| d.starts_with("image/"));
    let is_image = sniffed.is_some_and(|m| INLINE_IMAGES.contains(&m));
    if claims_image && !is_image {
        return Err(RoomsError::invalid(
            "file",
            "is not the image it claims to be",
        ));
    }
    let id = Uuid::now_v7();
    let key = Files::key(up.room_id, id);
    let attachment = if is_image {
        // Images are read whole and decoded: a few at a time per replica, so uploads cannot
        // take all its memory; one that finds no slot in time is refused as busy.
        let _slot = tokio::time::timeout(IMAGE_SLOT_WAIT, files.images.acquire())
            .await
            .map_err(|_| RoomsError::Busy("too many pictures at once; send it again shortly"))?
            .map_err(|_| RoomsError::Bug("the image slots were closed"))?;
        let mut all = head;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(cut_off)?;
            if (all.len() + chunk.len()) as u64 > files.max_bytes {
                return Err(RoomsError::TooLarge);
            }
            all.extend_from_slice(&chunk);
        }
        let content_type = sniffed.unwrap_or("application/octet-stream").to_owned();
        let kind = content_type.clone();
        let image = tokio::task::spawn_blocking(move || prepare_image(all.freeze(), &kind))
            .await
            .map_err(|_| RoomsError::Bug("image work panicked"))??;
        let size = image.bytes.len() as i64;
        files.store.put(&key, PutPayload::from(image.bytes)).await?;
        let thumb = Files::thumbnail_key(up.room_id, id);
        if let Err(e) = files
            .store
            .put(&thumb, PutPayload::from(image.thumbnail))
            .await
        {
            let _ = files.store.delete(&key).await;
            return Err(e.into());
        }
        Attachment {
            id,
            name: up.name.clone(),
            content_type,
            size,
            width: Some(image.width),
            height: Some(image.height),
            thumbnail: true,
            url: None,
            thumbnail_url: None,
        }
    } else {
        // What a browser would run or render as a page is never served as such.
        let content_type = match sniffed {
            Some(m) if !ACTIVE.contains(&m) => m,
            Some(_) => "application/octet-stream",
            None if up.declared.as_deref() == Some("text/plain") => "text/plain",
            None => "application/octet-stream",
        };
        let size = stream_to(files, &key, head.freeze(), &mut body).await?;
        Attachment {
            id,
            name: up.name.clone(),
            content_type: content_type.to_owned(),
            size: size as i64,
            width: None,
            height: None,
            thumbnail: false,
            url: None,
            thumbnail_url: None,
        }
    };
    let stored = store_message(store, &up, attachment.clone()).await;
    if !matches!(stored, Ok((_, true))) {
        files.delete(up.room_id, &attachment).await;
    }
    stored
}

/// Streams the rest of an upload into the store under `key`, `head` first. An upload over the
/// limit or cut off is aborted: nothing stays.
async fn stream_to<S, E>(files: &Files, key: &Path, head: Bytes, body: &mut S) -> Result<u64>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut writer = WriteMultipart::new(files.store.put_multipart(key).await?);
    let mut size = head.len() as u64;
    writer.write(&head);
    let outcome: Result<()> = async {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(cut_off)?;
            size += chunk.len() as u64;
            if size > files.max_bytes {
                return Err(RoomsError::TooLarge);
            }
            writer.wait_for_capacity(4).await?;
            writer.write(&chunk);
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => {
            writer.finish().await?;
            Ok(size)
        }
        Err(e) => {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(error = %abort, "an unfinished upload was not cleaned up");
            }
            Err(e)
        }
    }
}

fn cut_off(e: impl std::fmt::Display) -> RoomsError {
    RoomsError::BadRequest(format!("the upload was cut off: {e}"))
}

/// Stores the message that carries `attachment`, as a send would (its event announces the
/// file with it).
async fn store_message(
    store: &Store,
    up: &Upload,
    attachment: Attachment,
) -> Result<(Message, bool)> {
    let outgoing = Outgoing {
        sender: up.sender,
        room_id: up.room_id,
        client_msg_id: up.client_msg_id.clone(),
        text: up.caption.clone(),
        reply_to: None,
        request_id: up.request_id.clone(),
        forwarded_from: None,
        attachment: Some(attachment),
    };
    send_with_extras(store, &outgoing).await
}

/// An image ready to keep: its bytes without metadata, its size, and a thumbnail.
struct PreparedImage {
    bytes: Bytes,
    thumbnail: Bytes,
    width: u32,
    height: u32,
}

/// Checks an image by decoding it (with bounds, so a small file cannot claim a huge picture),
/// removes its metadata and makes its thumbnail. CPU work: run off the async threads.
fn prepare_image(bytes: Bytes, content_type: &str) -> Result<PreparedImage> {
    let broken = || RoomsError::invalid("file", "is a broken or unsupported image");
    let mut reader = image::ImageReader::new(std::io::Cursor::new(&bytes[..]))
        .with_guessed_format()
        .map_err(|_| broken())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|_| broken())?;
    let (width, height) = (decoded.width(), decoded.height());
    let mut thumbnail = Vec::new();
    // Made smaller to fit, never larger.
    let small = match width > THUMBNAIL_SIDE || height > THUMBNAIL_SIDE {
        true => decoded.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE),
        false => decoded,
    };
    small
        .to_rgb8()
        .write_to(
            &mut std::io::Cursor::new(&mut thumbnail),
            image::ImageFormat::Jpeg,
        )
        .map_err(|_| broken())?;
    Ok(PreparedImage {
        bytes: strip_metadata(bytes, content_type).ok_or_else(broken)?,
        thumbnail: Bytes::from(thumbnail),
        width,
        height,
    })
}

/// The image without EXIF (with its location), XMP, comments or text chunks. A GIF carries
/// none of these where viewers read them; it is kept as it is. An image of a type that may
/// carry them and that cannot be taken apart is refused (`None`), never kept with them.
fn strip_metadata(bytes: Bytes, content_type: &str) -> Option<Bytes> {
    use img_parts::{ImageEXIF, ImageICC};
    match content_type {
        "image/jpeg" => {
            let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(bytes).ok()?;
            jpeg.set_exif(None);
            // Every application segment but JFIF (APP0) and Adobe's colour marker (APP14), and
            // comments: EXIF and XMP live in APP1, others in APP2..APP15 and COM.
            jpeg.segments_mut().retain(|s| {
                let m = s.marker();
                !((0xE1..=0xED).contains(&m) || m == 0xEF || m == 0xFE)
            });
            Some(jpeg.encoder().bytes())
        }
        "image/png" => {
            let mut png = img_parts::png::Png::from_bytes(bytes).ok()?;
            png.set_exif(None);
            png.chunks_mut()
                .retain(|c| !matches!(&c.kind(), b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME"));
            Some(png.encoder().bytes())
        }
        "image/webp" => {
            let mut webp = img_parts::webp::WebP::from_bytes(bytes).ok()?;
            webp.set_exif(None);
            webp.set_icc_profile(None);
            webp.remove_chunks_by_id(*b"XMP ");
            Some(webp.encoder().bytes())
        }
        _ => Some(bytes),
    }
}

/// A file to download: its description and a stream of its bytes.
pub struct Download {
    pub attachment: Attachment,
    pub thumbnail: bool,
    pub bytes: std::pin::Pin<
        Box<dyn Stream<Item = std::result::Result<Bytes, object_store::Error>> + Send>,
    >,
    pub length: u64,
}

/// The file of the message at `seq`, for someone who may read the room (with a thumbnail, when
/// `thumbnail` asks for it).
pub async fn find(
    store: &Store,
    me: Uuid,
    room_id: Uuid,
    seq: i64,
    thumbnail: bool,
) -> Result<Attachment> {
    let mut conn = store.conn().await?;
    readable(&mut conn, room_id, me).await?;
    let row = messages::find_by_seq(&mut conn, room_id, seq)
        .await?
        .ok_or_else(message_not_found)?;
    Message::from(row)
        .attachment
        .map(|a| *a)
        .filter(|a| !thumbnail || a.thumbnail)
        .ok_or(RoomsError::NotFound("attachment"))
}

/// The bytes of a file [`find`] found (or of its thumbnail).
pub async fn open(
    files: &Files,
    room_id: Uuid,
    attachment: Attachment,
    thumbnail: bool,
) -> Result<Download> {
    let key = match thumbnail {
        true => Files::thumbnail_key(room_id, attachment.id),
        false => Files::key(room_id, attachment.id),
    };
    let got = match files.store.get(&key).await {
        Ok(got) => got,
        Err(object_store::Error::NotFound { .. }) => {
            return Err(RoomsError::NotFound("attachment"));
        }
        Err(e) => return Err(e.into()),
    };
    let length = got.meta.size;
    Ok(Download {
        attachment,
        thumbnail,
        bytes: got.into_stream(),
        length,
    })
}
