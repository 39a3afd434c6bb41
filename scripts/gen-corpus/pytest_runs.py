"""pytest runs failing for real: plugin options without their plugins, collection
errors, equality assertions with pytest's rewritten diffs, environment lookups in
fixtures, refused and hanging connections in tests, broken pytest configuration, and
ordinary test crashes. Test files are composed from small templates with varied names,
values and surrounding passing tests."""

from __future__ import annotations

import random

import common
from common import Case, Services, route

SYS_VENV = "/tmp/gc-venv-sys"

PLUGIN_OPTS = [
    "--cov=app", "--cov=src --cov-report=xml", "--cov-report=term-missing --cov=.", "--reruns 2",
    "--reruns 3 --reruns-delay 1", "-n 2", "-n auto", "--timeout 30", "--timeout=60",
    "--json-report", "--json-report --json-report-file=report.json", "--html=report.html",
    "--html=reports/index.html --self-contained-html", "--benchmark-skip", "--mypy",
    "--flake8", "--ds=app.settings", "--asyncio-mode=auto", "-p randomly --randomly-seed=1",
    "--randomly-seed=12345", "--snapshot-update", "--alluredir=allure-results", "--splits 4 --group 1",
    "--dist loadscope", "--count 3", "--cov-fail-under=80", "--cov-branch", "--benchmark-only",
    "--nomigrations", "--reuse-db", "--env-file .env.test", "--black", "--isort", "--memray",
]
P_PLUGINS = ["pytest_cov", "xdist", "pytest_asyncio", "pytest_django", "pytest_mock",
             "pytest_timeout", "pytest_randomly", "anyio"]
MISSING_FIXTURES = ["mocker", "benchmark", "httpx_mock", "requests_mock", "snapshot", "freezer",
                    "aioresponses", "event_loop", "respx_mock", "faker", "celery_app", "live_server",
                    "django_user_model", "rf", "client", "db", "redis_proc", "postgresql"]
MODS = ["freezegun", "responses", "factory", "faker", "hypothesis", "moto", "flask", "django.test",
        "fastapi.testclient", "sqlalchemy", "numpy.testing", "pandas.testing", "httpx_mock",
        "aioresponses", "testcontainers.postgres", "selenium.webdriver", "playwright.sync_api",
        "syrupy", "deepdiff", "dirty_equals", "pytest_lazyfixture", "parameterized", "mock",
        "nose.tools", "ddt", "vcr", "betamax", "pook", "time_machine", "boto", "app.models",
        "myapp.services.billing", "src.utils", "tests.helpers", "common.fixtures"]
TEST_FILES = ["tests/test_api.py", "tests/test_models.py", "tests/unit/test_service.py",
              "tests/test_client.py", "tests/integration/test_orders.py", "test_app.py",
              "tests/test_utils.py", "tests/functional/test_checkout.py", "tests/test_views.py",
              "tests/test_auth.py", "tests/test_billing.py", "tests/api/test_users.py"]
PYTEST_FLAGS = ["", "-q", "-v", "-rA", "--tb=short", "-x", "-q --tb=short", "-v --tb=long",
                "-ra", "--maxfail=1", "-vv", "--tb=native", "-rf", "--durations=5"]

PASSING = [
    "def test_version():\n    assert '1.2.3'.split('.') == ['1', '2', '3']\n",
    "def test_slugify():\n    assert 'Hello World'.lower().replace(' ', '-') == 'hello-world'\n",
    "def test_total():\n    assert sum([1, 2, 3]) == 6\n",
    "def test_empty_cart():\n    cart = []\n    assert not cart\n",
    "def test_parse_int():\n    assert int('42') == 42\n",
    "def test_keys():\n    assert set({'a': 1}) == {'a'}\n",
    "class TestHealth:\n    def test_ok(self):\n        assert True\n\n    def test_name(self):\n        assert 'svc'.upper() == 'SVC'\n",
    "import pytest\n\n\n@pytest.mark.parametrize('n', [1, 2, 3])\ndef test_positive(n):\n    assert n > 0\n",
]

