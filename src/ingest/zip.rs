//! Zip archives: GitHub run-log archives and artifact archives, read in
//! memory and never extracted.
//!
//! An archive is attacker-controlled, so it is parsed here from its raw bytes
//! rather than trusted to a general reader: the end-of-central-directory
//! record (and its ZIP64 form) gives the entry count, checked before anything
//! else; every central entry is parsed, then checked (local path, symlink,
//! duplicate, method, its local header agreeing with it, the
//! `[local header, data end)` spans disjoint and before the central
//! directory). Only then is any entry decompressed, one at a time, through a
//! guard that stops at the per-entry cap plus one byte, counts the archive's
//! total, stops a ratio no DEFLATE stream can reach, and compares the size
//! and CRC with what the central directory declared when the entry ends.
//! Declared sizes are only ever compared, never used to allocate.
//!
//! Layout: a run-log archive has `N_<job>.txt` at the top and
//! `<job>/N_<step>.txt` below; anything else is an artifact archive (logs,
//! JUnit XML, pytest-json-report; one level of nested zip).

use std::collections::{BTreeMap, HashSet};
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek, SeekFrom};

use flate2::read::DeflateDecoder;

use super::scan::{self, Options};
use super::{
    IngestError, JobLog, LogBundle, MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_ENTRY_NAME, MAX_TOTAL_BYTES,
    StepLog, reports,
};
use crate::sanitize::Redactor;

/// The zip local-header signature, which also starts a zip file.
pub(crate) const MAGIC: &[u8; 4] = b"PK\x03\x04";
/// DEFLATE cannot expand more than this; past it the sizes lie.
const MAX_RATIO: u64 = 1032;
/// The ratio is only judged after this much output.
const RATIO_AFTER: u64 = 8 << 20;
/// A JUnit or pytest-json report read whole, at most.
pub(crate) const MAX_REPORT_BYTES: u64 = 16 << 20;

/// Caps for one archive; tests shrink them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub entry: u64,
    pub total: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            entry: MAX_ENTRY_BYTES,
            total: MAX_TOTAL_BYTES,
        }
    }
}

/// One central-directory entry.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    raw: Vec<u8>,
    flags: u16,
    method: u16,
    crc: u32,
    csize: u64,
    size: u64,
    offset: u64,
    external: u32,
    data_start: u64,
}

impl Entry {
    fn is_dir(&self) -> bool {
        self.raw.ends_with(b"/")
    }
}

/// Reads the archive `r` (of `len` bytes) called `name` into `bundle`.
pub(crate) fn read_archive<R: Read + Seek>(
    r: R,
    len: u64,
    name: &str,
    bundle: &mut LogBundle,
) -> Result<(), IngestError> {
    read_archive_with(r, len, name, Limits::default(), bundle)
}

/// [`read_archive`] with other caps.
pub(crate) fn read_archive_with<R: Read + Seek>(
    r: R,
    len: u64,
    name: &str,
    limits: Limits,
    bundle: &mut LogBundle,
) -> Result<(), IngestError> {
    let mut total = 0;
    Archive {
        r,
        name,
        limits,
        total: &mut total,
    }
    .read(len, 0, bundle)
}

struct Archive<'a, R> {
    r: R,
    name: &'a str,
    limits: Limits,
    /// Uncompressed bytes read from this archive and those nested in it.
    total: &'a mut u64,
}

