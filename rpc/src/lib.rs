//! The DFS JSON-RPC server: Substrate's legacy API, with its method and subscription names,
//! result shapes and error codes, over WebSocket and HTTP on one port.
//!
//! Each namespace is a typed jsonrpsee server trait in its own module with its own error
//! type ([`chain`], [`state`], [`system`], [`author`], [`payment`]), over the chain, the
//! pool and the network's [`system::NetworkStatus`]. Unsafe methods (keystore access, pool
//! removal, peers, subscriptions to every storage key) are served only with
//! `--rpc-methods unsafe` (or `auto` on a local interface).
//!
//! # Hostile clients
//!
//! The server is built so that no client can stop the chain or grow the node without end:
//!
//! - Calls needing the state, the disk or the runtime run on a few low-priority threads
//!   with a bounded queue ([`workers`]); runtime calls from clients get a smaller time and
//!   memory budget than block work and instances of their own.
//! - A connection's queued output is bounded in bytes (and jsonrpsee's queue in messages);
//!   a client that stops reading is closed ([`server`]). Calls in flight per connection
//!   are bounded in number and bytes.
//! - A batch is bounded in length and stops at the response limit as it answers
//!   ([`middleware`]); lists of keys and hashes are bounded by count and their answers by
//!   bytes; hex is measured before it is decoded.
//! - Storage subscriptions are matched through an index ([`storage_subscriptions`]).
//! - The accept loop backs off on errors such as EMFILE instead of spinning.

pub mod author;
pub mod chain;
pub mod config;
pub mod errors;
pub mod metrics;
pub mod middleware;
pub mod payment;
pub mod server;
pub mod state;
pub mod storage_subscriptions;
pub mod subscription;
pub mod system;
pub mod types;
pub mod workers;

use std::{collections::HashSet, net::SocketAddr, sync::Arc, time::Duration};

pub use config::{Limits, RpcConfig};

use dfs_chain::Chain;
use dfs_keystore::Keystore;
use dfs_txpool::{Pool, SubmissionQueue};
use jsonrpsee::{
    server::{
        serve_with_graceful_shutdown, stop_channel, BatchRequestConfig, PingConfig, RpcModule,
        ServerConfig, ServerHandle,
    },
    Methods,
};
use serde_json::json;
use tokio::net::TcpListener;
use tower::Service;

