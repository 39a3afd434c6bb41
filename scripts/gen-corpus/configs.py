"""Configuration and manifest failures from real parsers and tools: broken YAML, TOML,
JSON and INI files fed to PyYAML, js-yaml, yq, tomllib, jq, configparser and friends;
actionlint on invalid workflows; terraform on invalid HCL; pip with invalid requirements,
pins that do not exist (a local package index, plus a handful of real PyPI look-ups) and
invalid pyproject.toml. pip is also run against closed, silent and failing local indexes
(network) and as an unprivileged user into a root-owned environment (permission)."""

from __future__ import annotations

import base64
import os
import hashlib
import random
import zipfile
from pathlib import Path

import common
from common import Case, Services, route

PY_PRE = ["python --version", "pip --version", "echo \"Validating configuration\"", "ls"]

YAML_DOCS = {
    "docker-compose.yml": "version: \"3.9\"\nservices:\n  web:\n    image: acme/web:1.4\n    ports:\n      - \"8080:80\"\n    environment:\n      APP_ENV: ci\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: postgres\n",
    "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels:\n    app: api\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:sha-1a2b3c\n          ports:\n            - containerPort: 8080\n",
    "config/app.yaml": "server:\n  host: 0.0.0.0\n  port: 8080\ndatabase:\n  url: postgres://localhost/app\n  pool: 5\nfeatures:\n  beta: false\n  signup: true\n",
    "mkdocs.yml": "site_name: Acme Docs\nnav:\n  - Home: index.md\n  - Guide: guide.md\ntheme:\n  name: material\nplugins:\n  - search\n",
    "openapi.yaml": "openapi: 3.0.3\ninfo:\n  title: Orders API\n  version: 2.1.0\npaths:\n  /orders:\n    get:\n      summary: List orders\n      responses:\n        '200':\n          description: OK\n",
    "charts/app/values.yaml": "replicaCount: 1\nimage:\n  repository: acme/app\n  tag: latest\nservice:\n  type: ClusterIP\n  port: 80\nresources: {}\n",
    "ansible/playbook.yml": "- hosts: web\n  become: true\n  tasks:\n    - name: Install nginx\n      apt:\n        name: nginx\n        state: present\n",
    ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/psf/black\n    rev: 24.4.2\n    hooks:\n      - id: black\n  - repo: https://github.com/pycqa/flake8\n    rev: 7.0.0\n    hooks:\n      - id: flake8\n",
    "serverless.yml": "service: billing\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  charge:\n    handler: handler.charge\n    events:\n      - http:\n          path: charge\n          method: post\n",
    ".gitlab-ci.yml": "stages:\n  - test\n  - deploy\ntest:\n  stage: test\n  script:\n    - pytest -q\ndeploy:\n  stage: deploy\n  script:\n    - ./deploy.sh\n",
}


def break_yaml(text: str, how: int, rng: random.Random) -> str:
    lines = text.split("\n")
    idx = rng.randrange(2, max(3, len(lines) - 2))
    ln = lines[idx]
    if how == 0:  # a tab in indentation
        lines[idx] = "\t" + ln.lstrip()
    elif how == 1:  # wrong indentation
        lines[idx] = " " + ln
    elif how == 2:  # unclosed quote
        lines[idx] = ln + ' "unterminated'
        lines[idx] = ln.split(":")[0] + ': "oops' if ":" in ln else ln + ' "oops'
    elif how == 3:  # mapping value in a plain scalar
        lines[idx] = ln + ": extra: value" if ":" in ln else ln + ": a: b"
    elif how == 4:  # unclosed flow sequence
        lines.insert(idx, ln[: len(ln) - len(ln.lstrip())] + "tags: [api, web")
    elif how == 5:  # undefined alias
        lines.insert(idx, ln[: len(ln) - len(ln.lstrip())] + "defaults: *base")
    elif how == 6:  # reserved indicator
        lines.insert(idx, ln[: len(ln) - len(ln.lstrip())] + "owner: @platform-team")
    elif how == 7:  # unquoted template
        lines.insert(idx, ln[: len(ln) - len(ln.lstrip())] + "image: {{ .Values.image }}:latest")
    elif how == 8:  # missing colon
        lines.insert(idx, ln[: len(ln) - len(ln.lstrip())] + "timeout 30")
        lines.insert(idx + 1, ln[: len(ln) - len(ln.lstrip())] + "retries: 3")
    else:  # merge conflict marker
        lines.insert(idx, "<<<<<<< HEAD")
        lines.insert(idx + 2, "=======")
        lines.insert(idx + 3, ln)
        lines.insert(idx + 4, ">>>>>>> feature/update-config")
    return "\n".join(lines)


