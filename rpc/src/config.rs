//! The server's settings, and the bounds the namespaces apply to what they answer.

use std::{net::SocketAddr, time::Duration};

/// Bounds the namespaces apply to what they answer.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest response, in bytes.
    pub max_response_bytes: usize,
    /// The largest request, in bytes (a call's data decodes to at most this).
    pub max_request_bytes: usize,
    /// Most entries in one list parameter or answer (keys, block numbers).
    pub max_items: usize,
    /// Whether unsafe methods are served.
    pub unsafe_methods: bool,
}

/// The server's settings.
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
    /// Most calls in one batch.
    pub max_batch_len: u32,
    /// Most messages queued for one WebSocket client (Substrate keeps 64).
    pub message_buffer_capacity: u32,
    /// Most bytes queued for one client; past it the connection is closed.
    pub max_pending_output_bytes: usize,
    /// How long output may wait on a client that reads nothing before it is closed.
    pub stall_timeout: Duration,
    /// Most entries in one list parameter or answer.
    pub max_items: usize,
    /// Threads answering calls that need the state or the runtime.
    pub workers: usize,
    /// Calls waiting for those threads, at most; beyond, "busy".
    pub worker_queue: usize,
    /// Allowed browser origins (`None`: any).
    pub cors: Option<Vec<String>>,
}

impl RpcConfig {
    /// Defaults for listening on `address`, as Substrate's where it has them.
    pub fn new(address: SocketAddr) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        RpcConfig {
            address,
            unsafe_methods: false,
            max_connections: 100,
            max_request_bytes: 15 * 1024 * 1024,
            max_response_bytes: 32 * 1024 * 1024,
            max_subscriptions_per_connection: 1024,
            max_batch_len: 1000,
            message_buffer_capacity: 64,
            max_pending_output_bytes: 64 * 1024 * 1024,
            stall_timeout: Duration::from_secs(30),
            max_items: 1000,
            workers: cores,
            worker_queue: 1024,
            cors: None,
        }
    }

    pub(crate) fn limits(&self) -> Limits {
        Limits {
            max_response_bytes: self.max_response_bytes as usize,
            max_request_bytes: self.max_request_bytes as usize,
            max_items: self.max_items,
            unsafe_methods: self.unsafe_methods,
        }
    }
}
