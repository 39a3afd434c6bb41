//! Fixes grounded in the repository, end to end through the binary: the log
//! says what went wrong, the repository decides what a fix writes and where.
//! Logs are attacker-controlled, so a scope, a package name or a module the
//! log names is written only when the workspace (or a curated table) backs
//! it; otherwise `fix` refuses (exit 3) and the workspace stays
//! byte-identical.

#[path = "support/runner.rs"]
mod runner;

#[path = "support/bin.rs"]
mod bin;

use bin::autoheal;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use runner::runner_outputs;

// ---------------------------------------------------------------- harness

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn run(cmd: &mut Command) -> Out {
    let o = cmd.output().expect("binary runs");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A GitHub job log: each line behind a runner timestamp.
fn gh(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|l| format!("2024-05-01T12:00:00.0000000Z {l}\n"))
        .collect()
}

/// A workspace in a temp dir; logs are written beside it, not in it.
struct Ws {
    tmp: tempfile::TempDir,
}

impl Ws {
    fn new(files: &[(&str, &str)]) -> Ws {
        let ws = Ws {
            tmp: tempfile::tempdir().expect("tempdir"),
        };
        std::fs::create_dir(ws.path()).expect("mkdir");
        for (name, data) in files {
            let p = ws.path().join(name);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, data).expect("write");
        }
        ws
    }

    /// A copy of `fixtures/repos/<rel>`.
    fn fixture(rel: &str) -> Ws {
        let ws = Ws::new(&[]);
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/repos")
            .join(rel);
        assert!(src.is_dir(), "{}", src.display());
        copy_tree(&src, &ws.path());
        ws
    }

    fn path(&self) -> PathBuf {
        self.tmp.path().join("ws")
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).expect("read")
    }

    fn log(&self, name: &str, text: &str) -> PathBuf {
        let p = self.tmp.path().join(name);
        std::fs::write(&p, text).expect("write log");
        p
    }

    fn snapshot(&self) -> BTreeMap<PathBuf, (u32, Vec<u8>)> {
        let mut out = BTreeMap::new();
        let mut stack = vec![self.path()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("readable") {
                let p = entry.expect("entry").path();
                let meta = std::fs::symlink_metadata(&p).expect("meta");
                let rel = p.strip_prefix(self.path()).expect("beneath").to_path_buf();
                let mode = meta.permissions().mode();
                if meta.is_dir() {
                    out.insert(rel, (mode, Vec::new()));
                    stack.push(p);
                } else {
                    out.insert(rel, (mode, std::fs::read(&p).expect("read")));
                }
            }
        }
        out
    }

    fn fix(&self, log: &Path, extra: &[&str]) -> Out {
        run(autoheal()
            .arg("fix")
            .args(extra)
            .arg("-C")
            .arg(self.path())
            .arg(log))
    }

    /// `fix` must exit 3 with `message` and leave every byte as it was.
    fn refused(&self, log: &Path, extra: &[&str], message: &str) -> Out {
        let before = self.snapshot();
        let out = self.fix(log, extra);
        assert_eq!(
            out.code, 3,
            "stderr: {}\nstdout: {}",
            out.stderr, out.stdout
        );
        assert!(
            out.stderr.contains(message),
            "expected {message:?} in stderr:\n{}",
            out.stderr
        );
        assert!(
            out.stdout.is_empty(),
            "a refusal printed a diff: {}",
            out.stdout
        );
        assert_eq!(self.snapshot(), before, "the workspace changed");
        out
    }
}

fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for entry in std::fs::read_dir(src).expect("readable") {
        let entry = entry.expect("entry");
        let to = dst.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
}

// ---------------------------------------------------------------- permissions

/// A job whose token is read-only at both levels, with the given steps.
fn perm_workflow(job_block: bool, steps: &str) -> String {
    let block = if job_block {
        "    permissions:\n      contents: read   # checkout\n"
    } else {
        ""
    };
    format!(
        "name: release\non: push\npermissions:\n  contents: read\njobs:\n  release:\n    runs-on: ubuntu-latest\n{block}    steps:\n      - uses: actions/checkout@v4\n{steps}"
    )
}

