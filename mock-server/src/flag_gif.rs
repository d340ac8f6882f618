//! Deterministic stand-in flag images for the mock flag server.
//!
//! The book's examples download 194 small flag GIFs (its `flags.zip`, 2.35 MB in all) from a
//! web site. The mock server must work offline and answer identically on every run, so
//! instead of shipping those pictures it draws a flag-like GIF89a for each country code: a
//! few flat colour bands, a cross, a disc or a striped field with a canton, plus a round,
//! finely grained "emblem" (ring, field and star) in the middle.
//!
//! Everything comes from a hash of the code alone: a 64-bit FNV-1a hash seeds a splitmix64
//! generator, and the drawing uses only integer and basic IEEE-754 arithmetic (no `powf`,
//! `sin` or other platform `libm` calls), so the bytes are the same on every platform.
//!
//! The grain of the emblem is noise, which LZW cannot compress, so its area sets the file
//! size. Each code gets a target size drawn from the same kind of spread as the real flags
//! (about 1.2 KB to 36 KB, median about 10 KB), and the emblem is resized over a few encodes
//! until the GIF lands close to it. That keeps transfer times in the concurrency examples
//! realistic.

use std::borrow::Cow;

use gif::{Encoder, Frame};

use flags_common::hash::{SplitMix64, fnv1a, mix};

/// Smallest target size in bytes: the book's smallest flags are about this big.
const MIN_TARGET: f64 = 1_200.0;
/// Ratio of the largest to the smallest target size (36 KB / 1.2 KB).
const TARGET_SPREAD: f64 = 30.0;
/// Exponent applied to the uniform draw; below 1 it pulls the median up to about 10 KB.
const TARGET_SKEW: f64 = 0.7;

/// Flag width bounds in pixels, so every picture stays a plausible thumbnail.
const MIN_WIDTH: f64 = 120.0;
const MAX_WIDTH: f64 = 400.0;

/// Targets above this get a 3:2 shape, since a 2:1 flag of the widest size may lack the room
/// for an emblem big enough to reach them.
const WIDE_LIMIT: f64 = 20_000.0;

// Size model: bytes = FIXED + FLAT * all pixels + GRAIN * emblem pixels + EDGE * sqrt(emblem
// pixels), fitted by least squares to this generator's output with gif 0.14 (within about
// 10 %). LZW cannot shrink the 5-bit grain, and its 9- to 12-bit codes rarely cover more than
// one or two grain pixels; every emblem row also breaks a flat run, hence the edge term.
/// Header, 128-colour palette, control extension and trailer, plus LZW start-up.
const FIXED_BYTES: f64 = 340.0;
/// Encoded bytes per pixel of flat colour: long runs make it nearly free.
const FLAT_BYTES_PER_PIXEL: f64 = 0.0156;
/// Encoded bytes per emblem (grain) pixel.
const GRAIN_BYTES_PER_PIXEL: f64 = 0.88;
/// Encoded bytes per unit of the emblem's square-root area (its rows break flat runs).
const EDGE_BYTES: f64 = 16.6;
/// Accept a size this close (relative) to the target; the spread matters, not exactness.
const CLOSE_ENOUGH: f64 = 0.08;
/// At most this many encodes per flag, to keep start-up fast.
const MAX_TRIES: usize = 3;

/// Flat colours for bands, crosses and discs (RGB), palette indices `0..`.
const FLAG_COLORS: [[u8; 3]; 12] = [
    [206, 17, 38],   // red
    [255, 255, 255], // white
    [0, 56, 168],    // blue
    [0, 122, 61],    // green
    [252, 209, 22],  // yellow
    [0, 0, 0],       // black
    [117, 170, 219], // sky blue
    [255, 136, 0],   // orange
    [128, 0, 32],    // maroon
    [0, 36, 125],    // navy
    [0, 100, 0],     // dark green
    [239, 51, 64],   // light red
];
/// Palette indices of white and yellow, used for the stars in a canton.
const WHITE: u8 = 1;
const YELLOW: u8 = 4;
/// Gold, the usual colour of an emblem's rim.
const GOLD: [u8; 3] = [212, 175, 55];

