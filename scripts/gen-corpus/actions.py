"""JavaScript actions built on the real GitHub Actions toolkit (@actions/core and
@actions/github) failing the way actions do: required inputs not supplied, OIDC and
token settings missing, the REST API refusing the token ("Resource not accessible by
integration"), answering 404/422 for a changed contract, or not answering at all. The
API is a loopback server with GitHub's own response bodies; nothing leaves the machine."""

from __future__ import annotations

import random

import common
from common import Case, Services, route

ACTIONS = ["acme/notify-slack@v2", "octo-org/release-drafter@v6", "contoso/deploy-action@v1", "./.github/actions/setup-env",
           "initech/label-pr@v3", "globex/publish-package@v4", "hooli/comment-coverage@v1", "./.github/actions/upload-report",
           "umbrella-corp/sync-labels@v2", "vandelay/create-release@v1"]
INPUTS = ["token", "github-token", "api-key", "aws-region", "registry", "password", "username", "node-auth-token",
          "sonar-token", "webhook-url", "slack-bot-token", "role-to-assume", "project-id", "app-id", "private-key",
          "docker-password", "npm-token", "codecov-token", "environment", "version"]

API_CALLS = [
    ("issues.createComment", "{ owner, repo, issue_number: 42, body: 'Coverage: 87%' }", "POST", "/repos/{o}/{r}/issues/42/comments",
     "https://docs.github.com/rest/issues/comments#create-an-issue-comment"),
    ("issues.addLabels", "{ owner, repo, issue_number: 7, labels: ['needs-review'] }", "POST", "/repos/{o}/{r}/issues/7/labels",
     "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue"),
    ("repos.createRelease", "{ owner, repo, tag_name: 'v1.4.0', name: 'v1.4.0' }", "POST", "/repos/{o}/{r}/releases",
     "https://docs.github.com/rest/releases/releases#create-a-release"),
    ("pulls.createReview", "{ owner, repo, pull_number: 12, event: 'APPROVE' }", "POST", "/repos/{o}/{r}/pulls/12/reviews",
     "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"),
    ("repos.createDispatchEvent", "{ owner, repo, event_type: 'deploy' }", "POST", "/repos/{o}/{r}/dispatches",
     "https://docs.github.com/rest/repos/repos#create-a-repository-dispatch-event"),
    ("checks.create", "{ owner, repo, name: 'lint', head_sha: 'a1b2c3d' }", "POST", "/repos/{o}/{r}/check-runs",
     "https://docs.github.com/rest/checks/runs#create-a-check-run"),
    ("git.createRef", "{ owner, repo, ref: 'refs/tags/v2.0.0', sha: 'a1b2c3d' }", "POST", "/repos/{o}/{r}/git/refs",
     "https://docs.github.com/rest/git/refs#create-a-reference"),
    ("actions.createWorkflowDispatch", "{ owner, repo, workflow_id: 'deploy.yml', ref: 'main' }", "POST",
     "/repos/{o}/{r}/actions/workflows/deploy.yml/dispatches",
     "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event"),
]


def script(body: str, handler: str = "core.setFailed(error.message);") -> str:
    return ("import * as core from '@actions/core';\nimport * as github from '@actions/github';\n\n"
            f"async function run() {{\n{body}\n}}\n\n"
            f"run().catch((error) => {{\n  {handler}\n}});\n")


def action_case(rng: random.Random, label: str, what: str, body: str, expect: str, handler: str | None = None,
                env: dict[str, str] | None = None, with_: dict[str, str] | None = None) -> Case:
    uses = rng.choice(ACTIONS)
    path = "dist/index.mjs"
    files = {path: script(body, handler) if handler else script(body)}
    w = dict(with_ or {})
    if len(w) < 2:
        w.setdefault("github-token", "${{ secrets.GITHUB_TOKEN }}") if "token" not in w else None
        w.setdefault("fail-on-error", rng.choice(["true", "'true'"]))
    display = f"{uses}" + ("\nwith:\n" + "\n".join(f"  {k}: {v}" for k, v in w.items()) if w else "")
    e = {"GITHUB_REPOSITORY": f"{rng.choice(common.OWNERS)}/{rng.choice(common.REPOS)}", "GITHUB_EVENT_NAME": "pull_request"}
    e.update(env or {})
    return Case(label, what, f"node {path}", files=files, node_modules=True, env=e, kind="node", display=display,
                expect=expect, uses=True, wrap=rng.random() < 0.8)