TOML_BREAKS = [
    ("unclosed string", '[project]\nname = "acme-app\nversion = "1.2.0"\n'),
    ("missing equals", '[project]\nname "acme-app"\nversion = "1.2.0"\n'),
    ("duplicate key", '[project]\nname = "acme-app"\nname = "acme"\n'),
    ("bare version", '[project]\nname = "acme-app"\nversion = 1.2.0\n'),
    ("unclosed array", '[project]\nname = "acme-app"\ndependencies = [\n  "requests>=2",\n  "click"\n\n[tool.black]\nline-length = 100\n'),
    ("bad table header", '[project\nname = "acme-app"\n'),
    ("duplicate table", '[tool.ruff]\nline-length = 100\n\n[tool.ruff]\nselect = ["E"]\n'),
    ("inline table newline", '[tool.poetry.dependencies]\npython = "^3.11"\nrequests = { version = "^2.31",\n  extras = ["socks"] }\n'),
    ("invalid escape", '[tool.app]\npath = "C:\\Users\\runner"\n'),
    ("trailing comma inline table", '[tool.poetry.dependencies]\nfastapi = { version = "^0.110", }\n'),
    ("invalid date", '[tool.release]\ndate = 2024-13-45\n'),
    ("key without value", '[tool.pytest.ini_options]\naddopts =\ntestpaths = ["tests"]\n'),
]
INI_BREAKS = [
    ("missing section header", "setup.cfg", "metadata]\nname = acme\n"),
    ("no section at all", "tox.ini", "envlist = py311\n[testenv]\ncommands = pytest\n"),
    ("duplicate section", "setup.cfg", "[metadata]\nname = acme\n\n[metadata]\nversion = 1.0\n"),
    ("duplicate option", "config/app.ini", "[server]\nport = 8080\nport = 9090\n"),
    ("continuation without key", "config/app.ini", "[server]\n  host = 0.0.0.0\n"),
    ("garbage line", ".flake8", "[flake8]\nmax-line-length = 100\nthis line is garbage\n"),
    ("bad interpolation", "config/app.ini", "[paths]\nlogs = %(root)s/logs\n"),
]
JSON_BREAKS = ['{\n  "name": "app",\n  "private": true,\n}\n', "{\n  'name': 'app'\n}\n", '{\n  "a": 1\n', '{\n  "list": [1, 2,]\n}\n',
               '// settings\n{\n  "a": 1\n}\n', '{\n  "a": 1\n}\n{\n  "b": 2\n}\n', '{\n  "url": "http://x\n}\n', '{\n  "n": 01\n}\n',
               '{\n  "a": NaN,\n  "b": undefined\n}\n', '\ufeff{"a": 1}\n']
JSON_FILES = ["config/settings.json", "renovate.json", "appsettings.json", "app.json", ".babelrc", "deploy/params.json",
              "firebase.json", "composer.json", "vercel.json", "manifest.json", "data/seed.json", "cdk.json"]