/// First palette index of the emblem shades; the flat colours sit below it.
const EMBLEM_BASE: u8 = 16;
/// Shades per emblem colour; 32 shades give 5 bits of noise per pixel.
const SHADES: u8 = 32;
/// Emblem colours: rim, field and star.
const EMBLEM_HUES: u8 = 3;

/// Unit 5-pointed star, point up in image coordinates (y grows downwards); alternate outer
/// and inner vertices. Literal cosines and sines keep the geometry free of `libm`.
const STAR: [(f64, f64); 10] = {
    const C18: f64 = 0.951_056_516_295_153_5;
    const S18: f64 = 0.309_016_994_374_947_4;
    const C54: f64 = 0.587_785_252_292_473_1;
    const S54: f64 = 0.809_016_994_374_947_4;
    // Inner radius of a regular pentagram relative to its outer radius.
    const IN: f64 = 0.381_966_011_250_105_1;
    [
        (0.0, -1.0),
        (C54 * IN, -S54 * IN),
        (C18, -S18),
        (C18 * IN, S18 * IN),
        (C54, S54),
        (0.0, IN),
        (-C54, S54),
        (-C18 * IN, S18 * IN),
        (-C18, -S18),
        (-C54 * IN, -S54 * IN),
    ]
};

/// Returns a GIF89a image (one frame, global palette) that stands in for the flag of `cc`.
///
/// `cc` is meant to be a two-letter upper-case country code such as `"BD"`, but any string
/// works: the picture and its size depend only on the string's bytes, so the same code gives
/// the same bytes on every call, run and platform. The result is between about 1 KB and
/// 40 KB, near a size drawn for the code from the spread of the book's real flags.
pub fn flag_gif(cc: &str) -> Vec<u8> {
    let mut rng = SplitMix64::new(fnv1a(cc.as_bytes()));
    let target = target_size(rng.unit());
    let design = Design::new(&mut rng, target);
    let base = design.draw_base();
    let palette = design.palette();
    let encode = |pixels: &[u8]| encode_gif(design.width, design.height, &palette, pixels);

    // Predict the emblem area from the size model, then correct the model's grain cost from
    // each measurement; usually the first encode is close enough.
    let flat_len = FIXED_BYTES + FLAT_BYTES_PER_PIXEL * base.len() as f64;
    let max_area = design.max_emblem_area();
    let mut grain_scale = 1.0;
    let mut best: Option<Vec<u8>> = None;
    let mut pixels = base.clone();
    for _ in 0..MAX_TRIES {
        let area = emblem_area_for(target - flat_len, grain_scale).min(max_area);
        pixels.copy_from_slice(&base);
        let painted = design.draw_emblem(&mut pixels, area);
        let gif = encode(&pixels);
        let len = gif.len() as f64;
        let is_better = best
            .as_ref()
            .is_none_or(|b| (len - target).abs() < (b.len() as f64 - target).abs());
        if is_better {
            best = Some(gif);
        }
        if (len - target).abs() <= CLOSE_ENOUGH * target || painted == 0 {
            break;
        }
        grain_scale = ((len - flat_len) / emblem_bytes(painted as f64)).clamp(0.25, 4.0);
    }
    // MAX_TRIES >= 1, so `best` is always set; the flat flag is only a formal fallback.
    best.unwrap_or_else(|| encode(&base))
}

/// Model of the encoded bytes of an emblem of `area` pixels (before `grain_scale`).
fn emblem_bytes(area: f64) -> f64 {
    GRAIN_BYTES_PER_PIXEL * area + EDGE_BYTES * area.sqrt()
}

/// Emblem area (pixels) whose modelled cost, times `grain_scale`, is `bytes`.
fn emblem_area_for(bytes: f64, grain_scale: f64) -> f64 {
    if bytes <= 0.0 {
        return 0.0;
    }
    // Solve k s^2 + c s = bytes for s = sqrt(area).
    let (k, c) = (
        GRAIN_BYTES_PER_PIXEL * grain_scale,
        EDGE_BYTES * grain_scale,
    );
    let s = (-c + (c * c + 4.0 * k * bytes).sqrt()) / (2.0 * k);
    s * s
}

/// Target file size for a uniform draw `u` in `[0, 1)`: `1200 * 30^(u^0.7)` bytes.
fn target_size(u: f64) -> f64 {
    let skewed = if u > 0.0 {
        exp(TARGET_SKEW * ln(u))
    } else {
        0.0
    };
    MIN_TARGET * exp(skewed * ln(TARGET_SPREAD))
}

