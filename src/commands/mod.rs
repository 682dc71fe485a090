//! Each CLI command as a library function with a typed config.

pub mod evaluate;
pub mod mentions;
pub mod pairs;
pub mod predict;
pub mod report;
pub mod score;

use crate::device::DeviceSpec;
use crate::error::Result;
use crate::io::articles::{Document, Documents, InputFields, Problem};
use crate::io::atomic::JsonlSink;
use crate::model::Precision;
use crate::pipeline::{cut_sentences_warning, prepare};
pub use crate::store::shipped::{default_model, resolve_model, shipped_model, DEFAULT_MODEL_NAME};
use crate::store::{LoadOptions, StanceModel};
use crate::text::actors::Gazetteer;
use crate::text::document::{Analysis, MentionOptions};
use candle_core::DType;
use std::path::Path;

/// Model loading settings shared by the commands.
#[derive(Debug, Clone, Default)]
pub struct ModelChoice {
    /// `None`: the shipped default model.
    pub model: Option<String>,
    pub device: DeviceSpec,
    /// Compute in half precision (f16 on CUDA; ignored on CPU, where f32 is faster).
    pub half: bool,
    /// Arithmetic of the linear layers on CPU (int8 needs AVX-512 VNNI or AVX2; ignored on CUDA).
    pub precision: Precision,
}

/// What [`write_per_document`] read.
pub(crate) struct DocumentsRead {
    pub(crate) documents: usize,
    pub(crate) sentences: usize,
    /// Records that could not be read, and documents whose sentences were cut.
    pub(crate) problems: Vec<Problem>,
}

/// Runs `write` on every document of `inputs` (in input order) with its analysis; what it writes
/// goes as JSONL lines to `output`, or to `stream` without one.
pub(crate) fn write_per_document(
    gaz: &Gazetteer,
    inputs: &[String],
    fields: &InputFields,
    options: &MentionOptions,
    output: Option<&Path>,
    stream: &mut dyn std::io::Write,
    mut write: impl FnMut(&Document, &Analysis, &mut JsonlSink) -> Result<()>,
) -> Result<DocumentsRead> {
    let mut read = DocumentsRead {
        documents: 0,
        sentences: 0,
        problems: Vec::new(),
    };
    let mut sink = JsonlSink::open(output, stream)?;
    let mut docs = Documents::open_with(inputs, fields.clone());
    for doc in docs.by_ref() {
        let a = prepare(&doc, gaz, options);
        read.documents += 1;
        read.sentences += a.sentence_count;
        read.problems.extend(cut_sentences_warning(&doc, &a));
        write(&doc, &a, &mut sink)?;
    }
    read.problems.append(&mut docs.problems);
    sink.finish()?;
    Ok(read)
}

impl ModelChoice {
    pub fn load(&self) -> Result<StanceModel> {
        let src = match &self.model {
            Some(m) => resolve_model(m)?,
            None => default_model()?,
        };
        let device = self.device.open()?;
        let dtype = if self.half && !device.is_cpu() {
            DType::F16
        } else {
            DType::F32
        };
        let mut m = StanceModel::load(&src, &LoadOptions { device, dtype })?;
        m.prepare_inference(self.precision)?;
        Ok(m)
    }
}