WORKFLOWS = {
    "unknown key runs_on": "on: push\njobs:\n  test:\n    runs_on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
    "missing runs-on": "on: push\njobs:\n  build:\n    steps:\n      - run: make\n",
    "unknown event": "on:\n  pushh:\n    branches: [main]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n",
    "bad expression": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ secrets.TOKEN }\n",
    "undefined needs": "on: push\njobs:\n  deploy:\n    needs: [build]\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./deploy.sh\n",
    "invalid cron": "on:\n  schedule:\n    - cron: '0 25 * * *'\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo nightly\n",
    "uses without ref": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout\n",
    "invalid permission": "on: push\npermissions:\n  contents: admin\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n",
    "timeout not a number": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: ten\n    steps:\n      - run: echo\n",
    "yaml syntax": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"unterminated\n      - run: echo ok\n",
    "duplicate step id": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - id: build\n        run: make\n      - id: build\n        run: make test\n",
    "undefined matrix": "on: push\njobs:\n  a:\n    runs-on: ${{ matrix.os }}\n    steps:\n      - run: echo ${{ matrix.python }}\n",
    "run and uses together": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v4\n        run: npm ci\n",
    "unknown context": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.events.pull_request.title }}\n",
    "missing steps": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n",
    "invalid shell": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n        shell: zsh -e {0}\n",
    "tab indentation": "on: push\njobs:\n\ta:\n\t\truns-on: ubuntu-latest\n",
    "with on run step": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n        with:\n          x: 1\n",
    "invalid glob": "on:\n  push:\n    branches: ['release/**[']\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n",
    "env in wrong place": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo $A\n    env: [A]\n",
    "workflow_dispatch input type": "on:\n  workflow_dispatch:\n    inputs:\n      env:\n        type: text\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n",
    "job id invalid": "on: push\njobs:\n  1-build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n",
    "if with broken expr": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    if: ${{ github.ref == 'refs/heads/main' && }}\n    steps:\n      - run: echo\n",
    "services ports string": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    services:\n      postgres:\n        ports: 5432\n    steps:\n      - run: echo\n",
}

HCL_BREAKS = [
    'resource "aws_s3_bucket" "assets" {\n  bucket = "acme-assets"\n  tags = {\n    Env = "ci"\n  \n}\n',
    'variable "region" {\n  default = us-east-1\n}\n',
    'resource "aws_instance" "web" {\n  ami           = "ami-123"\n  instance_type = "t3.micro"\n  count = \n}\n',
    'module "vpc" {\n  source = "./modules/vpc"\n  cidr = "10.0.0.0/16"\n  azs = ["a", "b"\n}\n',
    'locals {\n  name = "${var.prefix-app"\n}\n',
    'resource "aws_iam_role" {\n  name = "ci"\n}\n',
    'output "url" {\n  value = aws_lb.main.dns_name\n}}\n',
    'provider "aws" {\n  region = "us-east-1"\n  default_tags {\n    tags = { Team = "platform" Owner = "ops" }\n  }\n}\n',
]

# A small local package index (served by common.Services) for pins that do not exist.
INDEX = {"requests": ["2.28.0", "2.31.0", "2.32.3"], "django": ["4.2.11", "5.0.6"], "flask": ["2.3.3", "3.0.3"],
         "numpy": ["1.26.4", "2.0.0"], "pydantic": ["1.10.15", "2.7.1"], "boto3": ["1.34.0", "1.34.100"],
         "fastapi": ["0.110.0", "0.111.0"], "celery": ["5.3.6", "5.4.0"], "sqlalchemy": ["2.0.29", "2.0.30"],
         "pandas": ["2.2.1", "2.2.2"], "black": ["24.3.0", "24.4.2"], "pytest": ["8.1.1", "8.2.0"],
         "uvicorn": ["0.29.0", "0.30.0"], "httpx": ["0.27.0"], "redis": ["5.0.4"], "psycopg2-binary": ["2.9.9"],
         "torch": ["2.2.2", "2.3.0"], "tensorflow": ["2.15.0", "2.16.1"], "scipy": ["1.13.0"], "gunicorn": ["22.0.0"]}


def pre(rng: random.Random, pool: list[str] = PY_PRE) -> str:
    return "\n".join(rng.sample(pool, rng.choice([0, 1, 1, 2])))


