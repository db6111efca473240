#!/usr/bin/env python3
"""Helpers for scripts/checks/60-pipeline.sh: make feeds and feeds.json, inspect the store and outputs."""
import json
import random
import os
import sqlite3
import sys
import xml.etree.ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"


def rss(feed, entries):
    items = []
    for entry_id, title in entries:
        items.append(
            f"<item><title>{title}</title><link>https://site{feed}.example/{entry_id}</link>"
            f"<guid isPermaLink=\"false\">{entry_id}</guid>"
            f"<pubDate>Tue, 24 Nov 2026 10:{feed % 60:02d}:00 GMT</pubDate>"
            f"<description>Report {entry_id} from outlet {feed}: {title}.</description></item>")
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Outlet {feed}</title><link>https://site{feed}.example/</link>"
            f"<description>check feed {feed}</description>{''.join(items)}</channel></rss>")


def words(seed, count):
    """Made-up words, different for every entry, so the linker finds no stories among the check's feeds."""
    chooser = random.Random(seed)
    return " ".join("".join(chooser.choice("bcdfghklmnprstvz") + chooser.choice("aeiou") for _ in range(3))
                    for _ in range(count))


def write_feed(folder, feed, generation, entries, padding=0):
    chosen = [(f"f{feed}-e{n}", words(f"{feed}-{n}", 6)) for n in range(generation, generation + entries)]
    text = rss(feed, chosen)
    if padding:
        text = text.replace("</channel>", "<!-- " + "x" * padding + " --></channel>")
    with open(os.path.join(folder, f"feed{feed}.xml"), "w") as handle:
        handle.write(text)


def make_feeds(folder, count, entries, generation):
    """Writes count feeds of `entries` entries each; generation g serves entries g..g+entries-1."""
    os.makedirs(folder, exist_ok=True)
    state = {"entries": entries, "generations": [generation] * count}
    for feed in range(count):
        write_feed(folder, feed, generation, entries)
    with open(os.path.join(folder, "state.json"), "w") as handle:
        json.dump(state, handle)


def bump(folder, start, count):
    """Moves `count` feeds from `start` (wrapping) one generation on: each gains a new entry and keeps the old ones.

    Nothing drops off, so every entry ever served is still there for the run after a kill: a run that was killed
    before it fetched a feed must not count as losing entries that no later run could see.
    """
    with open(os.path.join(folder, "state.json")) as handle:
        state = json.load(handle)
    generations = state["generations"]
    for offset in range(count):
        feed = (start + offset) % len(generations)
        generations[feed] += 1
        write_feed(folder, feed, 0, generations[feed] + state["entries"])
    with open(os.path.join(folder, "state.json"), "w") as handle:
        json.dump(state, handle)
    # Every entry ever served: the first generation's entries plus one per bump.
    print(sum(g + state["entries"] for g in generations))


def make_config(path, port, count, extra=()):
    feeds = [{"url": f"http://127.0.0.1:{port}/feed{n}.xml"} for n in range(count)]
    feeds += [{"url": url} for url in extra]
    config = {
        "title": "Pipeline check",
        "site": "https://check.example/",
        "output": {"dir": "public", "atom": "atom.xml", "opml": "feeds.opml", "html": "index.html", "entries": 100},
        "fetch": {"concurrency": 64, "timeout": 20, "perHost": 64},
        "feeds": feeds,
    }
    with open(path, "w") as handle:
        json.dump(config, handle, indent=2)


def check_outputs(folder):
    """Exits non-zero unless atom.xml and feeds.opml parse and index.html is there."""
    root = ET.parse(os.path.join(folder, "atom.xml")).getroot()
    if root.tag != ATOM + "feed":
        sys.exit(f"atom.xml root is {root.tag}")
    opml = ET.parse(os.path.join(folder, "feeds.opml")).getroot()
    if opml.tag != "opml":
        sys.exit("feeds.opml is not OPML")
    with open(os.path.join(folder, "index.html"), encoding="utf-8") as handle:
        if "</html>" not in handle.read().lower():
            sys.exit("index.html is incomplete")
    print(len(root.findall(ATOM + "entry")))


def store(path, what):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    if what == "integrity":
        print(db.execute("PRAGMA integrity_check").fetchone()[0])
    elif what == "articles":
        print(db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    elif what == "keys":
        for (key,) in db.execute("SELECT feed_url || ' ' || entry_key FROM articles ORDER BY 1"):
            print(key)


def main():
    command = sys.argv[1]
    if command == "feeds":
        make_feeds(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif command == "config":
        make_config(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:])
    elif command == "bump":
        bump(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif command == "big":
        # Feeds large enough that storing them needs megabytes more disk.
        for feed in range(int(sys.argv[3])):
            write_feed(sys.argv[2], feed, 100, 40, padding=0)
            path = os.path.join(sys.argv[2], f"feed{feed}.xml")
            with open(path) as handle:
                text = handle.read()
            with open(path, "w") as handle:
                handle.write(text.replace("</description>", " " + words(f"big{feed}", 3000) + "</description>"))
    elif command == "outputs":
        check_outputs(sys.argv[2])
    elif command == "store":
        store(sys.argv[2], sys.argv[3])
    elif command == "edit":
        path, old, new = sys.argv[2:5]
        with open(path) as handle:
            text = handle.read()
        if old not in text:
            sys.exit(f"{old!r} not in {path}")
        with open(path, "w") as handle:
            handle.write(text.replace(old, new))


if __name__ == "__main__":
    main()
