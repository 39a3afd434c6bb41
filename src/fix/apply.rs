//! The one applier: every file of a fix is changed, or none is.
//!
//! Edits are validated and applied in memory first (sorted; an edit that
//! overlaps an earlier one is skipped and reported, as ruff does). Then each
//! new content goes to an `O_EXCL` temp file beside its target, is fsynced and
//! given the target's mode; only when every temp is written are they renamed
//! over their targets. Any failure removes the temps and puts back the files
//! already replaced, from the original bytes: `no changes written: <reason>`.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::edit::{Edit, ReasonCode, Refusal};
use super::workspace::{O_NOFOLLOW, Workspace, open_nofollow, opened_at};

/// One file's old and new contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    pub old: Vec<u8>,
    pub new: Vec<u8>,
}

/// The in-memory result of applying a set of edits.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// Files whose contents change, sorted by path.
    pub changes: Vec<FileChange>,
    /// Edits dropped because they overlapped an earlier edit of the same file.
    pub skipped: Vec<Edit>,
}

/// Apply `edits` (any order, one file) to `original`. Overlapping edits after
/// the first are returned as skipped; a range outside the text or off a char
/// boundary is an error (a bug of the fixer).
pub fn apply_edits(original: &str, edits: &[Edit]) -> Result<(String, Vec<Edit>), String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(original.len() + 256);
    let mut skipped = Vec::new();
    let mut last = 0usize;
    let mut last_insert_at: Option<usize> = None;
    for e in sorted {
        let r = e.range.clone();
        if r.start > r.end
            || r.end > original.len()
            || !original.is_char_boundary(r.start)
            || !original.is_char_boundary(r.end)
        {
            return Err(format!("edit range {:?} is invalid for {}", r, e.path));
        }
        // Two insertions at one point, or a range starting inside the last one.
        if r.start < last || (r.is_empty() && last_insert_at == Some(r.start)) {
            skipped.push(e.clone());
            continue;
        }
        out.push_str(&original[last..r.start]);
        out.push_str(&e.content);
        last = r.end;
        last_insert_at = if r.is_empty() { Some(r.start) } else { None };
    }
    out.push_str(&original[last..]);
    Ok((out, skipped))
}

/// Read every file the edits touch through the workspace and apply the edits
/// in memory. Files whose contents do not change are left out.
pub fn prepare(ws: &Workspace, edits: &[Edit]) -> Result<Prepared, Refusal> {
    let mut by_file: BTreeMap<&str, Vec<Edit>> = BTreeMap::new();
    for e in edits {
        by_file.entry(e.path.as_str()).or_default().push(e.clone());
    }
    let mut prepared = Prepared::default();
    for (path, edits) in by_file {
        let Some(old) = ws.read_text(path)? else {
            return Err(Refusal::fatal(
                ReasonCode::Io,
                format!("{path} does not exist"),
            ));
        };
        let (new, skipped) =
            apply_edits(&old, &edits).map_err(|e| Refusal::fatal(ReasonCode::Bug, e))?;
        prepared.skipped.extend(skipped);
        if new != old {
            prepared.changes.push(FileChange {
                path: path.to_string(),
                old: old.into_bytes(),
                new: new.into_bytes(),
            });
        }
    }
    Ok(prepared)
}

/// Points where [`write_all_with_hook`] calls its hook (for failure-injection tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Before the temp file of change `n` is written.
    Temp(usize),
    /// Before change `n`'s temp file is renamed over its target.
    Rename(usize),
}

/// Write every change, or none: `Err("no changes written: …")`.
pub fn write_all(ws: &Workspace, changes: &[FileChange]) -> Result<(), String> {
    write_all_with_hook(ws, changes, &mut |_| Ok(()))
}

