"""Python programs failing for real: missing modules, unset environment variables,
changed APIs, refused and hanging connections, permission errors as an unprivileged
user, and ordinary crashes. Each case is a small project written to a workspace and run
with the interpreter a CI job would use."""

from __future__ import annotations

import json
import random
import textwrap

import common
from common import Case, Services, route

PY = "python"
BARE = str(common.BARE_VENV / "bin" / "python")

PRELUDES = [
    "python --version",
    "python -c 'import sys; print(sys.version)'",
    "pip --version",
    "echo \"Python: $(python --version 2>&1)\"",
    "pip list --format=freeze 2>/dev/null | head -n 6",
    "which python",
    "python -m pip --version",
    "echo 'Starting test run'",
    "ls",
]

# Import name, and how it is imported: a top-level module or a dotted submodule.
MISSING_MODULES = [
    "cv2", "sklearn.model_selection", "PIL", "bs4", "numpy", "pandas", "flask",
    "django", "fastapi", "dotenv", "pydantic", "torch", "matplotlib.pyplot", "scipy.stats",
    "lxml.etree", "pytz", "toml", "click", "jinja2", "sqlalchemy.orm",
    "celery", "kafka", "pymongo", "elasticsearch", "google.cloud.storage",
    "azure.storage.blob", "opentelemetry.trace", "sentry_sdk", "structlog", "tenacity",
    "marshmallow", "alembic.config", "uvicorn", "gunicorn", "aiohttp", "tqdm", "rich.console",
    "typer", "orjson", "ujson", "msgpack", "grpc", "google.protobuf.json_format",
    "Crypto.Cipher", "nacl.signing", "paramiko", "docker", "kubernetes.client", "openai",
    "transformers", "tensorflow", "stripe", "slack_sdk", "markdown", "freezegun",
    "factory", "faker", "hypothesis", "responses", "moto", "pytest_mock", "arrow",
    "pendulum", "shapely.geometry", "geopandas", "networkx", "sympy", "xgboost", "lightgbm",
    "polars", "pyarrow.parquet", "great_expectations", "dagster", "prefect", "airflow.models",
    "psutil", "watchdog.observers", "zmq", "serial", "usb.core", "magic", "Levenshtein",
    "simplejson", "cachetools", "humanize", "tabulate", "colorama", "termcolor", "boto",
    "fabric", "invoke", "ldap3", "jose.jwt", "passlib.hash", "bcrypt", "itsdangerous",
]
BARE_MISSING = ["yaml", "requests", "pytest", "jsonschema", "idna", "urllib3", "redis",
                "psycopg2", "boto3", "botocore.exceptions", "httpx", "certifi", "pygments"]
APP_PKGS = ["app", "service", "core", "api", "worker", "myproject", "backend", "pipeline"]
APP_MODS = ["settings", "config", "db", "models", "client", "tasks", "utils", "storage",
            "auth", "views", "handlers", "metrics", "cache", "schemas"]
ENTRY = ["migrate", "seed", "serve", "export_data", "sync", "check_health", "build_index",
         "run_jobs", "bootstrap", "release"]
DISTS = ["flask>=2.0", "Django>=4.2", "gunicorn", "celery[redis]>=5", "SQLAlchemy>=2.0",
         "sentry-sdk", "numpy>=1.24", "pandas", "fastapi", "uvicorn[standard]"]
LIBS = ["libcuda.so.1", "libsndfile.so.1", "libzbar.so.0", "libespeak.so.1", "libvips.so.42",
        "libsnappy.so.1", "libopencv_core.so.406", "libnvidia-ml.so.1", "libcudnn.so.8",
        "libgdal.so.32", "libportaudio.so.2", "libtesseract.so.5"]

ENV_VARS = ["DATABASE_URL", "API_KEY", "SECRET_KEY", "AWS_REGION", "REDIS_URL",
            "GITHUB_TOKEN", "STRIPE_API_KEY", "SENTRY_DSN", "JWT_SECRET", "SLACK_WEBHOOK_URL",
            "OPENAI_API_KEY", "DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "S3_BUCKET",
            "NPM_TOKEN", "APP_ENV", "PORT", "SMTP_HOST", "KAFKA_BROKERS", "VAULT_TOKEN",
            "GCP_PROJECT_ID", "AZURE_STORAGE_CONNECTION_STRING", "MONGO_URI", "API_BASE_URL",
            "AUTH0_CLIENT_SECRET", "TWILIO_AUTH_TOKEN", "CODECOV_TOKEN", "DOCKERHUB_USERNAME",
            "ENCRYPTION_KEY", "ELASTICSEARCH_URL", "CI_DEPLOY_KEY", "MAPBOX_TOKEN"]
