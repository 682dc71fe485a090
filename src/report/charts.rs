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

/// The series legend, framed, at `pos`.
fn legend<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    pos: SeriesLabelPosition,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    X: Ranged,
    Y: Ranged,
{
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(err)
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
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
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
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A confusion matrix as a heatmap (rows gold, columns predicted), every cell with its count.
pub fn confusion(labels: &[String], matrix: &[Vec<usize>]) -> Result<String> {
    let mut svg = String::new();
    let n = labels.len().max(1);
    {
        let root = SVGBackend::with_string(&mut svg, (560, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Confusion matrix (pairs; darker: more)", ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(100)
            .build_cartesian_2d(0f64..n as f64, 0f64..n as f64)
            .map_err(err)?;
        // Labels at cell centres: ticks every half cell, named where they fall on a centre.
        let centre = |v: f64| -> Option<usize> {
            let i = (v - 0.5).round();
            ((v - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n).then_some(i as usize)
        };
        let name = |i: usize| labels.get(i).cloned().unwrap_or_default();
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("predicted label")
            .y_desc("gold label")
            .x_labels(2 * n + 1)
            .y_labels(2 * n + 1)
            .x_label_formatter(&|v| centre(*v).map(name).unwrap_or_default())
            .y_label_formatter(&|v| centre(*v).map(|i| name(n - 1 - i)).unwrap_or_default())
            .draw()
            .map_err(err)?;
        let max = matrix.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
        chart
            .draw_series(matrix.iter().enumerate().flat_map(|(g, row)| {
                row.iter().enumerate().map(move |(p, &c)| {
                    let shade = BLUE.mix(0.1 + 0.85 * c as f64 / max);
                    let (x, y) = (p as f64, (n - 1 - g) as f64);
                    Rectangle::new([(x, y), (x + 1.0, y + 1.0)], shade.filled())
                })
            }))
            .map_err(err)?;
        chart
            .draw_series(matrix.iter().enumerate().flat_map(|(g, row)| {
                row.iter().enumerate().map(move |(p, &c)| {
                    let (x, y) = (p as f64 + 0.45, (n - 1 - g) as f64 + 0.55);
                    Text::new(c.to_string(), (x, y), ("sans-serif", 16))
                })
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Precision, recall and F1 per label, as grouped bars (in percent).
pub fn per_label(labels: &[String], values: &[[f64; 3]]) -> Result<String> {
    let mut svg = String::new();
    let n = labels.len().max(1);
    {
        let root = SVGBackend::with_string(&mut svg, (640, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Precision, recall and F1 per label", ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(0f64..n as f64, 0f64..100f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("label")
            .y_desc("percent")
            .x_labels(n * 2 + 1)
            .x_label_formatter(&|v| {
                let i = (v - 0.5).round();
                if (v - 0.5 - i).abs() < 1e-6 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .draw()
            .map_err(err)?;
        for (k, (name, colour)) in [("precision", BLUE), ("recall", VERMILLION), ("F1", GREY)]
            .into_iter()
            .enumerate()
        {
            chart
                .draw_series(values.iter().enumerate().map(|(i, v)| {
                    let x0 = i as f64 + 0.15 + 0.23 * k as f64;
                    Rectangle::new([(x0, 0.0), (x0 + 0.21, v[k])], colour.filled())
                }))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy)]
pub struct ReliabilityBin {
    pub confidence: f64,
    pub accuracy: f64,
    pub count: usize,
}

/// Reliability diagram: observed accuracy against mean predicted probability per bin, with the
/// diagonal of perfect calibration and each bin's count.
pub fn reliability(bins: &[ReliabilityBin]) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (520, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Reliability diagram", ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(0f64..1f64, 0f64..1f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("predicted probability of the top label (bin mean)")
            .y_desc("observed accuracy")
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, 0.0), (1.0, 1.0)],
                GREY.stroke_width(1),
            ))
            .map_err(err)?
            .label("perfect calibration")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], GREY));
        let used: Vec<&ReliabilityBin> = bins.iter().filter(|b| b.count > 0).collect();
        chart
            .draw_series(LineSeries::new(
                used.iter().map(|b| (b.confidence, b.accuracy)),
                BLUE.stroke_width(2),
            ))
            .map_err(err)?
            .label("model")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], BLUE.stroke_width(2)));
        chart
            .draw_series(
                used.iter()
                    .map(|b| Circle::new((b.confidence, b.accuracy), 4, BLUE.filled())),
            )
            .map_err(err)?;
        chart
            .draw_series(used.iter().map(|b| {
                Text::new(
                    format!("n={}", b.count),
                    (b.confidence - 0.04, (b.accuracy + 0.06).min(0.98)),
                    ("sans-serif", 11),
                )
            }))
            .map_err(err)?;
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Learning curves of a training run: the training loss per logged step (left) and each dev
/// set's F1m per epoch (right), the chosen epoch marked.
pub fn learning_curves(
    loss: &[(usize, f64)],
    dev: &[(String, Vec<(usize, f64)>)],
    chosen: Option<usize>,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 380)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (left, right) = root.split_horizontally(520);
        let max_step = loss.iter().map(|p| p.0).max().unwrap_or(1).max(1) as f64;
        let max_loss = loss.iter().map(|p| p.1).fold(0.0, f64::max).max(1e-3) * 1.05;
        let mut chart = ChartBuilder::on(&left)
            .caption("Training loss", ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(0f64..max_step, 0f64..max_loss)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("loss (cross-entropy, per pair)")
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                loss.iter().map(|&(s, l)| (s as f64, l)),
                BLUE.stroke_width(1),
            ))
            .map_err(err)?
            .label("training loss (logged steps)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], BLUE));
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        let epochs = dev
            .iter()
            .flat_map(|d| d.1.iter().map(|p| p.0))
            .max()
            .unwrap_or(1)
            .max(1);
        let mut chart = ChartBuilder::on(&right)
            .caption("Dev F1m per epoch", ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(0.5f64..epochs as f64 + 0.5, 0f64..100f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("F1m (percent)")
            .x_labels(epochs.min(20) * 2 + 1)
            .x_label_formatter(&|v| {
                if (v - v.round()).abs() < 1e-6 && *v >= 1.0 {
                    format!("{}", v.round() as usize)
                } else {
                    String::new()
                }
            })
            .draw()
            .map_err(err)?;
        let colours = [BLUE, VERMILLION, GREY, BLACK];
        for (k, (name, points)) in dev.iter().enumerate() {
            let colour = colours[k % colours.len()];
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|&(e, f)| (e as f64, f)),
                    colour.stroke_width(2),
                ))
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 12, y)], colour.stroke_width(2))
                });
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&(e, f)| Circle::new((e as f64, f), 4, colour.filled())),
                )
                .map_err(err)?;
        }
        if let Some(e) = chosen {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(e as f64, 0.0), (e as f64, 100.0)],
                    BLACK.stroke_width(1),
                )))
                .map_err(err)?
                .label(format!("chosen epoch ({e})"))
                .legend(|(x, y)| PathElement::new(vec![(x + 6, y - 6), (x + 6, y + 6)], BLACK));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
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
    fn evaluation_charts_have_axes_and_series() {
        let labels: Vec<String> = ["supportive", "neutral", "critical"]
            .map(String::from)
            .to_vec();
        let svg = confusion(&labels, &[vec![5, 1, 0], vec![2, 9, 1], vec![0, 3, 7]]).unwrap();
        let t = texts(&svg);
        for want in [
            "predicted label",
            "gold label",
            "supportive",
            "critical",
            "9",
            "Confusion matrix (pairs; darker: more)",
        ] {
            assert!(t.iter().any(|x| x == want), "{want} missing in {t:?}");
        }
        let svg = per_label(
            &labels,
            &[[80.0, 70.0, 74.7], [60.0, 65.0, 62.4], [90.0, 85.0, 87.4]],
        )
        .unwrap();
        let t = texts(&svg);
        for want in ["label", "percent", "precision", "recall", "F1", "neutral"] {
            assert!(t.iter().any(|x| x == want), "{want} missing in {t:?}");
        }
        let bins = [
            ReliabilityBin {
                confidence: 0.45,
                accuracy: 0.4,
                count: 10,
            },
            ReliabilityBin {
                confidence: 0.0,
                accuracy: 0.0,
                count: 0,
            },
            ReliabilityBin {
                confidence: 0.92,
                accuracy: 0.95,
                count: 80,
            },
        ];
        let t = texts(&reliability(&bins).unwrap());
        for want in ["observed accuracy", "perfect calibration", "model", "n=80"] {
            assert!(t.iter().any(|x| x == want), "{want} missing in {t:?}");
        }
        assert!(!t.iter().any(|x| x == "n=0"), "empty bins are not drawn");
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
