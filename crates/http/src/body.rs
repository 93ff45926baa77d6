//! JSON bodies read as objects only, one of them optional.
//!
//! serde reads a struct from a JSON array of its fields in order as well as from an object, so
//! `[null, null]` was a valid (empty) update of a struct of options: these take an object only.

use actix_web::dev::Payload;
use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// `T` from a JSON object; anything else is the client's error (422, as `web::Json` answers a
/// body of the wrong shape).
fn from_object<T: DeserializeOwned>(map: Map<String, Value>) -> Result<T, crate::ApiError> {
    serde_json::from_value(Value::Object(map)).map_err(|e| {
        crate::ApiError::Validation(BTreeMap::from([("body".to_owned(), e.to_string())]))
    })
}

/// A JSON body that must be an object of `T`.
pub struct ObjectJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ObjectJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<Map<String, Value>>::from_request(req, payload);
        Box::pin(async move { Ok(Self(from_object(json.await?.into_inner())?)) })
    }
}

/// A JSON body that may be left out: no body at all (or an empty one) is `None`; a body that is
/// there must be an object of `T`, refused as `web::Json` refuses it (415, 400, 422). Unlike
/// `Option<web::Json<T>>`, which takes any body it cannot read for a missing one.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let length = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let absent =
            length == Some(0) || (length.is_none() && !headers.contains_key(TRANSFER_ENCODING));
        if absent {
            return Box::pin(async { Ok(Self(None)) });
        }
        let json = web::Json::<Map<String, Value>>::from_request(req, payload);
        Box::pin(async move { Ok(Self(Some(from_object(json.await?.into_inner())?))) })
    }
}

impl<T> std::ops::Deref for ObjectJson<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