URL_VARS = ["API_BASE_URL", "SERVICE_URL", "BACKEND_URL", "WEBHOOK_URL", "AUTH_SERVER_URL",
            "PAYMENTS_API_URL", "METRICS_ENDPOINT", "UPSTREAM_URL"]
HOSTS_DNS = ["postgres", "redis", "db", "rabbitmq", "elasticsearch", "api.internal",
             "minio", "kafka", "mysql", "selenium-hub", "registry.npmjs.org", "pypi.org",
             "files.pythonhosted.org", "api.github.com", "objects.githubusercontent.com",
             "hooks.slack.com", "api.stripe.com", "sts.amazonaws.com"]


PRELUDES_SYS = [
    "python3 --version",
    "echo \"Python: $(python3 --version 2>&1)\"",
    "python3 -c 'import sys; print(sys.version)'",
    "echo 'Starting test run'",
    "ls",
    "which python3",
]


def pre(rng: random.Random, n: int | None = None, sys_python: bool = False) -> str:
    k = rng.choice([0, 1, 1, 2]) if n is None else n
    return "\n".join(rng.sample(PRELUDES_SYS if sys_python else PRELUDES, k))


def join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def app_layout(rng: random.Random, body_mod: str, entry_body: str) -> tuple[dict[str, str], str, str]:
    """A package `pkg` with module `mod` holding `body_mod`, and an entry script."""
    pkg = rng.choice(APP_PKGS)
    mod = rng.choice(APP_MODS)
    entry = rng.choice(ENTRY)
    files = {
        f"{pkg}/__init__.py": "",
        f"{pkg}/{mod}.py": body_mod,
        f"scripts/{entry}.py": f"import sys\nsys.path.insert(0, '.')\nfrom {pkg} import {mod}\n\n\n" + entry_body,
    }
    return files, pkg, mod


def dependency_cases(rng: random.Random) -> list[Case]:
    cases = []
    for i, modname in enumerate(MISSING_MODULES):
        shape = i % 6
        top = modname.split(".")[0]
        if shape == 0:
            script = join(pre(rng), f'{PY} -c "import {modname}"')
            files = {}
        elif shape == 1:
            files, pkg, mod = app_layout(
                rng, f"import logging\n\nimport {modname}\n\nlog = logging.getLogger(__name__)\n",
                "def main():\n    print('starting')\n\n\nif __name__ == '__main__':\n    main()\n")
            entry = [f for f in files if f.startswith("scripts/")][0]
            script = join(pre(rng), f"{PY} {entry}")
        elif shape == 2:
            pkg = rng.choice(APP_PKGS)
            cmd = rng.choice(["cli", "main", "server", "worker"])
            files = {f"{pkg}/__init__.py": "", f"{pkg}/__main__.py": f"from {pkg}.{cmd} import run\n\nrun()\n",
                     f"{pkg}/{cmd}.py": f"import os\nimport sys\n\nfrom {modname.rsplit('.', 1)[0] if '.' in modname else modname} import *  # noqa\n\n\ndef run():\n    sys.exit(0)\n"}
            script = join(pre(rng), f"{PY} -m {pkg}")
        elif shape == 3:
            name = modname.split(".")[-1]
            parent = modname.rsplit(".", 1)[0] if "." in modname else None
            imp = f"from {parent} import {name}" if parent else f"import {modname}"
            files = {"manage.py": textwrap.dedent(f"""\
                #!/usr/bin/env python
                import os
                import sys


                def load_plugins():
                    {imp}
                    return [{name}]


                if __name__ == "__main__":
                    print("Loading plugins...")
                    plugins = load_plugins()
                    print(plugins)
                """)}
            script = join(pre(rng), f"{PY} manage.py {rng.choice(['check', 'migrate', 'collectstatic --noinput', 'runserver'])}")
        elif shape == 4:
            files = {"conftest_loader.py": f"import importlib\n\nfor name in ['json', 'os', '{modname}']:\n    print('importing', name)\n    importlib.import_module(name)\n"}
            script = join(pre(rng), f"{PY} conftest_loader.py")
        else:
            files = {"tasks.py": f"try:\n    import {modname}\nexcept ImportError as exc:\n    raise ImportError(\"{top} is required for this task: pip install {top}\") from exc\n"}
            script = join(pre(rng), f"{PY} tasks.py")
        cases.append(Case("dependency_missing", f"python import of missing module {modname} (shape {shape})",
                          script, files=files, expect=r"No module named|is required"))
    for modname in BARE_MISSING:
        pkg = rng.choice(APP_PKGS)
        files = {f"{pkg}/__init__.py": "", f"{pkg}/main.py": f"import json\nimport {modname}\n\nprint(json.dumps({{}}))\n"}
        cases.append(Case("dependency_missing", f"system python without {modname}",
                          join(pre(rng), f"python3 -m {pkg}.main"), files=files,
                          env={"PATH": f"{common.BARE_VENV}/bin:/usr/bin:/bin"},
                          expect="No module named"))
    for tool in ["pytest", "black", "mkdocs", "build", "twine", "coverage", "tox", "nox",
                 "isort", "sphinx", "pre_commit", "pip_audit", "bandit", "uvicorn"]:
        cases.append(Case("dependency_missing", f"python -m {tool} in an environment without it",
                          join(pre(rng, 2), f"python -m {tool} {rng.choice(['', '--version', '.', 'src/'])}".strip()),
                          env={"PATH": f"{common.BARE_VENV}/bin:/usr/bin:/bin"}, expect="No module named"))
    for d in DISTS:
        if rng.random() < 0.5:
            body = f"import pkg_resources\n\nprint('checking requirements')\npkg_resources.require('{d}')\n"
            exp = "DistributionNotFound"
        else:
            name = d.split(">")[0].split("[")[0]
            body = f"from importlib.metadata import version\n\nprint('{name}', version('{name}'))\n"
            exp = "PackageNotFoundError"
        cases.append(Case("dependency_missing", f"installed-distribution check for {d}",
                          join(pre(rng), "python check_deps.py"), files={"check_deps.py": body}, expect=exp))
    for lib in LIBS:
        body = f"import ctypes\nimport ctypes.util\n\nprint('loading native backend')\n_lib = ctypes.CDLL('{lib}')\n"
        cases.append(Case("dependency_missing", f"ctypes load of missing shared library {lib}",
                          join(pre(rng), "python native.py"), files={"native.py": body},
                          expect="cannot open shared object"))
    return cases


