//! The native half of the `stance` Python package: the library's commands over Python values.
//! Every call that computes releases the GIL; errors become the exceptions of `stance.errors`
//! carrying the library's messages (file, line, field). The Python half (`stance/__init__.py`)
//! shapes the results (dicts, NumPy arrays, iterators) and documents the API.

use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use stance::commands::evaluate::{evaluate, EvalConfig};
use stance::commands::mentions::sentence_mentions;
use stance::commands::predict::predict_examples;
use stance::commands::ModelChoice;
use stance::device::CpuThreading;
use stance::infer::InferOptions;
use stance::io::articles::Document;
use stance::io::examples::{example_from_text, Example};
use stance::model::Precision;
use stance::pipeline::{prepare, score_documents, ScoreStats};
use stance::store::StanceModel;
use stance::text::actors::Gazetteer;
use stance::text::document::{Discover, MentionOptions};
use stance::train::{NoProgress, Recipe, TrainConfig, TrainProgress};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The binary's allocator: candle allocates and frees many large buffers per batch, which
/// mimalloc serves faster than the system allocator (Python's own objects are not affected).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A library error as the matching exception of `stance.errors`, with `path`, `line` and
/// `field` attributes where the error names them.
fn to_py(py: Python<'_>, e: stance::Error) -> PyErr {
    use stance::Error as E;
    let class = match &e {
        E::Io { cause, .. } if cause.kind() == std::io::ErrorKind::NotFound => {
            "StanceFileNotFoundError"
        }
        E::Io { .. } => "StanceIOError",
        E::Record { .. } | E::Input { .. } | E::Config(_) | E::Hub { .. } => "InputError",
        E::Model { .. } => "ModelError",
        E::Interrupted => return PyKeyboardInterrupt::new_err("interrupted"),
        _ => "StanceError",
    };
    let made = (|| -> PyResult<PyErr> {
        let module = py.import("stance.errors")?;
        let exc = match &e {
            // errno, message and file name, as Python's own FileNotFoundError carries them.
            E::Io { path, .. } if class == "StanceFileNotFoundError" => module
                .getattr(class)?
                .call1((2, e.to_string(), path.display().to_string()))?,
            _ => module.getattr(class)?.call1((e.to_string(),))?,
        };
        match &e {
            E::Record {
                path, line, field, ..
            } => {
                exc.setattr("path", path.display().to_string())?;
                exc.setattr("line", *line)?;
                exc.setattr("field", field.as_str())?;
            }
            E::Io { path, .. } | E::Input { path, .. } | E::Model { path, .. } => {
                exc.setattr("path", path.display().to_string())?;
            }
            _ => {}
        }
        Ok(PyErr::from_value(exc))
    })();
    made.unwrap_or_else(|err| err)
}

/// Runs `f` without the GIL and turns its error into a Python exception.
fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> stance::Result<T> + Send) -> PyResult<T> {
    py.detach(f).map_err(|e| to_py(py, e))
}

/// Sets up the process's thread pool once (every core; single-threaded kernels, batches in
/// parallel, as the CLI's inference); returns its size.
fn threads_once() -> usize {
    static WORKERS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *WORKERS.get_or_init(|| {
        stance::device::keep_freed_memory();
        stance::device::configure_cpu_threads(None, CpuThreading::ParallelBatches)
    })
}

/// The shipped model folders of the checkout this package was built from, so that `pip install .`
/// finds `models/` wherever Python runs.
fn checkout_models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("models")
}

/// `None`: the default model; else a folder, a shipped model's short name or a hub id, looked up
/// as the CLI does, then under the package's checkout.
fn model_choice(name_or_path: Option<String>) -> stance::Result<Option<String>> {
    let short = |n: &str| !n.contains('/') && !std::path::Path::new(n).exists();
    let name = match &name_or_path {
        None if std::env::var_os("STANCE_MODEL").is_some() => return Ok(None),
        None => stance::commands::DEFAULT_MODEL_NAME.to_string(),
        Some(n) if short(n) => n.clone(),
        Some(n) => return Ok(Some(n.clone())),
    };
    if stance::commands::shipped_model(&name).is_some() {
        return Ok(Some(name));
    }
    match stance::store::shipped::shipped_model_under(&checkout_models(), &name) {
        Some(dir) => Ok(Some(
            dir.canonicalize().unwrap_or(dir).display().to_string(),
        )),
        None => Ok(Some(name)),
    }
}

