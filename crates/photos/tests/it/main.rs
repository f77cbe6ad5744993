//! Integration tests of the photo pipeline: real files in a temp dir, real
//! decoders and encoders, no mocks.

mod colour;
mod errors;
mod fixtures;
mod formats;
mod import_many;
mod metadata;
mod mutations;
mod store;
