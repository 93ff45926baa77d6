//! How a session reaches a browser: the access and refresh tokens as HttpOnly cookies, beside
//! the same tokens in the body for API clients. (Issuing sessions is [`crate::sessions`].)

use crate::config::Config;
use crate::sessions::Session;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use chat_http::auth::{ACCESS_COOKIE, REFRESH_COOKIE};

/// The path the refresh cookie is sent to: only the auth endpoints need it.
pub const REFRESH_COOKIE_PATH: &str = "/api/auth";

/// Answers with a session as HttpOnly cookies and in the body, never to be cached. A browser
/// (the request carries an `Origin` header, as every browser `fetch` that writes does) does not
/// get the refresh token in the body: a script that can read the body (an XSS) cannot carry the
/// long-lived token away; the cookie, which scripts cannot read, is all the app needs.
pub fn issued(
    req: &HttpRequest,
    status: StatusCode,
    mut session: Session,
    config: &Config,
) -> HttpResponse {
    let refresh_token = session.refresh_token.clone().unwrap_or_default();
    let cookies = [
        cookie(
            ACCESS_COOKIE,
            &session.access_token,
            "/",
            SameSite::Lax,
            config.access_ttl_secs,
            config.cookie_secure,
        ),
        cookie(
            REFRESH_COOKIE,
            &refresh_token,
            REFRESH_COOKIE_PATH,
            SameSite::Strict,
            config.refresh_ttl_secs,
            config.cookie_secure,
        ),
    ];
    if req.headers().contains_key(header::ORIGIN) {
        session.refresh_token = None;
    }
    let mut res = HttpResponse::build(status);
    // Tokens must not be kept by any cache, shared or the browser's.
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    for c in cookies {
        res.cookie(c);
    }
    res.json(session)
}

fn cookie(
    name: &'static str,
    value: &str,
    path: &'static str,
    same_site: SameSite,
    max_age: i64,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build(name, value.to_owned())
        .path(path)
        .http_only(true)
        .same_site(same_site)
        .secure(secure)
        .max_age(CookieDuration::seconds(max_age))
        .finish()
}

/// Expires both cookies.
pub fn cleared(mut res: HttpResponseBuilder, secure: bool) -> HttpResponse {
    for (name, path, same_site) in [
        (ACCESS_COOKIE, "/", SameSite::Lax),
        (REFRESH_COOKIE, REFRESH_COOKIE_PATH, SameSite::Strict),
    ] {
        let mut c = cookie(name, "", path, same_site, 0, secure);
        c.make_removal();
        res.cookie(c);
    }
    res.finish()
}
