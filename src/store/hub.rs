//! Resolving `--model` / `--base` arguments: a local directory, or a Hugging Face hub id read from
//! the local hub cache (`$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`)
//! through `hf-hub`, downloading what is missing unless `HF_HUB_OFFLINE=1` or the binary was built
//! without the `hub-download` feature.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Where a model's files come from.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelSource {
    Dir(PathBuf),
    Hub {
        id: String,
        revision: Option<String>,
    },
}

impl ModelSource {
    /// A path that exists is a directory; `org/name` (optionally `@revision`) is a hub id.
    pub fn parse(arg: &str) -> Result<Self> {
        let p = Path::new(arg);
        if p.exists() {
            if !p.is_dir() {
                return Err(Error::model(p, "expected a model directory (with config.json, tokenizer.json, model.safetensors)"));
            }
            return Ok(ModelSource::Dir(p.to_path_buf()));
        }
        let (id, revision) = match arg.split_once('@') {
            Some((i, r)) => (i, Some(r.to_string())),
            None => (arg, None),
        };
        let looks_like_id = id.split('/').count() == 2
            && !id.starts_with('.')
            && !id.starts_with('/')
            && id.split('/').all(|s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            });
        if looks_like_id {
            Ok(ModelSource::Hub {
                id: id.to_string(),
                revision,
            })
        } else {
            Err(Error::model(
                p,
                "no such directory, and not a hub id of the form `org/name`",
            ))
        }
    }

    pub fn describe(&self) -> String {
        match self {
            ModelSource::Dir(p) => p.display().to_string(),
            ModelSource::Hub { id, .. } => id.clone(),
        }
    }

    /// Local path of one file of the model. Optional files return `Ok(None)` when absent.
    pub fn file(&self, name: &str, required: bool) -> Result<Option<PathBuf>> {
        match self {
            ModelSource::Dir(d) => {
                let p = d.join(name);
                if p.is_file() {
                    Ok(Some(p))
                } else if required {
                    Err(Error::model(d, format!("{name} is missing")))
                } else {
                    Ok(None)
                }
            }
            ModelSource::Hub { id, revision } => hub_file(id, revision.as_deref(), name, required),
        }
    }
}

fn cache() -> hf_hub::Cache {
    match std::env::var_os("HF_HUB_CACHE") {
        Some(p) => hf_hub::Cache::new(PathBuf::from(p)),
        None => hf_hub::Cache::from_env(),
    }
}

fn offline() -> bool {
    matches!(
        std::env::var("HF_HUB_OFFLINE")
            .ok()
            .as_deref()
            .map(str::trim),
        Some("1") | Some("true") | Some("TRUE") | Some("yes") | Some("ON") | Some("on")
    )
}

fn hub_file(
    id: &str,
    revision: Option<&str>,
    name: &str,
    required: bool,
) -> Result<Option<PathBuf>> {
    let cache = cache();
    let repo = match revision {
        Some(r) => {
            hf_hub::Repo::with_revision(id.to_string(), hf_hub::RepoType::Model, r.to_string())
        }
        None => hf_hub::Repo::model(id.to_string()),
    };
    if let Some(p) = cache.repo(repo.clone()).get(name) {
        return Ok(Some(p));
    }
    let tried = format!(
        "looked in the hub cache {} (set HF_HOME or HF_HUB_CACHE to change it)",
        cache.path().display()
    );
    if offline() {
        return if required {
            Err(Error::Hub {
                id: id.into(),
                message: format!(
                    "{name} not found: {tried}; HF_HUB_OFFLINE is set, so nothing was downloaded"
                ),
            })
        } else {
            Ok(None)
        };
    }
    download(id, repo, name, required, &tried)
}

#[cfg(feature = "hub-download")]
fn download(
    id: &str,
    repo: hf_hub::Repo,
    name: &str,
    required: bool,
    tried: &str,
) -> Result<Option<PathBuf>> {
    let api = hf_hub::api::sync::ApiBuilder::from_env()
        .with_cache_dir(cache().path().clone())
        .build()
        .map_err(|e| Error::Hub {
            id: id.into(),
            message: e.to_string(),
        })?;
    match api.repo(repo).get(name) {
        Ok(p) => Ok(Some(p)),
        Err(_) if !required => Ok(None),
        Err(e) => Err(Error::Hub {
            id: id.into(),
            message: format!("{name} not found: {tried}; download failed: {e}"),
        }),
    }
}

#[cfg(not(feature = "hub-download"))]
fn download(
    id: &str,
    _repo: hf_hub::Repo,
    name: &str,
    required: bool,
    tried: &str,
) -> Result<Option<PathBuf>> {
    if required {
        Err(Error::Hub {
            id: id.into(),
            message: format!(
                "{name} not found: {tried}; this build cannot download (no `hub-download` feature)"
            ),
        })
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parses_dirs_and_ids() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(
            ModelSource::parse(d.path().to_str().unwrap()).unwrap(),
            ModelSource::Dir(d.path().to_path_buf())
        );
        assert_eq!(
            ModelSource::parse("sentence-transformers/all-MiniLM-L6-v2").unwrap(),
            ModelSource::Hub {
                id: "sentence-transformers/all-MiniLM-L6-v2".into(),
                revision: None
            }
        );
        assert!(ModelSource::parse("./no/such/dir").is_err());
        assert!(ModelSource::parse("nodir").is_err());
    }
}
