"""Node.js, npm, Jest, Vitest, tsc and eslint failing for real: missing modules and
binaries, unset `process.env` values, failed equality expectations, refused and hanging
connections, EACCES as an unprivileged user, broken manifests and configs, type errors,
lint failures and crashes."""

from __future__ import annotations

import json
import random

import common
from common import Case, Services, route

PRELUDES = ["node --version", "npm --version", "node -p process.versions.v8",
            "echo \"node $(node --version), npm $(npm --version)\"", "ls", "npm config get registry"]

MISSING = ["express", "lodash", "axios", "dotenv", "moment", "uuid", "react", "pg", "mongoose",
           "jsonwebtoken", "bcrypt", "cors", "body-parser", "winston", "commander", "@aws-sdk/client-s3",
           "@prisma/client", "@octokit/rest", "sharp", "puppeteer", "ws", "socket.io", "redis", "ioredis",
           "knex", "sequelize", "typeorm", "graphql", "@apollo/server", "next", "webpack", "zod", "joi",
           "dayjs", "date-fns", "nodemailer", "stripe", "aws-sdk", "firebase-admin", "@sentry/node", "pino",
           "fastify", "koa", "ramda", "immutable", "rxjs", "node-fetch", "supertest", "nock", "sinon",
           "mocha", "@nestjs/core", "@google-cloud/storage", "mysql2", "sqlite3", "bull", "kafkajs",
           "handlebars", "marked", "cheerio", "playwright", "@testing-library/react", "styled-components",
           "lodash/merge", "date-fns/format", "@babel/core", "ts-node", "class-validator", "openai"]
BINS = [("jest", "test"), ("tsc", "build"), ("mocha", "test"), ("eslint .", "lint"), ("webpack --mode production", "build"),
        ("vite build", "build"), ("next build", "build"), ("react-scripts test", "test"), ("nodemon src/index.js", "dev"),
        ("prettier --check .", "format:check"), ("rimraf dist && tsc -p .", "build"), ("cross-env NODE_ENV=test jest", "test"),
        ("ts-node scripts/seed.ts", "seed"), ("playwright test", "e2e"), ("nyc mocha", "coverage"), ("tsx src/cli.ts", "start"),
        ("ava", "test"), ("tap test/*.js", "test"), ("c8 node --test", "test"), ("turbo run build", "build")]
ENV_VARS = ["DATABASE_URL", "API_URL", "JWT_SECRET", "NEXT_PUBLIC_API_URL", "STRIPE_SECRET_KEY",
            "MONGODB_URI", "REDIS_URL", "NPM_TOKEN", "GITHUB_TOKEN", "SENTRY_DSN", "ALLOWED_ORIGINS",
            "VITE_API_BASE", "AUTH0_DOMAIN", "SESSION_SECRET", "SMTP_PASSWORD", "FIREBASE_CONFIG",
            "AWS_S3_BUCKET", "PORT", "FEATURE_FLAGS", "SLACK_SIGNING_SECRET", "CLERK_SECRET_KEY",
            "SUPABASE_URL", "PUBLIC_URL", "CYPRESS_BASE_URL"]
SRC = ["src/index.js", "src/server.js", "index.js", "lib/app.js", "scripts/build.js", "src/worker.js",
       "bin/cli.js", "src/db/connect.js", "server/main.js", "app.js"]
TESTS = ["src/api.test.js", "test/user.test.js", "__tests__/orders.test.js", "src/utils/format.test.js",
         "tests/health.spec.js", "src/client.test.js", "test/billing.spec.js", "src/routes/users.test.js"]


def pre(rng: random.Random) -> str:
    return "\n".join(rng.sample(PRELUDES, rng.choice([0, 1, 1, 2])))


def join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def pkg(name: str = "app", scripts: dict[str, str] | None = None, **extra: object) -> str:
    d: dict[str, object] = {"name": name, "version": "1.0.0", "private": True}
    if scripts:
        d["scripts"] = scripts
    d.update(extra)
    return json.dumps(d, indent=2) + "\n"


def color_env(rng: random.Random, p: float = 0.35) -> dict[str, str]:
    return {"FORCE_COLOR": "1"} if rng.random() < p else {}


