//! racoon.conf: pest grammar (`grammar/racoon.pest`), typed tree, recovery.

mod ast;
mod errors;
mod lower;
mod stray;

pub use ast::*;
pub use lower::{parse, Parsed};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/racoon.pest"]
pub(crate) struct RacoonParser;
