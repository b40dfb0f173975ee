//! Measures packing and unpacking against a raw sequential write of the same bytes to the
//! same disk (in the same run), peak memory of the `dfs` command, and both erasure codecs.
//!
//! `cargo run --release -p dfs-client --example bench_pack -- <dfs binary> <work dir> [size MiB]`

#![allow(clippy::unwrap_used)]

use std::{
    fs::File,
    io::Write,
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use dfs_client::codec::{codec, CodecId};

fn write_input(path: &Path, size: u64) {
    let mut file = File::create(path).expect("input file");
    let mut block = vec![0u8; 8 << 20];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut left = size;
    while left > 0 {
        for chunk in block.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
        }
        let take = left.min(block.len() as u64) as usize;
        file.write_all(&block[..take]).expect("write input");
        left -= take as u64;
    }
    file.sync_all().expect("sync input");
}

/// Writes `size` bytes sequentially and fsyncs: the disk's raw rate for these bytes.
fn raw_write(path: &Path, size: u64) -> Duration {
    let block = vec![0x5au8; 1 << 20];
    let started = Instant::now();
    let mut file = File::create(path).expect("baseline file");
    let mut left = size;
    while left > 0 {
        let take = left.min(block.len() as u64) as usize;
        file.write_all(&block[..take]).expect("baseline write");
        left -= take as u64;
    }
    file.sync_all().expect("baseline sync");
    let elapsed = started.elapsed();
    std::fs::remove_file(path).ok();
    elapsed
}

/// Runs `dfs` under `/usr/bin/time -v`: wall time and peak resident memory.
fn timed(dfs: &str, args: &[&str]) -> (Duration, u64) {
    let started = Instant::now();
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(dfs)
        .args(args)
        .output()
        .expect("/usr/bin/time");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "dfs {args:?} failed: {stderr}");
    let peak_kib = stderr
        .lines()
        .find_map(|line| line.trim().strip_prefix("Maximum resident set size (kbytes): "))
        .and_then(|value| value.trim().parse::<u64>().ok())
        .unwrap_or(0);
    (elapsed, peak_kib * 1024)
}

fn rate(bytes: u64, time: Duration) -> f64 {
    bytes as f64 / 1_048_576.0 / time.as_secs_f64()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dfs = args.next().expect("usage: bench_pack <dfs binary> <work dir> [size MiB]");
    let work = std::path::PathBuf::from(args.next().expect("work dir"));
    let size_mib: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2048);
    let size = size_mib << 20;
    std::fs::create_dir_all(&work).expect("work dir");
    let input = work.join("input.bin");
    let packed = work.join("packed");
    let output = work.join("output.bin");
    let _ = std::fs::remove_dir_all(&packed);
    write_input(&input, size);

    let baseline = raw_write(&work.join("baseline.bin"), size);
    let (pack_time, pack_rss) =
        timed(&dfs, &["pack", input.to_str().unwrap(), "-o", packed.to_str().unwrap()]);
    let (unpack_time, unpack_rss) =
        timed(&dfs, &["unpack", packed.to_str().unwrap(), "-o", output.to_str().unwrap()]);
    let same = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0) == size;

    let written: u64 = std::fs::read_dir(packed.join("shards"))
        .map(|entries| {
            entries.filter_map(Result::ok).filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum()
        })
        .unwrap_or(0);
    let baseline_rate = rate(size, baseline);
    println!(
        "file size:                  {size_mib} MiB ({} MiB of shards written by pack)",
        written >> 20
    );
    println!(
        "raw sequential write:       {baseline_rate:.0} MiB/s (baseline, same disk, same run)"
    );
    println!(
        "pack:                       {:.0} MiB/s of input; writes {:.0} MiB/s = ratio {:.2} to a raw write of the same bytes (goal >= 0.5); ratio {:.2} counting input bytes only; peak RSS {} MiB",
        rate(size, pack_time),
        rate(written, pack_time),
        rate(written, pack_time) / baseline_rate,
        rate(size, pack_time) / baseline_rate,
        pack_rss >> 20
    );
    println!(
        "unpack:                     {:.0} MiB/s = ratio {:.2} to a raw write of the same bytes (goal >= 0.5); peak RSS {} MiB",
        rate(size, unpack_time),
        rate(size, unpack_time) / baseline_rate,
        unpack_rss >> 20
    );
    println!("round trip identical size:  {same}");

    // The codecs alone, k = 4, n = 8, 8 MiB segments.
    let segment: Vec<u8> =
        (0..8u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for id in [CodecId::ReedSolomonSimd, CodecId::ReedSolomonNovelpoly] {
        let erasure = codec(id);
        let rounds = 5;
        let started = Instant::now();
        let mut shards = Vec::new();
        for _ in 0..rounds {
            shards = erasure.encode(&segment, 4, 8).expect("encode");
        }
        let encode = started.elapsed() / rounds;
        // The worst case: every data shard lost, rebuilt from the recovery shards.
        let received: Vec<Option<Vec<u8>>> =
            shards.iter().enumerate().map(|(i, s)| (i >= 4).then(|| s.clone())).collect();
        let started = Instant::now();
        for _ in 0..rounds {
            let rebuilt =
                erasure.reconstruct(received.clone(), 4, 8, segment.len()).expect("reconstruct");
            assert_eq!(rebuilt.len(), segment.len());
        }
        let reconstruct = started.elapsed() / rounds;
        println!(
            "{:<27} encode {:>7.0} MiB/s, reconstruct {:>7.0} MiB/s",
            format!("{id:?}:"),
            rate(segment.len() as u64, encode),
            rate(segment.len() as u64, reconstruct)
        );
    }
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&output);
    let _ = std::fs::remove_dir_all(&packed);
}
