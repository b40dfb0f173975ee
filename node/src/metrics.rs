//! Prometheus metrics: one registry every subsystem registers into (the chain, the pool,
//! authoring, RPC), the node's own gauges under Substrate's names, and the endpoint that
//! serves them as text on `GET /metrics`.
//!
//! Every metric carries the `chain` label (the chain spec's id), as Substrate's do;
//! zombienet strips it, together with the `substrate_` prefix.

use std::{
    collections::HashMap,
    convert::Infallible,
    net::SocketAddr,
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, Result};
use dfs_rpc::server::AcceptBackoff;
use http_body_util::Full;
use hyper::{body::Bytes, Request, Response};
use hyper_util::rt::TokioIo;
use prometheus::{Encoder, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};
use tokio::net::TcpListener;

/// A registry whose every metric carries `chain="<chain_id>"`.
pub fn registry(chain_id: &str) -> Result<Registry> {
    let labels = HashMap::from([("chain".to_string(), chain_id.to_string())]);
    Registry::new_custom(None, Some(labels)).context("creating the metrics registry")
}

/// Registers the node's own gauges: start time, roles and build info (the network registers
/// its own, `dfs_network::NetworkMetrics`).
pub fn register_node_metrics(registry: &Registry, node_name: &str, roles: i64) -> Result<()> {
    let start = IntGauge::new(
        "substrate_process_start_time_seconds",
        "Number of seconds between the UNIX epoch and the moment the process started",
    )?;
    start.set(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64));
    let node_roles = IntGauge::new("substrate_node_roles", "The roles the node is running as")?;
    node_roles.set(roles);
    let build_info = IntGaugeVec::new(
        Opts::new(
            "substrate_build_info",
            "A metric with a constant '1' value labeled by name, version",
        ),
        &["name", "version"],
    )?;
    build_info.with_label_values(&[node_name, env!("CARGO_PKG_VERSION")]).set(1);
    for metric in [start, node_roles] {
        registry.register(Box::new(metric))?;
    }
    registry.register(Box::new(build_info))?;
    Ok(())
}

/// The registry's metrics in Prometheus' text format.
pub fn render(registry: &Registry) -> Vec<u8> {
    let mut out = Vec::new();
    if let Err(error) = TextEncoder::new().encode(&registry.gather(), &mut out) {
        tracing::warn!(target: "metrics", %error, "encoding the metrics failed");
    }
    out
}

/// Listens for metrics requests on `address`.
pub async fn listen(address: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen for Prometheus on {address}"))
}

/// Serves `registry` on `listener` until the process ends: `GET /metrics` (or `/`) gets
/// the metrics, anything else a 404.
pub async fn serve(listener: TcpListener, registry: Registry) {
    let mut backoff = AcceptBackoff::default();
    loop {
        let (socket, _) = backoff.accept(&listener, "metrics").await;
        let registry = registry.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                    let registry = registry.clone();
                    async move { Ok::<_, Infallible>(answer(&request, &registry)) }
                });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(socket), service);
            // A client that never finishes its request does not hold the connection for ever.
            let _ = tokio::time::timeout(std::time::Duration::from_secs(30), connection).await;
        });
    }
}

fn answer(request: &Request<hyper::body::Incoming>, registry: &Registry) -> Response<Full<Bytes>> {
    let path = request.uri().path();
    let (status, content_type, body) =
        if request.method() == hyper::Method::GET && (path == "/metrics" || path == "/") {
            (200, TextEncoder::new().format_type().to_string(), render(registry))
        } else {
            (404, "text/plain".to_string(), b"not found: the metrics are at /metrics\n".to_vec())
        };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
    if let Ok(value) = hyper::header::HeaderValue::from_str(&content_type) {
        response.headers_mut().insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_carry_the_chain_label_and_substrate_names() {
        let registry = registry("dev").unwrap();
        register_node_metrics(&registry, "Alice", 4).unwrap();
        let text = String::from_utf8(render(&registry)).unwrap();
        assert!(text.contains("substrate_node_roles{chain=\"dev\"} 4"), "{text}");
        assert!(text.contains("substrate_build_info{name=\"Alice\",version="), "{text}");
    }
}
