//! JSON-RPC parameter parsing: the text of a request's `params` parsed as every method of
//! the node parses its parameters (hashes, hex, block numbers or lists of them, keys, calls,
//! accounts), then checked as the methods check them. Errors, never panics.

#![no_main]

use dfs_core::H256;
use dfs_rpc::{
    author::ExtrinsicOrHash,
    types::{Bytes, HexBytes, ListOrValue, NumberOrHex},
};
use jsonrpsee::types::Params;
use libfuzzer_sys::fuzz_target;

fn each<T: for<'de> serde::Deserialize<'de>>(params: &Params<'_>) -> Option<T> {
    params.sequence().next::<T>().ok()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let params = Params::new(Some(text));
    if let Some(hex) = each::<HexBytes>(&params) {
        let _ = hex.decode_limited(5 << 20);
    }
    if let Some(Some(number)) = each::<Option<ListOrValue<NumberOrHex>>>(&params) {
        match number {
            ListOrValue::Value(number) => {
                let _ = number.to_block_number();
            }
            ListOrValue::List(numbers) => {
                for number in numbers.iter().take(1000) {
                    let _ = number.to_block_number();
                }
            }
        }
    }
    let _ = each::<Option<H256>>(&params);
    let _ = each::<Vec<Bytes>>(&params);
    let _ = each::<Option<Vec<Bytes>>>(&params);
    let _ = each::<Vec<ExtrinsicOrHash>>(&params);
    let mut sequence = params.sequence();
    let _ = sequence.next::<String>();
    let _ = sequence.optional_next::<HexBytes>();
    let _ = sequence.optional_next::<Option<H256>>();
    let mut paged = params.sequence();
    let _ = paged.optional_next::<Option<Bytes>>();
    let _ = paged.optional_next::<u32>();
    if let Some(account) = each::<String>(&params) {
        let _ = dfs_rpc::system::account_param(&account);
    }
    let _ = params.parse::<serde_json::Value>();
});
