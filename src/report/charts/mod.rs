//! The report's and the evaluation's charts as SVG strings, drawn with `plotters`. Colours from
//! the Okabe–Ito palette (readable with colour-blindness): supportive blue, critical vermillion,
//! neutral grey. Every chart has axis descriptions with units, text of at least 12 px, a light
//! grid, and its legend in a strip between the title and the plot area, where it covers no data.

use crate::error::{Error, Result};
use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

mod curves;
mod time;

pub use curves::learning_curves;
pub use time::{over_time, time_ticks, Point};

pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub const GREY: RGBColor = RGBColor(153, 153, 153);
/// The legend's frame (a colour no data mark uses, so that tests can find the legend).
pub const LEGEND_FRAME: RGBColor = RGBColor(110, 110, 110);
const GRID: RGBColor = RGBColor(232, 232, 232);
const YEAR_LINE: RGBColor = RGBColor(120, 120, 120);

const INDEX_AXIS: &str = "stance index: mean P(supportive) − P(critical)";
const FONT: u32 = 13;
const TITLE: u32 = 17;
/// Text width estimate per character at [`FONT`] (sans-serif), for laying out the legend.
const CHAR_W: u32 = 7;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A chart's mesh in the house style: a light grid without minor lines, text of `FONT` px.
fn house_mesh<'a, 'b, DB, XT, YT, X, Y>(
    chart: &'b mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
) -> MeshStyle<'a, 'b, X, Y, DB>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = XT> + ValueFormatter<XT>,
    Y: Ranged<ValueType = YT> + ValueFormatter<YT>,
{
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(GRID)
        .light_line_style(WHITE)
        .label_style(("sans-serif", FONT))
        .axis_desc_style(("sans-serif", FONT));
    mesh
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Render {
        what: "a chart",
        message: e.to_string(),
    }
}

/// What a legend entry's sample looks like.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    Line(RGBColor),
    Bar(RGBColor),
    HollowBar(RGBColor),
    Dot(RGBColor),
    Hollow(RGBColor),
    Whisker,
}

/// Rows of legend entries that fit `width`: (x offset, entry) per row.
fn legend_rows(width: u32, items: &[(Mark, String)]) -> Vec<Vec<(u32, usize)>> {
    let mut rows: Vec<Vec<(u32, usize)>> = Vec::new();
    let mut x = 0;
    for (i, (_, text)) in items.iter().enumerate() {
        let w = 22 + CHAR_W * text.chars().count() as u32 + 18;
        if rows.is_empty() || (x + w > width.saturating_sub(20) && x > 0) {
            rows.push(Vec::new());
            x = 0;
        }
        if let Some(r) = rows.last_mut() {
            r.push((x, i));
        }
        x += w;
    }
    rows
}

/// Draws the title and the legend strip at the top of `root` and returns the area below them,
/// where the chart goes.
fn frame<'a>(root: &Area<'a>, title: &str, items: &[(Mark, String)]) -> Result<Area<'a>> {
    root.fill(&WHITE).map_err(err)?;
    let (w, _) = root.dim_in_pixel();
    let body = root.titled(title, ("sans-serif", TITLE)).map_err(err)?;
    if items.is_empty() {
        return Ok(body);
    }
    let rows = legend_rows(w, items);
    let strip_h = 8 + 22 * rows.len() as u32;
    let (strip, rest) = body.split_vertically(strip_h);
    let right = rows
        .iter()
        .filter_map(|r| {
            r.last()
                .map(|&(x, i)| x + 22 + CHAR_W * items[i].1.chars().count() as u32)
        })
        .max()
        .unwrap_or(0)
        + 10;
    strip
        .draw(&Rectangle::new(
            [(10, 2), (10 + right as i32, strip_h as i32 - 4)],
            LEGEND_FRAME.stroke_width(1),
        ))
        .map_err(err)?;
    for (r, row) in rows.iter().enumerate() {
        let y = 13 + 22 * r as i32;
        for &(x, i) in row {
            let x = 18 + x as i32;
            let (mark, text) = &items[i];
            draw_sample(&strip, *mark, x, y)?;
            strip
                .draw(&Text::new(
                    text.clone(),
                    (x + 22, y - 7),
                    ("sans-serif", FONT),
                ))
                .map_err(err)?;
        }
    }
    Ok(rest)
}

