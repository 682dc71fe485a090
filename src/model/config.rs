//! The encoder's `config.json` (Hugging Face BERT / RoBERTa fields).

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

fn default_eps() -> f64 {
    1e-12
}
fn default_act() -> String {
    "gelu".into()
}
fn default_type_vocab() -> usize {
    2
}
fn default_model_type() -> String {
    "bert".into()
}

/// The fields of a BERT-family `config.json` that the encoder needs. Unknown fields are kept
/// when the config is copied into a model directory (the file is copied verbatim).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EncoderConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    #[serde(default = "default_act")]
    pub hidden_act: String,
    pub max_position_embeddings: usize,
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default)]
    pub pad_token_id: usize,
    #[serde(default = "default_model_type")]
    pub model_type: String,
    /// MPNet: number of relative-position buckets of the attention bias (32 in MPNet-base).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_attention_num_buckets: Option<usize>,
}

impl EncoderConfig {
    pub fn read(path: &Path) -> Result<Self> {
        let s = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let cfg: EncoderConfig = serde_json::from_str(&s)
            .map_err(|e| Error::model(path, format!("bad config.json: {e}")))?;
        cfg.validate().map_err(|m| Error::model(path, m))?;
        Ok(cfg)
    }

    pub fn validate(&self) -> std::result::Result<(), String> {
        if !matches!(
            self.model_type.as_str(),
            "bert" | "roberta" | "xlm-roberta" | "camembert" | "mpnet"
        ) {
            return Err(format!(
                "model_type `{}` is not supported (BERT, RoBERTa-style and MPNet encoders are)",
                self.model_type
            ));
        }
        if self.num_attention_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
        {
            return Err("hidden_size must be a multiple of num_attention_heads".into());
        }
        if self.model_type == "mpnet" && self.relative_buckets() < 2 {
            return Err("relative_attention_num_buckets must be at least 2".into());
        }
        if self.max_position_embeddings <= self.position_offset() {
            return Err(format!(
                "max_position_embeddings {} leaves no room for positions starting at {}",
                self.max_position_embeddings,
                self.position_offset()
            ));
        }
        if !matches!(
            self.hidden_act.as_str(),
            "gelu" | "gelu_new" | "gelu_pytorch_tanh" | "relu"
        ) {
            return Err(format!("hidden_act `{}` is not supported", self.hidden_act));
        }
        Ok(())
    }

    /// RoBERTa-style models number positions from `pad_token_id + 1`.
    pub fn position_offset(&self) -> usize {
        if self.model_type == "bert" {
            0
        } else {
            self.pad_token_id + 1
        }
    }

    /// The fields that fix the network's shape and arithmetic, as recorded in `stance.json`.
    pub fn shape_record(&self) -> serde_json::Value {
        serde_json::json!({
            "model_type": self.model_type,
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads,
            "intermediate_size": self.intermediate_size,
            "hidden_act": self.hidden_act,
            "max_position_embeddings": self.max_position_embeddings,
            "layer_norm_eps": self.layer_norm_eps,
            "pad_token_id": self.pad_token_id,
        })
    }

    /// The encoder family, which decides weight names and embedding layout.
    pub fn architecture(&self) -> super::arch::Architecture {
        super::arch::Architecture::of(self)
    }

    /// MPNet's relative-position buckets (32 when the config does not say).
    pub fn relative_buckets(&self) -> usize {
        self.relative_attention_num_buckets.unwrap_or(32)
    }

    /// Longest input the position table allows.
    pub fn max_input_tokens(&self) -> usize {
        self.max_position_embeddings - self.position_offset()
    }

    /// A tiny configuration for tests.
    pub fn tiny(vocab_size: usize) -> Self {
        Self {
            vocab_size,
            hidden_size: 32,
            num_hidden_layers: 2,
            num_attention_heads: 4,
            intermediate_size: 64,
            hidden_act: "gelu".into(),
            max_position_embeddings: 128,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
            pad_token_id: 0,
            model_type: "bert".into(),
            relative_attention_num_buckets: None,
        }
    }

    /// A tiny MPNet configuration for tests (pad id 1, positions from 2, relative bias).
    pub fn tiny_mpnet(vocab_size: usize) -> Self {
        Self {
            pad_token_id: 1,
            layer_norm_eps: 1e-5,
            model_type: "mpnet".into(),
            relative_attention_num_buckets: Some(32),
            max_position_embeddings: 130,
            ..Self::tiny(vocab_size)
        }
    }
}
