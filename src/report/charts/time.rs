//! The stance index of one actor over time, on a true time axis.

use super::{err, frame, house_mesh, Area, Mark, BLUE, CHAR_W, FONT, GREY, GRID, YEAR_LINE};
use crate::error::Result;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// The over-time chart's plot: days across, the index (−1 … 1) up.
type TimeChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// One period of an actor's series, placed on a time axis (days since 1970-01-01).
#[derive(Debug, Clone)]
pub struct Point {
    pub period: String,
    /// The period's first day and the first day of the next period.
    pub start: i64,
    pub end: i64,
    pub index: f64,
    pub interval: Option<(f64, f64)>,
    pub sentences: usize,
}

/// Tick positions (days) and labels for a time axis from `x0` to `x1` (days), at most
/// `max_ticks`: the finest of day, week (Mondays), month, quarter, half-year, year and
/// multi-year steps that fits.
pub fn time_ticks(x0: f64, x1: f64, max_ticks: usize) -> Vec<(f64, String)> {
    use crate::report::dates::{Date, Period};
    let span: Vec<Date> = (x0.ceil() as i64..=x1.floor() as i64)
        .map(Date::from_days)
        .collect();
    let first = span.first().map_or(0, |d| d.days());
    let pick = |keep: &dyn Fn(&Date) -> bool, label: &dyn Fn(&Date) -> String| {
        span.iter()
            .filter(|d| keep(d))
            .map(|d| (d.days() as f64, label(d)))
            .collect::<Vec<_>>()
    };
    let day = |d: &Date| d.period(Period::Day);
    let month = |d: &Date| d.period(Period::Month);
    let year = |d: &Date| d.year.to_string();
    let new_year = |d: &Date| d.day == 1 && d.month == 1;
    type Keep<'a> = &'a dyn Fn(&Date) -> bool;
    type Label<'a> = &'a dyn Fn(&Date) -> String;
    let steps: [(Keep, Label); 7] = [
        (&|_| true, &day),
        (&|d| (d.days() - first) % 2 == 0, &day),
        (&|d| d.weekday() == 1, &day),
        (&|d| d.day == 1, &month),
        (&|d| d.day == 1 && (d.month - 1) % 3 == 0, &month),
        (&|d| d.day == 1 && (d.month - 1) % 6 == 0, &month),
        (&new_year, &year),
    ];
    for (keep, label) in steps {
        let ticks = pick(keep, label);
        if ticks.len() <= max_ticks && ticks.len() >= 2.min(max_ticks) {
            return ticks;
        }
    }
    // Many years: every k-th January.
    let years = pick(&new_year, &year);
    let k = years.len().div_ceil(max_ticks.max(1)).max(1);
    years.into_iter().step_by(k).collect()
}

/// The first days of the years between `x0` and `x1` (days since 1970-01-01).
fn new_years(x0: f64, x1: f64) -> Vec<f64> {
    use crate::report::dates::Date;
    let (a, b) = (
        Date::from_days(x0.ceil() as i64),
        Date::from_days(x1.floor() as i64),
    );
    (a.year..=b.year)
        .map(|year| {
            Date {
                year,
                month: 1,
                day: 1,
            }
            .days() as f64
        })
        .filter(|&d| d >= x0 && d <= x1)
        .collect()
}

/// The stance index of one actor per period on a true time axis: each point at the middle of
/// its period (a period without sentences keeps its place, empty, and the line breaks across
/// it), with its 95% interval as a whisker; periods with fewer than `min_sentences` sentences
/// are hollow grey points without an interval. Year boundaries are marked.
pub fn over_time(
    title: &str,
    period: &str,
    points: &[Point],
    min_sentences: usize,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (780, 330)).into_drawing_area();
        let body = frame(
            &root,
            title,
            &[
                (Mark::Dot(BLUE), "stance index".into()),
                (Mark::Whisker, "95% interval".into()),
                (
                    Mark::Hollow(GREY),
                    format!("fewer than {min_sentences} sentences: no interval"),
                ),
            ],
        )?;
        let x0 = points.iter().map(|p| p.start).min().unwrap_or(0) as f64;
        let x1 = points.iter().map(|p| p.end).max().unwrap_or(1) as f64;
        let pad = ((x1 - x0) * 0.02).max(0.5);
        let (x0, x1) = (x0 - pad, x1 + pad);
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .margin_right(20)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, -1.0f64..1.0f64)
            .map_err(err)?;
        house_mesh(&mut chart)
            .disable_x_mesh()
            .x_labels(0)
            .x_desc(format!(
                "date (a point per {period}, at its middle; empty {period}s are gaps)"
            ))
            .y_desc("stance index (−1 … 1)")
            .draw()
            .map_err(err)?;
        time_axis(&root, &mut chart, (x0, x1))?;
        draw_series(&mut chart, points, min_sentences)?;
        draw_counts(&mut chart, points)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The time axis from `x0` to `x1`: ticks thinned to what fits, years marked by a darker line,
