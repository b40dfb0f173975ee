//! The listener and its connections.
//!
//! The server runs its own accept loop instead of jsonrpsee's, for three reasons:
//!
//! - An accept error such as EMFILE (no file descriptors left) repeats at once as long as
//!   it lasts; the loop backs off (up to a second) instead of spinning on a core.
//! - Each connection's socket is wrapped to count what is written to it, so the server
//!   knows how much output a connection has queued and whether its client still reads:
//!   [`ConnectionState`] charges every answer and notification, and a connection whose
//!   queued output passes its byte budget, or whose client has read nothing for the stall
//!   timeout while output waits, is closed rather than buffered without end.
//! - Every request carries its connection's state (an HTTP extension jsonrpsee passes on
//!   to methods and subscriptions), through which calls in flight are bounded too.

use std::{
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex, Weak,
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use crate::metrics::RpcMetrics;
// Values locked here (an instant, a handle) are replaced whole.
use dfs_io::sync::lock;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::Notify,
};

/// Per-connection bounds.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Most bytes of answers and notifications queued for the client and not yet written
    /// to its socket; past it the connection is closed.
    pub max_pending_output: usize,
    /// How long output may wait on a client that reads nothing before it is closed.
    pub stall_timeout: Duration,
    /// Most calls of one connection running or waiting at once; further ones are told the
    /// server is busy.
    pub max_calls_in_flight: usize,
    /// Most bytes of parameters of one connection's calls in flight.
    pub max_bytes_in_flight: usize,
}

/// What the server knows of one connection: its queued output, its calls in flight, and
/// the means to close it.
pub struct ConnectionState {
    id: u64,
    limits: ConnectionLimits,
    /// Bytes charged (answers, notifications) minus bytes written to the socket; written
    /// framing makes it dip below zero, where it is clamped.
    pending_output: AtomicI64,
    /// Since when the socket has refused more output, if it does.
    blocked_since: Mutex<Option<Instant>>,
    calls_in_flight: AtomicUsize,
    bytes_in_flight: AtomicUsize,
    killed: AtomicBool,
    kill: Notify,
    /// A second handle to the socket, to shut it down from outside the tasks using it; let
    /// go with the socket itself, so that calls still holding this state keep no descriptor.
    socket: Mutex<Option<std::net::TcpStream>>,
    /// Whether the socket is gone and the connection no longer counted as open.
    released: AtomicBool,
    open_connections: Arc<AtomicUsize>,
    metrics: RpcMetrics,
}

impl ConnectionState {
    fn new(
        id: u64,
        limits: ConnectionLimits,
        socket: Option<std::net::TcpStream>,
        open_connections: Arc<AtomicUsize>,
        metrics: RpcMetrics,
    ) -> Self {
        metrics.session_opened();
        ConnectionState {
            id,
            limits,
            pending_output: AtomicI64::new(0),
            blocked_since: Mutex::new(None),
            calls_in_flight: AtomicUsize::new(0),
            bytes_in_flight: AtomicUsize::new(0),
            killed: AtomicBool::new(false),
            kill: Notify::new(),
            socket: Mutex::new(socket),
            released: AtomicBool::new(false),
            open_connections,
            metrics,
        }
    }

    /// The connection's number (for logs).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Bytes of output queued and not yet written, about.
    pub fn pending_output(&self) -> usize {
        self.pending_output.load(Ordering::Relaxed).max(0) as usize
    }

