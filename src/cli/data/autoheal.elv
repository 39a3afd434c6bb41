
use builtin;
use str;

set edit:completion:arg-completer[autoheal] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'autoheal'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'autoheal'= {
            cand --color 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never'
            cand -v 'Also print the model''s feature weights (`why:`) for each failure'
            cand --verbose 'Also print the model''s feature weights (`why:`) for each failure'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand diagnose 'Find the root-cause line of each failing step and classify it'
            cand fix 'Diagnose, then fix the primary failure in the workspace'
            cand completions 'Print a shell completion script (e.g. `autoheal completions bash > /etc/bash_completion.d/autoheal`)'
            cand man 'Print the manual page (roff; e.g. `autoheal man > autoheal.1`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'autoheal;diagnose'= {
            cand --format 'Output format [default: text, or github when GITHUB_ACTIONS=true]; sarif is SARIF 2.1.0'
            cand --run-id 'Download the logs of this workflow run through the GitHub API (token from GITHUB_TOKEN)'
            cand --job-id 'Download the log of this one job through the GitHub API'
            cand --artifact 'With --run-id: read this artifact of the run (logs or test reports) instead of its logs; no fix when the API says every job succeeded'
            cand --repo 'The repository of --run-id / --job-id [default: GITHUB_REPOSITORY]'
            cand --color 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never'
            cand -v 'Also print the model''s feature weights (`why:`) for each failure'
            cand --verbose 'Also print the model''s feature weights (`why:`) for each failure'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'autoheal;fix'= {
            cand --format 'Output format [default: text, or github when GITHUB_ACTIONS=true]; sarif is SARIF 2.1.0'
            cand --run-id 'Download the logs of this workflow run through the GitHub API (token from GITHUB_TOKEN)'
            cand --job-id 'Download the log of this one job through the GitHub API'
            cand --artifact 'With --run-id: read this artifact of the run (logs or test reports) instead of its logs; no fix when the API says every job succeeded'
            cand --repo 'The repository of --run-id / --job-id [default: GITHUB_REPOSITORY]'
            cand -C 'The repository to change'
            cand --workspace 'The repository to change'
            cand --min-confidence 'Below this confidence, no fix'
            cand --workflow 'The workflow file of the failed run (for env fixes); inferred when absent'
            cand --pr-body 'Also write a pull-request body for people (diagnosis, evidence, diff, how to undo) to FILE'
            cand --verify-timeout 'Deadline of one round''s re-runs: seconds, or with a unit (90s, 10m)'
            cand --heal-rounds 'With --verify: fix and verify again while the step progresses (1-5)'
            cand --color 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never'
            cand --diff-only 'Print the unified diff of what would be applied; write nothing'
            cand --unsafe-fixes 'Also apply fixes marked unsafe (assertion rewrites)'
            cand --comment 'With --run-id: post or update one comment on the run''s pull request (and a suggestion for a one-hunk fix); needs a token with pull-requests: write'
            cand --verify 'Re-run the failed step (and the install step the fix changed) with the fix in place; keep it only if the failure is gone. Only inside the failed job itself'
            cand -v 'Also print the model''s feature weights (`why:`) for each failure'
            cand --verbose 'Also print the model''s feature weights (`why:`) for each failure'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'autoheal;completions'= {
            cand --color 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never'
            cand -v 'Also print the model''s feature weights (`why:`) for each failure'
            cand --verbose 'Also print the model''s feature weights (`why:`) for each failure'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'autoheal;man'= {
            cand --color 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never'
            cand -v 'Also print the model''s feature weights (`why:`) for each failure'
            cand --verbose 'Also print the model''s feature weights (`why:`) for each failure'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'autoheal;help'= {
            cand diagnose 'Find the root-cause line of each failing step and classify it'
            cand fix 'Diagnose, then fix the primary failure in the workspace'
            cand completions 'Print a shell completion script (e.g. `autoheal completions bash > /etc/bash_completion.d/autoheal`)'
            cand man 'Print the manual page (roff; e.g. `autoheal man > autoheal.1`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'autoheal;help;diagnose'= {
        }
        &'autoheal;help;fix'= {
        }
        &'autoheal;help;completions'= {
        }
        &'autoheal;help;man'= {
        }
        &'autoheal;help;help'= {
        }
    ]
    $completions[$command]
}
