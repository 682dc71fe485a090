//! The linear layer of inference, which chooses its kernel when it is built: the packed f32
//! GEMM (AVX-512), the int8 GEMM (AVX-512 VNNI or AVX2, when asked for), or candle's matmul
//! elsewhere.
//! Training goes through [`linear_train`], which takes the packed kernel where it can run.

use crate::kernels::gemm_f32::PackedF32;
use crate::kernels::gemm_int8::{PackedInt8, Scheme};
use crate::kernels::storage::on_rows;
use crate::kernels::{features, gelu, matmul_train};
use candle_core::{CustomOp1, DType, Module, Result, Tensor};

/// Arithmetic of the inference linear layers on CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Precision {
    /// f32 throughout (the reference).
    #[default]
    F32,
    /// int8 weights and activations in the linear layers (AVX-512 VNNI; 7-bit weights on AVX2),
    /// f32 elsewhere.
    Int8,
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::F32 => "f32",
            Self::Int8 => "int8",
        })
    }
}

/// The kernel a [`Linear`] runs on for f32 CPU input.
enum Kernel {
    /// candle's matmul (other CPUs, devices or dtypes).
    Candle,
    F32(PackedF32),
    Int8(PackedInt8),
}

/// A linear layer ready for inference: `y = x Wᵀ + b`, optionally followed by GELU (erf).
pub struct Linear {
    weights: candle_nn::Linear,
    kernel: Kernel,
    gelu: bool,
}

impl Linear {
    /// Prepares `linear` (weights `(n, k)`); `gelu` applies GELU (erf) to the output. With
    /// [`Precision::Int8`] on a CPU with AVX-512 VNNI or AVX2 the weights are quantised to int8;
    /// otherwise they are packed for the f32 kernel where AVX-512 is available.
    pub fn new(linear: &candle_nn::Linear, gelu: bool, precision: Precision) -> Result<Self> {
        let w = linear.weight();
        let on_cpu_f32 = w.device().is_cpu() && w.dtype() == DType::F32;
        let int8 = precision == Precision::Int8 && Scheme::detect().is_some();
        let kernel = if on_cpu_f32 && (int8 || features::avx512()) {
            let (n, k) = w.dims2()?;
            let wv = w.flatten_all()?.to_vec1::<f32>()?;
            let bv = linear.bias().map(|b| b.to_vec1::<f32>()).transpose()?;
            let quantised = int8
                .then(|| PackedInt8::new(&wv, n, k, bv.as_deref(), gelu))
                .flatten();
            match quantised {
                Some(q) => Kernel::Int8(q),
                None => PackedF32::new(&wv, n, k, bv.as_deref(), gelu)
                    .map_or(Kernel::Candle, Kernel::F32),
            }
        } else {
            Kernel::Candle
        };
        Ok(Self {
            weights: linear.clone(),
            kernel,
            gelu,
        })
    }

    /// The arithmetic this layer runs with on f32 CPU input.
    pub fn precision(&self) -> Precision {
        match self.kernel {
            Kernel::Int8(_) => Precision::Int8,
            _ => Precision::F32,
        }
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let on_cpu = x.device().is_cpu() && x.dtype() == DType::F32;
        match &self.kernel {
            Kernel::Int8(q) if on_cpu => rows_through(x, q, q.n),
            Kernel::F32(p) if on_cpu => rows_through(x, p, p.n),
            _ => {
                let y = self.weights.forward(x)?;
                if self.gelu {
                    gelu::gelu_erf(&y)
                } else {
                    Ok(y)
                }
            }
        }
    }
}

/// Applies a row-wise inference op (no gradient) to `x`; the last dimension becomes `n`.
fn rows_through(x: &Tensor, op: &impl CustomOp1, n: usize) -> Result<Tensor> {
    on_rows(x, n, |x2| x2.apply_op1_no_bwd(op))
}

/// A linear layer for training: on CPU with AVX-512, when the caller runs each product on one
/// thread (`packed`: training with micro-batches), the products, forward and backward, run on
/// the packed kernel; candle's `Linear` elsewhere. Same gradients up to summation order.
pub fn linear_train(lin: &candle_nn::Linear, x: &Tensor, packed: bool) -> Result<Tensor> {
    let w = lin.weight();
    let usable = packed
        && features::avx512()
        && x.device().is_cpu()
        && x.dtype() == DType::F32
        && w.dtype() == DType::F32;
    if !usable {
        return lin.forward(x);
    }
    linear_packed_train(lin, x)
}

