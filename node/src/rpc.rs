//! The JSON-RPC API: Substrate's legacy set (`chain_*`, `state_*`, `system_*`,
//! `author_*`, `payment_*`, `rpc_methods`) with its method names, subscription names,
//! result shapes and error codes, over WebSocket and HTTP on one port (jsonrpsee).
//!
//! Errors are turned into JSON-RPC error objects in one place ([`errors`]) with Substrate's
//! codes (1010 for an invalid transaction, 4003 for a client error, ...). Unsafe methods
//! (keystore access, pool removal) are left out unless the node runs with
//! `--rpc-methods unsafe` (or `auto` on a local interface).

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use codec::{Decode, Encode};
use dfs_core::{AccountId32, H256};
use dfs_runtime_primitives::{generic::Header, RuntimeVersion};
use jsonrpsee::{
    server::{
        PendingSubscriptionSink, RpcModule, Server, ServerConfig, ServerHandle, SubscriptionMessage,
    },
    types::{ErrorObjectOwned, Params},
};
use serde_json::{json, Value};
use tokio::sync::{broadcast::error::RecvError, mpsc};

use crate::{
    chain::{Chain, ChainError, ChainEvent},
    txpool::{PoolError, SubmissionQueue, TxPool, TxStatus},
};

/// Error objects with Substrate's codes.
pub mod errors {
    use super::*;

    /// Invalid parameters (-32602).
    pub fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
        ErrorObjectOwned::owned(-32602, message.into(), None::<()>)
    }

    /// A state or chain query failed in the client (4003, Substrate's `Client` error).
    pub fn client(error: ChainError) -> ErrorObjectOwned {
        ErrorObjectOwned::owned(4003, format!("Client error: {error}"), None::<()>)
    }

    /// A pool refusal with the code Substrate gives it.
    pub fn pool(error: PoolError) -> ErrorObjectOwned {
        let message = error.to_string();
        match error {
            PoolError::Invalid(invalid) => ErrorObjectOwned::owned(
                1010,
                message,
                Some(format!("Transaction is invalid: {invalid:?}")),
            ),
            PoolError::Unknown(unknown) => ErrorObjectOwned::owned(
                1011,
                message,
                Some(format!("Transaction validity cannot be determined: {unknown:?}")),
            ),
            PoolError::Banned => ErrorObjectOwned::owned(1012, message, None::<()>),
            PoolError::AlreadyImported => ErrorObjectOwned::owned(
                1013,
                message,
                Some("The transaction is already in the pool"),
            ),
            PoolError::TooLowPriority { .. } => ErrorObjectOwned::owned(
                1014,
                message,
                Some("The transaction has too low priority to replace another transaction already in the pool."),
            ),
            PoolError::ImmediatelyDropped(reason) => {
                ErrorObjectOwned::owned(1016, message, Some(reason))
            }
            PoolError::Runtime(reason) => {
                ErrorObjectOwned::owned(1002, format!("Verification Error: {reason}"), None::<()>)
            }
        }
    }

    /// The key store failed (5000, Substrate's author error base).
    pub fn keystore(error: anyhow::Error) -> ErrorObjectOwned {
        ErrorObjectOwned::owned(5000, format!("Keystore error: {error:#}"), None::<()>)
    }
}

/// What the RPC server serves.
pub struct RpcContext {
    /// The chain.
    pub chain: Arc<Chain>,
    /// The pool.
    pub pool: Arc<TxPool>,
    /// The way submissions reach the pool (validated in batches).
    pub submissions: SubmissionQueue,
    /// The chain spec's name.
    pub chain_name: String,
    /// The chain spec's type (`Development`, `Local`, `Live`).
    pub chain_type: Value,
    /// The chain spec's properties.
    pub properties: Value,
    /// The node's name.
    pub node_name: String,
    /// The node's libp2p peer id.
    pub peer_id: String,
    /// Whether this node authors blocks.
    pub is_authority: bool,
    /// The keystore folder.
    pub keystore: PathBuf,
}

/// Server limits and policies.
#[derive(Debug, Clone)]
pub struct RpcConfig {
    /// Where to listen.
    pub address: SocketAddr,
    /// Whether unsafe methods are served.
    pub unsafe_methods: bool,
    /// Most concurrent connections.
    pub max_connections: u32,
    /// Largest request, in bytes.
    pub max_request_bytes: u32,
    /// Largest response, in bytes.
    pub max_response_bytes: u32,
    /// Most subscriptions per connection.
    pub max_subscriptions_per_connection: u32,
    /// Allowed browser origins (`None`: any).
    pub cors: Option<Vec<String>>,
}

/// The most keys one `state_getKeysPaged` call returns (Substrate's limit).
const MAX_KEYS_PAGED: u32 = 1000;