def join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def config_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    # YAML through several real parsers.
    loaders = [
        ("PyYAML", "python scripts/check_config.py {f}", {"scripts/check_config.py": "import sys\n\nimport yaml\n\nwith open(sys.argv[1]) as fh:\n    data = yaml.safe_load(fh)\nprint(f'{sys.argv[1]}: {len(data)} top-level keys')\n"}, "yaml"),
        ("PyYAML one-liner", "python -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' {f}", {}, "yaml"),
        ("js-yaml", "node scripts/validate.js {f}", {"scripts/validate.js": "const fs = require('fs');\nconst yaml = require('js-yaml');\nconst doc = yaml.load(fs.readFileSync(process.argv[2], 'utf8'));\nconsole.log(Object.keys(doc));\n"}, "YAMLException|Error"),
        ("yq", "yq . {f} > /dev/null", {}, "yq|Error|error"),
        ("yamllint", "yamllint -d relaxed {f}", {}, "error"),
    ]
    docs = list(YAML_DOCS.items())
    for i in range(60):
        fname, text = docs[i % len(docs)]
        how = (i * 7 + i // len(docs)) % 10
        loader, cmd, extra, exp = loaders[i % len(loaders)]
        broken = break_yaml(text, how, rng)
        files = {fname: broken, **extra}
        c = Case("configuration_error", f"{loader} on broken YAML ({fname}, break {how})", join(pre(rng), cmd.format(f=fname)),
                 files=files, node_modules=loader == "js-yaml", kind="node" if loader == "js-yaml" else "python", expect=exp)
        cases.append(c)
    for i, (what, text) in enumerate(TOML_BREAKS):
        for rep in range(2):
            shape = (i + rep) % 3
            if shape == 0:
                files = {"pyproject.toml": text, "scripts/read_version.py": "import tomllib\n\nwith open('pyproject.toml', 'rb') as f:\n    meta = tomllib.load(f)\nprint(meta['project']['version'])\n"}
                cmd = "python scripts/read_version.py"
            elif shape == 1:
                files = {"config.toml": text}
                cmd = "python -c \"import tomllib; tomllib.load(open('config.toml', 'rb'))\""
            else:
                files = {"pyproject.toml": text, "src/acme/__init__.py": ""}
                cmd = rng.choice(["pip install .", "pip install -e .", "python -m pip install ."])
            cases.append(Case("configuration_error", f"TOML {what} ({['tomllib script', 'tomllib one-liner', 'pip install'][shape]})",
                              join(pre(rng), cmd), files=files, netns=True, expect="TOML|toml|Invalid|invalid|Error|error", reject=NET))
    for i, text in enumerate(JSON_BREAKS):
        for rep in range(3):
            fname = rng.choice(JSON_FILES)
            tool = rep % 3
            cmd = [f"python -m json.tool {fname} > /dev/null", f"jq -e . {fname} > /dev/null",
                   f"node -e \"JSON.parse(require('fs').readFileSync('{fname}', 'utf8'))\""][tool]
            cases.append(Case("configuration_error", f"invalid JSON ({i}) via {['json.tool', 'jq', 'node JSON.parse'][tool]}",
                              join(pre(rng), cmd), files={fname: text}, kind="node" if tool == 2 else "python",
                              expect="Expecting|Extra data|jq: error|parse error|SyntaxError|Unexpected|Invalid|JSON"))
    for what, fname, text in INI_BREAKS:
        for rep in range(2):
            code = f"import configparser\n\ncfg = configparser.ConfigParser()\ncfg.read('{fname}')\nprint(cfg.sections())\n"
            if "interpolation" in what:
                code = f"import configparser\n\ncfg = configparser.ConfigParser()\ncfg.read('{fname}')\nprint(cfg['paths']['logs'])\n"
            cases.append(Case("configuration_error", f"configparser: {what} ({fname})", join(pre(rng), "python load_settings.py"),
                              files={fname: text, "load_settings.py": code}, expect="Error|error"))
    for what, text in WORKFLOWS.items():
        for rep in range(2):
            fname = rng.choice(["ci.yml", "test.yml", "release.yml", "deploy.yaml", "build.yml", "nightly.yml"])
            wf = "name: CI\n" + text if rep == 0 else text
            flags = rng.choice(["", "-color", "-oneline", "-verbose" if False else ""])
            cases.append(Case("configuration_error", f"actionlint: {what}", join(pre(rng), f"actionlint {flags} .github/workflows/{fname}".replace("  ", " ")),
                              files={f".github/workflows/{fname}": wf}, expect=":"))
    for i, text in enumerate(HCL_BREAKS):
        for rep in range(2):
            fname = rng.choice(["main.tf", "variables.tf", "s3.tf", "network.tf"])
            cmd = rng.choice(["terraform fmt -check -diff", "terraform validate", "terraform fmt -check -recursive"])
            cases.append(Case("configuration_error", f"terraform on invalid HCL ({i})", join(pre(rng, ["terraform version | head -n 1", "ls"]), cmd),
                              files={fname: text}, kind="shell", netns=True, env={"TF_IN_AUTOMATION": "1", "TF_CLI_CONFIG_FILE": "/dev/null"},
                              expect="Error|error"))
    # pip: invalid requirements and pins that do not exist.
    bad_reqs = ["flask=2.0", "requests>=2.0,<", "django==4.2.*.1", "numpy>=1.26;python_version>'3.8", "pandas===", "git+https//github.com/acme/lib.git",
                "pydantic[email", "celery>=5.3.0 redis", "uvicorn[standard]>=0.30,,", "--hash=sha256:abc"]
    for req in bad_reqs:
        if rng.random() < 0.5:
            files = {"requirements.txt": f"requests>=2.31\n{req}\npytest\n"}
            cmd = "pip install -r requirements.txt"
        else:
            files = {}
            cmd = f"pip install '{req}'"
        cases.append(Case("configuration_error", f"pip invalid requirement {req}", join(pre(rng), cmd), files=files, netns=True,
                          expect="Invalid requirement|ERROR|error", reject=NET))
    for missing in ["requirements/ci.txt", "requirements-dev.txt", "docs/requirements.txt"]:
        cases.append(Case("configuration_error", f"pip -r {missing} that does not exist", join(pre(rng), f"pip install -r {missing}"),
                          netns=True, expect="Could not open requirements file"))
    for rep in range(2):
        cases.append(Case("configuration_error", "pip install -e . in a directory that is not a project", join(pre(rng), "pip install -e ."),
                          files={"README.md": "# app\n"}, netns=True, expect="does not appear to be a Python project|neither"))
    common.SIMPLE_INDEX.update(INDEX)
    names = sorted(INDEX)
    for i in range(30):
        port = svc.http_ports[i % len(svc.http_ports)]
        name = names[i % len(names)]
        shape = i % 3
        if shape == 0:
            pin = rng.choice(["99.0.0", "0.0.1", "10.0", "1.0.0rc99", "3.14.159"])
            cmd = f"pip install --index-url http://127.0.0.1:{port}/simple '{name}=={pin}'"
            files = {}
        elif shape == 1:
            pin = rng.choice(["99.1", "7.7.7", "0.999"])
            files = {"requirements.txt": f"{name}=={pin}\n{names[(i + 3) % len(names)]}>=0\n"}
            cmd = f"pip install --index-url http://127.0.0.1:{port}/simple -r requirements.txt"
        else:
            typo = rng.choice(["reqeusts", "djnago", "flask-restfull", "pyyml", "beautifulsoup", "sklearn-learn", "opencv", "python-dotenv2",
                               "pytest-covv", "acme-internal-sdk", "tensorflow-gpux", "boto4"])
            files = {}
            cmd = f"pip install --index-url http://127.0.0.1:{port}/simple {typo}"
        cases.append(Case("configuration_error", f"pip pin or name not in the index ({['pin', 'requirements pin', 'unknown name'][shape]})",
                          join(pre(rng), cmd), files=files, expect="No matching distribution", display=None))
    # A handful of real look-ups on the public index (kept below twenty by design).
    # GC_NO_PYPI=1 skips them, for re-runs that should not touch the public index.
    specs = [] if os.environ.get("GC_NO_PYPI") else ["requests==99.99", "django==1.0.99", "flask==0.0.0.1", "numpy==999",
                                                    "autoheal-nonexistent-pkg-7f3a", "pytest-nonexistent-plugin-9c1e"]
    for spec in specs:
        cases.append(Case("configuration_error", f"pip install {spec} from PyPI", join(pre(rng), f"pip install '{spec}'"),
                          expect="No matching distribution", timeout=120))
    pyprojects = [
        ("name not a string", '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = 123\nversion = "1.0"\n'),
        ("dependencies not a list", '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "acme"\nversion = "1.0"\ndependencies = "requests"\n'),
        ("invalid version", '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "acme"\nversion = "one.two"\n'),
        ("invalid requires-python", '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "acme"\nversion = "1.0"\nrequires-python = ">=3.x"\n'),
        ("unknown project key", '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "acme"\nversion = "1.0"\nauthor = "Ada"\n'),
        ("missing version", '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "acme"\n'),
        ("build-system requires not a list", '[build-system]\nrequires = "setuptools"\n\n[project]\nname = "acme"\nversion = "1.0"\n'),
    ]
    for what, text in pyprojects:
        for rep in range(2):
            cases.append(Case("configuration_error", f"pip install with invalid pyproject.toml: {what}",
                              join(pre(rng), rng.choice(["pip install --no-build-isolation .", "pip install --no-build-isolation -e ."])),
                              files={"pyproject.toml": text, "acme/__init__.py": ""}, netns=True, expect="error|Error|ERROR", timeout=120,
                              reject=NET + "|No module named"))
    return cases


def network_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    pkgs = ["django", "flask", "numpy", "pydantic", "fastapi", "celery"]
    for rep in range(5):
        port = common.closed_port(rng, [8081, 3141, 8082, 4040, 9999])
        cases.append(Case("network_timeout", "pip install from a closed local index port",
                          join(pre(rng), f"pip install --retries 1 --index-url http://127.0.0.1:{port}/simple {rng.choice(pkgs)}"),
                          expect="Connection refused|NewConnectionError", timeout=60))
    for rep in range(4):
        port = rng.choice(svc.hang_ports)
        cases.append(Case("network_timeout", "pip install from a silent local index",
                          join(pre(rng), f"pip install --retries 1 --timeout 1 --index-url http://127.0.0.1:{port}/simple {rng.choice(pkgs)}"),
                          expect="timed out|ReadTimeout", timeout=60))
    for i, code in enumerate([503, 502, 504, 503]):
        route(f"/simple-{code}-{i}/*", code, "<html><body>Service Unavailable</body></html>", "text/html")
        port = svc.http_ports[i % len(svc.http_ports)]
        cases.append(Case("network_timeout", f"pip install from a local index answering {code}",
                          join(pre(rng), f"pip install --retries 1 --index-url http://127.0.0.1:{port}/simple-{code}-{i}/ {rng.choice(pkgs)}"),
                          # The status as pip reports it, not the index URL that names it.
                          expect=rf"error responses|{code} (?:Server Error|Service Unavailable|Bad Gateway|Gateway Time)", timeout=60))
    for rep in range(6):
        cmd = rng.choice(["pip install -r requirements.txt", "pip install flask", "python -m pip install --upgrade pip", "pip download -d wheels numpy"])
        cases.append(Case("network_timeout", "pip install without network (no network namespace)", join(pre(rng), cmd),
                          files={"requirements.txt": "flask==3.0.3\nrequests==2.32.3\n"}, netns=True,
                          env={"PIP_RETRIES": "1"}, expect="resolution|NewConnectionError|Could not fetch|No matching", timeout=60))
    return cases


def _wheel(ws: Path, name: str) -> None:
    """Writes a minimal valid wheel so pip has something to install without a network."""
    (ws / "wheels").mkdir(exist_ok=True)
    whl = ws / "wheels" / f"{name}-1.0.0-py3-none-any.whl"
    files = {f"{name}/__init__.py": b"VERSION = '1.0.0'\n",
             f"{name}-1.0.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0.0\n".encode(),
             f"{name}-1.0.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: handmade\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = []
    for p, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{p},sha256={digest},{len(data)}")
    record.append(f"{name}-1.0.0.dist-info/RECORD,,")
    files[f"{name}-1.0.0.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(whl, "w") as z:
        for p, data in files.items():
            z.writestr(p, data)
    import os
    os.chmod(whl, 0o644)
    os.chmod(ws / "wheels", 0o755)


def permission_cases(rng: random.Random) -> list[Case]:
    cases = []
    for name in ["acme_utils", "internal_sdk", "billing_client", "shared_models", "telemetry_lib", "auth_helpers"]:
        cases.append(Case("permission_denied", f"pip install {name} into a root-owned environment as an unprivileged user",
                          join(pre(rng, ["echo \"Installing local wheels\"", "ls wheels"]),
                               f"/tmp/gc-venv-sys/bin/pip install --no-index --find-links wheels {name}"),
                          display=join(f"pip install --no-index --find-links wheels {name}"),
                          prepare=lambda ws, name=name: _wheel(ws, name), user="nobody", netns=True,
                          env={"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_CACHE_DIR": "1"}, expect="Permission denied"))
    return cases


def build(rng: random.Random, svc: Services) -> list[Case]:
    return config_cases(rng, svc) + network_cases(rng, svc) + permission_cases(rng)


NET = r"Temporary failure in name resolution|NewConnectionError|Connection refused|timed out|Could not fetch URL"

if __name__ == "__main__":
    keep = (lambda: common.carried_over("configs", r"from PyPI$")) if os.environ.get("GC_NO_PYPI") else None
    common.main("configs", build, workers=3, keep=keep)
