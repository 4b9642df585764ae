//! chanrac core (in progress)
#![deny(missing_docs)]

pub mod number;