# Equality expectations that no longer hold: (test name, setup, expression, expected).
EQ_FAILS = [
    ("test_health_status", "resp = {'status': 'ok', 'version': '2.1.0'}", "resp['status']", "'healthy'"),
    ("test_status_code", "status_code = 404", "status_code", "200"),
    ("test_created", "status_code = 201", "status_code", "200"),
    ("test_user_payload", "user = {'id': 7, 'name': 'Ada', 'email': 'ada@example.com', 'role': 'admin'}", "user", "{'id': 7, 'name': 'Ada', 'email': 'ada@example.com', 'role': 'viewer'}"),
    ("test_order_schema", "order = {'id': 1, 'total': 10.5, 'currency': 'EUR', 'items': [1, 2]}", "sorted(order)", "['currency', 'id', 'items', 'total_amount']"),
    ("test_list_ids", "ids = [1, 2, 4]", "ids", "[1, 2, 3]"),
    ("test_error_message", "msg = 'invalid token'", "msg", "'token expired'"),
    ("test_content_type", "headers = {'Content-Type': 'text/html; charset=utf-8'}", "headers['Content-Type']", "'application/json'"),
    ("test_count", "items = ['a', 'b']", "len(items)", "3"),
    ("test_price", "price = 19.99", "price", "pytest.approx(21.99)"),
    ("test_serialize", "import json\n    out = json.dumps({'b': 1, 'a': 2})", "out", "'{\"a\": 2, \"b\": 1}'"),
    ("test_version_field", "meta = {'api_version': 'v2'}", "meta['api_version']", "'v1'"),
    ("test_role_mapping", "roles = {'admin': 3, 'editor': 2, 'viewer': 1}", "roles", "{'admin': 3, 'editor': 2, 'viewer': 0, 'guest': 0}"),
    ("test_nested_response", "body = {'data': {'user': {'id': 1, 'flags': ['beta']}}}", "body", "{'data': {'user': {'id': 1, 'flags': []}}}"),
    ("test_tuple_result", "res = ('ok', 200, None)", "res", "('ok', 200, {'retry': False})"),
    ("test_long_text", "text = 'The quick brown fox jumps over the lazy dog. ' * 3", "text", "'The quick brown fox jumps over the lazy cat. ' * 3"),
    ("test_bool_flag", "enabled = False", "enabled", "True"),
    ("test_none_value", "value = None", "value", "'default'"),
    ("test_set_members", "perms = {'read', 'write'}", "perms", "{'read', 'write', 'delete'}"),
    ("test_pagination", "page = {'page': 1, 'per_page': 20, 'total': 57}", "page['per_page']", "50"),
]
UNITTEST_FAILS = [
    ("test_status", "self.assertEqual(resp['status'], 'healthy')", "resp = {'status': 'degraded'}"),
    ("test_code", "self.assertEqual(code, 200)", "code = 500"),
    ("test_payload", "self.assertDictEqual(payload, {'id': 1, 'ok': True})", "payload = {'id': 1, 'ok': False}"),
    ("test_items", "self.assertListEqual(items, ['a', 'b', 'c'])", "items = ['a', 'c']"),
    ("test_name", "self.assertEqual(user.name, 'Grace')", "user = type('U', (), {'name': 'grace'})"),
]
OTHER_FAILS = [
    ("test_discount", "def apply(p, pct):\n    return p / (100 - pct) * 0\n\n", "assert apply(100, 100)", "ZeroDivisionError"),
    ("test_parse", "", "data = None\n    assert data.get('x')", "AttributeError"),
    ("test_valid", "def is_valid(x):\n    return x.startswith('sk_')\n\n", "assert is_valid('pk_live_123')", "assert False"),
    ("test_truthy", "", "result = []\n    assert result", "assert \\[\\]"),
    ("test_positive_balance", "", "balance = -5\n    assert balance > 0", "assert -5 > 0"),
    ("test_raises", "import pytest\n\n", "with pytest.raises(ValueError):\n        int('42')", "DID NOT RAISE"),
    ("test_index", "", "xs = [1]\n    assert xs[3] == 1", "IndexError"),
    ("test_typo", "", "assert totl == 3", "NameError"),
    ("test_recursion", "def f(n):\n    return f(n + 1)\n\n", "f(0)", "RecursionError"),
    ("test_type", "", "assert '1' + 1", "TypeError"),
    ("test_fail_explicit", "import pytest\n\n", "pytest.fail('cache was not warmed up')", "Failed"),
    ("test_greater", "", "latency_ms = 950\n    assert latency_ms < 500", "assert 950 < 500"),
    ("test_isinstance", "", "assert isinstance('3', int)", "isinstance"),
    ("test_key", "", "cache = {}\n    cache['missing_key'] += 1", "KeyError"),
]


