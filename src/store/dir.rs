//! Model directories: loading a trained stance model, starting one from a base encoder, and
//! saving (atomically) in Hugging Face layout plus `stance.json`.

use super::hub::ModelSource;
use super::weights;
use crate::encode::{Batch, Encoded, Marker, PairEncoder};
use crate::error::{Error, Result};
pub use crate::model::arch::encoder_shapes;
use crate::model::calibrator::TopMap;
use crate::model::classifier::{StanceNet, HEAD_PREFIX};
use crate::model::config::EncoderConfig;
use crate::model::meta::{Pooling, StanceMeta, META_FILE};
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;
use rand::{rngs::StdRng, SeedableRng};
use rand_distr::{Distribution, Normal};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const CONFIG_FILE: &str = "config.json";
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// The files a saved model folder holds (weights, encoder config, tokenizer, `stance.json`).
pub const MODEL_FILES: [&str; 4] = [
    WEIGHTS_FILE,
    CONFIG_FILE,
    TOKENIZER_FILE,
    crate::model::meta::META_FILE,
];

/// Where and how to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub device: Device,
    /// Compute dtype (f32 on CPU; f16/bf16 are useful on CUDA).
    pub dtype: DType,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            device: Device::Cpu,
            dtype: DType::F32,
        }
    }
}

/// Settings for a new model started from a base encoder.
#[derive(Debug, Clone)]
pub struct NewModel {
    pub labels: Vec<String>,
    pub marker: Option<Marker>,
    pub pooling: Pooling,
    pub max_length: usize,
    pub seed: u64,
}

/// A loaded model: weights (as variables, so that it can be trained), network, input encoder
/// and metadata.
pub struct StanceModel {
    net: StanceNet,
    varmap: VarMap,
    pair_encoder: PairEncoder,
    meta: StanceMeta,
    config: EncoderConfig,
    config_json: String,
    tokenizer_json: String,
    /// Where the model came from, for messages.
    source: String,
    /// The weights file it was loaded from (none for a model made in memory).
    weights_file: Option<PathBuf>,
    /// [`StanceModel::fingerprint`], computed once.
    fingerprint: std::sync::OnceLock<String>,
}

