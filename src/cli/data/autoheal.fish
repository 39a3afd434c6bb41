# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_autoheal_global_optspecs
    string join \n color= v/verbose h/help V/version
end

function __fish_autoheal_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_autoheal_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_autoheal_using_subcommand
    set -l cmd (__fish_autoheal_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c autoheal -n "__fish_autoheal_needs_command" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c autoheal -n "__fish_autoheal_needs_command" -s v -l verbose -d 'Also print the model\'s feature weights (`why:`) for each failure'
complete -c autoheal -n "__fish_autoheal_needs_command" -s h -l help -d 'Print help'
complete -c autoheal -n "__fish_autoheal_needs_command" -s V -l version -d 'Print version'
complete -c autoheal -n "__fish_autoheal_needs_command" -f -a "diagnose" -d 'Find the root-cause line of each failing step and classify it'
complete -c autoheal -n "__fish_autoheal_needs_command" -f -a "fix" -d 'Diagnose, then fix the primary failure in the workspace'
complete -c autoheal -n "__fish_autoheal_needs_command" -f -a "completions" -d 'Print a shell completion script (e.g. `autoheal completions bash > /etc/bash_completion.d/autoheal`)'
complete -c autoheal -n "__fish_autoheal_needs_command" -f -a "man" -d 'Print the manual page (roff; e.g. `autoheal man > autoheal.1`)'
complete -c autoheal -n "__fish_autoheal_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c autoheal -n "__fish_autoheal_using_subcommand diagnose" -l format -d 'Output format [default: text, or github when GITHUB_ACTIONS=true]; sarif is SARIF 2.1.0' -r -f -a "text\t''
json\t''
github\t''
sarif\t'SARIF 2.1.0 (code scanning): a result per failure, fixes as replacements'"
complete -c autoheal -n "__fish_autoheal_using_subcommand diagnose" -l run-id -d 'Download the logs of this workflow run through the GitHub API (token from GITHUB_TOKEN)' -r
complete -c autoheal -n "__fish_autoheal_using_subcommand diagnose" -l job-id -d 'Download the log of this one job through the GitHub API' -r
complete -c autoheal -n "__fish_autoheal_using_subcommand diagnose" -l artifact -d 'With --run-id: read this artifact of the run (logs or test reports) instead of its logs; no fix when the API says every job succeeded' -r
complete -c autoheal -n "__fish_autoheal_using_subcommand diagnose" -l repo -d 'The repository of --run-id / --job-id [default: GITHUB_REPOSITORY]' -r
complete -c autoheal -n "__fish_autoheal_using_subcommand diagnose" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c autoheal -n "__fish_autoheal_using_subcommand diagnose" -s v -l verbose -d 'Also print the model\'s feature weights (`why:`) for each failure'
complete -c autoheal -n "__fish_autoheal_using_subcommand diagnose" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l format -d 'Output format [default: text, or github when GITHUB_ACTIONS=true]; sarif is SARIF 2.1.0' -r -f -a "text\t''
json\t''
github\t''
sarif\t'SARIF 2.1.0 (code scanning): a result per failure, fixes as replacements'"
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l run-id -d 'Download the logs of this workflow run through the GitHub API (token from GITHUB_TOKEN)' -r
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l job-id -d 'Download the log of this one job through the GitHub API' -r
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l artifact -d 'With --run-id: read this artifact of the run (logs or test reports) instead of its logs; no fix when the API says every job succeeded' -r
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l repo -d 'The repository of --run-id / --job-id [default: GITHUB_REPOSITORY]' -r
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -s C -l workspace -d 'The repository to change' -r -F
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l min-confidence -d 'Below this confidence, no fix' -r
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l workflow -d 'The workflow file of the failed run (for env fixes); inferred when absent' -r -F
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l pr-body -d 'Also write a pull-request body for people (diagnosis, evidence, diff, how to undo) to FILE' -r -F
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l verify-timeout -d 'Deadline of one round\'s re-runs: seconds, or with a unit (90s, 10m)' -r
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l heal-rounds -d 'With --verify: fix and verify again while the step progresses (1-5)' -r
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l diff-only -d 'Print the unified diff of what would be applied; write nothing'
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l unsafe-fixes -d 'Also apply fixes marked unsafe (assertion rewrites)'
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l comment -d 'With --run-id: post or update one comment on the run\'s pull request (and a suggestion for a one-hunk fix); needs a token with pull-requests: write'
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -l verify -d 'Re-run the failed step (and the install step the fix changed) with the fix in place; keep it only if the failure is gone. Only inside the failed job itself'
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -s v -l verbose -d 'Also print the model\'s feature weights (`why:`) for each failure'
complete -c autoheal -n "__fish_autoheal_using_subcommand fix" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c autoheal -n "__fish_autoheal_using_subcommand completions" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c autoheal -n "__fish_autoheal_using_subcommand completions" -s v -l verbose -d 'Also print the model\'s feature weights (`why:`) for each failure'
complete -c autoheal -n "__fish_autoheal_using_subcommand completions" -s h -l help -d 'Print help'
complete -c autoheal -n "__fish_autoheal_using_subcommand man" -l color -d 'Colour: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c autoheal -n "__fish_autoheal_using_subcommand man" -s v -l verbose -d 'Also print the model\'s feature weights (`why:`) for each failure'
complete -c autoheal -n "__fish_autoheal_using_subcommand man" -s h -l help -d 'Print help'
complete -c autoheal -n "__fish_autoheal_using_subcommand help; and not __fish_seen_subcommand_from diagnose fix completions man help" -f -a "diagnose" -d 'Find the root-cause line of each failing step and classify it'
complete -c autoheal -n "__fish_autoheal_using_subcommand help; and not __fish_seen_subcommand_from diagnose fix completions man help" -f -a "fix" -d 'Diagnose, then fix the primary failure in the workspace'
complete -c autoheal -n "__fish_autoheal_using_subcommand help; and not __fish_seen_subcommand_from diagnose fix completions man help" -f -a "completions" -d 'Print a shell completion script (e.g. `autoheal completions bash > /etc/bash_completion.d/autoheal`)'
complete -c autoheal -n "__fish_autoheal_using_subcommand help; and not __fish_seen_subcommand_from diagnose fix completions man help" -f -a "man" -d 'Print the manual page (roff; e.g. `autoheal man > autoheal.1`)'
complete -c autoheal -n "__fish_autoheal_using_subcommand help; and not __fish_seen_subcommand_from diagnose fix completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