fn parse_precision(p: Option<&str>) -> stance::Result<Precision> {
    match p.map(str::to_ascii_lowercase).as_deref() {
        None | Some("int8") => Ok(Precision::Int8),
        Some("f32") => Ok(Precision::F32),
        Some(other) => Err(stance::Error::Config(format!(
            "precision {other:?}: use \"int8\" or \"f32\""
        ))),
    }
}

/// A loaded model. Shared by Python threads: every method takes `&self` and runs without the
/// GIL, so calls from several threads compute at the same time.
#[pyclass(frozen, module = "stance._stance")]
struct NativeModel {
    model: Arc<StanceModel>,
    infer: InferOptions,
}

#[pymethods]
impl NativeModel {
    #[staticmethod]
    #[pyo3(signature = (name_or_path=None, precision=None, threads=None))]
    fn load(
        py: Python<'_>,
        name_or_path: Option<String>,
        precision: Option<String>,
        threads: Option<usize>,
    ) -> PyResult<Self> {
        let cores = threads_once();
        // Batches at a time per call: 1 computes on the calling thread, so Python threads
        // that share a model compute side by side.
        let parallel = threads.unwrap_or(cores).max(1);
        let precision = parse_precision(precision.as_deref()).map_err(|e| to_py(py, e))?;
        let model = model_choice(name_or_path).map_err(|e| to_py(py, e))?;
        let choice = ModelChoice {
            model,
            precision,
            ..ModelChoice::default()
        };
        let model = detached(py, || choice.load())?;
        let infer = InferOptions {
            parallel_batches: Some(parallel),
            ..InferOptions::default()
        };
        Ok(Self {
            model: Arc::new(model),
            infer,
        })
    }

    #[getter]
    fn labels(&self) -> Vec<String> {
        self.model.labels().to_vec()
    }

    /// `NAME@HASH`, as in score lines.
    #[getter]
    fn fingerprint(&self, py: Python<'_>) -> PyResult<String> {
        self.model.fingerprint().map_err(|e| to_py(py, e))
    }

    #[getter]
    fn source(&self) -> String {
        self.model.source().to_string()
    }

    #[getter]
    fn arithmetic(&self) -> String {
        self.model.arithmetic()
    }

    /// Probabilities (rows in label order) and a truncation flag per pair. `spans` are character
    /// offsets of each target in its text; without one the target's first whole-word occurrence.
    #[pyo3(signature = (texts, targets, spans=None))]
    fn predict(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        targets: Vec<String>,
        spans: Option<Vec<Option<(usize, usize)>>>,
    ) -> PyResult<(Vec<Vec<f32>>, Vec<bool>)> {
        let examples = examples_of(texts, targets, spans).map_err(|e| to_py(py, e))?;
        let preds = detached(py, || {
            predict_examples(&self.model, &examples, &self.infer, &|_| {})
        })?;
        let labels = self.model.labels();
        let rows = preds
            .iter()
            .map(|p| labels.iter().map(|l| p.scores[l]).collect())
            .collect();
        Ok((rows, preds.iter().map(|p| p.truncated).collect()))
    }

    /// The CLI's `eval --report` content for a labelled JSONL file, as JSON.
    #[pyo3(signature = (path, skip_bad=false))]
    fn evaluate(&self, py: Python<'_>, path: PathBuf, skip_bad: bool) -> PyResult<String> {
        let cfg = EvalConfig {
            data: path,
            skip_bad,
            infer: self.infer.clone(),
        };
        let (report, _) = detached(py, || evaluate(&self.model, &cfg, &|_| {}))?;
        serde_json::to_string(&report).map_err(|e| to_py(py, stance::Error::Config(e.to_string())))
    }