/// Methods left out unless unsafe methods are allowed.
const UNSAFE_METHODS: &[&str] = &[
    "author_insertKey",
    "author_rotateKeys",
    "author_hasKey",
    "author_hasSessionKeys",
    "author_removeExtrinsic",
    "system_peers",
    "system_addReservedPeer",
    "system_removeReservedPeer",
];

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", ::hex::encode(bytes))
}

fn parse_bytes(text: &str) -> Result<Vec<u8>, ErrorObjectOwned> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    ::hex::decode(digits).map_err(|e| errors::invalid_params(format!("invalid hex data: {e}")))
}

fn parse_hash(text: &str) -> Result<H256, ErrorObjectOwned> {
    let bytes = parse_bytes(text)?;
    <[u8; 32]>::try_from(&bytes[..])
        .map(H256)
        .map_err(|_| errors::invalid_params("a block hash is 32 bytes of hex"))
}

/// A block number in `0x…` hex, as Substrate prints it.
fn hex_number(number: u32) -> String {
    format!("{number:#x}")
}

/// The header in Substrate's JSON shape.
pub fn header_json(header: &Header) -> Value {
    json!({
        "parentHash": header.parent_hash,
        "number": hex_number(header.number),
        "stateRoot": header.state_root,
        "extrinsicsRoot": header.extrinsics_root,
        "digest": { "logs": header.digest.logs.iter().map(|item| hex(&item.encode())).collect::<Vec<_>>() },
    })
}

/// The runtime version in Substrate's JSON shape.
pub fn version_json(version: &RuntimeVersion) -> Value {
    json!({
        "specName": version.spec_name,
        "implName": version.impl_name,
        "authoringVersion": version.authoring_version,
        "specVersion": version.spec_version,
        "implVersion": version.impl_version,
        "apis": version.apis.iter().map(|(id, v)| json!([hex(id), v])).collect::<Vec<_>>(),
        "transactionVersion": version.transaction_version,
        "systemVersion": version.system_version,
        "stateVersion": version.system_version,
    })
}

fn status_json(status: &TxStatus) -> Value {
    match status {
        TxStatus::Future => json!("future"),
        TxStatus::Ready => json!("ready"),
        TxStatus::InBlock(hash) => json!({ "inBlock": hash }),
        TxStatus::Finalized(hash) => json!({ "finalized": hash }),
        TxStatus::Usurped(hash) => json!({ "usurped": hash }),
        TxStatus::Invalid => json!("invalid"),
    }
}

fn message(value: &Value) -> Option<SubscriptionMessage> {
    serde_json::value::to_raw_value(value).ok().map(SubscriptionMessage::from)
}

impl RpcContext {
    /// A `TransactionPaymentApi` query (`method`) for the params `(extrinsic, at?)`: the
    /// runtime takes the extrinsic followed by its length.
    fn payment_query<T: Decode>(
        &self,
        params: Params<'_>,
        method: &'static str,
    ) -> Result<T, ErrorObjectOwned> {
        let mut seq = params.sequence();
        let xt = parse_bytes(&seq.next::<String>()?)?;
        let at = self.at(seq.optional_next::<Option<String>>()?.flatten())?;
        let mut input = xt.clone();
        input.extend_from_slice(&(xt.len() as u32).encode());
        self.chain.call_decoded(&at, method, &input).map_err(errors::client)
    }

    /// The block `at` names, or the best block.
    fn at(&self, at: Option<String>) -> Result<H256, ErrorObjectOwned> {
        match at {
            Some(text) => parse_hash(&text),
            None => Ok(self.chain.best().hash),
        }
    }

    fn storage_changes(&self, at: &H256, keys: &[Vec<u8>]) -> Result<Value, ErrorObjectOwned> {
        let state = self.chain.state_at(at).map_err(errors::client)?;
        let changes: Result<Vec<Value>, ErrorObjectOwned> = keys
            .iter()
            .map(|key| {
                let value = dfs_io::state::Backend::storage(&state, key)
                    .map_err(|e| errors::client(e.into()))?;
                Ok(json!([hex(key), value.map(|v| hex(&v))]))
            })
            .collect();
        Ok(json!({ "block": at, "changes": changes? }))
    }

    fn next_index(&self, account: &AccountId32) -> Result<u32, ErrorObjectOwned> {
        let best = self.chain.best().hash;
        let mut nonce: u32 = self
            .chain
            .call_decoded(&best, "AccountNonceApi_account_nonce", &account.encode())
            .map_err(errors::client)?;
        // Count this account's transactions waiting in the pool, in nonce order.
        while self.pool.provides(&(account, nonce).encode()) {
            nonce = nonce.saturating_add(1);
        }
        Ok(nonce)
    }
}