/// and the zero line of the index.
fn time_axis(root: &Area, chart: &mut TimeChart, (x0, x1): (f64, f64)) -> Result<()> {
    // Ticks: thinned to what fits, years marked by a darker line.
    let plot_w = chart.plotting_area().dim_in_pixel().0 as usize;
    let ticks = time_ticks(x0, x1, (plot_w / 90).max(2));
    for (x, label) in &ticks {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(*x, -1.0), (*x, 1.0)],
                GRID.stroke_width(1),
            )))
            .map_err(err)?;
        let (px, py) = chart.backend_coord(&(*x, -1.0));
        let w = (CHAR_W * label.chars().count() as u32) as i32;
        root.draw(&PathElement::new(vec![(px, py), (px, py + 5)], BLACK))
            .map_err(err)?;
        root.draw(&Text::new(
            label.clone(),
            (px - w / 2, py + 8),
            ("sans-serif", FONT),
        ))
        .map_err(err)?;
    }
    let jan1s = new_years(x0, x1);
    chart
        .draw_series(
            jan1s
                .iter()
                .map(|&x| PathElement::new(vec![(x, -1.0), (x, 1.0)], YEAR_LINE.stroke_width(1))),
        )
        .map_err(err)?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(x0, 0.0), (x1, 0.0)],
            GREY.stroke_width(1),
        )))
        .map_err(err)?;
    Ok(())
}

/// Each point at the middle of its period: the line across adjacent periods, the interval
/// whiskers, the dots (hollow and grey below `min_sentences`).
fn draw_series(chart: &mut TimeChart, points: &[Point], min_sentences: usize) -> Result<()> {
    // The line joins adjacent periods only.
    let mut runs: Vec<Vec<&Point>> = Vec::new();
    for p in points {
        match runs.last_mut() {
            Some(r) if r.last().is_some_and(|q| q.end == p.start) => r.push(p),
            _ => runs.push(vec![p]),
        }
    }
    for r in runs.iter().filter(|r| r.len() > 1) {
        chart
            .draw_series(LineSeries::new(
                r.iter().map(|p| (mid(p), p.index)),
                BLUE.stroke_width(2),
            ))
            .map_err(err)?;
    }
    chart
        .draw_series(points.iter().filter_map(|p| {
            let (lo, hi) = p.interval?;
            Some(PathElement::new(
                vec![(mid(p), lo), (mid(p), hi)],
                BLACK.stroke_width(2),
            ))
        }))
        .map_err(err)?;
    chart
        .draw_series(points.iter().map(|p| {
            let style = match p.interval {
                Some(_) if p.sentences >= min_sentences => BLUE.filled(),
                _ => GREY.stroke_width(2),
            };
            Circle::new((mid(p), p.index), 5, style)
        }))
        .map_err(err)?;
    Ok(())
}

fn mid(p: &Point) -> f64 {
    (p.start + p.end) as f64 / 2.0
}

/// Sentence counts above the points, where they fit.
fn draw_counts(chart: &mut TimeChart, points: &[Point]) -> Result<()> {
    // Counts where they fit: a label only where it clears the previous one (dense weeks
    // would print over each other); the table below the chart has every count.
    let mut last_px: Option<i32> = None;
    let labelled: Vec<&Point> = points
        .iter()
        .filter(|p| {
            let px = chart.backend_coord(&(mid(p), p.index)).0;
            let clear = last_px.is_none_or(|l| px - l >= 44);
            if clear {
                last_px = Some(px);
            }
            clear
        })
        .collect();
    chart
        .draw_series(labelled.iter().map(|p| {
            let y = if p.index > 0.7 {
                p.index - 0.2
            } else {
                p.index + 0.12
            };
            Text::new(
                format!("n={}", p.sentences),
                (mid(p), y),
                ("sans-serif", 12),
            )
        }))
        .map_err(err)?;
    Ok(())
}
