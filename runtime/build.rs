//! Builds this runtime to Wasm (`wasm32-unknown-unknown`) and exposes the blob to the native
//! crate as `dfs_runtime::wasm::WASM_BINARY`.
//!
//! The toolchain is, in order of preference: a rustup toolchain with the wasm32 target
//! installed; or Debian's Rust (`rustc-web`, `cargo-web`, `rust-web-src`), which builds
//! `core` and `alloc` for wasm32 from its library sources. `scripts/setup.sh` installs the
//! latter. Set `DFS_SKIP_WASM_BUILD=1` to build natively only (`WASM_BINARY` is then `None`).

use std::{
    env,
    path::{Path, PathBuf},
    process::Command,
};

const TARGET: &str = "wasm32-unknown-unknown";

fn main() {
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let binary_rs = out_dir.join("wasm_binary.rs");
    println!("cargo:rerun-if-env-changed=DFS_SKIP_WASM_BUILD");

    // The inner build of this very crate for wasm32 must not recurse.
    if env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        return;
    }
    if env::var_os("DFS_SKIP_WASM_BUILD").is_some() {
        write(&binary_rs, "/// Not built (`DFS_SKIP_WASM_BUILD`).\npub const WASM_BINARY: Option<&[u8]> = None;\n");
        return;
    }

    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let workspace =
        manifest_dir.parent().expect("the runtime lives in the workspace").to_path_buf();
    for watched in
        ["primitives", "pallets", "runtime/src", "Cargo.lock", "Cargo.toml", "runtime/Cargo.toml"]
    {
        println!("cargo:rerun-if-changed={}", workspace.join(watched).display());
    }

    let toolchain = find_toolchain().unwrap_or_else(|| {
        panic!(
            "\n\nNo Rust toolchain that can build the Wasm runtime was found.\n\
             Run `bash scripts/setup.sh` (it installs Debian's rustc-web, cargo-web and \
             rust-web-src), or `rustup target add {TARGET}` where rustup can download.\n\
             To build natively only, set DFS_SKIP_WASM_BUILD=1.\n"
        )
    });

    // The benchmark API goes into a runtime of its own, never the chain's.
    let benchmarks = env::var_os("CARGO_FEATURE_RUNTIME_BENCHMARKS").is_some();
    // A target directory of its own (the outer build holds the lock on the main one), and
    // another for the benchmark runtime, so neither build undoes the other.
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join(if benchmarks { "wasm-runtime-benchmarks" } else { "wasm-runtime" });
    let mut command = Command::new(&toolchain.cargo);
    command
        .current_dir(&workspace)
        .args([
            "build",
            "--locked",
            "--profile",
            "wasm-runtime",
            "-p",
            "dfs-runtime",
            "--no-default-features",
        ])
        .args(["--target", TARGET])
        .args(if benchmarks { &["--features", "runtime-benchmarks"][..] } else { &[] })
        .arg("--target-dir")
        .arg(&target_dir)
        .args(&toolchain.extra_args);
    // Nothing of the outer build's configuration may leak into the inner one.
    for (key, _) in env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        let leaks = key.starts_with("CARGO_FEATURE_")
            || key.starts_with("CARGO_CFG_")
            || key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_ENCODED_RUSTFLAGS")
            || matches!(
                key.as_str(),
                "RUSTC"
                    | "RUSTC_WRAPPER"
                    | "RUSTC_WORKSPACE_WRAPPER"
                    | "RUSTFLAGS"
                    | "RUSTDOC"
                    | "CARGO_TARGET_DIR"
                    | "CARGO_BUILD_TARGET"
                    | "CARGO_MANIFEST_DIR"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_MAKEFLAGS"
                    | "RUSTUP_TOOLCHAIN"
                    | "TARGET"
                    | "HOST"
                    | "OUT_DIR"
                    | "PROFILE"
                    | "OPT_LEVEL"
                    | "DEBUG"
                    | "NUM_JOBS"
                    | "CARGO_LLVM_COV"
                    | "LLVM_PROFILE_FILE"
            );
        if leaks {
            command.env_remove(&key);
        }
    }
    command.env("CARGO_ENCODED_RUSTFLAGS", "-Clink-arg=--export=__heap_base");
    for (key, value) in &toolchain.env {
        command.env(key, value);
    }

    let status =
        command.status().unwrap_or_else(|e| panic!("running {}: {e}", toolchain.cargo.display()));
    if !status.success() {
        panic!("building the Wasm runtime failed ({status}); see the errors above");
    }
    let blob_path = target_dir.join(TARGET).join("wasm-runtime").join("dfs_runtime.wasm");
    let blob = std::fs::read(&blob_path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", blob_path.display()));
    let final_path = out_dir.join("dfs_runtime.wasm");
    std::fs::write(&final_path, &blob).expect("writing the Wasm blob");
    println!("cargo:warning=dfs-runtime Wasm blob: {} bytes ({})", blob.len(), toolchain.kind);
    write(
        &binary_rs,
        &format!(
            "/// The runtime compiled to Wasm: what genesis puts at `:code`.\n\
             pub const WASM_BINARY: Option<&[u8]> = Some(include_bytes!({:?}));\n",
            final_path.display().to_string()
        ),
    );
}

struct Toolchain {
    kind: &'static str,
    cargo: PathBuf,
    extra_args: Vec<String>,
    env: Vec<(String, String)>,
}

fn find_toolchain() -> Option<Toolchain> {
    // A rustup toolchain with the wasm32 standard library.
    if let Ok(output) =
        Command::new("rustc").args(["--print", "target-libdir", "--target", TARGET]).output()
    {
        let libdir = String::from_utf8_lossy(&output.stdout).trim().to_string();
        if output.status.success()
            && Path::new(&libdir).join("..").exists()
            && has_std_rlib(Path::new(&libdir))
        {
            return Some(Toolchain {
                kind: "rustup wasm32 target",
                cargo: "cargo".into(),
                extra_args: vec![],
                env: vec![],
            });
        }
    }
    // Debian's Rust, building core and alloc from its library sources, linked with rust-lld.
    let debian_rustc = Path::new("/usr/bin/rustc");
    let debian_cargo = Path::new("/usr/bin/cargo");
    let sources = Path::new("/usr/lib/rustlib/src/rust/library");
    if debian_rustc.exists() && debian_cargo.exists() && sources.exists() {
        let linker = find_rust_lld()?;
        return Some(Toolchain {
            kind: "Debian rustc with -Zbuild-std",
            cargo: debian_cargo.into(),
            extra_args: vec!["-Zbuild-std=core,alloc".into()],
            env: vec![
                ("RUSTC".into(), debian_rustc.display().to_string()),
                ("RUSTC_BOOTSTRAP".into(), "1".into()),
                ("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER".into(), linker.display().to_string()),
            ],
        });
    }
    None
}

fn has_std_rlib(libdir: &Path) -> bool {
    std::fs::read_dir(libdir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().starts_with("libcore-"))
        })
        .unwrap_or(false)
}

/// `rust-lld` ships with the rustup toolchain that runs this build.
fn find_rust_lld() -> Option<PathBuf> {
    let output = Command::new("rustc").args(["--print", "sysroot"]).output().ok()?;
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let host = env::var("HOST").unwrap_or_else(|_| "x86_64-unknown-linux-gnu".into());
    let lld = Path::new(&sysroot).join("lib/rustlib").join(host).join("bin/rust-lld");
    lld.exists().then_some(lld)
}

fn write(path: &Path, contents: &str) {
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}
