//! `--device cpu|cuda|cuda:N` parsing into a candle device.

use crate::error::{Error, Result};
use candle_core::Device;
use std::str::FromStr;

/// Where the model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceSpec {
    #[default]
    Cpu,
    Cuda(usize),
}

impl FromStr for DeviceSpec {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "cpu" => Ok(DeviceSpec::Cpu),
            "cuda" | "gpu" => Ok(DeviceSpec::Cuda(0)),
            _ => match s.strip_prefix("cuda:") {
                Some(n) => n.parse().map(DeviceSpec::Cuda).map_err(|_| {
                    Error::Config(format!("bad device `{s}`: expected cpu, cuda or cuda:N"))
                }),
                None => Err(Error::Config(format!(
                    "bad device `{s}`: expected cpu, cuda or cuda:N"
                ))),
            },
        }
    }
}

impl std::fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceSpec::Cpu => write!(f, "cpu"),
            DeviceSpec::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

impl DeviceSpec {
    /// Opens the device. A CUDA request in a build without the `cuda` feature is a clear error.
    pub fn open(self) -> Result<Device> {
        match self {
            DeviceSpec::Cpu => Ok(Device::Cpu),
            DeviceSpec::Cuda(n) => {
                if !cfg!(feature = "cuda") {
                    return Err(Error::Config(
                        "this binary was built without CUDA support: rebuild with `cargo build --release --features cuda`".into(),
                    ));
                }
                Device::new_cuda(n).map_err(|e| Error::Config(format!("cannot open cuda:{n}: {e}")))
            }
        }
    }
}

/// How CPU work is split between threads: the global rayon pool serves tokenisation and
/// concurrent batches; the matrix kernels get their own thread count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuThreading {
    /// One batch at a time with multi-threaded kernels (training: one large step at a time).
    ThreadedKernels,
    /// Single-threaded kernels, one batch per thread at the same time (inference). Measured
    /// faster on CPU because candle parallelises only the matrix products (see BENCHMARKS.md).
    ParallelBatches,
}

/// The worker thread count a run uses: `--threads` when given (and not 0), else
/// `RAYON_NUM_THREADS`, else every core. Decided once, before the pools exist, so that the
/// choices that follow from it (micro-batches, kernel threads) agree.
pub fn thread_count(threads: Option<usize>) -> usize {
    threads
        .filter(|&n| n > 0)
        .or_else(|| {
            std::env::var("RAYON_NUM_THREADS")
                .ok()
                .and_then(|s| s.parse().ok())
                .filter(|&n: &usize| n > 0)
        })
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
}

impl CpuThreading {
    /// Training: a step of one micro-batch (or on a GPU) runs multi-threaded kernels; several
    /// micro-batches run at once on single-threaded kernels.
    pub fn for_training(micro_batches: usize, device: &DeviceSpec) -> Self {
        if micro_batches <= 1 || *device != DeviceSpec::Cpu {
            CpuThreading::ThreadedKernels
        } else {
            CpuThreading::ParallelBatches
        }
    }

    /// Threads each matrix kernel may use when the run has `workers` threads: all of them when
    /// one batch runs at a time, one when every worker runs its own batch.
    pub fn kernel_threads(self, workers: usize) -> usize {
        match self {
            CpuThreading::ThreadedKernels => workers,
            CpuThreading::ParallelBatches => 1,
        }
    }
}

/// Sets up the thread pools; call once at start, before any other work. Returns the thread
/// count, which the caller carries in its configs (nothing reads it back from a global).
pub fn configure_cpu_threads(threads: Option<usize>, mode: CpuThreading) -> usize {
    let n = thread_count(threads);
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global();
    // candle's own matrix kernels (the vendored candle-core's setter; no environment variable).
    candle_core::utils::set_num_threads(mode.kernel_threads(n));
    n
}

/// mimalloc's option index of the purge delay (`mi_option_purge_delay` in `mimalloc.h`, the
/// same in its v2 and v3; the Rust bindings do not name it). A test checks it against the default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// For every command, where mimalloc is the global allocator (the binary, the Python module): a
/// training step or a scoring batch frees and allocates again the same large buffers (gradients
/// and activations, up to hundreds of MB for a base-size encoder) more than a second apart, so by
/// default mimalloc hands them back to the operating system in between and the kernel zeroes
/// fresh pages for the next one (18% of an MPNet training step's CPU time, `BENCHMARKS.md`).
/// Keeping freed memory instead measured MPNet training 1.2× as fast (peak RSS 5% higher) and
/// int8 MPNet `eval` 1.05× and `score` 1.11× as fast on Intel AMX (`BENCHMARKS.md`). A
/// `MIMALLOC_PURGE_DELAY` set by the user wins.
pub fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets an integer option of the linked mimalloc; mimalloc reads it at its next
        // purge decision and it is safe to change at any time.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_index_names_the_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            eprintln!("skipped: MIMALLOC_PURGE_DELAY is set, so the default cannot be read");
            return;
        }
        // SAFETY: reads an integer option of the linked allocator.
        let before = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        // mimalloc's documented default purge delay (milliseconds); no neighbouring option has it.
        assert_eq!(before, 1000);
        keep_freed_memory();
        // SAFETY: as above.
        let after = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(after, -1);
    }
}