/// Encodes one indexed frame with a global palette into a fresh GIF89a.
fn encode_gif(width: u16, height: u16, palette: &[u8], pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(pixels.len() / 2 + 1024);
    let mut encoder = Encoder::new(&mut out, width, height, palette)
        .expect("writing a header and a palette of at most 256 colours to a Vec cannot fail");
    let frame = Frame {
        width,
        height,
        buffer: Cow::Borrowed(pixels),
        ..Frame::default()
    };
    encoder
        .write_frame(&frame)
        .expect("a frame with width * height pixels encodes into a Vec without error");
    encoder
        .into_inner()
        .expect("writing the trailer to a Vec cannot fail");
    out
}

/// How the flat part of a flag is laid out.
#[derive(Clone, Copy, Debug)]
enum Layout {
    /// Horizontal bands, like Germany (3) or Thailand (5, mirrored colours).
    HorizontalBands(u32),
    /// Three vertical bands, like France.
    VerticalBands,
    /// An off-centre cross, like Sweden.
    NordicCross,
    /// A disc on a plain field, like Bangladesh.
    Disc,
    /// Stripes with a canton of stars, like Malaysia.
    Canton(u32),
    /// Two bands with a triangle at the hoist, like Sudan.
    HoistTriangle,
    /// A diagonal band between two fields, like Tanzania.
    Diagonal,
}

/// Everything drawn for one code, decided from its hash before any pixel is set.
struct Design {
    width: u16,
    height: u16,
    layout: Layout,
    /// Flat colours, as indices into [`FLAG_COLORS`].
    colors: [u8; 3],
    /// Emblem rim, field and star colours (RGB).
    emblem: [[u8; 3]; EMBLEM_HUES as usize],
    /// Emblem centre in pixels.
    center: (f64, f64),
    /// Seed of the per-pixel grain, so the grain stays put as the emblem grows.
    grain_seed: u64,
}

impl Design {
    fn new(rng: &mut SplitMix64, target: f64) -> Self {
        let layout = match rng.below(8) {
            0 => Layout::HorizontalBands(3),
            1 => Layout::HorizontalBands(2 + rng.below(4) as u32),
            2 => Layout::VerticalBands,
            3 => Layout::NordicCross,
            4 => Layout::Disc,
            5 => Layout::Canton(5 + 2 * rng.below(5) as u32),
            6 => Layout::HoistTriangle,
            _ => Layout::Diagonal,
        };
        let colors = pick_distinct(rng);
        // The emblem field and star take flat colours different from each other.
        let [field, star, _] = pick_distinct(rng);
        let emblem = [
            GOLD,
            FLAG_COLORS[usize::from(field)],
            FLAG_COLORS[usize::from(star)],
        ];

        // Size the flag so the emblem needed for the target fills a fair share of it.
        let (aspect_w, aspect_h) = if target > WIDE_LIMIT || rng.below(3) > 0 {
            (3.0, 2.0)
        } else {
            (2.0, 1.0)
        };
        let emblem_area = emblem_area_for(target - FIXED_BYTES, 1.0);
        let share = 0.2 + 0.15 * rng.unit();
        let width = (emblem_area / share * aspect_w / aspect_h)
            .sqrt()
            .clamp(MIN_WIDTH, MAX_WIDTH)
            .round();
        let height = (width * aspect_h / aspect_w).round();
        let center = match layout {
            // A disc sits a little towards the hoist, and the emblem sits on it.
            Layout::Disc => ((width * 0.45).round(), (height / 2.0).round()),
            _ => ((width / 2.0).round(), (height / 2.0).round()),
        };
        Self {
            // The width is clamped to 120..=400 above and the height is smaller: both fit u16.
            width: width as u16,
            height: height as u16,
            layout,
            colors,
            emblem,
            center,
            grain_seed: rng.next_u64(),
        }
    }

