//! The sales chart as server-drawn SVG (no JavaScript): bars of seats per day or hour,
//! laid out here in numbers the template only prints, with a text alternative.

use crate::domain::desk::sales::Chart;

/// The drawing's size in SVG units (it scales to the page's width).
pub const WIDTH: i64 = 640;
pub const HEIGHT: i64 = 220;
const LEFT: i64 = 36;
const BOTTOM: i64 = 28;
const TOP: i64 = 12;

/// One bar as drawn.
#[derive(Debug, Clone)]
pub struct BarShape {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub seats: i64,
    pub label: String,
    /// Whether its label is written under the axis (every few bars, so they never
    /// overlap).
    pub labelled: bool,
    /// The label's centre.
    pub label_x: i64,
}

/// The chart ready to draw.
#[derive(Debug, Clone)]
pub struct ChartView {
    pub bars: Vec<BarShape>,
    pub max: i64,
    /// The y of the axis line and of the top of the scale.
    pub base_y: i64,
    pub top_y: i64,
    pub left: i64,
    pub right: i64,
    pub label_y: i64,
    /// "Seats sold per day, 1 Dec to 4 Dec: 7 in all, most on Thu 4 Dec (4)."
    pub summary: String,
    pub unit: &'static str,
}

pub fn view(chart: &Chart) -> ChartView {
    let n = chart.bars.len().max(1) as i64;
    let plot_width = WIDTH - LEFT - 8;
    let step = (plot_width / n).max(1);
    let bar_width = (step * 3 / 4).max(1);
    let plot_height = HEIGHT - BOTTOM - TOP;
    let base_y = HEIGHT - BOTTOM;
    // Room for about eight labels along the axis.
    let every = ((n + 7) / 8).max(1);
    let bars = chart
        .bars
        .iter()
        .enumerate()
        .map(|(i, bar)| {
            let i = i as i64;
            let height = bar.seats * plot_height / chart.max.max(1);
            let x = LEFT + i * step + (step - bar_width) / 2;
            BarShape {
                x,
                y: base_y - height,
                width: bar_width,
                height,
                seats: bar.seats,
                label: bar.label.clone(),
                labelled: i % every == 0,
                label_x: x + bar_width / 2,
            }
        })
        .collect();
    let summary = match (chart.bars.first(), chart.bars.last()) {
        (Some(first), Some(last)) => {
            let best = chart
                .bars
                .iter()
                .max_by_key(|bar| bar.seats)
                .map(|bar| format!(", most in {} ({})", bar.label, bar.seats))
                .unwrap_or_default();
            format!(
                "Seats sold per {}, {} to {}: {} in all{best}.",
                chart.unit,
                first.label,
                last.label,
                chart.total()
            )
        }
        _ => "No seat sold yet.".to_owned(),
    };
    ChartView {
        bars,
        max: chart.max,
        base_y,
        top_y: TOP,
        left: LEFT,
        right: WIDTH - 8,
        label_y: HEIGHT - 10,
        summary,
        unit: chart.unit,
    }
}