    /// Score lines (JSON, the `score` schema) of a chunk of documents: (id, text, fields as JSON).
    fn score_chunk(
        &self,
        py: Python<'_>,
        docs: Vec<(String, String, String)>,
        actors: &NativeActors,
    ) -> PyResult<Vec<String>> {
        let docs = documents_of(docs).map_err(|e| to_py(py, e))?;
        detached(py, || {
            let mut stats = ScoreStats::default();
            let outs = score_documents(
                &self.model,
                &actors.gazetteer,
                &actors.options,
                &docs,
                &self.infer,
                false,
                &mut stats,
            )?;
            let mut lines = Vec::new();
            for line in outs.iter().flat_map(|o| &o.lines) {
                lines.push(
                    serde_json::to_string(line)
                        .map_err(|e| stance::Error::Config(e.to_string()))?,
                );
            }
            Ok(lines)
        })
    }
}

/// The (text, target, span) pairs as examples; a target not in its text is an error naming it.
fn examples_of(
    texts: Vec<String>,
    targets: Vec<String>,
    spans: Option<Vec<Option<(usize, usize)>>>,
) -> stance::Result<Vec<Example>> {
    let bad = |i: usize, msg: String| stance::Error::Config(format!("pair {i}: {msg}"));
    if texts.len() != targets.len() {
        return Err(stance::Error::Config(format!(
            "{} texts but {} targets",
            texts.len(),
            targets.len()
        )));
    }
    if let Some(s) = &spans {
        if s.len() != texts.len() {
            return Err(stance::Error::Config(format!(
                "{} texts but {} spans",
                texts.len(),
                s.len()
            )));
        }
    }
    texts
        .iter()
        .zip(&targets)
        .enumerate()
        .map(|(i, (text, target))| {
            let span = spans.as_ref().and_then(|s| s[i]);
            example_from_text(&i.to_string(), i + 1, text, target, span).map_err(|m| bad(i, m))
        })
        .collect()
}

fn documents_of(docs: Vec<(String, String, String)>) -> stance::Result<Vec<Document>> {
    docs.into_iter()
        .map(|(id, text, fields)| {
            let fields = match serde_json::from_str(&fields) {
                Ok(serde_json::Value::Object(m)) => m,
                Ok(_) => {
                    return Err(stance::Error::Config(format!(
                        "document {id:?}: fields must be a JSON object"
                    )))
                }
                Err(e) => {
                    return Err(stance::Error::Config(format!(
                        "document {id:?}: fields: {e}"
                    )))
                }
            };
            Ok(Document {
                key: id.clone(),
                id,
                text,
                fields,
            })
        })
        .collect()
}

/// A gazetteer with the mention options: what `score` and `mentions` look for.
#[pyclass(frozen, module = "stance._stance")]
struct NativeActors {
    gazetteer: Gazetteer,
    options: MentionOptions,
}

#[pymethods]
impl NativeActors {
    /// `specs`: actors as the CLI's `--actor` (`NAME`, `NAME=ALIAS1,ALIAS2;kind=person`);
    /// `files`: gazetteers (TOML or JSON) as `--actors`; `default`: start from the shipped one.
    #[new]
    #[pyo3(signature = (specs=Vec::new(), files=Vec::new(), default=true, demonyms=false, discover="off"))]
    fn new(
        py: Python<'_>,
        specs: Vec<String>,
        files: Vec<PathBuf>,
        default: bool,
        demonyms: bool,
        discover: &str,
    ) -> PyResult<Self> {
        let discover = match discover {
            "off" => Discover::Off,
            "list" => Discover::List,
            "score" => Discover::Score,
            other => {
                return Err(to_py(
                    py,
                    stance::Error::Config(format!(
                        "discover {other:?}: use \"off\", \"list\" or \"score\""
                    )),
                ))
            }
        };
        let gazetteer = (|| {
            let mut gaz = if default {
                Gazetteer::default_international()?
            } else {
                Gazetteer::new(Vec::new(), std::path::Path::new("(no default actors)"))?
            };
            for p in &files {
                gaz = gaz.merged(Gazetteer::from_file(p)?, p)?;
            }
            gaz.with_extra(&specs)
        })()
        .map_err(|e| to_py(py, e))?;
        Ok(Self {
            gazetteer,
            options: MentionOptions { demonyms, discover },
        })
    }

    /// The mention lines (JSON, the `mentions` schema) of one text.
    fn mentions(&self, py: Python<'_>, id: String, text: String) -> PyResult<Vec<String>> {
        detached(py, || {
            let doc = Document {
                key: id.clone(),
                id,
                text,
                fields: Default::default(),
            };
            let analysis = prepare(&doc, &self.gazetteer, &self.options);
            sentence_mentions(&doc, &analysis, &self.gazetteer)
                .iter()
                .map(|l| serde_json::to_string(l).map_err(|e| stance::Error::Config(e.to_string())))
                .collect()
        })
    }
}