    /// Global palette: the flat colours, then `SHADES` shades of each emblem colour.
    fn palette(&self) -> Vec<u8> {
        let mut palette = vec![0u8; usize::from(EMBLEM_BASE) * 3];
        for (slot, rgb) in palette.chunks_exact_mut(3).zip(FLAG_COLORS.iter()) {
            slot.copy_from_slice(rgb);
        }
        for rgb in &self.emblem {
            for shade in 0..SHADES {
                // Shades span 60 %..100 % brightness: visible grain, but the hue still reads.
                let top = u16::from(SHADES) - 1;
                let scale = 3 * top + 2 * u16::from(shade);
                let denominator = 5 * top;
                palette.extend(
                    rgb.iter().map(|&c| {
                        u8::try_from(u16::from(c) * scale / denominator).unwrap_or(u8::MAX)
                    }),
                );
            }
        }
        palette
    }

    /// Draws the flat bands, cross, disc or canton, without the emblem.
    fn draw_base(&self) -> Vec<u8> {
        let (w, h) = (u32::from(self.width), u32::from(self.height));
        let [a, b, c] = self.colors;
        let mut pixels = Vec::with_capacity((w * h) as usize);
        for y in 0..h {
            for x in 0..w {
                let index = match self.layout {
                    Layout::HorizontalBands(n) => {
                        // Four or more bands mirror around the middle, like Thailand.
                        let band = y * n / h;
                        let band = if n >= 4 { band.min(n - 1 - band) } else { band };
                        [a, b, c][(band % 3) as usize]
                    }
                    Layout::VerticalBands => [a, b, c][(x * 3 / w) as usize],
                    Layout::NordicCross => {
                        let bar = h / 5;
                        let cross_x = h / 2 + bar / 2;
                        let in_bar =
                            |v: u32, mid: u32, half: u32| v + half >= mid && v < mid + half;
                        if in_bar(x, cross_x, bar / 2) || in_bar(y, h / 2, bar / 2) {
                            c
                        } else if in_bar(x, cross_x, bar) || in_bar(y, h / 2, bar) {
                            b
                        } else {
                            a
                        }
                    }
                    Layout::Disc => {
                        let (dx, dy) = (f64::from(x) - self.center.0, f64::from(y) - self.center.1);
                        let r = 0.3 * f64::from(h);
                        if dx * dx + dy * dy <= r * r { a } else { b }
                    }
                    Layout::Canton(n) => {
                        let canton_h = h * (n / 2 + 1) / n;
                        let canton_w = w * 2 / 5;
                        if x < canton_w && y < canton_h {
                            self.canton_star(x, y, canton_w, canton_h).unwrap_or(c)
                        } else if (y * n / h) % 2 == 0 {
                            a
                        } else {
                            b
                        }
                    }
                    Layout::HoistTriangle => {
                        let from_middle = (2 * y).abs_diff(h);
                        // The triangle reaches a third of the way across.
                        if 3 * x * h < w * (h - from_middle) {
                            c
                        } else if y < h / 2 {
                            a
                        } else {
                            b
                        }
                    }
                    Layout::Diagonal => {
                        // Signed distance (scaled) from the bottom-left to top-right diagonal.
                        let side = i64::from(x) * i64::from(h) + i64::from(y) * i64::from(w)
                            - i64::from(w) * i64::from(h);
                        if side.unsigned_abs() * 8 < u64::from(w) * u64::from(h) {
                            c
                        } else if side < 0 {
                            a
                        } else {
                            b
                        }
                    }
                };
                pixels.push(index);
            }
        }
        pixels
    }

    /// Star colour at `(x, y)` if a star of the canton's 3 by 2 grid covers it.
    fn canton_star(&self, x: u32, y: u32, canton_w: u32, canton_h: u32) -> Option<u8> {
        let (cell_w, cell_h) = (f64::from(canton_w) / 3.0, f64::from(canton_h) / 2.0);
        let (fx, fy) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
        let col = (fx / cell_w).floor();
        let row = (fy / cell_h).floor();
        let radius = 0.4 * cell_w.min(cell_h);
        let u = (fx - (col + 0.5) * cell_w) / radius;
        let v = (fy - (row + 0.5) * cell_h) / radius;
        // White stars, unless the canton itself is white.
        let star = if self.colors[2] == WHITE {
            YELLOW
        } else {
            WHITE
        };
        in_star(u, v).then_some(star)
    }

    /// Largest emblem area (pixels) that still leaves a margin to the edges.
    fn max_emblem_area(&self) -> f64 {
        let (rx, ry) = self.max_radii();
        std::f64::consts::PI * rx * ry
    }

