//! netview: how container networking on a Linux host fits together, read live.
//!
//! Layers: `model` (pure types and the topology join), `collect` (netlink, Docker, host facts),
//! `output` (snapshot text and JSON).

pub mod app;
pub mod cli;
pub mod collect;
pub mod config;
pub mod explain;
pub mod lab;
pub mod lessons;
pub mod live;
pub mod model;
pub mod output;
pub mod replay;
pub mod tui;
pub mod ui;
