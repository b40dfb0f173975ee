//! The node's secrets on disk, readable by the node's user alone.
//!
//! Two kinds of secret live here:
//!
//! - **Session keys** in Substrate's file-keystore layout, so that tools which write keystores
//!   (zombienet, `key insert`) and tools which read them agree: one file per key, named
//!   `<hex of the 4-byte key type><hex of the public key>`, holding the secret URI as a JSON
//!   string (`"//Alice"`, a phrase, or a `0x` seed). [`Keystore`] inserts, finds and generates
//!   them.
//! - **The network key**: the ed25519 secret (32 raw bytes) whose public key is the node's
//!   libp2p peer id, at `<chain>/network/secret_ed25519` ([`load_or_generate_node_key`]).
//!
//! Every secret file is written with mode 0600 inside a folder of mode 0700, through a
//! temporary file that is synced and renamed into place, so a crash never leaves a half
//! written key and no other user of the machine can read one. Folders and files left with
//! wider permissions by older versions are tightened when opened. Files with bad contents
//! are reported as errors naming the file, never a panic.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
    str::FromStr,
};

use dfs_core::pair::{Ed25519Pair, Sr25519Pair};

/// Why a keystore operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    /// Reading or writing a file or folder failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// A key type is not four ASCII characters.
    #[error("a key type is four ASCII characters, like `aura` or `gran`; got `{0}`")]
    InvalidKeyType(String),
    /// A secret URI does not describe a key.
    #[error("invalid secret URI: {0}")]
    InvalidSuri(String),
    /// A file holds something other than what it should.
    #[error("{path}: {reason}")]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// A `Result` with [`KeystoreError`].
pub type Result<T, E = KeystoreError> = std::result::Result<T, E>;

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> KeystoreError + '_ {
    move |source| KeystoreError::Io { path: path.to_path_buf(), source }
}

/// A signature scheme of session keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Schnorrkel on Ristretto (accounts, Aura, BABE).
    Sr25519,
    /// Ed25519 (GRANDPA).
    Ed25519,
}

impl FromStr for Scheme {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "sr25519" | "Sr25519" => Ok(Scheme::Sr25519),
            "ed25519" | "Ed25519" => Ok(Scheme::Ed25519),
            other => Err(format!("unknown scheme `{other}`: sr25519 or ed25519")),
        }
    }
}

/// A four-byte key type such as `aura` or `gran`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyTypeId(pub [u8; 4]);

impl KeyTypeId {
    /// Aura block authoring (sr25519).
    pub const AURA: KeyTypeId = KeyTypeId(*b"aura");
    /// GRANDPA finality (ed25519).
    pub const GRANDPA: KeyTypeId = KeyTypeId(*b"gran");

    /// The scheme Substrate uses for this key type: ed25519 for `gran`, sr25519 otherwise.
    pub fn default_scheme(&self) -> Scheme {
        if *self == KeyTypeId::GRANDPA {
            Scheme::Ed25519
        } else {
            Scheme::Sr25519
        }
    }
}

impl FromStr for KeyTypeId {
    type Err = KeystoreError;

    fn from_str(text: &str) -> Result<Self> {
        let bytes: [u8; 4] = text
            .as_bytes()
            .try_into()
            .ok()
            .filter(|_| text.is_ascii())
            .ok_or_else(|| KeystoreError::InvalidKeyType(text.to_string()))?;
        Ok(KeyTypeId(bytes))
    }
}

/// The public key of `suri` in `scheme`.
pub fn public_key(suri: &str, scheme: Scheme) -> Result<[u8; 32]> {
    let invalid = |e: dfs_core::pair::SecretUriError| KeystoreError::InvalidSuri(e.to_string());
    Ok(match scheme {
        Scheme::Sr25519 => Sr25519Pair::from_suri(suri).map_err(invalid)?.public().0,
        Scheme::Ed25519 => Ed25519Pair::from_suri(suri).map_err(invalid)?.public().0,
    })
}

/// A Substrate-style file keystore in one folder.
#[derive(Debug, Clone)]
pub struct Keystore {
    folder: PathBuf,
}

impl Keystore {
    /// The keystore in `folder`. Nothing is created until a key is inserted (then with mode
    /// 0700); an existing folder, and the key files in it, are tightened to 0700 and 0600.
    pub fn open(folder: impl Into<PathBuf>) -> Result<Self> {
        let folder = folder.into();
        if folder.is_dir() {
            restrict_folder(&folder)?;
            for entry in fs::read_dir(&folder).map_err(io_error(&folder))? {
                let path = entry.map_err(io_error(&folder))?.path();
                if path.is_file() {
                    restrict_file(&path)?;
                }
            }
        }
        Ok(Keystore { folder })
    }

