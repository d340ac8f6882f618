//! The timeline as a picture: a bar per request, coloured by outcome, in
//! its lane; the in-flight count as a step line under the bars; a time
//! axis; the ideal schedule as a second panel on the same time scale.

use std::fmt::Write;
use std::time::Duration;

use crate::{Outcome, Timeline};

const WIDTH: f64 = 800.0;
/// Room on the left for the lane numbers.
const LEFT: f64 = 40.0;
const PLOT: f64 = WIDTH - LEFT - 20.0;
/// A lane's height, and the gap between lanes, up to [`ROOM`] lanes; more
/// lanes share the height of that many, so that 256 lanes stay on a page.
const LANE: f64 = 12.0;
const GAP: f64 = 2.0;
const ROOM: usize = 32;
/// The in-flight chart's height.
const BUSY: f64 = 50.0;

/// A bar's colour.
fn colour(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Ok => "#3a923a",
        Outcome::NotFound => "#a9a9a9",
        Outcome::Error => "#d62728",
        Outcome::Stall => "#ff7f0e",
        Outcome::Retried => "#9467bd",
    }
}

/// `&`, `<`, `>` and `"` escaped, for text and attributes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Draws `actual`, and `ideal` under it on the same time scale if given, as
/// a standalone SVG document. Each request is one `<rect class="bar">`,
/// with a `<title>` a browser shows on hover; the panels are the groups
/// `#actual` and `#ideal`.
pub fn svg(actual: &Timeline, ideal: Option<&Timeline>) -> String {
    let mut panels = vec![("actual", actual)];
    panels.extend(ideal.map(|ideal| ("ideal", ideal)));
    document(&panels)
}

/// Draws an ideal schedule alone, as the panel `#ideal`: the book's
/// pictures of what a concurrency allows, where there is no run to show.
pub fn ideal_svg(ideal: &Timeline) -> String {
    document(&[("ideal", ideal)])
}

/// The legend, then each named panel under the one before, all on one
/// time scale.
fn document(panels: &[(&str, &Timeline)]) -> String {
    let scale = (panels.iter().map(|(_, timeline)| timeline.end()))
        .max()
        .unwrap_or_default();
    // One height for every in-flight chart, so that 8 against 20 shows.
    let peak = (panels.iter().map(|(_, timeline)| timeline.peak()))
        .max()
        .unwrap_or_default();
    let mut body = String::new();
    let mut y = legend(&mut body);
    for (name, timeline) in panels {
        y = panel(&mut body, name, timeline, (scale, peak), y);
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{y}\" \
         viewBox=\"0 0 {WIDTH} {y}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{body}</svg>\n"
    )
}

/// A swatch and a name per outcome, then the in-flight line's; returns
/// the height used.
fn legend(out: &mut String) -> f64 {
    out.push_str("<g id=\"legend\">\n");
    let mut x = LEFT;
    for outcome in Outcome::ALL {
        let _ = writeln!(
            out,
            "<rect class=\"swatch\" x=\"{x}\" y=\"8\" width=\"10\" height=\"10\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"17\">{}</text>",
            colour(outcome),
            x + 14.0,
            outcome.name()
        );
        x += 70.0;
    }
    let _ = writeln!(
        out,
        "<line x1=\"{x}\" y1=\"13\" x2=\"{}\" y2=\"13\" stroke=\"black\"/>\
         <text x=\"{}\" y=\"17\">in flight</text>\n</g>",
        x + 10.0,
        x + 14.0
    );
    26.0
}

