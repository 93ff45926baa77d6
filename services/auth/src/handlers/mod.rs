pub mod get_user;
pub mod list_users;
pub mod login;
pub mod logout;
pub mod me;
pub mod refresh;
pub mod register;
