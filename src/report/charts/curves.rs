//! A training run's learning curves: the loss per logged step, dev F1m per epoch.

use super::{err, frame, house_mesh, Area, Mark, BLUE, GREY, VERMILLION};
use crate::error::Result;
use plotters::prelude::*;

/// Learning curves of a training run: the training loss per logged step (left) and each dev
/// set's F1m per epoch (right), the chosen epoch marked.
pub fn learning_curves(
    loss: &[(usize, f64)],
    dev: &[(String, Vec<(usize, f64)>)],
    chosen: Option<usize>,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1040, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (left, right) = root.split_horizontally(520);
        loss_panel(&left, loss)?;
        dev_panel(&right, dev, chosen)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The training loss per logged step.
fn loss_panel(area: &Area, loss: &[(usize, f64)]) -> Result<()> {
    let max_step = loss.iter().map(|p| p.0).max().unwrap_or(1).max(1) as f64;
    let max_loss = loss.iter().map(|p| p.1).fold(0.0, f64::max).max(1e-3) * 1.05;
    let body = frame(
        area,
        "Training loss",
        &[(Mark::Line(BLUE), "training loss (logged steps)".into())],
    )?;
    let mut chart = ChartBuilder::on(&body)
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(0f64..max_step, 0f64..max_loss)
        .map_err(err)?;
    house_mesh(&mut chart)
        .x_desc("step")
        .y_desc("loss (cross-entropy, per pair)")
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            loss.iter().map(|&(s, l)| (s as f64, l)),
            BLUE.stroke_width(1),
        ))
        .map_err(err)?;
    Ok(())
}

/// Each dev set's F1m per epoch, the chosen epoch marked.
fn dev_panel(
    area: &Area,
    dev: &[(String, Vec<(usize, f64)>)],
    chosen: Option<usize>,
) -> Result<()> {
    let epochs = dev
        .iter()
        .flat_map(|d| d.1.iter().map(|p| p.0))
        .max()
        .unwrap_or(1)
        .max(1);
    let colours = [BLUE, VERMILLION, GREY, BLACK];
    let mut items: Vec<(Mark, String)> = dev
        .iter()
        .enumerate()
        .map(|(k, (name, _))| (Mark::Line(colours[k % colours.len()]), name.clone()))
        .collect();
    if let Some(e) = chosen {
        items.push((Mark::Line(BLACK), format!("chosen epoch ({e})")));
    }
    let body = frame(area, "Dev F1m per epoch", &items)?;
    let mut chart = ChartBuilder::on(&body)
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(0.5f64..epochs as f64 + 0.5, 0f64..100f64)
        .map_err(err)?;
    house_mesh(&mut chart)
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
    for (k, (_, points)) in dev.iter().enumerate() {
        let colour = colours[k % colours.len()];
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|&(e, f)| (e as f64, f)),
                colour.stroke_width(2),
            ))
            .map_err(err)?;
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
            .map_err(err)?;
    }
    Ok(())
}