def dependency_cases(rng: random.Random) -> list[Case]:
    cases = []
    have = {p.name for p in (common.NODE_PROJ / "node_modules").iterdir()}
    names = [m for m in MISSING if m.split("/")[0] not in have]
    for i, mod in enumerate(names):
        shape = i % 5
        src = rng.choice(SRC)
        ident = mod.split("/")[-1].replace("-", "_").replace("@", "").replace(".", "_")
        if shape == 0:
            files = {src: f"'use strict';\nconst path = require('path');\nconst {ident} = require('{mod}');\n\nmodule.exports = {{ {ident} }};\nconsole.log('ready');\n",
                     "package.json": pkg(scripts={"start": f"node {src}"})}
            script = join(pre(rng), rng.choice([f"node {src}", "npm start"]))
        elif shape == 1:
            files = {src.replace(".js", ".mjs"): f"import {ident} from '{mod}';\n\nconsole.log(typeof {ident});\n"}
            script = join(pre(rng), f"node {src.replace('.js', '.mjs')}")
        elif shape == 2:
            files = {"package.json": pkg(type="module", scripts={"start": f"node {src}"}),
                     src: f"import {{ readFile }} from 'node:fs/promises';\nimport * as lib from '{mod}';\n\nawait readFile('package.json');\nconsole.log(Object.keys(lib));\n"}
            script = join(pre(rng), "npm start")
        elif shape == 3:
            files = {"src/config.js": f"module.exports = require('{mod}');\n",
                     src if src != "src/config.js" else "index.js": "const config = require('./src/config'.replace('./src/', require('path').relative(__dirname, __dirname + '/src/') ? './src/' : './'));\nconsole.log(config);\n"}
            files = {"src/deps.js": f"module.exports = {{ lib: require('{mod}') }};\n",
                     "src/main.js": "const { lib } = require('./deps');\nconsole.log(lib);\n"}
            script = join(pre(rng), "node src/main.js")
        else:
            test = rng.choice(TESTS)
            files = {"package.json": pkg(scripts={"test": "jest"}),
                     test: f"const {ident} = require('{mod}');\n\ndescribe('{ident}', () => {{\n  it('loads', () => {{\n    expect({ident}).toBeDefined();\n  }});\n}});\n"}
            script = join(pre(rng), "npx jest --ci")
            cases.append(Case("dependency_missing", f"jest test requiring missing {mod}", script, files=files,
                              node_modules=True, env=color_env(rng), expect="Cannot find module", timeout=120))
            continue
        cases.append(Case("dependency_missing", f"node require/import of missing {mod} (shape {shape})", script,
                          files=files, expect="Cannot find|ERR_MODULE_NOT_FOUND"))
    for rel in ["./config", "../lib/db", "./routes/users", "./generated/client", "./dist/index.js"]:
        src = rng.choice(SRC)
        files = {src: f"const x = require('{rel}');\nconsole.log(x);\n"}
        cases.append(Case("dependency_missing", f"node require of missing local module {rel}", join(pre(rng), f"node {src}"),
                          files=files, expect="Cannot find module"))
    for cmd, script_name in BINS:
        files = {"package.json": pkg(scripts={script_name: cmd, "prepare": "echo prepared"})}
        run = "npm test" if script_name == "test" else f"npm run {script_name}"
        cases.append(Case("dependency_missing", f"npm script whose binary is not installed: {cmd.split()[0]}",
                          join(pre(rng), run), files=files, expect="not found"))
    for mod in ["lodash", "express", "axios", "react", "@octokit/rest", "zod", "pg", "uuid"]:
        files = {"src/index.ts": f"import x from '{mod}';\n\nexport const y = x;\n",
                 "tsconfig.json": json.dumps({"compilerOptions": {"strict": True, "module": "commonjs", "target": "es2020", "outDir": "dist", "rootDir": "src"}}, indent=2)}
        cases.append(Case("dependency_missing", f"tsc cannot find module {mod}", join(pre(rng), "npx tsc -p ."),
                          files=files, node_modules=True, expect="TS2307"))
    for env_name in ["jsdom", "jest-environment-jsdom"]:
        for rep in range(2):
            files = {"package.json": pkg(scripts={"test": "jest"}, jest={"testEnvironment": env_name}),
                     rng.choice(TESTS): "test('renders', () => { expect(1).toBe(1); });\n"}
            cases.append(Case("dependency_missing", f"jest testEnvironment {env_name} not installed", join(pre(rng), "npm test"),
                              files=files, node_modules=True, env=color_env(rng), expect="cannot be found|Cannot find", timeout=120))
    for preset in ["ts-jest", "jest-preset-angular", "@shelf/jest-mongodb"]:
        files = {"jest.config.js": f"module.exports = {{ preset: '{preset}' }};\n", rng.choice(TESTS): "test('x', () => expect(1).toBe(1));\n"}
        cases.append(Case("dependency_missing", f"jest preset {preset} not installed", join(pre(rng), "npx jest"),
                          files=files, node_modules=True, expect="not found|Cannot find", timeout=120))
    return cases


def env_cases(rng: random.Random) -> list[Case]:
    cases = []
    for i, var in enumerate(ENV_VARS):
        shape = i % 8
        src = rng.choice(SRC)
        if shape == 0:
            code = f"const value = process.env.{var};\nif (!value) {{\n  throw new Error('Missing env var {var}');\n}}\n"
            exp = "Missing env var"
        elif shape == 1:
            code = f"const origins = process.env.{var}.split(',');\nconsole.log(origins);\n"
            exp = "Cannot read properties of undefined"
        elif shape == 2:
            code = f"const url = new URL(process.env.{var});\nconsole.log(url.host);\n"
            exp = "Invalid URL"
        elif shape == 3:
            code = f"const cfg = JSON.parse(process.env.{var});\nconsole.log(cfg);\n"
            exp = "not valid JSON|Unexpected token"
        elif shape == 4:
            code = f"if (!process.env.{var}) {{\n  console.error('Error: environment variable {var} is required but was not set');\n  process.exit(1);\n}}\n"
            exp = "required but was not set"
        elif shape == 5:
            code = f"async function main() {{\n  const res = await fetch(`${{process.env.{var}}}/api/health`);\n  console.log(res.status);\n}}\nmain();\n"
            exp = "Failed to parse URL|Invalid URL|ERR_INVALID_URL"
        elif shape == 6:
            code = f"const required = ['{var}', 'NODE_ENV'];\nconst missing = required.filter((k) => !process.env[k]);\nif (missing.length) {{\n  throw new Error(`The following environment variables are missing: ${{missing.join(', ')}}`);\n}}\n"
            exp = "environment variables are missing"
        else:
            code = f"const assert = require('node:assert');\nassert.ok(process.env.{var}, '{var} must be set');\n"
            exp = "must be set"
        code = "'use strict';\n" + code if src.endswith(".js") and shape != 5 else code
        cases.append(Case("environment_variable", f"node process.env.{var} unset (shape {shape})",
                          join(pre(rng), rng.choice([f"node {src}", f"node {src}"])), files={src: code}, netns=shape == 5,
                          expect=exp))
    for var in rng.sample(ENV_VARS, 8):
        test = rng.choice(TESTS)
        files = {"package.json": pkg(scripts={"test": "jest --ci"}),
                 test: f"const base = process.env.{var};\n\ndescribe('config', () => {{\n  it('has {var}', () => {{\n    if (!base) throw new Error('{var} is not defined');\n    expect(base).toMatch(/^https?:/);\n  }});\n}});\n"}
        cases.append(Case("environment_variable", f"jest test needing {var}", join(pre(rng), "npm test"), files=files,
                          node_modules=True, env=color_env(rng), expect="not defined", timeout=120))
    for i in range(5):
        scope, name = rng.choice(common.OWNERS), f"{rng.choice(common.REPOS)}-{i}"
        route(f"/@{scope}%2f{name}", 401, {"error": "authentication required"})
        files = {"package.json": json.dumps({"name": f"@{scope}/{name}", "version": f"1.{i}.0"}, indent=2),
                 "index.js": "module.exports = {};\n",
                 ".npmrc": "registry=http://127.0.0.1:8085/\n"}
        cases.append(Case("environment_variable", "npm publish with NODE_AUTH_TOKEN unset", join(pre(rng), "npm publish"),
                          files=files, expect="ENEEDAUTH", timeout=60))
    return cases


