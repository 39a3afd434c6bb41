//! The weights in two forms: `weights.tsv`, the text that `scripts/train`
//! writes and reviewers read, and a binary image of it that the binary reads
//! in place, so start-up parses no floats.
//!
//! This file is compiled twice: into the library (the text parser for tests
//! and the trainer, the reader of the image) and into `build.rs` (which turns
//! the text into the image at every build, so the image cannot go stale when
//! the model is retrained). It therefore uses nothing but `std`.
//!
//! Image layout, little-endian:
//! ```text
//! magic "AHWB0002" | feature_hash u64 | corpus_hash u64 | examples u64 |
//! threshold f64 | classes u32 | rows u32 | wide u32 |
//! intercept f32 x classes | buckets u32 x rows |
//! wide weights (index u32, value f32) x wide | weights i16 x classes x rows
//! ```
//! The trainer writes weights with four decimals, so a weight is stored as
//! ten-thousandths in an `i16` (half the bytes of an `f32`: the binary must
//! stay small) when `units / 10000.0` gives back exactly the same `f32`.
//! Any other weight (beyond ±3.2767, or not four decimals) is [`WIDE`] in
//! place and listed with its index and `f32` value, in index order. So the
//! image holds exactly the values of the text.
//!
//! Values are read with `from_le_bytes` straight out of the embedded bytes (a
//! load each on little-endian targets); the crate forbids `unsafe`, so no
//! slice cast.

/// The first bytes of an image; bump the digits when the layout changes.
pub const MAGIC: &[u8; 8] = b"AHWB0002";
/// Bytes before the intercept.
pub const HEADER: usize = 8 + 8 + 8 + 8 + 8 + 4 + 4 + 4;
/// The `i16` of a weight kept in the wide list.
pub const WIDE: i16 = i16::MIN;
/// Stored weights are in these units.
const UNITS: f32 = 10000.0;

/// The `i16` that stores `w` exactly, if one does.
fn narrow(w: f32) -> Option<i16> {
    let units = (w * UNITS).round();
    if !(-32767.0..=32767.0).contains(&units) {
        return None;
    }
    let k = units as i16;
    (widen(k).to_bits() == w.to_bits()).then_some(k)
}

/// The weight an `i16` other than [`WIDE`] stores.
pub fn widen(k: i16) -> f32 {
    f32::from(k) / UNITS
}

/// A weights file as written, before any check against the features code.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub feature_hash: u64,
    pub corpus_hash: u64,
    pub examples: u64,
    pub threshold: f64,
    pub classes: Vec<String>,
    pub intercept: Vec<f32>,
    /// Strictly increasing.
    pub buckets: Vec<u32>,
    /// `classes.len()` weights per bucket, bucket after bucket.
    pub weights: Vec<f32>,
}

/// Parses the text form: `(line number, message)` on error (0: the whole file).
pub fn parse_text(text: &str) -> Result<Parsed, (usize, String)> {
    let mut p = Parsed {
        feature_hash: 0,
        corpus_hash: 0,
        examples: 0,
        threshold: 0.0,
        classes: Vec::new(),
        intercept: Vec::new(),
        buckets: Vec::new(),
        weights: Vec::new(),
    };
    for (i, line) in text.lines().enumerate() {
        let err = |msg: &str| (i + 1, msg.to_string());
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split('\t');
        let key = fields.next().unwrap_or("");
        let rest: Vec<&str> = fields.collect();
        let one = || rest.first().copied().ok_or_else(|| err("missing value"));
        match key {
            "format" => {
                if one()? != "1" {
                    return Err(err("unknown format"));
                }
            }
            "features" => {
                p.feature_hash =
                    u64::from_str_radix(one()?, 16).map_err(|_| err("bad feature hash"))?
            }
            "corpus" => {
                p.corpus_hash =
                    u64::from_str_radix(one()?, 16).map_err(|_| err("bad corpus hash"))?
            }
            "examples" => p.examples = one()?.parse().map_err(|_| err("bad count"))?,
            "threshold" => {
                p.threshold = one()?
                    .parse()
                    .ok()
                    .filter(|t: &f64| t.is_finite())
                    .ok_or_else(|| err("bad threshold"))?
            }
            "classes" => {
                if !p.classes.is_empty() || rest.is_empty() {
                    return Err(err("bad classes line"));
                }
                p.classes = rest.iter().map(|s| s.to_string()).collect();
            }
            "intercept" => {
                p.intercept = row(&rest, p.classes.len()).ok_or_else(|| err("bad intercept"))?
            }
            _ => {
                let b: u32 = key.parse().map_err(|_| err("bad bucket"))?;
                if p.buckets.last().is_some_and(|&l| l >= b) {
                    return Err(err("bucket out of order"));
                }
                let r = row(&rest, p.classes.len()).ok_or_else(|| err("bad row"))?;
                p.buckets.push(b);
                p.weights.extend(r);
            }
        }
    }
    if p.classes.is_empty() {
        return Err((0, "no classes line".into()));
    }
    if p.intercept.len() != p.classes.len() {
        return Err((0, "no intercept line".into()));
    }
    Ok(p)
}

