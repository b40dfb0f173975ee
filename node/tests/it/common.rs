//! Starting `dfs-node` processes and talking JSON-RPC to them over plain HTTP (shared by
//! the integration tests and the `bench_tps` example).

#![allow(dead_code)]

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpStream},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{json, Value};

/// The node binary: cargo's for tests, else the `dfs-node` beside the running program's
/// folder (`target/<profile>/examples/x` → `target/<profile>/dfs-node`).
pub fn binary() -> String {
    if let Some(path) = option_env!("CARGO_BIN_EXE_dfs-node") {
        return path.to_string();
    }
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(Path::parent).unwrap();
    profile.join("dfs-node").to_str().unwrap().to_string()
}

/// Nodes of a test binary take turns: any number run together, except an exclusive one
/// (a test timing block production under load), which runs alone on the machine.
#[derive(Default)]
struct Turnstile {
    running: usize,
    exclusive: bool,
}

static TURNS: (Mutex<Turnstile>, std::sync::Condvar) =
    (Mutex::new(Turnstile { running: 0, exclusive: false }), std::sync::Condvar::new());

/// A node's turn; given back when dropped.
struct Turn {
    exclusive: bool,
}

impl Turn {
    fn take(exclusive: bool) -> Turn {
        let (lock, changed) = &TURNS;
        let mut turns = lock.lock().unwrap_or_else(|p| p.into_inner());
        while turns.exclusive || (exclusive && turns.running > 0) {
            turns = changed.wait(turns).unwrap_or_else(|p| p.into_inner());
        }
        turns.running += 1;
        turns.exclusive = exclusive;
        Turn { exclusive }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let (lock, changed) = &TURNS;
        let mut turns = lock.lock().unwrap_or_else(|p| p.into_inner());
        turns.running -= 1;
        if self.exclusive {
            turns.exclusive = false;
        }
        changed.notify_all();
    }
}

/// A turn for a test that runs a node of its own (not through [`Node`]); hold it as long as
/// that node runs.
pub fn take_turn() -> impl Drop {
    Turn::take(false)
}

/// A running node; killed when dropped.
pub struct Node {
    child: Child,
    /// Its RPC address.
    pub rpc: SocketAddr,
    /// Its Prometheus address, if serving.
    pub prometheus: Option<SocketAddr>,
    log: Arc<Mutex<String>>,
    _turn: Turn,
}

fn address_after(log: &str, marker: &str) -> Option<SocketAddr> {
    let start = log.find(marker)? + marker.len();
    let rest = &log[start..];
    let end = rest.find(|c: char| c == ',' || c.is_whitespace()).unwrap_or(rest.len());
    rest[..end].parse().ok()
}

impl Node {
    /// Starts `dfs-node` with `args` plus free RPC and metrics ports, and waits until its
    /// RPC server listens.
    pub fn start(args: &[&str]) -> Node {
        Self::start_with_turn(args, Turn::take(false))
    }

    /// [`Node::start`] once no other node of this test binary runs, and none starts until
    /// this one is gone: for tests that time the node under load.
    pub fn start_alone(args: &[&str]) -> Node {
        Self::start_with_turn(args, Turn::take(true))
    }