    /// The folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The file of the key `public` of `key_type`.
    pub fn key_path(&self, key_type: KeyTypeId, public: &[u8]) -> PathBuf {
        self.folder.join(format!("{}{}", hex::encode(key_type.0), hex::encode(public)))
    }

    /// Stores `suri` as a key of `key_type` in `scheme`; returns the file written.
    pub fn insert(&self, key_type: KeyTypeId, suri: &str, scheme: Scheme) -> Result<PathBuf> {
        let public = public_key(suri, scheme)?;
        let path = self.key_path(key_type, &public);
        let contents = serde_json::to_string(suri)
            .map_err(|e| KeystoreError::BadFile { path: path.clone(), reason: e.to_string() })?;
        write_secret(&path, contents.as_bytes())?;
        Ok(path)
    }

    /// Generates a new key of `key_type` in `scheme` from a fresh 12-word phrase, stores it
    /// and returns its public key.
    pub fn generate(&self, key_type: KeyTypeId, scheme: Scheme) -> Result<[u8; 32]> {
        let phrase = dfs_core::pair::generate_mnemonic();
        let public = public_key(&phrase, scheme)?;
        self.insert(key_type, &phrase, scheme)?;
        Ok(public)
    }

    /// Whether the keystore holds the key `public` of `key_type`.
    pub fn has_key(&self, key_type: KeyTypeId, public: &[u8]) -> bool {
        self.key_path(key_type, public).is_file()
    }

    /// The secret URI stored for `public` of `key_type`, if any. A file that is not a JSON
    /// string is an error.
    pub fn suri(&self, key_type: KeyTypeId, public: &[u8]) -> Result<Option<String>> {
        let path = self.key_path(key_type, public);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(io_error(&path)(error)),
        };
        serde_json::from_str(&text).map(Some).map_err(|_| KeystoreError::BadFile {
            path,
            reason: "does not hold a JSON string (a secret URI such as \"//Alice\")".into(),
        })
    }

    /// The sr25519 key pair of `key_type` whose public key is `public`, if stored. A stored
    /// secret that derives another public key is an error: the file was renamed or edited.
    pub fn sr25519_pair(
        &self,
        key_type: KeyTypeId,
        public: &[u8; 32],
    ) -> Result<Option<Sr25519Pair>> {
        let Some(suri) = self.suri(key_type, public)? else { return Ok(None) };
        let path = self.key_path(key_type, public);
        let pair = Sr25519Pair::from_suri(&suri)
            .map_err(|e| KeystoreError::BadFile { path: path.clone(), reason: e.to_string() })?;
        if pair.public().0 != *public {
            return Err(KeystoreError::BadFile {
                path,
                reason: "the secret does not belong to the public key in the file name".into(),
            });
        }
        Ok(Some(pair))
    }

    /// The first of `candidates` whose sr25519 key of `key_type` is stored.
    pub fn first_sr25519_pair<'a>(
        &self,
        key_type: KeyTypeId,
        candidates: impl IntoIterator<Item = &'a [u8; 32]>,
    ) -> Result<Option<Sr25519Pair>> {
        for public in candidates {
            if let Some(pair) = self.sr25519_pair(key_type, public)? {
                return Ok(Some(pair));
            }
        }
        Ok(None)
    }
}

/// The node's network key in `file`: read if it exists (32 raw bytes), generated and stored
/// (0600 in a 0700 folder) if not. A file of another length is an error, never replaced.
pub fn load_or_generate_node_key(file: &Path) -> Result<[u8; 32]> {
    match fs::read(file) {
        Ok(bytes) => {
            restrict_file(file)?;
            <[u8; 32]>::try_from(&bytes[..]).map_err(|_| KeystoreError::BadFile {
                path: file.to_path_buf(),
                reason: format!("holds {} bytes, not a 32-byte ed25519 secret", bytes.len()),
            })
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let secret = new_node_key()?;
            write_secret(file, &secret)?;
            // The network folder is the node's own: closed to others even if it existed.
            if let Some(folder) = file.parent() {
                restrict_folder(folder)?;
            }
            Ok(secret)
        }
        Err(error) => Err(io_error(file)(error)),
    }
}

/// A new random network key.
pub fn new_node_key() -> Result<[u8; 32]> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| KeystoreError::Io {
        path: PathBuf::from("<system randomness>"),
        source: io::Error::other(e.to_string()),
    })?;
    Ok(key)
}

