//! Files sent with messages. An upload is streamed into the object store (a local directory by
//! default, S3-compatible storage for clusters: `ROOMS_ATTACHMENTS_URL`) and becomes a message
//! that carries it; nothing is left behind when it is refused or cut off. Its content type is
//! taken from its bytes, never from the sender alone: a file that claims to be an image and is
//! not is refused. Pictures (PNG, JPEG, GIF, WebP) are spooled to a temporary file, checked by
//! decoding, stripped of their metadata and given a thumbnail ([`crate::pictures`]). No upload is
//! held whole in memory: what one holds at a time is bounded by the store's part size (and, for
//! a picture, its decoded pixels), not by the file's. Every download checks that the caller may
//! read the room.

use crate::access::{member_of, readable};
use crate::error::{Result, RoomsError};
use crate::messages::{
    Outgoing, blocked_chat, direct_chat_closed, earlier, message_not_found, send_with_extras,
};
use crate::pictures;
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
/// Pictures decoded at once per replica (each up to `pictures::MAX_DECODE_BYTES` of pixels), and
/// how long one waits for a slot.
const IMAGE_SLOTS: usize = 2;
const IMAGE_SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// The parts a file is written in: S3 takes no smaller part than 5 MiB but the last; a
/// directory takes any. One part is written while the next fills.
const S3_PART: usize = 5 * 1024 * 1024;
const LOCAL_PART: usize = 1024 * 1024;
/// How much of an upload is spooled (and a kept picture read) at a time.
const CHUNK: usize = 256 * 1024;

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
    /// Pictures decoded at once.
    images: tokio::sync::Semaphore,
    /// The size of the parts files are written in.
    part: usize,
}

impl Files {
    /// `url`: `s3://bucket` (credentials, region and endpoint from the `AWS_*` variables), or a
    /// directory (`file:///path` or a path), made if missing.
    pub fn open(url: &str, max_bytes: u64, links: Links) -> anyhow::Result<Self> {
        let (store, part): (Arc<dyn ObjectStore>, _) = if url.starts_with("s3://") {
            let s3 = object_store::aws::AmazonS3Builder::from_env()
                .with_url(url)
                .build()?;
            (Arc::new(s3), S3_PART)
        } else {
            let dir = url.strip_prefix("file://").unwrap_or(url);
            std::fs::create_dir_all(dir)?;
            let local = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
            (Arc::new(local), LOCAL_PART)
        };
        Ok(Self {
            store,
            max_bytes,
            links,
            images: tokio::sync::Semaphore::new(IMAGE_SLOTS),
            part,
        })
    }

    fn key(room_id: Uuid, id: Uuid) -> Path {
        Path::from(format!("{room_id}/{id}"))
    }

    fn thumbnail_key(room_id: Uuid, id: Uuid) -> Path {
        Path::from(format!("{room_id}/{id}.thumbnail"))
    }

