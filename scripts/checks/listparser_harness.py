#!/usr/bin/env python3
"""Run the listparser test files against `tributary import` + `tributary export --format json`.

Every file under the suite folder (opml/, malformed/, rdf/) is imported into a fresh feeds.json. Each must
either be imported (exit 0) or refused with a clear message (exit 2 and a `tributary:` line on stderr); a
crash, any other exit code, or a run longer than the timeout is counted as a crash.

The files' `Eval:` lines are Python expressions over listparser's result. Only the ones about feeds (their URLs,
titles, tags and categories, and how many there are) are scored; those about `meta`, `lists`, `opportunities`,
`version` or only `bozo` are outside what `tributary import` does and are counted as n/a. The exported feed list
is mapped to listparser's shape: a tag `a/b` is the category ['a', 'b']; tags are the one-level categories.
An expectation in a file that was refused counts as failed.

Prints per-file failures (with --verbose), the totals, and the closing line `listparser: N passed, N failed`.
Exits 1 when the pass count is below --floor or anything crashed.
"""
from __future__ import annotations

import argparse
import datetime  # noqa: F401  (used by the Eval expressions)
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

EVAL = re.compile(r"^\s*Eval:\s*(.+?)\s*$", re.MULTILINE)
FEEDS = re.compile(r"""result\[\s*['"]feeds['"]\s*\]""")
OTHER = re.compile(r"""result\[\s*['"](meta|lists|opportunities|version|bozo)['"]\s*\]""")


def run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def listparser_result(feeds: list[dict]) -> dict:
    """Our exported feeds in listparser's result shape."""
    mapped = []
    for feed in feeds:
        categories = [tag.split("/") for tag in feed.get("tags", [])]
        mapped.append(
            {
                "url": feed["url"],
                "title": feed.get("title") or "",
                "categories": categories,
                "tags": [c[0] for c in categories if len(c) == 1],
            }
        )
    return {"bozo": 0, "feeds": mapped}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the tributary executable")
    parser.add_argument("--suite", required=True, help="listparser's files folder")
    parser.add_argument("--floor", type=int, default=0, help="fail when fewer expectations pass")
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    files = sorted(p for p in Path(args.suite).rglob("*.xml") if p.is_file())
    passed = failed = not_applicable = imported = refused = crashed = 0
    unclear = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        evals = EVAL.findall(text)
        scored = [e for e in evals if FEEDS.search(e) and not OTHER.search(e)]
        not_applicable += len(evals) - len(scored)
        name = str(path.relative_to(args.suite))
        with tempfile.TemporaryDirectory() as folder:
            config = os.path.join(folder, "feeds.json")
            init = run([args.bin, "init", "--config", config], args.timeout)
            if init is None or init.returncode != 0:
                print(f"cannot create feeds.json: {init.stderr if init else 'timeout'}", file=sys.stderr)
                return 1
            result = run([args.bin, "import", "--config", config, str(path)], args.timeout)
            if result is None or result.returncode not in (0, 2):
                crashed += 1
                failed += len(scored)
                status = "timeout" if result is None else f"exit {result.returncode}"
                print(f"CRASH {name}: {status}", file=sys.stderr)
                continue
            if result.returncode == 2:
                refused += 1
                failed += len(scored)
                message = result.stderr.strip()
                if not message.startswith("tributary:") or len(message) < 20:
                    unclear.append(name)
                if args.verbose:
                    print(f"refused {name}: {message}")
                continue
            imported += 1
            export = run([args.bin, "export", "--config", config, "--format", "json"], args.timeout)
            if export is None or export.returncode != 0:
                crashed += 1
                failed += len(scored)
                print(f"CRASH {name}: export failed", file=sys.stderr)
                continue
        result_value = listparser_result(json.loads(export.stdout))
        for expression in scored:
            try:
                ok = bool(eval(expression, {"datetime": datetime}, {"result": result_value}))  # noqa: S307
            except Exception as error:  # an IndexError means a feed we did not find
                ok = False
                expression += f"  ({type(error).__name__}: {error})"
            if ok:
                passed += 1
            else:
                failed += 1
                if args.verbose:
                    print(f"FAIL {name}: {expression}")

    print(f"files: {len(files)}, imported {imported}, refused with a message {refused}, crashed {crashed}")
    print(f"expectations not about feeds (n/a): {not_applicable}")
    if unclear:
        print(f"refused without a clear message: {', '.join(unclear)}", file=sys.stderr)
    print(f"listparser: {passed} passed, {failed} failed")
    if crashed or unclear:
        return 1
    if passed < args.floor:
        print(f"below the floor of {args.floor} passed expectations", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
