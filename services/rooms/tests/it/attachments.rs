//! Files sent with messages: images checked, stripped of their metadata and given a thumbnail;
//! other files downloaded as files; the type read from the bytes; every download checked; and
//! nothing left behind by a refused, cut-off or deleted upload.

use crate::common::*;
use crate::forward::forward;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// A service whose files go to a directory of the test's own, with a size limit.
async fn spawn_files(max_bytes: u64) -> (TestApp, PathBuf) {
    spawn_swept(max_bytes, 0).await
}

/// The same, sweeping its files every `sweep_secs` seconds (0: never).
async fn spawn_swept(max_bytes: u64, sweep_secs: u64) -> (TestApp, PathBuf) {
    let db = chat_testkit::TestDb::new().await;
    let exchange = chat_testkit::test_exchange();
    let dir = std::env::temp_dir().join(format!("chat-files-{}", uuid::Uuid::new_v4()));
    let config = chat_rooms::Config {
        attachments_url: dir.to_string_lossy().into_owned(),
        attachment_max_bytes: max_bytes,
        attachment_sweep_secs: sweep_secs,
        ..config(&db, &exchange)
    };
    (spawn_with(config, db).await, dir)
}

/// Every file under `dir` (the store keeps `<room>/<file>`).
fn stored(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for room in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(room.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            out.push(f.path());
        }
    }
    out
}

async fn upload(
    app: &TestApp,
    user: &User,
    room: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
    cid: &str,
) -> chat_testkit::Reply {
    let encoded: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
    app.http
        .send(
            app.http
                .client
                .post(app.http.url(&format!("/api/rooms/{room}/attachments")))
                .bearer_auth(&user.token)
                .header("Content-Type", content_type)
                .header("X-Filename", encoded)
                .header("X-Client-Msg-Id", cid)
                .header("X-Caption", "look%20%F0%9F%91%80")
                .body(bytes),
        )
        .await
}

/// A 640×480 JPEG carrying an EXIF block that names a place.
fn photo_with_location() -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut jpeg = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut jpeg),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    let mut exif = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude=48.8584N;GPSLongitude=2.2945E".to_vec();
    exif.extend_from_slice(&[0; 16]);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&(exif.len() as u16 + 2).to_be_bytes());
    app1.extend_from_slice(&exif);
    [&jpeg[..2], &app1, &jpeg[2..]].concat()
}

/// A link to message `seq`'s file (or thumbnail) made for `user`.
async fn link(app: &TestApp, user: &User, room: &str, seq: i64, thumbnail: bool) -> String {
    let got = app
        .http
        .get(
            &format!("/api/rooms/{room}/messages/{seq}/attachment/link"),
            Some(&user.token),
        )
        .await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    let key = if thumbnail { "thumbnail_url" } else { "url" };
    got.body[key].as_str().expect("a link").to_owned()
}

/// Two descriptions of one file's bytes: its name, type, size and picture alike.
fn assert_same_file(a: &Value, b: &Value) {
    for key in [
        "name",
        "content_type",
        "size",
        "width",
        "height",
        "thumbnail",
    ] {
        assert_eq!(a[key], b[key], "{key}");
    }
}

/// `user` deletes the first message of `room`: the answer's status.
async fn delete_first(app: &TestApp, user: &User, room: &str) -> u16 {
    let path = format!("/api/rooms/{room}/messages/1");
    app.call(user, Method::DELETE, &path, None).await.status
}