def env_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    for i, var in enumerate(ENV_VARS):
        shape = i % 8
        files: dict[str, str] = {}
        if shape == 0:
            files, pkg, mod = app_layout(rng, f"import os\n\n{var} = os.environ[\"{var}\"]\nDEBUG = os.environ.get(\"DEBUG\", \"0\") == \"1\"\n",
                                         "print('ok')\n")
            script = join(pre(rng), f"python {[f for f in files if f.startswith('scripts/')][0]}")
            exp = "KeyError"
        elif shape == 1:
            files = {"settings.py": f"import os\n\n\ndef require(name):\n    value = os.getenv(name)\n    if not value:\n        raise RuntimeError(f\"{{name}} environment variable is not set\")\n    return value\n\n\nCONFIG = {{'{var.lower()}': require('{var}')}}\n",
                     "main.py": "from settings import CONFIG\n\nprint(CONFIG)\n"}
            script = join(pre(rng), "python main.py")
            exp = "is not set"
        elif shape == 2:
            files = {"deploy.py": f"import os\nimport sys\n\ntoken = os.environ.get('{var}')\nif token is None:\n    sys.exit('error: {var} must be set')\nprint('deploying')\n"}
            script = join(pre(rng), "python deploy.py --env production")
            exp = "must be set"
        elif shape == 3:
            files = {"config.py": f"import os\n\nassert os.getenv('{var}'), '{var} must be set in the environment'\n"}
            script = join(pre(rng), "python -c 'import config'")
            exp = "must be set"
        elif shape == 4:
            files = {"app.py": f"import os\n\nclass Settings:\n    def __init__(self):\n        self.{var.lower()} = os.environ['{var}']\n\n\ndef get_settings():\n    return Settings()\n\n\nif __name__ == '__main__':\n    s = get_settings()\n    print('loaded', vars(s))\n"}
            script = join(pre(rng), "python app.py")
            exp = "KeyError"
        elif shape == 5:
            files = {"server.py": "import os\n\nport = int(os.environ['PORT'])\nprint('listening on', port)\n"}
            script = join(pre(rng), "python server.py")
            exp = "ValueError|KeyError"
            cases.append(Case("environment_variable", "python int() of an empty PORT env var", script,
                              files=files, env={"PORT": ""}, expect=exp))
            files = {"worker.py": f"import os\n\ntimeout = float(os.getenv('{var}_TIMEOUT'))\n"}
            script = join(pre(rng), "python worker.py")
            exp = "TypeError"
        elif shape == 6:
            files = {"notify.py": f"import os\nimport logging\n\nlogging.basicConfig(level=logging.INFO)\nlog = logging.getLogger('notify')\n\nkey = os.environ.get('{var}', '')\nif not key:\n    log.error('Missing required environment variable: {var}')\n    raise SystemExit(1)\n"}
            script = join(pre(rng), "python notify.py")
            exp = "Missing required"
        else:
            files = {"cli.py": f"import os\nimport sys\n\n\ndef main():\n    missing = [v for v in ('{var}', 'APP_NAME') if v not in os.environ]\n    if missing:\n        print(f\"ERROR: the following environment variables are not set: {{', '.join(missing)}}\", file=sys.stderr)\n        return 2\n    return 0\n\n\nsys.exit(main())\n"}
            script = join(pre(rng), "python cli.py")
            exp = "not set"
        cases.append(Case("environment_variable", f"python env var {var} unset (shape {shape})",
                          script, files=files, expect=exp))
    for var in URL_VARS:
        path = rng.choice(["/health", "/v1/users", "/api/orders", "/status", "/graphql", "/token"])
        files = {"smoke.py": f"import os\n\nimport requests\n\nBASE = os.getenv('{var}')\n\n\ndef check():\n    r = requests.get(f\"{{BASE}}{path}\", timeout=5)\n    r.raise_for_status()\n    print(r.status_code)\n\n\ncheck()\n"}
        cases.append(Case("environment_variable", f"requests with unset {var} (Invalid URL None)",
                          join(pre(rng), "python smoke.py"), netns=True,
                          files=files, expect="Invalid URL 'None"))
        files = {"client.py": f"import os\nfrom urllib.request import urlopen\n\nurl = os.environ.get('{var}') + '{path}'\nprint(urlopen(url).read())\n"}
        cases.append(Case("environment_variable", f"string concat with unset {var}",
                          join(pre(rng), "python client.py"), files=files, expect="NoneType"))
    for svc_name in ["s3", "sqs", "dynamodb", "secretsmanager", "sts"]:
        call = {"s3": "list_buckets()", "sqs": "list_queues()", "dynamodb": "list_tables()",
                "secretsmanager": "get_secret_value(SecretId='prod/db')", "sts": "get_caller_identity()"}[svc_name]
        files = {"aws_check.py": f"import boto3\n\nclient = boto3.client('{svc_name}', region_name='us-east-1')\nprint(client.{call})\n"}
        cases.append(Case("environment_variable", f"boto3 {svc_name} without AWS credentials",
                          join(pre(rng), "python aws_check.py"), files=files, netns=True,
                          env={"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"},
                          expect="Unable to locate credentials|NoCredentials"))
    return cases