    /// Largest emblem half-width and half-height around the centre.
    fn max_radii(&self) -> (f64, f64) {
        let (w, h) = (f64::from(self.width), f64::from(self.height));
        let rx = self.center.0.min(w - self.center.0) * 0.92;
        let ry = self.center.1.min(h - self.center.1) * 0.92;
        (rx, ry)
    }

    /// Paints an emblem of about `area` pixels over `pixels`; returns the pixels painted.
    ///
    /// The emblem is round while it fits the flag's height, then widens into an ellipse, so
    /// large targets stay reachable. Its grain is a per-pixel hash of the position, so
    /// growing the emblem only uncovers more of the same grain: size grows smoothly with area.
    fn draw_emblem(&self, pixels: &mut [u8], area: f64) -> usize {
        if area < 1.0 {
            return 0;
        }
        let (max_rx, max_ry) = self.max_radii();
        let mut ry = (area / std::f64::consts::PI).sqrt();
        let mut rx = ry;
        if ry > max_ry {
            ry = max_ry;
            rx = (area / (std::f64::consts::PI * ry)).min(max_rx);
        }
        let (cx, cy) = self.center;
        let w = usize::from(self.width);
        let y_range = pixel_range(cy, ry, self.height);
        let x_range = pixel_range(cx, rx, self.width);
        let mut painted = 0;
        for y in y_range {
            let v = (y as f64 + 0.5 - cy) / ry;
            for x in x_range.clone() {
                let u = (x as f64 + 0.5 - cx) / rx;
                let d2 = u * u + v * v;
                if d2 > 1.0 {
                    continue;
                }
                let hue = if d2 > 0.8 * 0.8 {
                    0
                } else if in_star(u / 0.7, v / 0.7) {
                    2
                } else {
                    1
                };
                let grain = (mix(self.grain_seed ^ (((y as u64) << 32) | x as u64)) >> 59) as u8;
                pixels[y * w + x] = EMBLEM_BASE + hue * SHADES + grain;
                painted += 1;
            }
        }
        painted
    }
}

/// Pixel indices whose centres may lie within `radius` of `center`, clipped to `0..len`.
fn pixel_range(center: f64, radius: f64, len: u16) -> std::ops::Range<usize> {
    // Both ends are clamped to 0..=len before the conversion, so nothing is truncated.
    let start = (center - radius).floor().clamp(0.0, f64::from(len)) as usize;
    let end = (center + radius).ceil().clamp(0.0, f64::from(len)) as usize;
    start..end
}

/// Whether `(u, v)` lies inside the unit star [`STAR`] (even-odd crossing test).
fn in_star(u: f64, v: f64) -> bool {
    if u * u + v * v > 1.0 {
        return false;
    }
    // Each edge pairs a vertex with the one before it, the first with the last.
    let previous = STAR.iter().cycle().skip(STAR.len() - 1);
    let mut inside = false;
    for (&(xi, yi), &(xj, yj)) in STAR.iter().zip(previous) {
        if (yi > v) != (yj > v) && u < (xj - xi) * (v - yi) / (yj - yi) + xi {
            inside = !inside;
        }
    }
    inside
}

/// Three distinct indices into [`FLAG_COLORS`].
fn pick_distinct(rng: &mut SplitMix64) -> [u8; 3] {
    let n = FLAG_COLORS.len() as u64;
    let first = rng.below(n);
    let second = (first + 1 + rng.below(n - 1)) % n;
    let mut third = rng.below(n);
    while third == first || third == second {
        third = (third + 1) % n;
    }
    // All three are below FLAG_COLORS.len() (12), so they fit in u8.
    [first as u8, second as u8, third as u8]
}

/// Natural logarithm of `x > 0` from basic arithmetic only, so it rounds alike everywhere.
fn ln(x: f64) -> f64 {
    // Split x = m * 2^e with m in [sqrt(1/2), sqrt(2)), then ln m = 2 atanh((m - 1) / (m + 1)).
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023 << 52));
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    let z = (m - 1.0) / (m + 1.0);
    let z2 = z * z;
    let mut term = z;
    let mut sum = 0.0;
    for k in 0..20 {
        sum += term / f64::from(2 * k + 1);
        term *= z2;
    }
    e as f64 * std::f64::consts::LN_2 + 2.0 * sum
}