/// One row of finite weights, exactly `n` of them (`n` > 0: after `classes`).
fn row(fields: &[&str], n: usize) -> Option<Vec<f32>> {
    if n == 0 || fields.len() != n {
        return None;
    }
    fields
        .iter()
        .map(|f| f.parse().ok().filter(|v: &f32| v.is_finite()))
        .collect()
}

impl Parsed {
    /// The binary image of the file (the class names are not in it: the
    /// library checks them against its labels when it parses the text, and
    /// `build.rs` does before it writes the image).
    pub fn to_image(&self) -> Vec<u8> {
        let n = self.classes.len();
        let narrowed: Vec<Option<i16>> = self.weights.iter().map(|&w| narrow(w)).collect();
        let wide: Vec<(u32, f32)> = narrowed
            .iter()
            .zip(&self.weights)
            .enumerate()
            .filter(|(_, (k, _))| k.is_none())
            .map(|(i, (_, &w))| (i as u32, w))
            .collect();
        let mut out = Vec::with_capacity(
            HEADER + 4 * (n + self.buckets.len()) + 8 * wide.len() + 2 * self.weights.len(),
        );
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.feature_hash.to_le_bytes());
        out.extend_from_slice(&self.corpus_hash.to_le_bytes());
        out.extend_from_slice(&self.examples.to_le_bytes());
        out.extend_from_slice(&self.threshold.to_le_bytes());
        out.extend_from_slice(&(n as u32).to_le_bytes());
        out.extend_from_slice(&(self.buckets.len() as u32).to_le_bytes());
        out.extend_from_slice(&(wide.len() as u32).to_le_bytes());
        for w in &self.intercept {
            out.extend_from_slice(&w.to_le_bytes());
        }
        for b in &self.buckets {
            out.extend_from_slice(&b.to_le_bytes());
        }
        for (i, w) in &wide {
            out.extend_from_slice(&i.to_le_bytes());
            out.extend_from_slice(&w.to_le_bytes());
        }
        for k in &narrowed {
            out.extend_from_slice(&k.unwrap_or(WIDE).to_le_bytes());
        }
        out
    }
}

/// The header of an image whose length agrees with its counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageHeader {
    pub feature_hash: u64,
    pub corpus_hash: u64,
    pub examples: u64,
    pub threshold: f64,
    pub classes: usize,
    pub rows: usize,
    /// Entries of the wide list.
    pub wide: usize,
}

/// Reads and checks an image's header; `None` if it is not one.
pub fn image_header(img: &[u8]) -> Option<ImageHeader> {
    if img.get(..8)? != MAGIC {
        return None;
    }
    let h = ImageHeader {
        feature_hash: u64_at(img, 8)?,
        corpus_hash: u64_at(img, 16)?,
        examples: u64_at(img, 24)?,
        threshold: f64::from_bits(u64_at(img, 32)?),
        classes: u32_at(img, 40)? as usize,
        rows: u32_at(img, 44)? as usize,
        wide: u32_at(img, 48)? as usize,
    };
    let weights = h.rows.checked_mul(h.classes)?;
    let len = h
        .rows
        .checked_add(h.classes)?
        .checked_mul(4)?
        .checked_add(h.wide.checked_mul(8)?)?
        .checked_add(weights.checked_mul(2)?)?
        .checked_add(HEADER)?;
    (img.len() == len && h.wide <= weights).then_some(h)
}

pub fn u32_at(img: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        img.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

pub fn u64_at(img: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        img.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

pub fn f32_at(img: &[u8], at: usize) -> Option<f32> {
    u32_at(img, at).map(f32::from_bits)
}

pub fn i16_at(img: &[u8], at: usize) -> Option<i16> {
    Some(i16::from_le_bytes(
        img.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}