    /// Whether the connection was closed by the server.
    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Relaxed)
    }

    /// Charges `bytes` of output (an answer or a notification about to be queued); closes
    /// the connection and returns `false` if that takes its queued output over budget.
    pub fn charge_output(&self, bytes: usize) -> bool {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        let pending = self.pending_output.fetch_add(bytes, Ordering::Relaxed).saturating_add(bytes);
        if pending > self.limits.max_pending_output as i64 {
            self.close(&format!(
                "its client reads too slowly: {pending} bytes of output queued, more than the \
                 {} allowed",
                self.limits.max_pending_output
            ));
            return false;
        }
        !self.is_killed()
    }

    fn written(&self, bytes: usize) {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        let after = self.pending_output.fetch_sub(bytes, Ordering::Relaxed).saturating_sub(bytes);
        if after < 0 {
            // Framing and headers are written but never charged.
            let _ = self.pending_output.compare_exchange(
                after,
                0,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }

    fn set_blocked(&self, blocked: bool) {
        let mut since = lock(&self.blocked_since);
        match (blocked, since.is_some()) {
            (true, false) => *since = Some(Instant::now()),
            (false, true) => *since = None,
            _ => {}
        }
    }

    /// How long output has waited on a client that reads nothing, if it does.
    fn stalled_for(&self) -> Option<Duration> {
        let since = *lock(&self.blocked_since);
        since.map(|since| since.elapsed())
    }

    /// Takes a slot for a call with `bytes` of parameters, or `None` if the connection has
    /// as many calls or bytes in flight as it may.
    pub fn begin_call(self: &Arc<Self>, bytes: usize) -> Option<CallSlot> {
        let calls = self.calls_in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        let in_flight = self.bytes_in_flight.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let slot = CallSlot { connection: self.clone(), bytes };
        if calls > self.limits.max_calls_in_flight || in_flight > self.limits.max_bytes_in_flight {
            // Dropping the slot gives both back.
            return None;
        }
        Some(slot)
    }

    /// Closes the connection: its socket is shut down, which ends every task using it.
    pub fn close(&self, reason: &str) {
        if self.killed.swap(true, Ordering::Relaxed) {
            return;
        }
        tracing::info!(target: "rpc", connection = self.id, "closing an RPC connection: {reason}");
        if let Some(socket) = lock(&self.socket).as_ref() {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
        self.kill.notify_waiters();
    }

    /// The socket is gone: its second handle is closed and the connection stops counting
    /// against the limit, even while calls it started still run.
    fn release(&self) {
        if self.released.swap(true, Ordering::Relaxed) {
            return;
        }
        lock(&self.socket).take();
        self.open_connections.fetch_sub(1, Ordering::Relaxed);
        self.metrics.session_closed();
    }

    /// Resolves when the connection is closed by the server.
    pub async fn closed(&self) {
        let notified = self.kill.notified();
        if self.is_killed() {
            return;
        }
        notified.await;
    }
}

impl Drop for ConnectionState {
    fn drop(&mut self) {
        self.release();
    }
}

/// A call in flight on a connection; gives its slot back when dropped.
pub struct CallSlot {
    connection: Arc<ConnectionState>,
    bytes: usize,
}

impl Drop for CallSlot {
    fn drop(&mut self) {
        self.connection.calls_in_flight.fetch_sub(1, Ordering::Relaxed);
        self.connection.bytes_in_flight.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

/// A socket that tells its connection what was written and whether the client stopped
/// reading, and fails at once once the connection is closed.
pub struct CountingStream {
    inner: TcpStream,
    connection: Arc<ConnectionState>,
}

impl Drop for CountingStream {
    fn drop(&mut self) {
        self.connection.release();
    }
}

impl AsyncRead for CountingStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.connection.is_killed() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountingStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.connection.is_killed() {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        match &result {
            Poll::Ready(Ok(written)) => {
                self.connection.written(*written);
                self.connection.set_blocked(false);
            }
            Poll::Pending => self.connection.set_blocked(true),
            Poll::Ready(Err(_)) => {}
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Grows the pause after accept errors that repeat (no descriptors left), up to a second.
#[derive(Debug)]
pub struct AcceptBackoff {
    delay: Duration,
    last_warning: Option<Instant>,
}

impl Default for AcceptBackoff {
    fn default() -> Self {
        AcceptBackoff { delay: Self::FIRST, last_warning: None }
    }
}

impl AcceptBackoff {
    const FIRST: Duration = Duration::from_millis(5);
    const MAX: Duration = Duration::from_secs(1);

    /// Accepts the next connection on `listener`, pausing after errors that would repeat
    /// at once; errors of one connection only (it reset before we took it) are skipped.
    pub async fn accept(&mut self, listener: &TcpListener, what: &str) -> (TcpStream, SocketAddr) {
        loop {
            match listener.accept().await {
                Ok(accepted) => {
                    self.delay = Self::FIRST;
                    return accepted;
                }
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    let warn =
                        self.last_warning.is_none_or(|at| at.elapsed() > Duration::from_secs(10));
                    if warn {
                        tracing::warn!(
                            target: "rpc",
                            %error,
                            "accepting {what} connections failed; pausing {} ms",
                            self.delay.as_millis()
                        );
                        self.last_warning = Some(Instant::now());
                    }
                    tokio::time::sleep(self.delay).await;
                    self.delay = (self.delay * 2).min(Self::MAX);
                }
            }
        }
    }
}

/// Whether an accept error concerns one connection only, so the next accept may succeed.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// Counts connections and makes their state.
pub struct Connections {
    open: Arc<AtomicUsize>,
    next_id: AtomicU64,
    max: usize,
    limits: ConnectionLimits,
    metrics: RpcMetrics,
}

impl Connections {
    /// At most `max` connections at once, each bound by `limits`.
    pub fn new(metrics: RpcMetrics, max: usize, limits: ConnectionLimits) -> Self {
        Connections {
            open: Arc::new(AtomicUsize::new(0)),
            next_id: AtomicU64::new(0),
            max,
            limits,
            metrics,
        }
    }

    /// How many connections are open.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Takes in `socket`: its counted stream and state, or `None` (and the socket closed) if
    /// as many connections are open as allowed.
    pub fn admit(&self, socket: TcpStream) -> Option<(CountingStream, Arc<ConnectionState>)> {
        if self.open.fetch_add(1, Ordering::Relaxed) >= self.max {
            self.open.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        let _ = socket.set_nodelay(true);
        let handle = socket_handle(&socket);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(ConnectionState::new(
            id,
            self.limits,
            handle,
            self.open.clone(),
            self.metrics.clone(),
        ));
        tokio::spawn(watch_stalls(Arc::downgrade(&state)));
        Some((CountingStream { inner: socket, connection: state.clone() }, state))
    }
}

/// A second handle to `socket` (a duplicated descriptor), to shut it down later.
fn socket_handle(socket: &TcpStream) -> Option<std::net::TcpStream> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        socket.as_fd().try_clone_to_owned().ok().map(std::net::TcpStream::from)
    }
    #[cfg(not(unix))]
    {
        let _ = socket;
        None
    }
}

/// Closes the connection once output has waited on a client that reads nothing for longer
/// than the stall timeout; ends with the connection.
async fn watch_stalls(connection: Weak<ConnectionState>) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        let Some(state) = connection.upgrade() else { return };
        if state.is_killed() {
            return;
        }
        if let Some(stalled) = state.stalled_for() {
            if stalled > state.limits.stall_timeout {
                state.close(&format!(
                    "its client has read nothing for {} s while {} bytes wait",
                    stalled.as_secs(),
                    state.pending_output()
                ));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ConnectionLimits {
        ConnectionLimits {
            max_pending_output: 1 << 20,
            stall_timeout: Duration::from_secs(60),
            max_calls_in_flight: 16,
            max_bytes_in_flight: 1 << 20,
        }
    }

    #[tokio::test]
    async fn a_connection_whose_socket_is_gone_holds_no_descriptor_or_slot() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let _client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (socket, _) = listener.accept().await.unwrap();
        let connections = Connections::new(RpcMetrics::default(), 1, limits());
        let (stream, state) = connections.admit(socket).unwrap();
        assert_eq!(connections.open(), 1);
        assert!(lock(&state.socket).is_some(), "a handle to shut it down with");
        // A call still running holds the state; the connection's socket ends.
        let call = state.begin_call(10).unwrap();
        drop(stream);
        assert_eq!(connections.open(), 0, "the slot is free for another client");
        assert!(lock(&state.socket).is_none(), "the second descriptor is closed");
        drop((call, state));
        assert_eq!(connections.open(), 0, "released once");
    }
}