/// Progress of a training run, handed to a Python callable as dicts (from the training thread,
/// taking the GIL for each call; a failing callback is reported once and then ignored).
struct PyProgress {
    callback: Option<Py<PyAny>>,
    failed: AtomicBool,
}

impl PyProgress {
    fn send(&self, event: &str, fill: impl FnOnce(&Bound<'_, PyDict>) -> PyResult<()>) {
        let Some(cb) = &self.callback else { return };
        if self.failed.load(Ordering::Relaxed) {
            return;
        }
        Python::attach(|py| {
            let sent = (|| {
                let d = PyDict::new(py);
                d.set_item("event", event)?;
                fill(&d)?;
                cb.call1(py, (d,))
            })();
            if let Err(e) = sent {
                self.failed.store(true, Ordering::Relaxed);
                e.print(py);
            }
        });
    }
}

impl TrainProgress for PyProgress {
    fn start(&self, total_steps: usize, done: usize) {
        self.send("start", |d| {
            d.set_item("total_steps", total_steps)?;
            d.set_item("done", done)
        });
    }
    fn step(&self, step: usize, loss: f64, lr: f64) {
        self.send("step", |d| {
            d.set_item("step", step)?;
            d.set_item("loss", loss)?;
            d.set_item("lr", lr)
        });
    }
    fn message(&self, msg: &str) {
        self.send("message", |d| d.set_item("message", msg));
    }
}

/// The training settings: `TrainConfig`'s defaults, the recipe for the base's size (or the one
/// named), then `options` (a JSON object of `TrainConfig` fields, plus `recipe`, `overwrite`,
/// `teacher`, `distill_weight`, `temperature` and `unlabelled`); an unknown option is an error.
fn train_config(
    base: &str,
    train: PathBuf,
    dev: Vec<PathBuf>,
    out: PathBuf,
    options: &str,
) -> stance::Result<TrainConfig> {
    let bad = |m: String| stance::Error::Config(m);
    let serde_json::Value::Object(mut opts) =
        serde_json::from_str(options).map_err(|e| bad(e.to_string()))?
    else {
        return Err(bad("options must be a JSON object".into()));
    };
    let mut cfg = TrainConfig::new(base, &train, &out);
    cfg.dev = dev;
    let recipe = match opts.remove("recipe") {
        Some(serde_json::Value::String(r)) => Recipe::named(&r)?,
        Some(serde_json::Value::Null) | None => Recipe::for_base(base)?,
        Some(other) => return Err(bad(format!("recipe {other}: use \"small\" or \"base\""))),
    };
    cfg.epochs = recipe.epochs;
    cfg.lr = recipe.lr;
    cfg.label_smoothing = recipe.label_smoothing;
    let overwrite = match opts.remove("overwrite") {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::Bool(b)) => b,
        Some(other) => return Err(bad(format!("overwrite {other}: use True or False"))),
    };
    let teacher = match opts.remove("teacher") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(t)) => Some(t),
        Some(other) => return Err(bad(format!("teacher {other}: give a model folder or name"))),
    };
    let mut distill = [0.5, 2.0];
    for (slot, key) in distill.iter_mut().zip(["distill_weight", "temperature"]) {
        match opts.remove(key) {
            None | Some(serde_json::Value::Null) => {}
            Some(_) if teacher.is_none() => {
                return Err(bad(format!("{key} needs a teacher (teacher=MODEL)")))
            }
            Some(v) => {
                *slot = v
                    .as_f64()
                    .ok_or_else(|| bad(format!("{key} {v}: a number")))?
            }
        }
    }
    let unlabelled = opts.remove("unlabelled");
    if unlabelled.is_some() && teacher.is_none() {
        return Err(bad("unlabelled pairs need a teacher (teacher=MODEL)".into()));
    }
    let micro_batches_given = opts.contains_key("micro_batches");
    let mut value = serde_json::to_value(&cfg).map_err(|e| bad(e.to_string()))?;
    let fields = value
        .as_object_mut()
        .expect("a struct serialises to an object");
    for (k, v) in opts {
        if !fields.contains_key(&k) || k == "distill" {
            return Err(bad(format!("unknown training option {k:?}")));
        }
        fields.insert(k, v);
    }
    let mut cfg: TrainConfig =
        serde_json::from_value(value).map_err(|e| bad(format!("training options: {e}")))?;
    cfg.overwrite = overwrite;
    if overwrite && cfg.resume {
        return Err(bad("resume and overwrite exclude each other".into()));
    }
    cfg.micro_batches = stance::train::micro_batches_for(
        &cfg.device,
        micro_batches_given.then_some(cfg.micro_batches),
        threads_once(),
        cfg.batch_size,
    );
    cfg.threads = threads_once();
    if let Some(t) = teacher {
        let unlabelled: Vec<PathBuf> = match unlabelled {
            Some(serde_json::Value::String(s)) => vec![s.into()],
            Some(v) => serde_json::from_value(v).map_err(|e| bad(format!("unlabelled: {e}")))?,
            None => Vec::new(),
        };
        cfg.distill = Some(stance::train::distill::Distill {
            teacher: t,
            weight: distill[0],
            temperature: distill[1],
            unlabelled,
        });
    }
    Ok(cfg)
}