fn account_param(text: &str) -> Result<AccountId32, ErrorObjectOwned> {
    if let Ok(account) = text.parse::<AccountId32>() {
        return Ok(account);
    }
    let bytes = parse_bytes(text)
        .map_err(|_| errors::invalid_params("an account is an SS58 address or 32 bytes of hex"))?;
    <[u8; 32]>::try_from(&bytes[..])
        .map(AccountId32)
        .map_err(|_| errors::invalid_params("an account is an SS58 address or 32 bytes of hex"))
}

type RpcResult = Result<Value, ErrorObjectOwned>;

/// Builds the RPC module with every method.
pub fn module(context: RpcContext, unsafe_methods: bool) -> RpcModule<RpcContext> {
    let mut module = RpcModule::new(context);
    // Registration only fails on a duplicate name: a programming error caught by tests.
    let mut blocking = |name: &'static str, f: fn(&RpcContext, Params<'_>) -> RpcResult| {
        module
            .register_blocking_method(name, move |params, ctx, _| f(&ctx, params))
            .unwrap_or_else(|e| panic!("registering {name}: {e}"));
    };

    // chain_*
    blocking("chain_getBlockHash", |ctx, params| {
        let arg: Option<Value> = params.sequence().optional_next()?;
        let number = |value: &Value| -> Result<Option<u32>, ErrorObjectOwned> {
            match value {
                Value::Number(n) => n
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .map(Some)
                    .ok_or_else(|| errors::invalid_params("block number out of range")),
                Value::String(s) => u32::from_str_radix(
                    s.trim_start_matches("0x"),
                    if s.starts_with("0x") { 16 } else { 10 },
                )
                .map(Some)
                .map_err(|_| errors::invalid_params("invalid block number")),
                Value::Null => Ok(None),
                _ => Err(errors::invalid_params("a block number is a number or a hex string")),
            }
        };
        let hash_of = |n: Option<u32>| -> RpcResult {
            match n {
                None => Ok(json!(ctx.chain.best().hash)),
                Some(n) => Ok(json!(ctx.chain.hash_at(n).map_err(errors::client)?)),
            }
        };
        match arg {
            None => hash_of(None),
            Some(Value::Array(list)) => list
                .iter()
                .map(|v| hash_of(number(v)?))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Some(value) => hash_of(number(&value)?),
        }
    });
    blocking("chain_getHeader", |ctx, params| {
        let at = ctx.at(params.sequence().optional_next::<Option<String>>()?.flatten())?;
        Ok(ctx
            .chain
            .header(&at)
            .map_err(errors::client)?
            .map(|h| header_json(&h))
            .unwrap_or(Value::Null))
    });
    blocking("chain_getBlock", |ctx, params| {
        let at = ctx.at(params.sequence().optional_next::<Option<String>>()?.flatten())?;
        let Some(header) = ctx.chain.header(&at).map_err(errors::client)? else {
            return Ok(Value::Null);
        };
        let body = ctx.chain.body(&at).map_err(errors::client)?.unwrap_or_default();
        let justifications = ctx.chain.justifications(&at).map_err(errors::client)?;
        Ok(json!({
            "block": { "header": header_json(&header), "extrinsics": body.iter().map(|xt| hex(&xt.encode())).collect::<Vec<_>>() },
            "justifications": justifications.map(|j| hex(&j)),
        }))
    });
    blocking("chain_getFinalizedHead", |ctx, _| Ok(json!(ctx.chain.finalized().hash)));

    // state_*
    blocking("state_getRuntimeVersion", |ctx, params| {
        let at = ctx.at(params.sequence().optional_next::<Option<String>>()?.flatten())?;
        Ok(version_json(&ctx.chain.runtime_version(&at).map_err(errors::client)?))
    });
    blocking("state_getMetadata", |ctx, params| {
        let at = ctx.at(params.sequence().optional_next::<Option<String>>()?.flatten())?;
        let metadata: Vec<u8> =
            ctx.chain.call_decoded(&at, "Metadata_metadata", &[]).map_err(errors::client)?;
        Ok(json!(hex(&metadata)))
    });
    blocking("state_call", |ctx, params| {
        let mut seq = params.sequence();
        let method: String = seq.next()?;
        let data: String = seq.next()?;
        let at = ctx.at(seq.optional_next::<Option<String>>()?.flatten())?;
        let output = ctx.chain.call(&at, &method, &parse_bytes(&data)?).map_err(errors::client)?;
        Ok(json!(hex(&output)))
    });
    blocking("state_getStorage", |ctx, params| {
        let mut seq = params.sequence();
        let key = parse_bytes(&seq.next::<String>()?)?;
        let at = ctx.at(seq.optional_next::<Option<String>>()?.flatten())?;
        Ok(json!(ctx.chain.storage(&at, &key).map_err(errors::client)?.map(|v| hex(&v))))
    });
    blocking("state_getStorageHash", |ctx, params| {
        let mut seq = params.sequence();
        let key = parse_bytes(&seq.next::<String>()?)?;
        let at = ctx.at(seq.optional_next::<Option<String>>()?.flatten())?;
        let value = ctx.chain.storage(&at, &key).map_err(errors::client)?;
        Ok(json!(value.map(|v| H256(dfs_core::hashing::blake2_256(&v)))))
    });
    blocking("state_getStorageSize", |ctx, params| {
        let mut seq = params.sequence();
        let key = parse_bytes(&seq.next::<String>()?)?;
        let at = ctx.at(seq.optional_next::<Option<String>>()?.flatten())?;
        Ok(json!(ctx.chain.storage(&at, &key).map_err(errors::client)?.map(|v| v.len())))
    });
    blocking("state_queryStorageAt", |ctx, params| {
        let mut seq = params.sequence();
        let keys: Vec<String> = seq.next()?;
        let keys = keys.iter().map(|k| parse_bytes(k)).collect::<Result<Vec<_>, _>>()?;
        let at = ctx.at(seq.optional_next::<Option<String>>()?.flatten())?;
        Ok(json!([ctx.storage_changes(&at, &keys)?]))
    });
    blocking("state_getKeysPaged", |ctx, params| {
        let mut seq = params.sequence();
        let prefix = parse_bytes(&seq.next::<Option<String>>()?.unwrap_or_default())?;
        let count: u32 = seq.next()?;
        if count > MAX_KEYS_PAGED {
            return Err(ErrorObjectOwned::owned(
                4002,
                format!("count exceeds maximum value. value: {count}, max: {MAX_KEYS_PAGED}"),
                None::<()>,
            ));
        }
        let start = seq
            .optional_next::<Option<String>>()?
            .flatten()
            .map(|s| parse_bytes(&s))
            .transpose()?;
        let at = ctx.at(seq.optional_next::<Option<String>>()?.flatten())?;
        let state = ctx.chain.state_at(&at).map_err(errors::client)?;
        let backend_error = |e: dfs_io::state::BackendError| errors::client(e.into());
        let mut keys = Vec::new();
        // Start after `start` when it lies within the prefix, else at the prefix itself.
        let mut cursor = match start {
            Some(start) if start.starts_with(&prefix) && start >= prefix => start,
            _ => {
                if dfs_io::state::Backend::storage(&state, &prefix)
                    .map_err(backend_error)?
                    .is_some()
                    && !prefix.is_empty()
                {
                    keys.push(hex(&prefix));
                }
                prefix.clone()
            }
        };
        while keys.len() < count as usize {
            match dfs_io::state::Backend::next_storage_key(&state, &cursor)
                .map_err(backend_error)?
            {
                Some(next) if next.starts_with(&prefix) => {
                    keys.push(hex(&next));
                    cursor = next;
                }
                _ => break,
            }
        }
        Ok(json!(keys))
    });
    blocking("state_getReadProof", |ctx, params| {
        let mut seq = params.sequence();
        let keys: Vec<String> = seq.next()?;
        let keys = keys.iter().map(|k| parse_bytes(k)).collect::<Result<Vec<_>, _>>()?;
        let at = ctx.at(seq.optional_next::<Option<String>>()?.flatten())?;
        // The state (its root checked present, not pruned) gives the root to prove against.
        let root = ctx.chain.state_at(&at).map_err(errors::client)?.root();
        let proof = dfs_trie::read_proof(ctx.chain.db(), &root, keys.iter().map(|k| &k[..]))
            .map_err(|e| errors::client(dfs_io::state::BackendError(e.to_string()).into()))?;
        Ok(json!({ "at": at, "proof": proof.iter().map(|node| hex(node)).collect::<Vec<_>>() }))
    });

    // system_*
    blocking("system_chain", |ctx, _| Ok(json!(ctx.chain_name)));
    blocking("system_name", |ctx, _| Ok(json!(ctx.node_name)));
    blocking("system_version", |_, _| Ok(json!(env!("CARGO_PKG_VERSION"))));
    blocking("system_properties", |ctx, _| Ok(ctx.properties.clone()));
    blocking("system_chainType", |ctx, _| Ok(ctx.chain_type.clone()));
    blocking("system_health", |_, _| {
        Ok(json!({ "peers": 0, "isSyncing": false, "shouldHavePeers": false }))
    });
    blocking("system_localPeerId", |ctx, _| Ok(json!(ctx.peer_id)));
    blocking("system_localListenAddresses", |_, _| Ok(json!([])));
    blocking("system_peers", |_, _| Ok(json!([])));
    blocking("system_nodeRoles", |ctx, _| {
        Ok(json!([if ctx.is_authority { "Authority" } else { "Full" }]))
    });
    blocking("system_syncState", |ctx, _| {
        let best = ctx.chain.best().number;
        Ok(json!({ "startingBlock": 0, "currentBlock": best, "highestBlock": best }))
    });
    blocking("system_accountNextIndex", |ctx, params| {
        let account = account_param(&params.one::<String>()?)?;
        Ok(json!(ctx.next_index(&account)?))
    });

    // author_*
    blocking("author_pendingExtrinsics", |ctx, _| {
        Ok(json!(ctx.pool.pending().iter().map(|xt| hex(xt)).collect::<Vec<_>>()))
    });
    blocking("author_insertKey", |ctx, params| {
        let mut seq = params.sequence();
        let key_type: String = seq.next()?;
        let suri: String = seq.next()?;
        let _public: Option<String> = seq.optional_next()?;
        let scheme = if key_type == "gran" {
            crate::key::Scheme::Ed25519
        } else {
            crate::key::Scheme::Sr25519
        };
        crate::key::insert(&ctx.keystore, &key_type, &suri, scheme).map_err(errors::keystore)?;
        Ok(Value::Null)
    });
    blocking("author_hasKey", |ctx, params| {
        let mut seq = params.sequence();
        let public = parse_bytes(&seq.next::<String>()?)?;
        let key_type: String = seq.next()?;
        let file =
            ctx.keystore.join(format!("{}{}", ::hex::encode(key_type), ::hex::encode(public)));
        Ok(json!(file.is_file()))
    });
    blocking("author_rotateKeys", |ctx, _| {
        let phrase = crate::key::new_phrase();
        let path = crate::key::insert(&ctx.keystore, "aura", &phrase, crate::key::Scheme::Sr25519)
            .map_err(errors::keystore)?;
        let info = crate::key::KeyInfo::from_suri(&phrase, crate::key::Scheme::Sr25519)
            .map_err(errors::keystore)?;
        tracing::info!(target: "rpc", file = %path.display(), "rotated the session keys");
        Ok(json!(hex(&info.public())))
    });

    // payment_*
    blocking("payment_queryInfo", |ctx, params| {
        let info: dfs_pallet_transaction_payment::RuntimeDispatchInfo =
            ctx.payment_query(params, "TransactionPaymentApi_query_info")?;
        let class = match info.class {
            dfs_support::dispatch::DispatchClass::Normal => "normal",
            dfs_support::dispatch::DispatchClass::Operational => "operational",
            dfs_support::dispatch::DispatchClass::Mandatory => "mandatory",
        };
        Ok(json!({
            "weight": { "refTime": info.weight.ref_time, "proofSize": info.weight.proof_size },
            "class": class,
            "partialFee": info.partial_fee.to_string(),
        }))
    });
    blocking("payment_queryFeeDetails", |ctx, params| {
        let details: dfs_pallet_transaction_payment::FeeDetails =
            ctx.payment_query(params, "TransactionPaymentApi_query_fee_details")?;
        let number = |v: u128| format!("{v:#x}");
        Ok(json!({
            "inclusionFee": details.inclusion_fee.map(|fee| json!({ "baseFee": number(fee.base_fee), "lenFee": number(fee.len_fee), "adjustedWeightFee": number(fee.adjusted_weight_fee) })),
            "tip": number(details.tip),
        }))
    });

    for (alias, existing) in [
        ("chain_getFinalisedHead", "chain_getFinalizedHead"),
        ("chain_getRuntimeVersion", "state_getRuntimeVersion"),
        ("state_callAt", "state_call"),
        ("state_getStorageAt", "state_getStorage"),
        ("state_getStorageHashAt", "state_getStorageHash"),
        ("state_getStorageSizeAt", "state_getStorageSize"),
        ("state_getKeysPagedAt", "state_getKeysPaged"),
        ("account_nextIndex", "system_accountNextIndex"),
    ] {
        module.register_alias(alias, existing).unwrap_or_else(|e| panic!("alias {alias}: {e}"));
    }

    // Submissions wait for the validation thread without holding one of their own.
    module
        .register_async_method("author_submitExtrinsic", |params, ctx, _| async move {
            let bytes = parse_bytes(&params.one::<String>()?)?;
            let hash = ctx.submissions.submit(bytes, None).await.map_err(errors::pool)?;
            RpcResult::Ok(json!(hash))
        })
        .unwrap_or_else(|e| panic!("registering author_submitExtrinsic: {e}"));
    register_subscriptions(&mut module);

    if !unsafe_methods {
        for name in UNSAFE_METHODS {
            module.remove_method(name);
        }
    }
    let mut names: Vec<&'static str> = module.method_names().collect();
    names.push("rpc_methods");
    names.sort_unstable();
    module
        .register_method("rpc_methods", move |_, _, _| -> RpcResult {
            Ok(json!({ "methods": names }))
        })
        .unwrap_or_else(|e| panic!("registering rpc_methods: {e}"));
    module
}

