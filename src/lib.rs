//! ipseclint: checks racoon/KAME IPsec gateway configurations before they
//! are deployed.
//!
//! Data flows one way (see ARCHITECTURE.md):
//! files ([`source`]) → syntax ([`syntax`]) → model ([`model`]) → checks
//! ([`rules`]) → [`diagnostic`]s → renderers ([`render`]).
//! The CLI and the language server both call [`lint`].

pub mod baseline;
pub mod config;
pub mod diagnostic;
pub mod discovery;
pub mod engine;
pub mod fix;
pub mod fnmatch;
pub mod lsp;
pub mod model;
pub mod render;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod syntax;

pub use engine::{lint, Input, LintOptions, Report};
pub use model::Target;