    fn start_with_turn(args: &[&str], turn: Turn) -> Node {
        // Test nodes never find each other by themselves (every dev chain has the same
        // genesis) and listen on a free loopback port; tests that build a network say so.
        let mut network = Vec::new();
        if !args.contains(&"--listen-addr") {
            network.extend(["--listen-addr", "/ip4/127.0.0.1/tcp/0"]);
        }
        if !args.contains(&"--no-mdns") {
            network.push("--no-mdns");
        }
        let mut child = Command::new(binary())
            .args(args)
            .args(network)
            .args(["--rpc-port", "0", "--prometheus-port", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let text = log.lock().unwrap().clone();
            if let Some(rpc) = address_after(&text, "Running JSON-RPC server: addr=") {
                let prometheus = address_after(&text, "Prometheus exporter started at ");
                return Node { child, rpc, prometheus, log, _turn: turn };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("dfs-node exited with {status} before serving RPC:\n{text}");
            }
            assert!(Instant::now() < deadline, "dfs-node did not start RPC in time:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything it logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Whether it still runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills it with SIGKILL.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops it with SIGTERM and waits for it to exit.
    pub fn stop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("dfs-node did not stop on SIGTERM:\n{}", self.log());
    }

    /// Sends a raw HTTP POST body; returns the status code and the response body.
    pub fn post(&self, body: &[u8]) -> (u16, String) {
        http_post(self.rpc, body)
    }

    /// Calls `method`; returns the whole JSON-RPC response.
    pub fn call_raw(&self, method: &str, params: Value) -> Value {
        let request = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let (_, body) = self.post(request.to_string().as_bytes());
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{method}: {e}: {body}"))
    }

    /// Calls `method` and returns its result, failing the test on an error.
    pub fn call(&self, method: &str, params: Value) -> Value {
        let response = self.call_raw(method, params);
        match response.get("result") {
            Some(result) => result.clone(),
            None => panic!("{method} failed: {response}"),
        }
    }

    /// The best block number.
    pub fn best_number(&self) -> u32 {
        let header = self.call("chain_getHeader", json!([]));
        u32::from_str_radix(header["number"].as_str().unwrap().trim_start_matches("0x"), 16)
            .unwrap()
    }

    /// Waits until the best block is at least `number`.
    pub fn wait_for_block(&self, number: u32, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.best_number() < number {
            assert!(Instant::now() < deadline, "no block #{number} in time:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until every pool transaction is in a block, then for that block's import to
    /// show in the best block.
    pub fn wait_for_empty_pool(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.call("author_pendingExtrinsics", json!([])).as_array().unwrap().is_empty() {
            assert!(Instant::now() < deadline, "the pool did not empty in time:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(200));
        }
        self.wait_for_block(self.best_number(), Duration::from_secs(10));
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One HTTP/1.1 POST of a JSON body to `address`.
pub fn http_post(address: SocketAddr, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer (and close) before reading an oversized body.
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    parse_http(&response)
}

/// One HTTP/1.1 GET.
pub fn http_get(address: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    parse_http(&response)
}

fn parse_http(response: &[u8]) -> (u16, String) {
    let text = String::from_utf8_lossy(response).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    if !chunked {
        return (status, body.to_string());
    }
    let mut decoded = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        decoded.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    (status, decoded)
}

/// A fresh base path.
pub fn base_path() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("dfs-node-test-").tempdir().unwrap()
}

/// The path as a `&str`.
pub fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A signed `balances.transfer_keep_alive` from dev account `from` to `to`, as hex.
pub fn transfer(node: &Node, from: &str, to: &str, amount: u128, nonce: u32) -> String {
    transfer_with_tip(node, from, to, amount, nonce, 0)
}

/// [`transfer`] with a tip.
pub fn transfer_with_tip(
    node: &Node,
    from: &str,
    to: &str,
    amount: u128,
    nonce: u32,
    tip: u128,
) -> String {
    let genesis = node.call("chain_getBlockHash", json!([0]));
    let mut genesis_hash = [0u8; 32];
    hex::decode_to_slice(genesis.as_str().unwrap().trim_start_matches("0x"), &mut genesis_hash)
        .unwrap();
    let context = dfs_runtime::signing::SigningContext::for_genesis(dfs_core::H256(genesis_hash));
    let call = dfs_runtime::signing::transfer_keep_alive(&dfs_core::pair::dev_account(to), amount);
    let xt =
        dfs_runtime::signing::sign(&dfs_core::pair::dev_sr25519(from), &context, &call, nonce, tip);
    format!("0x{}", hex::encode(xt))
}

/// A minimal WebSocket client (RFC 6455 text frames, masked as a client must), enough to
/// hold subscriptions and to behave badly: send without reading, or vanish.
pub struct WsClient {
    stream: TcpStream,
}

impl WsClient {
    /// Connects and upgrades to WebSocket.
    pub fn connect(address: SocketAddr) -> WsClient {
        let mut stream = TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            stream,
            "GET / HTTP/1.1\r\nHost: {address}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
        WsClient { stream }
    }

    /// Sends a text frame; `false` if the server has closed the connection.
    pub fn send(&mut self, text: &str) -> bool {
        let payload = text.as_bytes();
        let mut frame = vec![0x81];
        match payload.len() {
            len if len < 126 => frame.push(0x80 | len as u8),
            len if len < 65_536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(len as u16).to_be_bytes());
            }
            len => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        let mask = [0x12, 0x34, 0x56, 0x78];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).is_ok()
    }

    /// Calls `method` (without waiting for the answer).
    pub fn request(&mut self, id: u64, method: &str, params: Value) -> bool {
        self.send(
            &json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }).to_string(),
        )
    }

    /// The next text message (pings are answered, other control frames skipped); `None` if
    /// the connection closed.
    pub fn read(&mut self) -> Option<Value> {
        loop {
            let mut head = [0u8; 2];
            self.stream.read_exact(&mut head).ok()?;
            let mut len = u64::from(head[1] & 0x7f);
            if len == 126 {
                let mut bytes = [0u8; 2];
                self.stream.read_exact(&mut bytes).ok()?;
                len = u64::from(u16::from_be_bytes(bytes));
            } else if len == 127 {
                let mut bytes = [0u8; 8];
                self.stream.read_exact(&mut bytes).ok()?;
                len = u64::from_be_bytes(bytes);
            }
            let mut payload = vec![0u8; len as usize];
            self.stream.read_exact(&mut payload).ok()?;
            match head[0] & 0x0f {
                0x1 => return serde_json::from_slice(&payload).ok(),
                0x8 => return None,
                0x9 => {
                    // Pong, masked, with the ping's payload.
                    let mask = [1, 2, 3, 4];
                    let mut frame = vec![0x8a, 0x80 | payload.len() as u8];
                    frame.extend_from_slice(&mask);
                    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
                    self.stream.write_all(&frame).ok()?;
                }
                _ => {}
            }
        }
    }

    /// Reads until the answer to request `id`.
    pub fn answer(&mut self, id: u64) -> Value {
        loop {
            let message = self.read().expect("the connection closed before the answer");
            if message["id"] == id {
                return message;
            }
        }
    }
}

/// The value of the metric line starting with `prefix` in `node`'s metrics, if any.
pub fn metric(node: &Node, prefix: &str) -> Option<f64> {
    let (_, text) = http_get(node.prometheus.unwrap(), "/metrics");
    text.lines()
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

/// The peak resident memory of process `pid` (VmHWM), in MiB.
pub fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<u64>().ok())
        .map_or(0, |kib| kib / 1024)
}
