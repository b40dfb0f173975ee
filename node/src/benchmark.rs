//! `dfs-node benchmark`: measures the pallets' weights on this machine and writes each
//! pallet's `weights.rs` (in nodes built with the `runtime-benchmarks` feature, whose
//! runtime carries the benchmark API; `bash scripts/bench.sh weights` builds and runs it).
//!
//! For each benchmark a pallet declares (and each end of its component), in each round:
//!
//! 1. a set of fresh signers is given fee money and the benchmark sets up its costliest
//!    case for each, on the development chain's genesis state;
//! 2. a block of their extrinsics (one per signer, as many as fit) is built and signed;
//! 3. the block is imported into a chain on RocksDB as a validator imports it: seal aside,
//!    the runtime executes it (signatures verified, none remembered from building it), the
//!    state root is computed and the write committed. An empty block is imported on a twin
//!    chain; the difference, per extrinsic, is the sample.
//!
//! The median of the rounds counts. The extrinsic base is the cost of an empty `remark`;
//! a call's weight is its cost beyond that base (for root calls, all signed by the sudo key,
//! beyond an empty remark sent as root); a component's weight is the line through its two
//! ends. Every figure is multiplied by the margin (a quarter by default) for this
//! machine's run-to-run variation, and written with what was measured.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context, Result};
use codec::Encode;
use dfs_chain::{
    db::{Db, Pruning},
    runtime_api::{call_in_overlay, BenchmarkList, BenchmarkSetup, CoreVersion},
    BlockBuilder, BlockImport, BlockImportParams, BlockOrigin, Chain, HeaderReader, StateAction,
};
use dfs_core::{hashing::blake2_256, pair::Sr25519Pair, AccountId32};
use dfs_executor::{Executor, ExecutorConfig};
use dfs_io::state::{InMemoryBackend, OverlayedChanges};
use dfs_runtime::signing::{sign, SigningContext};
use dfs_runtime_primitives::{
    generic::{Block, OpaqueExtrinsic},
    InherentData, InvalidTransaction, TransactionValidityError, TIMESTAMP_INHERENT_IDENTIFIER,
};
use dfs_support::benchmarking::{BenchmarkInfo, BenchmarkOrigin};

use crate::chain_spec::ChainSpec;

/// The benchmark command's options.
#[derive(clap::Args, Debug, Clone)]
pub struct BenchmarkArgs {
    /// Only this pallet (`system`, `balances`); every pallet without.
    #[arg(long)]
    pub pallet: Option<String>,
    /// Only this benchmark (a call's name, e.g. `transfer_keep_alive`), printed and not
    /// written: a pallet's file holds every call.
    #[arg(long, conflicts_with = "write")]
    pub benchmark: Option<String>,
    /// Extrinsics per measured block, at most: by default more than a block takes, so that
    /// the block is full (per-extrinsic costs grow with a block's size: the figures must
    /// hold for the fullest block the weights let in).
    #[arg(long, default_value_t = 60_000)]
    pub extrinsics: u32,
    /// Measured blocks per benchmark and component end; their median counts.
    #[arg(long, default_value_t = 5)]
    pub rounds: u32,
    /// What the measured figures are multiplied by.
    #[arg(long, default_value_t = 1.25)]
    pub margin: f64,
    /// The workspace whose `pallets/<pallet>/src/weights.rs` to write; printed only without.
    #[arg(long)]
    pub write: Option<PathBuf>,
}

/// Signers set up per runtime call.
const SETUP_CHUNK: usize = 256;

/// The medians of one benchmark point.
#[derive(Clone, Copy, Debug)]
struct Measured {
    /// Per extrinsic, the block's import beyond an empty block's.
    per_extrinsic: Duration,
    /// The fastest and slowest rounds.
    range: (Duration, Duration),
    /// Extrinsics per block.
    count: usize,
    /// The empty block's import.
    empty_block: Duration,
}

/// What the benchmarks run with: an executor for the setup calls, one the measured chains
/// build and import blocks with, which remembers no verified signature (so an import checks
/// every signature, as a validator that never saw the transactions does), and the
/// development genesis.
struct Bench {
    setup: Arc<Executor>,
    importer: Arc<Executor>,
    genesis: BTreeMap<Vec<u8>, Vec<u8>>,
    args: BenchmarkArgs,
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

impl Bench {
    fn new(args: BenchmarkArgs) -> Result<Self> {
        let setup = crate::executor::executor()?;
        let importer = Arc::new(
            Executor::new(ExecutorConfig { verified_signatures: 0, ..Default::default() })
                .map_err(|e| anyhow!("{e}"))?,
        );
        let spec = ChainSpec::load("dev", &setup)?;
        let genesis = spec.genesis_storage(&setup)?;
        if args.rounds == 0 || args.extrinsics == 0 {
            bail!("--rounds and --extrinsics must be at least 1");
        }
        Ok(Bench { setup, importer, genesis, args })
    }

