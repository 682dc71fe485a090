//! Reports people look at, built from `score` output: aggregates in one streaming pass
//! ([`tally`]), charts ([`charts`], SVG with `plotters`) and one self-contained HTML file with CSV
//! tables beside it ([`html`]).

pub mod charts;
pub mod dates;
pub mod html;
pub mod tally;
