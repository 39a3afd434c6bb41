"""Connections that break after they are made, across languages: a loopback server that
resets the connection, one that closes it without a reply, and TLS clients stuck in a
handshake with a server that never answers (all `network_timeout`)."""

from __future__ import annotations

import random

import common
from common import Case, Services

PATHS = ["/api/v1/sync", "/health", "/v2/upload", "/graphql", "/api/export", "/token"]


def build(rng: random.Random, svc: Services) -> list[Case]:
    cases: list[Case] = []

    def add(what: str, script: str, files: dict[str, str], kind: str, expect: str, node_modules: bool = False) -> None:
        cases.append(Case("network_timeout", what, script, files=files, kind=kind, expect=expect, node_modules=node_modules, timeout=60))

    for rep in range(3):
        for mode, ports in (("reset", svc.reset_ports), ("empty reply", svc.empty_ports)):
            port = rng.choice(ports)
            path = rng.choice(PATHS)
            add(f"python requests, server {mode}", "python sync.py",
                {"sync.py": f"import requests\n\nresp = requests.post('http://127.0.0.1:{port}{path}', json={{'batch': 1}}, timeout=5)\nprint(resp.status_code)\n"},
                "python", "ConnectionError|Connection aborted|reset|RemoteDisconnected")
            add(f"python urllib, server {mode}", "python fetch.py",
                {"fetch.py": f"from urllib.request import urlopen\n\nprint(urlopen('http://127.0.0.1:{port}{path}', timeout=5).read())\n"},
                "python", "reset|RemoteDisconnected|ConnectionResetError")
            add(f"node fetch, server {mode}", "node fetch.mjs",
                {"fetch.mjs": f"const res = await fetch('http://127.0.0.1:{port}{path}');\nconsole.log(res.status);\n"},
                "node", "fetch failed|ECONNRESET|socket|other side closed")
            add(f"node http.get, server {mode}", "node get.js",
                {"get.js": f"require('http').get('http://127.0.0.1:{port}{path}', (r) => console.log(r.statusCode));\n"},
                "node", "ECONNRESET|socket hang up")
            add(f"curl, server {mode}", f"curl -sS --fail http://127.0.0.1:{port}{path}", {}, "shell",
                "Recv failure|Empty reply|reset")
            add(f"git over HTTP, server {mode}", f"git ls-remote http://127.0.0.1:{port}/acme/app.git", {}, "shell",
                "reset|Empty reply|unable to access|RPC failed|remote end hung up")
            add(f"ruby Net::HTTP, server {mode}", "ruby check.rb",
                {"check.rb": f"require 'net/http'\n\nputs Net::HTTP.get_response(URI('http://127.0.0.1:{port}{path}')).code\n"},
                "shell", "ECONNRESET|EOFError|end of file|reset")
            add(f"go http.Get, server {mode}", "go run .",
                {"go.mod": "module github.com/acme/probe\n\ngo 1.19\n",
                 "main.go": f"package main\n\nimport (\n\t\"log\"\n\t\"net/http\"\n)\n\nfunc main() {{\n\tresp, err := http.Get(\"http://127.0.0.1:{port}{path}\")\n\tif err != nil {{\n\t\tlog.Fatal(err)\n\t}}\n\tresp.Body.Close()\n}}\n"},
                "shell", "connection reset|EOF")
    for rep in range(3):
        port = rng.choice(svc.hang_ports)
        path = rng.choice(PATHS)
        add("python TLS handshake timeout", "python tls_check.py",
            {"tls_check.py": f"import requests\n\nrequests.get('https://127.0.0.1:{port}{path}', timeout=2)\n"},
            "python", "timed out|Timeout")
        add("python ssl handshake timeout (socket)", "python handshake.py",
            {"handshake.py": f"import socket\nimport ssl\n\nctx = ssl.create_default_context()\nraw = socket.create_connection(('127.0.0.1', {port}), timeout=2)\nctx.wrap_socket(raw, server_hostname='api.internal')\n"},
            "python", "timed out")
        add("curl TLS handshake timeout", f"curl -sS --max-time 2 https://127.0.0.1:{port}{path}", {}, "shell", "timed out|Timeout")
        add("node https TLS timeout", "node tls.mjs",
            {"tls.mjs": f"const res = await fetch('https://127.0.0.1:{port}{path}', {{ signal: AbortSignal.timeout(2000) }});\n"},
            "node", "TimeoutError|aborted")
        add("go TLS handshake timeout", "go run .",
            {"go.mod": "module github.com/acme/probe\n\ngo 1.19\n",
             "main.go": f"package main\n\nimport (\n\t\"log\"\n\t\"net/http\"\n\t\"time\"\n)\n\nfunc main() {{\n\tc := &http.Client{{Transport: &http.Transport{{TLSHandshakeTimeout: 2 * time.Second}}}}\n\t_, err := c.Get(\"https://127.0.0.1:{port}{path}\")\n\tif err != nil {{\n\t\tlog.Fatal(err)\n\t}}\n}}\n"},
            "shell", "TLS handshake timeout")
    for c in cases:
        c.env.update({"GOPROXY": "off", "GOCACHE": "/tmp/gc-gocache", "GOPATH": "/tmp/gc-gopath", "CGO_ENABLED": "0"})
    return cases


if __name__ == "__main__":
    common.main("resets", build, workers=2)
