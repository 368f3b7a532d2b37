//! The semantic model: what a gateway's configuration means, resolved from
//! the syntax trees (defaults applied, inheritance resolved), with spans back
//! to the source.

pub mod algorithms;
pub mod firewall;
pub mod gateway;
pub mod ike;
pub mod ipf;
pub mod ipftest;
pub mod ipfw;
pub mod keywords;
pub mod racoon;
pub mod rc_firewall;
pub mod rcconf;
pub mod rcconf_catalogue;
pub mod reachability;
pub mod runtime;
pub mod target;

pub use target::Target;
