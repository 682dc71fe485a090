//! What differs between the encoder families the model runs: weight names, token-type
//! embeddings, and MPNet's relative-position attention bias. The transformer layers themselves
//! are the same computation (post-norm self-attention and feed-forward) and live in
//! [`super::bert`].

use super::config::EncoderConfig;

/// Encoder family, read from `config.json`'s `model_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// BERT and the RoBERTa family (`roberta`, `xlm-roberta`, `camembert`): absolute positions
    /// and token-type embeddings.
    Bert,
    /// MPNet (`mpnet`): absolute positions from `pad + 1`, no token types, and a learned
    /// relative-position bias added to every layer's attention scores.
    MPNet,
}

/// Names of one layer's weights below `encoder.layer.N.`.
pub struct LayerNames {
    pub query: &'static str,
    pub key: &'static str,
    pub value: &'static str,
    pub attn_out: &'static str,
    pub attn_norm: &'static str,
    pub up: &'static str,
    pub down: &'static str,
    pub out_norm: &'static str,
}

/// MPNet's relative attention bias table: `(buckets, heads)`.
pub const RELATIVE_BIAS: &str = "encoder.relative_attention_bias";
/// Longest distance MPNet's buckets tell apart (the bucketing is logarithmic up to here).
const MPNET_MAX_DISTANCE: usize = 128;

impl Architecture {
    pub fn of(cfg: &EncoderConfig) -> Self {
        if cfg.model_type == "mpnet" {
            Self::MPNet
        } else {
            Self::Bert
        }
    }

    pub fn layer_names(self) -> LayerNames {
        match self {
            Self::Bert => LayerNames {
                query: "attention.self.query",
                key: "attention.self.key",
                value: "attention.self.value",
                attn_out: "attention.output.dense",
                attn_norm: "attention.output.LayerNorm",
                up: "intermediate.dense",
                down: "output.dense",
                out_norm: "output.LayerNorm",
            },
            Self::MPNet => LayerNames {
                query: "attention.attn.q",
                key: "attention.attn.k",
                value: "attention.attn.v",
                attn_out: "attention.attn.o",
                attn_norm: "attention.LayerNorm",
                up: "intermediate.dense",
                down: "output.dense",
                out_norm: "output.LayerNorm",
            },
        }
    }

    pub fn has_token_types(self) -> bool {
        self == Self::Bert
    }

    pub fn has_relative_bias(self) -> bool {
        self == Self::MPNet
    }
}

/// MPNet's bucket of a relative position `memory - context` (T5-style, bidirectional): exact
/// buckets for small distances, logarithmic ones up to 128, one bucket beyond. Computed in f32
/// like the reference implementation, so that the boundaries fall where its do.
pub fn relative_position_bucket(relative: i64, num_buckets: usize) -> u32 {
    let half = num_buckets / 2;
    let n = -relative;
    let mut ret = if n < 0 { half } else { 0 };
    let n = n.unsigned_abs() as usize;
    let max_exact = half / 2;
    if n < max_exact {
        ret += n;
    } else {
        let ratio = (MPNET_MAX_DISTANCE as f64 / max_exact as f64).ln() as f32;
        let scaled = (n as f32 / max_exact as f32).ln() / ratio * (half - max_exact) as f32;
        ret += (max_exact + scaled as usize).min(half - 1);
    }
    ret as u32
}

/// The `(t, t)` bucket indices of a sequence of `t` tokens, row-major: `[i * t + j]` is the
/// bucket of `j - i`.
pub fn relative_buckets(t: usize, num_buckets: usize) -> Vec<u32> {
    let mut by_offset = Vec::with_capacity(2 * t);
    for d in -(t as i64)..(t as i64) {
        by_offset.push(relative_position_bucket(d, num_buckets));
    }
    let mut out = Vec::with_capacity(t * t);
    for i in 0..t {
        for j in 0..t {
            out.push(by_offset[j + t - i]);
        }
    }
    out
}

/// Names and shapes of every encoder weight for a config.
pub fn encoder_shapes(c: &EncoderConfig) -> Vec<(String, Vec<usize>)> {
    let arch = c.architecture();
    let h = c.hidden_size;
    let mut v = vec![
        (
            "embeddings.word_embeddings.weight".to_string(),
            vec![c.vocab_size, h],
        ),
        (
            "embeddings.position_embeddings.weight".into(),
            vec![c.max_position_embeddings, h],
        ),
        ("embeddings.LayerNorm.weight".into(), vec![h]),
        ("embeddings.LayerNorm.bias".into(), vec![h]),
    ];
    if arch.has_token_types() {
        v.push((
            "embeddings.token_type_embeddings.weight".into(),
            vec![c.type_vocab_size, h],
        ));
    }
    if arch.has_relative_bias() {
        v.push((
            format!("{RELATIVE_BIAS}.weight"),
            vec![c.relative_buckets(), c.num_attention_heads],
        ));
    }
    let n = arch.layer_names();
    for i in 0..c.num_hidden_layers {
        let p = format!("encoder.layer.{i}");
        for name in [n.query, n.key, n.value, n.attn_out] {
            v.push((format!("{p}.{name}.weight"), vec![h, h]));
            v.push((format!("{p}.{name}.bias"), vec![h]));
        }
        v.push((format!("{p}.{}.weight", n.up), vec![c.intermediate_size, h]));
        v.push((format!("{p}.{}.bias", n.up), vec![c.intermediate_size]));
        v.push((
            format!("{p}.{}.weight", n.down),
            vec![h, c.intermediate_size],
        ));
        v.push((format!("{p}.{}.bias", n.down), vec![h]));
        for name in [n.attn_norm, n.out_norm] {
            v.push((format!("{p}.{name}.weight"), vec![h]));
            v.push((format!("{p}.{name}.bias"), vec![h]));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_mpnet() {
        // Exact near the diagonal, sign in the upper half, logarithmic and capped far away.
        assert_eq!(relative_position_bucket(0, 32), 0);
        assert_eq!(relative_position_bucket(-1, 32), 1);
        assert_eq!(relative_position_bucket(1, 32), 17);
        assert_eq!(relative_position_bucket(-7, 32), 7);
        assert_eq!(relative_position_bucket(-8, 32), 8);
        assert_eq!(relative_position_bucket(-16, 32), 10);
        assert_eq!(relative_position_bucket(-1000, 32), 15);
        assert_eq!(relative_position_bucket(1000, 32), 31);
        let b = relative_buckets(3, 32);
        assert_eq!(b, vec![0, 17, 18, 1, 0, 17, 2, 1, 0]);
    }
}