use crate::{
    author::{AuthorApiServer, AuthorRpc},
    chain::{ChainApiServer, ChainRpc},
    metrics::RpcMetrics,
    payment::{PaymentApiServer, PaymentRpc},
    server::{AcceptBackoff, ConnectionLimits, Connections},
    state::{StateApiServer, StateRpc},
    storage_subscriptions::StorageSubscriptions,
    system::{NetworkStatus, NodeInfo, SystemApiServer, SystemRpc},
    workers::Workers,
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// Listening failed (the port is taken, say).
    #[error("cannot listen for RPC on {address}: {source}")]
    Listen {
        /// Where.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Threads could not be started.
    #[error("cannot start the RPC workers: {0}")]
    Workers(std::io::Error),
    /// A method was registered twice (a bug).
    #[error("building the RPC module: {0}")]
    Module(String),
}

/// What the server serves.
pub struct RpcDeps {
    /// The chain.
    pub chain: Arc<Chain>,
    /// The pool.
    pub pool: Arc<Pool>,
    /// The way submissions reach the pool.
    pub submissions: SubmissionQueue,
    /// The keystore.
    pub keystore: Keystore,
    /// What the node says of itself.
    pub info: NodeInfo,
    /// The network's view.
    pub network: Arc<dyn NetworkStatus>,
}

/// Methods left out unless unsafe methods are allowed.
pub const UNSAFE_METHODS: &[&str] = &[
    "author_insertKey",
    "author_rotateKeys",
    "author_hasKey",
    "author_removeExtrinsic",
    "system_peers",
    "system_addReservedPeer",
    "system_removeReservedPeer",
];

/// Every method, with `rpc_methods` listing them; unsafe ones only if `limits` allow.
pub fn module(
    deps: RpcDeps,
    workers: Workers,
    limits: Limits,
    storage_subscriptions: Arc<StorageSubscriptions>,
) -> Result<RpcModule<()>, RpcError> {
    let error = |e: jsonrpsee::core::RegisterMethodError| RpcError::Module(e.to_string());
    let mut module = RpcModule::new(());
    let RpcDeps { chain, pool, submissions, keystore, info, network } = deps;
    module
        .merge(ChainRpc::new(chain.clone(), workers.clone(), limits).into_rpc())
        .map_err(error)?;
    module
        .merge(
            StateRpc::new(chain.clone(), workers.clone(), limits, storage_subscriptions).into_rpc(),
        )
        .map_err(error)?;
    module
        .merge(
            SystemRpc::new(info, chain.clone(), pool.clone(), network, workers.clone()).into_rpc(),
        )
        .map_err(error)?;
    module
        .merge(AuthorRpc::new(pool, submissions, keystore, workers.clone(), limits).into_rpc())
        .map_err(error)?;
    module.merge(PaymentRpc::new(chain, workers, limits).into_rpc()).map_err(error)?;
    if !limits.unsafe_methods {
        for name in UNSAFE_METHODS {
            module.remove_method(name);
        }
    }
    let mut names: Vec<&'static str> = module.method_names().collect();
    names.push("rpc_methods");
    names.sort_unstable();
    module
        .register_method("rpc_methods", move |_, _, _| json!({ "methods": names }))
        .map_err(error)?;
    Ok(module)
}

/// A running server.
pub struct RpcServer {
    handle: ServerHandle,
    address: SocketAddr,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl RpcServer {
    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops accepting and closes the connections.
    pub fn stop(&self) {
        let _ = self.handle.stop();
    }

    /// A handle that stops the server, for whoever does not own it.
    pub fn handle(&self) -> ServerHandle {
        self.handle.clone()
    }

    /// Resolves when the accept loop ends: after [`RpcServer::stop`], or if it died.
    pub async fn stopped(&mut self) -> Result<(), String> {
        (&mut self.accept_loop).await.map_err(|e| format!("the RPC server died: {e}"))
    }
}

/// Starts the server over `deps`, registering its metrics in `registry` if given.
pub async fn start(
    config: &RpcConfig,
    deps: RpcDeps,
    registry: Option<&prometheus::Registry>,
) -> Result<RpcServer, RpcError> {
    let metrics = match registry {
        Some(registry) => RpcMetrics::register(registry)
            .map_err(|e| RpcError::Module(format!("registering RPC metrics: {e}")))?,
        None => RpcMetrics::default(),
    };
    let workers = Workers::start(config.workers, config.worker_queue).map_err(RpcError::Workers)?;
    let storage_subscriptions = StorageSubscriptions::start(deps.chain.clone());
    let module = module(deps, workers, config.limits(), storage_subscriptions)?;
    let methods: Arc<HashSet<String>> =
        Arc::new(module.method_names().map(str::to_string).collect());
    let methods_for_service: Methods = module.into();

    let listener = TcpListener::bind(config.address)
        .await
        .map_err(|source| RpcError::Listen { address: config.address, source })?;
    let address = listener
        .local_addr()
        .map_err(|source| RpcError::Listen { address: config.address, source })?;

    let server_config = ServerConfig::builder()
        .max_connections(config.max_connections)
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_subscriptions_per_connection(config.max_subscriptions_per_connection)
        .set_batch_request_config(BatchRequestConfig::Limit(config.max_batch_len))
        .set_message_buffer_capacity(config.message_buffer_capacity.max(1))
        // Clients that vanish without closing (and never answer pings) are dropped.
        .enable_ws_ping(
            PingConfig::new()
                .ping_interval(Duration::from_secs(30))
                .inactive_limit(Duration::from_secs(90)),
        )
        .build();
    let max_response_bytes = config.max_response_bytes as usize;
    let guard_metrics = metrics.clone();
    let service_builder = jsonrpsee::server::Server::builder()
        .set_config(server_config)
        .set_rpc_middleware(jsonrpsee::server::middleware::rpc::RpcServiceBuilder::new().layer_fn(
            move |service| {
                middleware::Guard::new(
                    service,
                    max_response_bytes,
                    guard_metrics.clone(),
                    methods.clone(),
                )
            },
        ))
        .set_http_middleware(
            tower::ServiceBuilder::new()
                .layer(cors::layer(config.cors.as_deref()))
                .option_layer(config.cors.clone().map(cors::OriginGuardLayer::new)),
        )
        .to_service_builder();

    let (stop_handle, handle) = stop_channel();
    let connections = Arc::new(Connections::new(
        metrics.clone(),
        config.max_connections as usize,
        ConnectionLimits {
            max_pending_output: config.max_pending_output_bytes.max(2 * max_response_bytes),
            stall_timeout: config.stall_timeout,
            max_calls_in_flight: 4 * middleware::BATCH_CONCURRENCY,
            max_bytes_in_flight: 2 * config.max_request_bytes as usize,
        },
    ));
    let accept_loop = tokio::spawn(async move {
        let mut backoff = AcceptBackoff::default();
        loop {
            let (socket, _) = tokio::select! {
                accepted = backoff.accept(&listener, "RPC") => accepted,
                _ = stop_handle.clone().shutdown() => break,
            };
            let Some((stream, connection)) = connections.admit(socket) else {
                tracing::debug!(target: "rpc", "refusing an RPC connection: too many open");
                continue;
            };
            let stopped = stop_handle.clone().shutdown();
            let (service_builder, methods, stop_handle) =
                (service_builder.clone(), methods_for_service.clone(), stop_handle.clone());
            let service =
                tower::service_fn(move |mut request: http::Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(connection.clone());
                    let mut service =
                        service_builder.clone().build(methods.clone(), stop_handle.clone());
                    let answer: std::pin::Pin<
                        Box<
                            dyn std::future::Future<
                                    Output = Result<
                                        http::Response<jsonrpsee::server::HttpBody>,
                                        jsonrpsee::core::BoxError,
                                    >,
                                > + Send,
                        >,
                    > = Box::pin(async move { service.call(request).await });
                    answer
                });
            // Spawned as it is (wrapped in another future, the compiler cannot show the
            // result is `Send`); the connection's state counts the session closed when the
            // last task holding it ends.
            tokio::spawn(serve_with_graceful_shutdown(stream, service, stopped));
        }
    });
    Ok(RpcServer { handle, address, accept_loop })
}

/// Browser origins: CORS answers for HTTP, and a guard for WebSocket upgrades, which CORS
/// does not cover.
pub mod cors {
    use std::sync::Arc;

    use tower_http::cors::{AllowOrigin, Any, CorsLayer};

    /// Whether browser `origin` matches an allowed entry: exactly, or any port for an entry
    /// ending in `:*` (Substrate's default list holds `http://localhost:*`).
    pub fn origin_allowed(allowed: &[String], origin: &str) -> bool {
        allowed.iter().any(|entry| match entry.strip_suffix(":*") {
            Some(host) => {
                origin == host
                    || origin
                        .strip_prefix(host)
                        .and_then(|rest| rest.strip_prefix(':'))
                        .is_some_and(|port| {
                            !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
                        })
            }
            None => origin == entry,
        })
    }

    /// The CORS layer for `allowed` origins (`None`: any).
    pub fn layer(allowed: Option<&[String]>) -> CorsLayer {
        match allowed {
            None => CorsLayer::new().allow_origin(Any),
            Some(origins) => {
                let origins = origins.to_vec();
                CorsLayer::new().allow_origin(AllowOrigin::predicate(move |origin, _| {
                    origin.to_str().is_ok_and(|origin| origin_allowed(&origins, origin))
                }))
            }
        }
        .allow_methods([http::Method::POST])
        .allow_headers([http::header::CONTENT_TYPE])
    }

    /// Refuses requests (WebSocket upgrades included) whose `Origin` header is not allowed.
    /// Requests without one (non-browser clients) pass.
    #[derive(Clone)]
    pub struct OriginGuardLayer(Arc<Vec<String>>);

    impl OriginGuardLayer {
        /// A guard allowing `origins`.
        pub fn new(origins: Vec<String>) -> Self {
            OriginGuardLayer(Arc::new(origins))
        }
    }

    impl<S> tower::Layer<S> for OriginGuardLayer {
        type Service = OriginGuard<S>;

        fn layer(&self, inner: S) -> Self::Service {
            OriginGuard { inner, allowed: self.0.clone() }
        }
    }

    /// See [`OriginGuardLayer`].
    #[derive(Clone)]
    pub struct OriginGuard<S> {
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
                let allowed =
                    origin.to_str().is_ok_and(|origin| origin_allowed(&self.allowed, origin));
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

    #[cfg(test)]
    mod tests {
        use super::origin_allowed;

        #[test]
        fn origins_match_exactly_or_with_any_port() {
            let allowed =
                vec!["http://localhost:*".to_string(), "https://polkadot.js.org".to_string()];
            assert!(origin_allowed(&allowed, "http://localhost:3000"));
            assert!(origin_allowed(&allowed, "http://localhost"));
            assert!(origin_allowed(&allowed, "https://polkadot.js.org"));
            assert!(!origin_allowed(&allowed, "http://localhost.evil.com"));
            assert!(!origin_allowed(&allowed, "http://localhost:80evil"));
            assert!(!origin_allowed(&allowed, "https://polkadot.js.org.evil.com"));
            assert!(!origin_allowed(&allowed, "http://127.0.0.1:9944"));
        }
    }
}