/// One timeline from `top`: a title, the lanes, the in-flight chart (as
/// tall as `peak` in flight) and the time axis, `scale` wide. Returns where
/// the next thing may start.
fn panel(
    out: &mut String,
    name: &str,
    timeline: &Timeline,
    (scale, peak): (Duration, usize),
    top: f64,
) -> f64 {
    let x = |t: Duration| LEFT + PLOT * t.as_secs_f64() / scale.as_secs_f64().max(1e-9);
    let _ = writeln!(
        out,
        "<g id=\"{name}\">\n<text x=\"{LEFT}\" y=\"{}\" font-weight=\"bold\">{name}: {}</text>",
        top + 14.0,
        escape(&timeline.summary())
    );
    let lanes_top = top + 22.0;
    let lanes = timeline.lane_count();
    let pitch = (LANE + GAP) * (ROOM as f64 / lanes.max(ROOM) as f64);
    let (lane_h, label_h) = (pitch * LANE / (LANE + GAP), 9.0);
    let lane_y = |lane: usize| lanes_top + lane as f64 * pitch;
    // Every lane numbered while the numbers fit, else every `step`-th.
    let step = (label_h / pitch).ceil().max(1.0) as usize;
    for lane in (0..lanes).filter(|lane| lane % step == 0) {
        let _ = writeln!(
            out,
            "<text class=\"lane\" x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"9\">{}</text>",
            LEFT - 4.0,
            lane_y(lane) + lane_h.max(label_h) - 2.0,
            lane + 1
        );
    }
    // A thin white edge parts the bars of a lane, while the lanes are tall
    // enough to spare it.
    let edge = if lane_h >= LANE / 2.0 { 0.5 } else { 0.0 };
    for (request, &lane) in timeline.requests.iter().zip(&timeline.lanes) {
        let (x0, x1) = (x(request.start), x(request.end));
        let _ = writeln!(
            out,
            "<rect class=\"bar\" x=\"{x0:.2}\" y=\"{}\" width=\"{:.2}\" height=\"{lane_h:.2}\" \
             fill=\"{}\" stroke=\"white\" stroke-width=\"{edge}\"><title>{}: {:.3}s to {:.3}s, {}</title></rect>",
            lane_y(lane),
            (x1 - x0).max(1.0),
            colour(request.outcome),
            escape(&request.label),
            request.start.as_secs_f64(),
            request.end.as_secs_f64(),
            request.outcome.name()
        );
        // Its name inside, where it fits: `bd` of `bd/bd.gif`, `loiter(3)`.
        let name = request.label.split('/').next().unwrap_or_default();
        if lane_h >= LANE && x1 - x0 >= 5.5 * name.chars().count() as f64 + 4.0 {
            // Dark on the light grey of a 404, white on the rest.
            let ink = match request.outcome {
                Outcome::NotFound => "black",
                _ => "white",
            };
            let _ = writeln!(
                out,
                "<text class=\"label\" x=\"{:.2}\" y=\"{}\" text-anchor=\"middle\" \
                 font-size=\"9\" fill=\"{ink}\">{}</text>",
                (x0 + x1) / 2.0,
                lane_y(lane) + LANE - 3.0,
                escape(name)
            );
        }
    }
    // The in-flight count: a step line, its peak at the top of the chart.
    let busy_top = lane_y(lanes) + 6.0;
    let base = busy_top + BUSY;
    let full = peak.max(1);
    let height = |n: usize| base - BUSY * n as f64 / full as f64;
    let mut points = Vec::new();
    let mut level = base;
    for (at, n) in timeline.in_flight() {
        points.push(format!("{:.2},{level:.2}", x(at)));
        level = height(n);
        points.push(format!("{:.2},{level:.2}", x(at)));
    }
    points.push(format!("{:.2},{base:.2}", x(scale)));
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"9\">{full}</text>\
         <text x=\"{}\" y=\"{base}\" text-anchor=\"end\" font-size=\"9\">0</text>\n\
         <polyline class=\"in-flight\" points=\"{}\" fill=\"#e8e8e8\" stroke=\"black\"/>",
        LEFT - 4.0,
        busy_top + 8.0,
        LEFT - 4.0,
        points.join(" ")
    );
    let bottom = axis(out, scale, base, &x);
    out.push_str("</g>\n");
    bottom
}