impl<R: Read + Seek> Archive<'_, R> {
    fn read(&mut self, len: u64, depth: u8, bundle: &mut LogBundle) -> Result<(), IngestError> {
        let entries = self.entries(len)?;
        let mut files: Vec<&Entry> = entries.iter().filter(|e| !e.is_dir()).collect();
        files.sort_by(|a, b| a.raw.cmp(&b.raw));
        if depth == 0 && is_run_log(&files) {
            self.run_log(&files, bundle)
        } else {
            self.artifact(&files, depth, bundle)
        }
    }

    /// Parses and checks the central directory and every local header.
    fn entries(&mut self, len: u64) -> Result<Vec<Entry>, IngestError> {
        let eocd = self.eocd(len)?;
        if eocd.count > MAX_ENTRIES as u64 {
            return Err(IngestError::TooManyEntries(
                usize::try_from(eocd.count).unwrap_or(usize::MAX),
            ));
        }
        let cd_end = eocd.cd_offset.checked_add(eocd.cd_size);
        if cd_end.is_none_or(|end| end > eocd.limit) {
            return Err(not_zip("the central directory lies outside the file"));
        }
        self.r
            .seek(SeekFrom::Start(eocd.cd_offset))
            .map_err(damaged)?;
        let mut cd = BufReader::new((&mut self.r).take(eocd.cd_size));
        let mut entries = Vec::new();
        for _ in 0..eocd.count {
            entries.push(central_entry(&mut cd)?);
        }
        drop(cd);

        let mut seen = HashSet::new();
        for e in &entries {
            if !is_local(&e.raw) {
                return Err(IngestError::UnsafePath(e.name.escape_debug().to_string()));
            }
            let mode = e.external >> 16;
            if mode & 0o170000 == 0o120000 {
                return Err(IngestError::Symlink(e.name.escape_debug().to_string()));
            }
            // `a/./b` and `a//b` name the same file as `a/b`.
            let key: Vec<&[u8]> = e
                .raw
                .split(|&c| c == b'/')
                .filter(|p| !p.is_empty() && *p != b".")
                .collect();
            if !seen.insert(key) {
                return Err(IngestError::DuplicateEntry(
                    e.name.escape_debug().to_string(),
                ));
            }
            if e.flags & 1 != 0 {
                return Err(IngestError::UnsupportedMethod {
                    method: "encryption".into(),
                    name: e.name.escape_debug().to_string(),
                });
            }
            if e.method != 0 && e.method != 8 {
                return Err(IngestError::UnsupportedMethod {
                    method: method_name(e.method),
                    name: e.name.escape_debug().to_string(),
                });
            }
        }
        let mut spans = Vec::with_capacity(entries.len());
        for e in &mut entries {
            e.data_start = self.local_header(e)?;
            let end = e
                .data_start
                .checked_add(e.csize)
                .filter(|&end| end <= len)
                .ok_or_else(|| {
                    not_zip(&format!(
                        "entry \"{}\" runs past the end",
                        e.name.escape_debug()
                    ))
                })?;
            if end > eocd.cd_offset {
                return Err(IngestError::Overlapping);
            }
            spans.push((e.offset, end));
        }
        spans.sort_unstable();
        if spans.windows(2).any(|w| w[0].1 > w[1].0) {
            return Err(IngestError::Overlapping);
        }
        Ok(entries)
    }

    fn eocd(&mut self, len: u64) -> Result<Eocd, IngestError> {
        if len == 0 {
            return Err(not_zip("0 bytes"));
        }
        let mut head = [0u8; 512];
        self.r.seek(SeekFrom::Start(0)).map_err(damaged)?;
        let n = read_up_to(&mut self.r, &mut head).map_err(damaged)?;
        if looks_like_html(&head[..n]) {
            return Err(not_zip("got an HTML page"));
        }
        if !head[..n].starts_with(MAGIC) && !head[..n].starts_with(b"PK\x05\x06") {
            return Err(not_zip("no zip signature at the start"));
        }
        let tail_len = len.min(22 + 65_535);
        self.r
            .seek(SeekFrom::Start(len - tail_len))
            .map_err(damaged)?;
        let mut tail = Vec::new();
        (&mut self.r)
            .take(tail_len)
            .read_to_end(&mut tail)
            .map_err(damaged)?;
        let mut found = None;
        for i in (0..tail.len().saturating_sub(21)).rev() {
            if tail[i..].starts_with(b"PK\x05\x06") {
                let comment = u64::from(le16(&tail, i + 20));
                if i as u64 + 22 + comment == tail.len() as u64 {
                    found = Some(i);
                    break;
                }
                found.get_or_insert(i);
            }
        }
        let Some(i) = found else {
            return Err(not_zip("no end of central directory (cut short?)"));
        };
        let eocd_pos = len - tail_len + i as u64;
        let t = &tail[i..];
        if le16(t, 4) != 0 && le16(t, 4) != 0xFFFF {
            return Err(not_zip("split archives are not supported"));
        }
        let mut e = Eocd {
            count: u64::from(le16(t, 10)),
            cd_size: u64::from(le32(t, 12)),
            cd_offset: u64::from(le32(t, 16)),
            limit: eocd_pos,
        };
        let wants64 = e.count == 0xFFFF || e.cd_size == 0xFFFF_FFFF || e.cd_offset == 0xFFFF_FFFF;
        if wants64 && i >= 20 && tail[i - 20..].starts_with(b"PK\x06\x07") {
            let at = le64(&tail, i - 20 + 8);
            if at >= eocd_pos {
                return Err(not_zip("bad ZIP64 locator"));
            }
            self.r.seek(SeekFrom::Start(at)).map_err(damaged)?;
            let mut z = [0u8; 56];
            self.r
                .read_exact(&mut z)
                .map_err(|_| not_zip("ZIP64 record cut short"))?;
            if !z.starts_with(b"PK\x06\x06") {
                return Err(not_zip("bad ZIP64 end of central directory"));
            }
            e = Eocd {
                count: le64(&z, 32),
                cd_size: le64(&z, 40),
                cd_offset: le64(&z, 48),
                limit: at,
            };
        }
        Ok(e)
    }

    /// Checks the local header against the central entry; returns where the data starts.
    fn local_header(&mut self, e: &Entry) -> Result<u64, IngestError> {
        let mismatch = || IngestError::HeaderMismatch(e.name.escape_debug().to_string());
        self.r.seek(SeekFrom::Start(e.offset)).map_err(damaged)?;
        let mut h = [0u8; 30];
        self.r.read_exact(&mut h).map_err(|_| {
            not_zip(&format!(
                "local header of \"{}\" cut short",
                e.name.escape_debug()
            ))
        })?;
        if !h.starts_with(MAGIC) {
            return Err(mismatch());
        }
        let (flags, method) = (le16(&h, 6), le16(&h, 8));
        let (n, m) = (u64::from(le16(&h, 26)), u64::from(le16(&h, 28)));
        if n != e.raw.len() as u64 || method != e.method || (flags & 1) != (e.flags & 1) {
            return Err(mismatch());
        }
        let mut name = vec![0u8; e.raw.len()];
        self.r
            .read_exact(&mut name)
            .map_err(|_| not_zip("local header cut short"))?;
        if name != e.raw {
            return Err(mismatch());
        }
        if flags & 8 == 0 {
            // Sizes are in the local header too (0xFFFFFFFF defers to ZIP64 extras).
            let (crc, csize, size) = (le32(&h, 14), le32(&h, 18), le32(&h, 22));
            let agrees =
                |local: u32, central: u64| local == 0xFFFF_FFFF || u64::from(local) == central;
            if crc != e.crc || !agrees(csize, e.csize) || !agrees(size, e.size) {
                return Err(mismatch());
            }
        }
        Ok(e.offset + 30 + n + m)
    }

    /// The entry's bytes, decompressed and guarded.
    fn open(&mut self, e: &Entry) -> Result<Guard<'_, Box<dyn Read + '_>>, IngestError> {
        self.r
            .seek(SeekFrom::Start(e.data_start))
            .map_err(damaged)?;
        let raw = (&mut self.r).take(e.csize);
        let inner: Box<dyn Read + '_> = if e.method == 8 {
            Box::new(DeflateDecoder::new(raw))
        } else {
            Box::new(raw)
        };
        Ok(Guard {
            inner,
            name: e.name.clone(),
            produced: 0,
            declared: e.size,
            csize: e.csize,
            expected_crc: e.crc,
            crc: flate2::Crc::new(),
            limits: self.limits,
            total: &mut *self.total,
        })
    }

    fn text(
        &mut self,
        e: &Entry,
        opts: Options,
        red: &Redactor,
    ) -> Result<Vec<StepLog>, IngestError> {
        let g = self.open(e)?;
        scan::scan_sized(g, opts, Some(e.size), red).map_err(|err| from_io(err, &e.name))
    }

    /// Reads a whole small entry; `None` past `max`.
    fn bytes(&mut self, e: &Entry, max: u64) -> Result<Option<Vec<u8>>, IngestError> {
        let g = self.open(e)?;
        let mut out = Vec::new();
        g.take(max + 1)
            .read_to_end(&mut out)
            .map_err(|err| from_io(err, &e.name))?;
        Ok((out.len() as u64 <= max).then_some(out))
    }

    /// The first bytes of an entry, to tell a nested zip by its magic.
    fn starts_zip(&mut self, e: &Entry) -> Result<bool, IngestError> {
        if e.size < 4 && e.csize == 0 {
            return Ok(false);
        }
        let g = self.open(e)?;
        let mut r = BufReader::with_capacity(64, g);
        let head = r.fill_buf().map_err(|err| from_io(err, &e.name))?;
        Ok(head.starts_with(MAGIC))
    }

    /// Whether an entry's first KiB shows a binary, not a log.
    fn is_binary(&mut self, e: &Entry) -> Result<bool, IngestError> {
        let mut g = self.open(e)?;
        let mut head = [0u8; 1024];
        let n = read_up_to(&mut g, &mut head).map_err(|err| from_io(err, &e.name))?;
        Ok(super::not_text(&head[..n]))
    }

    fn run_log(&mut self, files: &[&Entry], bundle: &mut LogBundle) -> Result<(), IngestError> {
        // Top-level job files by normalised job name; folders by normalised name.
        let mut jobs: Vec<(u32, String, &Entry)> = Vec::new();
        let mut folders: BTreeMap<String, Folder> = BTreeMap::new();
        for e in files {
            let name = e.name.as_str();
            if self.starts_zip(e)? {
                bundle.notes.push(format!(
                    "nested archive \"{}\" not expanded",
                    e.name.escape_debug()
                ));
                continue;
            }
            match name.split_once('/') {
                None => {
                    let (n, job) = numbered(name).unwrap_or((u32::MAX, stem(name)));
                    jobs.push((n, job.to_string(), e));
                }
                Some((dir, file)) => {
                    let f = folders.entry(dir.to_string()).or_default();
                    match numbered(file) {
                        Some((n, step)) if !file.contains('/') => {
                            f.steps.push((n, step.to_string(), e))
                        }
                        _ => f.others.push(e),
                    }
                }
            }
        }
        jobs.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));

        // A job may appear twice (a re-run's partial log): keep the fuller file.
        let mut chosen: Vec<(String, &Entry)> = Vec::new();
        for (_, job, e) in jobs {
            match chosen.iter_mut().find(|(j, _)| norm(j) == norm(&job)) {
                Some(slot) if e.size > slot.1.size => slot.1 = e,
                Some(_) => {}
                None => chosen.push((job, e)),
            }
        }
        // Exact names first, so a cut name cannot take another job's folder.
        let mut used = HashSet::new();
        let mut dirs: Vec<Option<String>> = vec![None; chosen.len()];
        for exact in [true, false] {
            for (i, (job, _)) in chosen.iter().enumerate() {
                if dirs[i].is_none() {
                    dirs[i] = best_folder(job, &folders, &used, exact);
                    if let Some(dir) = &dirs[i] {
                        used.insert(dir.clone());
                    }
                }
            }
        }
        let mut plan: Vec<(String, Option<&Entry>, Option<&Folder>)> = Vec::new();
        for ((job, e), dir) in chosen.iter().zip(dirs) {
            plan.push((job.clone(), Some(*e), dir.and_then(|d| folders.get(&d))));
        }
        for (dir, f) in &folders {
            if !used.contains(dir) {
                let fuller = f.others.iter().max_by_key(|e| e.size).copied();
                plan.push((dir.clone(), fuller, Some(f)));
            }
        }

        let github = Options {
            split_steps: true,
            github: true,
        };
        for (job, job_file, folder) in plan {
            let steps_files = folder.map(|f| f.steps.as_slice()).unwrap_or(&[]);
            let mut steps: Vec<StepLog> = Vec::new();
            let mut job_kept = 0;
            for (n, step, e) in sorted_steps(steps_files) {
                let one = Options {
                    split_steps: false,
                    github: true,
                };
                let mut found = self.text(e, one, &bundle.redactor)?;
                let mut s = if found.is_empty() {
                    StepLog {
                        failed: Some(false),
                        first_line: 1,
                        ..StepLog::default()
                    }
                } else {
                    found.swap_remove(0)
                };
                s.name = step;
                s.number = Some(n);
                // A job of thousands of step files is one stream's budget.
                job_kept += scan::kept_bytes(&s);
                steps.push(s);
                if job_kept > scan::MAX_KEPT_BYTES {
                    let all = steps.iter_mut().collect();
                    super::trim_steps(all, &mut job_kept, scan::MAX_KEPT_BYTES);
                }
            }
            if let Some(e) = job_file {
                let from_job = self.text(e, github, &bundle.redactor)?;
                steps = merge_steps(steps, from_job);
            }
            let source = match job_file {
                Some(e) if steps_files.is_empty() => format!("{}:{}", self.name, e.name),
                _ => format!("{}:{}/", self.name, folder_name(&job, folder)),
            };
            bundle.push_job(JobLog {
                name: job,
                source,
                steps,
            });
        }
        Ok(())
    }

    fn artifact(
        &mut self,
        files: &[&Entry],
        depth: u8,
        bundle: &mut LogBundle,
    ) -> Result<(), IngestError> {
        for e in files {
            let lower = e.name.to_ascii_lowercase();
            let source = format!("{}:{}", self.name, e.name);
            if lower.ends_with(".zip") || self.starts_zip(e)? {
                if depth >= 1 {
                    bundle.notes.push(format!(
                        "nested archive \"{}\" not expanded",
                        e.name.escape_debug()
                    ));
                    continue;
                }
                let Some(data) = self.bytes(e, self.limits.entry)? else {
                    return Err(IngestError::EntryTooLarge(
                        e.name.escape_debug().to_string(),
                    ));
                };
                let len = data.len() as u64;
                Archive {
                    r: Cursor::new(data),
                    name: &source,
                    limits: self.limits,
                    total: &mut *self.total,
                }
                .read(len, depth + 1, bundle)?;
            } else if lower.ends_with(".txt") || lower.ends_with(".log") {
                if self.is_binary(e)? {
                    bundle.notes.push(format!(
                        "\"{}\": not a text log; skipped",
                        e.name.escape_debug()
                    ));
                    continue;
                }
                let opts = Options {
                    split_steps: true,
                    github: false,
                };
                let steps = self.text(e, opts, &bundle.redactor)?;
                bundle.push_job(JobLog {
                    name: e.name.clone(),
                    source,
                    steps,
                });
            } else if lower.ends_with(".xml") || lower.ends_with(".json") {
                let Some(data) = self.bytes(e, MAX_REPORT_BYTES)? else {
                    bundle.notes.push(format!(
                        "report \"{}\" over 16 MiB; skipped",
                        e.name.escape_debug()
                    ));
                    continue;
                };
                let tests = if lower.ends_with(".xml") {
                    reports::junit(&data, &source, &bundle.redactor)
                } else {
                    reports::pytest_json(&data, &source, &bundle.redactor)
                };
                match tests {
                    Some(r) => bundle.push_tests(&source, r.tests, r.failing),
                    None => bundle.notes.push(format!(
                        "\"{}\" is not a test report; skipped",
                        e.name.escape_debug()
                    )),
                }
            }
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
struct Folder<'a> {
    steps: Vec<(u32, String, &'a Entry)>,
    others: Vec<&'a Entry>,
}

struct Eocd {
    count: u64,
    cd_size: u64,
    cd_offset: u64,
    /// Where the central directory must end.
    limit: u64,
}

/// Streams an entry, enforcing the caps and checking size and CRC at its end.
struct Guard<'a, I> {
    inner: I,
    name: String,
    produced: u64,
    declared: u64,
    csize: u64,
    expected_crc: u32,
    crc: flate2::Crc,
    limits: Limits,
    total: &'a mut u64,
}

impl<I: Read> Read for Guard<'_, I> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let name = || self.name.escape_debug().to_string();
        let room = (self.limits.entry + 1).saturating_sub(self.produced);
        let want = out.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        if want == 0 && !out.is_empty() {
            return Err(io::Error::other(IngestError::EntryTooLarge(name())));
        }
        let n = match self.inner.read(&mut out[..want]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                return Err(io::Error::other(IngestError::NotZip(format!(
                    "entry \"{}\" is damaged: {e}",
                    name()
                ))));
            }
        };
        if n == 0 {
            if !out.is_empty()
                && (self.produced != self.declared || self.crc.sum() != self.expected_crc)
            {
                return Err(io::Error::other(IngestError::SizeMismatch(name())));
            }
            return Ok(0);
        }
        self.produced += n as u64;
        *self.total += n as u64;
        self.crc.update(&out[..n]);
        if self.produced > self.limits.entry {
            return Err(io::Error::other(IngestError::EntryTooLarge(name())));
        }
        if *self.total > self.limits.total {
            return Err(io::Error::other(IngestError::TotalTooLarge));
        }
        if self.produced > self.declared {
            return Err(io::Error::other(IngestError::SizeMismatch(name())));
        }
        if self.produced > RATIO_AFTER && self.produced / self.csize.max(1) > MAX_RATIO {
            return Err(io::Error::other(IngestError::Ratio(name())));
        }
        Ok(n)
    }
}