/// Trains a model into `out` on a thread of its own; this thread waits without the GIL and
/// checks for Ctrl-C, which stops the run after its current step (the last finished checkpoint
/// is kept, so `resume=True` continues) and raises `KeyboardInterrupt`. Returns the outcome as
/// JSON.
#[pyfunction]
#[pyo3(signature = (base, train, dev, out, options="{}", progress=None))]
fn train(
    py: Python<'_>,
    base: String,
    train: PathBuf,
    dev: Vec<PathBuf>,
    out: PathBuf,
    options: &str,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    threads_once();
    let cfg = train_config(&base, train, dev, out, options).map_err(|e| to_py(py, e))?;
    // As the CLI: one micro-batch (or a GPU) runs one step at a time with multi-threaded
    // kernels; otherwise each micro-batch takes a core with single-threaded kernels. Inference
    // in this process runs with the same kernels until the run ends.
    let threaded =
        CpuThreading::for_training(cfg.micro_batches, &cfg.device) == CpuThreading::ThreadedKernels;
    if threaded {
        stance::device::configure_cpu_threads(None, CpuThreading::ThreadedKernels);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let run = {
        let stop = stop.clone();
        let hooks = PyProgress {
            callback: progress,
            failed: AtomicBool::new(false),
        };
        std::thread::spawn(move || {
            let out = if hooks.callback.is_some() {
                stance::train::train(&cfg, &hooks, stop)
            } else {
                stance::train::train(&cfg, &NoProgress, stop)
            };
            // The callback is a Python object: drop it with the GIL held.
            Python::attach(|_| drop(hooks));
            out
        })
    };
    let mut interrupt = None;
    while !run.is_finished() {
        py.detach(|| std::thread::sleep(Duration::from_millis(50)));
        if interrupt.is_none() {
            if let Err(e) = py.check_signals() {
                stop.store(true, Ordering::SeqCst);
                interrupt = Some(e);
            }
        }
    }
    // A signal that came in while the last steps finished (between two polls) still stops the
    // call, as Python would have raised it at its next instruction anyway.
    if interrupt.is_none() {
        if let Err(e) = py.check_signals() {
            interrupt = Some(e);
        }
    }
    let outcome = run.join();
    if threaded {
        stance::device::configure_cpu_threads(None, CpuThreading::ParallelBatches);
    }
    let outcome = outcome.map_err(|_| {
        pyo3::exceptions::PyRuntimeError::new_err("stance: the training thread panicked")
    })?;
    if let Some(e) = interrupt {
        return Err(e);
    }
    let outcome = outcome.map_err(|e| to_py(py, e))?;
    let json = serde_json::json!({
        "history": outcome.history,
        "best_epoch": outcome.best_epoch,
        "steps": outcome.steps,
        "skipped": outcome.skipped,
    });
    Ok(json.to_string())
}

/// The library's version, as written into score lines.
#[pyfunction]
fn version() -> &'static str {
    stance::io::scores::VERSION
}

#[pymodule]
fn _stance(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeModel>()?;
    m.add_class::<NativeActors>()?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