def api_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    removed = [("collections", "Mapping"), ("collections", "MutableMapping"), ("collections", "Iterable"),
               ("collections", "Callable"), ("inspect", "getargspec"), ("asyncio", "coroutine"),
               ("fractions", "gcd"), ("base64", "encodestring"), ("time", "clock"),
               ("platform", "linux_distribution"), ("html.parser", "HTMLParseError"),
               ("yaml", "FullLoaderX"), ("os", "errno"), ("string", "maketrans"), ("requests.compat", "JSONDecodeErr"),
               ("typing", "Text_"), ("json", "load_json")]
    for mod, name in removed:
        files = {"compat.py": f"from {mod} import {name}\n", "run.py": "import compat\n\nprint('ok')\n"}
        cases.append(Case("api_contract_mismatch", f"cannot import name {name} from {mod}",
                          join(pre(rng), "python run.py"), files=files, expect="cannot import name"))
    for mod, attr, call in [("time", "clock", "time.clock()"), ("collections", "Mapping", "isinstance({}, collections.Mapping)"),
                            ("inspect", "getargspec", "inspect.getargspec(len)"), ("os", "getcwdu", "os.getcwdu()"),
                            ("string", "letters", "string.letters"), ("itertools", "izip", "list(itertools.izip([1], [2]))"),
                            ("sys", "maxint", "sys.maxint")]:
        files = {"legacy.py": f"import {mod}\n\n\ndef helper():\n    return {call}\n\n\nprint(helper())\n"}
        cases.append(Case("api_contract_mismatch", f"module {mod} has no attribute {attr}",
                          join(pre(rng), "python legacy.py"), files=files, expect="has no attribute"))
    # A local client library whose interface changed under its caller.
    changes = [
        ("def get_user(self, user_id):\n        return {'id': user_id}", "client.fetch_user(42)", "has no attribute"),
        ("def create_order(self, sku, qty):\n        return {'sku': sku}", "client.create_order(sku='A1', qty=2, retries=3)", "unexpected keyword"),
        ("def charge(self, amount, currency, idempotency_key):\n        return amount", "client.charge(100, 'usd')", "missing 1 required"),
        ("def list_items(self, page):\n        return []", "client.list_items(page=1, per_page=50)", "unexpected keyword"),
        ("def send(self, message):\n        return True", "client.send_message('hi')", "has no attribute"),
        ("def upload(self, path, *, bucket):\n        return path", "client.upload('a.txt', 'assets')", "positional argument"),
        ("def search(self, query):\n        return []", "client.search(q='shoes')", "unexpected keyword"),
        ("def close(self):\n        pass", "client.disconnect()", "has no attribute"),
    ]
    for body, call, exp in changes:
        cls = rng.choice(["ApiClient", "PaymentsClient", "StorageClient", "UserService", "Gateway"])
        files = {"sdk/__init__.py": f"class {cls}:\n    def __init__(self, base_url):\n        self.base_url = base_url\n\n    {body}\n",
                 "integration.py": f"from sdk import {cls}\n\nclient = {cls}('http://127.0.0.1:8080')\n\n\ndef main():\n    result = {call}\n    print(result)\n\n\nmain()\n"}
        cases.append(Case("api_contract_mismatch", f"changed client interface: {call}",
                          join(pre(rng), "python integration.py"), files=files, expect=exp))
    files = {"load.py": "import yaml\n\nwith open('config.yml') as f:\n    cfg = yaml.load(f)\nprint(cfg)\n", "config.yml": "a: 1\n"}
    cases.append(Case("api_contract_mismatch", "yaml.load without Loader on PyYAML 6", join(pre(rng), "python load.py"),
                      files=files, expect="Loader"))
    files = {"parse.py": "import json\n\ndata = json.loads('{\"a\": 1}', encoding='utf-8')\n"}
    cases.append(Case("api_contract_mismatch", "json.loads encoding= removed", join(pre(rng), "python parse.py"),
                      files=files, expect="unexpected keyword"))
    # HTTP answers from an API whose contract changed.
    for i, (code, path, body) in enumerate([
        (404, "/api/v1/users/42", {"detail": "Not Found"}),
        (404, "/v2/orders", {"error": "route not found", "hint": "use /v3/orders"}),
        (422, "/api/items", {"detail": [{"loc": ["body", "sku"], "msg": "field required", "type": "value_error.missing"}]}),
        (400, "/api/v2/payments", {"error": "invalid_request", "message": "amount must be an integer"}),
        (409, "/api/accounts", {"error": "conflict", "message": "account already exists"}),
        (422, "/graphql", {"errors": [{"message": "Cannot query field 'username' on type 'User'."}]}),
        (400, "/oauth/token", {"error": "unsupported_grant_type"}),
        (410, "/api/v1/reports", {"message": "API v1 has been removed"}),
    ]):
        route(path, code, body)
        port = svc.http_ports[i % len(svc.http_ports)]
        method = "post" if code in (400, 409, 422) else "get"
        files = {"contract_check.py": f"import requests\n\nBASE = 'http://127.0.0.1:{port}'\n\nresp = requests.{method}(BASE + '{path}', json={{'name': 'test'}}, timeout=5)\nprint(resp.status_code, resp.text)\nresp.raise_for_status()\n"}
        cases.append(Case("api_contract_mismatch", f"requests raise_for_status {code} on {path}",
                          join(pre(rng), "python contract_check.py"), files=files, expect=f"{code} Client Error"))
    for i, (path, body, key) in enumerate([
        ("/api/users", {"results": [{"id": 1}], "count": 1}, "data"),
        ("/api/me", {"user": {"id": 1, "login": "octo"}}, "username"),
        ("/api/config", {"features": {}}, "flags"),
        ("/api/invoices", {"items": [], "next": None}, "invoices"),
    ]):
        route(path, 200, body)
        port = svc.http_ports[i % len(svc.http_ports)]
        files = {"consume.py": f"import requests\n\n\ndef fetch():\n    resp = requests.get('http://127.0.0.1:{port}{path}', timeout=5)\n    resp.raise_for_status()\n    payload = resp.json()\n    return payload['{key}']\n\n\nprint(fetch())\n"}
        cases.append(Case("api_contract_mismatch", f"response JSON lacks key {key}",
                          join(pre(rng), "python consume.py"), files=files, expect="KeyError"))
    for i, (schema_req, doc) in enumerate([
        ("id", {"name": "x"}), ("email", {"id": 1}), ("total", {"id": 1, "items": []}), ("status", {"state": "ok"})]):
        files = {"validate_response.py": f"import json\n\nimport jsonschema\n\nschema = {{'type': 'object', 'required': ['{schema_req}'], 'properties': {{'{schema_req}': {{'type': 'string'}}}}}}\nresponse = json.loads('{json.dumps(doc)}')\njsonschema.validate(response, schema)\n"}
        cases.append(Case("api_contract_mismatch", f"jsonschema required property {schema_req}",
                          join(pre(rng), "python validate_response.py"), files=files, expect="ValidationError"))
    return cases