/// Writes a secret to `path`, mode 0600, creating missing folders with mode 0700 (an
/// existing folder is left as it is: it may be the operator's own): through a temporary
/// file, synced and renamed, so readers see the old file or the whole new one.
pub fn write_secret(path: &Path, contents: &[u8]) -> Result<()> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    create_private_folder(folder)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("secret");
    let temp = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    let write = || -> io::Result<()> {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp)?;
        // A temporary file left by an earlier crash may have been created wider.
        set_mode(&temp, 0o600)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&temp, path)?;
        // The rename is durable once the folder is.
        fs::File::open(folder)?.sync_all()
    };
    write().map_err(|source| {
        let _ = fs::remove_file(&temp);
        KeystoreError::Io { path: path.to_path_buf(), source }
    })
}

/// Creates `folder` and missing parents, each with mode 0700.
pub fn create_private_folder(folder: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(folder).map_err(io_error(folder))
}

fn restrict_folder(folder: &Path) -> Result<()> {
    restrict(folder, 0o700)
}

fn restrict_file(file: &Path) -> Result<()> {
    restrict(file, 0o600)
}

/// Takes group and other permissions away from `path` (keeping at most `mode`).
fn restrict(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let current = fs::metadata(path).map_err(io_error(path))?.permissions().mode() & 0o777;
        if current & !mode != 0 {
            tracing::warn!(
                target: "keystore",
                path = %path.display(),
                "tightening permissions from {current:o} to {mode:o}: secrets are for the node's user alone"
            );
            set_mode(path, mode).map_err(io_error(path))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn keystore_files_are_named_as_substrate_names_them() {
        let dir = tempfile::tempdir().unwrap();
        let keystore = Keystore::open(dir.path().join("keystore")).unwrap();
        let path = keystore.insert(KeyTypeId::AURA, "//Alice", Scheme::Sr25519).unwrap();
        assert_eq!(
            path.file_name().unwrap().to_string_lossy(),
            "61757261d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "\"//Alice\"");
        let alice = dfs_core::pair::dev_sr25519("Alice").public().0;
        assert!(keystore.has_key(KeyTypeId::AURA, &alice));
        let pair = keystore.sr25519_pair(KeyTypeId::AURA, &alice).unwrap().unwrap();
        assert_eq!(pair.public().0, alice);
        assert!("toolong".parse::<KeyTypeId>().is_err());
        assert!("gr\u{e9}n".parse::<KeyTypeId>().is_err());
    }

    #[cfg(unix)]
    #[test]
    fn secrets_are_0600_in_0700_folders_even_where_older_versions_left_them_open() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("chains/dev/keystore");
        let keystore = Keystore::open(&folder).unwrap();
        let path = keystore.insert(KeyTypeId::GRANDPA, "//Bob", Scheme::Ed25519).unwrap();
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&path), 0o600);

        // Widened by hand (or by an older version): opening tightens both again.
        fs::set_permissions(&folder, fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        Keystore::open(&folder).unwrap();
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&path), 0o600);

        let key_file = dir.path().join("chains/dev/network/secret_ed25519");
        let key = load_or_generate_node_key(&key_file).unwrap();
        assert_eq!(mode(&key_file), 0o600);
        assert_eq!(mode(key_file.parent().unwrap()), 0o700);
        assert_eq!(load_or_generate_node_key(&key_file).unwrap(), key);
    }

    #[test]
    fn bad_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let keystore = Keystore::open(dir.path()).unwrap();
        let alice = dfs_core::pair::dev_sr25519("Alice").public().0;
        let path = keystore.key_path(KeyTypeId::AURA, &alice);
        for bad in ["//Alice", "\"not a phrase at all ///\"", "\u{0}\u{ff}", "\"//Bob\""] {
            fs::write(&path, bad).unwrap();
            let Err(error) = keystore.sr25519_pair(KeyTypeId::AURA, &alice) else {
                panic!("{bad:?} was taken for a key")
            };
            assert!(error.to_string().contains(&path.display().to_string()), "{error}");
        }
        let key_file = dir.path().join("secret_ed25519");
        fs::write(&key_file, b"short").unwrap();
        let error = load_or_generate_node_key(&key_file).unwrap_err();
        assert!(error.to_string().contains("5 bytes"), "{error}");
        // Never replaced by a new key.
        assert_eq!(fs::read(&key_file).unwrap(), b"short");
    }
}
