//! The pure model: what was observed, and the correlated topology built from it.
//! No I/O here, and nothing from the collectors or the UI.

pub mod build;
pub mod firewall;
pub mod net;
pub mod observation;
pub mod rates;
pub mod topology;

pub use build::build;
pub use observation::*;
pub use topology::*;
