//! Dependency edge cases seen in real logs, through the binary: standard
//! library modules removed from newer Pythons map to the distribution that
//! provides them, and a pip line that also installs the project is still a
//! plain pip line.

use std::fs;
#[path = "support/checkout.rs"]
mod checkout;
use checkout::git;
use std::process::Command;

/// A pytest collection error for `import <module>` under Python 3.13.
fn log(module: &str) -> String {
    [
        "##[group]Run pytest".to_string(),
        "pytest".into(),
        "shell: /usr/bin/bash -e {0}".into(),
        "##[endgroup]".into(),
        "==================================== ERRORS ====================================".into(),
        "____________________ ERROR collecting tests/test_app.py ____________________".into(),
        "ImportError while importing test module '/home/runner/work/app/app/tests/test_app.py'.".into(),
        "Traceback:".into(),
        "/opt/hostedtoolcache/Python/3.13.1/x64/lib/python3.13/importlib/__init__.py:88: in import_module".into(),
        "    return _bootstrap._gcd_import(name[level:], package, level)".into(),
        "tests/test_app.py:1: in <module>".into(),
        format!("    import {module}"),
        format!("E   ModuleNotFoundError: No module named '{module}'"),
        "=========================== short test summary info ============================".into(),
        "ERROR tests/test_app.py".into(),
        "##[error]Process completed with exit code 2.".into(),
    ]
    .iter()
    .map(|l| format!("2026-11-20T10:00:00.0000000Z {l}\n"))
    .collect()
}

fn fix(install: &str, module: &str) -> (i32, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    fs::create_dir_all(ws.join(".github/workflows")).unwrap();
    fs::create_dir_all(ws.join("tests")).unwrap();
    fs::write(
        ws.join(".github/workflows/ci.yml"),
        format!("name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: {install}\n      - run: pytest\n"),
    )
    .unwrap();
    fs::write(ws.join("tests/test_app.py"), format!("import {module}\n")).unwrap();
    fs::write(
        ws.join("pyproject.toml"),
        "[project]\nname = \"demo\"\nversion = \"0.1\"\n",
    )
    .unwrap();
    git(&ws, &["init", "-q"]);
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-qm", "init"]);
    let log_path = tmp.path().join("run.log");
    fs::write(&log_path, log(module)).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_autoheal"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(["fix", "--diff-only", "-C"])
        .arg(&ws)
        .arg(&log_path)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn removed_standard_library_modules_map_to_their_distribution() {
    for (module, dist) in [
        ("distutils", "setuptools"),
        ("imp", "zombie-imp"),
        ("asynchat", "standard-asynchat"),
        ("asyncore", "standard-asyncore"),
        ("smtpd", "standard-smtpd"),
        ("telnetlib", "standard-telnetlib"),
        ("cgi", "legacy-cgi"),
    ] {
        let (code, stdout, stderr) = fix("pip install requests pytest", module);
        assert_eq!(code, 0, "{module}: {stderr}");
        assert!(
            stdout.contains(&format!(
                "+      - run: pip install requests pytest {dist}\n"
            )),
            "{module}: {stdout}"
        );
    }
}

#[test]
fn a_pip_line_that_installs_the_project_is_still_a_pip_line() {
    let (code, stdout, stderr) = fix("pip install -e . pytest", "yaml");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("+      - run: pip install -e . pytest PyYAML\n"),
        "{stdout}"
    );
}