fn read_string(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

impl StanceModel {
    /// The label names, in the order of the head's outputs.
    pub fn labels(&self) -> &[String] {
        &self.meta.labels
    }

    /// Probabilities `(rows, labels)` of a batch (inference path).
    pub fn predict(&self, batch: &Batch) -> Result<Vec<Vec<f32>>> {
        Ok(self.net.predict(batch)?)
    }

    /// Raw logits `(rows, labels)` of a batch (no temperature): what a student learns from.
    pub fn logits(&self, batch: &Batch) -> Result<Vec<Vec<f32>>> {
        Ok(self.net.logits(batch)?)
    }

    /// Pads encoded pairs into a batch on the model's device.
    pub fn batch(&self, items: &[&Encoded]) -> Result<Batch> {
        let pad = self.config.pad_token_id as u32;
        Ok(Batch::new(items, pad, self.net.dtype, &self.net.device)?)
    }

    /// Whether the model runs on the CPU.
    pub fn on_cpu(&self) -> bool {
        self.net.device.is_cpu()
    }

    /// The network (training and tests use its forward pass).
    pub fn net(&self) -> &StanceNet {
        &self.net
    }

    pub fn net_mut(&mut self) -> &mut StanceNet {
        &mut self.net
    }

    /// The weights, as trainable variables.
    pub fn varmap(&self) -> &VarMap {
        &self.varmap
    }

    pub fn pair_encoder(&self) -> &PairEncoder {
        &self.pair_encoder
    }

    pub fn meta(&self) -> &StanceMeta {
        &self.meta
    }

    /// Metadata to update before saving (training record, dev scores, calibration).
    pub fn meta_mut(&mut self) -> &mut StanceMeta {
        &mut self.meta
    }

    pub fn config(&self) -> &EncoderConfig {
        &self.config
    }

    /// Where the model came from, for messages.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// `NAME@HASH`, recorded with every output line: the model folder's name (or hub id) and a
    /// 64-bit FNV-1a hash of its weights file and its metadata as loaded (labels, temperature,
    /// …), so that two models, or one model recalibrated, never share a fingerprint. A model made
    /// in memory hashes its tensors instead of a file and is named `<random>`.
    pub fn fingerprint(&self) -> Result<String> {
        if let Some(f) = self.fingerprint.get() {
            return Ok(f.clone());
        }
        use crate::io::hash::{fnv_file, fnv_update, FNV_START};
        let mut h = FNV_START;
        if let Some(w) = &self.weights_file {
            h = fnv_update(h, fnv_file(w)?.as_bytes());
        } else {
            for (name, t) in self.tensors()? {
                let values = t.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?;
                h = fnv_update(h, name.as_bytes());
                for v in values {
                    h = fnv_update(h, &v.to_le_bytes());
                }
            }
        }
        let meta = serde_json::to_vec(&self.meta).map_err(|e| Error::Internal(e.to_string()))?;
        h = fnv_update(h, &meta);
        let name = Path::new(&self.source)
            .file_name()
            .filter(|_| self.weights_file.is_some() && Path::new(&self.source).is_dir())
            .map_or_else(|| self.source.clone(), |n| n.to_string_lossy().into_owned());
        let f = format!("{name}@{h:016x}");
        Ok(self.fingerprint.get_or_init(|| f).clone())
    }
}

/// Why `src` has no `stance.json`: a base encoder (it has the encoder's `config.json`), or no
/// model at all (a folder without one, or a hub id neither in the cache nor downloadable).
fn missing_model(src: &ModelSource) -> Result<Error> {
    let at = PathBuf::from(src.describe());
    if src.file(CONFIG_FILE, false)?.is_some() {
        return Ok(Error::model(
            at,
            format!("{META_FILE} is missing: this is a base encoder, not a trained stance model; fine-tune it with `stance train --base`, or pass a trained model (e.g. a shipped one: --model default)"),
        ));
    }
    Ok(Error::model(
        at,
        match src {
            ModelSource::Dir(_) => format!(
                "not a model folder (neither {META_FILE} nor {CONFIG_FILE}); pass a trained model's folder or a shipped model's name"
            ),
            ModelSource::Hub { .. } => "no such model in the local Hugging Face cache, and it could not be downloaded (offline, or no such repository); check the id, download it on a machine with network into HF_HOME, or pass a local folder".to_string(),
        },
    ))
}

impl StanceModel {
    /// Loads a trained model directory (or hub repo) with `stance.json`.
    pub fn load(src: &ModelSource, opts: &LoadOptions) -> Result<Self> {
        let Some(meta_path) = src.file(META_FILE, false)? else {
            return Err(missing_model(src)?);
        };
        let meta = StanceMeta::read(&meta_path)?;
        Self::assemble(src, meta, opts, None)
    }

    /// Starts a model from a base encoder checkpoint with a fresh head seeded by `new.seed`.
    pub fn from_base(src: &ModelSource, new: &NewModel, opts: &LoadOptions) -> Result<Self> {
        let mut meta = StanceMeta::new(new.labels.clone(), &src.describe());
        meta.marker = new.marker.clone();
        meta.pooling = new.pooling;
        meta.max_length = new.max_length;
        Self::assemble(src, meta, opts, Some(new.seed))
    }

    fn assemble(
        src: &ModelSource,
        mut meta: StanceMeta,
        opts: &LoadOptions,
        new_head_seed: Option<u64>,
    ) -> Result<Self> {
        let config_path = src.file(CONFIG_FILE, true)?.unwrap_or_default();
        let tok_path = src.file(TOKENIZER_FILE, true)?.unwrap_or_default();
        let weights_path = src.file(WEIGHTS_FILE, true)?.unwrap_or_default();
        let config_json = read_string(&config_path)?;
        let config = EncoderConfig::read(&config_path)?;
        let tokenizer_json = read_string(&tok_path)?;
        check_config_matches_meta(&config, &mut meta, &config_path)?;
        meta.max_length = meta.max_length.min(config.max_input_tokens());
        let pair_encoder = PairEncoder::from_file(&tok_path, meta.marker.clone(), meta.max_length)?;
        let tok_vocab = pair_encoder.tokenizer().get_vocab_size(true);
        if tok_vocab > config.vocab_size {
            return Err(Error::model(
                &tok_path,
                format!(
                    "the tokenizer has {tok_vocab} tokens but config.json's vocab_size is {}: they belong to different models",
                    config.vocab_size
                ),
            ));
        }
        let tensors = weights::load(&weights_path, DType::F32, &opts.device)?;
        let varmap = varmap_from(tensors)?;
        if let Some(seed) = new_head_seed {
            // A base checkpoint's own head (if any) is replaced by a fresh one of the right shape.
            remove_prefix(&varmap, HEAD_PREFIX);
            StanceNet::init_head(
                &varmap,
                meta.pooling.width(config.hidden_size),
                meta.labels.len(),
                seed,
                &opts.device,
            )?;
        }
        let mut net = build_checked(&varmap, &config, &meta, opts, &weights_path)?;
        net.apply_calibration(meta.temperature.unwrap_or(1.0), meta.top_map());
        Ok(Self {
            net,
            varmap,
            pair_encoder,
            meta,
            config,
            config_json,
            tokenizer_json,
            source: src.describe(),
            weights_file: Some(weights_path),
            fingerprint: std::sync::OnceLock::new(),
        })
    }

    /// A model with random weights (seeded), for tests and benchmarks.
    pub fn random(
        config: EncoderConfig,
        tokenizer_json: &str,
        mut meta: StanceMeta,
        seed: u64,
        opts: &LoadOptions,
    ) -> Result<Self> {
        meta.encoder = Some(config.shape_record());
        let varmap = VarMap::new();
        {
            let mut data = variables(&varmap)?;
            let mut rng = StdRng::seed_from_u64(seed);
            let normal = Normal::new(0f32, 0.02).map_err(|e| Error::Internal(e.to_string()))?;
            for (name, shape) in encoder_shapes(&config) {
                let n: usize = shape.iter().product();
                let values: Vec<f32> = if name.ends_with("LayerNorm.weight") {
                    vec![1.0; n]
                } else if name.ends_with(".bias") {
                    vec![0.0; n]
                } else {
                    (0..n).map(|_| normal.sample(&mut rng)).collect()
                };
                let t = Tensor::from_vec(values, shape, &opts.device)?;
                data.insert(name, Var::from_tensor(&t)?);
            }
        }
        StanceNet::init_head(
            &varmap,
            meta.pooling.width(config.hidden_size),
            meta.labels.len(),
            seed ^ 0x5eed,
            &opts.device,
        )?;
        let tok = tokenizers::Tokenizer::from_bytes(tokenizer_json.as_bytes())
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let pair_encoder = PairEncoder::new(tok, meta.marker.clone(), meta.max_length)?;
        let net = build_checked(&varmap, &config, &meta, opts, Path::new("<random>"))?;
        Ok(Self {
            net,
            varmap,
            pair_encoder,
            config_json: serde_json::to_string_pretty(&config)
                .map_err(|e| Error::Internal(e.to_string()))?,
            config,
            tokenizer_json: tokenizer_json.to_string(),
            meta,
            source: "<random>".into(),
            weights_file: None,
            fingerprint: std::sync::OnceLock::new(),
        })
    }

    /// Prepares the network for inference: fused attention projections and packed linear layers
    /// in the given arithmetic (see [`Precision`](super::Precision); int8 needs AVX-512 VNNI or
    /// AVX2 and falls back to f32 elsewhere).
    pub fn prepare_inference(&mut self, precision: crate::model::Precision) -> Result<()> {
        Ok(self.net.encoder.fuse_qkv(precision)?)
    }

    /// What the inference arithmetic is, for reports: `int8`, `f32` (CPU) or the dtype on a GPU.
    pub fn arithmetic(&self) -> String {
        let dev = &self.net.device;
        if dev.is_cpu() {
            self.net.encoder.precision().to_string()
        } else {
            format!("{:?} on {:?}", self.net.dtype, dev.location()).to_lowercase()
        }
    }

    /// Sets the temperature of the probabilities (recorded in `stance.json` when saved);
    /// `None` for raw probabilities. A top-probability map fitted after the previous temperature
    /// no longer fits and is dropped.
    pub fn set_temperature(&mut self, t: Option<f64>) {
        self.meta.temperature = t;
        self.set_top_map(None);
    }

    /// Sets the map of the top probability, applied after the temperature (recorded in
    /// `stance.json` when saved).
    pub fn set_top_map(&mut self, map: Option<TopMap>) {
        self.meta.set_top_map(map.clone());
        self.net
            .apply_calibration(self.meta.temperature.unwrap_or(1.0), map);
    }

    /// Scoring gives raw probabilities from now on (training scores its dev sets so); the
    /// metadata keeps the calibration it has, which a saved model records.
    pub fn score_raw(&mut self) {
        self.net.apply_calibration(1.0, None);
    }

    /// The tokenizer definition (`tokenizer.json`) the model was loaded with.
    pub fn tokenizer_json(&self) -> &str {
        &self.tokenizer_json
    }

    /// Replaces the value of the weight `name` (same shape) in place.
    pub fn set_weight(&self, name: &str, value: &Tensor) -> Result<()> {
        let data = variables(&self.varmap)?;
        let var = data
            .get(name)
            .ok_or_else(|| Error::Internal(format!("the model has no weight {name}")))?;
        Ok(var.set(value)?)
    }

    /// All weights by name (sorted), as stored tensors.
    pub fn tensors(&self) -> Result<BTreeMap<String, Tensor>> {
        let data = variables(&self.varmap)?;
        Ok(data
            .iter()
            .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
            .collect())
    }

    /// Writes the model directory. A new directory is written under a temporary sibling name
    /// and renamed into place; an existing one (a training run's `--out`, which also holds logs
    /// and checkpoints) has each file replaced atomically, `stance.json` last, so that other
    /// files in it are never moved. Weights are stored in `dtype` (f16 halves the size).
    pub fn save(&self, dir: &Path, dtype: DType) -> Result<()> {
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let mut out: HashMap<String, Tensor> = HashMap::new();
        for (k, t) in self.tensors()? {
            out.insert(k, t.to_dtype(dtype)?.to_device(&Device::Cpu)?);
        }
        let meta =
            serde_json::to_string_pretty(&self.meta).map_err(|e| Error::Internal(e.to_string()))?;
        let write_all = |into: &Path| -> Result<()> {
            let write =
                |file: &str, bytes: &[u8]| crate::io::atomic::write_bytes(into.join(file), bytes);
            write(CONFIG_FILE, self.config_json.as_bytes())?;
            write(TOKENIZER_FILE, self.tokenizer_json.as_bytes())?;
            let wpath = into.join(WEIGHTS_FILE);
            let wtmp = into.join(format!(".{WEIGHTS_FILE}.tmp-{}", std::process::id()));
            candle_core::safetensors::save(&out, &wtmp)
                .map_err(|e| Error::model(&wpath, e.to_string()))?;
            crate::io::atomic::umask_permissions(&wtmp)?;
            crate::io::atomic::fault_point();
            std::fs::rename(&wtmp, &wpath).map_err(|e| Error::io(&wpath, e))?;
            write(META_FILE, meta.as_bytes())
        };
        if dir.is_dir() {
            return write_all(dir);
        }
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "model".into());
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        }
        std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        write_all(&tmp)?;
        std::fs::rename(&tmp, dir).map_err(|e| Error::io(dir, e))
    }
}