fn central_entry(cd: &mut impl Read) -> Result<Entry, IngestError> {
    let cut = |_| not_zip("central directory cut short");
    let mut h = [0u8; 46];
    cd.read_exact(&mut h).map_err(cut)?;
    if !h.starts_with(b"PK\x01\x02") {
        return Err(not_zip("bad central directory entry"));
    }
    let (n, m, k) = (
        le16(&h, 28) as usize,
        le16(&h, 30) as usize,
        le16(&h, 32) as u64,
    );
    if n > MAX_ENTRY_NAME {
        return Err(IngestError::NameTooLong);
    }
    let mut raw = vec![0u8; n];
    cd.read_exact(&mut raw).map_err(cut)?;
    let mut extra = vec![0u8; m];
    cd.read_exact(&mut extra).map_err(cut)?;
    io::copy(&mut cd.take(k), &mut io::sink())
        .map_err(|_| not_zip("central directory cut short"))?;
    let mut e = Entry {
        name: String::from_utf8_lossy(&raw).into_owned(),
        raw,
        flags: le16(&h, 8),
        method: le16(&h, 10),
        crc: le32(&h, 16),
        csize: u64::from(le32(&h, 20)),
        size: u64::from(le32(&h, 24)),
        offset: u64::from(le32(&h, 42)),
        external: le32(&h, 38),
        data_start: 0,
    };
    // ZIP64 extra: the 64-bit values of the fields saturated at 0xFFFFFFFF, in order.
    let mut x = extra.as_slice();
    while x.len() >= 4 {
        let (id, len) = (le16(x, 0), le16(x, 2) as usize);
        let Some(body) = x.get(4..4 + len) else { break };
        if id == 1 {
            let mut at = 0;
            for field in [&mut e.size, &mut e.csize, &mut e.offset] {
                if *field == 0xFFFF_FFFF {
                    if at + 8 > body.len() {
                        return Err(not_zip("bad ZIP64 extra field"));
                    }
                    *field = le64(body, at);
                    at += 8;
                }
            }
        }
        x = &x[4 + len..];
    }
    Ok(e)
}

