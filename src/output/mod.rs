//! Non-interactive outputs of the topology: deterministic text and JSON.

pub mod cluster;
pub mod firewall;
pub mod graph;
pub mod json;
pub mod lesson;
pub mod path;
pub mod sockets;
pub mod style;
pub mod table;
pub mod text;