def build(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    for name in INPUTS:
        shape = rng.randrange(3)
        if shape == 0:
            body = f"  const value = core.getInput('{name}', {{ required: true }});\n  core.info(`Using ${{value.length}} chars`);"
        elif shape == 1:
            body = f"  core.info('Reading inputs');\n  const channel = core.getInput('channel') || '#ci';\n  const secret = core.getInput('{name}', {{ required: true, trimWhitespace: true }});\n  core.debug(channel + secret);"
        else:
            body = f"  const values = ['{name}', 'environment'].map((n) => core.getInput(n, {{ required: n === '{name}' }}));\n  core.setOutput('ok', values.length);"
        with_ = {"channel": "'#deployments'"} if rng.random() < 0.5 else {}
        cases.append(action_case(rng, "environment_variable", f"@actions/core required input {name} not supplied", body,
                                 "Input required and not supplied", with_=with_))
    for rep in range(4):
        aud = rng.choice(["sts.amazonaws.com", "api://AzureADTokenExchange", "https://vault.acme.internal", ""])
        body = f"  core.info('Requesting OIDC token');\n  const token = await core.getIDToken({repr(aud) if aud else ''});\n  core.setSecret(token);"
        cases.append(action_case(rng, "environment_variable", "@actions/core getIDToken without id-token permission env", body,
                                 "ACTIONS_ID_TOKEN_REQUEST_URL"))
    for rep in range(5):
        var = rng.choice(["GITHUB_TOKEN", "GH_TOKEN", "INPUT_TOKEN", "PAT"])
        body = f"  const token = process.env.{var} || core.getInput('token');\n  const octokit = github.getOctokit(token);\n  core.info(typeof octokit);"
        cases.append(action_case(rng, "environment_variable", f"@actions/github getOctokit with empty {var}", body,
                                 "token or opts.auth is required"))
    handler_stack = "core.setFailed(`Action failed with error: ${error.message}`);\n  console.log(error.stack);"
    for i, (call, args, method, path, doc) in enumerate(API_CALLS):
        for rep, (code, msg, label) in enumerate([(403, "Resource not accessible by integration", "permission_denied"),
                                                  (403, "Must have admin rights to Repository.", "permission_denied"),
                                                  (401, "Bad credentials", "permission_denied"),
                                                  (404, "Not Found", "api_contract_mismatch"),
                                                  (422, "Validation Failed", "api_contract_mismatch"),
                                                  (503, "Service Unavailable", "network_timeout"),
                                                  (502, "Server Error", "network_timeout")]):
            if (i + rep) % 2 and rep not in (0, 3, 4):
                continue
            owner = rng.choice(common.OWNERS)
            repo = f"{rng.choice(common.REPOS)}-{i}{rep}"
            p = path.format(o=owner, r=repo)
            body: dict[str, object] = {"message": msg, "documentation_url": doc, "status": str(code)}
            if code == 422:
                body["errors"] = [{"resource": call.split(".")[1].replace("create", "").title() or "Resource", "code": "already_exists",
                                   "field": args.split(",")[2].split(":")[0].strip(" {") if args.count(",") >= 2 else "name"}]
            route(p, code, body)
            port = svc.http_ports[(i + rep) % len(svc.http_ports)]
            ns, fn = call.split(".")
            js = (f"  const octokit = github.getOctokit(core.getInput('token') || process.env.GITHUB_TOKEN, {{ baseUrl: 'http://127.0.0.1:{port}' }});\n"
                  f"  const owner = '{owner}';\n  const repo = '{repo}';\n  core.info(`Calling {call} on ${{owner}}/${{repo}}`);\n"
                  f"  await octokit.rest.{ns}.{fn}({args});")
            cases.append(action_case(rng, label, f"octokit {call} answered {code} {msg}", js, str(code) + "|" + msg.split()[0],
                                     handler=handler_stack if rng.random() < 0.5 else None, env={"GITHUB_TOKEN": "ghs_redactedtoken"},
                                     with_={"token": "${{ secrets.GITHUB_TOKEN }}"}))
    for rep in range(6):
        port = common.closed_port(rng, [3000, 8080, 8443, 9000, 5000])
        call, args, _, _, _ = API_CALLS[rep % len(API_CALLS)]
        ns, fn = call.split(".")
        js = (f"  const octokit = github.getOctokit('ghs_x', {{ baseUrl: 'http://127.0.0.1:{port}/api/v3' }});\n"
              f"  const owner = 'acme';\n  const repo = 'app';\n  await octokit.rest.{ns}.{fn}({args});")
        cases.append(action_case(rng, "network_timeout", f"octokit {call} against a closed GHES port", js, "fetch failed|ECONNREFUSED",
                                 handler="core.setFailed(`${error.message}: ${error.cause ? error.cause.message || error.cause : ''}`);\n  console.log(error.stack);"))
    return cases


if __name__ == "__main__":
    common.main("actions", build, workers=3)