/// Which chain events a head subscription forwards.
#[derive(Clone, Copy)]
enum HeadKind {
    Best,
    Finalized,
    All,
}

fn register_subscriptions(module: &mut RpcModule<RpcContext>) {
    let heads = [
        ("chain_subscribeNewHead", "chain_newHead", "chain_unsubscribeNewHead", HeadKind::Best),
        ("chain_subscribeNewHeads", "chain_newHead", "chain_unsubscribeNewHeads", HeadKind::Best),
        (
            "chain_subscribeFinalizedHeads",
            "chain_finalizedHead",
            "chain_unsubscribeFinalizedHeads",
            HeadKind::Finalized,
        ),
        (
            "chain_subscribeFinalisedHeads",
            "chain_finalisedHead",
            "chain_unsubscribeFinalisedHeads",
            HeadKind::Finalized,
        ),
        ("chain_subscribeAllHeads", "chain_allHead", "chain_unsubscribeAllHeads", HeadKind::All),
    ];
    for (subscribe, notification, unsubscribe, kind) in heads {
        module
            .register_subscription(
                subscribe,
                notification,
                unsubscribe,
                move |_, pending, ctx, _| async move {
                    follow_heads(pending, ctx, kind).await;
                },
            )
            .unwrap_or_else(|e| panic!("registering {subscribe}: {e}"));
    }
    for (subscribe, notification, unsubscribe) in [
        (
            "state_subscribeRuntimeVersion",
            "state_runtimeVersion",
            "state_unsubscribeRuntimeVersion",
        ),
        (
            "chain_subscribeRuntimeVersion",
            "chain_runtimeVersion",
            "chain_unsubscribeRuntimeVersion",
        ),
    ] {
        module
            .register_subscription(
                subscribe,
                notification,
                unsubscribe,
                |_, pending, ctx, _| async move {
                    follow_runtime_version(pending, ctx).await;
                },
            )
            .unwrap_or_else(|e| panic!("registering {subscribe}: {e}"));
    }
    module
        .register_subscription(
            "state_subscribeStorage",
            "state_storage",
            "state_unsubscribeStorage",
            |params, pending, ctx, _| async move {
                let keys: Result<Option<Vec<String>>, _> = params.sequence().optional_next();
                let keys = match keys.map(|keys| {
                    keys.unwrap_or_default()
                        .iter()
                        .map(|k| parse_bytes(k))
                        .collect::<Result<Vec<_>, _>>()
                }) {
                    Ok(Ok(keys)) => keys,
                    Ok(Err(error)) | Err(error) => return pending.reject(error).await,
                };
                follow_storage(pending, ctx, keys).await;
            },
        )
        .unwrap_or_else(|e| panic!("registering state_subscribeStorage: {e}"));
    module
        .register_subscription(
            "author_submitAndWatchExtrinsic",
            "author_extrinsicUpdate",
            "author_unwatchExtrinsic",
            |params, pending, ctx, _| async move {
                let bytes = match params.one::<String>().and_then(|text| parse_bytes(&text)) {
                    Ok(bytes) => bytes,
                    Err(error) => return pending.reject(error).await,
                };
                let (sender, mut statuses) = mpsc::unbounded_channel();
                if let Err(error) = ctx.submissions.submit(bytes, Some(sender)).await {
                    return pending.reject(errors::pool(error)).await;
                }
                let Ok(sink) = pending.accept().await else { return };
                while let Some(status) = statuses.recv().await {
                    let Some(message) = message(&status_json(&status)) else { break };
                    if sink.send(message).await.is_err() || status.is_final() {
                        break;
                    }
                }
            },
        )
        .unwrap_or_else(|e| panic!("registering author_submitAndWatchExtrinsic: {e}"));
}

