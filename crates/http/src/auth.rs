//! Access tokens: verification with public keys only, and the `AuthUser` extractor.
//!
//! auth signs EdDSA tokens whose header names the key (`kid`); every service holds the public
//! keys only, so no other service can mint a token. Several keys may be trusted at once so a
//! key can be rotated without logging everybody out.

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::future::{Ready, ready};
use std::sync::{Arc, RwLock};
use uuid::Uuid;

/// The issuer every access token names.
pub const ISSUER: &str = "chat-auth";
/// The cookie that carries the access token for browsers.
pub const ACCESS_COOKIE: &str = "chat_access";
/// The cookie that carries the refresh token for browsers.
pub const REFRESH_COOKIE: &str = "chat_refresh";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// The username, for logs and display.
    pub name: String,
    /// `user` or `admin`.
    pub role: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    /// The session (refresh-token family) the token was issued to, so "revoke my other
    /// sessions" can spare this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

/// The key id of a public key: a short hash of its PEM text, so signer and verifiers agree
/// without configuring ids by hand.
pub fn key_id(public_pem: &str) -> String {
    let digest = Sha256::digest(public_pem.trim().as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid")]
    Invalid,
    /// Its session was ended (logged out, logged out everywhere, password changed, account
    /// deactivated) before the token expired.
    #[error("the session was ended")]
    Revoked,
}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> Self {
        Self::Unauthorized(
            match e {
                TokenError::Expired => "the access token has expired",
                TokenError::Invalid => "the access token is not valid",
                TokenError::Revoked => "the session was ended: log in again",
            }
            .into(),
        )
    }
}

/// The longest an access token may live (auth refuses a longer `AUTH_ACCESS_TTL_SECS`): how
/// long a revoked session must be remembered, since no token of it can outlive that.
pub const MAX_ACCESS_TTL_SECS: i64 = 86_400;

/// The sessions ended before their access tokens expired, as this process knows them: auth
/// adds to it as it revokes, every service learns of the rest from `session.revoked` events and
/// reloads it from the database whenever its event queue is (re)made (`chat_bus::revocations`).
/// Each entry is kept until no token of that session can still be valid. Shared by every clone.
#[derive(Clone, Default)]
pub struct Revocations(Arc<RwLock<RevokedSessions>>);

#[derive(Default)]
struct RevokedSessions {
    /// Session id to the unix time after which none of its tokens can be valid.
    until: HashMap<Uuid, i64>,
    /// The size after the last pruning: the next prunes when it has doubled.
    pruned_at_len: usize,
}

impl Revocations {
    /// Records sessions revoked at `revoked_at` (unix seconds).
    pub fn revoke(&self, sessions: impl IntoIterator<Item = Uuid>, revoked_at: i64) {
        let until = revoked_at + MAX_ACCESS_TTL_SECS + LEEWAY_SECS as i64;
        let mut inner = self.0.write().unwrap_or_else(|e| e.into_inner());
        for session in sessions {
            let entry = inner.until.entry(session).or_insert(until);
            *entry = (*entry).max(until);
        }
        if inner.until.len() > (inner.pruned_at_len * 2).max(1024) {
            let now = chrono::Utc::now().timestamp();
            inner.until.retain(|_, until| *until > now);
            inner.pruned_at_len = inner.until.len();
        }
    }

    /// Whether the session was revoked.
    pub fn contains(&self, session: &Uuid) -> bool {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .until
            .contains_key(session)
    }

