//! `dfs`: pack a file into encrypted, erasure-coded shards and a manifest, unpack it back,
//! inspect manifests, and manage keys.

use std::{
    fs::{self, File},
    io::{BufReader, BufWriter},
    path::{Path, PathBuf},
    time::Instant,
};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use codec::Encode;
use dfs_client::{
    capability::UserKeys,
    codec::CodecId,
    dir::{AtomicFile, ShardDir, KEY_FILE, MANIFEST_FILE, MANIFEST_JSON_FILE},
    pipeline::{pack, unpack, PackOptions},
    FileKey, Manifest,
};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(
    name = "dfs",
    version,
    about = "DFS client: pack files into encrypted, erasure-coded shards and back"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Encrypt and erasure-code FILE into DIR: manifest, key file and shards.
    Pack {
        /// The file to pack.
        file: PathBuf,
        /// The output folder.
        #[arg(short, long)]
        output: PathBuf,
        /// Shards needed to rebuild each segment.
        #[arg(short, default_value_t = 4)]
        k: u16,
        /// Shards per segment.
        #[arg(short, default_value_t = 8)]
        n: u16,
        /// The erasure code: simd (default) or novelpoly.
        #[arg(long, default_value = "simd")]
        codec: CodecId,
        /// Plaintext bytes per segment.
        #[arg(long, default_value_t = dfs_client::manifest::DEFAULT_SEGMENT_SIZE)]
        segment_size: u32,
    },
    /// Rebuild the file packed in DIR (up to n − k shards per segment may be missing or corrupt).
    Unpack {
        /// The packed folder.
        dir: PathBuf,
        /// Where to write the file.
        #[arg(short, long)]
        output: PathBuf,
        /// The key file (default: DIR/file.key).
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Show a manifest (a packed folder or a manifest.scale file).
    Inspect {
        /// The manifest or its folder.
        manifest: PathBuf,
        /// Print the whole manifest as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Keys for signing and sharing.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create a new key file (sr25519 signing key and X25519 sharing key from one seed).
    Generate {
        /// Where to write it.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Show the public parts of a key file.
    Inspect {
        /// The key file.
        file: PathBuf,
    },
}

fn progress_bar(total: u64, verb: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{verb} {{bar:40}} {{bytes}}/{{total_bytes}} {{binary_bytes_per_sec}} eta {{eta}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn mib_per_second(bytes: u64, started: Instant) -> f64 {
    bytes as f64 / 1_048_576.0 / started.elapsed().as_secs_f64().max(1e-9)
}

fn write_private(path: &Path, contents: &str) -> Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

fn read_hex32(path: &Path) -> Result<[u8; 32]> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = [0u8; 32];
    hex::decode_to_slice(text.trim().trim_start_matches("0x"), &mut out)
        .with_context(|| format!("{} does not hold 32 bytes of hex", path.display()))?;
    Ok(out)
}

fn load_manifest(path: &Path) -> Result<Manifest> {
    let path = if path.is_dir() { path.join(MANIFEST_FILE) } else { path.to_path_buf() };
    let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    Manifest::decode_checked(&bytes).with_context(|| format!("{}", path.display()))
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Pack { file, output, k, n, codec, segment_size } => {
            let size =
                fs::metadata(&file).with_context(|| format!("reading {}", file.display()))?.len();
            let input = BufReader::with_capacity(1 << 20, File::open(&file)?);
            fs::create_dir_all(&output)?;
            let mut shards = ShardDir::create(&output)?;
            let options = PackOptions { k, n, segment_size, codec, workers: 0 };
            let bar = progress_bar(size, "packing  ");
            let started = Instant::now();
            let (manifest, key) = pack(input, size, options, &mut shards, |bytes| bar.inc(bytes))?;
            shards.sync()?;
            bar.finish_and_clear();
            fs::write(output.join(MANIFEST_FILE), manifest.encode())?;
            fs::write(output.join(MANIFEST_JSON_FILE), manifest.to_json())?;
            write_private(&output.join(KEY_FILE), &hex::encode(key.0))?;
            println!("file id   0x{}", hex::encode(manifest.file_id().0));
            println!("size      {size} bytes in {} segments", manifest.segments.len());
            println!("coding    k = {k}, n = {n}, {codec:?}");
            println!("output    {} (key in {KEY_FILE}: keep it secret)", output.display());
            println!("speed     {:.1} MiB/s", mib_per_second(size, started));
        }
        Command::Unpack { dir, output, key } => {
            let manifest = load_manifest(&dir)?;
            let key = FileKey(read_hex32(&key.unwrap_or_else(|| dir.join(KEY_FILE)))?);
            let shards = ShardDir::open(&dir);
            let mut target = AtomicFile::create(&output)?;
            let bar = progress_bar(manifest.file_size, "unpacking");
            let started = Instant::now();
            let report = {
                let mut writer = BufWriter::with_capacity(1 << 20, target.file());
                let report = unpack(&manifest, &key, &shards, &mut writer, |bytes| bar.inc(bytes))?;
                writer.into_inner().map_err(|e| e.into_error())?;
                report
            };
            target.commit()?;
            bar.finish_and_clear();
            for (segment, shard) in &report.missing {
                eprintln!("warning: segment {segment}, shard {shard}: missing");
            }
            for (segment, shard) in &report.corrupt {
                eprintln!("warning: segment {segment}, shard {shard}: corrupt, skipped");
            }
            println!("wrote     {} ({} bytes)", output.display(), manifest.file_size);
            println!("speed     {:.1} MiB/s", mib_per_second(manifest.file_size, started));
        }
        Command::Inspect { manifest: path, json } => {
            let manifest = load_manifest(&path)?;
            if json {
                println!("{}", manifest.to_json());
                return Ok(());
            }
            let shard_bytes: u64 = manifest
                .segments
                .iter()
                .map(|s| u64::from(s.shard_len) * u64::from(manifest.n))
                .sum();
            println!("file id       0x{}", hex::encode(manifest.file_id().0));
            println!("size          {} bytes", manifest.file_size);
            println!(
                "segments      {} of up to {} bytes",
                manifest.segments.len(),
                manifest.segment_size
            );
            println!(
                "coding        any {} of {} shards, {:?}",
                manifest.k, manifest.n, manifest.codec
            );
            println!(
                "stored bytes  {shard_bytes} ({:.2}x)",
                shard_bytes as f64 / manifest.file_size.max(1) as f64
            );
            if let Some(first) = manifest.segments.first() {
                println!(
                    "first shard   0x{} (root 0x{})",
                    hex::encode(first.shards[0].hash.0),
                    hex::encode(first.shards[0].merkle_root.0)
                );
            }
        }
        Command::Key { command: KeyCommand::Generate { output } } => {
            if output.exists() {
                bail!("{} exists: not overwriting a key", output.display());
            }
            let keys = UserKeys::generate();
            write_private(&output, &hex::encode(keys.seed()))?;
            println!("key file   {}", output.display());
            print_public(&keys);
        }
        Command::Key { command: KeyCommand::Inspect { file } } => {
            print_public(&UserKeys::from_seed(read_hex32(&file)?));
        }
    }
    Ok(())
}

fn print_public(keys: &UserKeys) {
    println!("account    {}", keys.signing.account_id());
    println!("sr25519    0x{}", hex::encode(keys.signing.public().0));
    println!("x25519     0x{}", hex::encode(keys.x25519_public()));
}