def api_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    asserts = [
        ("strictEqual status", "assert.strictEqual(res.status, 200);", "const res = { status: 404 };"),
        ("deepStrictEqual body", "assert.deepStrictEqual(body, { id: 1, name: 'Ada', role: 'admin' });", "const body = { id: 1, name: 'Ada', role: 'viewer' };"),
        ("strictEqual message", "assert.strictEqual(msg, 'healthy');", "const msg = 'ok';"),
        ("deepStrictEqual array", "assert.deepStrictEqual(ids, [1, 2, 3]);", "const ids = [1, 2, 4];"),
        ("equal version", "assert.equal(pkgVersion, '2.0.0');", "const pkgVersion = '1.9.3';"),
        ("deepEqual nested", "assert.deepEqual(resp, { data: { items: [], total: 0 } });", "const resp = { data: { results: [], total: 0 } };"),
    ]
    for rep in range(2):
        for what, line, setup in asserts:
            if rng.random() < 0.5:
                files = {"test/contract.test.js": f"const test = require('node:test');\nconst assert = require('node:assert');\n\ntest('contract: {what}', () => {{\n  {setup}\n  {line}\n}});\n\ntest('sanity', () => {{\n  assert.ok(true);\n}});\n"}
                script = join(pre(rng), rng.choice(["node --test", "node --test test/"]))
            else:
                files = {"scripts/check.js": f"const assert = require('node:assert');\n\n{setup}\n{line}\nconsole.log('contract ok');\n"}
                script = join(pre(rng), "node scripts/check.js")
            cases.append(Case("api_contract_mismatch", f"node:assert {what}", script, files=files, expect="Assertion|Expected|expected"))
    jest_fails = [
        ("toBe status", "expect(res.status).toBe(200);", "const res = { status: 500 };"),
        ("toEqual user", "expect(user).toEqual({ id: 1, email: 'a@b.co', name: 'Ann' });", "const user = { id: 1, email: 'a@b.co', fullName: 'Ann' };"),
        ("toBe string", "expect(getStatus()).toBe('healthy');", "const getStatus = () => 'ok';"),
        ("toHaveProperty", "expect(payload).toHaveProperty('data.token');", "const payload = { data: { accessToken: 'x' } };"),
        ("toHaveLength", "expect(items).toHaveLength(3);", "const items = ['a', 'b'];"),
        ("toMatchObject", "expect(order).toMatchObject({ status: 'paid', total: 42 });", "const order = { id: 9, status: 'pending', total: 42 };"),
        ("toStrictEqual", "expect(parse('a=1')).toStrictEqual({ a: 1 });", "const parse = (s) => ({ a: s.split('=')[1] });"),
        ("toEqual array", "expect(tags.sort()).toEqual(['api', 'beta', 'web']);", "const tags = ['web', 'api'];"),
        ("toBe number", "expect(calculateTotal([10, 20])).toBe(33);", "const calculateTotal = (xs) => xs.reduce((a, b) => a + b, 0);"),
        ("toContain", "expect(roles).toContain('admin');", "const roles = ['viewer', 'editor'];"),
        ("toEqual headers", "expect(headers['content-type']).toEqual('application/json');", "const headers = { 'content-type': 'text/html; charset=utf-8' };"),
        ("resolves toEqual", "await expect(fetchUser(1)).resolves.toEqual({ id: 1, name: 'Bob' });", "const fetchUser = async (id) => ({ id, username: 'bob' });"),
        ("toBeNull", "expect(findUser('ghost')).toBeNull();", "const findUser = (n) => ({ name: n });"),
        ("toMatchInlineSnapshot-like toBe", "expect(format(1234.5)).toBe('$1,234.50');", "const format = (n) => `$${n}`;"),
    ]
    for rep in range(2):
        for what, line, setup in jest_fails:
            test = rng.choice(TESTS)
            runner = rng.choice(["jest", "vitest"])
            if runner == "jest":
                files = {"package.json": pkg(scripts={"test": "jest"}),
                         test: f"describe('api', () => {{\n  it('works', () => {{\n    expect(1 + 1).toBe(2);\n  }});\n\n  it('{what}', async () => {{\n    {setup}\n    {line}\n  }});\n}});\n"}
                script = join(pre(rng), rng.choice(["npm test", "npx jest --ci", "npx jest --ci --verbose"]))
            else:
                files = {"package.json": pkg(scripts={"test": "vitest run"}, type="module"),
                         test.replace(".js", ".mjs") if False else test: f"import {{ describe, it, expect }} from 'vitest';\n\ndescribe('api', () => {{\n  it('works', () => {{\n    expect(1 + 1).toBe(2);\n  }});\n\n  it('{what}', async () => {{\n    {setup}\n    {line}\n  }});\n}});\n"}
                script = join(pre(rng), rng.choice(["npm test", "npx vitest run"]))
            cases.append(Case("api_contract_mismatch", f"{runner} expectation {what}", script, files=files, node_modules=True,
                              env=color_env(rng), expect="Expected|expected|Received", timeout=120))
    for what, lib, call in [
        ("renamed method", "module.exports = { getUser: (id) => ({ id }) };", "client.fetchUser(1)"),
        ("default export changed", "module.exports = { createClient: () => ({}) };", "client()"),
        ("method moved", "module.exports = { v2: { list: () => [] } };", "client.list()"),
        ("class to factory", "module.exports = { Client: class { request() {} } };", "client.request('/x')"),
        ("promise api removed", "module.exports = { readConfig(cb) { cb(null, {}); } };", "client.readConfigAsync().then(console.log)"),
        ("property no longer a function", "module.exports = { version: '2.0.0' };", "client.version()"),
    ]:
        src = rng.choice(SRC)
        files = {"node_modules/acme-sdk/index.js": lib, "node_modules/acme-sdk/package.json": pkg(name="acme-sdk", main="index.js"),
                 src: f"const client = require('acme-sdk');\n\nfunction run() {{\n  return {call};\n}}\n\nrun();\n"}
        cases.append(Case("api_contract_mismatch", f"node TypeError after SDK upgrade: {what}", join(pre(rng), f"node {src}"),
                          files=files, expect="is not a function"))
    # Tests against a loopback API whose answers changed.
    for i, (path, code, body, expect_line) in enumerate([
        ("/api/users/1", 404, {"error": "not found"}, "expect(res.status).toBe(200);"),
        ("/api/v2/orders", 200, {"orders": []}, "expect(await res.json()).toEqual({ items: [] });"),
        ("/api/session", 422, {"errors": ["password is required"]}, "expect(res.status).toBe(201);"),
        ("/api/status", 200, {"status": "degraded"}, "expect((await res.json()).status).toBe('ok');"),
    ]):
        route(path, code, body)
        port = svc.http_ports[i % len(svc.http_ports)]
        test = rng.choice(TESTS)
        files = {"package.json": pkg(scripts={"test": "jest"}),
                 test: f"const BASE = 'http://127.0.0.1:{port}';\n\ntest('GET {path}', async () => {{\n  const res = await fetch(BASE + '{path}');\n  {expect_line}\n}});\n"}
        cases.append(Case("api_contract_mismatch", f"jest against loopback API {path} ({code})", join(pre(rng), "npm test"),
                          files=files, node_modules=True, env=color_env(rng), expect="Expected|Received", timeout=120))
    return cases