async fn get(app: &TestApp, user: &User, path: &str) -> reqwest::Response {
    app.http
        .client
        .get(app.http.url(path))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_image_is_shown_inline_without_its_location_and_with_a_thumbnail() {
    let (app, dir) = spawn_files(20 * 1024 * 1024).await;
    let (a, b) = (app.user("at_a").await, app.user("at_b").await);
    let room = app.group(&a, "group", "Photos", &[&b]).await;
    let photo = photo_with_location();
    assert!(
        photo.windows(11).any(|w| w == b"GPSLatitude"),
        "the test photo has a location"
    );
    let id = cid();
    let sent = upload(
        &app,
        &a,
        &room,
        "../../eiffel tower.jpg",
        "image/jpeg",
        photo.clone(),
        &id,
    )
    .await;
    assert_eq!(sent.status, 201, "{:?}", sent.body);
    let file = &sent.body["attachment"];
    assert_eq!(sent.body["body"], "look 👀");
    assert_eq!(file["name"], "eiffel tower.jpg", "no directory");
    assert_eq!(
        (
            file["content_type"].clone(),
            file["width"].clone(),
            file["height"].clone()
        ),
        (json!("image/jpeg"), json!(640), json!(480))
    );
    assert_eq!(file["thumbnail"], true);
    let again = upload(
        &app,
        &a,
        &room,
        "eiffel tower.jpg",
        "image/jpeg",
        photo,
        &id,
    )
    .await;
    assert_eq!(
        (again.status, again.body["id"].clone()),
        (200, sent.body["id"].clone()),
        "a retry"
    );

    let history = app
        .http
        .get(&format!("/api/rooms/{room}/messages"), Some(&b.token))
        .await;
    let seen = &history.body["messages"][0]["attachment"];
    assert_eq!(seen["id"], file["id"]);
    assert_same_file(seen, file);
    // Links made for b: they need b's session, and they are b's alone.
    let b_url = seen["url"].as_str().expect("a link for b").to_owned();
    assert_ne!(
        Some(b_url.as_str()),
        file["url"].as_str(),
        "a's link is a's"
    );
    let unsigned = format!("/api/rooms/{room}/messages/1/attachment");
    assert_eq!(get(&app, &b, &unsigned).await.status(), 403, "no link");
    let a_url = file["url"].as_str().unwrap();
    assert_eq!(get(&app, &b, a_url).await.status(), 403, "a's link for b");
    let later = with_later_expiry(&b_url);
    assert_eq!(get(&app, &b, &later).await.status(), 403, "another expiry");
    let got = get(&app, &b, &b_url).await;
    assert_eq!(got.status(), 200);
    let h = got.headers().clone();
    assert_eq!(h["content-type"], "image/jpeg");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    let bytes = got.bytes().await.unwrap();
    assert_eq!(bytes.len() as i64, file["size"].as_i64().unwrap());
    assert!(
        !bytes.windows(11).any(|w| w == b"GPSLatitude"),
        "the location is gone"
    );
    assert_eq!(
        image::load_from_memory(&bytes).unwrap().width(),
        640,
        "still the picture"
    );
    let thumb = get(&app, &b, seen["thumbnail_url"].as_str().unwrap()).await;
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 240));
    // Checked on every request: a browser that holds it is told 304, an outsider 404.
    let etag = h["etag"].to_str().unwrap().to_owned();
    assert_eq!(h["cache-control"], "private, no-cache");
    let again = app
        .http
        .client
        .get(app.http.url(&b_url))
        .bearer_auth(&b.token)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(stored(&dir).len(), 2, "the image and its thumbnail");

    // Deleted with its message.
    assert_eq!(delete_first(&app, &a, &room).await, 204);
    assert!(stored(&dir).is_empty(), "{:?}", stored(&dir));
    assert_eq!(get(&app, &b, &b_url).await.status(), 404);
    let tomb = app
        .http
        .get(&format!("/api/rooms/{room}/messages"), Some(&b.token))
        .await;
    assert!(
        tomb.body["messages"][0].get("attachment").is_none(),
        "{:?}",
        tomb.body
    );
    // A picture smaller than a thumbnail is not made larger.
    let mut png = Vec::new();
    image::RgbImage::from_pixel(100, 80, image::Rgb([200, 10, 10]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let small = upload(&app, &a, &room, "dot.png", "image/png", png, &cid()).await;
    assert_eq!(small.status, 201, "{:?}", small.body);
    let seq = small.body["seq"].as_i64().unwrap();
    let thumb = get(&app, &b, &link(&app, &b, &room, seq, true).await).await;
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (100, 80));
}