    /// How many sessions are remembered.
    pub fn len(&self) -> usize {
        self.0.read().unwrap_or_else(|e| e.into_inner()).until.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Seconds of clock skew allowed on `exp`.
const LEEWAY_SECS: u64 = 5;

/// How many verified tokens a verifier keeps (under 1 KiB each).
const VERIFIED_KEPT: u64 = 20_000;

/// Verifies access tokens against the trusted public keys, and refuses those of revoked
/// sessions.
///
/// A token's signature is checked once: the claims of a verified token are kept, by the
/// token's SHA-256, until it expires (or is pushed out by newer ones), since checking an
/// Ed25519 signature cost the rooms service about 40 us a request, 7 % of its CPU on history
/// pages. Expiry and revocation are still checked on every use; only a token that verified is
/// kept, so a bad one costs its full check each time.
#[derive(Clone)]
pub struct JwtVerifier {
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
    revoked: Revocations,
    /// `None` where tokens are not kept ([`Self::keeping_none`]).
    verified: Option<moka::sync::Cache<[u8; 32], Arc<Claims>>>,
}

impl JwtVerifier {
    /// Builds a verifier from PEM-encoded Ed25519 public keys.
    pub fn from_pems<'a>(pems: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut keys = HashMap::new();
        for pem in pems {
            let key = DecodingKey::from_ed_pem(pem.as_bytes()).map_err(|e| e.to_string())?;
            keys.insert(key_id(pem), key);
        }
        if keys.is_empty() {
            return Err("no public key given (JWT_PUBLIC_KEY_FILES)".to_owned());
        }
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = LEEWAY_SECS;
        Ok(Self {
            keys,
            validation,
            revoked: Revocations::default(),
            verified: Some(
                moka::sync::Cache::builder()
                    .max_capacity(VERIFIED_KEPT)
                    .time_to_live(std::time::Duration::from_secs(MAX_ACCESS_TTL_SECS as u64))
                    .build(),
            ),
        })
    }

    /// Reads the key files named in `JWT_PUBLIC_KEY_FILES`.
    pub fn from_files(paths: &[String]) -> Result<Self, String> {
        let pems = paths
            .iter()
            .map(|p| std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_pems(pems.iter().map(String::as_str))
    }

    /// This verifier checks every token in full and keeps none: for a service that sees a
    /// token once per connection (the gateway), where keeping them would only cost memory
    /// (19,000 idle sockets, 19,000 tokens).
    pub fn keeping_none(mut self) -> Self {
        self.verified = None;
        self
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_at(token, chrono::Utc::now().timestamp())
    }

    /// [`Self::verify`] as at `now` (seconds since the epoch) for what was verified before.
    fn verify_at(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let claims = match &self.verified {
            None => self.check_signature(token)?,
            Some(verified) => {
                let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
                match verified.get(&digest) {
                    // As `jsonwebtoken` judges `exp`: expired once past it by more than the leeway.
                    Some(kept) if kept.exp < now - LEEWAY_SECS as i64 => {
                        return Err(TokenError::Expired);
                    }
                    Some(kept) => Claims::clone(&kept),
                    None => {
                        let claims = self.check_signature(token)?;
                        verified.insert(digest, Arc::new(claims.clone()));
                        claims
                    }
                }
            }
        };
        if claims.sid.is_some_and(|sid| self.revoked.contains(&sid)) {
            return Err(TokenError::Revoked);
        }
        Ok(claims)
    }

    /// The full check: the key the header names, the signature, the issuer and `exp`.
    fn check_signature(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.keys.get(kid))
            .ok_or(TokenError::Invalid)?;
        jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }

    /// The revoked sessions this verifier refuses (shared with its clones).
    pub fn revocations(&self) -> &Revocations {
        &self.revoked
    }
}

/// What `AuthUser` needs: the verifier and the origins allowed to use cookie authentication.
#[derive(Clone)]
pub struct AuthSettings {
    pub verifier: JwtVerifier,
    pub allowed_origins: Vec<String>,
}

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Bearer,
    Cookie,
}

/// The authenticated caller. Extracting it fails with 401 when there is no valid token, and
/// with 403 when a state-changing request authenticated by cookie comes from a foreign origin.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub username: String,
    pub role: String,
    pub via: Via,
    /// The raw access token, so the gateway can act for this user and no one else.
    pub token: String,
    pub expires_at: i64,
    /// The session the token belongs to.
    pub session: Option<Uuid>,
}

