//! The training config (one source of its defaults: [`TrainConfig::new`] with a [`Recipe`]),
//! its checks, and the files a run reads and writes.

use super::{checkpoint, distill, CURVES_FILE, LOG_FILE};
use crate::device::{CpuThreading, DeviceSpec};
use crate::encode::Marker;
use crate::error::{Error, Result};
use crate::eval::metrics::SelectMetric;
use crate::io::guard::RunFiles;
use crate::model::layers::Path as KernelPath;
use crate::model::Pooling;
use crate::store::ModelSource;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Everything `train` needs; defaults follow common BERT fine-tuning practice.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainConfig {
    pub base: String,
    pub train: PathBuf,
    pub dev: Vec<PathBuf>,
    pub out: PathBuf,
    pub epochs: usize,
    pub lr: f64,
    pub batch_size: usize,
    pub warmup: f64,
    pub weight_decay: f64,
    /// Layer-wise learning-rate decay (1: every layer at the same rate).
    #[serde(default = "one_f64")]
    pub layer_decay: f64,
    pub clip: f64,
    pub dropout: f32,
    pub max_length: usize,
    pub seed: u64,
    pub label_smoothing: f64,
    #[serde(with = "device_serde")]
    pub device: DeviceSpec,
    /// Dev metric that selects the best epoch.
    pub select: SelectMetric,
    pub marker: Option<Marker>,
    pub pooling: Pooling,
    pub freeze_word_embeddings: bool,
    pub skip_bad: bool,
    /// Continue from `out/checkpoint`.
    pub resume: bool,
    /// Start afresh even when `out` holds a trained model or a checkpoint (replacing them).
    #[serde(skip)]
    pub overwrite: bool,
    /// Write a step line to the log every N steps.
    pub log_every: usize,
    /// Stop after this many steps in total (for quick trials); the epoch's checkpoint is not written.
    pub max_steps: Option<usize>,
    /// Store the best model's weights in f16 (half the size).
    pub save_f16: bool,
    /// Parts each batch is split into, run at the same time on CPU (one per thread, each with
    /// single-threaded kernels) and whose gradients are summed. 1: the whole batch at once.
    #[serde(default = "one")]
    pub micro_batches: usize,
    /// Worker threads of the run's pool (as [`crate::device::configure_cpu_threads`] returned):
    /// with the micro-batches it decides the training kernels (see [`TrainConfig::kernels`]).
    #[serde(default = "one")]
    pub threads: usize,
    /// Also write a checkpoint every N steps inside an epoch (long runs lose at most N steps).
    #[serde(default)]
    pub checkpoint_every: Option<usize>,
    /// Learn also from a teacher model's probabilities (and from unlabelled pairs).
    #[serde(default)]
    pub distill: Option<distill::Distill>,
}

fn one() -> usize {
    1
}

fn one_f64() -> f64 {
    1.0
}

/// Micro-batches of a CPU training step: as asked, else one per thread with at least four
/// pairs each (a batch under 8 pairs runs whole, on multi-threaded kernels); one on a GPU.
pub fn micro_batches_for(
    device: &DeviceSpec,
    requested: Option<usize>,
    threads: usize,
    batch_size: usize,
) -> usize {
    match (device, requested) {
        (DeviceSpec::Cpu, Some(n)) => n,
        (DeviceSpec::Cpu, None) => threads.min(batch_size / 4).max(1),
        _ => 1,
    }
}