def network_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    refused = [
        ("fetch", "async function main() {{\n  const res = await fetch('http://127.0.0.1:{port}{path}');\n  console.log(await res.json());\n}}\nmain();\n"),
        ("http.get", "const http = require('http');\n\nhttp.get('http://127.0.0.1:{port}{path}', (res) => {{\n  console.log(res.statusCode);\n}});\n"),
        ("net.connect", "const net = require('net');\n\nconst sock = net.connect({port}, '127.0.0.1', () => console.log('connected'));\n"),
        ("fetch awaited top-level", "const res = await fetch('http://localhost:{port}{path}', {{ method: 'POST', body: '{{}}' }});\nconsole.log(res.status);\n"),
    ]
    paths = ["/health", "/api/v1/ping", "/graphql", "/api/seed", "/status"]
    for rep in range(3):
        for name, tpl in refused:
            port = common.closed_port(rng, [3000, 3001, 4000, 5000, 8080, 8000, 9229, 6379, 5432, 27017])
            src = rng.choice(SRC).replace(".js", ".mjs") if "top-level" in name else rng.choice(SRC)
            cases.append(Case("network_timeout", f"node {name} to closed loopback port", join(pre(rng), f"node {src}"),
                              files={src: tpl.format(port=port, path=rng.choice(paths))}, expect="ECONNREFUSED"))
    hangs = [
        ("fetch AbortSignal.timeout", "const res = await fetch('http://127.0.0.1:{port}/api/report', {{ signal: AbortSignal.timeout({ms}) }});\n", "TimeoutError|aborted due to timeout"),
        ("http.get timeout", "import http from 'node:http';\n\nconst req = http.get('http://127.0.0.1:{port}/slow', {{ timeout: {ms} }});\nreq.on('timeout', () => req.destroy(new Error('Request timed out after {ms}ms')));\n", "timed out"),
        ("net socket timeout", "import net from 'node:net';\n\nconst s = net.connect({port}, '127.0.0.1');\ns.setTimeout({ms}, () => {{ s.destroy(); throw new Error('ETIMEDOUT: no response from 127.0.0.1:{port}'); }});\n", "ETIMEDOUT"),
    ]
    for rep in range(3):
        for name, tpl, exp in hangs:
            src = rng.choice(SRC).replace(".js", ".mjs")
            cases.append(Case("network_timeout", f"node {name} against silent loopback server", join(pre(rng), f"node {src}"),
                              files={src: tpl.format(port=rng.choice(svc.hang_ports), ms=rng.choice([1000, 1500, 2000]))}, expect=exp))
    hosts = ["registry.npmjs.org", "api.github.com", "db", "redis", "mongo", "api.stripe.com", "hooks.slack.com",
             "localstack", "keycloak", "cdn.jsdelivr.net"]
    for host in hosts:
        src = rng.choice(SRC)
        tpl = rng.choice(["fetch('https://{h}/').then((r) => console.log(r.status));\n",
                          "require('dns').lookup('{h}', (err, addr) => { if (err) throw err; console.log(addr); });\n",
                          "require('https').get('https://{h}/v1/status', (r) => console.log(r.statusCode));\n"])
        cases.append(Case("network_timeout", f"node DNS failure for {host} (no network namespace)", join(pre(rng), f"node {src}"),
                          files={src: tpl.replace("{h}", host)}, netns=True, expect="ENOTFOUND|EAI_AGAIN|fetch failed"))
    npm_env = {"npm_config_fetch_retries": "0", "npm_config_fetch_retry_mintimeout": "100", "npm_config_fetch_retry_maxtimeout": "200"}
    for dep in ["left-pad", "express", "lodash", "react", "axios", "moment"]:
        files = {"package.json": pkg(dependencies={dep: "^1.0.0"})}
        cases.append(Case("network_timeout", f"npm install {dep} offline (no network namespace)", join(pre(rng), rng.choice(["npm install", f"npm install {dep}"])),
                          files=files, netns=True, env=dict(npm_env), expect="ENOTFOUND|EAI_AGAIN|network", timeout=120))
    for dep in ["left-pad", "chalk", "axios", "dotenv"]:
        port = common.closed_port(rng, [4873, 8081, 8082, 4874])
        cases.append(Case("network_timeout", f"npm install {dep} from a closed local registry port",
                          join(pre(rng), f"npm install {dep} --registry http://127.0.0.1:{port}/"), env=dict(npm_env),
                          files={"package.json": pkg()}, expect="ECONNREFUSED", timeout=120))
    for i, code in enumerate([503, 502, 504, 429]):
        dep = ["is-number", "ms", "debug-lite", "tiny-invariant"][i]
        route(f"/{dep}", code, {"error": "upstream unavailable"})
        port = svc.http_ports[i % len(svc.http_ports)]
        cases.append(Case("network_timeout", f"npm install from a local registry answering {code}",
                          join(pre(rng), f"npm install {dep} --registry http://127.0.0.1:{port}/"), env=dict(npm_env),
                          files={"package.json": pkg()}, expect=str(code), timeout=120))
    for rep in range(2):
        port = rng.choice(svc.hang_ports)
        cases.append(Case("network_timeout", "npm install from a hanging local registry with fetch-timeout",
                          join(pre(rng), f"npm install express --registry http://127.0.0.1:{port}/ --fetch-timeout=2000"),
                          env=dict(npm_env), files={"package.json": pkg()}, expect="ETIMEDOUT|timeout|network", timeout=120))
    for rep in range(4):
        port = common.closed_port(rng, [3000, 8080, 4000])
        test = rng.choice(TESTS)
        files = {"package.json": pkg(scripts={"test": "jest"}),
                 test: f"describe('integration', () => {{\n  it('responds', async () => {{\n    const res = await fetch('http://127.0.0.1:{port}/health');\n    expect(res.ok).toBe(true);\n  }});\n}});\n"}
        cases.append(Case("network_timeout", "jest test with fetch to closed loopback port", join(pre(rng), "npm test"),
                          files=files, node_modules=True, env=color_env(rng), expect="fetch failed|ECONNREFUSED", timeout=120))
    for rep in range(3):
        test = rng.choice(TESTS)
        files = {"package.json": pkg(scripts={"test": "jest --testTimeout=1500"}),
                 test: f"test('loads dashboard data', async () => {{\n  const res = await fetch('http://127.0.0.1:{rng.choice(svc.hang_ports)}/api/dashboard');\n  expect(res.status).toBe(200);\n}});\n"}
        cases.append(Case("network_timeout", "jest test timeout waiting on a silent loopback server", join(pre(rng), "npm test"),
                          files=files, node_modules=True, env=color_env(rng), expect="Exceeded timeout", timeout=120))
    return cases


