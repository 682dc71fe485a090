//! Atomic output: write to a temporary file beside the target, then rename over it.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file that appears at its path only when [`AtomicFile::commit`] is called; dropped
/// uncommitted, the temporary file is removed and the target is left as it was.
///
/// A special file (a device such as `/dev/null`, a FIFO, `/dev/stdout`; see
/// [`crate::io::guard::is_special`]) is written in place instead: renaming a temporary file over
/// it would replace the device with a regular file.
pub struct AtomicFile {
    target: PathBuf,
    /// The temporary file renamed over `target` on commit; `None` for a special file.
    tmp: Option<PathBuf>,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(target: impl AsRef<Path>) -> Result<Self> {
        let target = target.as_ref().to_path_buf();
        if crate::io::guard::is_special(&target) {
            let f = std::fs::OpenOptions::new()
                .append(true)
                .open(&target)
                .map_err(|e| Error::io(&target, e))?;
            return Ok(Self {
                target,
                tmp: None,
                writer: Some(BufWriter::new(f)),
            });
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "out".into());
        let tmp = target.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        if let Some(parent) = target.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
        }
        let f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        Ok(Self {
            target,
            tmp: Some(tmp),
            writer: Some(BufWriter::new(f)),
        })
    }

    /// The file being written (the temporary one, or the special file itself).
    fn writing(&self) -> &Path {
        self.tmp.as_deref().unwrap_or(&self.target)
    }

    /// Flushes, syncs and renames into place (a special file is only flushed).
    pub fn commit(mut self) -> Result<()> {
        let Some(w) = self.writer.take() else {
            return Ok(());
        };
        let Some(tmp) = self.tmp.clone() else {
            return w
                .into_inner()
                .map(drop)
                .map_err(|e| Error::io(&self.target, e.into_error()));
        };
        let f = w
            .into_inner()
            .map_err(|e| Error::io(&tmp, e.into_error()))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        fault_point();
        std::fs::rename(&tmp, &self.target).map_err(|e| Error::io(&self.target, e))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.writer.as_mut() {
            Some(w) => w.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self.writer.as_mut() {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let (Some(_), Some(tmp)) = (self.writer.take(), &self.tmp) {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Fault injection for the crash tests (`tests/faults.rs`): with `STANCE_FAULT_AT=N` in the
/// environment, the N-th call in the process aborts it, as a crash or a kill at that point
/// would. Called between the steps of every multi-step file update (before renames, after
/// writes). Without the variable it does nothing; without the `fault-injection` feature (every
/// shipped build) it is compiled out, so a shipped binary cannot be made to crash this way.
#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn fault_point() {}

/// See the version above: the test builds' fault injection.
#[cfg(feature = "fault-injection")]
pub fn fault_point() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::OnceLock;
    static AT: OnceLock<Option<usize>> = OnceLock::new();
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let Some(at) = *AT.get_or_init(|| {
        std::env::var("STANCE_FAULT_AT")
            .ok()
            .and_then(|s| s.parse().ok())
    }) else {
        return;
    };
    if COUNT.fetch_add(1, Ordering::SeqCst) + 1 == at {
        eprintln!("STANCE_FAULT_AT={at}: aborting here");
        std::process::abort();
    }
}

/// Fault injection for retry tests (the Spark job): with `STANCE_FAULT_DOC=ID:MARKER` in the
/// environment, reaching the document `ID` makes the process exit with status 3 the first time
/// only: the marker file `MARKER` is created then, and a later process (a retried task) goes on.
/// Without the variable it does nothing; compiled out without the `fault-injection` feature.
#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn fault_document(_id: &str) {}

/// See the version above: the test builds' fault injection.
#[cfg(feature = "fault-injection")]
pub fn fault_document(id: &str) {
    // Read once: this is called for every scored document.
    static SPEC: std::sync::OnceLock<Option<(String, String)>> = std::sync::OnceLock::new();
    let spec = SPEC.get_or_init(|| {
        let s = std::env::var("STANCE_FAULT_DOC").ok()?;
        let (want, marker) = s.split_once(':')?;
        Some((want.to_string(), marker.to_string()))
    });
    let Some((want, marker)) = spec else {
        return;
    };
    if want == id
        && std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(marker)
            .is_ok()
    {
        eprintln!("STANCE_FAULT_DOC: failing at document {id:?} (first time)");
        std::process::exit(3);
    }
}

/// Gives `path` the permissions a new file gets from the process umask (0644 under 022), as
/// every other output has. Writers that create their files with a fixed mode (safetensors
/// writes 0600) would otherwise leave weights unreadable to other users, a shared folder or a
/// cluster's executors.
pub fn umask_permissions(path: &Path) -> Result<()> {
    let probe = path.with_file_name(format!(".mode-probe.{}", std::process::id()));
    let mode = File::create(&probe)
        .and_then(|f| f.metadata())
        .map(|m| m.permissions())
        .map_err(|e| Error::io(&probe, e));
    let _ = std::fs::remove_file(&probe);
    std::fs::set_permissions(path, mode?).map_err(|e| Error::io(path, e))
}

/// Writes `bytes` to `path` atomically.
pub fn write_bytes(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes).map_err(|e| Error::io(f.writing(), e))?;
    f.commit()
}

/// Opens `OUT.partial` for writing under an exclusive lock, so that two runs never write one
/// output (the lock goes with the process, also when it is killed).
pub fn open_locked(part: &Path) -> Result<std::fs::File> {
    if let Some(parent) = part.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(part)
        .map_err(|e| Error::io(part, e))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Config(format!(
            "another stance run is writing this output ({} is locked); wait for it or choose another --output",
            part.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(part, e)),
    }
}

/// JSON lines to a file written atomically (committed by [`JsonlSink::finish`]) or to the
/// caller's stream (the CLI's standard output); errors name the destination.
pub struct JsonlSink<'a> {
    file: Option<AtomicFile>,
    stream: std::io::BufWriter<&'a mut dyn Write>,
    name: String,
}

impl<'a> JsonlSink<'a> {
    /// `None`: `stream`.
    pub fn open(output: Option<&Path>, stream: &'a mut dyn Write) -> Result<Self> {
        Ok(Self {
            file: output.map(AtomicFile::create).transpose()?,
            stream: std::io::BufWriter::new(stream),
            name: output.map_or("standard output".into(), |p| p.display().to_string()),
        })
    }

    /// Writes `value` as one line.
    pub fn write(&mut self, value: &impl serde::Serialize) -> Result<()> {
        let sink: &mut dyn Write = match self.file.as_mut() {
            Some(f) => f,
            None => &mut self.stream,
        };
        serde_json::to_writer(&mut *sink, value)
            .map_err(std::io::Error::from)
            .and_then(|()| sink.write_all(b"\n"))
            .map_err(|e| Error::io(&self.name, e))
    }

    /// Commits the file, or flushes the stream.
    pub fn finish(mut self) -> Result<()> {
        match self.file.take() {
            Some(f) => f.commit(),
            None => self.stream.flush().map_err(|e| Error::io(&self.name, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn uncommitted_file_leaves_target_untouched() {
        let (dir, p) = crate::testing::temp_path("out.jsonl");
        std::fs::write(&p, "old").unwrap();
        {
            let mut f = AtomicFile::create(&p).unwrap();
            f.write_all(b"new").unwrap();
        }
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let mut f = AtomicFile::create("/dev/null").unwrap();
        f.write_all(b"gone").unwrap();
        f.commit().unwrap();
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());

        let (dir, fifo) = crate::testing::temp_path("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            crate::testing::skip(
                "special_files_are_written_in_place (the named pipe part)",
                "mkfifo not available",
            );
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        let mut f = AtomicFile::create(&fifo).unwrap();
        f.write_all(b"through the pipe").unwrap();
        f.commit().unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn umask_permissions_replace_a_fixed_mode() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, p) = crate::testing::temp_path("w.safetensors");
        std::fs::write(&p, "x").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        let fresh = dir.path().join("fresh");
        std::fs::write(&fresh, "x").unwrap();
        umask_permissions(&p).unwrap();
        let mode = |q: &Path| std::fs::metadata(q).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), mode(&fresh));
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "no probe left"
        );
    }
}
