//! The report's charts as SVG strings, drawn with `plotters`. Colours from the Okabe–Ito palette
//! (readable with colour-blindness): supportive blue, critical vermillion, neutral grey; every
//! chart has axis descriptions with units.

use crate::error::{Error, Result};
use plotters::prelude::*;

pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub const GREY: RGBColor = RGBColor(153, 153, 153);

const INDEX_AXIS: &str = "stance index: mean P(supportive) − P(critical)";

fn err(e: impl std::fmt::Display) -> Error {
    Error::Config(format!("drawing a chart: {e}"))
}

/// One horizontal bar: a label, the index, its interval, and the sentences behind it.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub index: f64,
    pub interval: Option<(f64, f64)>,
    pub sentences: usize,
}

/// Horizontal bars of the stance index (−1 … 1) with their intervals and sentence counts.
pub fn index_bars(title: &str, y_desc: &str, bars: &[Bar]) -> Result<String> {
    let mut svg = String::new();
    let h = 90 + 26 * bars.len().max(1) as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (760, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = bars.len().max(1) as i32;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(220)
            .build_cartesian_2d(-1.0f64..1.0f64, (0..n).into_segmented())
            .map_err(err)?;
        let labels: Vec<String> = bars
            .iter()
            .map(|b| format!("{} (n={})", b.label, b.sentences))
            .collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(INDEX_AXIS)
            .y_desc(y_desc)
            .y_labels(bars.len().max(1))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .draw()
            .map_err(err)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                let colour = if b.index >= 0.0 { BLUE } else { VERMILLION };
                let (y0, y1) = (
                    SegmentValue::Exact(i as i32),
                    SegmentValue::Exact(i as i32 + 1),
                );
                let mut r = Rectangle::new([(0.0, y0), (b.index, y1)], colour.mix(0.8).filled());
                r.set_margin(4, 4, 0, 0);
                r
            }))
            .map_err(err)?
            .label("stance index")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], BLUE.filled()));
        chart
            .draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
                let (lo, hi) = b.interval?;
                let y = || SegmentValue::CenterOf(i as i32);
                Some(PathElement::new(
                    vec![(lo, y()), (hi, y())],
                    BLACK.stroke_width(2),
                ))
            }))
            .map_err(err)?
            .label("95% bootstrap interval")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], BLACK.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// One period of an actor's series.
#[derive(Debug, Clone)]
pub struct Point {
    pub period: String,
    pub index: f64,
    pub sentences: usize,
}

/// The stance index of one actor per period: a line through filled points where the period has
/// at least `thin` sentences and hollow grey points where it has fewer (thin periods must not look
/// like strong swings), each labelled with its number of sentences.
pub fn over_time(title: &str, points: &[Point], thin: usize) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 280)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = points.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), -1.0f64..1.0f64)
            .map_err(err)?;
        let labels: Vec<String> = points.iter().map(|p| p.period.clone()).collect();
        chart
            .configure_mesh()
            .x_desc("period")
            .y_desc("stance index (−1 … 1)")
            .x_labels(n.min(24))
            .x_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                points.iter().enumerate().map(|(i, p)| (i as f64, p.index)),
                BLUE.stroke_width(2),
            ))
            .map_err(err)?
            .label("stance index")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], BLUE.stroke_width(2)));
        chart
            .draw_series(points.iter().enumerate().map(|(i, p)| {
                let style = if p.sentences >= thin {
                    BLUE.filled()
                } else {
                    GREY.stroke_width(2)
                };
                Circle::new((i as f64, p.index), 5, style)
            }))
            .map_err(err)?
            .label(format!("fewer than {thin} sentences (hollow)"))
            .legend(|(x, y)| Circle::new((x + 6, y), 4, GREY.stroke_width(2)));
        chart
            .draw_series(points.iter().enumerate().map(|(i, p)| {
                Text::new(
                    format!("n={}", p.sentences),
                    (i as f64 - 0.2, (p.index + 0.15).min(0.95)),
                    ("sans-serif", 11),
                )
            }))
            .map_err(err)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(svg: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or_default().trim().to_string())
            .collect()
    }

    #[test]
    fn bar_chart_has_axes_labels_and_series() {
        let bars = vec![
            Bar {
                label: "China".into(),
                index: 0.3,
                interval: Some((0.1, 0.5)),
                sentences: 40,
            },
            Bar {
                label: "Russia".into(),
                index: -0.4,
                interval: None,
                sentences: 12,
            },
        ];
        let svg = index_bars("Overview", "actor", &bars).unwrap();
        let t = texts(&svg);
        for want in [
            INDEX_AXIS,
            "actor",
            "China (n=40)",
            "Russia (n=12)",
            "Overview",
        ] {
            assert!(t.iter().any(|x| x == want), "{want} missing in {t:?}");
        }
        assert!(t.iter().any(|x| x == "95% bootstrap interval"));
        // Both bars, in their colours.
        assert!(
            svg.contains("#0072B2") && svg.contains("#D55E00"),
            "colours"
        );
    }

    #[test]
    fn time_chart_marks_thin_periods_and_counts() {
        let points = vec![
            Point {
                period: "2024-01".into(),
                index: 0.2,
                sentences: 30,
            },
            Point {
                period: "2024-02".into(),
                index: -0.8,
                sentences: 2,
            },
        ];
        let svg = over_time("China over time", &points, 5).unwrap();
        let t = texts(&svg);
        for want in [
            "period",
            "stance index (−1 … 1)",
            "2024-01",
            "2024-02",
            "n=30",
            "n=2",
        ] {
            assert!(t.iter().any(|x| x == want), "{want} missing in {t:?}");
        }
        assert!(svg.contains("#999999"), "the thin period is drawn grey");
    }
}