def pytest_cmd(rng: random.Random, extra: str = "", color: bool | None = None) -> tuple[str, dict[str, str]]:
    flags = rng.choice(PYTEST_FLAGS)
    env: dict[str, str] = {}
    if color is None:
        color = rng.random() < 0.3
    runner = rng.choice(["pytest", "pytest", "python -m pytest"])
    cmd = " ".join(p for p in [runner, flags, extra] if p)
    if color:
        if rng.random() < 0.5:
            cmd += " --color=yes"
        else:
            env["FORCE_COLOR"] = "1"
            env["PY_COLORS"] = "1"
    return cmd, env


def passing(rng: random.Random, k: int) -> str:
    return "\n\n".join(rng.sample(PASSING, k))


def dependency_cases(rng: random.Random) -> list[Case]:
    cases = []
    for opt in PLUGIN_OPTS:
        cmd, env = pytest_cmd(rng, f"{opt} tests/" if rng.random() < 0.5 else opt)
        files = {"tests/test_basic.py": passing(rng, 2), "tests/__init__.py": ""}
        cases.append(Case("dependency_missing", f"pytest {opt} without its plugin", cmd, files=files, env=env,
                          expect="unrecognized arguments|error"))
    for opt in rng.sample(PLUGIN_OPTS, 10):
        files = {"pytest.ini": f"[pytest]\naddopts = {opt}\ntestpaths = tests\n", "tests/test_basic.py": passing(rng, 2)}
        cmd, env = pytest_cmd(rng)
        cases.append(Case("dependency_missing", f"pytest.ini addopts {opt} without its plugin", cmd, files=files, env=env,
                          expect="unrecognized arguments|error"))
    for p in P_PLUGINS:
        cmd, env = pytest_cmd(rng, f"-p {p}")
        cases.append(Case("dependency_missing", f"pytest -p {p} not installed", cmd, files={"tests/test_a.py": passing(rng, 1)},
                          env=env, expect="Error importing plugin|No module named"))
    for plug in ["pytest-django", "pytest-cov", "pytest-asyncio>=0.21", "pytest-mock", "pytest-xdist"]:
        files = {"pytest.ini": f"[pytest]\nrequired_plugins = {plug}\n", "tests/test_a.py": passing(rng, 1)}
        cmd, env = pytest_cmd(rng)
        cases.append(Case("dependency_missing", f"pytest required_plugins {plug}", cmd, files=files, env=env,
                          expect="Missing required plugins"))
    for mod in MODS:
        tf = rng.choice(TEST_FILES)
        parent, _, name = mod.rpartition(".")
        imp = f"from {parent} import {name}" if parent and rng.random() < 0.5 else f"import {mod}"
        files = {tf: f"import json\n\n{imp}\n\n\n" + passing(rng, 2),
                 "tests/test_smoke.py" if tf != "tests/test_smoke.py" else "tests/test_ok.py": passing(rng, 1)}
        cmd, env = pytest_cmd(rng)
        cases.append(Case("dependency_missing", f"pytest collection error importing {mod}", cmd, files=files, env=env,
                          expect="No module named"))
    for mod in rng.sample(MODS, 8):
        files = {"tests/conftest.py": f"import pytest\nimport {mod}\n\n\n@pytest.fixture\ndef app():\n    return object()\n",
                 "tests/test_a.py": passing(rng, 2)}
        cmd, env = pytest_cmd(rng, "tests")
        cases.append(Case("dependency_missing", f"conftest importing missing {mod}", cmd, files=files, env=env,
                          expect="No module named"))
    for fx in MISSING_FIXTURES:
        tf = rng.choice(TEST_FILES)
        files = {tf: passing(rng, 1) + f"\n\ndef test_uses_{fx}({fx}):\n    assert {fx} is not None\n"}
        cmd, env = pytest_cmd(rng)
        cases.append(Case("dependency_missing", f"pytest fixture '{fx}' from an uninstalled plugin", cmd, files=files,
                          env=env, expect="fixture '.*' not found"))
    for i in range(4):
        files = {"tests/test_async.py": "import pytest\n\n\n@pytest.mark.asyncio\nasync def test_fetch():\n    assert 1 == 1\n\n\n" + passing(rng, 1)}
        cmd, env = pytest_cmd(rng)
        cases.append(Case("dependency_missing", "async test without pytest-asyncio", cmd, files=files, env=env,
                          expect="async"))
    return cases


