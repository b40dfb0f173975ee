//! The executor: runs the chain's Wasm runtime with wasmtime.
//!
//! The node only ever runs the runtime blob stored at `:code`. Calls use
//! Substrate's convention: an exported `<Api>_<method>(ptr, len) -> len << 32 | ptr`
//! with SCALE-encoded input and output. The runtime reaches the host through the
//! host functions (module `host`), under Substrate's names; its heap is managed by the
//! host ([`allocator`]).
//!
//! Everything is bounded: memory (a page limit), time (an epoch deadline per call),
//! stack (wasmtime's stack limit). Whatever the runtime does — trap, loop, exhaust
//! memory, pass bad pointers — the call ends in an [`ExecutorError`] and the executor
//! stays usable. Compiled modules are cached by code hash.

pub mod allocator;
mod host;
pub mod state;
pub mod verified;

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Condvar, Mutex,
    },
    thread::JoinHandle,
    time::Duration,
};

use codec::Decode;
use dfs_core::{hashing::blake2_256, H256};
use dfs_io::state::Externalities;
use dfs_runtime_primitives::RuntimeVersion;
use wasmtime::{Config, Engine, InstancePre, Linker, Store, StoreLimits, StoreLimitsBuilder, Trap};

use dfs_io::bounded::BoundedMap;

use crate::{allocator::HeapAllocator, host::HostState, verified::VerifiedSignatures};

/// Why a runtime call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecutorError {
    /// The blob is not a Wasm module wasmtime accepts, or imports unknown host functions.
    #[error("invalid runtime code: {0}")]
    InvalidCode(String),
    /// The runtime has no such entry point.
    #[error("the runtime does not export `{0}`")]
    MethodNotFound(String),
    /// The runtime trapped (a panic, an invalid operation, a failed API call).
    #[error("`{method}` trapped: {reason}")]
    Trap {
        /// The entry point.
        method: String,
        /// What happened.
        reason: String,
    },
    /// The call ran past its time limit.
    #[error("`{0}` ran past its time limit")]
    Timeout(String),
    /// The call's memory ran out (heap limit or memory page limit).
    #[error("`{0}` ran out of memory")]
    OutOfMemory(String),
    /// The call's output pointer or length lies outside its memory.
    #[error("`{0}` returned an output outside its memory")]
    InvalidOutput(String),
    /// Reading the state failed (a missing or corrupt trie node).
    #[error("state backend: {0}")]
    Backend(String),
    /// No runtime instance could be made for the call (this host's resources).
    #[error("no runtime instance for `{method}`: {reason}")]
    Instantiation {
        /// The entry point.
        method: String,
        /// Why.
        reason: String,
    },
}

/// Whom a runtime call works for, which sets its budget of time, memory and instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// The chain's own work: building, importing and checking blocks, validating
    /// transactions. The full budget, and instance slots no query can take.
    Block,
    /// Queries from outside (RPC `state_call`, fee estimates, `GenesisBuilder` for specs
    /// given by an operator): a smaller time and memory budget and a few instance slots of
    /// their own, so that a flood of them never takes what block production and import need.
    Offchain,
}

/// One kind of call's limits.
#[derive(Debug, Clone, Copy)]
pub struct CallBudget {
    /// The most Wasm memory pages (64 KiB each) an instance may use.
    pub max_memory_pages: u64,
    /// How long one call may run.
    pub timeout: Duration,
    /// How many such calls may run at once; further ones wait for a slot.
    pub concurrent_calls: u32,
}