/// The time axis at `y`, with ticks 1, 2 or 5 × 10ⁿ seconds apart (at most
/// ten); returns where the next thing may start.
fn axis(out: &mut String, scale: Duration, y: f64, x: &impl Fn(Duration) -> f64) -> f64 {
    let _ = writeln!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"black\"/>",
        LEFT + PLOT
    );
    let seconds = scale.as_secs_f64().max(1e-3);
    let magnitude = 10f64.powf((seconds / 10.0).log10().ceil());
    let step = [0.1, 0.2, 0.5, 1.0]
        .into_iter()
        .map(|f| f * magnitude)
        .find(|step| seconds / step <= 10.0)
        .unwrap_or(magnitude);
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let mut tick = 0.0;
    while tick <= seconds + step * 1e-6 {
        let at = x(Duration::from_secs_f64(tick));
        let _ = writeln!(
            out,
            "<line x1=\"{at:.2}\" y1=\"{y}\" x2=\"{at:.2}\" y2=\"{}\" stroke=\"black\"/>\
             <text x=\"{at:.2}\" y=\"{}\" text-anchor=\"middle\">{tick:.decimals$}s</text>",
            y + 4.0,
            y + 16.0
        );
        tick += step;
    }
    y + 28.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request;

    fn bars<'a>(doc: &'a roxmltree::Document, panel: &str) -> Vec<roxmltree::Node<'a, 'a>> {
        let panel = (doc.descendants())
            .find(|n| n.attribute("id") == Some(panel))
            .unwrap_or_else(|| panic!("no #{panel}"));
        (panel.descendants())
            .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some("bar"))
            .collect()
    }

    #[test]
    fn the_svg_parses_with_one_bar_per_request() {
        let actual = Timeline::new(vec![
            request("bd/bd.gif", 0, 100, Outcome::Ok),
            request("<&\">", 20, 60, Outcome::NotFound),
            request("cn/cn.gif", 100, 200, Outcome::Error),
            request("de/de.gif", 120, 160, Outcome::Stall),
            request("cn/cn.gif", 160, 200, Outcome::Retried),
        ]);
        let jobs: Vec<_> = (0..7)
            .map(|i| (format!("j{i}"), Duration::from_millis(30), Outcome::Ok))
            .collect();
        let ideal = Timeline::ideal(&jobs, 3);
        let drawn = svg(&actual, Some(&ideal));
        let doc = roxmltree::Document::parse(&drawn).expect("well-formed XML");
        assert!(
            doc.root_element()
                .has_tag_name(("http://www.w3.org/2000/svg", "svg"))
        );
        let shown = bars(&doc, "actual");
        assert_eq!(shown.len(), 5);
        assert_eq!(bars(&doc, "ideal").len(), 7);
        // Coloured by outcome, named on hover, the label escaped.
        let fills: Vec<&str> = shown.iter().filter_map(|b| b.attribute("fill")).collect();
        assert_eq!(fills, Outcome::ALL.map(colour));
        let title = shown[1].first_element_child().and_then(|t| t.text());
        assert_eq!(title, Some("<&\">: 0.020s to 0.060s, 404"));
        // The in-flight line under each panel, a legend swatch per outcome.
        let lines = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("in-flight"));
        assert_eq!(lines.count(), 2);
        let swatches = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("swatch"));
        assert_eq!(swatches.count(), Outcome::ALL.len());
        // Without an ideal, one panel; an empty run still draws.
        let alone = svg(&actual, None);
        let doc = roxmltree::Document::parse(&alone).unwrap();
        assert!(
            !doc.descendants()
                .any(|n| n.attribute("id") == Some("ideal"))
        );
        let empty = svg(&Timeline::default(), None);
        assert!(bars(&roxmltree::Document::parse(&empty).unwrap(), "actual").is_empty());
        // 256 lanes share the height of 32, numbered every few lanes.
        let wide: Vec<_> = (0..256)
            .map(|i| (format!("r{i}"), Duration::from_millis(10), Outcome::Ok))
            .collect();
        let wide = Timeline::ideal(&wide, 256);
        let doc_text = svg(&wide, None);
        let doc = roxmltree::Document::parse(&doc_text).unwrap();
        assert_eq!(bars(&doc, "actual").len(), 256);
        let height: f64 = doc
            .root_element()
            .attribute("height")
            .unwrap()
            .parse()
            .unwrap();
        assert!(height < 600.0, "{height}");
        let numbers = (doc.descendants()).filter(|n| n.attribute("class") == Some("lane"));
        assert!((2..=64).contains(&numbers.count()));
        // An ideal alone is one panel, #ideal.
        let alone = ideal_svg(&ideal);
        let doc = roxmltree::Document::parse(&alone).unwrap();
        assert_eq!(bars(&doc, "ideal").len(), 7);
        assert!(
            !doc.descendants()
                .any(|n| n.attribute("id") == Some("actual"))
        );
    }
}