fn draw_sample(a: &Area, mark: Mark, x: i32, y: i32) -> Result<()> {
    match mark {
        Mark::Line(c) => a.draw(&PathElement::new(
            vec![(x, y), (x + 16, y)],
            c.stroke_width(2),
        )),
        Mark::Bar(c) => a.draw(&Rectangle::new(
            [(x, y - 6), (x + 16, y + 6)],
            c.mix(0.8).filled(),
        )),
        Mark::HollowBar(c) => a.draw(&Rectangle::new(
            [(x, y - 6), (x + 16, y + 6)],
            c.stroke_width(2),
        )),
        Mark::Dot(c) => a.draw(&Circle::new((x + 8, y), 5, c.filled())),
        Mark::Hollow(c) => a.draw(&Circle::new((x + 8, y), 5, c.stroke_width(2))),
        Mark::Whisker => a.draw(&PathElement::new(
            vec![(x, y), (x + 16, y)],
            BLACK.stroke_width(2),
        )),
    }
    .map_err(err)
}

/// One horizontal bar: a label, the index, its interval, and the sentences behind it.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub index: f64,
    /// `None` where there are too few sentences for one: the bar is drawn hollow.
    pub interval: Option<(f64, f64)>,
    pub sentences: usize,
}

/// Horizontal bars of the stance index (−1 … 1) with their 95% intervals and sentence counts; a
/// bar without an interval (too few sentences) is hollow.
pub fn index_bars(title: &str, y_desc: &str, bars: &[Bar], min_sentences: usize) -> Result<String> {
    let mut svg = String::new();
    let h = 150 + 28 * bars.len().max(1) as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (780, h)).into_drawing_area();
        let body = frame(
            &root,
            title,
            &[
                (Mark::Bar(BLUE), "index ≥ 0".into()),
                (Mark::Bar(VERMILLION), "index < 0".into()),
                (Mark::Whisker, "95% interval".into()),
                (
                    Mark::HollowBar(GREY),
                    format!("fewer than {min_sentences} sentences: no interval"),
                ),
            ],
        )?;
        let n = bars.len().max(1) as i32;
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(240)
            // Segments 0 … n − 1: one row per bar, none left empty.
            .build_cartesian_2d(-1.0f64..1.0f64, (0..n - 1).into_segmented())
            .map_err(err)?;
        let labels: Vec<String> = bars
            .iter()
            .map(|b| match b.interval {
                Some(_) => format!("{} (n={})", b.label, b.sentences),
                None => format!("{} (n={}, too few)", b.label, b.sentences),
            })
            .collect();
        house_mesh(&mut chart)
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
                let style = match b.interval {
                    Some(_) => colour.mix(0.8).filled(),
                    None => GREY.stroke_width(2),
                };
                let mut r = Rectangle::new([(0.0, y0), (b.index, y1)], style);
                r.set_margin(5, 5, 0, 0);
                r
            }))
            .map_err(err)?;
        chart
            .draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
                let (lo, hi) = b.interval?;
                let y = || SegmentValue::CenterOf(i as i32);
                Some(PathElement::new(
                    vec![(lo, y()), (hi, y())],
                    BLACK.stroke_width(2),
                ))
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A confusion matrix as a heatmap (rows gold, columns predicted), every cell with its count;
/// `about` names the model and the data set.
pub fn confusion(labels: &[String], matrix: &[Vec<usize>], about: &str) -> Result<String> {
    let mut svg = String::new();
    let n = labels.len().max(1);
    {
        let root = SVGBackend::with_string(&mut svg, (580, 500)).into_drawing_area();
        let body = frame(
            &root,
            &format!("Confusion matrix: {about}"),
            &[(
                Mark::Bar(BLUE),
                "pairs (darker: more; count in each cell)".into(),
            )],
        )?;
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(110)
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
            .label_style(("sans-serif", FONT))
            .axis_desc_style(("sans-serif", FONT))
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

/// Precision, recall and F1 per label, as grouped bars (in percent); `about` names the model
/// and the data set.
pub fn per_label(labels: &[String], values: &[[f64; 3]], about: &str) -> Result<String> {
    let mut svg = String::new();
    let n = labels.len().max(1);
    let series = [("precision", BLUE), ("recall", VERMILLION), ("F1", GREY)];
    {
        let root = SVGBackend::with_string(&mut svg, (660, 400)).into_drawing_area();
        let items: Vec<(Mark, String)> = series
            .iter()
            .map(|(name, c)| (Mark::Bar(*c), name.to_string()))
            .collect();
        let body = frame(&root, &format!("Per label: {about}"), &items)?;
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(0f64..n as f64, 0f64..100f64)
            .map_err(err)?;
        house_mesh(&mut chart)
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
        for (k, (_, colour)) in series.into_iter().enumerate() {
            chart
                .draw_series(values.iter().enumerate().map(|(i, v)| {
                    let x0 = i as f64 + 0.15 + 0.23 * k as f64;
                    Rectangle::new([(x0, 0.0), (x0 + 0.21, v[k])], colour.filled())
                }))
                .map_err(err)?;
        }
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

/// The radius of a bin's dot: its area is proportional to its pairs (a 2-pair bin is a speck
/// beside a 370-pair one).
pub fn bin_radius(count: usize, max: usize) -> i32 {
    (2.0 + 12.0 * (count as f64 / max.max(1) as f64).sqrt()).round() as i32
}

/// Reliability diagram: observed accuracy against mean predicted probability per bin, each bin a
/// dot whose area is proportional to its pairs, labelled with its count, and the diagonal of
/// perfect calibration; `about` names the model and the data set.
pub fn reliability(bins: &[ReliabilityBin], about: &str) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 540)).into_drawing_area();
        let body = frame(
            &root,
            &format!("Reliability: {about}"),
            &[
                (Mark::Line(GREY), "perfect calibration".into()),
                (Mark::Dot(BLUE), "bin (area ∝ pairs, n = pairs)".into()),
            ],
        )?;
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .margin_right(20)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(0f64..1f64, 0f64..1.08f64)
            .map_err(err)?;
        house_mesh(&mut chart)
            .x_desc("predicted probability of the top label (bin mean)")
            .y_desc("observed accuracy")
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, 0.0), (1.0, 1.0)],
                GREY.stroke_width(1),
            ))
            .map_err(err)?;
        let used: Vec<&ReliabilityBin> = bins.iter().filter(|b| b.count > 0).collect();
        let max = used.iter().map(|b| b.count).max().unwrap_or(1);
        chart
            .draw_series(used.iter().map(|b| {
                Circle::new(
                    (b.confidence, b.accuracy),
                    bin_radius(b.count, max),
                    BLUE.mix(0.6).filled(),
                )
            }))
            .map_err(err)?;
        chart
            .draw_series(used.iter().map(|b| {
                let r = bin_radius(b.count, max) as f64 / 400.0;
                Text::new(
                    format!("n={}", b.count),
                    (b.confidence - 0.03, b.accuracy + 0.03 + r),
                    ("sans-serif", 12),
                )
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn texts(svg: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or_default().trim().to_string())
            .collect()
    }

    /// Asserts that every one of `want` is a text of the chart; returns the texts.
    fn has_texts(svg: &str, want: &[&str]) -> Vec<String> {
        let t = texts(svg);
        for w in want {
            assert!(t.iter().any(|x| x == w), "{w} missing in {t:?}");
        }
        t
    }

    /// A drawn element's bounding box (x0, y0, x1, y1), its tag and its colour.
    #[derive(Debug, Clone)]
    pub(crate) struct Shape {
        pub tag: String,
        pub colour: String,
        pub bbox: (f64, f64, f64, f64),
    }

    pub(crate) fn shapes(svg: &str) -> Vec<Shape> {
        let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
        let num = |n: &roxmltree::Node, a: &str| n.attribute(a).and_then(|v| v.parse::<f64>().ok());
        let mut out = Vec::new();
        for n in doc.descendants() {
            let colour = n
                .attribute("fill")
                .filter(|c| *c != "none")
                .or(n.attribute("stroke"))
                .unwrap_or("")
                .to_string();
            let bbox = match n.tag_name().name() {
                "circle" => {
                    let (x, y, r) = (
                        num(&n, "cx").unwrap(),
                        num(&n, "cy").unwrap(),
                        num(&n, "r").unwrap(),
                    );
                    (x - r, y - r, x + r, y + r)
                }
                "rect" => {
                    let (x, y) = (num(&n, "x").unwrap(), num(&n, "y").unwrap());
                    (
                        x,
                        y,
                        x + num(&n, "width").unwrap(),
                        y + num(&n, "height").unwrap(),
                    )
                }
                "polyline" | "path" if n.attribute("points").is_some() => {
                    let pts: Vec<(f64, f64)> = n
                        .attribute("points")
                        .unwrap()
                        .split_whitespace()
                        .filter_map(|p| {
                            let (a, b) = p.split_once(',')?;
                            Some((a.parse().ok()?, b.parse().ok()?))
                        })
                        .collect();
                    if pts.is_empty() {
                        continue;
                    }
                    let f = |g: fn(f64, f64) -> f64, k: fn(&(f64, f64)) -> f64, init| {
                        pts.iter().map(k).fold(init, g)
                    };
                    (
                        f(f64::min, |p| p.0, f64::MAX),
                        f(f64::min, |p| p.1, f64::MAX),
                        f(f64::max, |p| p.0, f64::MIN),
                        f(f64::max, |p| p.1, f64::MIN),
                    )
                }
                "line" => {
                    let (x1, y1) = (num(&n, "x1").unwrap(), num(&n, "y1").unwrap());
                    let (x2, y2) = (num(&n, "x2").unwrap(), num(&n, "y2").unwrap());
                    (x1.min(x2), y1.min(y2), x1.max(x2), y1.max(y2))
                }
                _ => continue,
            };
            out.push(Shape {
                tag: n.tag_name().name().to_string(),
                colour: colour.to_ascii_uppercase(),
                bbox,
            });
        }
        out
    }

    /// Every legend frame of a chart covers no data mark: a mark either lies inside the frame
    /// (a legend sample; at most `entries` of them) or does not touch it.
    pub(crate) fn assert_legends_cover_no_data(svg: &str, entries: usize) {
        let all = shapes(svg);
        let frames: Vec<&Shape> = all
            .iter()
            .filter(|s| s.tag == "rect" && s.colour == "#6E6E6E")
            .collect();
        assert!(!frames.is_empty(), "no legend frame in the chart");
        for f in &frames {
            let (fx0, fy0, fx1, fy1) = f.bbox;
            let mut inside = 0;
            for s in all
                .iter()
                .filter(|s| s.colour != "#FFFFFF" && s.colour != "#6E6E6E")
            {
                let (x0, y0, x1, y1) = s.bbox;
                let touches = x0 < fx1 && x1 > fx0 && y0 < fy1 && y1 > fy0;
                let within = x0 >= fx0 && x1 <= fx1 && y0 >= fy0 && y1 <= fy1;
                assert!(!touches || within, "{s:?} overlaps the legend {f:?}");
                inside += usize::from(within);
            }
            assert!(
                inside <= entries,
                "{inside} marks inside a legend of {entries} entries"
            );
        }
    }

    #[test]
    fn bar_chart_has_axes_labels_intervals_and_hollow_thin_bars() {
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
                sentences: 3,
            },
        ];
        let svg = index_bars("Overview", "actor", &bars, 5).unwrap();
        has_texts(
            &svg,
            &[
                INDEX_AXIS,
                "actor",
                "China (n=40)",
                "Russia (n=3, too few)",
                "Overview",
                "95% interval",
                "fewer than 5 sentences: no interval",
            ],
        );
        assert!(svg.contains("#0072B2"), "the supportive bar is blue");
        // China's whisker: a black line outside the legend.
        let whiskers = shapes(&svg)
            .into_iter()
            .filter(|s| s.tag == "polyline" && s.colour == "#000000" && s.bbox.1 > 60.0)
            .count();
        assert!(whiskers >= 1);
        assert_legends_cover_no_data(&svg, 4);
    }

    #[test]
    fn evaluation_charts_name_model_and_data_and_keep_legends_off_the_data() {
        let labels: Vec<String> = ["supportive", "neutral", "critical"]
            .map(String::from)
            .to_vec();
        let about = "m on test-rw.jsonl";
        let svg = confusion(
            &labels,
            &[vec![5, 1, 0], vec![2, 9, 1], vec![0, 3, 7]],
            about,
        )
        .unwrap();
        has_texts(
            &svg,
            &[
                "predicted label",
                "gold label",
                "supportive",
                "critical",
                "9",
                "Confusion matrix: m on test-rw.jsonl",
            ],
        );
        assert_legends_cover_no_data(&svg, 1);
        let svg = per_label(
            &labels,
            &[[80.0, 70.0, 74.7], [60.0, 65.0, 62.4], [90.0, 85.0, 87.4]],
            about,
        )
        .unwrap();
        has_texts(
            &svg,
            &[
                "label",
                "percent",
                "precision",
                "recall",
                "F1",
                "neutral",
                "Per label: m on test-rw.jsonl",
            ],
        );
        assert_legends_cover_no_data(&svg, 3);
        let bins = [
            ReliabilityBin {
                confidence: 0.45,
                accuracy: 0.4,
                count: 2,
            },
            ReliabilityBin {
                confidence: 0.0,
                accuracy: 0.0,
                count: 0,
            },
            ReliabilityBin {
                confidence: 0.92,
                accuracy: 0.95,
                count: 370,
            },
        ];
        let svg = reliability(&bins, about).unwrap();
        let t = has_texts(
            &svg,
            &["observed accuracy", "perfect calibration", "n=370", "n=2"],
        );
        assert!(!t.iter().any(|x| x == "n=0"), "empty bins are not drawn");
        // A 2-pair bin is drawn far smaller than a 370-pair one.
        assert!(
            bin_radius(370, 370) >= 4 * bin_radius(2, 370),
            "{} {}",
            bin_radius(370, 370),
            bin_radius(2, 370)
        );
        assert_legends_cover_no_data(&svg, 2);
        let svg = learning_curves(
            &[(10, 1.1), (20, 3.0), (30, 0.6)],
            &[("dev-rw".into(), vec![(1, 80.0), (2, 84.0)])],
            Some(2),
        )
        .unwrap();
        assert_legends_cover_no_data(&svg, 3);
    }

    fn point(day: &str, index: f64, sentences: usize, by: super::super::dates::Period) -> Point {
        let d = super::super::dates::Date::parse(day).unwrap();
        Point {
            period: d.period(by),
            start: d.period_start(by).days(),
            end: d.next_period_start(by).days(),
            index,
            interval: (sentences >= 5).then_some((index - 0.1, index + 0.1)),
            sentences,
        }
    }

    #[test]
    fn time_chart_places_points_in_proportion_to_time_and_marks_thin_periods() {
        use super::super::dates::Period;
        // 2023-08, then a ten-month gap, then 2024-06 and 2024-07.
        let points = vec![
            point("2023-08-10", 0.2, 30, Period::Month),
            point("2024-06-10", -0.5, 12, Period::Month),
            point("2024-07-10", 0.1, 2, Period::Month),
        ];
        let svg = over_time("China over time", "month", &points, 5).unwrap();
        has_texts(&svg, &["stance index (−1 … 1)", "n=30", "n=2", "2024-01"]);
        assert!(svg.contains("#999999"), "the thin period is drawn grey");
        assert!(svg.contains("#787878"), "the year boundary is marked");
        // The data points (radius 5, below the legend strip), left to right.
        let all = shapes(&svg);
        let legend_bottom = all
            .iter()
            .find(|s| s.colour == "#6E6E6E")
            .map(|s| s.bbox.3)
            .unwrap();
        let mut xs: Vec<f64> = all
            .iter()
            .filter(|s| s.tag == "circle" && s.bbox.1 > legend_bottom)
            .map(|s| (s.bbox.0 + s.bbox.2) / 2.0)
            .collect();
        xs.sort_by(f64::total_cmp);
        assert_eq!(xs.len(), 3, "{xs:?}");
        let mid = |p: &Point| (p.start + p.end) as f64 / 2.0;
        let want = (mid(&points[1]) - mid(&points[0])) / (mid(&points[2]) - mid(&points[0]));
        let got = (xs[1] - xs[0]) / (xs[2] - xs[0]);
        assert!(
            (got - want).abs() < 0.01,
            "x positions {xs:?}: {got} against {want}"
        );
        // The line joins June and July only, not across the gap: one polyline in blue.
        let lines: Vec<_> = all
            .iter()
            .filter(|s| s.tag == "polyline" && s.colour == "#0072B2" && s.bbox.1 > legend_bottom)
            .collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].bbox.0 > xs[0] + 1.0,
            "the line starts after the gap"
        );
        // Two whiskers (the n=2 period has none).
        let whiskers = all
            .iter()
            .filter(|s| {
                s.tag == "polyline"
                    && s.colour == "#000000"
                    && s.bbox.3 - s.bbox.1 > 6.0
                    && xs
                        .iter()
                        .any(|x| (s.bbox.0 - x).abs() < 1.0 && (s.bbox.2 - x).abs() < 1.0)
            })
            .count();
        assert_eq!(whiskers, 2);
        assert_legends_cover_no_data(&svg, 3);
    }

    #[test]
    fn time_ticks_fit_and_fall_on_calendar_boundaries() {
        use super::super::dates::Date;
        let d = |s: &str| Date::parse(s).unwrap().days() as f64;
        let t = time_ticks(d("2024-01-01"), d("2024-01-20"), 8);
        assert!(t.len() <= 8 && t.len() >= 2, "{t:?}");
        let t = time_ticks(d("2020-03-01"), d("2024-08-01"), 8);
        assert!(t.len() <= 8, "{t:?}");
        assert!(
            t.iter()
                .all(|(_, l)| l.len() == 4 || l.ends_with("-01") || l.ends_with("-07")),
            "{t:?}"
        );
        let t = time_ticks(d("1990-01-01"), d("2024-08-01"), 6);
        assert!(t.len() <= 6 && t.len() >= 2, "{t:?}");
    }
}