/// A name that stays inside the archive's root on every OS.
fn is_local(raw: &[u8]) -> bool {
    if raw.is_empty() || raw.contains(&0) || raw.contains(&b'\\') || raw.starts_with(b"/") {
        return false;
    }
    if raw.len() >= 2 && raw[1] == b':' && raw[0].is_ascii_alphabetic() {
        return false;
    }
    raw.split(|&c| c == b'/').all(|part| part != b"..")
}

fn is_run_log(files: &[&Entry]) -> bool {
    let all_txt = files.iter().all(|e| e.name.ends_with(".txt"));
    let numbered_file = files.iter().any(|e| {
        let parts: Vec<&str> = e.name.split('/').collect();
        parts.len() <= 2 && parts.last().is_some_and(|f| numbered(f).is_some())
    });
    all_txt && numbered_file
}

/// `3_Run tests.txt` into `(3, "Run tests")`.
fn numbered(file: &str) -> Option<(u32, &str)> {
    let stem = file.strip_suffix(".txt")?;
    let (n, name) = stem.split_once('_')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((n.parse().ok()?, name))
}

fn stem(file: &str) -> &str {
    file.strip_suffix(".txt").unwrap_or(file)
}

/// Job and folder names compare by their letters and digits only: GitHub
/// replaces or drops characters a file system refuses (`/:<>|*?"\`) and cuts
/// long names, so `build (ubuntu, 3.11)` may be `build (ubuntu_ 3.11)` or a prefix.
pub fn norm(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether two job names (a file or folder name of a run-log zip, the Jobs
/// API's name) denote the same job.
pub fn names_match(a: &str, b: &str) -> bool {
    let (a, b) = (norm(a), norm(b));
    !a.is_empty() && !b.is_empty() && (a.starts_with(&b) || b.starts_with(&a))
}

/// The folder of a job: the same normalised name; else (`exact` false) the
/// longest folder name that is a prefix of the job's (a cut folder name),
/// else one the job's name is a prefix of (a cut job file name).
fn best_folder(
    job: &str,
    folders: &BTreeMap<String, Folder>,
    used: &HashSet<String>,
    exact: bool,
) -> Option<String> {
    let j = norm(job);
    let mut best: Option<(&String, (bool, usize))> = None;
    for dir in folders.keys().filter(|d| !used.contains(*d)) {
        let d = norm(dir);
        let rank = if d == j {
            (true, usize::MAX)
        } else if exact || d.is_empty() || j.is_empty() {
            continue;
        } else if j.starts_with(&d) {
            (true, d.len())
        } else if d.starts_with(&j) {
            (false, usize::MAX - d.len())
        } else {
            continue;
        };
        if best.is_none_or(|(_, r)| rank > r) {
            best = Some((dir, rank));
        }
    }
    best.map(|(d, _)| d.clone())
}

fn sorted_steps<'a>(steps: &[(u32, String, &'a Entry)]) -> Vec<(u32, String, &'a Entry)> {
    let mut v = steps.to_vec();
    v.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    v
}