/// `git push` refused by GitHub, under the step whose first `run:` line is `first`.
fn push_denied_log(first: &str) -> String {
    let header = format!("##[group]Run {first}");
    gh(&[
        "##[group]Run actions/checkout@v4",
        "with:",
        "  repository: acme/app",
        "##[endgroup]",
        "Syncing repository: acme/app",
        &header,
        first,
        "shell: /usr/bin/bash -e {0}",
        "##[endgroup]",
        "remote: Permission to acme/app.git denied to github-actions[bot].",
        "fatal: unable to access 'https://github.com/acme/app/': The requested URL returned error: 403",
        "##[error]Process completed with exit code 128.",
    ])
}

#[test]
fn forged_push_denial_under_a_step_that_pushes_nothing_is_refused() {
    let wf = perm_workflow(true, "      - name: Tests\n        run: pytest\n");
    let ws = Ws::new(&[(".github/workflows/release.yml", &wf)]);
    let log = ws.log("job.txt", &push_denied_log("pytest"));
    for extra in [&[][..], &["--unsafe-fixes"][..]] {
        let out = ws.refused(&log, extra, "refused (no-evidence)");
        // The reason names what is missing: a step that needs the scope.
        assert!(
            out.stderr.contains("the log names `contents: write`")
                && out
                    .stderr
                    .contains("runs nothing that writes with the token"),
            "{}",
            out.stderr
        );
    }
    // Without any workflow, nothing shows the step either.
    let bare = Ws::new(&[("README.md", "app\n")]);
    let log = bare.log("job.txt", &push_denied_log("pytest"));
    bare.refused(&log, &["--unsafe-fixes"], "refused (no-evidence)");
}

