#![doc = include_str!("../README.md")]

pub mod api;
pub mod emoji;
pub mod entities;
pub mod events;
pub mod mentions;
pub mod paging;
pub mod trace;
pub mod values;
pub mod ws;

pub use emoji::Emoji;
pub use entities::*;
pub use values::*;
