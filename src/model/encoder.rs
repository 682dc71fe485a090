//! The transformer encoder of the BERT family (BERT, MiniLM) and MPNet, differentiable end to end.
//!
//! The two architectures share every layer; what differs (weight names, token types, MPNet's
//! relative-position bias) is read from [`super::arch::Architecture`], so one file serves both
//! rather than two copies of the same layers.
//!
//! Two numerically equivalent paths: `Path::Fast` (fused layer norm and softmax kernels that
//! record no gradient, packed linear layers) for inference, `Path::Differentiable` for training
//! (fused layer norm and softmax with their gradients on CPU; composed candle ops on other
//! devices). The layer types in [`super::layers`] choose the kernels.
//! candle-transformers' `BertModel` is not used: its layer norms take the fused kernel, which
//! silently stops gradients, and its dropout is a no-op.

use super::arch::{relative_buckets, RELATIVE_BIAS};
use super::config::EncoderConfig;
use super::layers::{
    linear_train, maybe_dropout, softmax_last_dim, Activation, Dropout, LayerNorm, Linear, Path,
    Precision,
};
use crate::kernels::attention::Attention;
use crate::kernels::op::Op;
use crate::kernels::train_ops;
use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{Embedding, VarBuilder};

fn linear(vb: VarBuilder, i: usize, o: usize) -> Result<candle_nn::Linear> {
    candle_nn::linear(i, o, vb)
}

struct Embeddings {
    word: Embedding,
    position: Embedding,
    /// BERT family only (MPNet has none).
    token_type: Option<Embedding>,
    norm: LayerNorm,
    position_offset: usize,
}

struct SelfAttention {
    q: candle_nn::Linear,
    k: candle_nn::Linear,
    v: candle_nn::Linear,
    /// Inference copies (see [`Encoder::fuse_qkv`]): the three projections fused into one
    /// matmul, and the output projection; packed for the AVX-512 kernel where available.
    packed: Option<(Linear, Linear)>,
    out: candle_nn::Linear,
    norm: LayerNorm,
    heads: usize,
    head_dim: usize,
}

struct FeedForward {
    /// Packed inference copies: up (with GELU), down.
    packed: Option<(Linear, Linear)>,
    up: candle_nn::Linear,
    down: candle_nn::Linear,
    norm: LayerNorm,
    act: Activation,
}

struct Layer {
    attn: SelfAttention,
    ffn: FeedForward,
}

/// The encoder. Weight names follow Hugging Face's BERT or MPNet (`embeddings.*`,
/// `encoder.layer.N.*`; see [`Architecture::layer_names`]).
pub struct Encoder {
    emb: Embeddings,
    layers: Vec<Layer>,
    /// MPNet: the `(buckets, heads)` relative-position bias shared by every layer.
    relative_bias: Option<Embedding>,
    pub config: EncoderConfig,
}

impl Encoder {
    pub fn load(vb: VarBuilder, cfg: &EncoderConfig) -> Result<Self> {
        let h = cfg.hidden_size;
        let arch = cfg.architecture();
        let e = vb.pp("embeddings");
        let emb = Embeddings {
            word: candle_nn::embedding(cfg.vocab_size, h, e.pp("word_embeddings"))?,
            position: candle_nn::embedding(
                cfg.max_position_embeddings,
                h,
                e.pp("position_embeddings"),
            )?,
            token_type: if arch.has_token_types() {
                Some(candle_nn::embedding(
                    cfg.type_vocab_size,
                    h,
                    e.pp("token_type_embeddings"),
                )?)
            } else {
                None
            },
            norm: LayerNorm::load(e.pp("LayerNorm"), h, cfg.layer_norm_eps)?,
            position_offset: cfg.position_offset(),
        };
        let act = Activation::from_config(&cfg.hidden_act);
        let names = arch.layer_names();
        let mut layers = Vec::with_capacity(cfg.num_hidden_layers);
        for i in 0..cfg.num_hidden_layers {
            let l = vb.pp(format!("encoder.layer.{i}"));
            let attn = SelfAttention {
                q: linear(l.pp(names.query), h, h)?,
                k: linear(l.pp(names.key), h, h)?,
                v: linear(l.pp(names.value), h, h)?,
                packed: None,
                out: linear(l.pp(names.attn_out), h, h)?,
                norm: LayerNorm::load(l.pp(names.attn_norm), h, cfg.layer_norm_eps)?,
                heads: cfg.num_attention_heads,
                head_dim: h / cfg.num_attention_heads,
            };
            let ffn = FeedForward {
                packed: None,
                up: linear(l.pp(names.up), h, cfg.intermediate_size)?,
                down: linear(l.pp(names.down), cfg.intermediate_size, h)?,
                norm: LayerNorm::load(l.pp(names.out_norm), h, cfg.layer_norm_eps)?,
                act,
            };
            layers.push(Layer { attn, ffn });
        }
        let relative_bias = if arch.has_relative_bias() {
            Some(candle_nn::embedding(
                cfg.relative_buckets(),
                cfg.num_attention_heads,
                vb.pp(RELATIVE_BIAS),
            )?)
        } else {
            None
        };
        Ok(Self {
            emb,
            layers,
            relative_bias,
            config: cfg.clone(),
        })
    }