async fn follow_heads(pending: PendingSubscriptionSink, ctx: Arc<RpcContext>, kind: HeadKind) {
    let mut events = ctx.chain.subscribe();
    let Ok(sink) = pending.accept().await else { return };
    // The current head first, as Substrate does.
    let current = match kind {
        HeadKind::Finalized => ctx.chain.finalized(),
        _ => ctx.chain.best(),
    };
    if let Ok(Some(header)) = ctx.chain.header(&current.hash) {
        if let Some(message) = message(&header_json(&header)) {
            if sink.send(message).await.is_err() {
                return;
            }
        }
    }
    loop {
        let header = tokio::select! {
            _ = sink.closed() => return,
            event = events.recv() => match event {
                Ok(ChainEvent::Imported { header, is_best, .. }) if matches!(kind, HeadKind::All) || (is_best && matches!(kind, HeadKind::Best)) => header,
                Ok(ChainEvent::Finalized { header, .. }) if matches!(kind, HeadKind::Finalized) => header,
                Ok(_) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            },
        };
        let Some(message) = message(&header_json(&header)) else { continue };
        if sink.send(message).await.is_err() {
            return;
        }
    }
}

async fn follow_runtime_version(pending: PendingSubscriptionSink, ctx: Arc<RpcContext>) {
    let mut events = ctx.chain.subscribe();
    let Ok(sink) = pending.accept().await else { return };
    let mut last: Option<RuntimeVersion> = None;
    let mut at = ctx.chain.best().hash;
    loop {
        let chain = ctx.chain.clone();
        let version = tokio::task::spawn_blocking(move || chain.runtime_version(&at)).await;
        if let Ok(Ok(version)) = version {
            if last.as_ref() != Some(&version) {
                let Some(message) = message(&version_json(&version)) else { return };
                if sink.send(message).await.is_err() {
                    return;
                }
                last = Some(version);
            }
        }
        at = loop {
            tokio::select! {
                _ = sink.closed() => return,
                event = events.recv() => match event {
                    Ok(ChainEvent::Imported { block, is_best: true, changed_keys, .. })
                        if changed_keys.iter().any(|key| key == dfs_executor::state::CODE_KEY) => break block.hash,
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                },
            }
        };
    }
}