def network_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    templates = [
        ("requests", "import requests\n\nresp = requests.get('http://127.0.0.1:{port}{path}', timeout=5)\nprint(resp.json())\n", "Connection refused"),
        ("urllib", "from urllib.request import urlopen\n\nwith urlopen('http://127.0.0.1:{port}{path}', timeout=5) as r:\n    print(r.read())\n", "Connection refused"),
        ("socket", "import socket\n\nprint('waiting for service on port {port}')\nsock = socket.create_connection(('127.0.0.1', {port}), timeout=3)\n", "Connection refused"),
        ("psycopg2", "import psycopg2\n\nconn = psycopg2.connect(host='127.0.0.1', port={port}, user='postgres', password='postgres', dbname='test')\n", "Connection refused"),
        ("redis", "import redis\n\nr = redis.Redis(host='127.0.0.1', port={port})\nr.ping()\n", "Connection refused"),
        ("pymysql", "import pymysql\n\nconn = pymysql.connect(host='127.0.0.1', port={port}, user='root', password='root', database='app')\n", "Connection refused|Can't connect"),
        ("httpx", "import httpx\n\nwith httpx.Client(base_url='http://127.0.0.1:{port}') as c:\n    print(c.get('{path}').json())\n", "Connection refused|ConnectError"),
    ]
    paths = ["/health", "/api/v1/status", "/v1/graphql", "/ready", "/api/users", "/metrics"]
    for rep in range(3):
        for name, tpl, exp in templates:
            port = common.closed_port(rng, {"psycopg2": [5432, 5433, 15432, 6432], "redis": [6379, 6380, 16379],
                                            "pymysql": [3306, 3307, 13306]}.get(name))
            code = tpl.format(port=port, path=rng.choice(paths))
            fname = rng.choice(["integration_check.py", "wait_for_db.py", "smoke_test.py", "seed.py", "healthcheck.py"])
            cases.append(Case("network_timeout", f"{name} connect to closed loopback port",
                              join(pre(rng), f"python {fname}"), files={fname: code}, expect=exp))
    hang = [
        ("requests", "import requests\n\nresp = requests.get('http://127.0.0.1:{port}{path}', timeout={t})\n", "timed out|ReadTimeout"),
        ("urllib", "import urllib.request\n\nurllib.request.urlopen('http://127.0.0.1:{port}{path}', timeout={t})\n", "timed out"),
        ("socket", "import socket\n\ns = socket.create_connection(('127.0.0.1', {port}), timeout={t})\ns.sendall(b'PING\\r\\n')\nprint(s.recv(16))\n", "timed out"),
        ("psycopg2", "import psycopg2\n\npsycopg2.connect(host='127.0.0.1', port={port}, user='app', dbname='app', connect_timeout={t})\n", "timeout expired"),
        ("redis", "import redis\n\nr = redis.Redis(host='127.0.0.1', port={port}, socket_timeout={t})\nr.ping()\n", "Timeout|timed out"),
        ("httpx", "import httpx\n\nhttpx.get('http://127.0.0.1:{port}{path}', timeout={t})\n", "ReadTimeout|timed out"),
    ]
    for rep in range(2):
        for name, tpl, exp in hang:
            port = rng.choice(svc.hang_ports)
            code = tpl.format(port=port, path=rng.choice(paths), t=rng.choice([1, 1, 2]))
            cases.append(Case("network_timeout", f"{name} read timeout against a silent loopback server",
                              join(pre(rng), "python probe.py"), files={"probe.py": code}, expect=exp))
    # DNS failures inside a network namespace with no interfaces: nothing leaves the machine.
    for host in HOSTS_DNS:
        kind = rng.choice(["requests", "socket", "urllib", "psycopg2"])
        code = {
            "requests": f"import requests\n\nrequests.get('https://{host}/api', timeout=5)\n",
            "socket": f"import socket\n\nprint(socket.gethostbyname('{host}'))\n",
            "urllib": f"from urllib.request import urlopen\n\nurlopen('https://{host}/', timeout=5)\n",
            "psycopg2": f"import psycopg2\n\npsycopg2.connect(host='{host}', port=5432, user='postgres', dbname='ci')\n",
        }[kind]
        cases.append(Case("network_timeout", f"{kind} name resolution failure for {host} (no network namespace)",
                          join(pre(rng), "python connect.py"), files={"connect.py": code},
                          expect="resolution|resolve|Name or service|nodename|translate host", netns=True))
    for i, code in enumerate([502, 503, 504, 429, 503, 502]):
        path = rng.choice(["/api/v1/sync", "/upstream/data", "/v2/search", "/api/export", "/token"]) + f"/{i}"
        route(path, code, f"<html><body><h1>{code} {__import__('http').HTTPStatus(code).phrase}</h1></body></html>", "text/html")
        port = svc.http_ports[i % len(svc.http_ports)]
        files = {"fetch.py": f"import requests\n\nr = requests.get('http://127.0.0.1:{port}{path}', timeout=10)\nr.raise_for_status()\n"}
        cases.append(Case("network_timeout", f"requests raise_for_status {code} from upstream",
                          join(pre(rng), "python fetch.py"), files=files, expect=f"{code} Server Error|{code} Client Error"))
    return cases