/// A model's `stance.json` records the encoder shape it was trained with; a `config.json` that
/// differs (edited layers, heads, activation, …) would run the weights wrongly.
fn check_config_matches_meta(
    config: &EncoderConfig,
    meta: &mut StanceMeta,
    config_path: &Path,
) -> Result<()> {
    let now = config.shape_record();
    match &meta.encoder {
        None => meta.encoder = Some(now),
        Some(rec) => {
            let differ: Vec<String> = crate::io::differing_fields(rec, &now)
                .into_iter()
                .map(|(k, trained, current)| format!("{k} is {current} (trained with {trained})"))
                .collect();
            if !differ.is_empty() {
                return Err(Error::model(
                    config_path,
                    format!(
                        "does not match the encoder the model was trained with: {}",
                        differ.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn varmap_from(tensors: HashMap<String, Tensor>) -> Result<VarMap> {
    let varmap = VarMap::new();
    {
        let mut data = variables(&varmap)?;
        for (k, t) in tensors {
            data.insert(k, Var::from_tensor(&t)?);
        }
    }
    Ok(varmap)
}

fn remove_prefix(varmap: &VarMap, prefix: &str) {
    if let Ok(mut data) = varmap.data().lock() {
        data.retain(|k, _| !k.starts_with(prefix));
    }
}

/// Builds the network and fails if it had to create any weight (missing from the file) or if
/// the file holds weights the network does not use (a different architecture).
fn build_checked(
    varmap: &VarMap,
    cfg: &EncoderConfig,
    meta: &StanceMeta,
    opts: &LoadOptions,
    path: &Path,
) -> Result<StanceNet> {
    let before: Vec<String> = keys(varmap);
    let net = StanceNet::build(
        varmap,
        cfg,
        meta.pooling,
        meta.labels.len(),
        opts.dtype,
        &opts.device,
    )
    .map_err(|e| Error::model(path, format!("weights do not fit the config: {e}")))?;
    let after = keys(varmap);
    let expected: std::collections::HashSet<String> = encoder_shapes(cfg)
        .into_iter()
        .map(|(k, _)| k)
        .chain([
            format!("{HEAD_PREFIX}.weight"),
            format!("{HEAD_PREFIX}.bias"),
        ])
        .collect();
    let unused: Vec<&String> = before.iter().filter(|k| !expected.contains(*k)).collect();
    if !unused.is_empty() {
        let (n, shown) = count_and_first_names(&unused);
        return Err(Error::model(
            path,
            format!("{n} weights in the file are not used by the encoder config.json describes (e.g. {shown}): does num_hidden_layers or model_type match the weights?"),
        ));
    }
    let missing: Vec<&String> = after.iter().filter(|k| !before.contains(k)).collect();
    if !missing.is_empty() {
        let (n, shown) = count_and_first_names(&missing);
        return Err(Error::model(
            path,
            format!("{n} weights missing from the file, e.g. {shown}"),
        ));
    }
    Ok(net)
}

/// How many weight names there are, and the first five of them, for an error message.
fn count_and_first_names(names: &[&String]) -> (usize, String) {
    let shown: Vec<&str> = names.iter().take(5).map(|s| s.as_str()).collect();
    (names.len(), shown.join(", "))
}

fn keys(varmap: &VarMap) -> Vec<String> {
    varmap
        .data()
        .lock()
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

/// The variables of a model's `VarMap`, locked (a lock poisoned by a panic elsewhere is an
/// internal error, not a setting).
pub fn variables(
    varmap: &VarMap,
) -> Result<std::sync::MutexGuard<'_, std::collections::HashMap<String, Var>>> {
    varmap
        .data()
        .lock()
        .map_err(|_| Error::PoisonedLock("the model's variables"))
}