#[tokio::test]
async fn other_files_download_as_files_and_what_lies_about_itself_is_refused() {
    let (app, dir) = spawn_files(20 * 1024 * 1024).await;
    let (a, b, o) = (
        app.user("af_a").await,
        app.user("af_b").await,
        app.user("af_o").await,
    );
    let room = app.group(&a, "group", "Files", &[&b]).await;
    let text = upload(
        &app,
        &a,
        &room,
        "notes.txt",
        "text/plain",
        b"hello there".to_vec(),
        &cid(),
    )
    .await;
    assert_eq!(text.status, 201, "{:?}", text.body);
    assert_eq!(text.body["attachment"]["content_type"], "text/plain");
    assert_eq!(text.body["attachment"]["thumbnail"], false);
    let script = upload(
        &app,
        &a,
        &room,
        "notes2.txt",
        "text/plain",
        b"<script>alert(1)</script>".to_vec(),
        &cid(),
    )
    .await;
    assert_eq!(
        script.body["attachment"]["content_type"], "application/octet-stream",
        "looks like HTML"
    );
    let html = upload(
        &app,
        &a,
        &room,
        "page.html",
        "text/html",
        b"<html><script>x()</script>".to_vec(),
        &cid(),
    )
    .await;
    assert_eq!(
        html.body["attachment"]["content_type"], "application/octet-stream",
        "not trusted as HTML"
    );
    let got = get(&app, &b, &link(&app, &b, &room, 3, false).await).await;
    assert!(
        got.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(got.headers()["content-type"], "application/octet-stream");
    assert_eq!(
        get(&app, &o, &link(&app, &b, &room, 1, false).await)
            .await
            .status(),
        404,
        "not a member, even with a member's link"
    );
    assert_eq!(
        upload(
            &app,
            &o,
            &room,
            "x.txt",
            "text/plain",
            b"hi".to_vec(),
            &cid()
        )
        .await
        .status,
        404
    );

    // An executable that says it is an image, a broken image, an empty file, no name.
    let mut elf = b"\x7fELF\x02\x01\x01\0".to_vec();
    elf.extend_from_slice(&[0; 120]);
    let fake = upload(&app, &a, &room, "cat.png", "image/png", elf, &cid()).await;
    assert_eq!(fake.status, 422, "{:?}", fake.body);
    assert!(
        fake.body["error"]["fields"]["file"].is_string(),
        "{:?}",
        fake.body
    );
    let mut broken = b"\x89PNG\r\n\x1a\n".to_vec();
    broken.extend_from_slice(&[7; 200]);
    assert_eq!(
        upload(&app, &a, &room, "broken.png", "image/png", broken, &cid())
            .await
            .status,
        422
    );
    assert_eq!(
        upload(&app, &a, &room, "empty.txt", "text/plain", vec![], &cid())
            .await
            .status,
        422
    );
    assert_eq!(
        upload(&app, &a, &room, "/", "text/plain", b"x".to_vec(), &cid())
            .await
            .status,
        422
    );
    assert_eq!(
        stored(&dir).len(),
        3,
        "only the three files that were sent: {:?}",
        stored(&dir)
    );
}

#[tokio::test]
async fn too_large_or_cut_off_leaves_nothing() {
    let (app, dir) = spawn_files(1000).await;
    let a = app.user("az_a").await;
    let room = app.group(&a, "group", "Small", &[]).await;
    let big = upload(
        &app,
        &a,
        &room,
        "big.bin",
        "application/octet-stream",
        vec![1; 1001],
        &cid(),
    )
    .await;
    assert_eq!(big.status, 413, "{:?}", big.body);
    assert_eq!(
        upload(
            &app,
            &a,
            &room,
            "ok.bin",
            "application/octet-stream",
            vec![1; 1000],
            &cid()
        )
        .await
        .status,
        201
    );

    // A client that promises 900 bytes, sends 300 and goes away.
    let base = app.http.url("");
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/rooms/{room}/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/octet-stream\r\nX-Filename: cut.bin\r\nX-Client-Msg-Id: {}\r\n\
         Content-Length: 900\r\n\r\n",
        a.token,
        cid()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&[2; 300]).await.unwrap();
    tcp.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(tcp);
    let history = chat_testkit::eventually(Duration::from_secs(10), || async {
        let page: Value = app
            .http
            .get(&format!("/api/rooms/{room}/messages"), Some(&a.token))
            .await
            .body;
        (page["messages"].as_array().map_or(0, Vec::len) == 1).then_some(page)
    })
    .await;
    assert!(history.is_some(), "only the message that was sent whole");
    // The cut-off upload is aborted: its part file goes too.
    let left = chat_testkit::eventually(Duration::from_secs(10), || async {
        (stored(&dir).len() == 1).then_some(())
    })
    .await;
    assert!(left.is_some(), "{:?}", stored(&dir));
}

/// The same link with its expiry a second later (its signature no longer matches).
fn with_later_expiry(url: &str) -> String {
    let (head, rest) = url.split_once("expires=").unwrap();
    let (expires, tail) = rest.split_once('&').unwrap();
    let later: i64 = expires.parse::<i64>().unwrap() + 1;
    format!("{head}expires={later}&{tail}")
}