def permission_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []

    def chmod(path: str, mode: int):
        def f(ws):
            import os
            os.chmod(ws / path, mode)
        return f

    tpl = [
        ("read chmod-000 secret", {"secrets/credentials.json": "{}"}, "secrets/credentials.json", 0o000,
         "import json\n\nwith open('secrets/credentials.json') as f:\n    creds = json.load(f)\n"),
        ("write read-only file", {"build/version.txt": "1.0\n"}, "build/version.txt", 0o444,
         "with open('build/version.txt', 'w') as f:\n    f.write('1.1\\n')\n"),
        ("create file in read-only dir", {"dist/.keep": ""}, "dist", 0o555,
         "import pathlib\n\npathlib.Path('dist/app-1.0.tar.gz').write_bytes(b'')\n"),
        ("remove file in read-only dir", {"cache/old.db": ""}, "cache", 0o555,
         "import os\n\nos.remove('cache/old.db')\n"),
        ("list chmod-000 directory", {"reports/a.xml": ""}, "reports", 0o000,
         "import os\n\nprint(os.listdir('reports'))\n"),
        ("sqlite write in read-only dir", {"data/.keep": ""}, "data", 0o555,
         "import sqlite3\n\nconn = sqlite3.connect('data/app.db')\nconn.execute('create table t (x)')\n"),
        ("shutil.copytree into read-only dir", {"static/app.css": "", "public/.keep": ""}, "public", 0o555,
         "import shutil\n\nshutil.copytree('static', 'public/static')\n"),
        ("logging FileHandler on read-only dir", {"logs/.keep": ""}, "logs", 0o555,
         "import logging\n\nlogging.basicConfig(filename='logs/app.log', level=logging.INFO)\nlogging.info('start')\n"),
    ]
    for rep in range(2):
        for what, files, target, mode, code in tpl:
            fname = rng.choice(["setup_env.py", "build.py", "release.py", "run_tests.py", "prepare.py"])
            cases.append(Case("permission_denied", f"python as unprivileged user: {what}",
                              join(pre(rng, sys_python=True), f"python3 {fname}"), files={**files, fname: code}, user="nobody",
                              prepare=chmod(target, mode), expect="Permission denied|Errno 13|unable to open"))
    system = [
        ("mkdir under /var/log", "import os\n\nos.makedirs('/var/log/{app}', exist_ok=True)\n"),
        ("write under /usr/local/bin", "import shutil\n\nshutil.copy('tool.sh', '/usr/local/bin/{app}')\n"),
        ("write /etc/hosts", "with open('/etc/hosts', 'a') as f:\n    f.write('127.0.0.1 {app}.local\\n')\n"),
        ("bind port 80", "import socket\n\ns = socket.socket()\ns.bind(('127.0.0.1', 80))\n"),
        ("bind port 443 with http.server", "from http.server import HTTPServer, SimpleHTTPRequestHandler\n\nHTTPServer(('127.0.0.1', 443), SimpleHTTPRequestHandler).serve_forever()\n"),
        ("chown a file", "import os\n\nopen('out.txt', 'w').close()\nos.chown('out.txt', 0, 0)\n"),
        ("setuid", "import os\n\nos.setuid(0)\n"),
        ("kill pid 1", "import os, signal\n\nos.kill(1, signal.SIGHUP)\n"),
        ("write /proc/sys", "with open('/proc/sys/vm/swappiness', 'w') as f:\n    f.write('10')\n"),
        ("open /root file", "print(open('/root/.bashrc').read())\n"),
        ("mkdir under /opt", "import pathlib\n\npathlib.Path('/opt/{app}/releases').mkdir(parents=True)\n"),
        ("pip cache dir in /root", "import os\n\nos.makedirs('/root/.cache/{app}', exist_ok=True)\n"),
    ]
    for rep in range(2):
        for what, code in system:
            app = rng.choice(common.REPOS)
            fname = rng.choice(["install.py", "bootstrap.py", "post_install.py", "provision.py", "serve.py"])
            cases.append(Case("permission_denied", f"python as unprivileged user: {what}",
                              join(pre(rng, sys_python=True), f"python3 {fname}"), files={fname: code.replace("{app}", app), "tool.sh": "#!/bin/sh\n"},
                              user="nobody", expect="Permission denied|Operation not permitted|Errno 1|Errno 13"))
    return cases


