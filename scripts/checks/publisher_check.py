#!/usr/bin/env python3
"""Checks published outputs with outside tools: Python feedparser (bozo == 0 and every entry read) and the
JSON Feed 1.1 schema (jsonschema); with --newsboat, newsboat reads each Atom feed from a loopback web server.

Usage: publisher_check.py [--schema SCHEMA.json] [--newsboat] DIR...

Prints one line per file and the totals as `name=passed/total` lines; exits 0 (the calling script applies the
floors).
"""
import argparse
import functools
import glob
import http.server
import json
import os
import sqlite3
import subprocess
import tempfile
import threading
import xml.etree.ElementTree as ElementTree

ATOM = "{http://www.w3.org/2005/Atom}"


def count_entries(path):
    root = ElementTree.parse(path).getroot()
    if root.tag == ATOM + "feed":
        return len(root.findall(ATOM + "entry"))
    channel = root.find("channel")
    return len(channel.findall("item")) if channel is not None else 0


def check_feedparser(path):
    import feedparser

    expected = count_entries(path)
    parsed = feedparser.parse(path)
    ok = parsed.bozo == 0 and len(parsed.entries) == expected and all(e.get("title") for e in parsed.entries)
    detail = f"bozo={parsed.bozo} entries={len(parsed.entries)}/{expected}"
    if parsed.bozo:
        detail += f" ({parsed.bozo_exception})"
    return ok, detail


def check_schema(path, schema):
    import jsonschema

    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    try:
        jsonschema.validate(document, schema)
        return True, f"valid, {len(document.get('items', []))} items"
    except jsonschema.ValidationError as error:
        return False, f"invalid: {error.message}"


def check_newsboat(folder, name):
    """Serves `folder` on 127.0.0.1, lets newsboat reload `name`, and counts the titled items in its cache."""
    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(QuietHandler, directory=folder)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with tempfile.TemporaryDirectory() as home:
            url = f"http://127.0.0.1:{server.server_address[1]}/{name}"
            with open(os.path.join(home, "urls"), "w") as urls:
                urls.write(url + "\n")
            open(os.path.join(home, "config"), "w").close()
            cache = os.path.join(home, "cache.db")
            result = subprocess.run(
                ["newsboat", "-u", os.path.join(home, "urls"), "-c", cache, "-C", os.path.join(home, "config"),
                 "-x", "reload"],
                env={**os.environ, "HOME": home}, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
            if result.returncode != 0 or not os.path.exists(cache):
                return False, f"newsboat exited {result.returncode}: {result.stderr.decode(errors='replace')[:200]}"
            with sqlite3.connect(cache) as db:
                titles = [row[0] for row in db.execute("select title from rss_item where feedurl = ?", (url,))]
            expected = count_entries(os.path.join(folder, name))
            ok = len(titles) == expected and all(titles)
            return ok, f"{len(titles)}/{expected} items with titles"
    finally:
        server.shutdown()
        server.server_close()


def main():
    arguments = argparse.ArgumentParser()
    arguments.add_argument("--schema")
    arguments.add_argument("--newsboat", action="store_true")
    arguments.add_argument("dirs", nargs="+")
    options = arguments.parse_args()
    schema = None
    if options.schema:
        with open(options.schema, encoding="utf-8") as handle:
            schema = json.load(handle)
    totals = {"feedparser": [0, 0], "jsonschema": [0, 0], "newsboat": [0, 0]}

    def record(kind, path, ok, detail):
        totals[kind][1] += 1
        totals[kind][0] += 1 if ok else 0
        print(f"  {kind:10} {'ok  ' if ok else 'FAIL'} {path}: {detail}")

    for folder in options.dirs:
        feeds = sorted(glob.glob(os.path.join(folder, "*.xml")))
        for path in feeds:
            record("feedparser", path, *check_feedparser(path))
        if schema is not None:
            for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
                record("jsonschema", path, *check_schema(path, schema))
        if options.newsboat and os.path.exists(os.path.join(folder, "atom.xml")):
            record("newsboat", os.path.join(folder, "atom.xml"), *check_newsboat(folder, "atom.xml"))
    for kind, (passed, total) in totals.items():
        print(f"{kind}={passed}/{total}")


if __name__ == "__main__":
    main()
