//! Dependency edge cases seen in real logs, through the binary: standard
//! library modules removed from newer Pythons map to the distribution that
//! provides them, and a pip line that also installs the project is still a
//! plain pip line.

use std::fs;
#[path = "support/checkout.rs"]
mod checkout;
use checkout::git;

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

/// A checkout whose CI installs with `install` and whose test imports
/// `module`, plus `files`; `fix --diff-only` on the log of that import failing.
fn fix_in(install: &str, module: &str, files: &[(&str, &str)]) -> (i32, String, String) {
    let wf = format!(
        "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: {install}\n      - run: pytest\n"
    );
    let test = format!("import {module}\n");
    let mut all = vec![
        (".github/workflows/ci.yml", wf.as_str()),
        ("tests/test_app.py", test.as_str()),
    ];
    all.extend_from_slice(files);
    let (tmp, ws) = checkout::repo(&all);
    let log_path = tmp.path().join("run.log");
    fs::write(&log_path, log(module)).unwrap();
    checkout::fix(&["--diff-only"], &ws, &log_path)
}

fn fix(install: &str, module: &str) -> (i32, String, String) {
    fix_in(
        install,
        module,
        &[(
            "pyproject.toml",
            "[project]\nname = \"demo\"\nversion = \"0.1\"\n",
        )],
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

/// `import yaml` failing in a checkout that installs with `install`.
fn fix_with(install: &str, files: &[(&str, &str)]) -> (i32, String, String) {
    fix_in(install, "yaml", files)
}

const HASHED: &str = "requests==2.32.3 \\\n    --hash=sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6\n";

#[test]
fn hash_mode_is_seen_through_includes() {
    // The edited file includes a hashed one: pip then wants hashes for all.
    let (code, out, err) = fix_with(
        "pip install -r requirements-dev.txt",
        &[
            ("requirements-dev.txt", "-r requirements.txt\npytest\n"),
            ("requirements.txt", HASHED),
        ],
    );
    assert_eq!(code, 3, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("refused (hash-mode)") && err.contains("requirements.txt has hashes"),
        "{err}"
    );
    // Two levels down, and through `-c` constraints and `--requirement=`.
    let (code, _, err) = fix_with(
        "pip install -r ci/dev.txt",
        &[
            ("ci/dev.txt", "--requirement=base.txt\npytest\n"),
            ("ci/base.txt", "-c ../constraints.txt\nrequests\n"),
            ("constraints.txt", HASHED),
        ],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("constraints.txt has hashes"), "{err}");
    // An inline pip line with hashed constraints, and one with --require-hashes.
    for install in [
        "pip install -c constraints.txt pytest",
        "pip install --require-hashes pytest",
    ] {
        let (code, out, err) = fix_with(install, &[("constraints.txt", HASHED)]);
        assert_eq!(code, 3, "{install}: {err}");
        assert!(
            out.is_empty() && err.contains("refused (hash-mode)"),
            "{install}: {err}"
        );
    }
    // Includes that leave the workspace or loop are not followed forever.
    let (code, out, err) = fix_with(
        "pip install -r requirements-dev.txt",
        &[(
            "requirements-dev.txt",
            "-r requirements-dev.txt\n-r ../../etc/passwd\npytest\n",
        )],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("+PyYAML"), "{out}");
}

/// coverage under Python 3.8, as quoted in
/// Fusion-Power-Plant-Framework/bluemira#295, with the traceback lines of
/// coverage 6.0's tomlconfig.py (coveragepy/coveragepy#1373).
fn coverage_toml_log() -> String {
    [
        "##[group]Run pytest --cov=app tests",
        "pytest --cov=app tests",
        "shell: /usr/bin/bash -e {0}",
        "##[endgroup]",
        "INTERNALERROR> Traceback (most recent call last):",
        "INTERNALERROR>   File \"/opt/hostedtoolcache/Python/3.8.12/x64/lib/python3.8/site-packages/coverage/tomlconfig.py\", line 49, in read",
        "INTERNALERROR>     raise CoverageException(\"Can't read {!r} without TOML support. Install with [toml] extra\".format(filename))",
        "coverage.exceptions.CoverageException: Can't read 'pyproject.toml' without TOML support. Install with [toml] extra",
        "##[error]Process completed with exit code 1.",
    ]
    .iter()
    .map(|l| format!("2026-11-20T10:00:00.0000000Z {l}\n"))
    .collect()
}

#[test]
fn an_extra_the_message_asks_for_is_added_with_the_package() {
    let wf = "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pip install pytest pytest-cov\n      - run: pytest --cov=app tests\n";
    let (tmp, ws) = checkout::repo(&[
        (".github/workflows/ci.yml", wf),
        ("pyproject.toml", "[tool.coverage.run]\nbranch = true\n"),
    ]);
    let log = tmp.path().join("run.log");
    fs::write(&log, coverage_toml_log()).unwrap();
    // The model is unsure of this short log (about 0.8): the user lowers the bar.
    let args = ["--min-confidence", "0.5"];
    let (code, out, err) = checkout::fix(&args, &ws, &log);
    assert_eq!(code, 0, "{err}");
    // Quoted: unquoted brackets are a shell glob.
    assert!(
        out.contains("+      - run: pip install pytest pytest-cov 'coverage[toml]'"),
        "{out}"
    );
    git(&ws, &["commit", "-qam", "fix"]);
    let (code, out, err) = checkout::fix(&args, &ws, &log);
    assert_eq!(code, 3, "{err}");
    assert!(out.is_empty() && err.contains("already"), "{err}");
    // A requirements file gets the bare requirement, once.
    let (tmp, ws) = checkout::repo(&[
        (
            ".github/workflows/ci.yml",
            &wf.replace(
                "pip install pytest pytest-cov",
                "pip install -r requirements-dev.txt",
            ),
        ),
        ("requirements-dev.txt", "pytest\npytest-cov\ncoverage\n"),
    ]);
    let log = tmp.path().join("run.log");
    fs::write(&log, coverage_toml_log()).unwrap();
    let (code, out, err) = checkout::fix(&args, &ws, &log);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("+coverage[toml]\n"), "{out}");
}
