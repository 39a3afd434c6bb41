//! The workspace before a re-run, so that what the re-run leaves behind
//! (`.pytest_cache`, `.coverage`, `__pycache__`, a build directory) can be
//! taken away again.
//!
//! A later step may commit everything in the workspace (a pull-request
//! action does), so after a verification the workspace holds what it held
//! before plus the fix, and after a failed one exactly what it held before.
//! The walk never follows a symlink and skips `.git`; file contents are kept
//! up to a budget, and a changed file whose bytes were not kept is named, not
//! guessed at.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// File contents kept in memory at most, in all.
const MAX_KEPT_BYTES: u64 = 64 * 1024 * 1024;
/// A file larger than this is only remembered by size and time.
const MAX_KEPT_FILE: u64 = 8 * 1024 * 1024;
/// Entries walked at most; past this the snapshot says it is partial.
const MAX_ENTRIES: usize = 200_000;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Dir,
    Link(PathBuf),
    File {
        len: u64,
        mtime: (i64, i64),
        mode: u32,
        bytes: Option<Vec<u8>>,
    },
    Other,
}

/// What the workspace held, path by path (relative, `/`-separated).
#[derive(Debug, Default)]
pub struct Snapshot {
    root: PathBuf,
    entries: BTreeMap<PathBuf, Entry>,
    pub partial: bool,
}

impl Snapshot {
    pub fn take(root: &Path) -> io::Result<Snapshot> {
        let mut s = Snapshot {
            root: root.to_path_buf(),
            ..Snapshot::default()
        };
        let mut kept = 0u64;
        let mut stack = vec![PathBuf::new()];
        while let Some(rel) = stack.pop() {
            for item in fs::read_dir(root.join(&rel))? {
                let item = item?;
                let name = item.file_name();
                if rel.as_os_str().is_empty() && name == ".git" {
                    continue;
                }
                if s.entries.len() >= MAX_ENTRIES {
                    s.partial = true;
                    return Ok(s);
                }
                let path = rel.join(&name);
                let meta = fs::symlink_metadata(root.join(&path))?;
                let entry = if meta.file_type().is_symlink() {
                    Entry::Link(fs::read_link(root.join(&path))?)
                } else if meta.is_dir() {
                    stack.push(path.clone());
                    Entry::Dir
                } else if meta.is_file() {
                    let keep = meta.len() <= MAX_KEPT_FILE && kept + meta.len() <= MAX_KEPT_BYTES;
                    let bytes = if keep {
                        kept += meta.len();
                        fs::read(root.join(&path)).ok()
                    } else {
                        None
                    };
                    Entry::File {
                        len: meta.len(),
                        mtime: (meta.mtime(), meta.mtime_nsec()),
                        mode: meta.mode(),
                        bytes,
                    }
                } else {
                    Entry::Other
                };
                s.entries.insert(path, entry);
            }
        }
        Ok(s)
    }

