//! Issuing tokens: EdDSA access tokens with a key id, opaque refresh tokens stored hashed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chat_http::auth::{Claims, ISSUER, key_id};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub struct Signer {
    key: EncodingKey,
    kid: String,
    pub access_ttl_secs: i64,
}

impl Signer {
    pub fn from_pems(
        private_pem: &str,
        public_pem: &str,
        access_ttl_secs: i64,
    ) -> Result<Self, String> {
        let key = EncodingKey::from_ed_pem(private_pem.as_bytes()).map_err(|e| e.to_string())?;
        Ok(Self {
            key,
            kid: key_id(public_pem),
            access_ttl_secs,
        })
    }

    pub fn access_token(
        &self,
        user_id: Uuid,
        username: &str,
        role: &str,
        session: Uuid,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id,
            name: username.to_owned(),
            role: role.to_owned(),
            iss: ISSUER.to_owned(),
            iat: now,
            exp: now + self.access_ttl_secs,
            sid: Some(session),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.key)
    }
}

/// A new opaque token (256 random bits, URL-safe) and the hash that is stored: refresh tokens
/// and Telegram link tokens.
pub fn new_opaque_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}