/// `e^x` for moderate `x` from basic arithmetic only, so it rounds alike everywhere.
fn exp(x: f64) -> f64 {
    // e^x = 2^k * e^r with |r| <= ln(2) / 2, and a Taylor series for e^r.
    let k = (x / std::f64::consts::LN_2).round();
    let r = x - k * std::f64::consts::LN_2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..20 {
        term *= r / f64::from(n);
        sum += term;
    }
    // The callers keep |k| small, so 2^k is a normal number.
    sum * f64::from_bits(((k as i64 + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;

    /// Every code's GIF, generated once and shared by the tests to keep debug runs quick.
    fn all_flags() -> &'static [(&'static str, Vec<u8>)] {
        static FLAGS: OnceLock<Vec<(&'static str, Vec<u8>)>> = OnceLock::new();
        FLAGS.get_or_init(|| {
            flags_common::ALL_CC
                .iter()
                .map(|&cc| (cc, flag_gif(cc)))
                .collect()
        })
    }

    /// Decodes `bytes`, checks it holds exactly one full frame, returns its width and height.
    fn decode_single_frame(cc: &str, bytes: &[u8]) -> (u16, u16) {
        let mut options = gif::DecodeOptions::new();
        options.set_color_output(gif::ColorOutput::Indexed);
        let mut decoder = options.read_info(bytes).expect("a valid GIF header");
        let (width, height) = (decoder.width(), decoder.height());
        let frame = decoder
            .read_next_frame()
            .expect("a valid frame")
            .expect("at least one frame");
        assert_eq!((frame.width, frame.height), (width, height), "{cc}");
        assert_eq!(
            frame.buffer.len(),
            usize::from(width) * usize::from(height),
            "{cc}"
        );
        let next = decoder.read_next_frame().expect("a valid trailer");
        assert!(next.is_none(), "{cc}: more than one frame");
        (width, height)
    }

    #[test]
    fn every_flag_is_one_full_frame_of_a_gif89a() {
        for (cc, bytes) in all_flags() {
            assert!(bytes.starts_with(b"GIF89a"), "{cc}: not GIF89a");
            let (width, height) = decode_single_frame(cc, bytes);
            assert!((120..=400).contains(&width), "{cc}: width {width}");
            assert!(width > height, "{cc}: {width}x{height} is not flag-shaped");
        }
    }

    #[test]
    fn sizes_resemble_the_books_flags() {
        let mut sizes: Vec<usize> = all_flags().iter().map(|(_, bytes)| bytes.len()).collect();
        for ((cc, _), size) in all_flags().iter().zip(&sizes) {
            assert!((1_000..=40_000).contains(size), "{cc}: {size} bytes");
        }
        sizes.sort_unstable();
        let median = (sizes[96] + sizes[97]) / 2;
        assert!((8_000..=12_000).contains(&median), "median {median} bytes");
    }

    #[test]
    fn same_code_gives_same_bytes() {
        for (cc, bytes) in all_flags() {
            assert!(flag_gif(cc) == *bytes, "{cc}: second call differs");
        }
    }

    #[test]
    fn different_codes_give_different_bytes() {
        let mut distinct: Vec<&Vec<u8>> = all_flags().iter().map(|(_, bytes)| bytes).collect();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), flags_common::ALL_CC.len());
    }

    #[test]
    fn own_ln_and_exp_match_std() {
        for x in [1e-12, 0.001, 0.3, 0.5, 1.0, 2.0, 30.0, 1e6] {
            assert!((ln(x) - x.ln()).abs() < 1e-12, "ln {x}");
        }
        for x in [-20.0, -1.0, 0.0, 0.5, 3.4, 20.0] {
            let relative = (exp(x) - x.exp()).abs() / x.exp();
            assert!(relative < 1e-12, "exp {x}");
        }
    }

    #[test]
    fn targets_span_the_books_range() {
        assert!((target_size(0.0) - 1_200.0).abs() < 1e-6);
        assert!((target_size(1.0) - 36_000.0).abs() < 1e-6);
        // The median draw, 0.5, gives about 9.8 KB.
        let median = target_size(0.5);
        assert!((9_000.0..10_500.0).contains(&median), "{median}");
    }
}
