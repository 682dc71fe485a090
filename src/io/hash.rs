//! FNV-1a hashes (64 bits): of files, for checks that data or weights did not change, and of
//! short keys (shards). Not cryptographic: they tell accidental changes apart.

use crate::error::{Error, Result};
use std::path::Path;

/// The FNV-1a offset basis: the hash of nothing.
pub const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a of `bytes` continued from `h`.
pub fn fnv_update(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// FNV-1a (64 bits, hex) of a file's contents, read in blocks.
pub fn fnv_file(path: &Path) -> Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = FNV_START;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h = fnv_update(h, &buf[..n]);
    }
    Ok(format!("{h:016x}"))
}