/// [`write_all`] with a hook called at each [`Stage`]; an error from the hook
/// is treated like an I/O failure at that point. Tests use it to prove that a
/// failure half-way leaves every file unchanged.
#[doc(hidden)]
pub fn write_all_with_hook(
    ws: &Workspace,
    changes: &[FileChange],
    hook: &mut dyn FnMut(Stage) -> io::Result<()>,
) -> Result<(), String> {
    let fail = |e: String| format!("no changes written: {e}");
    // Phase 1: check each target is still what we read, then write the temps.
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let cleanup = |temps: &[(PathBuf, PathBuf)]| {
        for (tmp, _) in temps {
            let _ = fs::remove_file(tmp);
        }
    };
    for (n, change) in changes.iter().enumerate() {
        let step = (|| -> Result<(PathBuf, PathBuf), String> {
            hook(Stage::Temp(n)).map_err(|e| format!("{}: {e}", change.path))?;
            let target = checked_target(ws, change)?;
            let mode = fs::symlink_metadata(&target)
                .map_err(|e| format!("{}: {e}", change.path))?
                .permissions()
                .mode()
                & 0o7777;
            let tmp = write_temp(&target, &change.new, mode)
                .map_err(|e| format!("{}: {e}", change.path))?;
            Ok((tmp, target))
        })();
        match step {
            Ok(pair) => temps.push(pair),
            Err(e) => {
                cleanup(&temps);
                return Err(fail(e));
            }
        }
    }
    // Phase 2: rename all; on failure put back what was replaced.
    for n in 0..temps.len() {
        let (tmp, target) = &temps[n];
        let res = hook(Stage::Rename(n)).and_then(|()| fs::rename(tmp, target));
        if let Err(e) = res {
            let mut restore_errors = Vec::new();
            for (k, (_, done)) in temps[..n].iter().enumerate() {
                let mode = fs::symlink_metadata(done)
                    .map(|m| m.permissions().mode() & 0o7777)
                    .unwrap_or(0o644);
                let restored = write_temp(done, &changes[k].old, mode)
                    .and_then(|t| fs::rename(&t, done).inspect_err(|_| drop(fs::remove_file(&t))));
                if let Err(re) = restored {
                    restore_errors.push(format!("{}: {re}", changes[k].path));
                }
            }
            cleanup(&temps[n..]);
            let mut msg = format!("{}: {e}", changes[n].path);
            if !restore_errors.is_empty() {
                msg.push_str(&format!(
                    " (and could not restore {})",
                    restore_errors.join(", ")
                ));
            }
            return Err(fail(msg));
        }
    }
    for (_, target) in &temps {
        if let Some(dir) = target.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// The target's absolute path, after checking that no component is a symlink
/// and that it still holds the bytes the edits were made against.
fn checked_target(ws: &Workspace, change: &FileChange) -> Result<PathBuf, String> {
    match ws.check_components(&change.path) {
        Ok(true) => {}
        Ok(false) => return Err(format!("{} no longer exists", change.path)),
        Err(r) => return Err(r.detail),
    }
    let target = ws.abs(&change.path);
    let mut current = Vec::new();
    open_nofollow(&target)
        .and_then(|f| {
            f.take(change.old.len() as u64 + 1)
                .read_to_end(&mut current)
        })
        .map_err(|e| format!("{}: {e}", change.path))?;
    if current != change.old {
        return Err(format!(
            "{} changed while the fix was prepared",
            change.path
        ));
    }
    Ok(target)
}

/// Write `bytes` to a new `O_EXCL` file beside `target`, fsync it and give it `mode`.
fn write_temp(target: &Path, bytes: &[u8], mode: u32) -> io::Result<PathBuf> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file");
    let mut rnd = [0u8; 8];
    getrandom::fill(&mut rnd).map_err(|e| io::Error::other(e.to_string()))?;
    let suffix: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!(".{name}.autoheal-{suffix}.tmp"));
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(O_NOFOLLOW)
        .open(&tmp)?;
    if !opened_at(&f, &tmp) {
        let _ = fs::remove_file(&tmp);
        return Err(io::Error::other("directory changed while writing"));
    }
    let res = f
        .write_all(bytes)
        .and_then(|()| f.set_permissions(fs::Permissions::from_mode(mode)))
        .and_then(|()| f.sync_all());
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_sorted_and_skips_overlaps() {
        let edits = vec![
            Edit::replace("f", 4..5, "X"),
            Edit::insert("f", 0, ">"),
            Edit::replace("f", 3..6, "Y"),
        ];
        let (out, skipped) = apply_edits("abcdefg", &edits).unwrap();
        assert_eq!(out, ">abcYg");
        assert_eq!(skipped, vec![Edit::replace("f", 4..5, "X")]);
    }

    #[test]
    fn rejects_bad_ranges() {
        assert!(apply_edits("ab", &[Edit::replace("f", 1..3, "")]).is_err());
        assert!(apply_edits("é", &[Edit::replace("f", 1..2, "")]).is_err());
    }

    #[test]
    fn keeps_mode_and_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("run.sh");
        fs::write(&p, "a\r\nb").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let prepared = prepare(&ws, &[Edit::insert("run.sh", 3, "x")]).unwrap();
        write_all(&ws, &prepared.changes).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"a\r\nxb");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o755
        );
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1);
    }
}
