#!/usr/bin/env python3
"""A loopback stand-in for the parts of the GitHub REST API autoheal calls.

Used by scripts/e2e-recipes (the README's workflows under act). It serves the
runs described in a JSON config, keeps pull-request comments and review
comments in memory (so a second run can find and edit what the first one
posted), and appends every request to a JSON-lines log the harness asserts
on. It binds 127.0.0.1 only.

    mock_api.py CONFIG PORT_FILE REQUEST_LOG

CONFIG:
    {"token": "...",                      # the only token that is accepted
     "bot": "github-actions[bot]",        # the token's user (comment author)
     "repos": {"OWNER/NAME": {
        "runs": {"ID": {"zip": PATH, "head_repository": "OWNER/NAME",
                        "head_branch": "...", "head_sha": "...", "path": "...",
                        "pull_requests": [N], "jobs": [{...}]}},
        "pulls": {"N": {"head_repository": "OWNER/NAME", "files": ["a.py"],
                        "head_sha": "..."}},
        "comments": {"N": [{"id": 1, "user": "someone", "body": "..."}]},
        "can_write": true}}}              # false: writes answer 403
"""

import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONFIG = {}
LOCK = threading.Lock()
NEXT_ID = [1000]
LOG_PATH = ""


def new_id():
    NEXT_ID[0] += 1
    return NEXT_ID[0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, status, body=None):
        entry = {
            "method": self.command,
            "path": self.path,
            "status": status,
            "authorized": self.authorized(),
        }
        if body is not None:
            entry["body"] = body
        with LOCK, open(LOG_PATH, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        return auth in ("Bearer " + CONFIG["token"], "token " + CONFIG["token"])

    def send(self, status, payload=None, raw=None, ctype="application/json"):
        data = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw or b"null")
        except ValueError:
            return None

    def route(self):
        path = self.path.split("?", 1)[0]
        m = re.match(r"^/repos/([^/]+/[^/]+)(/.*)$", path)
        if not m:
            if path == "/user" and self.authorized():
                return 200, {"login": CONFIG["bot"], "type": "Bot"}
            return 404, {"message": "Not Found"}
        repo = CONFIG["repos"].get(m.group(1))
        rest = m.group(2)
        if repo is None:
            return 404, {"message": "Not Found"}
        if not self.authorized():
            return 401, {"message": "Bad credentials"}
        body = self.read_body() if self.command in ("POST", "PATCH") else None
        if body is not None:
            self._body = body
        runs = repo.get("runs", {})
        pulls = repo.get("pulls", {})

        m = re.match(r"^/actions/runs/(\d+)(/logs|/jobs)?$", rest)
        if m and self.command == "GET":
            run = runs.get(m.group(1))
            if run is None:
                return 404, {"message": "Not Found"}
            if m.group(2) == "/logs":
                with open(run["zip"], "rb") as f:
                    return 200, f.read()
            if m.group(2) == "/jobs":
                jobs = run.get("jobs", [])
                return 200, {"total_count": len(jobs), "jobs": jobs}
            prs = []
            # GitHub lists no pull requests on a fork's run.
            for n in ([] if run["head_repository"] != m_repo(self.path) else run.get("pull_requests", [])):
                p = pulls.get(str(n), {})
                prs.append({
                    "number": int(n),
                    "head": {"ref": run.get("head_branch"), "sha": run.get("head_sha"),
                             "repo": {"full_name": p.get("head_repository")}},
                    "base": {"ref": "main", "repo": {"full_name": m_repo(self.path)}},
                })
            return 200, {
                "id": int(m.group(1)),
                "head_repository": {"full_name": run["head_repository"]},
                "head_branch": run.get("head_branch"),
                "head_sha": run.get("head_sha"),
                "conclusion": "failure",
                "path": run.get("path"),
                "pull_requests": prs,
            }

        m = re.match(r"^/commits/([0-9a-f]+)/pulls$", rest)
        if m and self.command == "GET":
            return 200, [{"number": int(n), "head": {"sha": p.get("head_sha")}}
                         for n, p in pulls.items() if p.get("head_sha") == m.group(1)]

        m = re.match(r"^/pulls/(\d+)(/files|/comments)?$", rest)
        if m:
            p = pulls.get(m.group(1))
            if p is None:
                return 404, {"message": "Not Found"}
            if m.group(2) is None and self.command == "GET":
                return 200, {
                    "number": int(m.group(1)),
                    "state": "open",
                    "head": {"sha": p.get("head_sha"),
                             "repo": {"full_name": p.get("head_repository")}},
                }
            if m.group(2) == "/files" and self.command == "GET":
                return 200, [{"filename": f, "status": "modified"} for f in p.get("files", [])]
            if m.group(2) == "/comments":
                store = repo.setdefault("review_comments", {}).setdefault(m.group(1), [])
                if self.command == "GET":
                    return 200, [public(c) for c in store]
                if self.command == "POST":
                    if not repo.get("can_write", True):
                        return 403, {"message": "Resource not accessible by integration"}
                    c = {"id": new_id(), "user": CONFIG["bot"], "body": body.get("body", ""),
                         "path": body.get("path"), "line": body.get("line"),
                         "commit_id": body.get("commit_id")}
                    store.append(c)
                    return 201, public(c)

        m = re.match(r"^/pulls/comments/(\d+)$", rest)
        if m and self.command == "PATCH":
            for store in repo.get("review_comments", {}).values():
                for c in store:
                    if c["id"] == int(m.group(1)):
                        if not repo.get("can_write", True):
                            return 403, {"message": "Resource not accessible by integration"}
                        c["body"] = body.get("body", "")
                        return 200, public(c)
            return 404, {"message": "Not Found"}

        m = re.match(r"^/issues/(\d+)/comments$", rest)
        if m:
            store = repo.setdefault("comments", {}).setdefault(m.group(1), [])
            if self.command == "GET":
                return 200, [public(c) for c in store]
            if self.command == "POST":
                if not repo.get("can_write", True):
                    return 403, {"message": "Resource not accessible by integration"}
                c = {"id": new_id(), "user": CONFIG["bot"], "body": body.get("body", "")}
                store.append(c)
                return 201, public(c)

        m = re.match(r"^/issues/comments/(\d+)$", rest)
        if m and self.command == "PATCH":
            for store in repo.get("comments", {}).values():
                for c in store:
                    if c["id"] == int(m.group(1)):
                        if not repo.get("can_write", True):
                            return 403, {"message": "Resource not accessible by integration"}
                        c["body"] = body.get("body", "")
                        return 200, public(c)
            return 404, {"message": "Not Found"}
        return 404, {"message": "Not Found"}

    def handle_any(self):
        self._body = None
        try:
            status, payload = self.route()
        except Exception as e:  # a harness bug: say so in the log
            status, payload = 500, {"message": repr(e)}
        self.record(status, self._body)
        if isinstance(payload, bytes):
            self.send(status, raw=payload, ctype="application/zip")
        else:
            self.send(status, payload)

    do_GET = handle_any
    do_POST = handle_any
    do_PATCH = handle_any
    do_DELETE = handle_any


def m_repo(path):
    m = re.match(r"^/repos/([^/]+/[^/]+)/", path)
    return m.group(1) if m else None


def public(c):
    out = dict(c)
    out["user"] = {"login": c["user"], "type": "Bot" if c["user"].endswith("[bot]") else "User"}
    return out


def main():
    global CONFIG, LOG_PATH
    config, port_file, LOG_PATH = sys.argv[1:4]
    with open(config, encoding="utf-8") as f:
        CONFIG = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