async fn follow_storage(
    pending: PendingSubscriptionSink,
    ctx: Arc<RpcContext>,
    keys: Vec<Vec<u8>>,
) {
    let mut events = ctx.chain.subscribe();
    let Ok(sink) = pending.accept().await else { return };
    // Every requested key first, absent ones as null.
    let mut at = ctx.chain.best().hash;
    let mut report = keys.clone();
    loop {
        if !report.is_empty() {
            let context = ctx.clone();
            let changes =
                tokio::task::spawn_blocking(move || context.storage_changes(&at, &report)).await;
            if let Ok(Ok(changes)) = changes {
                let Some(message) = message(&changes) else { return };
                if sink.send(message).await.is_err() {
                    return;
                }
            }
        }
        (at, report) = loop {
            tokio::select! {
                _ = sink.closed() => return,
                event = events.recv() => match event {
                    Ok(ChainEvent::Imported { block, is_best: true, changed_keys, .. }) => {
                        let changed: Vec<Vec<u8>> = if keys.is_empty() {
                            changed_keys.to_vec()
                        } else {
                            keys.iter().filter(|key| changed_keys.contains(key)).cloned().collect()
                        };
                        if !changed.is_empty() {
                            break (block.hash, changed);
                        }
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                },
            }
        };
    }
}

/// Whether browser `origin` matches an allowed entry: exactly, or any port for an entry
/// ending in `:*` (Substrate's default list holds `http://localhost:*`).
pub fn origin_allowed(allowed: &[String], origin: &str) -> bool {
    allowed.iter().any(|entry| match entry.strip_suffix(":*") {
        Some(host) => {
            origin == host
                || origin.strip_prefix(host).and_then(|rest| rest.strip_prefix(':')).is_some_and(
                    |port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()),
                )
        }
        None => origin == entry,
    })
}