def api_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    for rep in range(3):
        for name, setup, expr, expected in EQ_FAILS:
            tf = rng.choice(TEST_FILES)
            body = f"import pytest\n\n\n" + passing(rng, rng.randint(0, 3)) + f"\n\ndef {name}():\n    {setup}\n    assert {expr} == {expected}\n"
            cmd, env = pytest_cmd(rng)
            cases.append(Case("api_contract_mismatch", f"pytest equality assertion {name}", cmd, files={tf: body},
                              env=env, expect="AssertionError|assert"))
    for name, call, setup in UNITTEST_FAILS:
        for runner in ["pytest", "python -m unittest -v"]:
            tf = "tests/test_contract.py"
            body = f"import unittest\n\n\nclass ContractTest(unittest.TestCase):\n    def test_ping(self):\n        self.assertTrue(True)\n\n    def {name}(self):\n        {setup}\n        {call}\n\n\nif __name__ == '__main__':\n    unittest.main()\n"
            cmd = runner if runner == "pytest" else "python -m unittest -v tests.test_contract"
            files = {tf: body, "tests/__init__.py": ""}
            cases.append(Case("api_contract_mismatch", f"unittest assertEqual via {runner.split()[0]} {name}", cmd, files=files,
                              expect="AssertionError"))
    # Tests against a live (loopback) API whose answers changed.
    apis = [
        ("/api/v1/users/1", 200, {"id": 1, "username": "ada", "is_active": True}, "body['name']", "'ada'", "KeyError|assert"),
        ("/api/v1/health", 200, {"status": "degraded", "checks": {"db": "ok", "cache": "timeout"}}, "body['status']", "'ok'", "assert"),
        ("/api/v2/orders", 200, {"orders": [], "total": 0}, "body", "{'items': [], 'total': 0}", "assert"),
        ("/api/items/99", 404, {"detail": "Not Found"}, "resp.status_code", "200", "assert 404 == 200"),
        ("/api/login", 422, {"detail": [{"loc": ["body", "password"], "msg": "field required"}]}, "resp.status_code", "200", "assert 422 == 200"),
        ("/api/signup", 409, {"error": "email taken"}, "resp.status_code", "201", "assert 409 == 201"),
        ("/api/search", 400, {"error": "q is required"}, "resp.status_code", "200", "assert 400 == 200"),
        ("/api/profile", 200, {"id": 3, "email": "x@example.com"}, "sorted(body)", "['email', 'id', 'name']", "assert"),
        ("/api/version", 200, {"version": "3.0.0"}, "body['version']", "'2.9.1'", "assert"),
        ("/api/cart", 200, {"items": [{"sku": "A", "qty": 1}], "currency": "USD"}, "body['items'][0]", "{'sku': 'A', 'quantity': 1}", "assert"),
    ]
    for rep in range(2):
        for i, (path, code, payload, expr, expected, exp) in enumerate(apis):
            p = f"{path}" if rep == 0 else f"{path}?v={rep}"
            route(path, code, payload)
            port = svc.http_ports[(i + rep) % len(svc.http_ports)]
            method = "post" if path in ("/api/login", "/api/signup") else "get"
            body = (f"import requests\nimport pytest\n\nBASE = 'http://127.0.0.1:{port}'\n\n\n@pytest.fixture\ndef resp():\n"
                    f"    return requests.{method}(BASE + '{p}', timeout=5)\n\n\n"
                    f"def test_contract(resp):\n    body = resp.json()\n    assert {expr} == {expected}\n")
            tf = rng.choice(TEST_FILES)
            cmd, env = pytest_cmd(rng)
            cases.append(Case("api_contract_mismatch", f"pytest against loopback API {path} ({code})", cmd,
                              files={tf: body}, env=env, expect=exp))
    return cases


