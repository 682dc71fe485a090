//! Length-bucketed, shuffled batches: shuffle, cut into pools of 50 batches, sort each pool by
//! length, cut into batches, shuffle the batch order. Deterministic for a seed and epoch.

use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};

pub const POOL_BATCHES: usize = 50;

pub fn epoch_batches(
    lens: &[usize],
    batch_size: usize,
    seed: u64,
    epoch: usize,
) -> Vec<Vec<usize>> {
    let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(1_000_003).wrapping_add(epoch as u64));
    let mut idx: Vec<usize> = (0..lens.len()).collect();
    idx.shuffle(&mut rng);
    let bs = batch_size.max(1);
    let mut batches: Vec<Vec<usize>> = Vec::new();
    for pool in idx.chunks(bs * POOL_BATCHES) {
        let mut pool = pool.to_vec();
        pool.sort_by_key(|&i| lens[i]);
        batches.extend(pool.chunks(bs).map(|c| c.to_vec()));
    }
    batches.shuffle(&mut rng);
    batches
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn covers_each_example_once_and_groups_by_length() {
        let lens: Vec<usize> = (0..1000).map(|i| (i * 7919) % 97 + 5).collect();
        let b = epoch_batches(&lens, 16, 1, 0);
        let mut all: Vec<usize> = b.iter().flatten().copied().collect();
        all.sort();
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        assert_eq!(b, epoch_batches(&lens, 16, 1, 0));
        assert_ne!(b, epoch_batches(&lens, 16, 1, 1));
        // Padding waste is far below that of random batches.
        let waste = |bs: &[Vec<usize>]| -> usize {
            bs.iter()
                .map(|x| {
                    x.iter().map(|&i| lens[i]).max().unwrap() * x.len()
                        - x.iter().map(|&i| lens[i]).sum::<usize>()
                })
                .sum()
        };
        let random: Vec<Vec<usize>> = (0..1000)
            .collect::<Vec<_>>()
            .chunks(16)
            .map(|c| c.to_vec())
            .collect();
        assert!(
            waste(&b) * 5 < waste(&random),
            "{} vs {}",
            waste(&b),
            waste(&random)
        );
    }
}