    /// The benchmarks the runtime lists.
    fn list(&self) -> Result<Vec<BenchmarkInfo>> {
        let state = InMemoryBackend::new(self.genesis.clone());
        call_in_overlay::<BenchmarkList>(&self.setup, &state, &mut OverlayedChanges::default(), &())
            .context("this runtime has no benchmark API: build dfs-node with `--features runtime-benchmarks`")
    }

    /// A chain on a fresh RocksDB holding `genesis`, importing with the importer.
    fn chain(&self, folder: &Path, genesis: BTreeMap<Vec<u8>, Vec<u8>>) -> Result<Arc<Chain>> {
        let db = Db::open(folder, Pruning::Archive)?;
        Ok(Arc::new(Chain::open(db, self.importer.clone(), genesis, Default::default())?))
    }

    /// Builds block #1 on `chain`'s genesis from `extrinsics` (as many as fit); returns it
    /// and how many went in. A transaction the runtime refuses, or a call that fails, makes
    /// the benchmark wrong: an error.
    fn build(
        &self,
        chain: &Chain,
        extrinsics: &[Vec<u8>],
    ) -> Result<(Block<OpaqueExtrinsic>, usize)> {
        let genesis = chain.expect_header(&chain.genesis())?;
        let mut builder = BlockBuilder::new(chain, &genesis, Vec::new())?;
        let mut data = InherentData::default();
        data.put(TIMESTAMP_INHERENT_IDENTIFIER, &1_700_000_000_000u64);
        builder.push_inherents(&data)?;
        let mut included = 0;
        for chunk in extrinsics.chunks(256) {
            let encodings: Vec<&[u8]> = chunk.iter().map(|xt| &xt[..]).collect();
            let mut full = false;
            for result in builder.apply(&encodings)? {
                match result {
                    Ok(Ok(())) => included += 1,
                    Err(TransactionValidityError::Invalid(
                        InvalidTransaction::ExhaustsResources,
                    )) => full = true,
                    // The sudo key's next nonces, once one of its calls no longer fit.
                    Err(TransactionValidityError::Invalid(InvalidTransaction::Future)) if full => {}
                    Ok(Err(error)) => bail!("a benchmarked call failed: {error:?}"),
                    Err(error) => bail!("a benchmarked extrinsic was refused: {error:?}"),
                }
            }
            if full {
                break;
            }
        }
        Ok((builder.build()?.block, included))
    }

    /// Imports `block` into `chain` and times it.
    fn import(chain: &Chain, block: Block<OpaqueExtrinsic>) -> Result<Duration> {
        let started = Instant::now();
        chain
            .import_block(BlockImportParams {
                origin: BlockOrigin::File,
                header: block.header,
                post_digests: vec![],
                body: block.extrinsics,
                justifications: None,
                state: StateAction::Execute,
                finalize: true,
            })
            .map_err(|e| anyhow!("{e}"))?;
        Ok(started.elapsed())
    }