def env_cases(rng: random.Random) -> list[Case]:
    cases = []
    vars_ = ["DATABASE_URL", "API_TOKEN", "TEST_DB_PASSWORD", "STRIPE_TEST_KEY", "REDIS_URL",
             "AWS_ACCESS_KEY_ID", "SERVICE_ACCOUNT_JSON", "GITHUB_TOKEN", "E2E_BASE_URL",
             "SECRET_KEY", "SENTRY_DSN", "BROWSERSTACK_ACCESS_KEY", "TEST_USER_PASSWORD",
             "OPENAI_API_KEY", "SNOWFLAKE_ACCOUNT", "MONGO_URL", "KAFKA_BOOTSTRAP_SERVERS",
             "SLACK_BOT_TOKEN", "FIREBASE_CREDENTIALS", "DJANGO_SETTINGS_MODULE"]
    for i, var in enumerate(vars_):
        shape = i % 5
        tf = rng.choice(TEST_FILES)
        if shape == 0:
            files = {"tests/conftest.py": f"import os\n\nimport pytest\n\n\n@pytest.fixture(scope='session')\ndef settings():\n    return {{'{var.lower()}': os.environ['{var}']}}\n",
                     tf: passing(rng, 1) + "\n\ndef test_connect(settings):\n    assert settings\n"}
        elif shape == 1:
            files = {"tests/conftest.py": f"import os\n\n{var} = os.environ['{var}']\n", tf: passing(rng, 2)}
        elif shape == 2:
            files = {tf: f"import os\n\n\ndef test_integration():\n    token = os.environ['{var}']\n    assert token.startswith('t')\n\n\n" + passing(rng, 1)}
        elif shape == 3:
            files = {tf: f"import os\n\nimport pytest\n\n\n@pytest.fixture\ndef client():\n    value = os.getenv('{var}')\n    if not value:\n        pytest.fail('{var} environment variable is not set')\n    return value\n\n\ndef test_call(client):\n    assert client\n"}
        else:
            files = {tf: f"import os\n\nimport pytest\n\nCONFIG = {{'{var}': os.environ.get('{var}')}}\n\n\ndef test_config_present():\n    assert CONFIG['{var}'] is not None, 'set {var} in the CI environment'\n\n\n" + passing(rng, 1)}
        cmd, env = pytest_cmd(rng)
        cases.append(Case("environment_variable", f"pytest with {var} unset (shape {shape})", cmd, files=files, env=env,
                          expect=var))
    return cases


