//! Sending a file (the request's body, streamed) as a message, and reading it back.

use crate::AppState;
use crate::attachments::{self, INLINE_IMAGES, Upload};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chat_domain::{ClientMsgId, Invalid, Message, MessageBody};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser, RequestId};
use futures_util::TryStreamExt;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A header's value, percent-decoded as UTF-8; a bad one is reported on `field`.
fn decoded(
    headers: &HeaderMap,
    name: &str,
    field: &'static str,
) -> Result<Option<String>, Invalid> {
    let Some(raw) = headers.get(name) else {
        return Ok(None);
    };
    let raw = raw
        .to_str()
        .map_err(|_| Invalid::new(field, "must be percent-encoded UTF-8"))?;
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| Some(s.into_owned()))
        .map_err(|_| Invalid::new(field, "must be percent-encoded UTF-8"))
}

/// A file name without any directory, control character or surrounding space; at most 255
/// characters.
fn file_name(raw: &str) -> Result<String, Invalid> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        // Control characters, and the direction overrides that make `exe.jpg` of `gpj.exe`.
        .filter(|c| {
            !c.is_control()
                && !('\u{202A}'..='\u{202E}').contains(c)
                && !('\u{2066}'..='\u{2069}').contains(c)
        })
        .take(255)
        .collect();
    let clean = clean.trim().to_owned();
    if clean.is_empty() || clean == "." || clean == ".." {
        return Err(Invalid::new("file", "needs a name (X-Filename)"));
    }
    Ok(clean)
}

/// Send a file as a message: the request's body is the file (streamed; at most
/// `ROOMS_ATTACHMENT_MAX_BYTES`, 20 MB by default), its name in `X-Filename` and the message's
/// text in `X-Caption` (both percent-encoded UTF-8). Its type is read from its bytes: PNG,
/// JPEG, GIF and WebP images are shown inline, stripped of their metadata (EXIF, with its
/// location) and given a thumbnail; anything else is a file to download.
#[utoipa::path(
    tag = "messages",
    params(
        ("id" = Uuid, Path, description = "Room id"),
        ("X-Filename" = String, Header, description = "The file's name, percent-encoded UTF-8"),
        ("X-Client-Msg-Id" = String, Header, description = "Chosen by the client (a UUID); a retry with the same id returns the first message and its body is not read"),
        ("X-Caption" = Option<String>, Header, description = "The message's text, percent-encoded UTF-8 (may be empty)"),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes, with its Content-Type"),
    responses(
        (status = 201, description = "Stored", body = Message),
        (status = 200, description = "A retry: the message stored the first time", body = Message),
        (status = 400, description = "The upload was cut off", body = ErrorEnvelope),
        (status = 403, description = "A direct chat in which one of the two blocked the other", body = ErrorEnvelope),
        (status = 404, description = "Not a member of the room", body = ErrorEnvelope),
        (status = 409, description = "client_msg_id already used in another room", body = ErrorEnvelope),
        (status = 413, description = "Over the size limit", body = ErrorEnvelope),
        (status = 422, description = "No name, an empty file, a file that claims to be an image and is not, or a broken image", body = ErrorEnvelope),
        (status = 429, description = "Too many messages: see Retry-After", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/rooms/{id}/attachments")]
pub async fn upload(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    id: web::Path<Uuid>,
    req: HttpRequest,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    state.send_limit.check(&auth.id.to_string()).await?;
    let headers = req.headers();
    let name =
        decoded(headers, "x-filename", "file").and_then(|n| file_name(&n.unwrap_or_default()));
    let cid = headers
        .get("x-client-msg-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let cid = ClientMsgId::parse(cid);
    let caption = decoded(headers, "x-caption", "caption").and_then(|c| match c {
        Some(c) if !c.trim().is_empty() => MessageBody::parse(&c, state.config.max_body_chars)
            .map_err(|e| Invalid::new("caption", e.message)),
        _ => Ok(MessageBody::empty()),
    });
    let (name, client_msg_id, caption) = match (name, cid, caption) {
        (Ok(n), Ok(c), Ok(t)) => (n, c, t),
        (n, c, t) => {
            return Err(ApiError::invalid(
                [n.err(), c.err(), t.err()].into_iter().flatten(),
            ));
        }
    };
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    let up = Upload {
        room_id: id.into_inner(),
        sender: auth.id,
        client_msg_id,
        name,
        declared,
        caption,
        length,
        request_id,
    };
    let (mut message, created) = attachments::upload(&state.store, &state.files, up, body).await?;
    state
        .files
        .links
        .sign_page(auth.id, std::slice::from_mut(&mut message));
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(message))
}

/// A download link's proof: when it expires, and its signature.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// When the link stops working (Unix seconds).
    pub expires: Option<i64>,
    /// Its signature (64 hexadecimal digits).
    pub signature: Option<String>,
}

/// Links to a message's file for the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentLink {
    pub url: String,
    /// For an image: its thumbnail's link.
    pub thumbnail_url: Option<String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

async fn serve(
    state: &AppState,
    auth: AuthUser,
    req: &HttpRequest,
    (room_id, seq): (Uuid, i64),
    link: LinkQuery,
    small: bool,
) -> ApiResult<HttpResponse> {
    let found = attachments::find(&state.store, auth.id, room_id, seq, small).await?;
    let signed = match (link.expires, link.signature.as_deref()) {
        (Some(expires), Some(signature)) => {
            let file = attachments::Linked {
                reader: auth.id,
                room_id,
                seq,
                id: found.id,
                small,
            };
            state.files.links.check(&file, expires, signature)
        }
        _ => false,
    };
    if !signed {
        return Err(ApiError::Forbidden(
            "this link is not yours or has expired: ask for a new one (.../attachment/link)".into(),
        ));
    }
    // A file never changes: its id is its version. Every request is checked (`no-cache`), and
    // a browser that holds it gets a 304 instead of the bytes, without the store being read.
    let etag = format!("\"{}{}\"", found.id, if small { "-t" } else { "" });
    let cached = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if cached {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "private, no-cache"))
            .finish());
    }
    let file = attachments::open(&state.files, room_id, found, small).await?;
    let a = &file.attachment;
    let (content_type, inline) = match file.thumbnail {
        true => ("image/jpeg", true),
        false => (
            a.content_type.as_str(),
            INLINE_IMAGES.contains(&a.content_type.as_str()),
        ),
    };
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        utf8_percent_encode(&a.name, NON_ALPHANUMERIC)
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::ETAG, etag))
        .no_chunking(file.length)
        .streaming(
            file.bytes
                .map_err(actix_web::error::ErrorInternalServerError),
        ))
}

