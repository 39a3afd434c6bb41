"""npm 9 (the `npm ERR!` format that most older CI logs show) failing for real: missing
scripts and binaries, invalid manifests, lockfile and engine problems, offline, refused,
failing and silent registries, EACCES on global installs, and publish refused for a
missing or insufficient token."""

from __future__ import annotations

import json
import random

import common
from common import Case, Services, route

NPM9 = "/tmp/gc-npm9/node_modules/.bin"
PRE = ["node --version", "npm --version", "echo \"npm $(npm --version)\""]


def pkg(**kw: object) -> str:
    d: dict[str, object] = {"name": kw.pop("name", "web-app"), "version": kw.pop("version", "1.0.0")}
    d.update(kw)
    return json.dumps(d, indent=2) + "\n"


def build(rng: random.Random, svc: Services) -> list[Case]:
    cases: list[Case] = []
    env9 = {"PATH": f"{NPM9}:/usr/local/bin:/usr/bin:/bin", "npm_config_fetch_retries": "0",
            "npm_config_fetch_retry_mintimeout": "100", "npm_config_fetch_retry_maxtimeout": "200"}

    def add(label: str, what: str, cmd: str, files: dict[str, str], expect: str, **kw: object) -> None:
        pre = "\n".join(rng.sample(PRE, rng.choice([0, 1])))
        script = (pre + "\n" + cmd).strip()
        env = dict(env9)
        env.update(kw.pop("env", {}))  # type: ignore[arg-type]
        cases.append(Case(label, f"npm 9: {what}", script, files=files, env=env, kind="node", expect=expect,
                          timeout=120, **kw))  # type: ignore[arg-type]

    for script_name in ["test", "build", "lint", "test:ci"]:
        add("configuration_error", f"missing script {script_name}", "npm test" if script_name == "test" else f"npm run {script_name}",
            {"package.json": pkg(scripts={"start": "node index.js"})}, "Missing script")
    for i, text in enumerate(['{\n  "name": "app",\n  "scripts": { "test": "jest", },\n}\n', '{\n  "name": "app"\n  "version": "1.0.0"\n}\n',
                              "{\n  'name': 'app'\n}\n", '{\n  "name": "app",\n  "dependencies": {\n']):
        add("configuration_error", f"invalid package.json ({i})", rng.choice(["npm install", "npm test", "npm run build"]),
            {"package.json": text}, "EJSONPARSE|JSON", netns=True)
    for rep in range(2):
        add("configuration_error", "npm ci without a lockfile", "npm ci", {"package.json": pkg(dependencies={})}, "package-lock|lockfile", netns=True)
        add("configuration_error", "engine-strict with an unsupported node", "npm install --engine-strict",
            {"package.json": pkg(engines={"node": rng.choice([">=22", "^16.0.0"])})}, "EBADENGINE|engine", netns=True)
    for binary, script_name in [("jest --ci", "test"), ("tsc -p .", "build"), ("eslint .", "lint"), ("mocha", "test"),
                                ("webpack --mode production", "build"), ("vite build", "build"), ("react-scripts test", "test"), ("nyc ava", "test")]:
        add("dependency_missing", f"script binary not installed: {binary.split()[0]}",
            "npm test" if script_name == "test" else f"npm run {script_name}",
            {"package.json": pkg(scripts={script_name: binary})}, "not found")
    for dep in ["express", "lodash", "react", "axios"]:
        add("network_timeout", f"npm install {dep} offline", rng.choice(["npm install", f"npm install {dep}"]),
            {"package.json": pkg(dependencies={dep: "^1.0.0"})}, "ENOTFOUND|EAI_AGAIN|network", netns=True)
    for dep in ["left-pad", "chalk", "dotenv"]:
        port = common.closed_port(rng, [4873, 8081, 8082])
        add("network_timeout", f"npm install {dep} from a closed registry port", f"npm install {dep} --registry http://127.0.0.1:{port}/",
            {"package.json": pkg()}, "ECONNREFUSED")
    for i, code in enumerate([503, 502]):
        dep = ["uuid-lite", "tiny-glob"][i]
        route(f"/{dep}", code, {"error": "upstream unavailable"})
        add("network_timeout", f"npm install from a registry answering {code}",
            f"npm install {dep} --registry http://127.0.0.1:{svc.http_ports[i % len(svc.http_ports)]}/", {"package.json": pkg()}, str(code))
    add("network_timeout", "npm install from a silent registry", f"npm install express --registry http://127.0.0.1:{svc.hang_ports[0]}/ --fetch-timeout=2000",
        {"package.json": pkg()}, "ETIMEDOUT|timeout|network")
    for rep in range(3):
        name = rng.choice(["deploy-cli", "acme-tools", "release-helper"])
        add("permission_denied", "npm install -g as an unprivileged user", "npm install -g ./tool",
            {"tool/package.json": pkg(name=name, bin={name: "cli.js"}), "tool/cli.js": "#!/usr/bin/env node\n"}, "EACCES",
            user="nobody", netns=True, env={"npm_config_cache": "/tmp/gc-home-nobody/.npm9", "PATH": f"{NPM9}:/usr/local/bin:/usr/bin:/bin"})
    for i, (code, label) in enumerate([(403, "permission_denied"), (403, "permission_denied"), (401, "environment_variable"), (401, "environment_variable")]):
        scope, name = rng.choice(common.OWNERS), f"{rng.choice(common.REPOS)}-v9{i}"
        route(f"/@{scope}%2f{name}", code, {"error": "forbidden" if code == 403 else "authentication required"})
        port = svc.http_ports[i % len(svc.http_ports)]
        env = {"NODE_AUTH_TOKEN": "npm_XXXXXXXXXXXXXXXX"} if code == 403 else {}
        add(label, f"npm publish answered {code}", "npm publish",
            {"package.json": pkg(name=f"@{scope}/{name}", version="2.0.0"), "index.js": "module.exports = {};\n",
             ".npmrc": (f"//127.0.0.1:{port}/:_authToken=${{NODE_AUTH_TOKEN}}\n" if code == 403 else "") + f"registry=http://127.0.0.1:{port}/\n"},
            "E403" if code == 403 else "ENEEDAUTH", env=env)
    return cases


if __name__ == "__main__":
    common.main("npm_legacy", build, workers=2)