/// [`linear_train`] on the packed kernel (needs AVX-512 and f32 CPU tensors).
fn linear_packed_train(lin: &candle_nn::Linear, x: &Tensor) -> Result<Tensor> {
    let (n, _) = lin.weight().dims2()?;
    on_rows(x, n, |x2| {
        matmul_train::matmul_train(x2, lin.weight(), lin.bias())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;
    use candle_nn::Linear as CandleLinear;

    fn check(m: usize, k: usize, n: usize, gelu: bool) {
        let dev = Device::Cpu;
        let w = Tensor::randn(0f32, 0.5, (n, k), &dev).unwrap();
        let b = Tensor::randn(0f32, 0.5, n, &dev).unwrap();
        let x = Tensor::randn(0f32, 1.0, (2, m, k), &dev).unwrap();
        let lin = CandleLinear::new(w, Some(b));
        let want = lin.forward(&x).unwrap();
        let want = if gelu { want.gelu_erf().unwrap() } else { want };
        let got = Linear::new(&lin, gelu, Precision::F32)
            .unwrap()
            .forward(&x)
            .unwrap();
        assert_eq!(got.dims(), want.dims());
        let d = crate::testing::max_abs_diff(&got, &want);
        assert!(d < 1e-4, "m {m} k {k} n {n} gelu {gelu}: max diff {d}");
    }

    /// Whether the packed kernels run here. Without AVX-512 the layer is candle's Linear
    /// itself (in inference and training): comparing it with itself would prove nothing.
    fn packed_kernels_here(test: &str) -> bool {
        let why = "no AVX-512: the layer is candle's Linear here";
        crate::testing::runs_here(features::avx512(), test, why)
    }

    #[test]
    fn training_matmul_matches_candle_forward_and_backward() {
        if !packed_kernels_here("training_matmul_matches_candle_forward_and_backward") {
            return;
        }
        let dev = Device::Cpu;
        for ((m, k, n), with_bias) in [
            ((5, 8, 3), true),
            ((37, 40, 70), true),
            ((64, 384, 96), true),
            ((37, 40, 70), false),
        ] {
            let w = candle_core::Var::from_tensor(&Tensor::randn(0f32, 0.5, (n, k), &dev).unwrap())
                .unwrap();
            let b =
                candle_core::Var::from_tensor(&Tensor::randn(0f32, 0.5, n, &dev).unwrap()).unwrap();
            let x =
                candle_core::Var::from_tensor(&Tensor::randn(0f32, 1.0, (1, m, k), &dev).unwrap())
                    .unwrap();
            let lin = CandleLinear::new(
                w.as_tensor().clone(),
                with_bias.then(|| b.as_tensor().clone()),
            );
            let up = Tensor::randn(0f32, 1.0, (1, m, n), &dev).unwrap();
            let ours_y = linear_packed_train(&lin, x.as_tensor()).unwrap();
            let theirs_y = lin.forward(x.as_tensor()).unwrap();
            assert!(crate::testing::max_abs_diff(&ours_y, &theirs_y) < 1e-4);
            let ga = (ours_y * &up)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            let gb = (theirs_y * &up)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            let vars = if with_bias {
                vec![&x, &w, &b]
            } else {
                vec![&x, &w]
            };
            for v in vars {
                let d = crate::testing::max_abs_diff(
                    ga.get(v.as_tensor()).unwrap(),
                    gb.get(v.as_tensor()).unwrap(),
                );
                assert!(d < 1e-3, "({m},{k},{n}): gradient differs by {d}");
            }
        }
    }

    #[test]
    fn equals_candle_linear_on_odd_shapes() {
        if !packed_kernels_here("equals_candle_linear_on_odd_shapes") {
            return;
        }
        for (m, k, n) in crate::testing::shapes(
            "1x8x3 13x40x70 9x384x384 64x64x33 130x96x1152 25x1536x48 7x600x40",
        ) {
            check(m, k, n, false);
            check(m, k, n, true);
        }
    }
}
