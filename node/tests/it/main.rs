//! `dfs-node` tested as operators and clients use it: real node processes on loopback
//! ports, driven by their command line and their JSON-RPC API.

#![allow(clippy::unwrap_used)]

mod blocks;
mod cli;
mod common;
mod hostile;
mod network;
mod polkadot_js;
mod restart;
mod rpc;