    /// One round of one benchmark point: the import time per extrinsic beyond an empty
    /// block's, the extrinsics in the block, and the empty block's time.
    fn round(
        &self,
        info: &BenchmarkInfo,
        component: u32,
        as_root: bool,
        round: u32,
        signers: u32,
    ) -> Result<(Duration, usize, Duration)> {
        let signers: Vec<Sr25519Pair> = (0..signers)
            .map(|index| {
                Sr25519Pair::from_seed(&blake2_256(&(b"dfs-benchmark", round, index).encode()))
            })
            .collect();
        let accounts: Vec<AccountId32> = signers.iter().map(Sr25519Pair::account_id).collect();
        // The setup, on the genesis state, a few hundred signers per call (a block of large
        // calls would not fit one runtime instance's memory at once).
        let base = InMemoryBackend::new(self.genesis.clone());
        let mut overlay = OverlayedChanges::default();
        let mut calls = Vec::with_capacity(accounts.len());
        for chunk in accounts.chunks(SETUP_CHUNK) {
            let args = (info.pallet.clone(), info.name.clone(), component, as_root, chunk.to_vec());
            calls.extend(
                call_in_overlay::<BenchmarkSetup>(&self.setup, &base, &mut overlay, &args)?
                    .map_err(|e| anyhow!("setting up {}: {e}", name(info)))?,
            );
        }
        let mut genesis = self.genesis.clone();
        for (key, value) in overlay.drain_committed() {
            match value {
                Some(value) => genesis.insert(key, value),
                None => genesis.remove(&key),
            };
        }
        // Two twin chains: one for the block, one for an empty block.
        let folder = tempfile::Builder::new().prefix("dfs-benchmark-").tempdir()?;
        let full = self.chain(&folder.path().join("full"), genesis.clone())?;
        let empty = self.chain(&folder.path().join("empty"), genesis)?;
        let context = SigningContext::for_genesis(full.genesis());
        let sudo = dfs_core::pair::dev_sr25519("Alice");
        let mut sudo_nonce = 0;
        let extrinsics: Vec<Vec<u8>> = calls
            .iter()
            .zip(&signers)
            .map(|((origin, call), signer)| match origin {
                BenchmarkOrigin::Signed => sign(signer, &context, call, 0, 0),
                BenchmarkOrigin::Root => {
                    sudo_nonce += 1;
                    sign(&sudo, &context, call, sudo_nonce - 1, 0)
                }
            })
            .collect();
        let (block, count) = self.build(&full, &extrinsics)?;
        if count == 0 {
            bail!("{}: not one extrinsic fits a block", name(info));
        }
        let (empty_block, _) = self.build(&empty, &[])?;
        let empty_time = Self::import(&empty, empty_block)?;
        let full_time = Self::import(&full, block)?;
        let per = full_time.saturating_sub(empty_time) / count as u32;
        Ok((per, count, empty_time))
    }