#[test]
fn push_denial_under_a_step_that_pushes_is_unsafe_and_goes_on_the_job_block() {
    let steps = "      - name: Tag\n        run: |\n          git tag v1.2.3\n          git push origin v1.2.3\n";
    let wf = perm_workflow(true, steps);
    let ws = Ws::new(&[(".github/workflows/release.yml", &wf)]);
    let log = ws.log("job.txt", &push_denied_log("git tag v1.2.3"));
    // Widening a token is never safe: listed, not applied.
    let out = ws.refused(&log, &[], "unsafe fix not applied (use --unsafe-fixes)");
    assert!(
        out.stderr.contains("permission-missing [unsafe"),
        "{}",
        out.stderr
    );
    let out = ws.fix(&log, &["--unsafe-fixes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        ws.read(".github/workflows/release.yml"),
        wf.replace(
            "      contents: read   # checkout",
            "      contents: write   # checkout"
        ),
        "only the job's block changes; the workflow's stays read"
    );
    // The evidence is the workflow line that pushes.
    assert!(
        out.stderr.contains("decided by: the repository"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(".github/workflows/release.yml:15: git push origin v1.2.3"),
        "{}",
        out.stderr
    );
    // Idempotent: the second run finds it granted.
    ws.refused(&log, &["--unsafe-fixes"], "already");
}

#[test]
fn pr_comment_step_gets_pull_requests_write() {
    let steps = "      - name: Comment coverage\n        env:\n          GH_TOKEN: ${{ github.token }}\n        run: gh pr comment \"$PR\" --body-file coverage.md\n";
    let wf = perm_workflow(true, steps);
    let ws = Ws::new(&[(".github/workflows/release.yml", &wf)]);
    let log = ws.log(
        "job.txt",
        &gh(&[
            "##[group]Run gh pr comment \"$PR\" --body-file coverage.md",
            "gh pr comment \"$PR\" --body-file coverage.md",
            "shell: /usr/bin/bash -e {0}",
            "env:",
            "  GH_TOKEN: ***",
            "##[endgroup]",
            "GraphQL: Resource not accessible by integration (addComment)",
            "##[error]Process completed with exit code 1.",
        ]),
    );
    // gh's one-line error classifies with modest confidence; the threshold
    // is the user's to lower, and the scope still comes from the workflow.
    let low = ["--min-confidence", "0.3"];
    ws.refused(&log, &low, "unsafe fix not applied");
    let out = ws.fix(&log, &[&low[..], &["--unsafe-fixes"]].concat());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "       contents: read   # checkout\n+      pull-requests: write\n     steps:\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        ws.read(".github/workflows/release.yml")
            .starts_with("name: release\non: push\npermissions:\n  contents: read\njobs:\n")
    );
}

#[test]
fn workflow_level_permissions_are_never_edited() {
    // The job has no block: it gets its own, the workflow's scopes copied,
    // and the workflow's block is left as it was.
    let steps = "      - run: git push --tags\n";
    let wf = perm_workflow(false, steps);
    let ws = Ws::new(&[(".github/workflows/release.yml", &wf)]);
    let log = ws.log("job.txt", &push_denied_log("git push --tags"));
    let gh_dir = tempfile::tempdir().expect("tempdir");
    let output = gh_dir.path().join("output");
    std::fs::write(&output, "").expect("output");
    let out = run(autoheal()
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", gh_dir.path().join("summary"))
        .env("RUNNER_TEMP", gh_dir.path())
        .args(["fix", "--format", "github", "--unsafe-fixes", "-C"])
        .arg(ws.path())
        .arg(&log));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let after = ws.read(".github/workflows/release.yml");
    assert_eq!(
        after,
        wf.replace(
            "  release:\n",
            "  release:\n    permissions:\n      contents: write\n"
        )
    );
    assert!(after.contains("\npermissions:\n  contents: read\njobs:"));
    let outputs = runner_outputs(&std::fs::read_to_string(&output).expect("read"))
        .expect("GITHUB_OUTPUT parses like the runner");
    let get = |k: &str| {
        outputs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("applied"), Some("true"));
    assert_eq!(get("touches-workflows"), Some("true"));

    // No block anywhere: a job block would drop the repository's defaults.
    let bare = "name: release\non: push\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - run: git push --tags\n";
    let ws = Ws::new(&[(".github/workflows/release.yml", bare)]);
    let log = ws.log("job.txt", &push_denied_log("git push --tags"));
    let out = ws.refused(&log, &["--unsafe-fixes"], "no automatic fix (advice only)");
    assert!(out.stderr.contains("contents: write"), "{}", out.stderr);
    assert!(out.all().contains("`git push`"), "{}", out.stderr);
}

#[test]
fn a_scope_the_step_does_not_need_is_refused() {
    // The step comments with gh; the log claims it needed `contents: write`.
    let steps = "      - run: gh issue comment 7 --body done\n";
    let wf = perm_workflow(true, steps);
    let ws = Ws::new(&[(".github/workflows/release.yml", &wf)]);
    let log = ws.log(
        "job.txt",
        &push_denied_log("gh issue comment 7 --body done"),
    );
    let out = ws.refused(&log, &["--unsafe-fixes"], "refused (no-evidence)");
    assert!(
        out.stderr
            .contains("runs `gh issue`, which does not need it"),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------- own modules

/// The log of a real `pytest` run on `fixtures/repos/python-module-not-installed/own-module`
/// (tests/ has no `__init__.py`, so the repository root is not on `sys.path`).
fn own_module_log() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/repos/python-module-not-installed/own-module.log")
}

#[test]
fn the_repositorys_own_package_is_never_added_as_a_dependency() {
    let ws = Ws::fixture("python-module-not-installed/own-module");
    let out = ws.refused(
        &own_module_log(),
        &["--unsafe-fixes"],
        "refused (own-module)",
    );
    assert!(
        out.stderr
            .contains("'tools' is this repository's own package (tools/__init__.py)")
            && out.stderr.contains("pip install -e ."),
        "{}",
        out.stderr
    );

    // Each way a repository shows its own package.
    let std = |ws: &Ws, from: &str, to: &str| {
        let (from, to) = (ws.path().join(from), ws.path().join(to));
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::rename(from, to).expect("rename");
    };
    let src = Ws::fixture("python-module-not-installed/own-module");
    std(&src, "tools", "src/tools");
    src.refused(&own_module_log(), &[], "(src/tools/)");

    let single = Ws::fixture("python-module-not-installed/own-module");
    std(&single, "tools/export.py", "tools.py");
    std::fs::remove_dir_all(single.path().join("tools")).expect("rm");
    single.refused(&own_module_log(), &[], "(tools.py)");

    for (file, text) in [
        (
            "pyproject.toml",
            "[project]\nname = \"Tools\"\nversion = \"0.1.0\"\n",
        ),
        ("setup.cfg", "[metadata]\nname = tools\n"),
        (
            "setup.py",
            "from setuptools import setup\n\nsetup(name=\"tools\", packages=[\"lib\"])\n",
        ),
    ] {
        let named = Ws::fixture("python-module-not-installed/own-module");
        std(&named, "tools", "lib");
        std::fs::write(named.path().join(file), text).expect("write");
        named.refused(&own_module_log(), &[], &format!("own package ({file})"));
    }

    // Control: with no such package in the repository, `tools` is a
    // well-known PyPI distribution and is added, decided by the curated list.
    let other = Ws::fixture("python-module-not-installed/own-module");
    std(&other, "tools", "lib");
    let out = run(autoheal()
        .args(["fix", "--format", "json", "-C"])
        .arg(other.path())
        .arg(own_module_log()));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        other.read("requirements.txt"),
        "requests==2.32.3\npytest==9.2.0\ntools\n"
    );
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let evidence = &report["fixes"][0]["evidence"];
    assert_eq!(evidence["decided_by"], "curated", "{evidence}");
    assert_eq!(evidence["workspace"][0]["file"], "requirements.txt");
    assert_eq!(evidence["workspace"][0]["line"], 3);
}

// ---------------------------------------------------------------- advice names

/// `node --test` failing on a `require` of `module` from server.js.
fn node_log(module: &str) -> String {
    let err = format!("Error: Cannot find module '{module}'");
    gh(&[
        "##[group]Run npm test",
        "npm test",
        "shell: /usr/bin/bash -e {0}",
        "##[endgroup]",
        "",
        "> app@1.0.0 test",
        "> node --test",
        "",
        "node:internal/modules/cjs/loader:1228",
        "  throw err;",
        "  ^",
        "",
        &err,
        "Require stack:",
        "- /home/runner/work/app/app/server.js",
        "- /home/runner/work/app/app/test/server.test.js",
        "    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)",
        "    at Module._load (node:internal/modules/cjs/loader:1051:27)",
        "    at Module.require (node:internal/modules/cjs/loader:1311:19)",
        "    at require (node:internal/modules/helpers:179:18)",
        "    at Object.<anonymous> (/home/runner/work/app/app/server.js:1:17) {",
        "  code: 'MODULE_NOT_FOUND',",
        "  requireStack: [",
        "    '/home/runner/work/app/app/server.js',",
        "    '/home/runner/work/app/app/test/server.test.js'",
        "  ]",
        "}",
        "",
        "Node.js v20.11.1",
        "##[error]Process completed with exit code 1.",
    ])
}

/// rustc on `use <krate>::Value;` without the crate.
fn rust_log(krate: &str) -> String {
    let e = format!("error[E0432]: unresolved import `{krate}`");
    let src = format!("1 | use {krate}::Value;");
    let note = format!("  |     ^^^^^^^^^^^ use of unresolved module or unlinked crate `{krate}`");
    let help = format!(
        "  = help: if you wanted to use a crate named `{krate}`, use `cargo add {krate}` to add it to your `Cargo.toml`"
    );
    gh(&[
        "##[group]Run cargo build --locked",
        "cargo build --locked",
        "shell: /usr/bin/bash -e {0}",
        "##[endgroup]",
        "   Compiling app v0.1.0 (/home/runner/work/app/app)",
        &e,
        " --> src/main.rs:1:5",
        "  |",
        &src,
        &note,
        "  |",
        &help,
        "",
        "For more information about this error, try `rustc --explain E0432`.",
        "error: could not compile `app` (bin \"app\") due to 1 previous error",
        "##[error]Process completed with exit code 101.",
    ])
}

/// What a person is told to do: the diagnosis's suggestion (text, JSON and
/// the GitHub output) and the fix report's advice and reason.
fn advice_of(ws: &Ws, log: &Path) -> String {
    let diag = run(autoheal().args(["diagnose", "--format", "json"]).arg(log));
    assert_eq!(diag.code, 0, "{}", diag.stderr);
    let v: serde_json::Value = serde_json::from_str(&diag.stdout).expect("json");
    let mut all = v["failures"][0]["suggested_fix"]
        .as_str()
        .expect("suggested_fix")
        .to_string();
    let text = run(autoheal().arg("diagnose").arg(log));
    all.push_str(
        &text
            .stdout
            .lines()
            .chain(text.stderr.lines())
            .filter(|l| l.trim_start().starts_with("fix:"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let gh_dir = tempfile::tempdir().expect("tempdir");
    let output = gh_dir.path().join("output");
    std::fs::write(&output, "").expect("output");
    let out = run(autoheal()
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", gh_dir.path().join("summary"))
        .env("RUNNER_TEMP", gh_dir.path())
        .args(["diagnose", "--format", "github"])
        .arg(log));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let outputs = runner_outputs(&std::fs::read_to_string(&output).expect("read"))
        .expect("GITHUB_OUTPUT parses like the runner");
    let suggested = outputs
        .iter()
        .find(|(k, _)| k == "suggested-fix")
        .map(|(_, v)| v.clone())
        .expect("suggested-fix output");
    all.push('\n');
    all.push_str(&suggested);
    // The fix stage, with the workspace: advice only, nothing written.
    let fix = ws.refused(log, &[], "no automatic fix (advice only)");
    let report: Vec<&str> = fix
        .stderr
        .lines()
        .filter(|l| l.contains("python-module-not-installed") || l.starts_with("no fix"))
        .collect();
    assert!(!report.is_empty(), "{}", fix.stderr);
    all.push('\n');
    all.push_str(&report.join("\n"));
    all
}

#[test]
fn a_near_miss_npm_name_is_never_repeated_as_advice() {
    let ws = Ws::new(&[(
        "package.json",
        "{\"name\": \"app\", \"dependencies\": {}}\n",
    )]);
    let log = ws.log("job.txt", &node_log("expresss"));
    let advice = advice_of(&ws, &log);
    assert!(!advice.contains("expresss"), "{advice}");
    assert!(advice.contains("install the missing package"), "{advice}");
    // The well-known name is named.
    let log = ws.log("job2.txt", &node_log("express"));
    let advice = advice_of(&ws, &log);
    assert!(advice.contains("`npm install express`"), "{advice}");
}

#[test]
fn a_near_miss_crate_is_never_repeated_as_advice() {
    let ws = Ws::new(&[(
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
    )]);
    let log = ws.log("job.txt", &rust_log("serde_jsonn"));
    let advice = advice_of(&ws, &log);
    assert!(!advice.contains("serde_jsonn"), "{advice}");
    let log = ws.log("job2.txt", &rust_log("serde_json"));
    assert!(advice_of(&ws, &log).contains("`cargo add serde_json`"));
}

#[test]
fn a_package_the_repository_lists_is_named() {
    // Not on any curated list, but in the repository's own package.json.
    let manifest = "{\n  \"name\": \"app\",\n  \"dependencies\": {\n    \"acme-widgets\": \"^2.1.0\"\n  }\n}\n";
    let ws = Ws::new(&[("package.json", manifest)]);
    let log = ws.log("job.txt", &node_log("acme-widgets"));
    // Diagnosis alone (no workspace) cannot vouch for it.
    let diag = run(autoheal().args(["diagnose", "--format", "json"]).arg(&log));
    assert!(
        !diag.stdout.contains("npm install acme-widgets"),
        "{}",
        diag.stdout
    );
    let out = ws.refused(&log, &[], "no automatic fix (advice only)");
    assert!(
        out.stderr
            .contains("acme-widgets is listed in package.json but not installed"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("package.json:4: \"acme-widgets\": \"^2.1.0\""),
        "{}",
        out.stderr
    );
    // The same name without the manifest is not named.
    let bare = Ws::new(&[("README.md", "app\n")]);
    let log = bare.log("job.txt", &node_log("acme-widgets"));
    let out = bare.refused(&log, &[], "no automatic fix (advice only)");
    assert!(
        !out.stderr.contains("npm install acme-widgets"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("acme-widgets is listed"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_curated_lists_agree_with_their_generator() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen-well-known");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("--check")
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
