#!/usr/bin/env bash
# A real feed reader reads our OPML: newsboat imports `tributary export` and must list the same URLs, with each
# feed's first tag as its folder tag; then newsboat's own OPML export goes back through `tributary import`
# and must give the same URLs again. Skipped (not failed) when newsboat is not installed.
set -euo pipefail
: "${TRIBUTARY_BIN:?set TRIBUTARY_BIN to the tributary executable}"
if ! command -v newsboat >/dev/null 2>&1; then
    echo "newsboat is not installed (scripts/install-deps.sh --test installs it); skipped"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home"
config="$work/feeds.json"
tb() { "$TRIBUTARY_BIN" "$@" --config "$config"; }

tb init --title "Newsboat interop — ünïcödé" >/dev/null
tb add "https://balkaninsight.example/feed/" --title "Balkan Insight" --tag "news/europe" --tag long-read >/dev/null
tb add "https://example.org/rss?lang=sr&amp=1&x=<y>" --title "Ampersands & <angles> \"quotes\"" >/dev/null
tb add "http://127.0.0.1:8080/atom.xml" --title "Ελληνικά — 日本語 🦆" --tag news >/dev/null
tb add "https://plain.example/feed.xml" >/dev/null
tb add "https://tagged.example/index.rss" --tag "news/europe" >/dev/null
tb add "https://deep.example/f" --tag "a/b/c" --tag news >/dev/null
tb export > "$work/export.opml"
tb export --format json > "$work/export.json"

HOME="$work/home" timeout 60 newsboat -i "$work/export.opml" -u "$work/urls" -c "$work/cache.db" -C /dev/null \
    >"$work/import.log" 2>&1 </dev/null
HOME="$work/home" timeout 60 newsboat -e -u "$work/urls" -c "$work/cache.db" -C /dev/null \
    >"$work/newsboat.opml" 2>"$work/export.log" </dev/null

back="$work/back.json"
"$TRIBUTARY_BIN" init --config "$back" >/dev/null
"$TRIBUTARY_BIN" import --config "$back" "$work/newsboat.opml" >/dev/null
"$TRIBUTARY_BIN" export --config "$back" --format json >"$work/back-export.json"

python3 - "$work" <<'PY'
import json, shlex, sys
work = sys.argv[1]
ours = json.load(open(f"{work}/export.json"))
theirs = {}
for line in open(f"{work}/urls", encoding="utf-8"):
    if line.strip() and not line.startswith("#"):
        url, *tags = shlex.split(line)
        theirs[url] = tags
back = [feed["url"] for feed in json.load(open(f"{work}/back-export.json"))]
checks = []
checks.append(("newsboat lists the same URLs", sorted(theirs) == sorted(f["url"] for f in ours)))
for feed in ours:
    expected = feed["tags"][:1]
    checks.append((f"newsboat tags {feed['url']} with {expected}", theirs.get(feed["url"]) == expected))
checks.append(("newsboat's export imports back to the same URLs", sorted(back) == sorted(theirs)))
passed = sum(ok for _, ok in checks)
for name, ok in checks:
    if not ok:
        print(f"FAIL {name}")
print(f"newsboat: {passed} passed, {len(checks) - passed} failed")
sys.exit(0 if passed == len(checks) else 1)
PY
