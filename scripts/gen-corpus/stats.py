"""Counts the generated corpus per label and per generator script, and checks every row
against the corpus format (known label, 5 to 200 lines). Prints a Markdown table that
fixtures/corpus/README.md carries."""

from __future__ import annotations

import collections
import json
import sys

import common


def main() -> int:
    per_label: collections.Counter[str] = collections.Counter()
    per_gen: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    bad = 0
    for path in sorted(common.CORPUS_DIR.glob("generated-*.jsonl")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            row = json.loads(line)
            lines = row["text"].count("\n") + 1
            if row["label"] not in common.LABELS or not 5 <= lines <= 200:
                print(f"{path.name}:{n}: invalid row ({row['label']}, {lines} lines)", file=sys.stderr)
                bad += 1
            gen = row["source"].split(":", 1)[0].rsplit("/", 1)[-1]
            per_label[row["label"]] += 1
            per_gen[gen][row["label"]] += 1
    gens = sorted(per_gen)
    short = {"dependency_missing": "dep", "environment_variable": "env", "api_contract_mismatch": "api",
             "network_timeout": "net", "permission_denied": "perm", "configuration_error": "config", "other": "other"}
    print("| generator | " + " | ".join(short[lb] for lb in common.LABELS) + " | total |")
    print("|---|" + "---:|" * (len(common.LABELS) + 1))
    for g in gens:
        c = per_gen[g]
        print(f"| {g} | " + " | ".join(str(c[lb]) for lb in common.LABELS) + f" | {sum(c.values())} |")
    print("| **all** | " + " | ".join(f"**{per_label[lb]}**" for lb in common.LABELS) + f" | **{sum(per_label.values())}** |")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
