#compdef autoheal

autoload -U is-at-least

_autoheal() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'--color=[Colour\: auto (on a terminal, unless NO_COLOR is set), always, never]:COLOR:(auto always never)' \
'-v[Also print the model'\''s feature weights (\`why\:\`) for each failure]' \
'--verbose[Also print the model'\''s feature weights (\`why\:\`) for each failure]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_autoheal_commands" \
"*::: :->autoheal" \
&& ret=0
    case $state in
    (autoheal)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:autoheal-command-$line[1]:"
        case $line[1] in
            (diagnose)
_arguments "${_arguments_options[@]}" : \
'--format=[Output format \[default\: text, or github when GITHUB_ACTIONS=true\]; sarif is SARIF 2.1.0]:FORMAT:((text\:""
json\:""
github\:""
sarif\:"SARIF 2.1.0 (code scanning)\: a result per failure, fixes as replacements"))' \
'()--run-id=[Download the logs of this workflow run through the GitHub API (token from GITHUB_TOKEN)]:ID:_default' \
'()--job-id=[Download the log of this one job through the GitHub API]:ID:_default' \
'(--job-id)--artifact=[With --run-id\: read this artifact of the run (logs or test reports) instead of its logs; no fix when the API says every job succeeded]:NAME:_default' \
'--repo=[The repository of --run-id / --job-id \[default\: GITHUB_REPOSITORY\]]:OWNER/NAME:_default' \
'--color=[Colour\: auto (on a terminal, unless NO_COLOR is set), always, never]:COLOR:(auto always never)' \
'-v[Also print the model'\''s feature weights (\`why\:\`) for each failure]' \
'--verbose[Also print the model'\''s feature weights (\`why\:\`) for each failure]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::inputs -- Log files, directories, zips (run-log or artifact archives), or `-` for stdin:_files' \
&& ret=0
;;
(fix)
_arguments "${_arguments_options[@]}" : \
'--format=[Output format \[default\: text, or github when GITHUB_ACTIONS=true\]; sarif is SARIF 2.1.0]:FORMAT:((text\:""
json\:""
github\:""
sarif\:"SARIF 2.1.0 (code scanning)\: a result per failure, fixes as replacements"))' \
'()--run-id=[Download the logs of this workflow run through the GitHub API (token from GITHUB_TOKEN)]:ID:_default' \
'()--job-id=[Download the log of this one job through the GitHub API]:ID:_default' \
'(--job-id)--artifact=[With --run-id\: read this artifact of the run (logs or test reports) instead of its logs; no fix when the API says every job succeeded]:NAME:_default' \
'--repo=[The repository of --run-id / --job-id \[default\: GITHUB_REPOSITORY\]]:OWNER/NAME:_default' \
'-C+[The repository to change]:DIR:_files' \
'--workspace=[The repository to change]:DIR:_files' \
'--min-confidence=[Below this confidence, no fix]:F:_default' \
'--workflow=[The workflow file of the failed run (for env fixes); inferred when absent]:PATH:_files' \
'--pr-body=[Also write a pull-request body for people (diagnosis, evidence, diff, how to undo) to FILE]:FILE:_files' \
'--verify-timeout=[Deadline of one round'\''s re-runs\: seconds, or with a unit (90s, 10m)]:DURATION:_default' \
'--heal-rounds=[With --verify\: fix and verify again while the step progresses (1-5)]:N:_default' \
'--color=[Colour\: auto (on a terminal, unless NO_COLOR is set), always, never]:COLOR:(auto always never)' \
'--diff-only[Print the unified diff of what would be applied; write nothing]' \
'--unsafe-fixes[Also apply fixes marked unsafe (assertion rewrites)]' \
'--comment[With --run-id\: post or update one comment on the run'\''s pull request (and a suggestion for a one-hunk fix); needs a token with pull-requests\: write]' \
'--verify[Re-run the failed step (and the install step the fix changed) with the fix in place; keep it only if the failure is gone. Only inside the failed job itself]' \
'-v[Also print the model'\''s feature weights (\`why\:\`) for each failure]' \
'--verbose[Also print the model'\''s feature weights (\`why\:\`) for each failure]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::inputs -- Log files, directories, zips (run-log or artifact archives), or `-` for stdin:_files' \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
'--color=[Colour\: auto (on a terminal, unless NO_COLOR is set), always, never]:COLOR:(auto always never)' \
'-v[Also print the model'\''s feature weights (\`why\:\`) for each failure]' \
'--verbose[Also print the model'\''s feature weights (\`why\:\`) for each failure]' \
'-h[Print help]' \
'--help[Print help]' \
':shell:(bash elvish fish powershell zsh)' \
&& ret=0
;;
(man)
_arguments "${_arguments_options[@]}" : \
'--color=[Colour\: auto (on a terminal, unless NO_COLOR is set), always, never]:COLOR:(auto always never)' \
'-v[Also print the model'\''s feature weights (\`why\:\`) for each failure]' \
'--verbose[Also print the model'\''s feature weights (\`why\:\`) for each failure]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_autoheal__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:autoheal-help-command-$line[1]:"
        case $line[1] in
            (diagnose)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(fix)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(man)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_autoheal_commands] )) ||
_autoheal_commands() {
    local commands; commands=(
'diagnose:Find the root-cause line of each failing step and classify it' \
'fix:Diagnose, then fix the primary failure in the workspace' \
'completions:Print a shell completion script (e.g. \`autoheal completions bash > /etc/bash_completion.d/autoheal\`)' \
'man:Print the manual page (roff; e.g. \`autoheal man > autoheal.1\`)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'autoheal commands' commands "$@"
}
(( $+functions[_autoheal__subcmd__completions_commands] )) ||
_autoheal__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'autoheal completions commands' commands "$@"
}
(( $+functions[_autoheal__subcmd__diagnose_commands] )) ||
_autoheal__subcmd__diagnose_commands() {
    local commands; commands=()
    _describe -t commands 'autoheal diagnose commands' commands "$@"
}
(( $+functions[_autoheal__subcmd__fix_commands] )) ||
_autoheal__subcmd__fix_commands() {
    local commands; commands=()
    _describe -t commands 'autoheal fix commands' commands "$@"
}
(( $+functions[_autoheal__subcmd__help_commands] )) ||
_autoheal__subcmd__help_commands() {
    local commands; commands=(
'diagnose:Find the root-cause line of each failing step and classify it' \
'fix:Diagnose, then fix the primary failure in the workspace' \
'completions:Print a shell completion script (e.g. \`autoheal completions bash > /etc/bash_completion.d/autoheal\`)' \
'man:Print the manual page (roff; e.g. \`autoheal man > autoheal.1\`)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'autoheal help commands' commands "$@"
}
(( $+functions[_autoheal__subcmd__help__subcmd__completions_commands] )) ||
_autoheal__subcmd__help__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'autoheal help completions commands' commands "$@"
}
(( $+functions[_autoheal__subcmd__help__subcmd__diagnose_commands] )) ||
_autoheal__subcmd__help__subcmd__diagnose_commands() {
    local commands; commands=()
    _describe -t commands 'autoheal help diagnose commands' commands "$@"
}
(( $+functions[_autoheal__subcmd__help__subcmd__fix_commands] )) ||
_autoheal__subcmd__help__subcmd__fix_commands() {
    local commands; commands=()
    _describe -t commands 'autoheal help fix commands' commands "$@"
}
(( $+functions[_autoheal__subcmd__help__subcmd__help_commands] )) ||
_autoheal__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'autoheal help help commands' commands "$@"
}
(( $+functions[_autoheal__subcmd__help__subcmd__man_commands] )) ||
_autoheal__subcmd__help__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'autoheal help man commands' commands "$@"
}
(( $+functions[_autoheal__subcmd__man_commands] )) ||
_autoheal__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'autoheal man commands' commands "$@"
}

if [ "$funcstack[1]" = "_autoheal" ]; then
    _autoheal "$@"
else
    compdef _autoheal autoheal
fi
