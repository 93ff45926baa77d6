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

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid")]
    Invalid,
}

/// Verifies access tokens against the trusted public keys.
#[derive(Clone)]
pub struct JwtVerifier {
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
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
        validation.leeway = 5;
        Ok(Self { keys, validation })
    }

    /// Reads the key files named in `JWT_PUBLIC_KEY_FILES`.
    pub fn from_files(paths: &[String]) -> Result<Self, String> {
        let pems = paths
            .iter()
            .map(|p| std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_pems(pems.iter().map(String::as_str))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
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
    let claims = settings.verifier.verify(&token).map_err(|e| match e {
        TokenError::Expired => ApiError::Unauthorized("the access token has expired".into()),
        TokenError::Invalid => ApiError::Unauthorized("the access token is not valid".into()),
    })?;
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
