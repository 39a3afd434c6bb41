
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'autoheal' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'autoheal'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'autoheal' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print the model''s feature weights (`why:`) for each failure')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print the model''s feature weights (`why:`) for each failure')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Find the root-cause line of each failing step and classify it')
            [CompletionResult]::new('fix', 'fix', [CompletionResultType]::ParameterValue, 'Diagnose, then fix the primary failure in the workspace')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (e.g. `autoheal completions bash > /etc/bash_completion.d/autoheal`)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff; e.g. `autoheal man > autoheal.1`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'autoheal;diagnose' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: text, or github when GITHUB_ACTIONS=true]; sarif is SARIF 2.1.0')
            [CompletionResult]::new('--run-id', '--run-id', [CompletionResultType]::ParameterName, 'Download the logs of this workflow run through the GitHub API (token from GITHUB_TOKEN)')
            [CompletionResult]::new('--job-id', '--job-id', [CompletionResultType]::ParameterName, 'Download the log of this one job through the GitHub API')
            [CompletionResult]::new('--artifact', '--artifact', [CompletionResultType]::ParameterName, 'With --run-id: read this artifact of the run (logs or test reports) instead of its logs; no fix when the API says every job succeeded')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The repository of --run-id / --job-id [default: GITHUB_REPOSITORY]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print the model''s feature weights (`why:`) for each failure')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print the model''s feature weights (`why:`) for each failure')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'autoheal;fix' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: text, or github when GITHUB_ACTIONS=true]; sarif is SARIF 2.1.0')
            [CompletionResult]::new('--run-id', '--run-id', [CompletionResultType]::ParameterName, 'Download the logs of this workflow run through the GitHub API (token from GITHUB_TOKEN)')
            [CompletionResult]::new('--job-id', '--job-id', [CompletionResultType]::ParameterName, 'Download the log of this one job through the GitHub API')
            [CompletionResult]::new('--artifact', '--artifact', [CompletionResultType]::ParameterName, 'With --run-id: read this artifact of the run (logs or test reports) instead of its logs; no fix when the API says every job succeeded')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The repository of --run-id / --job-id [default: GITHUB_REPOSITORY]')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The repository to change')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'The repository to change')
            [CompletionResult]::new('--min-confidence', '--min-confidence', [CompletionResultType]::ParameterName, 'Below this confidence, no fix')
            [CompletionResult]::new('--workflow', '--workflow', [CompletionResultType]::ParameterName, 'The workflow file of the failed run (for env fixes); inferred when absent')
            [CompletionResult]::new('--pr-body', '--pr-body', [CompletionResultType]::ParameterName, 'Also write a pull-request body for people (diagnosis, evidence, diff, how to undo) to FILE')
            [CompletionResult]::new('--verify-timeout', '--verify-timeout', [CompletionResultType]::ParameterName, 'Deadline of one round''s re-runs: seconds, or with a unit (90s, 10m)')
            [CompletionResult]::new('--heal-rounds', '--heal-rounds', [CompletionResultType]::ParameterName, 'With --verify: fix and verify again while the step progresses (1-5)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--diff-only', '--diff-only', [CompletionResultType]::ParameterName, 'Print the unified diff of what would be applied; write nothing')
            [CompletionResult]::new('--unsafe-fixes', '--unsafe-fixes', [CompletionResultType]::ParameterName, 'Also apply fixes marked unsafe (assertion rewrites)')
            [CompletionResult]::new('--comment', '--comment', [CompletionResultType]::ParameterName, 'With --run-id: post or update one comment on the run''s pull request (and a suggestion for a one-hunk fix); needs a token with pull-requests: write')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Re-run the failed step (and the install step the fix changed) with the fix in place; keep it only if the failure is gone. Only inside the failed job itself')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print the model''s feature weights (`why:`) for each failure')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print the model''s feature weights (`why:`) for each failure')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'autoheal;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print the model''s feature weights (`why:`) for each failure')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print the model''s feature weights (`why:`) for each failure')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'autoheal;man' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print the model''s feature weights (`why:`) for each failure')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print the model''s feature weights (`why:`) for each failure')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'autoheal;help' {
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Find the root-cause line of each failing step and classify it')
            [CompletionResult]::new('fix', 'fix', [CompletionResultType]::ParameterValue, 'Diagnose, then fix the primary failure in the workspace')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (e.g. `autoheal completions bash > /etc/bash_completion.d/autoheal`)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff; e.g. `autoheal man > autoheal.1`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'autoheal;help;diagnose' {
            break
        }
        'autoheal;help;fix' {
            break
        }
        'autoheal;help;completions' {
            break
        }
        'autoheal;help;man' {
            break
        }
        'autoheal;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