def network_cases(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    shapes = [
        ("requests", "import requests\n\n\ndef test_service_up():\n    r = requests.get('http://127.0.0.1:{port}/health', timeout=5)\n    assert r.status_code == 200\n", "ConnectionError|Connection refused"),
        ("fixture socket", "import socket\n\nimport pytest\n\n\n@pytest.fixture\ndef conn():\n    return socket.create_connection(('127.0.0.1', {port}), timeout=2)\n\n\ndef test_ping(conn):\n    conn.sendall(b'PING')\n", "Connection refused"),
        ("psycopg2 fixture", "import psycopg2\nimport pytest\n\n\n@pytest.fixture(scope='session')\ndef db():\n    conn = psycopg2.connect('postgresql://postgres:postgres@127.0.0.1:{port}/test')\n    yield conn\n    conn.close()\n\n\ndef test_migrations(db):\n    assert db\n\n\ndef test_users(db):\n    assert db\n", "Connection refused"),
        ("redis", "import redis\n\n\ndef test_cache_roundtrip():\n    r = redis.Redis(port={port})\n    r.set('k', 'v')\n    assert r.get('k') == b'v'\n", "Connection refused|Error 111"),
        ("httpx", "import httpx\n\n\ndef test_graphql():\n    r = httpx.post('http://127.0.0.1:{port}/graphql', json={{'query': '{{ me {{ id }} }}'}})\n    assert r.status_code == 200\n", "ConnectError|Connection refused"),
    ]
    for rep in range(3):
        for name, tpl, exp in shapes:
            port = common.closed_port(rng)
            tf = rng.choice(TEST_FILES)
            cmd, env = pytest_cmd(rng)
            cases.append(Case("network_timeout", f"pytest {name} to closed loopback port", cmd,
                              files={tf: tpl.format(port=port) + "\n\n" + passing(rng, 1)}, env=env, expect=exp))
    hangs = [
        ("requests", "import requests\n\n\ndef test_slow_endpoint():\n    r = requests.get('http://127.0.0.1:{port}/api/report', timeout={t})\n    assert r.ok\n", "ReadTimeout|timed out"),
        ("httpx", "import httpx\n\n\ndef test_upstream():\n    assert httpx.get('http://127.0.0.1:{port}/v1/ping', timeout={t}).status_code == 200\n", "ReadTimeout|timed out"),
        ("socket", "import socket\n\n\ndef test_banner():\n    s = socket.create_connection(('127.0.0.1', {port}), timeout={t})\n    assert s.recv(64).startswith(b'220')\n", "timed out"),
        ("redis", "import redis\n\n\ndef test_queue():\n    r = redis.Redis(port={port}, socket_timeout={t}, socket_connect_timeout={t})\n    assert r.llen('jobs') == 0\n", "Timeout|timed out"),
    ]
    for rep in range(3):
        for name, tpl, exp in hangs:
            tf = rng.choice(TEST_FILES)
            cmd, env = pytest_cmd(rng)
            cases.append(Case("network_timeout", f"pytest {name} timeout against a silent loopback server", cmd,
                              files={tf: tpl.format(port=rng.choice(svc.hang_ports), t=rng.choice([1, 1, 2]))}, env=env, expect=exp))
    for i, code in enumerate([503, 502, 504, 429]):
        path = f"/api/upstream{i}"
        route(path, code, {"message": "upstream unavailable"})
        tf = rng.choice(TEST_FILES)
        body = f"import requests\n\n\ndef test_sync():\n    r = requests.get('http://127.0.0.1:{svc.http_ports[i % len(svc.http_ports)]}{path}', timeout=5)\n    r.raise_for_status()\n"
        cmd, env = pytest_cmd(rng)
        cases.append(Case("network_timeout", f"pytest upstream {code}", cmd, files={tf: body}, env=env, expect=str(code)))
    return cases


def permission_cases(rng: random.Random) -> list[Case]:
    cases = []

    def chmod(path: str, mode: int):
        def f(ws):
            import os
            os.chmod(ws / path, mode)
        return f

    shapes = [
        ("write report into read-only dir", {"reports/.keep": ""}, "reports", 0o555,
         "def test_export():\n    with open('reports/summary.csv', 'w') as f:\n        f.write('a,b\\n')\n"),
        ("read chmod-000 fixture", {"tests/fixtures/data.json": "{}"}, "tests/fixtures/data.json", 0o000,
         "import json\n\n\ndef test_load():\n    with open('tests/fixtures/data.json') as f:\n        assert json.load(f) == {}\n"),
        ("bind privileged port", {}, None, 0,
         "import socket\n\n\ndef test_server_binds():\n    s = socket.socket()\n    s.bind(('127.0.0.1', 443))\n"),
        ("mkdir under /var/lib", {}, None, 0,
         "import os\n\n\ndef test_storage_dir():\n    os.makedirs('/var/lib/app-test/uploads', exist_ok=True)\n"),
        ("cache dir read-only (pytest cacheprovider warning and failure)", {"out/.keep": ""}, "out", 0o555,
         "import pathlib\n\n\ndef test_snapshot():\n    pathlib.Path('out/snapshot.txt').write_text('x')\n"),
        ("chmod-000 config dir", {"config/app.ini": "[app]\n"}, "config", 0o000,
         "import configparser\n\n\ndef test_config():\n    cp = configparser.ConfigParser()\n    with open('config/app.ini') as f:\n        cp.read_file(f)\n"),
    ]
    for rep in range(3):
        for what, files, target, mode, code in shapes:
            tf = rng.choice(TEST_FILES)
            flags = rng.choice(PYTEST_FLAGS)
            cmd = f"{SYS_VENV}/bin/pytest {flags} -p no:cacheprovider".replace("  ", " ")
            c = Case("permission_denied", f"pytest as unprivileged user: {what}", cmd,
                     files={**files, tf: code + "\n\n" + passing(rng, 1)}, user="nobody",
                     prepare=chmod(target, mode) if target else None,
                     display=cmd.replace(f"{SYS_VENV}/bin/", ""), expect="Permission denied|Errno 13")
            cases.append(c)
    return cases


def config_cases(rng: random.Random) -> list[Case]:
    cases = []
    bad = [
        ("pytest.ini unexpected line", {"pytest.ini": "[pytest]\naddopts = -ra\nthis is not valid\n"}, "unexpected line|ERROR"),
        ("pytest.ini minversion too high", {"pytest.ini": "[pytest]\nminversion = 99.0\n"}, "requires pytest-99"),
        ("pyproject.toml syntax error", {"pyproject.toml": "[tool.pytest.ini_options]\naddopts = \"-ra\ntestpaths = [\"tests\"]\n"}, "TOML|toml|Illegal|Invalid|ERROR"),
        ("pyproject minversion", {"pyproject.toml": "[tool.pytest.ini_options]\nminversion = \"12.0\"\n"}, "requires pytest-12"),
        ("unknown marker with --strict-markers", {"pytest.ini": "[pytest]\naddopts = --strict-markers\n", "tests/test_m.py": "import pytest\n\n\n@pytest.mark.slow\ndef test_x():\n    pass\n"}, "not found in `markers`"),
        ("unknown config option with --strict-config", {"pytest.ini": "[pytest]\naddopts = --strict-config\ntestpath = tests\n"}, "Unknown config option"),
        ("bad filterwarnings", {"pytest.ini": "[pytest]\nfilterwarnings =\n    error::NotARealWarning\n"}, "warning|filterwarnings|ERROR"),
        ("setup.cfg bad section", {"setup.cfg": "[tool:pytest]\naddopts = --strict-config\npython_file = check_*.py\n"}, "Unknown config option"),
        ("tox.ini unknown option", {"tox.ini": "[pytest]\naddopts = --strict-config\ntimeout_seconds = 30\n"}, "Unknown config option"),
        ("pyproject strict config", {"pyproject.toml": "[tool.pytest.ini_options]\naddopts = \"--strict-config\"\nasync_mode = \"auto\"\n"}, "Unknown config option"),
        ("marker undefined in pyproject", {"pyproject.toml": "[tool.pytest.ini_options]\naddopts = \"--strict-markers\"\nmarkers = [\"unit\"]\n", "tests/test_m.py": "import pytest\n\n\n@pytest.mark.integration\ndef test_x():\n    pass\n"}, "not found in `markers`"),
        ("pytest.ini invalid ini", {"pytest.ini": "pytest]\naddopts = -q\n"}, "ERROR|error"),
        ("pyproject wrong type", {"pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = 5\nminversion = 7\n"}, "ERROR|error|TypeError|must be"),
        ("-c points to missing file", {}, "ERROR|not found|No such"),
    ]
    for rep in range(2):
        for what, files, exp in bad:
            f = dict(files)
            f.setdefault("tests/test_a.py", passing(rng, 2))
            extra = "-c ci/pytest.ini" if what.startswith("-c") else ""
            cmd, env = pytest_cmd(rng, extra)
            cases.append(Case("configuration_error", f"pytest config: {what}", cmd, files=f, env=env, expect=exp))
    return cases


def other_cases(rng: random.Random) -> list[Case]:
    cases = []
    for rep in range(3):
        for name, pre_code, body, exp in OTHER_FAILS:
            tf = rng.choice(TEST_FILES)
            code = pre_code + passing(rng, rng.randint(0, 2)) + f"\n\ndef {name}():\n    {body}\n"
            cmd, env = pytest_cmd(rng)
            cases.append(Case("other", f"pytest failure {name}", cmd, files={tf: code}, env=env, expect=exp))
    for rep in range(3):
        tf = rng.choice(TEST_FILES)
        code = passing(rng, 1) + "\n\ndef test_broken(:\n    pass\n"
        cmd, env = pytest_cmd(rng)
        cases.append(Case("other", "pytest collection SyntaxError in test file", cmd, files={tf: code}, env=env, expect="SyntaxError"))
        code = "import ctypes\n\n\ndef test_native():\n    ctypes.string_at(0)\n"
        cmd, env = pytest_cmd(rng)
        cases.append(Case("other", "pytest worker segfault", cmd, files={tf: code}, env=env, expect="Fatal Python error|Segmentation"))
    return cases


def build(rng: random.Random, svc: Services) -> list[Case]:
    cases = (dependency_cases(rng) + api_cases(rng, svc) + env_cases(rng) + network_cases(rng, svc)
             + permission_cases(rng) + config_cases(rng) + other_cases(rng))
    for c in cases:
        c.kind = "python"
        c.timeout = 90
    return cases


if __name__ == "__main__":
    common.main("pytest_runs", build, workers=3)
