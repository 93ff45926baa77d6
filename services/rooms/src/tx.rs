//! The error type of the service's transactions: an API error decided inside, or a database
//! error the caller may want to look at (a unique violation on a retried send).

use chat_db::DbError;
use chat_http::ApiError;

#[derive(Debug)]
pub enum TxError {
    Api(ApiError),
    Db(DbError),
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(e))
    }
}

impl From<DbError> for TxError {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

impl From<ApiError> for TxError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<TxError> for ApiError {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Api(e) => e,
            TxError::Db(e) => e.into(),
        }
    }
}