    /// The medians of `info` at `component` (all sent as root with `as_root`).
    ///
    /// Per-extrinsic costs grow with a block's size, so each point is measured in blocks as
    /// full as the weights it yields will let a block be: a first round (not counted) fills
    /// a block as far as the runtime's current weights allow, and each next round takes as
    /// many extrinsics as the normal class's share of a block holds at the weight the last
    /// round measured (halfway from the last size, which damps the swing).
    fn measure(&self, info: &BenchmarkInfo, component: u32, as_root: bool) -> Result<Measured> {
        let mut samples = Vec::new();
        let (mut count, mut empties) = (0, Vec::new());
        let mut signers = self.args.extrinsics;
        for round in 0..=self.args.rounds {
            let (per, included, empty) = self.round(info, component, as_root, round, signers)?;
            let admitted = block_share_at(per, self.args.margin).min(u64::from(u32::MAX)) as u32;
            let target = ((included as u32).saturating_add(admitted) / 2).max(1);
            signers = target.min(self.args.extrinsics);
            if round == 0 && self.args.rounds > 0 {
                continue;
            }
            samples.push(per);
            empties.push(empty);
            count = included;
        }
        let range = (
            *samples.iter().min().unwrap_or(&Duration::ZERO),
            *samples.iter().max().unwrap_or(&Duration::ZERO),
        );
        Ok(Measured { per_extrinsic: median(samples), range, count, empty_block: median(empties) })
    }
}

/// How many extrinsics costing `per` each (times `margin`, as their weight will declare) the
/// normal class's share of a block holds, beyond an empty block.
fn block_share_at(per: Duration, margin: f64) -> u64 {
    let normal = dfs_runtime::MAXIMUM_BLOCK_WEIGHT.ref_time as f64
        * dfs_runtime::NORMAL_DISPATCH_RATIO_PERCENT as f64
        / 100.0;
    let available = normal - dfs_runtime::BLOCK_EXECUTION_WEIGHT.ref_time as f64;
    let weight = (per.as_nanos() as f64 * 1_000.0 * margin).max(1.0);
    (available / weight).max(1.0) as u64
}

fn name(info: &BenchmarkInfo) -> String {
    format!("{}::{}", String::from_utf8_lossy(&info.pallet), String::from_utf8_lossy(&info.name))
}

/// One weight function's figures.
struct WeightLine {
    name: String,
    component: Option<String>,
    /// Picoseconds beyond the base: fixed part, and per unit of the component.
    fixed: f64,
    per_unit: f64,
    note: String,
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

/// Runs the benchmarks and writes (or prints) the weights.
pub fn run(args: BenchmarkArgs) -> Result<()> {
    let bench = Bench::new(args)?;
    // Compile the runtime in both executors before any clock starts.
    let state = InMemoryBackend::new(bench.genesis.clone());
    for executor in [&bench.setup, &bench.importer] {
        call_in_overlay::<CoreVersion>(executor, &state, &mut OverlayedChanges::default(), &())?;
    }
    let benchmarks = bench.list()?;
    let wanted = |info: &BenchmarkInfo| {
        bench.args.pallet.as_deref().is_none_or(|pallet| info.pallet == pallet.as_bytes())
            && bench.args.benchmark.as_deref().is_none_or(|name| info.name == name.as_bytes())
    };
    if !benchmarks.iter().any(wanted) {
        bail!("no benchmark matches --pallet and --benchmark");
    }
    // The base: an empty remark, beyond the empty block. Root calls are all signed by the
    // sudo key, which costs less per extrinsic than many signers: theirs is an empty remark
    // sent as root.
    let remark = benchmarks
        .iter()
        .find(|b| b.pallet == b"system" && b.name == b"remark")
        .ok_or_else(|| anyhow!("the runtime lists no system::remark benchmark"))?;
    let base = bench.measure(remark, 0, false)?;
    let root_base = bench.measure(remark, 0, true)?;
    eprintln!(
        "extrinsic base (an empty remark): {:.2} µs per extrinsic ({:.2}–{:.2}, {} per block); empty block {:.0} µs; as root {:.2} µs",
        micros(base.per_extrinsic),
        micros(base.range.0),
        micros(base.range.1),
        base.count,
        micros(base.empty_block),
        micros(root_base.per_extrinsic),
    );
    let mut by_pallet: BTreeMap<Vec<u8>, Vec<WeightLine>> = BTreeMap::new();
    for info in benchmarks.iter().filter(|info| wanted(info)) {
        let base = match info.origin {
            BenchmarkOrigin::Signed => base.per_extrinsic,
            BenchmarkOrigin::Root => root_base.per_extrinsic,
        };
        let beyond = |measured: &Measured| (micros(measured.per_extrinsic) - micros(base)).max(0.0);
        let line = match &info.component {
            None => {
                let measured = bench.measure(info, 0, false)?;
                let cost = beyond(&measured);
                WeightLine {
                    name: String::from_utf8_lossy(&info.name).into_owned(),
                    component: None,
                    fixed: cost * 1e6,
                    per_unit: 0.0,
                    note: format!(
                        "{:.2} µs per extrinsic (rounds {:.2}–{:.2}, {} per block), {cost:.2} beyond the base",
                        micros(measured.per_extrinsic),
                        micros(measured.range.0),
                        micros(measured.range.1),
                        measured.count
                    ),
                }
            }
            Some((component, low, high)) => {
                let at_low = bench.measure(info, *low, false)?;
                let at_high = bench.measure(info, *high, false)?;
                let (cost_low, cost_high) = (beyond(&at_low), beyond(&at_high));
                let per_unit = ((cost_high - cost_low) / f64::from(high - low).max(1.0)).max(0.0);
                let fixed = (cost_low - per_unit * f64::from(*low)).max(0.0);
                let component = String::from_utf8_lossy(component).into_owned();
                WeightLine {
                    name: String::from_utf8_lossy(&info.name).into_owned(),
                    note: format!(
                        "{component} = {low}: {:.2} µs per extrinsic ({} per block); {component} = {high}: {:.2} µs ({} per block)",
                        micros(at_low.per_extrinsic),
                        at_low.count,
                        micros(at_high.per_extrinsic),
                        at_high.count
                    ),
                    component: Some(component),
                    fixed: fixed * 1e6,
                    per_unit: per_unit * 1e6,
                }
            }
        };
        eprintln!("{}: {}", name(info), line.note);
        by_pallet.entry(info.pallet.clone()).or_default().push(line);
    }
    let overhead = Overhead {
        base_ps: micros(base.per_extrinsic) * 1e6,
        base_note: format!(
            "an empty remark: {:.2} µs per extrinsic (rounds {:.2}–{:.2}, {} per block)",
            micros(base.per_extrinsic),
            micros(base.range.0),
            micros(base.range.1),
            base.count
        ),
        block_ps: micros(base.empty_block) * 1e6,
    };
    for (pallet, lines) in by_pallet {
        let pallet = String::from_utf8_lossy(&pallet).into_owned();
        let text = render(&pallet, &lines, &overhead, &bench.args);
        match &bench.args.write {
            Some(workspace) => {
                let path = workspace.join("pallets").join(&pallet).join("src/weights.rs");
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
            None => println!("{text}"),
        }
    }
    Ok(())
}

/// The overheads the system pallet's file carries.
struct Overhead {
    base_ps: f64,
    base_note: String,
    block_ps: f64,
}

/// Picoseconds of reference time, times the margin, rounded to a nanosecond.
fn parts(picoseconds: f64, margin: f64) -> u64 {
    ((picoseconds * margin / 1_000.0).round() as u64).saturating_mul(1_000)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "an unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cores} cores of {cpu}")
}

fn render(pallet: &str, lines: &[WeightLine], overhead: &Overhead, args: &BenchmarkArgs) -> String {
    let date = crate::logging::today();
    let mut out = String::new();
    let _ =
        writeln!(out, "//! Weights of `dfs-pallet-{pallet}`, measured by the benchmark harness.");
    let _ = writeln!(out, "//!");
    let _ = writeln!(
        out,
        "//! Written by `bash scripts/bench.sh weights` (`dfs-node benchmark`) on {date}, on {}.",
        machine()
    );
    let _ = writeln!(
        out,
        "//! Each call: blocks of signed extrinsics imported as a validator imports them (the runtime\n\
         //! executing them with their signatures verified, the state root, the RocksDB write),\n\
         //! the median of {} rounds (after one that sizes the block) of as many extrinsics as a\n\
         //! block's normal share holds at the weight measured (at most {}), per extrinsic\n\
         //! beyond an empty block, less the extrinsic base; a component is the line through\n\
         //! its two ends; times {}.\n\
         //! The state: the development genesis and, per signer, its account and {} more.\n\
         //! Root calls are measured through `Sudo::sudo`. Do not edit: run the command again.",
        args.rounds,
        args.extrinsics,
        args.margin,
        dfs_support::benchmarking::BACKGROUND_ACCOUNTS
    );
    out.push('\n');
    out.push_str("use dfs_runtime_primitives::Weight;\n\n");
    if pallet == "system" {
        let _ = writeln!(
            out,
            "/// What every extrinsic costs beyond its call: decoding, the signature, the nonce, the\n\
             /// fee, its events. Measured: {}.\n\
             pub const EXTRINSIC_BASE_WEIGHT: Weight = Weight::from_parts({}, 0);\n",
            overhead.base_note,
            group(parts(overhead.base_ps, args.margin))
        );
        let _ = writeln!(
            out,
            "/// What an empty block costs: its inherents, the hooks, finalization, its import.\n\
             /// Measured: {:.0} µs.\n\
             pub const BLOCK_EXECUTION_WEIGHT: Weight = Weight::from_parts({}, 0);\n",
            overhead.block_ps / 1e6,
            group(parts(overhead.block_ps, args.margin))
        );
    }
    out.push_str("/// The weight of each call of the pallet, beyond the extrinsic base.\npub trait WeightInfo {\n");
    for line in lines {
        let _ = writeln!(out, "    /// `{}` at its costliest (see `benchmarking.rs`).", line.name);
        match &line.component {
            Some(component) => {
                let _ = writeln!(out, "    fn {}({component}: u32) -> Weight;", line.name);
            }
            None => {
                let _ = writeln!(out, "    fn {}() -> Weight;", line.name);
            }
        }
    }
    out.push_str("}\n\n/// The weights measured on the reference machine.\npub struct DfsWeight;\n\nimpl WeightInfo for DfsWeight {\n");
    for line in lines {
        let _ = writeln!(out, "    // {}", line.note);
        match &line.component {
            Some(component) => {
                let _ = writeln!(
                    out,
                    "    fn {}({component}: u32) -> Weight {{\n        Weight::from_parts({}, 0)\n            .saturating_add(Weight::from_parts({}, 0).saturating_mul({component} as u64))\n    }}",
                    line.name,
                    group(parts(line.fixed, args.margin)),
                    group((line.per_unit * args.margin).round() as u64)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "    fn {}() -> Weight {{\n        Weight::from_parts({}, 0)\n    }}",
                    line.name,
                    group(parts(line.fixed, args.margin))
                );
            }
        }
    }
    out.push_str("}\n");
    out
}

/// `1234567` as `1_234_567`, as rustfmt leaves literals.
fn group(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push('_');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_grouped_and_scaled_by_the_margin() {
        assert_eq!(group(24_000_000), "24_000_000");
        assert_eq!(group(999), "999");
        assert_eq!(parts(19_100_000.0, 1.25), 23_875_000);
    }
}
