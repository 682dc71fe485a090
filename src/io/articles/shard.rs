//! `--shard I/N`: disjoint parts of an archive for independent processes.

/// One of `count` disjoint parts of an archive, chosen by a hash of each document's id, so that
/// independent processes cover the archive exactly once (`--shard I/N`, `0 ≤ I < N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether the document with this id belongs to the shard (FNV-1a of the id's bytes).
    pub fn contains(&self, id: &str) -> bool {
        let h = crate::io::hash::fnv_update(crate::io::hash::FNV_START, id.as_bytes());
        h % self.count == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = || format!("--shard {s:?}: expected I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}
