use chat_http::auth::{Claims, ISSUER, key_id};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use uuid::Uuid;

/// The test process's signing key pair, on disk so services can read it like in production.
pub struct Keys {
    pub private_file: String,
    pub public_file: String,
    pub private_pem: String,
    pub public_pem: String,
}

/// Generated once per test process with openssl.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("chat-test-keys-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("create key dir");
        let private: PathBuf = dir.join("private.pem");
        let public: PathBuf = dir.join("public.pem");
        let ok = Command::new("openssl")
            .args(["genpkey", "-algorithm", "ed25519", "-out"])
            .arg(&private)
            .status()
            .expect("run openssl")
            .success()
            && Command::new("openssl")
                .args(["pkey", "-pubout", "-in"])
                .arg(&private)
                .arg("-out")
                .arg(&public)
                .status()
                .expect("run openssl")
                .success();
        assert!(ok, "openssl could not make a key pair");
        Keys {
            private_pem: std::fs::read_to_string(&private).expect("read key"),
            public_pem: std::fs::read_to_string(&public).expect("read key"),
            private_file: private.to_string_lossy().into_owned(),
            public_file: public.to_string_lossy().into_owned(),
        }
    })
}

/// Signs an access token for `user` that expires in `ttl_secs` (negative: already expired).
pub fn mint_token(user: Uuid, name: &str, ttl_secs: i64) -> String {
    mint_session_token(user, name, ttl_secs, None)
}

/// [`mint_token`] for a session (`sid`), which a revocation of that session makes useless.
pub fn mint_session_token(user: Uuid, name: &str, ttl_secs: i64, session: Option<Uuid>) -> String {
    let k = keys();
    let now = chrono_now();
    let claims = Claims {
        sub: user,
        name: name.to_owned(),
        role: "user".to_owned(),
        iss: ISSUER.to_owned(),
        iat: now,
        exp: now + ttl_secs,
        sid: session,
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(key_id(&k.public_pem));
    let key = EncodingKey::from_ed_pem(k.private_pem.as_bytes()).expect("test key");
    jsonwebtoken::encode(&header, &claims, &key).expect("sign")
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}
