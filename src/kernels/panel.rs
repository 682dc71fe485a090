//! The panel geometry shared by the f32 and int8 GEMMs: weights packed in panels of 32 output
//! columns (two 16-lane AVX-512 registers), micro-kernels of up to 12 rows (24 accumulators),
//! rows grouped in blocks that share one pass over a panel, and the row-count dispatch that lets
//! each micro-kernel unroll over a constant number of rows.

/// Output columns per panel (two 16-lane registers).
pub const NR: usize = 32;
/// Rows per micro-kernel call (24 accumulators of the 32 registers).
pub const MR: usize = 12;
/// Rows sharing one pass over a panel.
pub const MB: usize = 96;
/// Weight bytes every block of rows goes through before the next ones are read: panels that
/// stay in L2 while all rows pass, so that each weight comes from memory once per product rather
/// than once per block of rows (end to end on MPNet: +5–10% with AMX and with VNNI; 256 KiB to
/// 1 MiB alike, 128 KiB and one group of all panels slower).
pub const PANEL_GROUP_BYTES: usize = 512 * 1024;

/// Panels of `panel_bytes` bytes in one group of [`PANEL_GROUP_BYTES`] (at least one).
pub fn panels_per_group(panel_bytes: usize) -> usize {
    (PANEL_GROUP_BYTES / panel_bytes.max(1)).max(1)
}

/// Store masks of the two 16-lane halves of a 32-column panel with `cols` columns in use.
pub fn column_masks(cols: usize) -> [u16; 2] {
    let lanes = |c: usize| -> u16 {
        if c >= 16 {
            0xFFFF
        } else {
            ((1u32 << c) - 1) as u16
        }
    };
    [lanes(cols), lanes(cols.saturating_sub(16))]
}

/// Calls the macro `$run!(R)` with `R` the constant equal to `$rows` (1 to [`MR`]), so that the
/// micro-kernel's loop over rows is unrolled for every row count.
macro_rules! dispatch_rows {
    ($rows:expr, $run:ident) => {
        match $rows {
            12 => $run!(12),
            11 => $run!(11),
            10 => $run!(10),
            9 => $run!(9),
            8 => $run!(8),
            7 => $run!(7),
            6 => $run!(6),
            5 => $run!(5),
            4 => $run!(4),
            3 => $run!(3),
            2 => $run!(2),
            _ => $run!(1),
        }
    };
}
pub(crate) use dispatch_rows;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_cover_exactly_the_columns_in_use() {
        for cols in 0..=NR {
            let [a, b] = column_masks(cols);
            assert_eq!((a.count_ones() + b.count_ones()) as usize, cols);
        }
        assert_eq!(column_masks(17), [0xFFFF, 1]);
    }
}
