//! Kernel micro-benchmarks at the shapes the shipped encoders use: the packed f32 and int8
//! linear layers (MiniLM-L6: hidden 384, feed-forward 1536; MPNet-base: 768, 3072) against
//! candle's matmul, and the fused layer norm and softmax against candle's. 640 rows = a batch of
//! 16 pairs of 40 tokens. Run: `cargo bench --bench kernels` (one thread: the inference path
//! runs single-threaded kernels, one batch per core).

use candle_core::{Device, Module, Tensor};
use candle_nn::Linear;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use stance::kernels::gemm_int8::{Kernel, PackedInt8, Scheme};
use stance::kernels::train_ops;
use stance::model::layers::Linear as PackedLinear;
use stance::model::Precision;

const ROWS: usize = 640;

fn random(shape: &[usize], seed: u64) -> Tensor {
    let n: usize = shape.iter().product();
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let v: Vec<f32> = (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        })
        .collect();
    Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
}

fn linear_layers(c: &mut Criterion) {
    let mut g = c.benchmark_group("linear");
    for (model, k, n) in [
        ("minilm-qkv", 384, 1152),
        ("minilm-ffn-up", 384, 1536),
        ("mpnet-qkv", 768, 2304),
        ("mpnet-ffn-up", 768, 3072),
        ("mpnet-ffn-down", 3072, 768),
    ] {
        let lin = Linear::new(random(&[n, k], 1), Some(random(&[n], 2)));
        let x = random(&[ROWS, k], 3);
        g.throughput(Throughput::Elements((ROWS * k * n) as u64));
        g.bench_with_input(BenchmarkId::new("candle", model), &x, |b, x| {
            b.iter(|| lin.forward(x).unwrap())
        });
        for p in [Precision::F32, Precision::Int8] {
            let packed = PackedLinear::new(&lin, false, p).unwrap();
            let name = format!("packed-{}", packed.precision());
            g.bench_with_input(BenchmarkId::new(name, model), &x, |b, x| {
                b.iter(|| packed.forward(x).unwrap())
            });
        }
    }
    g.finish();
}

/// The int8 kernels side by side on the same packed weights (AMX and VNNI share one packing):
/// every kernel this CPU runs, at the MPNet-base and MiniLM shapes.
fn int8_kernels(c: &mut Criterion) {
    let mut g = c.benchmark_group("int8-kernel");
    for (model, k, n) in [
        ("minilm-ffn-up", 384, 1536),
        ("mpnet-qkv", 768, 2304),
        ("mpnet-ffn-up", 768, 3072),
        ("mpnet-ffn-down", 3072, 768),
    ] {
        let w = random(&[n, k], 1)
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let x = random(&[ROWS, k], 3)
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        g.throughput(Throughput::Elements((ROWS * k * n) as u64));
        for scheme in [Scheme::Vnni, Scheme::Avx2] {
            let q = PackedInt8::with_scheme(&w, n, k, None, false, scheme);
            for kernel in [Kernel::Amx, Kernel::Vnni, Kernel::Avx2] {
                if !q.runs(kernel) {
                    continue;
                }
                let name = format!("{kernel:?}").to_lowercase();
                g.bench_with_input(BenchmarkId::new(name, model), &x, |b, x| {
                    b.iter(|| q.run(kernel, x, ROWS).unwrap())
                });
            }
        }
    }
    g.finish();
}

fn norms(c: &mut Criterion) {
    let mut g = c.benchmark_group("norm");
    for h in [384, 768] {
        let x = random(&[ROWS, h], 4);
        let (gamma, beta) = (random(&[h], 5), random(&[h], 6));
        g.throughput(Throughput::Elements((ROWS * h) as u64));
        g.bench_with_input(BenchmarkId::new("candle-layer-norm", h), &x, |b, x| {
            b.iter(|| candle_nn::ops::layer_norm(x, &gamma, &beta, 1e-5).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("fused-layer-norm-train", h), &x, |b, x| {
            b.iter(|| train_ops::layer_norm(x, &gamma, &beta, 1e-5).unwrap())
        });
    }
    // Attention scores: (batch 16, heads 12, 40 × 40).
    let s = random(&[16, 12, 40, 40], 7);
    g.throughput(Throughput::Elements(s.elem_count() as u64));
    g.bench_function("candle-softmax", |b| {
        b.iter(|| candle_nn::ops::softmax_last_dim(&s).unwrap())
    });
    g.bench_function("fused-softmax-train", |b| {
        b.iter(|| train_ops::softmax_last_dim(&s).unwrap())
    });
    g.finish();
}

fn single_threaded() {
    // The inference path's kernels: one thread each (batches run in parallel beside them).
    stance::device::configure_cpu_threads(Some(1), stance::device::CpuThreading::ParallelBatches);
}

fn config() -> Criterion {
    single_threaded();
    Criterion::default().sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = linear_layers, int8_kernels, norms
}
criterion_main!(benches);