/// Limits and tuning of the executor.
///
/// Instances come from a pool of prepared slots (memory reserved once, reset between calls
/// rather than mapped anew), which makes a call's start-up several times cheaper: one slot
/// for each concurrent call of either kind.
#[derive(Debug, Clone)]
pub struct ExecutorConfig {
    /// The budget of [`CallKind::Block`] calls.
    pub block: CallBudget,
    /// The budget of [`CallKind::Offchain`] calls: smaller in every respect.
    pub offchain: CallBudget,
    /// The Wasm stack limit in bytes.
    pub max_wasm_stack: usize,
    /// How many compiled runtimes to keep.
    pub module_cache_size: usize,
    /// How many valid signatures to remember across calls (see [`verified`]): enough for
    /// a full transaction pool, whose signatures are checked again in block building (the
    /// node sizes it from its pool's limit).
    pub verified_signatures: usize,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        ExecutorConfig {
            block: CallBudget {
                // 512 MiB: far above what a block of transfers needs, far below the machine.
                max_memory_pages: 8_192,
                timeout: Duration::from_secs(60),
                concurrent_calls: 64,
            },
            offchain: CallBudget {
                // 128 MiB and 10 s: a metadata query or a fee estimate takes milliseconds.
                max_memory_pages: 2_048,
                timeout: Duration::from_secs(10),
                concurrent_calls: 4,
            },
            max_wasm_stack: 1024 * 1024,
            module_cache_size: 4,
            // ~100 bytes each: 6.5 MiB at most.
            verified_signatures: 65_536,
        }
    }
}

/// How often the epoch advances: the granularity of call time limits.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Advances the engine's epoch in the background so calls can be interrupted.
struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("dfs-executor-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .ok();
        EpochTicker { stop, thread }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A counting semaphore over the pooled instance slots: the pool refuses an instance
/// beyond its size, so a call waits here for a slot instead of failing.
struct CallSlots {
    free: Mutex<u32>,
    released: Condvar,
}

/// A taken slot, given back on drop.
struct CallSlot<'a>(&'a CallSlots);

impl CallSlots {
    fn new(count: u32) -> Self {
        CallSlots { free: Mutex::new(count), released: Condvar::new() }
    }

    fn acquire(&self) -> CallSlot<'_> {
        // The counter stays consistent even if a holder panicked: keep using it.
        let mut free = self.free.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while *free == 0 {
            free = self.released.wait(free).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        *free -= 1;
        CallSlot(self)
    }
}

impl Drop for CallSlot<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) += 1;
        self.0.released.notify_one();
    }
}

/// Compiled runtimes by code hash.
type ModuleCache = BoundedMap<H256, InstancePre<HostState>>;

/// Runs runtime blobs. Cheap to share: calls may run concurrently from several threads.
pub struct Executor {
    engine: Engine,
    linker: Linker<HostState>,
    cache: Mutex<ModuleCache>,
    block_slots: CallSlots,
    offchain_slots: CallSlots,
    verified: Arc<VerifiedSignatures>,
    config: ExecutorConfig,
    _ticker: EpochTicker,
}

