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

/// Threads each matrix kernel may use, as set by [`configure_cpu_threads`] (0: not set).
static KERNEL_THREADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Threads each matrix kernel may use: 1 when batches run concurrently (the packed training
/// kernels need it), else the thread count. Typed, so that no module reads it back from the
/// environment.
pub fn kernel_threads() -> usize {
    match KERNEL_THREADS.load(std::sync::atomic::Ordering::Relaxed) {
        0 => candle_core::utils::get_num_threads(),
        n => n,
    }
}

/// Sets up the thread pools; call once at start, before any other work. Returns the thread count.
pub fn configure_cpu_threads(threads: Option<usize>, mode: CpuThreading) -> usize {
    let n = threads
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
        });
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global();
    let kernel = match mode {
        CpuThreading::ThreadedKernels => n,
        CpuThreading::ParallelBatches => 1,
    };
    KERNEL_THREADS.store(kernel, std::sync::atomic::Ordering::Relaxed);
    // candle's own matrix kernels (the vendored candle-core's setter; no environment variable).
    candle_core::utils::set_num_threads(kernel);
    n
}