def permission_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []

    def chmod(path: str, mode: int):
        def f(ws):
            import os
            os.chmod(ws / path, mode)
        return f

    shapes = [
        ("writeFileSync read-only file", {"dist/version.json": "{}"}, "dist/version.json", 0o444,
         "const fs = require('fs');\nfs.writeFileSync('dist/version.json', JSON.stringify({ v: 2 }));\n"),
        ("mkdirSync in read-only dir", {"build/.keep": ""}, "build", 0o555,
         "const fs = require('fs');\nfs.mkdirSync('build/assets/js', { recursive: true });\n"),
        ("readFileSync chmod-000", {"certs/server.key": "x"}, "certs/server.key", 0o000,
         "const fs = require('fs');\nconst key = fs.readFileSync('certs/server.key');\n"),
        ("rmSync in read-only dir", {"cache/a.json": "{}"}, "cache", 0o555,
         "const fs = require('fs');\nfs.rmSync('cache/a.json');\n"),
        ("promises.writeFile in read-only dir", {"coverage/.keep": ""}, "coverage", 0o555,
         "const fs = require('fs/promises');\n(async () => { await fs.writeFile('coverage/lcov.info', ''); })();\n"),
        ("spawn non-executable script", {"scripts/deploy.sh": "#!/bin/sh\necho deploy\n"}, "scripts/deploy.sh", 0o644,
         "const { execFileSync } = require('child_process');\nexecFileSync('./scripts/deploy.sh', { stdio: 'inherit' });\n"),
    ]
    for rep in range(2):
        for what, files, target, mode, code in shapes:
            src = rng.choice(SRC)
            cases.append(Case("permission_denied", f"node as unprivileged user: {what}", join(pre(rng), f"node {src}"),
                              files={**files, src: code}, user="nobody", prepare=chmod(target, mode), expect="EACCES|EPERM"))
    system = [
        ("listen on port 80", "require('http').createServer(() => {}).listen(80, () => console.log('listening'));\n"),
        ("listen on port 443", "const https = require('net');\nhttps.createServer().listen(443);\n"),
        ("write /etc file", "require('fs').appendFileSync('/etc/hosts', '127.0.0.1 app.local\\n');\n"),
        ("mkdir under /usr/local/lib", "require('fs').mkdirSync('/usr/local/lib/node_modules/my-cli', { recursive: true });\n"),
        ("chown", "const fs = require('fs');\nfs.writeFileSync('out.txt', '');\nfs.chownSync('out.txt', 0, 0);\n"),
        ("kill pid 1", "process.kill(1, 'SIGHUP');\n"),
        ("symlink in /usr/bin", "require('fs').symlinkSync(__filename, '/usr/bin/app-cli');\n"),
    ]
    for rep in range(2):
        for what, code in system:
            src = rng.choice(SRC)
            cases.append(Case("permission_denied", f"node as unprivileged user: {what}", join(pre(rng), f"node {src}"),
                              files={src: code}, user="nobody", expect="EACCES|EPERM"))
    for rep in range(3):
        name = rng.choice(["deploy-cli", "acme-tools", "release-helper", "lint-config"])
        files = {"tool/package.json": pkg(name=name, bin={name: "cli.js"}), "tool/cli.js": "#!/usr/bin/env node\nconsole.log('hi');\n"}
        cases.append(Case("permission_denied", "npm install -g as unprivileged user", join(pre(rng), "npm install -g ./tool"),
                          files=files, user="nobody", env={"npm_config_cache": "/tmp/gc-home-nobody/.npm"}, netns=True,
                          display=join("npm install -g ./tool"), expect="EACCES", timeout=120))
    for i, code in enumerate([403, 401, 403]):
        name = rng.choice(["@acme/ui", "@acme/utils", "internal-sdk"])
        route(f"/{name.replace('/', '%2f')}", code, {"error": "you do not have permission to publish"})
        port = svc.http_ports[i % len(svc.http_ports)]
        files = {"package.json": json.dumps({"name": name, "version": "2.3.0"}, indent=2), "index.js": "module.exports = {};\n",
                 ".npmrc": f"//127.0.0.1:{port}/:_authToken=${{NODE_AUTH_TOKEN}}\nregistry=http://127.0.0.1:{port}/\n"}
        cases.append(Case("permission_denied", f"npm publish answered {code}", join(pre(rng), "npm publish"), files=files,
                          env={"NODE_AUTH_TOKEN": "npm_XXXXXXXXXXXXXXXX"}, expect=str(code), timeout=60))
    return cases


