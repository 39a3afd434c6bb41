//! The shell completion scripts and the manual page, shipped as text files
//! generated from the one CLI definition.
//!
//! Rendering them at run time put clap_complete and clap_mangen (about 65 KB
//! of code) into a static binary whose bar is 4.5 MB, for output that only
//! changes when the CLI does. So `scripts/gen-cli-docs` writes them into
//! `data/`, the binary embeds the files, and the test below renders them again
//! from `Cli` and fails when a file differs: a CLI change that was not
//! regenerated fails CI.

use clap::ValueEnum;

/// The shells `autoheal completions` knows: the values, spellings and order
/// of `clap_complete::Shell`, which the scripts were first rendered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Shell {
    Bash,
    Elvish,
    Fish,
    Powershell,
    Zsh,
}

impl Shell {
    /// The completion script, as `scripts/gen-cli-docs` rendered it.
    pub(super) fn script(self) -> &'static str {
        match self {
            Shell::Bash => include_str!("data/autoheal.bash"),
            Shell::Elvish => include_str!("data/autoheal.elv"),
            Shell::Fish => include_str!("data/autoheal.fish"),
            Shell::Powershell => include_str!("data/autoheal.ps1"),
            Shell::Zsh => include_str!("data/autoheal.zsh"),
        }
    }
}

/// The manual page (roff), as `scripts/gen-cli-docs` rendered it.
pub(super) const MAN: &str = include_str!("data/autoheal.1");

#[cfg(test)]
mod tests {
    use super::{MAN, Shell};
    use clap::{CommandFactory, ValueEnum};
    use std::path::PathBuf;

    /// Set by `scripts/gen-cli-docs`: write the rendered files instead of
    /// comparing them.
    const WRITE: &str = "AUTOHEAL_GEN_CLI_DOCS";

    fn file_name(shell: Shell) -> &'static str {
        match shell {
            Shell::Bash => "autoheal.bash",
            Shell::Elvish => "autoheal.elv",
            Shell::Fish => "autoheal.fish",
            Shell::Powershell => "autoheal.ps1",
            Shell::Zsh => "autoheal.zsh",
        }
    }

    fn generator(shell: Shell) -> clap_complete::Shell {
        match shell {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Elvish => clap_complete::Shell::Elvish,
            Shell::Fish => clap_complete::Shell::Fish,
            Shell::Powershell => clap_complete::Shell::PowerShell,
            Shell::Zsh => clap_complete::Shell::Zsh,
        }
    }

    /// Every file, rendered now from the CLI definition: (name, text, embedded).
    fn rendered() -> Vec<(&'static str, String, &'static str)> {
        let mut files = Vec::new();
        for &shell in Shell::value_variants() {
            let mut out = Vec::new();
            clap_complete::generate(
                generator(shell),
                &mut crate::cli::Cli::command(),
                "autoheal",
                &mut out,
            );
            let text = String::from_utf8(out).expect("completions are UTF-8");
            files.push((file_name(shell), text, shell.script()));
        }
        let mut out = Vec::new();
        clap_mangen::Man::new(crate::cli::Cli::command())
            .render(&mut out)
            .expect("rendering into memory");
        let text = String::from_utf8(out).expect("the manual page is UTF-8");
        files.push(("autoheal.1", text, MAN));
        files
    }

    #[test]
    fn the_embedded_files_are_what_the_cli_definition_renders() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/cli/data");
        let write = std::env::var_os(WRITE).is_some();
        let mut stale = Vec::new();
        for (name, text, embedded) in rendered() {
            if write {
                std::fs::write(dir.join(name), &text).expect("writing src/cli/data");
            } else if text != embedded {
                stale.push(name);
            }
        }
        assert!(
            stale.is_empty(),
            "src/cli/data/{{{}}} differ from what the CLI definition renders: \
             run scripts/gen-cli-docs and commit the result",
            stale.join(",")
        );
    }

    /// The enum of `autoheal completions` offers what clap_complete's own
    /// does, under the same names: a shell added there and not here (or
    /// spelled differently) fails.
    #[test]
    fn the_shells_match_clap_complete() {
        let ours: Vec<String> = Shell::value_variants()
            .iter()
            .map(|s| s.to_possible_value().unwrap().get_name().to_string())
            .collect();
        let theirs: Vec<String> = clap_complete::Shell::value_variants()
            .iter()
            .map(|s| s.to_possible_value().unwrap().get_name().to_string())
            .collect();
        assert_eq!(ours, theirs);
        for &shell in Shell::value_variants() {
            assert_eq!(
                generator(shell).to_possible_value().unwrap().get_name(),
                shell.to_possible_value().unwrap().get_name()
            );
        }
    }
}
