//! Chart geometry for the server-rendered SVG charts: data in, screen
//! coordinates out. The markup itself lives in templates
//! (`templates/partials/charts.html`); this module
//! only does the arithmetic, so it is unit-tested without a browser.

use std::fmt;

use chrono::NaiveDate;

use super::metrics::format_number;

/// How a line is drawn: never by colour alone, so it reads in greyscale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    /// A solid line with round markers: what happened.
    Actual,
    /// A long-dashed line: where we should end up.
    Target,
    /// A dotted line: where we should be by now.
    Trajectory,
    /// A dash-dot line: a plan.
    Plan,
}

impl Stroke {
    /// The CSS class that draws it.
    pub fn css(self) -> &'static str {
        match self {
            Stroke::Actual => "line-actual",
            Stroke::Target => "line-target",
            Stroke::Trajectory => "line-trajectory",
            Stroke::Plan => "line-plan",
        }
    }

    /// Whether each point gets a marker.
    pub fn marked(self) -> bool {
        matches!(self, Stroke::Actual | Stroke::Plan)
    }
}

/// A series of dated values to draw.
#[derive(Debug, Clone)]
pub struct SeriesSpec {
    /// Its name, for the legend.
    pub name: String,
    /// How it is drawn.
    pub stroke: Stroke,
    /// The points, in date order.
    pub points: Vec<(NaiveDate, f64)>,
}

/// A series in screen coordinates.
#[derive(Debug, Clone)]
pub struct DrawnSeries {
    pub name: String,
    pub css: &'static str,
    /// The `points` attribute of its polyline.
    pub path: String,
    /// Marker positions, when the stroke has markers.
    pub markers: Vec<(Tenths, Tenths)>,
    /// Whether markers are squares (plan) rather than circles (actual).
    pub square_markers: bool,
}

/// A tick on an axis: position and label.
#[derive(Debug, Clone)]
pub struct Tick {
    /// Screen position along the axis.
    pub at: Tenths,
    pub label: String,
    /// How the label sits on its position (SVG `text-anchor`): a date
    /// label near either end of the axis is turned inwards, so that no
    /// label runs past the drawing and is clipped.
    pub anchor: &'static str,
}

/// A full line chart, ready for the template.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// Total width (viewBox units).
    pub width: Tenths,
    pub height: Tenths,
    /// Plot area: left, top, right, bottom.
    pub left: Tenths,
    /// Top of the plot area.
    pub top: Tenths,
    /// Right of the plot area.
    pub right: Tenths,
    /// Bottom of the plot area.
    pub bottom: Tenths,
    pub series: Vec<DrawnSeries>,
    /// Value ticks (y).
    pub y_ticks: Vec<Tick>,
    /// Date ticks (x).
    pub x_ticks: Vec<Tick>,
    /// Marked dates (ExCo reviews): x position and label.
    pub verticals: Vec<Tick>,
}

/// The drawing a chart is laid out in (viewBox units; labels are 11 units
/// high, so a smaller frame shows them larger once the chart is scaled).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    /// Room left of the plot (value labels).
    pub left: f64,
    /// Room right of the plot.
    pub right: f64,
    /// Room above the plot.
    pub top: f64,
    /// Room below the plot (date labels).
    pub bottom: f64,
    /// At most this many date labels.
    pub date_labels: i32,
}

impl Frame {
    /// A chart given the page's width: a metric's own page.
    pub const FULL: Frame = Frame {
        width: 640.0,
        height: 280.0,
        left: 64.0,
        right: 16.0,
        top: 16.0,
        bottom: 36.0,
        date_labels: 6,
    };
    /// A chart among several (the review and its printed pack): half the
    /// size, so its labels stay legible when two share the width of A4.
    pub const COMPACT: Frame = Frame {
        width: 340.0,
        height: 190.0,
        left: 50.0,
        right: 10.0,
        top: 12.0,
        bottom: 30.0,
        date_labels: 4,
    };
}

/// The width of a label of `text` at the charts' 11-unit type, roughly.
fn label_width(text: &str) -> f64 {
    text.chars().count() as f64 * 6.6
}

fn day(date: NaiveDate) -> f64 {
    date.to_epoch_days() as f64
}