/// Refuses requests — WebSocket upgrades included, which CORS does not cover — whose
/// `Origin` header is not allowed. Requests without one (non-browser clients) pass.
#[derive(Clone)]
struct OriginGuardLayer(Arc<Vec<String>>);

impl<S> tower::Layer<S> for OriginGuardLayer {
    type Service = OriginGuard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        OriginGuard { inner, allowed: self.0.clone() }
    }
}

#[derive(Clone)]
struct OriginGuard<S> {
    inner: S,
    allowed: Arc<Vec<String>>,
}

impl<S, B> tower::Service<http::Request<B>> for OriginGuard<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<jsonrpsee::server::HttpBody>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if let Some(origin) = request.headers().get(http::header::ORIGIN) {
            let allowed = origin.to_str().is_ok_and(|origin| origin_allowed(&self.allowed, origin));
            if !allowed {
                let mut response = http::Response::new(jsonrpsee::server::HttpBody::from(
                    "origin not allowed (see --rpc-cors)",
                ));
                *response.status_mut() = http::StatusCode::FORBIDDEN;
                return Box::pin(async move { Ok(response) });
            }
        }
        Box::pin(self.inner.call(request))
    }
}

/// Starts the server; it runs until the handle is stopped or dropped.
pub async fn start(
    config: &RpcConfig,
    context: RpcContext,
) -> anyhow::Result<(ServerHandle, SocketAddr)> {
    use tower_http::cors::{AllowOrigin, Any, CorsLayer};
    let cors = match &config.cors {
        None => CorsLayer::new().allow_origin(Any),
        Some(origins) => {
            let origins = origins.clone();
            CorsLayer::new().allow_origin(AllowOrigin::predicate(move |origin, _| {
                origin.to_str().is_ok_and(|origin| origin_allowed(&origins, origin))
            }))
        }
    }
    .allow_methods([http::Method::POST])
    .allow_headers([http::header::CONTENT_TYPE]);
    let server_config = ServerConfig::builder()
        .max_connections(config.max_connections)
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_subscriptions_per_connection(config.max_subscriptions_per_connection)
        .build();
    let max_response_bytes = config.max_response_bytes as usize;
    let server = Server::builder()
        .set_config(server_config)
        .set_rpc_middleware(
            jsonrpsee::server::middleware::rpc::RpcServiceBuilder::new()
                .layer_fn(move |service| ConcurrentBatches { service, max_response_bytes }),
        )
        .set_http_middleware(
            tower::ServiceBuilder::new()
                .layer(cors)
                .option_layer(config.cors.clone().map(|list| OriginGuardLayer(Arc::new(list)))),
        )
        .build(config.address)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen for RPC on {}: {e}", config.address))?;
    let address = server.local_addr()?;
    let handle = server.start(module(context, config.unsafe_methods));
    Ok((handle, address))
}