impl AuthUser {
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

/// The bearer token or cookie a request carries, and how.
pub fn token_of(req: &HttpRequest) -> Option<(String, Via)> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))?;
        return Some((token.trim().to_owned(), Via::Bearer));
    }
    req.cookie(ACCESS_COOKIE)
        .map(|c| (c.value().to_owned(), Via::Cookie))
}

/// Whether the request's Origin (or, failing that, Referer) is allowed.
pub fn origin_allowed(req: &HttpRequest, allowed: &[String]) -> bool {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
            let url = referer.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
            Some(url)
        });
    origin.is_some_and(|o| allowed.iter().any(|a| a == &o))
}

fn authenticate(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let settings = req
        .app_data::<web::Data<AuthSettings>>()
        .ok_or_else(|| ApiError::bug("AuthSettings missing from app data"))?;
    let (token, via) =
        token_of(req).ok_or_else(|| ApiError::Unauthorized("authentication required".into()))?;
    let claims = settings.verifier.verify(&token)?;
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if via == Via::Cookie && !safe && !origin_allowed(req, &settings.allowed_origins) {
        return Err(ApiError::Forbidden(
            "cross-site request refused: the Origin is not allowed".into(),
        ));
    }
    Ok(AuthUser {
        id: claims.sub,
        username: claims.name,
        role: claims.role,
        via,
        token,
        expires_at: claims.exp,
        session: claims.sid,
    })
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

/// What internal endpoints accept: the service credential (`SERVICE_TOKEN_FILE`).
#[derive(Clone, Default)]
pub struct ServiceSettings {
    /// SHA-256 of the credential; `None` refuses every call.
    digest: Option<[u8; 32]>,
}

impl ServiceSettings {
    pub fn new(token: Option<&crate::config::Secret>) -> Self {
        Self {
            digest: token.map(|t| Sha256::digest(t.expose().as_bytes()).into()),
        }
    }
}

/// A caller that proved it is one of our services (`Authorization: Bearer <service token>`).
/// Users' tokens never pass: internal endpoints are for services only.
#[derive(Debug, Clone, Copy)]
pub struct ServiceCaller;

fn authenticate_service(req: &HttpRequest) -> Result<ServiceCaller, ApiError> {
    let settings = req
        .app_data::<web::Data<ServiceSettings>>()
        .ok_or_else(|| ApiError::bug("ServiceSettings missing from app data"))?;
    let refused = || ApiError::Unauthorized("a service credential is required".into());
    let expected = settings.digest.ok_or_else(refused)?;
    let (token, via) = token_of(req).ok_or_else(refused)?;
    // Comparing digests keeps the comparison's timing independent of the secret.
    let given: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    if via != Via::Bearer || given != expected {
        return Err(refused());
    }
    Ok(ServiceCaller)
}

impl FromRequest for ServiceCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate_service(req))
    }
}

/// The header a service names the user it acts for with (see [`Actor`]).
pub const ACTING_USER: &str = "x-acting-user";

/// Whom a request acts for: a user with their own token, or a service (the gateway) acting for
/// a user connected to it, with the service credential and `X-Acting-User: <user id>`. Only
/// the few endpoints a service uses for its users take this instead of [`AuthUser`].
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub id: Uuid,
    /// Whether a service made the call.
    pub by_service: bool,
}

fn authenticate_actor(req: &HttpRequest) -> Result<Actor, ApiError> {
    let Some(acting) = req.headers().get(ACTING_USER) else {
        return authenticate(req).map(|user| Actor {
            id: user.id,
            by_service: false,
        });
    };
    authenticate_service(req)?;
    let id = acting
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ApiError::BadRequest("X-Acting-User must be a user id".into()))?;
    Ok(Actor {
        id,
        by_service: true,
    })
}