/// "Nice" tick values covering `min..max`: steps of 1, 2 or 5 × 10ⁿ.
pub fn nice_ticks(min: f64, max: f64, wanted: usize) -> Vec<f64> {
    if !(min.is_finite() && max.is_finite()) || wanted == 0 {
        return Vec::new();
    }
    let (min, max) = if (max - min).abs() < f64::EPSILON {
        (min - 1.0, max + 1.0)
    } else {
        (min, max)
    };
    let raw = (max - min) / wanted as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(raw);
    let first = (min / step).floor() * step;
    let mut ticks = Vec::new();
    let mut value = first;
    loop {
        let tick = (value / step).round() * step;
        ticks.push(tick);
        if tick >= max - step * 1e-9 || ticks.len() >= 20 {
            break;
        }
        value += step;
    }
    ticks
}

/// Lays out a line chart of dated series, with marked dates, in the full frame.
pub fn line_chart(
    series: &[SeriesSpec],
    verticals: &[(NaiveDate, String)],
    label: impl Fn(f64) -> String,
) -> LineChart {
    line_chart_in(Frame::FULL, series, verticals, label)
}

/// Lays out a line chart of dated series, with marked dates, in `frame`.
pub fn line_chart_in(
    frame: Frame,
    series: &[SeriesSpec],
    verticals: &[(NaiveDate, String)],
    label: impl Fn(f64) -> String,
) -> LineChart {
    let dates = series
        .iter()
        .flat_map(|s| s.points.iter().map(|(d, _)| day(*d)))
        .chain(verticals.iter().map(|(d, _)| day(*d)));
    let (mut x_min, mut x_max) =
        dates.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    if x_min > x_max {
        (x_min, x_max) = (0.0, 1.0);
    }
    if (x_max - x_min).abs() < 1.0 {
        x_max = x_min + 1.0;
    }
    let values = series.iter().flat_map(|s| s.points.iter().map(|(_, v)| *v));
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
    let ticks = nice_ticks(lo, hi, 5);
    let y_min = ticks.first().copied().unwrap_or(lo).min(lo);
    let y_max = ticks.last().copied().unwrap_or(hi).max(hi);
    let (left, right, top, bottom) = (
        frame.left,
        frame.width - frame.right,
        frame.top,
        frame.height - frame.bottom,
    );
    let x = |d: f64| left + (d - x_min) / (x_max - x_min) * (right - left);
    let y = |v: f64| {
        if (y_max - y_min).abs() < f64::EPSILON {
            (top + bottom) / 2.0
        } else {
            bottom - (v - y_min) / (y_max - y_min) * (bottom - top)
        }
    };
    let drawn = series
        .iter()
        .map(|s| {
            let screen: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|(d, v)| (round(x(day(*d))), round(y(*v))))
                .collect();
            DrawnSeries {
                name: s.name.clone(),
                css: s.stroke.css(),
                path: points_path(&screen),
                markers: if s.stroke.marked() {
                    screen
                        .iter()
                        .map(|&(x, y)| (Tenths(x), Tenths(y)))
                        .collect()
                } else {
                    Vec::new()
                },
                square_markers: s.stroke == Stroke::Plan,
            }
        })
        .collect();
    let y_ticks = ticks
        .iter()
        .map(|v| Tick {
            at: Tenths(round(y(*v))),
            label: label(*v),
            anchor: "end",
        })
        .collect();
    let x_ticks = date_ticks(x_min, x_max, frame.date_labels)
        .into_iter()
        .map(|(d, text)| {
            let at = round(x(d));
            let half = label_width(&text) / 2.0;
            let anchor = if at + half > frame.width {
                "end"
            } else if at - half < 0.0 {
                "start"
            } else {
                "middle"
            };
            Tick {
                at: Tenths(match anchor {
                    "end" => at.min(frame.width - 1.0),
                    "start" => at.max(1.0),
                    _ => at,
                }),
                label: text,
                anchor,
            }
        })
        .collect();
    LineChart {
        width: Tenths(frame.width),
        height: Tenths(frame.height),
        left: Tenths(left),
        top: Tenths(top),
        right: Tenths(right),
        bottom: Tenths(bottom),
        series: drawn,
        y_ticks,
        x_ticks,
        verticals: verticals
            .iter()
            .map(|(d, text)| Tick {
                at: Tenths(round(x(day(*d)))),
                label: text.clone(),
                anchor: "start",
            })
            .collect(),
    }
}