    /// Copies a message's file (and its thumbnail) in the store for a message of `to_room`, and
    /// describes the copy. A file gone meanwhile (its message deleted) is a missing message.
    pub async fn copy(
        &self,
        from_room: Uuid,
        file: &Attachment,
        to_room: Uuid,
    ) -> Result<Attachment> {
        let copy = Attachment {
            id: Uuid::now_v7(),
            url: None,
            thumbnail_url: None,
            ..file.clone()
        };
        let mut pairs = vec![(Self::key(from_room, file.id), Self::key(to_room, copy.id))];
        if file.thumbnail {
            pairs.push((
                Self::thumbnail_key(from_room, file.id),
                Self::thumbnail_key(to_room, copy.id),
            ));
        }
        for (from, to) in pairs {
            if let Err(e) = self.store.copy(&from, &to).await {
                self.delete(to_room, &copy).await;
                return Err(match e {
                    object_store::Error::NotFound { .. } => message_not_found(),
                    e => e.into(),
                });
            }
        }
        Ok(copy)
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
    body: S,
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
    let file = File {
        room_id: up.room_id,
        name: up.name.clone(),
        declared: up.declared.clone(),
    };
    let attachment = keep(files, file, body.map(|chunk| chunk.map_err(cut_off))).await?;
    let stored = store_message(store, &up, attachment.clone()).await;
    if !matches!(stored, Ok((_, true))) {
        files.delete(up.room_id, &attachment).await;
    }
    stored
}

/// A piece of a file as it arrives.
pub type Chunk = Result<Bytes>;

/// A file being kept: the room it is sent to, its name, and the type its sender gave.
pub struct File {
    pub room_id: Uuid,
    pub name: String,
    pub declared: Option<String>,
}

/// Puts a file into the store and describes it: its type taken from its bytes; a picture
/// spooled, checked, stripped and given a thumbnail; any other file streamed through. Refused
/// or cut off, it leaves nothing.
pub async fn keep<S>(files: &Files, file: File, mut body: S) -> Result<Attachment>
where
    S: Stream<Item = Chunk> + Unpin,
{
    // The first bytes tell what the file is.
    let mut head = BytesMut::new();
    while head.len() < 8192 {
        match body.next().await {
            Some(chunk) => head.extend_from_slice(&chunk?),
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
    let claims_image = file
        .declared
        .as_deref()
        .is_some_and(|d| d.starts_with("image/"));
    let picture = sniffed.filter(|m| INLINE_IMAGES.contains(m));
    if claims_image && picture.is_none() {
        return Err(RoomsError::invalid(
            "file",
            "is not the image it claims to be",
        ));
    }
    let id = Uuid::now_v7();
    let key = Files::key(file.room_id, id);
    let mut attachment = Attachment {
        id,
        name: file.name,
        content_type: String::new(),
        size: 0,
        width: None,
        height: None,
        thumbnail: false,
        url: None,
        thumbnail_url: None,
    };
    let Some(content_type) = picture else {
        // What a browser would run or render as a page is never served as such.
        attachment.content_type = match sniffed {
            Some(m) if !ACTIVE.contains(&m) => m,
            Some(_) => "application/octet-stream",
            None if file.declared.as_deref() == Some("text/plain") => "text/plain",
            None => "application/octet-stream",
        }
        .to_owned();
        attachment.size = stream_to(files, &key, head.freeze(), &mut body).await? as i64;
        return Ok(attachment);
    };
    let spooled = spool(head.freeze(), &mut body, files.max_bytes).await?;
    // Decoded a few at a time per replica, since pixels take memory; a picture that finds no
    // slot in time is refused as busy.
    let _slot = tokio::time::timeout(IMAGE_SLOT_WAIT, files.images.acquire())
        .await
        .map_err(|_| RoomsError::Busy("too many pictures at once; send it again shortly"))?
        .map_err(|_| RoomsError::Bug("the image slots were closed"))?;
    let picture = tokio::task::spawn_blocking(move || pictures::prepare(spooled, content_type))
        .await
        .map_err(|_| RoomsError::Bug("picture work panicked"))??;
    let thumb = Files::thumbnail_key(file.room_id, id);
    files
        .store
        .put(&thumb, PutPayload::from(picture.thumbnail))
        .await?;
    let size = match stream_to(files, &key, Bytes::new(), &mut read(picture.kept)).await {
        Ok(size) => size,
        Err(e) => {
            let _ = files.store.delete(&thumb).await;
            return Err(e);
        }
    };
    attachment.content_type = content_type.to_owned();
    attachment.size = size as i64;
    attachment.width = Some(picture.width);
    attachment.height = Some(picture.height);
    attachment.thumbnail = true;
    Ok(attachment)
}

/// Writes the rest of an upload to an unnamed temporary file (gone once closed, even if the
/// process dies), `head` first; refused when over `max`.
async fn spool<S>(head: Bytes, body: &mut S, max: u64) -> Result<std::fs::File>
where
    S: Stream<Item = Result<Bytes>> + Unpin,
{
    use tokio::io::AsyncWriteExt;
    let file = tokio::task::spawn_blocking(tempfile::tempfile)
        .await
        .map_err(|_| RoomsError::Bug("spooling panicked"))??;
    let mut out = tokio::io::BufWriter::with_capacity(CHUNK, tokio::fs::File::from_std(file));
    let mut size = head.len() as u64;
    out.write_all(&head).await?;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        size += chunk.len() as u64;
        if size > max {
            return Err(RoomsError::TooLarge);
        }
        out.write_all(&chunk).await?;
    }
    out.flush().await?;
    Ok(out.into_inner().into_std().await)
}

/// A kept picture as a stream of chunks, read off the async threads.
fn read(kept: pictures::Kept) -> impl Stream<Item = Result<Bytes>> + Unpin {
    use std::io::Read;
    Box::pin(futures_util::stream::try_unfold(kept, |kept| async move {
        let (kept, chunk) = tokio::task::spawn_blocking(move || {
            let mut kept = kept;
            let mut chunk = Vec::with_capacity(CHUNK);
            (&mut kept).take(CHUNK as u64).read_to_end(&mut chunk)?;
            Ok::<_, std::io::Error>((kept, chunk))
        })
        .await
        .map_err(|_| RoomsError::Bug("reading a picture panicked"))??;
        Ok((!chunk.is_empty()).then(|| (Bytes::from(chunk), kept)))
    }))
}

/// Streams the rest of a file into the store under `key`, `head` first, a part at a time. A
/// file over the limit or cut off is aborted: nothing stays.
async fn stream_to<S>(files: &Files, key: &Path, head: Bytes, body: &mut S) -> Result<u64>
where
    S: Stream<Item = Result<Bytes>> + Unpin,
{
    let upload = files.store.put_multipart(key).await?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, files.part);
    let mut size = head.len() as u64;
    writer.write(&head);
    let outcome: Result<()> = async {
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            if size > files.max_bytes {
                return Err(RoomsError::TooLarge);
            }
            writer.wait_for_capacity(1).await?;
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

/// Files younger than this that no message carries are left to the next sweep: an upload
/// stores its file before the message that carries it commits.
const SWEEP_GRACE_SECS: i64 = 3600;
/// Objects looked up in the database at a time by a sweep.
const SWEEP_BATCH: usize = 1000;

/// An object the sweep found: where it is, its room, its file's id, and whether it is older
/// than the grace period.
struct Found {
    path: Path,
    room: Uuid,
    id: String,
    old: bool,
}

/// Removes from the store what nothing carries any more: every file of a deleted room (its
/// messages stay in the database, unreadable), and files older than an hour that no message
/// carries (left when rooms stopped between storing a file and committing its message).
/// Returns how many objects it removed. The store must be this deployment's own: a room the
/// database does not know is taken for deleted.
pub async fn sweep(store: &Store, files: &Files) -> Result<usize> {
    let cutoff = chrono::Utc::now() - chrono::Duration::seconds(SWEEP_GRACE_SECS);
    let mut listing = files.store.list(None);
    let (mut batch, mut removed) = (Vec::with_capacity(SWEEP_BATCH), 0);
    while let Some(meta) = listing.next().await {
        let meta = meta?;
        let parts: Vec<_> = meta.location.parts().collect();
        let (Some(room), Some(name)) = (parts.first(), parts.get(1)) else {
            continue;
        };
        let id = name.as_ref().trim_end_matches(".thumbnail");
        let (Ok(room), Ok(_), 2) = (
            Uuid::parse_str(room.as_ref()),
            Uuid::parse_str(id),
            parts.len(),
        ) else {
            continue;
        };
        batch.push(Found {
            room,
            id: id.to_owned(),
            old: meta.last_modified < cutoff,
            path: meta.location,
        });
        if batch.len() == SWEEP_BATCH {
            removed += sweep_batch(store, files, std::mem::take(&mut batch)).await?;
        }
    }
    Ok(removed + sweep_batch(store, files, batch).await?)
}

async fn sweep_batch(store: &Store, files: &Files, batch: Vec<Found>) -> Result<usize> {
    use std::collections::HashSet;
    if batch.is_empty() {
        return Ok(0);
    }
    let mut conn = store.conn().await?;
    let rooms: HashSet<Uuid> = batch.iter().map(|f| f.room).collect();
    let rooms: Vec<Uuid> = rooms.into_iter().collect();
    let live: HashSet<Uuid> = chat_db::rooms::live(&mut conn, &rooms)
        .await?
        .into_iter()
        .collect();
    let ids: Vec<String> = batch
        .iter()
        .filter(|f| f.old && live.contains(&f.room))
        .map(|f| f.id.clone())
        .collect();
    let kept: HashSet<String> = messages::attachments_kept(&mut conn, &ids)
        .await?
        .into_iter()
        .collect();
    drop(conn);
    let mut removed = 0;
    for f in batch {
        let gone = !live.contains(&f.room) || (f.old && !kept.contains(&f.id));
        if !gone {
            continue;
        }
        match files.store.delete(&f.path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => removed += 1,
            Err(e) => tracing::warn!(error = %e, path = %f.path, "a file was not swept"),
        }
    }
    Ok(removed)
}

/// Sweeps the store every `every` (the first time `every` after the start), until cancelled.
pub async fn sweep_forever(
    state: Arc<crate::AppState>,
    every: std::time::Duration,
    cancel: tokio_util::sync::CancellationToken,
) {
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        match sweep(&state.store, &state.files).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "files nothing carries were swept"),
            Err(e) => tracing::warn!(error = %e, "sweeping files failed; will retry"),
        }
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
