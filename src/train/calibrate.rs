//! `stance calibrate`: fits a trained model's temperature (and, if asked, a top-probability map)
//! on labelled dev sets and records them in its `stance.json` (nothing else in the directory
//! changes).

use super::read_model_devs;
use crate::error::{Error, Result};
pub use crate::eval::dev::DevCalibration;
use crate::eval::dev::{calibrate_on, dev_scores};
use crate::io::Skip;
use crate::model::meta::META_FILE;
use crate::model::Precision;
use crate::store::dir::LoadOptions;
use crate::store::{ModelSource, StanceModel};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct CalibrateConfig {
    pub model: PathBuf,
    pub dev: Vec<PathBuf>,
    pub skip_bad: bool,
    pub precision: Precision,
    /// Which map of the top probability to fit after the temperature (none by default;
    /// `models/CALIBRATION.md` says how each did on NewsMTSC).
    pub top_map: crate::model::TopMapKind,
}

#[derive(Debug)]
pub struct CalibrateOutcome {
    pub temperature: f64,
    /// The top-probability map fitted after the temperature (none where there was nothing to fit).
    pub top_map: Option<crate::model::TopMap>,
    pub dev: Vec<DevCalibration>,
    pub skipped: Vec<Skip>,
}

pub fn calibrate(cfg: &CalibrateConfig) -> Result<CalibrateOutcome> {
    if cfg.dev.is_empty() {
        return Err(Error::Config(
            "calibrate needs at least one --dev file".into(),
        ));
    }
    let mut model = StanceModel::load(
        &ModelSource::Dir(cfg.model.clone()),
        &LoadOptions::default(),
    )?;
    model.prepare_inference(cfg.precision)?;
    let (devs, skipped) = read_model_devs(&cfg.dev, model.labels(), cfg.skip_bad)?;
    // Fitted on raw probabilities, whatever temperature the model had.
    model.set_temperature(None);
    let runs = dev_scores(&model, &devs)?;
    let gold: Vec<usize> = runs.iter().flat_map(|r| r.gold.iter().copied()).collect();
    if let Some(why) = crate::eval::dev::too_little_to_calibrate(&gold) {
        return Err(Error::Config(format!(
            "cannot calibrate on these dev sets: {why}; the model was left unchanged"
        )));
    }
    let dev = calibrate_on(&mut model, &runs, cfg.top_map);
    let t = model.meta().temperature.unwrap_or(1.0);
    let meta = serde_json::to_string_pretty(&model.meta())
        .map_err(|e| Error::Internal(format!("writing the metadata: {e}")))?;
    crate::io::atomic::write_bytes(cfg.model.join(META_FILE), meta.as_bytes())?;
    Ok(CalibrateOutcome {
        temperature: t,
        top_map: model.meta().top_map(),
        dev,
        skipped,
    })
}