/// Month ticks across a span of days: about `most`, on the first of a month.
fn date_ticks(x_min: f64, x_max: f64, most: i32) -> Vec<(f64, String)> {
    use chrono::Datelike;
    let (Some(start), Some(end)) = (
        NaiveDate::from_epoch_days(x_min as i32),
        NaiveDate::from_epoch_days(x_max as i32),
    ) else {
        return Vec::new();
    };
    let months = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32 + 1;
    let every = ((months + most - 1) / most.max(1)).max(1) as u32;
    let mut ticks = Vec::new();
    let mut current = NaiveDate::from_ymd_opt(start.year(), start.month(), 1).unwrap_or(start);
    while current <= end && ticks.len() < 13 {
        if current >= start {
            ticks.push((day(current), month_label(current)));
        }
        current = current
            .checked_add_months(chrono::Months::new(every))
            .unwrap_or(end + chrono::Duration::days(1));
    }
    ticks
}

/// A sparkline: the actual values as a small line, and where the target sits.
#[derive(Debug, Clone)]
pub struct Sparkline {
    pub width: Tenths,
    pub height: Tenths,
    /// Polyline points of the values.
    pub path: String,
    /// The last point, marked.
    pub last: Option<(Tenths, Tenths)>,
    /// The y of the target line, when it falls inside the drawing.
    pub target_y: Tenths,
}

/// Lays out a sparkline of values (oldest first) against a target.
pub fn sparkline(values: &[f64], target: f64) -> Sparkline {
    let (width, height, pad) = (120.0, 32.0, 3.0);
    let lo = values.iter().copied().fold(target, f64::min);
    let hi = values.iter().copied().fold(target, f64::max);
    let span = if (hi - lo).abs() < f64::EPSILON {
        1.0
    } else {
        hi - lo
    };
    let y = |v: f64| round(height - pad - (v - lo) / span * (height - 2.0 * pad));
    let step = if values.len() > 1 {
        (width - 2.0 * pad) / (values.len() - 1) as f64
    } else {
        0.0
    };
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (round(pad + step * i as f64), y(*v)))
        .collect();
    Sparkline {
        width: Tenths(width),
        height: Tenths(height),
        path: points_path(&points),
        last: points.last().map(|&(x, y)| (Tenths(x), Tenths(y))),
        target_y: Tenths(y(target)),
    }
}

/// An SVG `points` list: "x,y x,y …", written into one string.
fn points_path(points: &[(f64, f64)]) -> String {
    let mut path = String::with_capacity(points.len() * 12);
    for (i, (x, y)) in points.iter().enumerate() {
        if i > 0 {
            path.push(' ');
        }
        // (Writing to a `String` cannot fail.)
        let _ = write_tenths(&mut path, *x);
        path.push(',');
        let _ = write_tenths(&mut path, *y);
    }
    path
}

/// A coordinate in a drawing, written rounded to a tenth exactly as `{}`
/// writes a value [`round`] left ("12.3", "12", "-0") but from its digits:
/// the float formatter was a tenth of a dashboard's time, for the few
/// hundred coordinates of a view. Templates add and subtract offsets
/// (`x - 3.0`) as with a float.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Tenths(pub f64);

impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_tenths(f, self.0)
    }
}

// By value and by reference: a template reaches a coordinate either way.
impl std::ops::Add<f64> for Tenths {
    type Output = Tenths;
    fn add(self, offset: f64) -> Tenths {
        Tenths(self.0 + offset)
    }
}

impl std::ops::Sub<f64> for Tenths {
    type Output = Tenths;
    fn sub(self, offset: f64) -> Tenths {
        Tenths(self.0 - offset)
    }
}

impl std::ops::Add<f64> for &Tenths {
    type Output = Tenths;
    fn add(self, offset: f64) -> Tenths {
        *self + offset
    }
}

impl std::ops::Sub<f64> for &Tenths {
    type Output = Tenths;
    fn sub(self, offset: f64) -> Tenths {
        *self - offset
    }
}

