//! Prometheus metrics, under Substrate's names where they exist (zombienet and dashboards
//! key on them) and `dfs_*` for the rest, served as text on `GET /metrics`.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::{chain::Chain, txpool::TxPool};

/// A summary of durations: count and total, plus the last one.
pub struct Timer {
    count: AtomicU64,
    total_micros: AtomicU64,
    last_micros: AtomicU64,
}

impl Timer {
    const fn new() -> Self {
        Timer {
            count: AtomicU64::new(0),
            total_micros: AtomicU64::new(0),
            last_micros: AtomicU64::new(0),
        }
    }

    /// Records one duration.
    pub fn observe(&self, elapsed: Duration) {
        let micros = elapsed.as_micros().min(u128::from(u64::MAX)) as u64;
        self.count.fetch_add(1, Ordering::Relaxed);
        self.total_micros.fetch_add(micros, Ordering::Relaxed);
        self.last_micros.store(micros, Ordering::Relaxed);
    }
}

/// Block import times.
pub static BLOCK_IMPORT: Timer = Timer::new();
/// Block authoring (building) times.
pub static BLOCK_AUTHORING: Timer = Timer::new();

/// What the metrics page reads.
pub struct MetricsSource {
    /// The chain.
    pub chain: Arc<Chain>,
    /// The pool.
    pub pool: Arc<TxPool>,
    /// The node's name.
    pub name: String,
    /// The chain's id, the `chain` label.
    pub chain_id: String,
    /// Substrate's role bits: 1 full, 4 authority.
    pub roles: u64,
    /// When the process started, in seconds since the Unix epoch.
    pub start_time: u64,
}

/// Seconds since the Unix epoch now.
pub fn unix_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

impl MetricsSource {
    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        let chain = escape(&self.chain_id);
        let best = self.chain.best().number;
        let finalized = self.chain.finalized().number;
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, lines: Vec<(String, String)>| {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
            for (labels, value) in lines {
                out.push_str(&format!("{name}{labels} {value}\n"));
            }
        };
        let plain = |value: String| vec![(format!("{{chain=\"{chain}\"}}"), value)];
        metric(
            "substrate_process_start_time_seconds",
            "gauge",
            "Number of seconds between the UNIX epoch and the moment the process started",
            plain(self.start_time.to_string()),
        );
        metric(
            "substrate_block_height",
            "gauge",
            "Block height info of the chain",
            vec![
                (format!("{{status=\"best\",chain=\"{chain}\"}}"), best.to_string()),
                (format!("{{status=\"finalized\",chain=\"{chain}\"}}"), finalized.to_string()),
            ],
        );
        metric(
            "substrate_node_roles",
            "gauge",
            "The roles the node is running as",
            plain(self.roles.to_string()),
        );
        metric(
            "substrate_build_info",
            "gauge",
            "A metric with a constant '1' value labeled by name, version",
            vec![(
                format!(
                    "{{name=\"{}\",version=\"{}\",chain=\"{chain}\"}}",
                    escape(&self.name),
                    env!("CARGO_PKG_VERSION")
                ),
                "1".into(),
            )],
        );
        metric(
            "substrate_ready_transactions_number",
            "gauge",
            "Number of transactions in the ready queue",
            plain(self.pool.ready_count().to_string()),
        );
        metric(
            "substrate_sub_libp2p_peers_count",
            "gauge",
            "Number of connected peers",
            plain("0".into()),
        );
        metric(
            "substrate_sub_libp2p_is_major_syncing",
            "gauge",
            "Whether the node is performing a major sync or not",
            plain("0".into()),
        );
        for (name, help, timer) in [
            ("dfs_block_import", "Block import time", &BLOCK_IMPORT),
            ("dfs_block_authoring", "Block building time", &BLOCK_AUTHORING),
        ] {
            let count = timer.count.load(Ordering::Relaxed);
            let total = timer.total_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let last = timer.last_micros.load(Ordering::Relaxed) as f64 / 1e6;
            metric(
                &format!("{name}_seconds"),
                "summary",
                help,
                vec![
                    (format!("_sum{{chain=\"{chain}\"}}"), format!("{total}")),
                    (format!("_count{{chain=\"{chain}\"}}"), count.to_string()),
                ],
            );
            metric(
                &format!("{name}_last_seconds"),
                "gauge",
                &format!("{help} of the last block"),
                plain(format!("{last}")),
            );
        }
        out
    }
}

/// Serves the metrics on `listener` until the process ends.
pub async fn serve(listener: TcpListener, source: Arc<MetricsSource>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let source = source.clone();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(10), answer(stream, &source)).await;
        });
    }
}

/// Answers one HTTP request: `GET /metrics` gets the page, anything else a 404.
async fn answer(mut stream: TcpStream, source: &MetricsSource) -> std::io::Result<()> {
    let mut request = Vec::with_capacity(1024);
    let mut buffer = [0u8; 1024];
    // Read the request head only, and not without bound.
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        request.extend_from_slice(&buffer[..read]);
    }
    let line = request.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, content_type, body) = if method == "GET" && (path == "/metrics" || path == "/") {
        ("200 OK", "text/plain; version=0.0.4", source.render())
    } else {
        ("404 Not Found", "text/plain", "not found: the metrics are at /metrics\n".into())
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
