//! Firewall rules: run the save tools (argument vectors, never a shell) and parse what they print.

pub mod iptables;
