//! The README's workflows are the files under `examples/workflows/`, byte for
//! byte, so what scripts/e2e-recipes runs under act is what a reader copies.

use std::fs;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn examples() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fs::read_dir(root().join("examples/workflows"))
        .expect("examples/workflows")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&p).expect("read example"))
        })
        .collect();
    out.sort();
    out
}

/// The bodies of the README's fenced blocks with this info string.
fn fenced_blocks(md: &str, info: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut cur: Option<String> = None;
    for line in md.split_inclusive('\n') {
        match &mut cur {
            None if line.trim_end() == format!("```{info}") => cur = Some(String::new()),
            Some(b) if line.trim_end() == "```" => {
                blocks.push(std::mem::take(b));
                cur = None;
            }
            Some(b) => b.push_str(line),
            None => {}
        }
    }
    blocks
}

#[test]
fn every_example_is_in_the_readme_verbatim() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README");
    let blocks = fenced_blocks(&readme, "yaml");
    let examples = examples();
    assert!(examples.len() >= 3, "{examples:?}");
    for (name, text) in &examples {
        assert!(
            blocks.iter().any(|b| b == text),
            "README has no ```yaml block equal to examples/workflows/{name}; paste the file"
        );
        assert!(
            readme.contains(&format!("examples/workflows/{name}")),
            "README does not name examples/workflows/{name}"
        );
    }
}

#[test]
fn every_readme_workflow_is_an_example() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README");
    let examples = examples();
    for block in fenced_blocks(&readme, "yaml") {
        // A whole workflow (a fragment of steps, shown for one input, is not).
        if block.contains("\njobs:") || block.starts_with("name:") || block.starts_with("on:") {
            assert!(
                examples.iter().any(|(_, t)| *t == block),
                "a README workflow is not a file under examples/workflows/ (so no test runs it):\n{block}"
            );
        }
    }
}

#[test]
fn examples_share_one_autoheal_pin() {
    // scripts/e2e-recipes maps one pin to the checkout under test.
    let mut pins: Vec<String> = Vec::new();
    for (name, text) in examples() {
        for line in text.lines() {
            if let Some(rest) = line
                .trim()
                .strip_prefix("uses: autoheal/autoheal@")
                .or_else(|| line.trim().strip_prefix("- uses: autoheal/autoheal@"))
            {
                let sha: String = rest.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
                assert_eq!(sha.len(), 40, "{name}: pin by SHA: {line}");
                pins.push(sha);
            }
        }
    }
    assert!(pins.len() >= 3, "{pins:?}");
    assert!(pins.windows(2).all(|w| w[0] == w[1]), "{pins:?}");
}

#[test]
fn in_job_recipe_keeps_pipefail() {
    // Without it, `cmd | tee log` passes and `if: failure()` never runs
    // (scripts/e2e-recipes shows both).
    let text = fs::read_to_string(root().join("examples/workflows/in-job.yml")).expect("in-job");
    let tee = text.find("| tee ").expect("the recipe tees the log");
    let shell = text[..tee]
        .rfind("shell: bash")
        .expect("shell: bash before the pipe");
    let step_start = text[..tee].rfind("- name:").expect("step");
    assert!(
        shell > step_start,
        "shell: bash must be on the step that pipes"
    );
}

#[test]
fn build_dist_builds_every_target_the_action_runs() {
    // The action maps runners to musl targets; build-dist must build (and
    // write a SHA256SUMS line for) each, or a runner would find no checksum.
    let musl = |text: &str| -> std::collections::BTreeSet<String> {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map(|w| w.trim_start_matches('-'))
            .filter(|w| w.ends_with("-unknown-linux-musl"))
            .map(str::to_string)
            .collect()
    };
    let action = fs::read_to_string(root().join("action.yml")).expect("action.yml");
    let action_targets: std::collections::BTreeSet<String> = action
        .lines()
        .filter(|l| l.contains(") target="))
        .flat_map(&musl)
        .collect();
    let dist = fs::read_to_string(root().join("scripts/build-dist")).expect("build-dist");
    let default = dist
        .lines()
        .find(|l| l.contains("AUTOHEAL_TARGETS:-"))
        .expect("build-dist's default target list");
    assert_eq!(musl(default), action_targets);
    assert_eq!(action_targets.len(), 2, "{action_targets:?}");
}