mod device_serde {
    use crate::device::DeviceSpec;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(d: &DeviceSpec, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.to_string())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DeviceSpec, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl TrainConfig {
    pub fn new(base: &str, train: &Path, out: &Path) -> Self {
        Self {
            base: base.to_string(),
            train: train.to_path_buf(),
            dev: Vec::new(),
            out: out.to_path_buf(),
            epochs: 3,
            lr: 5e-5,
            batch_size: 16,
            warmup: 0.1,
            weight_decay: 0.01,
            layer_decay: 1.0,
            clip: 1.0,
            dropout: 0.1,
            max_length: 128,
            seed: 42,
            label_smoothing: 0.0,
            device: DeviceSpec::Cpu,
            select: SelectMetric::F1m,
            marker: Some(Marker::default()),
            pooling: Pooling::default(),
            freeze_word_embeddings: false,
            skip_bad: false,
            resume: false,
            overwrite: false,
            log_every: 50,
            max_steps: None,
            save_f16: false,
            micro_batches: 1,
            threads: 1,
            checkpoint_every: None,
            distill: None,
        }
    }

    /// The kernels of a training step: the packed single-threaded linear kernel when each
    /// matrix product gets one thread (several micro-batches at once, or a one-thread run).
    pub fn kernels(&self) -> KernelPath {
        let threading = CpuThreading::for_training(self.micro_batches, &self.device);
        KernelPath::Differentiable {
            packed_linear: threading.kernel_threads(self.threads) == 1,
        }
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Config(m));
        if self.epochs == 0 {
            return bad("--epochs must be at least 1".into());
        }
        if !(self.lr > 0.0 && self.lr < 1.0) {
            return bad(format!("--lr {} is out of range (0, 1)", self.lr));
        }
        if self.max_steps == Some(0) {
            return bad("--max-steps must be at least 1 (0 would save an untrained model)".into());
        }
        if self.checkpoint_every == Some(0) {
            return bad("--checkpoint-every must be at least 1".into());
        }
        if self.micro_batches == 0 {
            return bad("--micro-batches must be at least 1".into());
        }
        if self.batch_size == 0 {
            return bad("--batch-size must be at least 1".into());
        }
        if !(0.0..1.0).contains(&self.warmup) {
            return bad("--warmup is a share of the steps in [0, 1)".into());
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad("--dropout must be in [0, 1)".into());
        }
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return bad("--label-smoothing must be in [0, 1)".into());
        }
        if let Some(d) = &self.distill {
            d.validate()?;
        }
        Ok(())
    }
}

/// Defaults of the settings that matter most, per encoder size, as measured on NewsMTSC.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recipe {
    pub name: &'static str,
    pub epochs: usize,
    pub lr: f64,
    pub label_smoothing: f64,
}

impl Recipe {
    /// MiniLM-size encoders (hidden size up to 512): the shipped model's recipe, the best of
    /// the measured ones (models/minilm-newsmtsc/README.md).
    pub const SMALL: Recipe = Recipe {
        name: "small",
        epochs: 4,
        lr: 1e-4,
        label_smoothing: 0.1,
    };
    /// Base-size encoders (MPNet, BERT-base): lr 3e-5, as in the one-epoch PyTorch probe that
    /// reached test-rw F1m 82.0 after a single epoch, over three epochs.
    pub const BASE: Recipe = Recipe {
        name: "base",
        epochs: 3,
        lr: 3e-5,
        label_smoothing: 0.0,
    };

    pub fn named(name: &str) -> Result<Self> {
        match name {
            "small" => Ok(Self::SMALL),
            "base" => Ok(Self::BASE),
            _ => Err(Error::Config(format!("--recipe {name}: use small or base"))),
        }
    }

    /// The recipe for a base encoder, by its hidden size.
    pub fn for_base(base: &str) -> Result<Self> {
        let src = ModelSource::parse(base)?;
        let path = src
            .file(crate::store::dir::CONFIG_FILE, true)?
            .unwrap_or_default();
        let cfg = crate::model::EncoderConfig::read(&path)?;
        Ok(if cfg.hidden_size <= 512 {
            Self::SMALL
        } else {
            Self::BASE
        })
    }
}

/// What `train` writes into its output folder besides the model files.
pub const TRAIN_FILES: [&str; 6] = [
    checkpoint::CHECKPOINT_DIR,
    ".checkpoint.tmp",
    ".checkpoint.old",
    LOG_FILE,
    CURVES_FILE,
    distill::CACHE_FILE,
];

impl TrainConfig {
    /// The files this run reads and writes, for [`RunFiles::check`]: no output over an input.
    pub fn planned_files(&self) -> RunFiles {
        let mut f = RunFiles::new();
        if Path::new(&self.base).exists() {
            f.read("--base", &self.base);
        }
        f.read("--train", &self.train);
        for d in &self.dev {
            f.read("--dev", d);
        }
        if let Some(d) = &self.distill {
            if Path::new(&d.teacher).exists() {
                f.read("--teacher", &d.teacher);
            }
            for u in &d.unlabelled {
                f.read("--unlabelled", u);
            }
        }
        let names: Vec<&str> = crate::store::dir::MODEL_FILES
            .iter()
            .chain(&TRAIN_FILES)
            .copied()
            .collect();
        f.write_into("--out", &self.out, &names);
        f
    }
}
