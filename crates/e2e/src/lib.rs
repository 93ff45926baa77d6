#![doc = include_str!("../README.md")]

pub mod edge;
pub mod scrape;
pub mod stack;