/// Per-step files win. A step of the job file with no file of its own is
/// kept only where the numbering has room for it: in a number no file took,
/// between the files its neighbours matched (past the last file, any number,
/// unless the file of the final "Complete job" step is there).
/// The job file also splits a composite action's inner `Run` steps, which the
/// action's own file already holds: past the room, they are dropped.
fn merge_steps(files: Vec<StepLog>, from_job: Vec<StepLog>) -> Vec<StepLog> {
    if files.is_empty() {
        return from_job;
    }
    let taken: HashSet<u32> = files.iter().filter_map(|s| s.number).collect();
    let mut keyed: Vec<(u32, StepLog)> = files
        .iter()
        .map(|s| (s.number.unwrap_or(0), s.clone()))
        .collect();
    let mut next = 0;
    let mut lo = 0;
    let mut pending = Vec::new();
    let place = |pending: &mut Vec<StepLog>, lo: u32, hi: u32, out: &mut Vec<(u32, StepLog)>| {
        let free = (lo.saturating_add(1)..hi).filter(|n| !taken.contains(n));
        for (slot, step) in free.zip(pending.drain(..)) {
            out.push((slot, step));
        }
        pending.clear();
    };
    for js in from_job {
        let found = (next..files.len()).find(|&k| names_match(&files[k].name, &js.name));
        match found {
            Some(k) => {
                let number = files[k].number.unwrap_or(0);
                place(&mut pending, lo, number, &mut keyed);
                lo = number;
                next = k + 1;
            }
            None => pending.push(js),
        }
    }
    // GitHub's last step is always "Complete job": with its file present no
    // step is missing at the end.
    let complete = files.iter().any(|s| norm(&s.name) == "completejob");
    let end = match files.iter().filter_map(|s| s.number).max() {
        Some(max) if complete => max,
        _ => u32::MAX,
    };
    place(&mut pending, lo, end, &mut keyed);
    keyed.sort_by_key(|(n, _)| *n);
    keyed.into_iter().map(|(_, s)| s).collect()
}

fn folder_name(job: &str, folder: Option<&Folder>) -> String {
    folder
        .and_then(|f| f.steps.first().map(|s| s.2).or(f.others.first().copied()))
        .and_then(|e| e.name.split_once('/').map(|(d, _)| d.to_string()))
        .unwrap_or_else(|| job.to_string())
}

fn method_name(m: u16) -> String {
    let name = match m {
        1 => "shrink",
        6 => "implode",
        9 => "deflate64",
        12 => "bzip2",
        14 => "lzma",
        93 => "zstd",
        95 => "xz",
        98 => "ppmd",
        99 => "aes",
        _ => return m.to_string(),
    };
    format!("{m} ({name})")
}

