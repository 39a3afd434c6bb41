//! A confined view of the repository a fix may change.
//!
//! Paths reach fixers from log text (a traceback's file name), which a fork's
//! author controls. So every path goes through [`Workspace::resolve`]: the
//! runner's checkout prefix is stripped, then anything absolute, with `..` or
//! empty parts, under `.git/`, or passing through a symlink is refused; in a
//! git checkout the file must also be tracked as a regular file (mode 100644 or
//! 100755). Files are opened with `O_NOFOLLOW` and checked with `fstat`
//! (regular, one link, at most [`MAX_FILE_BYTES`]).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::edit::{ReasonCode, Refusal, quoted};

/// Files larger than this are never read or edited (SECURITY.md §4).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// `O_NOFOLLOW` on Linux (std has no constant for it and unsafe code, hence
/// the libc crate's FFI, is forbidden here). Its value differs by
/// architecture: on aarch64 and arm, 0o400000 is `O_LARGEFILE`.
#[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
pub const O_NOFOLLOW: i32 = 0o100000;
#[cfg(not(any(target_arch = "aarch64", target_arch = "arm")))]
pub const O_NOFOLLOW: i32 = 0o400000;

/// Directories never walked when a fixer searches the tree for a default.
const SKIP_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    "dist",
    "build",
    ".tox",
];
/// Caps on a search walk, so a huge repository costs bounded time.
const MAX_WALK_FILES: usize = 20_000;
const MAX_WALK_DEPTH: usize = 12;

#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
    git: bool,
}

