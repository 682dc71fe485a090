//! The run's log, `train-log.jsonl`: one typed line per logged step and per finished epoch,
//! appended as training goes, trimmed back to the checkpoint on `--resume`, and read again to
//! draw the learning curves. Lines that do not parse (a line cut by a crash, a line of a later
//! version) are passed over when reading.

use super::EpochRecord;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// The log's file name in the output folder.
pub const LOG_FILE: &str = "train-log.jsonl";
/// The learning curves drawn from the log.
pub const CURVES_FILE: &str = "learning-curves.svg";

/// One line of the log (`{"type": "step", …}` or `{"type": "epoch", "record": {…}}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum TrainLogLine {
    /// A logged optimiser step (every `--log-every` steps).
    Step {
        /// Epoch, from 1.
        epoch: usize,
        /// Steps done in the whole run.
        step: usize,
        loss: f64,
        lr: f64,
        grad_norm: f64,
        /// Seconds spent in the epoch so far.
        seconds: f64,
    },
    /// A finished epoch with its dev scores.
    Epoch { record: EpochRecord },
}

/// Appends `line` to the log of the run in `out`.
pub fn append(out: &Path, line: &TrainLogLine) -> Result<()> {
    let p = out.join(LOG_FILE);
    let text = serde_json::to_string(line).map_err(|e| Error::io(&p, std::io::Error::other(e)))?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p)
        .map_err(|e| Error::io(&p, e))?;
    writeln!(f, "{text}").map_err(|e| Error::io(&p, e))?;
    crate::io::atomic::fault_point();
    Ok(())
}

/// The log's lines that parse, in order (none when there is no log).
pub fn read(out: &Path) -> Vec<TrainLogLine> {
    std::fs::read_to_string(out.join(LOG_FILE))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// On resume: drops the lines written after the checkpoint at `step` with `epochs_done` epochs
/// finished (they will be written again).
pub fn trim(out: &Path, step: usize, epochs_done: usize) -> Result<()> {
    let p = out.join(LOG_FILE);
    let Ok(text) = std::fs::read_to_string(&p) else {
        return Ok(());
    };
    let kept: String = text
        .lines()
        .filter(|line| match serde_json::from_str::<TrainLogLine>(line) {
            Ok(TrainLogLine::Step { step: s, .. }) => s <= step,
            Ok(TrainLogLine::Epoch { record }) => record.epoch <= epochs_done,
            Err(_) => false,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    crate::io::atomic::write_bytes(&p, kept.as_bytes())
}

/// Draws the learning curves from the run's log into `learning-curves.svg`.
pub fn write_learning_curves(out: &Path) -> Result<()> {
    let mut loss = Vec::new();
    let mut dev: Vec<(String, Vec<(usize, f64)>)> = Vec::new();
    let mut chosen = None;
    for line in read(out) {
        match line {
            TrainLogLine::Step { step, loss: l, .. } => loss.push((step, l)),
            TrainLogLine::Epoch { record } => {
                if record.selected {
                    chosen = Some(record.epoch);
                }
                for d in &record.dev {
                    let name = Path::new(&d.data)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let f = 100.0 * d.f1m;
                    match dev.iter_mut().find(|x| x.0 == name) {
                        Some(x) => x.1.push((record.epoch, f)),
                        None => dev.push((name, vec![(record.epoch, f)])),
                    }
                }
            }
        }
    }
    let svg = crate::report::charts::learning_curves(&loss, &dev, chosen)?;
    crate::io::atomic::write_bytes(out.join(CURVES_FILE), svg.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::dev::DevScore;

    #[test]
    fn lines_keep_the_layout_older_logs_have_and_trim_to_the_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        // Lines as earlier versions wrote them, plus a cut line.
        let old = concat!(
            r#"{"epoch":1,"grad_norm":2.5,"loss":0.9,"lr":0.0001,"seconds":3.0,"step":10,"type":"step"}"#,
            "\n",
            r#"{"type":"epoch","record":{"epoch":1,"train_loss":0.8,"seconds":9.0,"pairs_per_second":50.0,"dev":[{"data":"d/dev-rw.jsonl","f1m":0.8,"accuracy":0.81,"f1pn":null}],"selected":true}}"#,
            "\n",
            r#"{"epoch":2,"grad_norm":2.0,"loss":0.5,"lr":0.0001,"seconds":1.0,"step":20,"type":"step"}"#,
            "\n",
            r#"{"type":"ste"#,
            "\n"
        );
        std::fs::write(dir.path().join(LOG_FILE), old).unwrap();
        let lines = read(dir.path());
        assert_eq!(lines.len(), 3);
        let TrainLogLine::Epoch { record } = &lines[1] else {
            panic!("{lines:?}")
        };
        assert_eq!(
            record.dev,
            vec![DevScore {
                data: "d/dev-rw.jsonl".into(),
                f1m: 0.8,
                accuracy: 0.81,
                f1pn: None
            }]
        );
        // A written line reads back as itself.
        append(
            dir.path(),
            &TrainLogLine::Step {
                epoch: 2,
                step: 30,
                loss: 0.4,
                lr: 1e-4,
                grad_norm: 1.0,
                seconds: 2.0,
            },
        )
        .unwrap();
        assert_eq!(read(dir.path()).len(), 4);
        write_learning_curves(dir.path()).unwrap();
        assert!(std::fs::read_to_string(dir.path().join(CURVES_FILE))
            .unwrap()
            .contains("<svg"));
        // Back to a checkpoint after epoch 1 at step 15: the later lines (and the cut one) go.
        trim(dir.path(), 15, 1).unwrap();
        let kept = read(dir.path());
        assert_eq!(kept.len(), 2);
        assert!(matches!(kept[0], TrainLogLine::Step { step: 10, .. }));
    }
}
