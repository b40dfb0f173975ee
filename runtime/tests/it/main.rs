//! Runtime tests through the runtime-API entry points: SCALE bytes in, SCALE bytes out,
//! as the node calls them.

#![allow(clippy::unwrap_used)]

mod benchmarks;
mod block;
mod chain;
mod fuzz;
mod metadata;
mod validity;
mod wasm_blob;