def other_cases(rng: random.Random) -> list[Case]:
    cases = []
    snippets = [
        ("SyntaxError missing colon", "def handler(event)\n    return event\n", "SyntaxError"),
        ("SyntaxError unmatched paren", "result = compute(1, 2\nprint(result)\n", "SyntaxError"),
        ("IndentationError", "def f():\n    x = 1\n      return x\n", "IndentationError"),
        ("TabError", "def f():\n\tif True:\n        return 1\n", "TabError|IndentationError"),
        ("NameError", "def total(items):\n    return sum(i.price for i in itemz)\n\n\nprint(total([]))\n", "NameError"),
        ("TypeError str + int", "count = 3\nprint('processed ' + count + ' records')\n", "TypeError"),
        ("ZeroDivisionError", "def average(xs):\n    return sum(xs) / len(xs)\n\n\nprint(average([]))\n", "ZeroDivisionError"),
        ("IndexError", "args = []\nfirst = args[0]\n", "IndexError"),
        ("NoneType attribute", "import re\n\nm = re.match(r'v(\\d+)', 'release-1')\nprint(m.group(1))\n", "NoneType"),
        ("RecursionError", "def walk(n):\n    return walk(n + 1)\n\n\nwalk(0)\n", "RecursionError"),
        ("ValueError unpack", "a, b = '1,2,3'.split(',')\n", "ValueError"),
        ("UnicodeDecodeError", "data = b'\\xff\\xfe\\xfa'.decode('utf-8')\n", "UnicodeDecodeError"),
        ("AssertionError bare", "def check(x):\n    assert x > 0\n\n\ncheck(-1)\n", "AssertionError"),
        ("unhandled custom exception", "class ValidationError(Exception):\n    pass\n\n\nraise ValidationError('row 17: negative quantity')\n", "ValidationError"),
        ("f-string SyntaxError", "name = 'x'\nprint(f'hello {name')\n", "SyntaxError"),
        ("invalid escape in regex", "import re\n\nre.compile('([a-z]+')\n", "re.error|missing"),
        ("StopIteration", "it = iter([])\nnext(it)\n", "StopIteration"),
        ("FileNotFoundError data file", "with open('data/fixtures.csv') as f:\n    rows = f.readlines()\n", "FileNotFoundError"),
        ("OverflowError", "import math\n\nprint(math.exp(1000))\n", "OverflowError"),
        ("asyncio never awaited error", "import asyncio\n\n\nasync def main():\n    raise RuntimeError('worker crashed: queue closed')\n\n\nasyncio.run(main())\n", "RuntimeError"),
    ]
    for rep in range(2):
        for what, code, exp in snippets:
            fname = rng.choice(["main.py", "etl.py", "report.py", "process.py", "job.py", "tools/convert.py"])
            cases.append(Case("other", f"python {what}", join(pre(rng), f"python {fname}"), files={fname: code}, expect=exp))
    crashes = [
        ("segfault via ctypes", "python -c 'import ctypes; ctypes.string_at(0)'", "Segmentation|139|fault"),
        ("faulthandler segfault", "python -X faulthandler -c 'import ctypes; ctypes.string_at(0)'", "Segmentation|Fatal Python"),
        ("MemoryError under ulimit", "ulimit -v 400000\npython -c 'data = bytearray(2 * 1024**3)'", "MemoryError"),
        ("MemoryError list growth", "ulimit -v 300000\npython -c 'x = [0] * (10**9)'", "MemoryError"),
        ("killed by SIGKILL (OOM killer style)", "python -c 'import os, signal; print(\"loading model\", flush=True); os.kill(os.getpid(), signal.SIGKILL)'", "Killed|137"),
        ("abort", "python -c 'import os; print(\"checking invariants\", flush=True); os.abort()'", "Aborted|134"),
        ("os._exit nonzero", "python -c 'import os; print(\"fatal: worker pool exhausted\", flush=True); os._exit(3)'", "exhausted"),
        ("timeout exit 124", "timeout 1 python -c 'import time; print(\"running benchmark\", flush=True); time.sleep(5)'", "running"),
    ]
    for rep in range(2):
        for what, script, exp in crashes:
            cases.append(Case("other", f"python {what}", join(pre(rng, 2), script), expect=exp))
    return cases


def build(rng: random.Random, svc: Services) -> list[Case]:
    cases = (dependency_cases(rng) + env_cases(rng, svc) + api_cases(rng, svc)
             + network_cases(rng, svc) + permission_cases(rng, svc) + other_cases(rng))
    for c in cases:
        c.kind = "python"
        if c.env.get("FORCE_COLOR") is None and rng.random() < 0.15:
            c.env["PYTHONUNBUFFERED"] = "1"
    return cases


if __name__ == "__main__":
    common.main("python", build, workers=3)