impl Executor {
    /// An executor with `config`.
    pub fn new(config: ExecutorConfig) -> Result<Self, ExecutorError> {
        let mut wasm = Config::new();
        wasm.epoch_interruption(true)
            .max_wasm_stack(config.max_wasm_stack)
            // Consensus needs every node to compute the same thing.
            .cranelift_nan_canonicalization(true)
            .wasm_relaxed_simd(false)
            .cranelift_opt_level(wasmtime::OptLevel::Speed);
        // `perf` sees runtime functions by name when asked (as Substrate's
        // WASMTIME_PROFILING_STRATEGY): /tmp/perf-<pid>.map.
        if std::env::var("DFS_WASMTIME_PROFILING").as_deref() == Ok("perfmap") {
            wasm.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let mut pool = wasmtime::PoolingAllocationConfig::new();
        let (block_slots, offchain_slots) =
            (config.block.concurrent_calls.max(1), config.offchain.concurrent_calls.max(1));
        let slots = block_slots + offchain_slots;
        let max_pages = config.block.max_memory_pages.max(config.offchain.max_memory_pages);
        pool.total_core_instances(slots)
            .total_memories(slots)
            .total_tables(slots)
            .max_memory_size((max_pages * 65_536) as usize);
        wasm.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&wasm).map_err(|e| ExecutorError::InvalidCode(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        host::define(&mut linker).map_err(|e| ExecutorError::InvalidCode(e.to_string()))?;
        Ok(Executor {
            _ticker: EpochTicker::start(engine.clone()),
            engine,
            linker,
            cache: Mutex::new(ModuleCache::new(config.module_cache_size.max(1))),
            block_slots: CallSlots::new(block_slots),
            offchain_slots: CallSlots::new(offchain_slots),
            verified: Arc::new(VerifiedSignatures::new(config.verified_signatures)),
            config,
        })
    }

    /// The compiled, linked runtime for `code` (whose blake2-256 is `hash`), from the cache or
    /// compiled now.
    fn prepare<'c>(
        &self,
        hash: H256,
        code: impl FnOnce() -> Result<std::borrow::Cow<'c, [u8]>, ExecutorError>,
    ) -> Result<InstancePre<HostState>, ExecutorError> {
        if let Some(pre) = self.lock_cache().get(&hash) {
            return Ok(pre.clone());
        }
        let code = code()?;
        let module = wasmtime::Module::new(&self.engine, &*code)
            .map_err(|e| ExecutorError::InvalidCode(format!("{e:#}")))?;
        let pre = self
            .linker
            .instantiate_pre(&module)
            .map_err(|e| ExecutorError::InvalidCode(format!("{e:#}")))?;
        self.lock_cache().insert(hash, pre.clone());
        Ok(pre)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, ModuleCache> {
        // A panic while holding the lock cannot leave the cache inconsistent: use it anyway.
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Calls runtime API `method` of `code` with SCALE-encoded `input`, over `ext`.
    pub fn call(
        &self,
        code: &[u8],
        method: &str,
        input: &[u8],
        ext: &mut dyn Externalities,
    ) -> Result<Vec<u8>, ExecutorError> {
        self.call_with_hash(H256(blake2_256(code)), code, method, input, ext)
    }

    /// [`Executor::call`] for a caller that knows the code's blake2-256 hash (the state trie
    /// keeps it), saving the hashing of a large blob on every call.
    pub fn call_with_hash(
        &self,
        code_hash: H256,
        code: &[u8],
        method: &str,
        input: &[u8],
        ext: &mut dyn Externalities,
    ) -> Result<Vec<u8>, ExecutorError> {
        self.call_with_loader(
            code_hash,
            || Ok(std::borrow::Cow::Borrowed(code)),
            method,
            input,
            ext,
            CallKind::Block,
        )
    }

    fn budget(&self, kind: CallKind) -> &CallBudget {
        match kind {
            CallKind::Block => &self.config.block,
            CallKind::Offchain => &self.config.offchain,
        }
    }

    /// A new store holding an instance of `pre`. The caller holds a [`CallSlot`], so a pool
    /// slot is free, but wasmtime's pool looks for one shard by shard and can miss a slot
    /// freed meanwhile in a shard it already passed (seen under 8 threads on 2 slots): such
    /// a refusal is retried, with a new store each time (a refused attempt still counts
    /// against the store's one-instance limit), for up to a second before it is reported.
    fn instantiate(
        &self,
        pre: &InstancePre<HostState>,
        budget: &CallBudget,
    ) -> wasmtime::Result<(Store<HostState>, wasmtime::Instance)> {
        let started = std::time::Instant::now();
        loop {
            let limits: StoreLimits = StoreLimitsBuilder::new()
                .memory_size((budget.max_memory_pages * 65_536) as usize)
                .instances(1)
                .tables(4)
                .build();
            let mut store = Store::new(&self.engine, HostState::new(limits, self.verified.clone()));
            store.limiter(|state| &mut state.limits);
            let ticks = (budget.timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
            store.set_epoch_deadline(ticks);
            match pre.instantiate(&mut store) {
                Ok(instance) => return Ok((store, instance)),
                Err(error)
                    if error.is::<wasmtime::PoolConcurrencyLimitError>()
                        && started.elapsed() < Duration::from_secs(1) =>
                {
                    std::thread::sleep(Duration::from_micros(50));
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// [`Executor::call_with_hash`] that reads the code only when the module cache lacks it
    /// (the runtime blob is hundreds of kilobytes, and reading it from the state for every
    /// call would cost more than most calls), within the budget of `kind`.
    pub fn call_with_loader<'c>(
        &self,
        code_hash: H256,
        code: impl FnOnce() -> Result<std::borrow::Cow<'c, [u8]>, ExecutorError>,
        method: &str,
        input: &[u8],
        ext: &mut dyn Externalities,
        kind: CallKind,
    ) -> Result<Vec<u8>, ExecutorError> {
        let pre = self.prepare(code_hash, code)?;
        let budget = *self.budget(kind);
        let _slot = match kind {
            CallKind::Block => self.block_slots.acquire(),
            CallKind::Offchain => self.offchain_slots.acquire(),
        };
        let (mut store, instance) = self.instantiate(&pre, &budget).map_err(|e| {
            ExecutorError::Instantiation { method: method.to_string(), reason: format!("{e:#}") }
        })?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| ExecutorError::InvalidCode("the runtime exports no memory".into()))?;
        let heap_base = instance
            .get_global(&mut store, "__heap_base")
            .and_then(|global| global.get(&mut store).i32())
            .ok_or_else(|| {
                ExecutorError::InvalidCode("the runtime exports no __heap_base".into())
            })?;
        let entry = instance
            .get_typed_func::<(u32, u32), u64>(&mut store, method)
            .map_err(|_| ExecutorError::MethodNotFound(method.to_string()))?;
        store.data_mut().memory = Some(memory);
        store.data_mut().heap = Some(HeapAllocator::new(heap_base as u32, budget.max_memory_pages));

        let input_len =
            u32::try_from(input.len()).map_err(|_| ExecutorError::OutOfMemory(method.into()))?;
        let input_ptr = host::allocate(&mut store, input_len)
            .map_err(|_| ExecutorError::OutOfMemory(method.into()))?;
        memory
            .write(&mut store, input_ptr as usize, input)
            .map_err(|_| ExecutorError::OutOfMemory(method.into()))?;

        let outcome = dfs_io::externalities::set_and_run_with_externalities(ext, || {
            entry.call(&mut store, (input_ptr, input_len))
        });
        let packed = match outcome {
            Ok(packed) => packed,
            Err(error) => return Err(classify(method, &store, error)),
        };
        let (ptr, len) = ((packed & 0xffff_ffff) as usize, (packed >> 32) as usize);
        let data = memory.data(&store);
        data.get(ptr..ptr.saturating_add(len))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| ExecutorError::InvalidOutput(method.to_string()))
    }

    /// The version of runtime `code`: read from its `runtime_version` section without running
    /// it, or, for a blob without one, by calling `Core_version`.
    pub fn runtime_version(&self, code: &[u8]) -> Result<RuntimeVersion, ExecutorError> {
        let invalid = |e: codec::Error| ExecutorError::InvalidCode(format!("runtime version: {e}"));
        if let Some(section) = dfs_io::wasm_sections::custom_section(
            code,
            dfs_io::wasm_sections::RUNTIME_VERSION_SECTION,
        ) {
            return RuntimeVersion::decode(&mut &section[..]).map_err(invalid);
        }
        // `Core_version` reads no storage: an empty state will do.
        let backend = dfs_io::state::InMemoryBackend::default();
        let mut overlay = dfs_io::state::OverlayedChanges::default();
        let mut ext = dfs_io::state::OverlayedExt::new(&backend, &mut overlay);
        let output = self.call(code, "Core_version", &[], &mut ext)?;
        RuntimeVersion::decode(&mut &output[..]).map_err(invalid)
    }
}

fn classify(method: &str, store: &Store<HostState>, error: wasmtime::Error) -> ExecutorError {
    if let Some(host_error) = &store.data().error {
        return match host_error {
            host::HostError::OutOfMemory => ExecutorError::OutOfMemory(method.to_string()),
            other => ExecutorError::Trap { method: method.to_string(), reason: other.to_string() },
        };
    }
    let explained = |reason: String| match &store.data().last_error_log {
        Some(log) => format!("{reason} (runtime: {log})"),
        None => reason,
    };
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => ExecutorError::Timeout(method.to_string()),
        Some(trap) => {
            ExecutorError::Trap { method: method.to_string(), reason: explained(trap.to_string()) }
        }
        None => ExecutorError::Trap {
            method: method.to_string(),
            reason: explained(format!("{error:#}")),
        },
    }
}

/// Lowers the calling thread's scheduling priority to `niceness` (Linux `nice`, 0 normal,
/// 19 lowest), so that when the cores are contended the threads building and importing
/// blocks win over work that can wait (validating submissions, answering queries). Best
/// effort: elsewhere, or refused, nothing changes.
pub fn nice_current_thread(niceness: i32) {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on this thread's own id; no memory is shared.
    unsafe {
        let thread = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, thread, niceness);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = niceness;
}

#[cfg(test)]
mod tests;
