"""Linters and type checkers failing for real: mypy type errors, flake8 and ruff rule
violations, `ruff format --check` and yamllint style problems (all `other`), and the
same tools stopped by an invalid configuration of their own (`configuration_error`)."""

from __future__ import annotations

import random

import common
from common import Case, Services

PRE = ["python --version", "pip --version", "ruff --version", "flake8 --version", "mypy --version", "echo \"Linting\""]

MYPY = [
    "def port() -> int:\n    return '8080'\n",
    "def greet(name: str) -> str:\n    return 'hi ' + name\n\n\ngreet(42)\n",
    "from typing import Optional\n\n\ndef size(s: Optional[str]) -> int:\n    return len(s)\n",
    "class User:\n    name: str\n\n\ndef f(u: User) -> str:\n    return u.email\n",
    "def f(x: int) -> int:\n    if x > 0:\n        return x\n",
    "items: list[int] = []\nitems.append('3')\n",
    "import os\n\nvalue: int = os.environ.get('N')\n",
    "def f() -> None:\n    return 1\n",
    "from dataclasses import dataclass\n\n\n@dataclass\nclass Order:\n    id: int\n\n\nOrder(id='x', total=3)\n",
    "def total(xs: dict[str, float]) -> float:\n    return sum(xs)\n",
    "async def fetch() -> str:\n    return 'x'\n\n\ndef main() -> str:\n    return fetch()\n",
    "x: int = None\n",
]
FLAKE = [
    "import os\nimport sys\n\n\ndef f():\n    return 1\n",
    "def f():\n    x = 1\n    return 2\n",
    "def f(a):\n    if a == None:\n        return True\n",
    "def f():\n    return 'a very long line that goes on and on and on and on and on and on and on and on and on and on'\n",
    "import json\ndef f():\n    return json.dumps({})\n",
    "def f(x):\n    return x \n",
    "from os import *\n\n\nprint(path)\n",
    "def f():\n    try:\n        return 1\n    except:\n        return 2\n",
    "l = 1\nO = 2\nI = 3\n",
    "def f(x):\n    return x is not None and type(x) == int\n",
]
MODULES = ["app/models.py", "app/views.py", "src/service/api.py", "src/utils.py", "lib/client.py", "tasks/etl.py", "app/settings.py"]


def pre(rng: random.Random) -> str:
    return "\n".join(rng.sample(PRE, rng.choice([0, 1, 1, 2])))


def join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def build(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    for rep in range(2):
        for i, code in enumerate(MYPY):
            mod = rng.choice(MODULES)
            cmd = rng.choice(["mypy .", "mypy --strict " + mod, "mypy app src lib tasks --ignore-missing-imports", "python -m mypy ."])
            cases.append(Case("other", f"mypy type error ({i})", join(pre(rng), cmd), files={mod: code},
                              env={"MYPY_FORCE_COLOR": "1"} if rng.random() < 0.3 else {}, expect="error"))
    for rep in range(2):
        for i, code in enumerate(FLAKE):
            mod = rng.choice(MODULES)
            tool = rng.choice(["flake8", "ruff check", "ruff check --output-format=concise", "python -m flake8 --max-line-length 88", "ruff check --select ALL"])
            color = tool.startswith("ruff") and rng.random() < 0.4
            cases.append(Case("other", f"{tool.split()[0] if 'python' not in tool else 'flake8'} violation ({i})", join(pre(rng), tool + (" ." if "flake8" in tool or "ruff" in tool else "")),
                              files={mod: code}, env={"FORCE_COLOR": "1"} if color else {}, expect=":"))
    for rep in range(6):
        mod = rng.choice(MODULES)
        cases.append(Case("other", "ruff format --check would reformat", join(pre(rng), "ruff format --check ."),
                          files={mod: "def f( a,b ):\n  return {'a':a,'b':b}\n"}, expect="Would reformat|would be reformatted"))
    for rep in range(6):
        f = rng.choice(["config/app.yaml", ".github/workflows/ci.yml", "k8s/service.yaml", "docker-compose.yml"])
        cases.append(Case("other", "yamllint style violations", join(pre(rng), "yamllint -s ."),
                          files={f: "---\nkey:   value\nlist:\n- a\n-  b\ntrailing: x   \nlong: " + "y" * 100 + "\n"}, expect="error|warning"))
    bad_cfg = [
        ("flake8 non-integer max-line-length", {".flake8": "[flake8]\nmax-line-length = eighty\n"}, "flake8 .", "invalid|Error|error"),
        ("flake8 unknown select code format", {"setup.cfg": "[flake8]\nselect = E,W,\n    E9 01\n"}, "flake8 .", "Error|error"),
        ("ruff invalid line-length", {"pyproject.toml": "[tool.ruff]\nline-length = \"long\"\n"}, "ruff check .", "Failed to parse|error|invalid"),
        ("ruff unknown rule selector", {"pyproject.toml": "[tool.ruff.lint]\nselect = [\"E\", \"XYZ123\"]\n"}, "ruff check .", "Unknown rule selector|invalid|error"),
        ("ruff unknown option", {"ruff.toml": "line-lenght = 100\n"}, "ruff check .", "unknown field|Failed to parse|error"),
        ("ruff toml syntax", {"ruff.toml": "[lint\nselect = [\"E\"]\n"}, "ruff check .", "Failed to parse|error|TOML"),
        ("mypy.ini invalid boolean", {"mypy.ini": "[mypy]\nstrict_optional = maybe\n"}, "mypy .", "Not a boolean|error|invalid"),
        ("mypy.ini bad python_version", {"mypy.ini": "[mypy]\npython_version = 3.x\n"}, "mypy .", "python_version|error|invalid"),
        ("mypy pyproject bad type", {"pyproject.toml": "[tool.mypy]\nplugins = 42\nwarn_unused_configs = \"yes\"\n"}, "mypy .", "error|invalid|Error"),
        ("mypy missing section header", {"mypy.ini": "strict = True\n"}, "mypy .", "error|header|No \\[mypy\\]"),
        ("yamllint invalid config", {".yamllint": "extends: relaxed\nrules:\n  line-length:\n    max: lots\n"}, "yamllint .", "invalid config|error"),
        ("yamllint unknown rule", {".yamllint": "rules:\n  no-such-rule: enable\n"}, "yamllint .", "invalid config|error|no such rule"),
    ]
    for rep in range(3):
        for what, files, cmd, exp in bad_cfg:
            mod = rng.choice(MODULES)
            cases.append(Case("configuration_error", f"linter config: {what}", join(pre(rng), cmd),
                              files={**files, mod: "def f() -> int:\n    return 1\n", "a.yml": "a: 1\n"}, expect=exp))
    for c in cases:
        c.kind = "python"
    return cases


if __name__ == "__main__":
    common.main("lint", build, workers=3)
