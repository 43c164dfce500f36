//! Non-interactive outputs of the topology: deterministic text and JSON.

pub mod json;
pub mod style;
pub mod table;
pub mod text;