    /// Stops gradients into the word-embedding matrix (its dense gradient is the costliest part
    /// of a CPU training step); the weights stay as they are.
    pub fn freeze_word_embeddings(&mut self) {
        let w = self.emb.word.embeddings().detach();
        self.emb.word = Embedding::new(w, self.config.hidden_size);
    }

    /// Prepares the fast path: fuses each layer's query/key/value projections into one matmul and
    /// packs the linear layers for the CPU's kernels where it has them (f32 with AVX-512, or int8
    /// with AVX-512 VNNI or AVX2 when `precision` asks for it). For inference only: the copies do not follow later
    /// updates of the weights.
    pub fn fuse_qkv(&mut self, precision: Precision) -> Result<()> {
        for l in &mut self.layers {
            let a = &mut l.attn;
            let w = Tensor::cat(&[a.q.weight(), a.k.weight(), a.v.weight()], 0)?.detach();
            let b = match (a.q.bias(), a.k.bias(), a.v.bias()) {
                (Some(x), Some(y), Some(z)) => Some(Tensor::cat(&[x, y, z], 0)?.detach()),
                _ => None,
            };
            let qkv = candle_nn::Linear::new(w, b);
            a.packed = Some((
                Linear::new(&qkv, false, precision)?,
                Linear::new(&a.out, false, precision)?,
            ));
            let f = &mut l.ffn;
            let gelu = matches!(f.act, Activation::GeluErf);
            let up = Linear::new(&f.up, gelu, precision)?;
            f.packed = Some((up, Linear::new(&f.down, false, precision)?));
            if !gelu {
                f.packed = None;
            }
        }
        Ok(())
    }

    /// The arithmetic of the prepared linear layers (f32 before [`Encoder::fuse_qkv`]).
    pub fn precision(&self) -> Precision {
        self.layers
            .first()
            .and_then(|l| l.attn.packed.as_ref())
            .map_or(Precision::F32, |(qkv, _)| qkv.precision())
    }

    /// Hidden states of the last layer, `(batch, seq, hidden)`.
    /// `attention_mask` is `(batch, seq)` with 1 for real tokens and 0 for padding.
    pub fn forward(
        &self,
        input_ids: &Tensor,
        token_type_ids: &Tensor,
        attention_mask: &Tensor,
        path: Path,
        mut dropout: Option<Dropout>,
    ) -> Result<Tensor> {
        let (_b, t) = input_ids.dims2()?;
        let dev = input_ids.device();
        let positions = Tensor::arange(
            self.emb.position_offset as u32,
            (self.emb.position_offset + t) as u32,
            dev,
        )?;
        let word = match path {
            Path::Differentiable { .. } if train_ops::applies(self.emb.word.embeddings()) => {
                train_ops::embedding(self.emb.word.embeddings(), input_ids)?
            }
            _ => self.emb.word.forward(input_ids)?,
        };
        let mut x = word.broadcast_add(&self.emb.position.forward(&positions)?)?;
        if let Some(token_type) = &self.emb.token_type {
            x = x.add(&token_type.forward(token_type_ids)?)?;
        }
        let x = self.emb.norm.forward(&x, path)?;
        let mut x = maybe_dropout(x, &mut dropout)?;
        let dtype = x.dtype();
        // Additive mask: 0 where attended, a large negative number at padding. (b, 1, 1, t)
        let mut bias = ((attention_mask.to_dtype(DType::F32)? - 1.0)? * 10000.0)?
            .to_dtype(dtype)?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        if let Some(table) = &self.relative_bias {
            // MPNet: the same (heads, t, t) position bias in every layer, folded into the mask
            // once: (b, heads, t, t).
            bias = bias.broadcast_add(&self.position_bias(table, t, dev)?)?;
        }
        for layer in &self.layers {
            x = layer.forward(&x, &bias, path, &mut dropout)?;
        }
        Ok(x)
    }
}