/// Writes `value` rounded to a tenth, as [`Tenths`] shows it.
fn write_tenths(out: &mut impl fmt::Write, value: f64) -> fmt::Result {
    let tenths = (value * 10.0).round();
    if !tenths.is_finite() || tenths.abs() >= 1e15 {
        return write!(out, "{value}");
    }
    // (`as` is exact here: an integral value below 10^15.)
    let tenths = (tenths as i64).unsigned_abs();
    // Written right to left: the tenth, the point, the units up, the sign.
    let mut text = [b'0'; 24];
    let mut at = text.len();
    if !tenths.is_multiple_of(10) {
        at -= 2;
        text[at] = b'.';
        text[at + 1] = b'0' + (tenths % 10) as u8;
    }
    let mut rest = tenths / 10;
    loop {
        at -= 1;
        text[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value.is_sign_negative() {
        at -= 1;
        text[at] = b'-';
    }
    // Digits, a point and a sign: always ASCII.
    out.write_str(std::str::from_utf8(&text[at..]).unwrap_or_default())
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// A date label for an axis, "Mar 2026".
fn month_label(date: NaiveDate) -> String {
    use chrono::Datelike;
    let month = super::dates::month_name(date.month());
    format!("{} {}", month.get(..3).unwrap_or(month), date.year())
}

/// A value label for an axis: thousands as "k", millions as "M".
pub fn short_number(value: f64) -> String {
    let abs = value.abs();
    if abs >= 1_000_000.0 {
        format!("{}M", format_number(value / 1_000_000.0))
    } else if abs >= 10_000.0 {
        format!("{}k", format_number(value / 1_000.0))
    } else {
        format_number(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn coordinates_are_written_as_the_float_formatter_writes_them() {
        let mut value = -2000.0;
        while value < 2000.0 {
            for v in [round(value), round(value * 37.3), round(value / 7.0)] {
                assert_eq!(Tenths(v).to_string(), format!("{v}"), "for {v:?}");
            }
            value += 0.37;
        }
        for v in [0.0, -0.0, 0.1, -0.1, 99.9, 1e14, f64::NAN, f64::INFINITY] {
            assert_eq!(Tenths(v).to_string(), format!("{v}"), "for {v:?}");
        }
    }

    #[test]
    fn ticks_are_round_numbers_covering_the_range() {
        assert_eq!(nice_ticks(0.0, 70.0, 5), vec![0.0, 20.0, 40.0, 60.0, 80.0]);
        assert_eq!(
            nice_ticks(1.6, 4.1, 5),
            vec![1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5]
        );
        assert!(
            nice_ticks(5.0, 5.0, 5).len() >= 2,
            "a flat series still gets an axis"
        );
        assert!(nice_ticks(f64::NAN, 1.0, 5).is_empty());
    }

    #[test]
    fn series_land_inside_the_plot_area() {
        let chart = line_chart(
            &[
                SeriesSpec {
                    name: "Actual".into(),
                    stroke: Stroke::Actual,
                    points: vec![(d(2026, 1, 5), 10.0), (d(2026, 6, 1), 40.0)],
                },
                SeriesSpec {
                    name: "Target".into(),
                    stroke: Stroke::Target,
                    points: vec![(d(2026, 1, 1), 70.0), (d(2026, 12, 31), 70.0)],
                },
            ],
            &[(d(2026, 3, 31), "ExCo".into())],
            short_number,
        );
        assert_eq!(chart.series.len(), 2);
        assert_eq!(chart.series[0].markers.len(), 2);
        assert!(chart.series[1].markers.is_empty());
        for (x, y) in &chart.series[0].markers {
            assert!((chart.left..=chart.right).contains(x));
            assert!((chart.top..=chart.bottom).contains(y));
        }
        // The target (the highest value) is drawn at the top of its range.
        let target_y: f64 = chart.series[1]
            .path
            .split([',', ' '])
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        assert!(target_y < chart.series[0].markers[1].1.0);
        assert_eq!(chart.verticals.len(), 1);
        assert!(!chart.x_ticks.is_empty() && chart.x_ticks.len() <= 13);
    }

    #[test]
    fn sparklines_scale_to_their_box() {
        let spark = sparkline(&[1.0, 2.0, 3.0], 3.0);
        assert_eq!(spark.path, "3,29 60,16 117,3");
        assert_eq!(spark.last, Some((Tenths(117.0), Tenths(3.0))));
        assert_eq!(spark.last.unwrap().0.to_string(), "117");
        let flat = sparkline(&[5.0], 5.0);
        assert!(flat.last.is_some());
    }

    #[test]
    fn axis_dates_are_named_as_chrono_names_them() {
        for month in 1..=12 {
            let date = d(2026, month, 1);
            assert_eq!(month_label(date), date.format("%b %Y").to_string());
        }
    }

    #[test]
    fn axis_numbers_are_short() {
        assert_eq!(short_number(2_500_000.0), "2.5M");
        assert_eq!(short_number(45_000.0), "45k");
        assert_eq!(short_number(1.6), "1.6");
    }
}
