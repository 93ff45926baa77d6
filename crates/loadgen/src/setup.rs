//! Users, tokens and rooms for a scenario. Users are inserted in bulk (one bcrypt hash shared
//! by all, so seeding does not take hours at the real cost) and given access tokens signed with
//! the stack's own key, as auth would sign them; rooms are made through the public API.

use crate::Env;
use anyhow::{Context, bail};
use chat_http::auth::{Claims, ISSUER, key_id};
use diesel::sql_types::{Array, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use uuid::Uuid;

/// The password of every benchmark user.
pub const PASSWORD: &str = "bench-password-1";

#[derive(Clone, Debug)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub token: String,
}

pub struct Setup {
    pub env: Env,
    pub http: reqwest::Client,
    key: EncodingKey,
    kid: String,
    /// Names this run's users apart from earlier runs' in the same database.
    pub tag: String,
    /// Names each batch of users apart within the run.
    batches: std::sync::atomic::AtomicU32,
}

impl Setup {
    pub fn new(env: &Env) -> anyhow::Result<Self> {
        let private = std::fs::read(format!("{}/jwt-private.pem", env.keys_dir))
            .context("reading the stack's jwt-private.pem")?;
        let public = std::fs::read_to_string(format!("{}/jwt-public.pem", env.keys_dir))
            .context("reading the stack's jwt-public.pem")?;
        Ok(Self {
            env: env.clone(),
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(256)
                .timeout(std::time::Duration::from_secs(30))
                .build()?,
            key: EncodingKey::from_ed_pem(&private)?,
            kid: key_id(&public),
            tag: Uuid::new_v4().simple().to_string()[..8].to_owned(),
            batches: std::sync::atomic::AtomicU32::new(0),
        })
    }

    pub async fn db(&self) -> anyhow::Result<AsyncPgConnection> {
        Ok(AsyncPgConnection::establish(&self.env.database_url).await?)
    }

    /// An access token for `user`, valid for two hours.
    pub fn token(&self, id: Uuid, username: &str) -> anyhow::Result<String> {
        let now = crate::stats::now_ns() as i64 / 1_000_000_000;
        let claims = Claims {
            sub: id,
            name: username.to_owned(),
            role: "user".to_owned(),
            iss: ISSUER.to_owned(),
            iat: now,
            exp: now + 7200,
            sid: None,
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, &self.key)?)
    }

    /// Inserts `n` users named `<label>_<tag><batch>_<i>` whose password hash is `hash`.
    pub async fn users(&self, label: &str, n: usize, hash: &str) -> anyhow::Result<Vec<User>> {
        let batch = self
            .batches
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
        let names: Vec<String> = (0..n)
            .map(|i| format!("{label}_{}{batch}_{i}", self.tag))
            .collect();
        let mut conn = self.db().await?;
        for (ids, names) in ids.chunks(5000).zip(names.chunks(5000)) {
            diesel::sql_query(
                "INSERT INTO users (id, username, email, display_name, password_hash, role, \
                 notifications_enabled) \
                 SELECT id, name, name || '@bench.invalid', name, $3, 'user', false \
                 FROM unnest($1, $2) AS t(id, name)",
            )
            .bind::<Array<SqlUuid>, _>(ids)
            .bind::<Array<Text>, _>(names)
            .bind::<Text, _>(hash)
            .execute(&mut conn)
            .await
            .context("inserting users")?;
        }
        ids.into_iter()
            .zip(names)
            .map(|(id, username)| {
                Ok(User {
                    token: self.token(id, &username)?,
                    id,
                    username,
                })
            })
            .collect()
    }

    /// A hash of [`PASSWORD`] at the cheapest cost: for users that never log in.
    pub fn cheap_hash() -> anyhow::Result<String> {
        Ok(bcrypt::hash(PASSWORD, 4)?)
    }

    /// Calls the public API; anything but a 2xx is an error.
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.env.http))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await?;
        let status = res.status();
        let text = res.text().await?;
        if !status.is_success() {
            bail!("{method} {path}: {status} {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A direct chat for each pair (opened by the first), in order.
    pub async fn direct_chats<'a>(
        &self,
        pairs: impl Iterator<Item = (&'a User, &'a User)>,
    ) -> anyhow::Result<Vec<Uuid>> {
        let calls = pairs.map(|(a, b)| async move {
            let body = json!({ "user_id": b.id });
            let room = self
                .api(
                    reqwest::Method::POST,
                    "/api/rooms/direct",
                    &a.token,
                    Some(body),
                )
                .await?;
            room_id(&room)
        });
        futures_util::stream::iter(calls)
            .buffered(32)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect()
    }

    /// A public room owned by `owner` that every one of `members` joins.
    pub async fn public_room(
        &self,
        name: &str,
        owner: &User,
        members: &[User],
    ) -> anyhow::Result<Uuid> {
        let room = self
            .api(
                reqwest::Method::POST,
                "/api/rooms",
                &owner.token,
                Some(json!({ "kind": "public", "name": name })),
            )
            .await?;
        let id = room_id(&room)?;
        let joins = members
            .iter()
            .filter(|m| m.id != owner.id)
            .map(|m| async move {
                let path = format!("/api/rooms/{id}/join");
                self.api(reqwest::Method::POST, &path, &m.token, None).await
            });
        for r in futures_util::stream::iter(joins)
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await
        {
            r?;
        }
        Ok(id)
    }
}

fn room_id(room: &Value) -> anyhow::Result<Uuid> {
    room["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no room id in {room}"))
}