def config_cases(rng: random.Random) -> list[Case]:
    cases = []
    broken_pkgs = [
        '{\n  "name": "app",\n  "version": "1.0.0",\n  "scripts": {\n    "test": "jest",\n  }\n}\n',
        '{\n  "name": "app"\n  "version": "1.0.0"\n}\n',
        '{\n  // comments are not allowed\n  "name": "app"\n}\n',
        "{\n  'name': 'app'\n}\n",
        '{\n  "name": "app",\n  "dependencies": {\n    "express": "^4.18.2"\n  \n',
        '<<<<<<< HEAD\n{ "name": "app", "version": "1.0.1" }\n=======\n{ "name": "app", "version": "1.0.2" }\n>>>>>>> main\n',
    ]
    for rep in range(2):
        for i, text in enumerate(broken_pkgs):
            cmd = rng.choice(["npm test", "npm install", "npm run build", "npm ci", "npm ls"])
            cases.append(Case("configuration_error", f"npm with invalid package.json ({i})", join(pre(rng), cmd),
                              files={"package.json": text}, netns=True, expect="EJSONPARSE|JSON"))
    for rep in range(2):
        for script_name in ["test", "build", "lint", "typecheck"]:
            files = {"package.json": pkg(scripts={"start": "node index.js", "dev": "node --watch index.js"})}
            cases.append(Case("configuration_error", f"npm run missing script {script_name}",
                              join(pre(rng), "npm test" if script_name == "test" else f"npm run {script_name}"),
                              files=files, expect="Missing script"))
    for rep in range(2):
        files = {"package.json": pkg(dependencies={})}
        cases.append(Case("configuration_error", "npm ci without package-lock.json", join(pre(rng), "npm ci"),
                          files=files, netns=True, expect="package-lock|lockfile"))
        files = {"package.json": pkg(engines={"node": rng.choice([">=22.0.0", "^18.0.0", ">=21"])})}
        cases.append(Case("configuration_error", "npm install with engine-strict and unsupported node", join(pre(rng), "npm install --engine-strict"),
                          files=files, netns=True, expect="EBADENGINE|engine"))
    tsconfigs = [
        ('{\n  "compilerOptions": {\n    "target": "es2020",\n    "strict": true,\n  }\n  "include": ["src"]\n}\n', "TS"),
        ('{\n  "compilerOptions": {\n    "target": "es2099",\n    "module": "commonjs"\n  }\n}\n', "TS6046|target"),
        ('{\n  "compilerOptions": {\n    "strictNullCheck": true,\n    "outDir": "dist"\n  }\n}\n', "TS5025|TS5023|Unknown compiler option"),
        ('{\n  "compilerOptions": {\n    "moduleResolution": "nodenext",\n    "module": "commonjs"\n  }\n}\n', "TS5110|TS5109|module"),
        ('{\n  "extends": "@tsconfig/node20/tsconfig.json",\n  "compilerOptions": { "outDir": "dist" }\n}\n', "TS6053|not found"),
        ('{\n  "compilerOptions": {\n    "lib": ["es2020", "dom.iterable2"]\n  }\n}\n', "TS6046|lib"),
        ('{\n  "compilerOptions": {\n    "jsx": "reactive"\n  }\n}\n', "TS6046|jsx"),
        ('{\n  "compilerOptions": {\n    "strict": "yes"\n  }\n}\n', "TS5024|boolean"),
        ('{\n  "compilerOptions": { "outDir": "dist" },\n  "include": []\n}\n', "TS18002|include"),
    ]
    for rep in range(2):
        for i, (text, exp) in enumerate(tsconfigs):
            files = {"tsconfig.json": text, "src/index.ts": "export const x: number = 1;\n"}
            cases.append(Case("configuration_error", f"tsc with invalid tsconfig.json ({i})", join(pre(rng), rng.choice(["npx tsc -p .", "npx tsc --noEmit"])),
                              files=files, node_modules=True, expect=exp))
    eslintrcs = [
        ('{\n  "extends": "eslint:recommended",\n  "rules": {\n    "semi": ["error", "always"],\n  },\n}\n', ".eslintrc.json", "Cannot read config|Unexpected|JSON"),
        ('{\n  "rules": {\n    "no-console": "maybe"\n  }\n}\n', ".eslintrc.json", "Configuration for rule|invalid"),
        ('root: true\nrules:\n  quotes: [error, single\n', ".eslintrc.yml", "Cannot read config|YAML|unexpected|flow"),
        ('{\n  "parserOptions": { "ecmaVersion": 2040 },\n  "rules": {}\n}\n', ".eslintrc.json", "ecmaVersion|Invalid|invalid"),
        ('{\n  "env": { "nodejs": true }\n}\n', ".eslintrc.json", "Environment key|nodejs|Unknown|invalid"),
        ('{\n  "extends": "airbnb-base"\n}\n', ".eslintrc.json", "couldn't find the config|airbnb"),
        ('module.exports = {\n  rules: {\n    indent: ["error", "four"],\n  },\n};\n', ".eslintrc.js", "Configuration for rule|invalid"),
        ('{\n  "rulez": { "semi": "error" }\n}\n', ".eslintrc.json", "Unexpected top-level property|rulez"),
    ]
    for rep in range(2):
        for i, (text, fname, exp) in enumerate(eslintrcs):
            files = {fname: text, "src/index.js": "const a = 1;\nconsole.log(a);\n"}
            cases.append(Case("configuration_error", f"eslint with invalid config {fname} ({i})", join(pre(rng), rng.choice(["npx eslint src", "npx eslint ."])),
                              files=files, node_modules=True, env={"ESLINT_USE_FLAT_CONFIG": "false"}, expect=exp))
    for rep, text in enumerate(['{\n  "testEnvironment": "node",\n  "testMatch": ["**/*.test.js"],\n}\n',
                                '{\n  "jest": true\n}\n']):
        files = {"jest.config.json": text, "a.test.js": "test('x', () => expect(1).toBe(1));\n"}
        cases.append(Case("configuration_error", f"jest with invalid jest.config.json ({rep})", join(pre(rng), "npx jest -c jest.config.json"),
                          files=files, node_modules=True, expect="Error|error", timeout=120))
    return cases