/// How many calls of one JSON-RPC batch run at once.
const BATCH_CONCURRENCY: usize = 64;

/// Runs the calls of a JSON-RPC batch concurrently (up to [`BATCH_CONCURRENCY`], answers in
/// request order). jsonrpsee answers them one after another, so a batch of submissions
/// would reach the pool one at a time instead of filling a validation batch.
#[derive(Clone)]
struct ConcurrentBatches<S> {
    service: S,
    max_response_bytes: usize,
}

impl<S> jsonrpsee::server::middleware::rpc::RpcServiceT for ConcurrentBatches<S>
where
    S: jsonrpsee::server::middleware::rpc::RpcServiceT<
            MethodResponse = jsonrpsee::MethodResponse,
            NotificationResponse = jsonrpsee::MethodResponse,
            BatchResponse = jsonrpsee::MethodResponse,
        > + Clone
        + Send
        + Sync
        + 'static,
{
    type MethodResponse = jsonrpsee::MethodResponse;
    type NotificationResponse = jsonrpsee::MethodResponse;
    type BatchResponse = jsonrpsee::MethodResponse;

    fn call<'a>(
        &self,
        request: jsonrpsee::types::Request<'a>,
    ) -> impl std::future::Future<Output = Self::MethodResponse> + Send + 'a {
        self.service.call(request)
    }

    fn notification<'a>(
        &self,
        notification: jsonrpsee::server::middleware::rpc::Notification<'a>,
    ) -> impl std::future::Future<Output = Self::NotificationResponse> + Send + 'a {
        self.service.notification(notification)
    }

    fn batch<'a>(
        &self,
        batch: jsonrpsee::server::middleware::rpc::Batch<'a>,
    ) -> impl std::future::Future<Output = Self::BatchResponse> + Send + 'a {
        use futures_util::{stream, StreamExt};
        use jsonrpsee::server::middleware::rpc::BatchEntry;
        type Answer<'a> = std::pin::Pin<
            Box<dyn std::future::Future<Output = Option<jsonrpsee::MethodResponse>> + Send + 'a>,
        >;
        let max_response_bytes = self.max_response_bytes;
        let mut pending: Vec<Answer<'a>> = Vec::new();
        for entry in batch {
            let service = self.service.clone();
            pending.push(match entry {
                Ok(BatchEntry::Call(request)) => {
                    Box::pin(async move { Some(service.call(request).await) })
                }
                Ok(BatchEntry::Notification(notification)) => Box::pin(async move {
                    service.notification(notification).await;
                    None
                }),
                Err(error) => {
                    let (error, id) = error.into_parts();
                    Box::pin(std::future::ready(Some(jsonrpsee::MethodResponse::error(id, error))))
                }
            });
        }
        async move {
            let answers: Vec<Option<jsonrpsee::MethodResponse>> =
                stream::iter(pending).buffered(BATCH_CONCURRENCY).collect().await;
            let mut responses = jsonrpsee::BatchResponseBuilder::new_with_limit(max_response_bytes);
            let mut notified = false;
            for answer in answers {
                match answer {
                    Some(response) => {
                        if let Err(too_large) = responses.append(response) {
                            return too_large;
                        }
                    }
                    None => notified = true,
                }
            }
            if responses.is_empty() && notified {
                jsonrpsee::MethodResponse::notification()
            } else {
                jsonrpsee::MethodResponse::from_batch(responses.finish())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::origin_allowed;

    #[test]
    fn origins_match_exactly_or_with_any_port() {
        let allowed = vec!["http://localhost:*".to_string(), "https://polkadot.js.org".to_string()];
        assert!(origin_allowed(&allowed, "http://localhost:3000"));
        assert!(origin_allowed(&allowed, "http://localhost"));
        assert!(origin_allowed(&allowed, "https://polkadot.js.org"));
        assert!(!origin_allowed(&allowed, "http://localhost.evil.com"));
        assert!(!origin_allowed(&allowed, "http://localhost:80evil"));
        assert!(!origin_allowed(&allowed, "https://polkadot.js.org.evil.com"));
        assert!(!origin_allowed(&allowed, "http://127.0.0.1:9944"));
    }
}