impl FromRequest for Actor {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate_actor(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signed token for `sub` with these times, and a verifier that trusts its key; built
    /// here (not with the testkit, which depends on this crate) from a key made by openssl.
    fn signed(exp_in: i64, sid: Option<Uuid>) -> (JwtVerifier, String, Claims) {
        let dir = std::env::temp_dir().join(format!("chat-http-keys-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("key dir");
        let private = dir.join("private.pem");
        let public = dir.join("public.pem");
        let run = |args: &[&std::ffi::OsStr]| {
            std::process::Command::new("openssl")
                .args(args)
                .status()
                .expect("run openssl")
                .success()
        };
        assert!(run(&[
            "genpkey".as_ref(),
            "-algorithm".as_ref(),
            "ed25519".as_ref(),
            "-out".as_ref(),
            private.as_os_str()
        ]));
        assert!(run(&[
            "pkey".as_ref(),
            "-pubout".as_ref(),
            "-in".as_ref(),
            private.as_os_str(),
            "-out".as_ref(),
            public.as_os_str()
        ]));
        let private_pem = std::fs::read_to_string(&private).expect("read key");
        let public_pem = std::fs::read_to_string(&public).expect("read key");
        let _ = std::fs::remove_dir_all(&dir);
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: Uuid::new_v4(),
            name: "ann".to_owned(),
            role: "user".to_owned(),
            iss: ISSUER.to_owned(),
            iat: now,
            exp: now + exp_in,
            sid,
        };
        let mut header = jsonwebtoken::Header::new(Algorithm::EdDSA);
        header.kid = Some(key_id(&public_pem));
        let key = jsonwebtoken::EncodingKey::from_ed_pem(private_pem.as_bytes()).expect("key");
        let token = jsonwebtoken::encode(&header, &claims, &key).expect("sign");
        let verifier = JwtVerifier::from_pems([public_pem.as_str()]).expect("verifier");
        (verifier, token, claims)
    }

    fn digest_of(token: &str) -> [u8; 32] {
        Sha256::digest(token.as_bytes()).into()
    }

    #[test]
    fn a_kept_token_is_still_refused_once_expired_or_revoked_and_a_forged_one_is_never_kept() {
        let sid = Uuid::new_v4();
        let (verifier, token, claims) = signed(600, Some(sid));
        assert_eq!(verifier.verify(&token), Ok(claims.clone()));
        let kept = verifier.verified.clone().expect("kept by default");
        assert_eq!(kept.get(&digest_of(&token)).as_deref(), Some(&claims));
        // Served from what was kept: the same claims, until it expires (past the leeway)...
        let now = chrono::Utc::now().timestamp();
        assert_eq!(
            verifier.verify_at(&token, now + 600 + LEEWAY_SECS as i64),
            Ok(claims)
        );
        assert_eq!(
            verifier.verify_at(&token, now + 602 + LEEWAY_SECS as i64),
            Err(TokenError::Expired)
        );
        // ...or its session is revoked, in this verifier or a clone of it.
        verifier.clone().revocations().revoke([sid], now);
        assert_eq!(verifier.verify(&token), Err(TokenError::Revoked));
        // A verifier that keeps nothing checks in full, and shares the revocations.
        let plain = verifier.clone().keeping_none();
        assert!(plain.verified.is_none());
        assert_eq!(plain.verify(&token), Err(TokenError::Revoked));

        // A token whose signature does not match is refused, every time, and never kept.
        let (_, other, _) = signed(600, None);
        let (head_and_claims, _) = token.rsplit_once('.').expect("a JWT");
        let (_, other_signature) = other.rsplit_once('.').expect("a JWT");
        let forged = format!("{head_and_claims}.{other_signature}");
        for _ in 0..2 {
            assert_eq!(verifier.verify(&forged), Err(TokenError::Invalid));
        }
        assert!(kept.get(&digest_of(&forged)).is_none());
    }
}