/// The file of a message, through a link made for the caller (`url` in history and search
/// answers, or `.../attachment/link`): members, or anyone for a public room, checked on every
/// request.
/// Safe image types come inline, anything else as a download (`Content-Disposition:
/// attachment`), always with `X-Content-Type-Options: nosniff`.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq"), LinkQuery),
    responses(
        (status = 200, description = "The file's bytes, with its checked content type", content_type = "application/octet-stream"),
        (status = 403, description = "The link is not the caller's, or has expired", body = ErrorEnvelope),
        (status = 304, description = "Not modified (If-None-Match): the caller may still read it"),
        (status = 404, description = "No such room, message or file (or it was deleted)", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/{id}/messages/{seq}/attachment")]
pub async fn download(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: HttpRequest,
    path: web::Path<(Uuid, i64)>,
    link: web::Query<LinkQuery>,
) -> ApiResult<HttpResponse> {
    serve(
        &state,
        auth,
        &req,
        path.into_inner(),
        link.into_inner(),
        false,
    )
    .await
}

/// An image's thumbnail: a JPEG at most 320 px wide and high.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq"), LinkQuery),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/jpeg"),
        (status = 403, description = "The link is not the caller's, or has expired", body = ErrorEnvelope),
        (status = 304, description = "Not modified (If-None-Match): the caller may still read it"),
        (status = 404, description = "No such room, message or thumbnail", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/{id}/messages/{seq}/attachment/thumbnail")]
pub async fn thumbnail(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: HttpRequest,
    path: web::Path<(Uuid, i64)>,
    link: web::Query<LinkQuery>,
) -> ApiResult<HttpResponse> {
    serve(
        &state,
        auth,
        &req,
        path.into_inner(),
        link.into_inner(),
        true,
    )
    .await
}

/// Short-lived links (`ROOMS_ATTACHMENT_LINK_SECS`, 10 minutes) to a message's file and
/// thumbnail, for the caller alone: each still needs the caller's session, and the room is
/// checked again when it is used. History and search answers carry the same links already.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")),
    responses(
        (status = 200, body = AttachmentLink),
        (status = 404, description = "No such room, message or file (or it was deleted)", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/{id}/messages/{seq}/attachment/link")]
pub async fn attachment_link(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, i64)>,
) -> ApiResult<web::Json<AttachmentLink>> {
    let (room_id, seq) = path.into_inner();
    let mut file = attachments::find(&state.store, auth.id, room_id, seq, false).await?;
    let expires_at = state.files.links.sign(auth.id, room_id, seq, &mut file);
    Ok(web::Json(AttachmentLink {
        url: file.url.unwrap_or_default(),
        thumbnail_url: file.thumbnail_url,
        expires_at,
    }))
}