#[tokio::test]
async fn a_forwarded_file_is_a_copy_of_its_own() {
    let (app, dir) = spawn_files(1 << 20).await;
    let (a, b, c) = (
        app.user("ff_a").await,
        app.user("ff_b").await,
        app.user("ff_c").await,
    );
    let group = app.group(&a, "group", "Photos", &[&b]).await;
    let dm = app.direct(&b, &c).await["id"].as_str().unwrap().to_owned();
    let sent = upload(
        &app,
        &a,
        &group,
        "photo.jpg",
        "image/jpeg",
        photo_with_location(),
        &cid(),
    )
    .await;
    assert_eq!(sent.status, 201, "{:?}", sent.body);
    let original = get(&app, &a, &link(&app, &a, &group, 1, false).await).await;
    let original = original.bytes().await.unwrap();

    // B forwards it to C, who is not in the group: C gets the file and its thumbnail, with
    // links of their own in the answer B gets.
    let copy = forward(&app, &b, &dm, &sent.body, &cid()).await;
    assert_eq!(copy.status, 201, "{:?}", copy.body);
    let (file, first) = (&copy.body["attachment"], &sent.body["attachment"]);
    assert_ne!(file["id"], first["id"], "the copy is a file of its own");
    assert_same_file(file, first);
    assert_eq!(copy.body["body"], sent.body["body"]);
    assert!(
        file["url"]
            .as_str()
            .is_some_and(|u| u.starts_with(&format!("/api/rooms/{dm}/messages/1/attachment?"))),
        "{file}"
    );
    assert_eq!(stored(&dir).len(), 4, "two files and two thumbnails");
    // The original's link opens nothing for C (a room C may not read is as missing).
    let theirs = link(&app, &a, &group, 1, false).await;
    assert_eq!(get(&app, &c, &theirs).await.status(), 404);

    // Deleting the original leaves the copy whole.
    assert_eq!(delete_first(&app, &a, &group).await, 204);
    assert_eq!(stored(&dir).len(), 2, "{:?}", stored(&dir));
    let got = get(&app, &c, &link(&app, &c, &dm, 1, false).await).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap(), original);
    let thumb = get(&app, &c, &link(&app, &c, &dm, 1, true).await).await;
    assert_eq!(thumb.status(), 200);

    // A deleted message is not forwarded; deleting the copy deletes its file.
    let again = forward(&app, &b, &dm, &sent.body, &cid()).await;
    assert_eq!(again.status, 404, "{:?}", again.body);
    assert_eq!(delete_first(&app, &b, &dm).await, 204);
    assert!(stored(&dir).is_empty(), "{:?}", stored(&dir));
}

/// Puts a file into the store's directory as if written `age` ago.
fn planted(path: &Path, age: Duration) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, b"left behind").unwrap();
    aged(path, age);
}

fn aged(path: &Path, age: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(std::time::SystemTime::now() - age)
        .unwrap();
}

#[tokio::test]
async fn the_sweep_removes_what_nothing_carries_and_nothing_else() {
    let (app, dir) = spawn_swept(1 << 20, 1).await;
    let a = app.user("sw_a").await;
    let kept_room = app.group(&a, "group", "Kept", &[]).await;
    let gone_room = app.group(&a, "group", "Gone", &[]).await;
    let photo = photo_with_location();
    for room in [&kept_room, &gone_room] {
        let sent = upload(&app, &a, room, "p.jpg", "image/jpeg", photo.clone(), &cid()).await;
        assert_eq!(sent.status, 201, "{:?}", sent.body);
    }
    // A file a message carries stays however old it is.
    let kept: Vec<PathBuf> = stored(&dir)
        .into_iter()
        .filter(|p| p.starts_with(dir.join(&kept_room)))
        .collect();
    assert_eq!(kept.len(), 2, "the file and its thumbnail");
    for p in &kept {
        aged(p, Duration::from_secs(7200));
    }
    // A deleted room's files go, whatever their age.
    let deleted = app
        .call(&a, Method::DELETE, &format!("/api/rooms/{gone_room}"), None)
        .await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    // What no message carries: young (an upload may be about to commit its message) stays;
    // old goes, with its thumbnail. Not ours (another layout) stays.
    let young = dir.join(&kept_room).join(uuid::Uuid::new_v4().to_string());
    planted(&young, Duration::ZERO);
    let foreign = dir.join("notes.txt");
    planted(&foreign, Duration::from_secs(7200));
    let orphan = uuid::Uuid::new_v4();
    let orphan_thumb = dir.join(&kept_room).join(format!("{orphan}.thumbnail"));
    planted(&orphan_thumb, Duration::from_secs(7200));
    let orphan = dir.join(&kept_room).join(orphan.to_string());
    planted(&orphan, Duration::from_secs(7200));

    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while orphan.exists()
        || orphan_thumb.exists()
        || dir
            .join(&gone_room)
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
    {
        assert!(
            std::time::Instant::now() < deadline,
            "swept: {:?}",
            stored(&dir)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for p in kept.iter().chain([&young, &foreign]) {
        assert!(p.exists(), "{p:?} was swept");
    }
    let got = get(&app, &a, &link(&app, &a, &kept_room, 1, false).await).await;
    assert_eq!(got.status(), 200);
}
