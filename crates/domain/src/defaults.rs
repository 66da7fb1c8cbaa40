//! The defaults kaohe ships (SPEC §4, §5): the seeds' indicators and schemes as data files in
//! `crates/domain/defaults/`, compiled into the binary. A company starts from them and edits.

use crate::library::{Library, LibraryError};

/// The default indicator library, as shipped.
pub const INDICATORS_TOML: &str = include_str!("../defaults/indicators.toml");

/// The default schemes, as shipped.
pub const SCHEMES_TOML: &str = include_str!("../defaults/schemes.toml");

/// Parses and validates the shipped defaults.
pub fn load() -> Result<Library, LibraryError> {
    Library::from_toml_files(&[
        ("indicators.toml", INDICATORS_TOML),
        ("schemes.toml", SCHEMES_TOML),
    ])
}

/// The shipped defaults. The tests below guarantee they load, so this does not fail.
pub fn library() -> Library {
    load().unwrap_or_else(|e| panic!("the shipped defaults are invalid:\n{e}"))
}

#[cfg(test)]
mod tests;