impl Workspace {
    /// A workspace rooted at `root` (must be a directory).
    pub fn open(root: &Path) -> io::Result<Workspace> {
        let root = fs::canonicalize(root)?;
        if !fs::metadata(&root)?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                "workspace is not a directory",
            ));
        }
        // The root or a directory above it holds the checkout's `.git`.
        let git = root
            .ancestors()
            .any(|dir| fs::symlink_metadata(dir.join(".git")).is_ok());
        Ok(Workspace { root, git })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the root is a git checkout (then edited files must be tracked).
    pub fn is_git(&self) -> bool {
        self.git
    }

    /// Turn a path as a log or a config names it into a confined,
    /// repository-relative path (`/`-separated), or refuse it. Does not
    /// require the file to exist; [`Workspace::read`] checks the file itself.
    pub fn resolve(&self, raw: &str) -> Result<String, Refusal> {
        let refuse = || {
            Refusal::new(
                ReasonCode::Path,
                format!("refusing to edit path outside workspace: {}", quoted(raw)),
            )
        };
        if raw.len() > 4096 || raw.chars().any(|c| c == '\0' || c == '\\') {
            return Err(refuse());
        }
        let mut p = strip_runner_prefix(raw);
        if let Some(rest) = p.strip_prefix(self.root.to_str().unwrap_or("\0"))
            && let Some(rest) = rest.strip_prefix('/')
        {
            p = rest;
        }
        while let Some(rest) = p.strip_prefix("./") {
            p = rest;
        }
        if p.is_empty() || p.starts_with('/') {
            return Err(refuse());
        }
        for part in p.split('/') {
            if part.is_empty() || part == "." || part == ".." {
                return Err(refuse());
            }
        }
        if p == ".git" || p.starts_with(".git/") {
            return Err(refuse());
        }
        Ok(p.to_string())
    }

    /// Read a confined file. `Ok(None)` when it does not exist; a refusal when
    /// it exists but may not be edited (symlink, not regular, too big, not
    /// tracked).
    pub fn read(&self, rel: &str) -> Result<Option<Vec<u8>>, Refusal> {
        let rel = self.resolve(rel)?;
        if !self.check_components(&rel)? {
            return Ok(None);
        }
        let path = self.root.join(&rel);
        let file = match OpenOptions::new()
            .read(true)
            .custom_flags(O_NOFOLLOW)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.raw_os_error() == Some(40) => return Err(symlink_refusal(&rel)),
            Err(e) => {
                return Err(Refusal::fatal(
                    ReasonCode::Io,
                    format!("cannot read {rel}: {e}"),
                ));
            }
        };
        if !opened_at(&file, &path) {
            return Err(symlink_refusal(&rel));
        }
        let meta = file
            .metadata()
            .map_err(|e| Refusal::fatal(ReasonCode::Io, format!("cannot stat {rel}: {e}")))?;
        if !meta.is_file() {
            return Err(Refusal::new(
                ReasonCode::Path,
                format!("refusing to edit {}: not a regular file", quoted(&rel)),
            ));
        }
        if meta.nlink() != 1 {
            return Err(Refusal::new(
                ReasonCode::Path,
                format!(
                    "refusing to edit {}: it has several hard links",
                    quoted(&rel)
                ),
            ));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(Refusal::new(
                ReasonCode::Path,
                format!("refusing to edit {}: larger than 1 MiB", quoted(&rel)),
            ));
        }
        self.check_tracked(&rel)?;
        let mut buf = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Refusal::fatal(ReasonCode::Io, format!("cannot read {rel}: {e}")))?;
        if buf.len() as u64 > MAX_FILE_BYTES {
            return Err(Refusal::new(
                ReasonCode::Path,
                format!("refusing to edit {}: larger than 1 MiB", quoted(&rel)),
            ));
        }
        Ok(Some(buf))
    }

    /// Read a confined file as UTF-8 text (`Ok(None)` when absent). Files that
    /// are not UTF-8 are not ours to edit.
    pub fn read_text(&self, rel: &str) -> Result<Option<String>, Refusal> {
        match self.read(rel)? {
            None => Ok(None),
            Some(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
                Refusal::new(
                    ReasonCode::Path,
                    format!("refusing to edit {}: not UTF-8", quoted(rel)),
                )
            }),
        }
    }

    /// The regular files directly inside `dir` (relative), sorted; symlinks
    /// and anything unreadable are left out.
    pub fn list_dir(&self, dir: &str) -> Vec<String> {
        let Ok(dir) = self.resolve(dir) else {
            return Vec::new();
        };
        if !matches!(self.check_components(&dir), Ok(true)) {
            return Vec::new();
        }
        let mut out = Vec::new();
        if let Ok(entries) = fs::read_dir(self.root.join(&dir)) {
            for entry in entries.flatten().take(MAX_WALK_FILES) {
                // Symlinks are listed so that reading one is refused by name
                // (`refused (symlink)`) rather than silently skipped.
                if let (Ok(ft), Some(name)) = (entry.file_type(), entry.file_name().to_str())
                    && (ft.is_file() || ft.is_symlink())
                {
                    out.push(format!("{dir}/{name}"));
                }
            }
        }
        out.sort();
        out
    }

    /// Every regular file of the tree for which `want(relative path)` holds,
    /// in sorted order, skipping vendored and build directories and symlinks;
    /// bounded in depth and count.
    pub fn walk(&self, want: &dyn Fn(&str) -> bool) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = 0usize;
        let mut stack: Vec<(PathBuf, String, usize)> = vec![(self.root.clone(), String::new(), 0)];
        while let Some((dir, rel, depth)) = stack.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            let mut entries: Vec<_> = entries.flatten().collect();
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                seen += 1;
                if seen > MAX_WALK_FILES {
                    return out;
                }
                let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                    continue;
                };
                let Ok(ft) = entry.file_type() else { continue };
                let child = if rel.is_empty() {
                    name.clone()
                } else {
                    format!("{rel}/{name}")
                };
                if ft.is_dir() {
                    if depth < MAX_WALK_DEPTH && !SKIP_DIRS.contains(&name.as_str()) {
                        stack.push((entry.path(), child, depth + 1));
                    }
                } else if ft.is_file() && want(&child) {
                    out.push(child);
                }
            }
        }
        out.sort();
        out
    }

    /// Refuse if any component of `rel` below the root is a symlink; false
    /// if a component does not exist.
    pub fn check_components(&self, rel: &str) -> Result<bool, Refusal> {
        let mut path = self.root.clone();
        for part in rel.split('/') {
            path.push(part);
            match fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => return Err(symlink_refusal(rel)),
                Ok(_) => {}
                Err(_) => return Ok(false),
            }
        }
        Ok(true)
    }

    /// In a git checkout, require `rel` to be tracked as a regular file.
    fn check_tracked(&self, rel: &str) -> Result<(), Refusal> {
        if !self.git {
            return Ok(());
        }
        let refuse = |why: &str| {
            Refusal::new(
                ReasonCode::Path,
                format!(
                    "refusing to edit path outside workspace: {} ({why})",
                    quoted(rel)
                ),
            )
        };
        let out = self
            .git(&["ls-files", "-s", "--", &format!(":(literal){rel}")])
            .map_err(|_| refuse("git is not available"))?;
        if !out.status.success() {
            return Err(refuse("git ls-files failed"));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        match lines.next() {
            Some(line) if lines.next().is_none() => {
                let mode = line.split_whitespace().next().unwrap_or("");
                let path = line.split('\t').nth(1).unwrap_or("");
                if path != rel {
                    Err(refuse("not tracked"))
                } else if mode == "100644" || mode == "100755" {
                    Ok(())
                } else {
                    Err(refuse("not a regular tracked file"))
                }
            }
            _ => Err(refuse("not tracked")),
        }
    }

    /// Whether HEAD's commit message carries our `Autofix-By: autoheal`
    /// trailer: a failure on such a head is not fixed again, since PAT or App
    /// tokens lift GitHub's guard against workflows triggering themselves.
    pub fn head_is_autofix(&self) -> bool {
        if !self.git {
            return false;
        }
        self.git(&["log", "-1", "--format=%B", "HEAD"])
            .ok()
            .filter(|out| out.status.success())
            .is_some_and(|out| {
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .any(|l| l.trim().eq_ignore_ascii_case("Autofix-By: autoheal"))
            })
    }

    /// A file as committed at `rev` (a branch name checked by the caller),
    /// not as the work tree holds it: how the default branch's config is
    /// read when the checkout is someone else's head. `None` when git, the
    /// revision or the file is missing, or the blob is over `cap` bytes.
    pub fn read_committed(&self, rev: &str, rel: &str, cap: usize) -> Option<Vec<u8>> {
        if !self.git || rev.starts_with('-') || rev.contains("..") || rel.starts_with('-') {
            return None;
        }
        let spec = format!("{rev}:{rel}");
        let size = self.git(&["cat-file", "-s", &spec]).ok()?;
        let size: usize = String::from_utf8_lossy(&size.stdout).trim().parse().ok()?;
        if size > cap {
            return None;
        }
        let out = self.git(&["cat-file", "blob", &spec]).ok()?;
        (out.status.success() && out.stdout.len() <= cap).then_some(out.stdout)
    }

    /// Runs git in the workspace with no hooks or fsmonitor: the repository's
    /// own config must not run code.
    fn git(&self, args: &[&str]) -> io::Result<std::process::Output> {
        Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args([
                "-c",
                "core.hooksPath=/dev/null",
                "-c",
                "core.fsmonitor=false",
            ])
            .args(args)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
    }

    /// Open a file for writing its replacement: the temp file beside it.
    pub(crate) fn abs(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

fn symlink_refusal(rel: &str) -> Refusal {
    Refusal::new(
        ReasonCode::Symlink,
        format!("refusing to follow symlink at {}", quoted(rel)),
    )
}

/// Strip the runner's checkout prefix: `/home/runner/work/<repo>/<repo>/`,
/// `$GITHUB_WORKSPACE/` or `${GITHUB_WORKSPACE}/`.
fn strip_runner_prefix(p: &str) -> &str {
    for prefix in ["$GITHUB_WORKSPACE/", "${GITHUB_WORKSPACE}/"] {
        if let Some(rest) = p.strip_prefix(prefix) {
            return rest;
        }
    }
    if let Some(rest) = p.strip_prefix("/home/runner/work/") {
        let mut parts = rest.splitn(3, '/');
        if let (Some(a), Some(b), Some(tail)) = (parts.next(), parts.next(), parts.next())
            && !a.is_empty()
            && a == b
        {
            return tail;
        }
    }
    p
}

/// Open `path` without following a symlink at its last component, and
/// refuse it if the file actually opened is not at `path` (a directory on
/// the way was swapped for a symlink after it was checked).
pub(crate) fn open_nofollow(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(O_NOFOLLOW)
        .open(path)?;
    if !opened_at(&file, path) {
        return Err(io::Error::other("path changed while it was opened"));
    }
    Ok(file)
}

/// Whether an open file is really at `path`, by the kernel's own record of
/// it (`/proc/self/fd`). Where /proc is not mounted the check is skipped: the
/// per-component symlink checks still apply.
pub(crate) fn opened_at(file: &File, path: &Path) -> bool {
    use std::os::fd::AsRawFd;
    match fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
        Ok(real) => real == path,
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("tests")).unwrap();
        fs::write(dir.path().join("tests/t.py"), "x = 1\n").unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        (dir, ws)
    }

    #[test]
    fn strips_runner_prefixes() {
        let (_d, ws) = ws();
        assert_eq!(
            ws.resolve("/home/runner/work/app/app/tests/t.py").unwrap(),
            "tests/t.py"
        );
        assert_eq!(
            ws.resolve("$GITHUB_WORKSPACE/tests/t.py").unwrap(),
            "tests/t.py"
        );
        assert_eq!(ws.resolve("./tests/t.py").unwrap(), "tests/t.py");
    }

    #[test]
    fn refuses_escapes() {
        let (_d, ws) = ws();
        for bad in [
            "/etc/passwd",
            "../x",
            "tests/../../x",
            "/home/runner/work/app/app/../../etc/cron.d/x",
            ".git/hooks/pre-commit",
            ".git",
            "tests//t.py",
            "",
            "/home/runner/work/a/b/t.py",
        ] {
            let r = ws.resolve(bad).unwrap_err();
            assert_eq!(r.id, ReasonCode::Path, "{bad}");
        }
    }

    #[test]
    fn refuses_symlinks() {
        let (d, ws) = ws();
        std::os::unix::fs::symlink("/etc/hostname", d.path().join("link.py")).unwrap();
        std::os::unix::fs::symlink(d.path().join("tests"), d.path().join("ldir")).unwrap();
        assert_eq!(ws.read("link.py").unwrap_err().id.as_str(), "symlink");
        assert_eq!(ws.read("ldir/t.py").unwrap_err().id.as_str(), "symlink");
        assert_eq!(ws.read("tests/t.py").unwrap().unwrap(), b"x = 1\n");
        assert_eq!(ws.read("tests/none.py").unwrap(), None);
    }

    #[test]
    fn refuses_big_files() {
        let (d, ws) = ws();
        fs::write(d.path().join("big.txt"), vec![b'a'; 2 * 1024 * 1024]).unwrap();
        assert_eq!(ws.read("big.txt").unwrap_err().id.as_str(), "path");
    }
}