fn looks_like_html(head: &[u8]) -> bool {
    let s = String::from_utf8_lossy(head).to_ascii_lowercase();
    let s = s.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    s.starts_with("<!doctype html")
        || s.starts_with("<html")
        || s.starts_with("<head")
        || s.starts_with("<?xml") && s.contains("<html")
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn not_zip(reason: &str) -> IngestError {
    IngestError::NotZip(reason.to_string())
}

fn damaged(e: io::Error) -> IngestError {
    IngestError::NotZip(format!("cannot read the archive: {e}"))
}

/// Our errors travel through `io::Read` inside an `io::Error`; unwrap them.
pub(crate) fn from_io(e: io::Error, name: &str) -> IngestError {
    if e.get_ref().is_some_and(|i| i.is::<IngestError>()) {
        if let Some(inner) = e.into_inner()
            && let Ok(ours) = inner.downcast::<IngestError>()
        {
            return *ours;
        }
        return IngestError::NotZip(format!("entry \"{}\" is damaged", name.escape_debug()));
    }
    IngestError::NotZip(format!("entry \"{}\" is damaged: {e}", name.escape_debug()))
}

fn le16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn le64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |s| {
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        u64::from_le_bytes(a)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;
    use crate::ingest::{Source, load};

    /// One entry of a hand-built archive; the defaults make an honest entry.
    #[derive(Clone, Default)]
    pub(crate) struct E {
        pub name: Vec<u8>,
        pub data: Vec<u8>,
        pub method: u16,
        pub mode: u32,
        pub size: Option<u32>,
        pub crc: Option<u32>,
        pub zip64_size: Option<u64>,
        pub local_name: Option<Vec<u8>>,
    }

    pub(crate) fn e(name: &str, data: &[u8]) -> E {
        E {
            name: name.as_bytes().to_vec(),
            data: data.to_vec(),
            method: 8,
            ..E::default()
        }
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut c = flate2::Crc::new();
        c.update(data);
        c.sum()
    }

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap_or_default();
        enc.finish().unwrap_or_default()
    }

    /// A zip built byte by byte, so tests can make it lie.
    pub(crate) fn build(entries: &[E]) -> Vec<u8> {
        let (mut out, mut cd) = (Vec::new(), Vec::new());
        for e in entries {
            let comp = if e.method == 8 {
                deflate(&e.data)
            } else {
                e.data.clone()
            };
            let crc = e.crc.unwrap_or_else(|| crc32(&e.data));
            let size = if e.zip64_size.is_some() {
                0xFFFF_FFFF
            } else {
                e.size.unwrap_or(e.data.len() as u32)
            };
            let extra: Vec<u8> = match e.zip64_size {
                Some(s) => [
                    &1u16.to_le_bytes()[..],
                    &8u16.to_le_bytes(),
                    &s.to_le_bytes(),
                ]
                .concat(),
                None => Vec::new(),
            };
            let offset = out.len() as u32;
            let local_name = e.local_name.as_ref().unwrap_or(&e.name);
            out.extend_from_slice(MAGIC);
            for v in [20u16, 0, e.method, 0, 0] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            for v in [crc, comp.len() as u32, size] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&(local_name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(local_name);
            out.extend_from_slice(&comp);

            cd.extend_from_slice(b"PK\x01\x02");
            for v in [(3u16 << 8) | 20, 20, 0, e.method, 0, 0] {
                cd.extend_from_slice(&v.to_le_bytes());
            }
            for v in [crc, comp.len() as u32, size] {
                cd.extend_from_slice(&v.to_le_bytes());
            }
            for v in [e.name.len() as u16, extra.len() as u16, 0, 0, 0] {
                cd.extend_from_slice(&v.to_le_bytes());
            }
            cd.extend_from_slice(&(e.mode << 16).to_le_bytes());
            cd.extend_from_slice(&offset.to_le_bytes());
            cd.extend_from_slice(&e.name);
            cd.extend_from_slice(&extra);
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&cd);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        let n = entries.len() as u16;
        for v in [n, n] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    fn read(bytes: &[u8]) -> Result<LogBundle, IngestError> {
        let mut bundle = LogBundle::default();
        read_archive(
            Cursor::new(bytes),
            bytes.len() as u64,
            "run.zip",
            &mut bundle,
        )?;
        Ok(bundle)
    }

    fn err(bytes: &[u8]) -> String {
        match read(bytes) {
            Ok(_) => "no error".to_string(),
            Err(e) => e.to_string(),
        }
    }

    const TS: &str = "2024-05-01T12:34:56.1234567Z ";

    fn gh(lines: &[&str]) -> Vec<u8> {
        lines
            .iter()
            .map(|l| format!("{TS}{l}\n"))
            .collect::<String>()
            .into_bytes()
    }

    fn job_log() -> Vec<u8> {
        gh(&[
            "Current runner version: '2.317.0'",
            "##[group]Run actions/checkout@v4",
            "with:",
            "##[endgroup]",
            "Syncing repository",
            "##[group]Run pip install -r requirements.txt",
            "pip install -r requirements.txt",
            "shell: /usr/bin/bash -e {0}",
            "##[endgroup]",
            "Successfully installed requests",
            "##[group]Run pytest",
            "pytest",
            "##[endgroup]",
            "E   ModuleNotFoundError: No module named 'yaml'",
            "##[error]Process completed with exit code 1.",
        ])
    }

    #[test]
    fn run_log_with_missing_step_files() {
        let step3 = gh(&[
            "##[group]Run pip install -r requirements.txt",
            "pip install -r requirements.txt",
            "##[endgroup]",
            "Successfully installed requests",
        ]);
        let zip = build(&[
            e("1_build.txt", &job_log()),
            e(
                "build/1_Set up job.txt",
                &gh(&["Current runner version: '2.317.0'"]),
            ),
            e("build/3_Run pip install -r requirements.txt.txt", &step3),
        ]);
        let b = read(&zip).unwrap_or_default();
        assert_eq!(b.jobs.len(), 1);
        let job = &b.jobs[0];
        assert_eq!(job.name, "build");
        let steps: Vec<_> = job
            .steps
            .iter()
            .map(|s| (s.number, s.name.as_str(), s.failed))
            .collect();
        assert_eq!(
            steps,
            [
                (Some(1), "Set up job", Some(false)),
                (None, "Run actions/checkout@v4", Some(false)),
                (Some(3), "Run pip install -r requirements.txt", Some(false)),
                (None, "Run pytest", Some(true)),
            ]
        );
        let pytest = &job.steps[3];
        assert_eq!(pytest.exit_code, Some(1));
        assert_eq!(pytest.command.as_deref(), Some("pytest"));
        assert_eq!(pytest.first_line, 11);
        assert_eq!(job.steps[2].first_line, 1);
        assert_eq!(
            job.steps[2].command.as_deref(),
            Some("pip install -r requirements.txt")
        );
    }

    #[test]
    fn run_log_without_step_files_splits_job_file() {
        let b = read(&build(&[e("1_build.txt", &job_log())])).unwrap_or_default();
        let names: Vec<_> = b.jobs[0].steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Set up job",
                "Run actions/checkout@v4",
                "Run pip install -r requirements.txt",
                "Run pytest"
            ]
        );
        assert_eq!(b.jobs[0].source, "run.zip:1_build.txt");
    }

    #[test]
    fn composite_inner_steps_do_not_double_a_step_file() {
        let job = gh(&[
            "setup",
            "##[group]Run ./.github/actions/build",
            "##[endgroup]",
            "##[group]Run make",
            "make: *** [all] Error 2",
            "##[error]Process completed with exit code 2.",
        ]);
        let composite = gh(&[
            "##[group]Run ./.github/actions/build",
            "##[group]Run make",
            "make: *** [all] Error 2",
            "##[error]Process completed with exit code 2.",
        ]);
        let zip = build(&[
            e("1_build.txt", &job),
            e("build/1_Set up job.txt", &gh(&["setup"])),
            e("build/2_Run .github_actions_build.txt", &composite),
            e("build/3_Complete job.txt", &gh(&["done"])),
        ]);
        let b = read(&zip).unwrap_or_default();
        let steps: Vec<_> = b.jobs[0]
            .steps
            .iter()
            .map(|s| (s.number, s.failed))
            .collect();
        assert_eq!(
            steps,
            [
                (Some(1), Some(false)),
                (Some(2), Some(true)),
                (Some(3), Some(false))
            ]
        );
    }

    #[test]
    fn sanitised_and_cut_folder_names_match_their_jobs() {
        let step = gh(&["##[group]Run make", "make", "##[endgroup]", "##[error]boom"]);
        let zip = build(&[
            e("0_test (ubuntu-latest, 3.11).txt", &job_log()),
            e("1_lint: ruff check and a very long name.txt", &gh(&["ok"])),
            e("test (ubuntu-latest_ 3.11)/4_Run make.txt", &step),
            e("lint_ ruff check and a very/1_Set up job.txt", &gh(&["ok"])),
        ]);
        let b = read(&zip).unwrap_or_default();
        let jobs: Vec<_> = b
            .jobs
            .iter()
            .map(|j| (j.name.as_str(), j.steps.len()))
            .collect();
        assert_eq!(
            jobs,
            [
                ("test (ubuntu-latest, 3.11)", 5),
                ("lint: ruff check and a very long name", 1)
            ]
        );
        assert!(
            b.jobs[0]
                .steps
                .iter()
                .any(|s| s.number == Some(4) && s.failed == Some(true))
        );
    }

    #[test]
    fn folder_matching_prefers_exact_then_longest() {
        let mut folders = BTreeMap::new();
        for d in ["test (3.1)", "test (3.11)", "tes"] {
            folders.insert(d.to_string(), Folder::default());
        }
        let used = HashSet::new();
        let best = |job: &str, exact: bool| best_folder(job, &folders, &used, exact);
        assert_eq!(best("test (3.11)", true).as_deref(), Some("test (3.11)"));
        assert_eq!(best("test (3.1)", false).as_deref(), Some("test (3.1)"));
        assert_eq!(best("test (3.12)", true), None);
        assert_eq!(best("test (3.12)", false).as_deref(), Some("test (3.1)"));
        assert_eq!(best("te", false).as_deref(), Some("tes"));
        assert_eq!(best("build", false), None);
        assert!(names_match("Run pytest -q --cov", "Run pytest -q"));
        assert!(!names_match("", "x"));
    }

    #[test]
    fn a_short_job_name_does_not_take_a_longer_jobs_folder() {
        let step = gh(&["##[error]x"]);
        let zip = build(&[
            e("1_test.txt", &gh(&["a"])),
            e("2_test (3.11).txt", &gh(&["b"])),
            e("test (3.11)/1_Set up job.txt", &step),
        ]);
        let b = read(&zip).unwrap_or_default();
        let jobs: Vec<_> = b
            .jobs
            .iter()
            .map(|j| (j.name.as_str(), j.steps[0].failed))
            .collect();
        assert_eq!(jobs, [("test", Some(false)), ("test (3.11)", Some(true))]);
    }

    #[test]
    fn fuller_of_two_job_logs_wins() {
        let partial = gh(&["##[group]Run pytest", "pytest"]);
        let zip = build(&[e("1_build.txt", &partial), e("3_build.txt", &job_log())]);
        let b = read(&zip).unwrap_or_default();
        assert_eq!(b.jobs.len(), 1);
        assert_eq!(b.jobs[0].steps.len(), 4);
    }

    #[test]
    fn artifact_with_logs_reports_and_nested_zips() {
        let junit = br#"<testsuite><testcase classname="t" name="a"><failure message="boom">t.py:3: boom</failure></testcase></testsuite>"#;
        let json = br#"{"tests": [{"nodeid": "t.py::b", "outcome": "failed", "call": {"outcome": "failed", "crash": {"path": "t.py", "lineno": 9, "message": "x"}}}]}"#;
        let deeper = build(&[e("deep.log", b"too deep\n")]);
        let inner = build(&[e("inner.log", b"inner line\n"), e("deeper.zip", &deeper)]);
        let zip = build(&[
            e("logs/build.log", b"cc -c x.c\nerror: boom\n"),
            e("reports/junit.xml", junit),
            e("reports/report.json", json),
            e("misc/settings.json", b"{\"a\": 1}"),
            e("bundle.bin", &inner),
            e("image.png", b"\x89PNG"),
        ]);
        let b = read(&zip).unwrap_or_default();
        let jobs: Vec<_> = b.jobs.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(jobs, ["inner.log", "logs/build.log"]);
        assert_eq!(b.jobs[0].source, "run.zip:bundle.bin:inner.log");
        let tests: Vec<_> = b.tests.iter().map(|t| (t.name.as_str(), t.line)).collect();
        assert_eq!(tests, [("t.a", Some(3)), ("t.py::b", Some(9))]);
        assert_eq!(
            b.notes,
            [
                "nested archive \"deeper.zip\" not expanded",
                "\"misc/settings.json\" is not a test report; skipped"
            ]
        );
    }

    #[test]
    fn nested_zip_in_run_log_is_not_expanded() {
        let inner = build(&[e("x.txt", b"x\n")]);
        let b = read(&build(&[
            e("1_build.txt", &job_log()),
            e("2_evil.txt", &inner),
        ]))
        .unwrap_or_default();
        assert_eq!(b.notes, ["nested archive \"2_evil.txt\" not expanded"]);
        assert_eq!(b.jobs.len(), 1);
    }

    #[test]
    fn unsafe_names_are_refused() {
        for (name, shown) in [
            ("../evil.txt", "../evil.txt"),
            ("/etc/passwd", "/etc/passwd"),
            ("C:\\x.txt", "C:\\\\x.txt"),
            ("..\\x.txt", "..\\\\x.txt"),
            ("a/../../b.txt", "a/../../b.txt"),
            ("", ""),
            ("a\0b.txt", "a\\0b.txt"),
        ] {
            let zip = build(&[e("1_ok.txt", b"ok\n"), e(name, b"x")]);
            assert_eq!(
                err(&zip),
                format!("archive entry \"{shown}\" is not a local path"),
                "{name:?}"
            );
        }
    }

    #[test]
    fn symlink_is_refused() {
        let link = E {
            mode: 0o120777,
            ..e("link.txt", b"/etc/passwd")
        };
        assert_eq!(
            err(&build(&[link])),
            "archive entry \"link.txt\" is a symlink; refused"
        );
    }

    #[test]
    fn counts_and_names_are_checked_first() {
        let many: Vec<E> = (0..=MAX_ENTRIES)
            .map(|i| e(&format!("{i}.txt"), b""))
            .collect();
        assert_eq!(
            err(&build(&many)),
            "archive has too many entries (10001 > 10000)"
        );
        let long = "a".repeat(MAX_ENTRY_NAME + 1);
        let zip = build(&[e("../first-but-not-checked-first", b""), e(&long, b"x")]);
        assert_eq!(err(&zip), "archive entry name is longer than 1024 bytes");
    }

    #[test]
    fn duplicates_and_methods_are_refused() {
        let zip = build(&[e("a.txt", b"1"), e("a.txt", b"2")]);
        assert_eq!(err(&zip), "duplicate entry \"a.txt\"");
        let bz = E {
            method: 12,
            ..e("a.txt", b"x")
        };
        assert_eq!(
            err(&build(&[bz])),
            "unsupported compression method 12 (bzip2) in \"a.txt\""
        );
        let odd = E {
            method: 77,
            ..e("a.txt", b"x")
        };
        assert_eq!(
            err(&build(&[odd])),
            "unsupported compression method 77 in \"a.txt\""
        );
    }

    #[test]
    fn not_a_zip() {
        let prefix = "log archive is truncated or not a zip: ";
        let mut cut = build(&[e("1_a.txt", b"hello\n")]);
        cut.truncate(cut.len() - 10);
        assert!(err(&cut).starts_with(prefix), "{}", err(&cut));
        assert_eq!(err(b""), format!("{prefix}0 bytes"));
        let html = b"<!DOCTYPE html>\n<html><body>Sign in to GitHub</body></html>";
        assert_eq!(err(html), format!("{prefix}got an HTML page"));
        assert_eq!(
            err(b"PK\x03\x04"),
            format!("{prefix}no end of central directory (cut short?)")
        );
        // Through load(): a `.zip` name is enough to be read as one.
        let r = load(&[Source::Bytes {
            name: "logs.zip".into(),
            data: html.to_vec(),
        }]);
        assert_eq!(
            r.map(|_| ()).map_err(|e| e.to_string()),
            Err(format!("{prefix}got an HTML page"))
        );
    }

    #[test]
    fn entry_over_cap_is_refused() {
        let big = vec![b'a'; 4096];
        let zip = build(&[e("1_a.txt", &big)]);
        let mut bundle = LogBundle::default();
        let limits = Limits {
            entry: 1024,
            total: 1 << 20,
        };
        let r = read_archive_with(
            Cursor::new(&zip),
            zip.len() as u64,
            "z",
            limits,
            &mut bundle,
        );
        assert_eq!(
            r.map_err(|e| e.to_string()),
            Err("entry \"1_a.txt\" exceeds 64 MiB uncompressed".into())
        );
        let two = build(&[e("1_a.txt", &big), e("2_b.txt", &big)]);
        let limits = Limits {
            entry: 5000,
            total: 6000,
        };
        let r = read_archive_with(
            Cursor::new(&two),
            two.len() as u64,
            "z",
            limits,
            &mut bundle,
        );
        assert_eq!(
            r.map_err(|e| e.to_string()),
            Err("archive exceeds 512 MiB uncompressed in total".into())
        );
    }

    #[test]
    fn deflate_bomb_stops_at_the_cap() {
        let zeros = vec![0u8; (MAX_ENTRY_BYTES + (1 << 20)) as usize];
        let zip = build(&[e("1_bomb.txt", &zeros)]);
        drop(zeros);
        assert!(zip.len() < 1 << 20);
        assert_eq!(
            err(&zip),
            "entry \"1_bomb.txt\" exceeds 64 MiB uncompressed"
        );
    }

    #[test]
    fn lying_sizes_and_crc_are_refused() {
        let small = E {
            size: Some(3),
            ..e("1_a.txt", b"hello world\n")
        };
        assert_eq!(err(&build(&[small])), "entry \"1_a.txt\" size/CRC mismatch");
        let large = E {
            size: Some(1000),
            ..e("1_a.txt", b"hello world\n")
        };
        assert_eq!(err(&build(&[large])), "entry \"1_a.txt\" size/CRC mismatch");
        let crc = E {
            crc: Some(1234),
            method: 0,
            ..e("1_a.txt", b"hello world\n")
        };
        assert_eq!(err(&build(&[crc])), "entry \"1_a.txt\" size/CRC mismatch");
        let huge = E {
            zip64_size: Some(1 << 63),
            ..e("1_a.txt", b"hello world\n")
        };
        assert_eq!(err(&build(&[huge])), "entry \"1_a.txt\" size/CRC mismatch");
    }

    #[test]
    fn local_header_must_agree() {
        let liar = E {
            local_name: Some(b"1_b.txt".to_vec()),
            ..e("1_a.txt", b"x\n")
        };
        assert_eq!(
            err(&build(&[liar])),
            "local/central header mismatch for \"1_a.txt\""
        );
    }

    #[test]
    fn overlapping_entries_are_refused() {
        // Entry A (stored) holds entry B whole: B's local header sits inside A's data.
        let b_data = b"inner\n";
        let inner = build(&[E {
            method: 0,
            ..e("b.txt", b_data)
        }]);
        // The inner archive's first local record: header + name + data.
        let b_local = &inner[..30 + 5 + b_data.len()];
        let mut zip = build(&[E {
            method: 0,
            ..e("a.txt", b_local)
        }]);
        // Add a central entry for B at offset 30 + len("a.txt"), then fix the EOCD.
        let eocd = zip.len() - 22;
        let cd_offset = u32::from_le_bytes([
            zip[eocd + 16],
            zip[eocd + 17],
            zip[eocd + 18],
            zip[eocd + 19],
        ]) as usize;
        let inner_cd_at = u32::from_le_bytes([
            inner[inner.len() - 6],
            inner[inner.len() - 5],
            inner[inner.len() - 4],
            inner[inner.len() - 3],
        ]) as usize;
        let mut b_central = inner[inner_cd_at..inner.len() - 22].to_vec();
        b_central[42..46].copy_from_slice(&(30u32 + 5).to_le_bytes());
        let mut cd = zip[cd_offset..eocd].to_vec();
        cd.extend_from_slice(&b_central);
        zip.truncate(cd_offset);
        zip.extend_from_slice(&cd);
        zip.extend_from_slice(b"PK\x05\x06\0\0\0\0\x02\0\x02\0");
        zip.extend_from_slice(&(cd.len() as u32).to_le_bytes());
        zip.extend_from_slice(&(cd_offset as u32).to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes());
        assert_eq!(err(&zip), "overlapping zip entries");
    }

    #[test]
    fn impossible_ratio_is_stopped_after_8_mib() {
        let mut total = 0;
        let mut g = Guard {
            inner: io::repeat(0).take(RATIO_AFTER + (1 << 20)),
            name: "x.txt".to_string(),
            produced: 0,
            declared: u64::MAX,
            csize: 1000,
            expected_crc: 0,
            crc: flate2::Crc::new(),
            limits: Limits::default(),
            total: &mut total,
        };
        let r = io::copy(&mut g, &mut io::sink()).map_err(|e| from_io(e, "x.txt").to_string());
        assert_eq!(
            r,
            Err("entry \"x.txt\" inflates past 1032:1; stopped".into())
        );
        assert!(g.produced > RATIO_AFTER && g.produced < RATIO_AFTER + (1 << 20));
    }

    #[test]
    fn equivalent_names_are_duplicates() {
        let zip = build(&[e("a/b.txt", b"1"), e("a/./b.txt", b"2")]);
        assert_eq!(err(&zip), "duplicate entry \"a/./b.txt\"");
    }

    proptest::proptest! {
        #[test]
        fn damaged_archives_never_panic(
            flips in proptest::collection::vec((proptest::prelude::any::<usize>(), proptest::prelude::any::<u8>()), 0..8),
            cut in proptest::prelude::any::<usize>(),
        ) {
            let mut zip = build(&[
                e("1_a.txt", b"hello\n##[error]x\n"),
                e("b/2_s.txt", b"y\n"),
                E { method: 0, ..e("c/r.xml", b"<testsuite/>") },
            ]);
            for (at, v) in flips {
                let i = at % zip.len();
                zip[i] = v;
            }
            if cut % 3 == 0 {
                zip.truncate(cut % zip.len());
            }
            let _ = read(&zip);
        }
    }

    #[test]
    fn a_real_writer_is_read() {
        use ::zip::write::SimpleFileOptions;
        let mut w = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts =
            SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Deflated);
        let mut ok = w.start_file("1_build.txt", opts).is_ok();
        ok &= w.write_all(&job_log()).is_ok();
        ok &= w.add_directory("build/", opts).is_ok();
        ok &= w.start_file("build/5_Run pytest.txt", opts).is_ok();
        ok &= w
            .write_all(&gh(&[
                "##[group]Run pytest",
                "pytest",
                "##[endgroup]",
                "##[error]x",
            ]))
            .is_ok();
        assert!(ok);
        let bytes = w.finish().map(Cursor::into_inner).unwrap_or_default();
        let b = read(&bytes).unwrap_or_default();
        let steps: Vec<_> = b.jobs[0]
            .steps
            .iter()
            .map(|s| (s.number, s.name.as_str()))
            .collect();
        assert_eq!(
            steps,
            [
                (None, "Set up job"),
                (None, "Run actions/checkout@v4"),
                (None, "Run pip install -r requirements.txt"),
                (Some(5), "Run pytest")
            ]
        );
    }
}
