//! The pure model: what was observed, and the correlated topology built from it.
//! No I/O here, and nothing from the collectors or the UI.

pub mod build;
pub mod cluster;
pub mod firewall;
pub mod kinds;
pub mod kube;
pub mod names;
pub mod net;
pub mod netavark;
pub mod observation;
pub mod podman;
pub mod ports;
pub mod rates;
pub mod reach;
pub mod route;
pub mod rule_rates;
pub mod sockets;
pub mod topology;
pub mod walk;

pub use build::build;
pub use observation::*;
pub use topology::*;