impl Encoder {
    /// MPNet's relative-position bias `(1, heads, t, t)`; positions count from the first token
    /// whatever the padding (as in the reference, which ignores position ids here).
    fn position_bias(
        &self,
        table: &Embedding,
        t: usize,
        dev: &candle_core::Device,
    ) -> Result<Tensor> {
        let buckets = relative_buckets(t, self.config.relative_buckets());
        let ids = Tensor::from_vec(buckets, t * t, dev)?;
        table
            .forward(&ids)? // (t*t, heads)
            .reshape((t, t, self.config.num_attention_heads))?
            .permute((2, 0, 1))?
            .unsqueeze(0)?
            .contiguous()
    }
}

impl Layer {
    fn forward(
        &self,
        x: &Tensor,
        bias: &Tensor,
        path: Path,
        dropout: &mut Option<Dropout>,
    ) -> Result<Tensor> {
        let a = &self.attn;
        let packed = matches!(
            path,
            Path::Differentiable {
                packed_linear: true
            }
        );
        let ctx = a.context(x, bias, path, packed)?;
        let attn_out = match (&a.packed, path) {
            (Some((_, out)), Path::Fast) => out.forward(&ctx)?,
            _ => maybe_dropout(linear_train(&a.out, &ctx, packed)?, dropout)?,
        };
        let x = a.norm.forward_residual(&attn_out, x, path)?;
        self.ffn.forward(&x, path, packed, dropout)
    }
}

impl SelfAttention {
    /// The attention context `(b, t, h)` of `x`: on the fast CPU path the fused kernel over the
    /// fused projection (the same arithmetic as the composed ops, bit for bit), else candle ops.
    fn context(&self, x: &Tensor, bias: &Tensor, path: Path, packed: bool) -> Result<Tensor> {
        let (b, t, h) = x.dims3()?;
        let split = |y: Tensor| -> Result<Tensor> {
            y.reshape((b, t, self.heads, self.head_dim))?
                .transpose(1, 2)?
                .contiguous()
        };
        let (q, k, v) = match (&self.packed, path) {
            (Some((qkv, _)), Path::Fast) => {
                let qkv = qkv.forward(x)?; // (b, t, 3h)
                if qkv.device().is_cpu() && [qkv.dtype(), bias.dtype()] == [DType::F32; 2] {
                    return self.fused_context(&qkv, bias);
                }
                let qkv = qkv
                    .reshape((b, t, 3, self.heads, self.head_dim))?
                    .permute((2, 0, 3, 1, 4))?;
                (
                    qkv.get(0)?.contiguous()?,
                    qkv.get(1)?.contiguous()?,
                    qkv.get(2)?.contiguous()?,
                )
            }
            _ => (
                split(linear_train(&self.q, x, packed)?)?,
                split(linear_train(&self.k, x, packed)?)?,
                split(linear_train(&self.v, x, packed)?)?,
            ),
        };
        let scores = ((q * self.scale())?.matmul(&k.t()?)?).broadcast_add(bias)?;
        let probs = softmax_last_dim(&scores, path)?;
        probs.matmul(&v)?.transpose(1, 2)?.reshape((b, t, h))
    }

    /// The context from the fused projection `qkv` `(b, t, 3h)` on the fused CPU kernel.
    fn fused_context(&self, qkv: &Tensor, bias: &Tensor) -> Result<Tensor> {
        let kernel = Attention {
            heads: self.heads,
            head_dim: self.head_dim,
            scale: self.scale(),
        };
        qkv.contiguous()?
            .apply_op2_no_bwd(&bias.contiguous()?, &Op(kernel))
    }

    /// 1/√head_dim, the scores' scale.
    fn scale(&self) -> f64 {
        1.0 / (self.head_dim as f64).sqrt()
    }
}

impl FeedForward {
    fn forward(
        &self,
        x: &Tensor,
        path: Path,
        packed: bool,
        dropout: &mut Option<Dropout>,
    ) -> Result<Tensor> {
        if let (Some((up, down)), Path::Fast) = (&self.packed, path) {
            let y = down.forward(&up.forward(x)?)?;
            return self.norm.forward_residual(&y, x, path);
        }
        let up = linear_train(&self.up, x, packed)?;
        let up = self.act.forward(&up, path)?;
        let down = maybe_dropout(linear_train(&self.down, &up, packed)?, dropout)?;
        self.norm.forward_residual(&down, x, path)
    }
}