    /// Puts the workspace back as it was, except the paths in `keep` (the
    /// fix's files, which the caller owns). Returns the paths it could not
    /// restore.
    pub fn restore(&self, keep: &[String]) -> io::Result<Vec<String>> {
        let keep: BTreeSet<PathBuf> = keep.iter().map(PathBuf::from).collect();
        let now = Snapshot::take_shallow(&self.root)?;
        let mut unrestored = Vec::new();
        // Remove what is new, deepest first, never following a link.
        for (path, entry) in now.iter().rev() {
            if keep.contains(path) || self.entries.contains_key(path) || self.partial {
                continue;
            }
            // Inside a directory that is itself new: removed with it.
            let full = self.root.join(path);
            let res = match entry {
                Entry::Dir => fs::remove_dir_all(&full),
                _ => fs::remove_file(&full),
            };
            if let Err(e) = res
                && e.kind() != io::ErrorKind::NotFound
            {
                unrestored.push(path.to_string_lossy().to_string());
            }
        }
        // Put back what changed or went away.
        for (path, old) in &self.entries {
            if keep.contains(path) {
                continue;
            }
            let full = self.root.join(path);
            let cur = now.get(path);
            match old {
                Entry::Dir => {
                    if cur != Some(&Entry::Dir) {
                        if cur.is_some() {
                            let _ = fs::remove_file(&full);
                        }
                        fs::create_dir_all(&full)?;
                    }
                }
                Entry::File {
                    len,
                    mtime,
                    mode,
                    bytes,
                } => {
                    let same = match cur {
                        Some(Entry::File {
                            len: l, mtime: m, ..
                        }) => l == len && m == mtime,
                        _ => false,
                    };
                    if same {
                        continue;
                    }
                    match bytes {
                        Some(b) => {
                            if cur.is_some_and(|c| matches!(c, Entry::Link(_) | Entry::Dir)) {
                                let _ =
                                    fs::remove_dir_all(&full).or_else(|_| fs::remove_file(&full));
                            }
                            let unchanged = matches!(cur, Some(Entry::File { .. }))
                                && fs::read(&full).ok().as_ref() == Some(b);
                            if !unchanged {
                                write_back(&full, b, *mode)?;
                            }
                        }
                        None => unrestored.push(path.to_string_lossy().to_string()),
                    }
                }
                Entry::Link(target) => {
                    if cur != Some(&Entry::Link(target.clone())) {
                        if cur.is_some() {
                            let _ = fs::remove_dir_all(&full).or_else(|_| fs::remove_file(&full));
                        }
                        std::os::unix::fs::symlink(target, &full)?;
                    }
                }
                Entry::Other => {}
            }
        }
        Ok(unrestored)
    }

    /// The tree as it is now, without contents.
    fn take_shallow(root: &Path) -> io::Result<BTreeMap<PathBuf, Entry>> {
        let mut out = BTreeMap::new();
        let mut stack = vec![PathBuf::new()];
        while let Some(rel) = stack.pop() {
            let Ok(dir) = fs::read_dir(root.join(&rel)) else {
                continue;
            };
            for item in dir {
                let item = item?;
                let name = item.file_name();
                if rel.as_os_str().is_empty() && name == ".git" {
                    continue;
                }
                let path = rel.join(&name);
                let Ok(meta) = fs::symlink_metadata(root.join(&path)) else {
                    continue;
                };
                let entry = if meta.file_type().is_symlink() {
                    Entry::Link(fs::read_link(root.join(&path)).unwrap_or_default())
                } else if meta.is_dir() {
                    stack.push(path.clone());
                    Entry::Dir
                } else if meta.is_file() {
                    Entry::File {
                        len: meta.len(),
                        mtime: (meta.mtime(), meta.mtime_nsec()),
                        mode: meta.mode(),
                        bytes: None,
                    }
                } else {
                    Entry::Other
                };
                out.insert(path, entry);
            }
        }
        Ok(out)
    }
}

fn write_back(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, bytes)?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o7777))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rerun_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::create_dir_all(root.join("src")).unwrap();
        fs::write(root.join("src/a.py"), "x = 1\n").unwrap();
        fs::write(root.join("keep.txt"), "old\n").unwrap();
        let snap = Snapshot::take(root).unwrap();
        // The re-run's leftovers and damage.
        fs::create_dir_all(root.join(".pytest_cache/v")).unwrap();
        fs::write(root.join(".pytest_cache/v/x"), "1").unwrap();
        fs::write(root.join(".coverage"), "db").unwrap();
        fs::write(root.join("src/a.py"), "x = 2\n").unwrap();
        fs::write(root.join("keep.txt"), "fixed\n").unwrap();
        std::os::unix::fs::symlink("/etc", root.join("src/etc")).unwrap();
        let left = snap.restore(&["keep.txt".to_string()]).unwrap();
        assert!(left.is_empty(), "{left:?}");
        assert!(!root.join(".pytest_cache").exists());
        assert!(!root.join(".coverage").exists());
        assert!(fs::symlink_metadata(root.join("src/etc")).is_err());
        assert_eq!(
            fs::read_to_string(root.join("src/a.py")).unwrap(),
            "x = 1\n"
        );
        assert_eq!(
            fs::read_to_string(root.join("keep.txt")).unwrap(),
            "fixed\n"
        );
    }
}