def other_cases(rng: random.Random) -> list[Case]:
    cases = []
    ts_errors = [
        "const port: number = '3000';\nexport default port;\n",
        "function add(a: number, b: number) {\n  return a + b;\n}\nadd(1, '2');\n",
        "interface User { id: number; name: string }\nconst u: User = { id: 1 };\nexport { u };\n",
        "const user = { id: 1 };\nconsole.log(user.email);\n",
        "export function greet(name) {\n  return 'hi ' + name;\n}\n",
        "let maybe: string | undefined;\nconst n: number = maybe.length;\nexport { n };\n",
        "import { readFileSync } from 'fs';\nconst data: number[] = JSON.parse(readFileSync('x', 'utf8')).map((x: string) => x.trim());\nconst y: string = data;\nexport { y };\n",
        "enum Color { Red, Green }\nconst c: Color = 'Blue';\nexport { c };\n",
        "async function f(): Promise<number> {\n  return 'done';\n}\nexport { f };\n",
        "const xs = [1, 2, 3];\nxs.push('4');\n",
    ]
    for rep in range(2):
        for i, code in enumerate(ts_errors):
            files = {"tsconfig.json": json.dumps({"compilerOptions": {"strict": True, "noEmit": True, "target": "es2020", "module": "commonjs", "types": []}, "include": ["src"]}, indent=2),
                     f"src/{rng.choice(['index', 'server', 'routes', 'models/user', 'utils/format'])}.ts": code}
            cases.append(Case("other", f"tsc type error ({i})", join(pre(rng), rng.choice(["npx tsc --noEmit", "npx tsc -p tsconfig.json", "npm run typecheck"])),
                              files={**files, "package.json": pkg(scripts={"typecheck": "tsc --noEmit"})}, node_modules=True, expect="error TS"))
    lint = [
        ("no-unused-vars", "const unused = 1;\nfunction f(a, b) {\n  return a;\n}\nf(1);\n"),
        ("eqeqeq", "const a = 1;\nif (a == '1') {\n  console.log(a);\n}\n"),
        ("no-undef", "module.exports = () => undefinedThing + 1;\n"),
        ("semi", "const a = 1\nconsole.log(a)\n"),
        ("quotes", "const a = \"double\";\nconsole.log(a);\n"),
        ("no-console", "console.log('debug');\n"),
        ("prefer-const", "let a = 1;\nconsole.log(a);\n"),
        ("no-var", "var a = 1;\nconsole.log(a);\n"),
    ]
    for rep in range(2):
        for rule, code in lint:
            rules = {"no-unused-vars": "error", "eqeqeq": "error", "no-undef": "error", "semi": ["error", "always"],
                     "quotes": ["error", "single"], "no-console": "error", "prefer-const": "error", "no-var": "error"}
            files = {".eslintrc.json": json.dumps({"root": True, "env": {"node": True, "es2022": True}, "parserOptions": {"ecmaVersion": 2022}, "rules": rules}, indent=2),
                     f"src/{rng.choice(['index', 'app', 'lib/util', 'routes/api'])}.js": code,
                     "package.json": pkg(scripts={"lint": "eslint src --max-warnings=0"})}
            cases.append(Case("other", f"eslint rule failure {rule}", join(pre(rng), rng.choice(["npm run lint", "npx eslint src"])),
                              files=files, node_modules=True, env={"ESLINT_USE_FLAT_CONFIG": "false", **color_env(rng)}, expect="error"))
    crashes = [
        ("SyntaxError", "function f( {\n  return 1;\n}\n", "SyntaxError"),
        ("ReferenceError", "function total(items) {\n  return itemz.length;\n}\ntotal([]);\n", "ReferenceError"),
        ("TypeError undefined map", "const data = {};\nconsole.log(data.items.map((x) => x.id));\n", "TypeError"),
        ("RangeError stack", "function f() { return f(); }\nf();\n", "RangeError"),
        ("unhandled rejection", "async function main() {\n  throw new Error('Build failed: 3 chunks exceeded size budget');\n}\nmain();\n", "Build failed"),
        ("heap out of memory", "const a = [];\nwhile (true) a.push(new Array(1e6).fill('x'));\n", "heap out of memory|Allocation failed"),
        ("JSON.parse of data file", "JSON.parse('{ invalid');\n", "SyntaxError"),
        ("process.abort", "console.log('checking');\nprocess.abort();\n", "checking"),
        ("assignment to const", "const a = 1;\na = 2;\n", "TypeError"),
        ("custom error exit", "console.error('Error: bundle size 512 kB exceeds limit of 250 kB');\nprocess.exit(1);\n", "exceeds limit"),
    ]
    for rep in range(2):
        for what, code, exp in crashes:
            src = rng.choice(SRC)
            run = f"node --max-old-space-size=48 {src}" if "memory" in what else f"node {src}"
            cases.append(Case("other", f"node crash: {what}", join(pre(rng), run), files={src: code}, expect=exp, timeout=90))
    jest_other = [
        ("throws", "const parse = (s) => { throw new Error('unexpected token at 3'); };\nexpect(parse('a')).toBeTruthy();", "unexpected token"),
        ("toThrow not thrown", "const safe = () => 1;\nexpect(safe).toThrow();", "did not throw"),
        ("toBeTruthy", "const ok = 0;\nexpect(ok).toBeTruthy();", "toBeTruthy"),
        ("TypeError in code", "const cfg = undefined;\nexpect(cfg.port).toBe(1);", "TypeError"),
        ("toBeGreaterThan", "const coverage = 71.2;\nexpect(coverage).toBeGreaterThan(80);", "toBeGreaterThan"),
    ]
    for rep in range(2):
        for what, body, exp in jest_other:
            test = rng.choice(TESTS)
            files = {"package.json": pkg(scripts={"test": "jest"}),
                     test: f"test('{what}', () => {{\n  {body}\n}});\n"}
            cases.append(Case("other", f"jest failure: {what}", join(pre(rng), "npm test"), files=files, node_modules=True,
                              env=color_env(rng), expect=exp, timeout=120))
    return cases


def build(rng: random.Random, svc: Services) -> list[Case]:
    cases = (dependency_cases(rng) + env_cases(rng) + api_cases(rng, svc) + network_cases(rng, svc)
             + permission_cases(rng, svc) + config_cases(rng) + other_cases(rng))
    for c in cases:
        c.kind = "node"
    return cases


if __name__ == "__main__":
    common.main("node", build, workers=3)
