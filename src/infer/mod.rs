//! Batched inference: encode in parallel, sort by length, cut batches by a token budget, run,
//! restore input order.

pub mod predict;

use crate::encode::Encoded;
use crate::error::{Error, Result};
use crate::store::StanceModel;
use rayon::prelude::*;

/// How batches are formed and run.
#[derive(Debug, Clone)]
pub struct InferOptions {
    /// Most padded tokens in one batch (rows × longest row).
    pub token_budget: usize,
    /// Most rows in one batch.
    pub max_batch: usize,
    /// Sort by length before batching (less padding). Results come back in input order anyway.
    pub sort_by_length: bool,
    /// Batches run at the same time on CPU (see [`crate::device::CpuThreading`]): `None`, one
    /// per worker of the thread pool the call runs in; `Some(n)`, `n` (on a pool of their own
    /// when `n` > 1).
    pub parallel_batches: Option<usize>,
    /// Never put pairs of different lengths in one batch, so that no batch is padded: a pair's
    /// probabilities are then the same, bit for bit, whatever else is scored with it (padding
    /// changes the summation order of the attention kernels in the last float digits). Sharded,
    /// resumed and Spark runs then write exactly what one run writes.
    pub exact_lengths: bool,
}

impl Default for InferOptions {
    fn default() -> Self {
        Self {
            token_budget: 2048,
            max_batch: 64,
            sort_by_length: true,
            parallel_batches: Some(1),
            exact_lengths: true,
        }
    }
}

/// Cuts `lens` (in processing order `order`) into batches of row indices.
pub fn plan_batches(lens: &[usize], order: &[usize], opts: &InferOptions) -> Vec<Vec<usize>> {
    let mut batches = Vec::new();
    let mut cur: Vec<usize> = Vec::new();
    let mut longest = 0;
    for &i in order {
        let l = lens[i].max(1);
        let new_longest = longest.max(l);
        let other_length = opts.exact_lengths && longest > 0 && l != longest;
        if !cur.is_empty()
            && (cur.len() + 1 > opts.max_batch.max(1)
                || new_longest * (cur.len() + 1) > opts.token_budget
                || other_length)
        {
            batches.push(std::mem::take(&mut cur));
            longest = 0;
        }
        longest = longest.max(l);
        cur.push(i);
    }
    if !cur.is_empty() {
        batches.push(cur);
    }
    batches
}

/// Probabilities for every encoded pair, in input order. `progress` is called with the number
/// of pairs finished after each batch.
pub fn predict_encoded(
    model: &StanceModel,
    items: &[Encoded],
    opts: &InferOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Vec<f32>>> {
    run_encoded(model, items, opts, progress, &|m, b| m.predict(b))
}

/// Raw logits (no temperature) for every encoded pair, in input order (a teacher's targets).
pub fn logits_encoded(
    model: &StanceModel,
    items: &[Encoded],
    opts: &InferOptions,
) -> Result<Vec<Vec<f32>>> {
    run_encoded(model, items, opts, &|_| {}, &|m, b| m.logits(b))
}

/// What is computed per batch: one row per pair.
type BatchFn = dyn Fn(&StanceModel, &crate::encode::Batch) -> Result<Vec<Vec<f32>>> + Sync;

/// One output row per pair from `f` run on planned batches (sorted by length, in parallel on
/// CPU), restored to input order.
fn run_encoded(
    model: &StanceModel,
    items: &[Encoded],
    opts: &InferOptions,
    progress: &(dyn Fn(usize) + Sync),
    f: &BatchFn,
) -> Result<Vec<Vec<f32>>> {
    let lens: Vec<usize> = items.iter().map(|e| e.len()).collect();
    let mut order: Vec<usize> = (0..items.len()).collect();
    if opts.sort_by_length {
        order.sort_by_key(|&i| (lens[i], i));
    }
    let batches = plan_batches(&lens, &order, opts);
    let run = |rows: &Vec<usize>| -> Result<Vec<(usize, Vec<f32>)>> {
        let refs: Vec<&Encoded> = rows.iter().map(|&i| &items[i]).collect();
        let probs = f(model, &model.batch(&refs)?)?;
        progress(rows.len());
        Ok(rows.iter().copied().zip(probs).collect())
    };
    let concurrently = || {
        batches
            .par_iter()
            .with_max_len(1)
            .map(run)
            .collect::<Result<Vec<_>>>()
    };
    let results: Vec<Vec<(usize, Vec<f32>)>> = match opts.parallel_batches {
        _ if !model.on_cpu() => batches.iter().map(run).collect::<Result<_>>()?,
        Some(0 | 1) => batches.iter().map(run).collect::<Result<_>>()?,
        None => concurrently()?,
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Error::ThreadPool(e.to_string()))?
            .install(concurrently)?,
    };
    let mut out = vec![Vec::new(); items.len()];
    for (i, p) in results.into_iter().flatten() {
        out[i] = p;
    }
    Ok(out)
}

/// Encodes (text, start, end) triples in parallel. Errors carry the index of the failing item.
pub fn encode_all(model: &StanceModel, items: &[(&str, usize, usize)]) -> Vec<Result<Encoded>> {
    items
        .par_iter()
        .map(|&(t, s, e)| model.pair_encoder().encode(t, s, e))
        .collect()
}

/// Index of the largest probability.
pub fn argmax(p: &[f32]) -> usize {
    p.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| {
            if v > bv {
                (i, v)
            } else {
                (bi, bv)
            }
        })
        .0
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn exact_length_batches_never_mix_lengths() {
        let lens = [5, 7, 5, 9, 7, 7, 5];
        let mut order: Vec<usize> = (0..lens.len()).collect();
        order.sort_by_key(|&i| (lens[i], i));
        let opts = InferOptions::default();
        let batches = plan_batches(&lens, &order, &opts);
        assert_eq!(batches, vec![vec![0, 2, 6], vec![1, 4, 5], vec![3]]);
        let mixed = plan_batches(
            &lens,
            &order,
            &InferOptions {
                exact_lengths: false,
                ..opts
            },
        );
        assert_eq!(mixed.len(), 1);
    }

    #[test]
    fn batches_respect_budget_and_cover_everything() {
        let lens = vec![10, 50, 12, 48, 11, 30];
        let mut order: Vec<usize> = (0..lens.len()).collect();
        order.sort_by_key(|&i| lens[i]);
        let opts = InferOptions {
            token_budget: 100,
            max_batch: 3,
            exact_lengths: false,
            ..Default::default()
        };
        let b = plan_batches(&lens, &order, &opts);
        let mut all: Vec<usize> = b.iter().flatten().copied().collect();
        all.sort();
        assert_eq!(all, (0..6).collect::<Vec<_>>());
        for batch in &b {
            let longest = batch.iter().map(|&i| lens[i]).max().unwrap();
            assert!(
                batch.len() <= 3 && (batch.len() == 1 || longest * batch.len() <= 100),
                "{batch:?}"
            );
        }
        assert_eq!(b[0], vec![0, 4, 2]);
    }
    #[test]
    fn argmax_picks_largest() {
        assert_eq!(argmax(&[0.1, 0.7, 0.2]), 1);
    }
}
