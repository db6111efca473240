#!/usr/bin/env bash
# The publisher's outputs checked by outside tools. Run from the repository root by scripts/test.sh, with
# $TRIBUTARY_BIN (the release binary) and $SHARED_DIR (../shared).
#
# Outputs checked, two sets:
#  1. Always: what the publisher's own test writes (sample feeds, hostile entries handed straight to the
#     publisher, a hostile RSS feed read by the real parser, an empty feed) into .build/publisher-check/.
#     These exist whatever else is built, and they cover the hostile cases directly.
#  2. When the binary has `run` and `publish`: the whole pipeline over scripts/checks/publisher-fixture/
#     (local Atom, RSS, JSON Feed and hostile RSS files), published by `tributary publish` into a temp dir.
#
# Checks, with floors:
#  - RFC 4287 RELAX NG (scripts/checks/atom.rng, from the RFC's appendix) with xmllint: every Atom file valid.
#  - The W3C Feed Validator, when FEEDVALIDATOR_DIR names a checkout: no errors (warnings are printed).
#  - Python feedparser: bozo == 0 and every entry read, titled.
#  - JSON Feed 1.1 schema (jsonschema): every feed.json valid.
#  - newsboat, when installed: reads every atom.xml from a loopback web server, every entry with its title.
set -euo pipefail
cd "$(dirname "$0")/../.."

SHARED_DIR="${SHARED_DIR:-$(cd .. && pwd)/shared}"
checks="scripts/checks"
out="$PWD/.build/publisher-check"
rm -rf "$out"
mkdir -p "$out"

echo "-- generating outputs (swift test CheckOutputTests)"
TRIBUTARY_PUBLISHER_CHECK_DIR="$out/tests" swift test --skip-build --filter CheckOutputTests >"$out/swift-test.log" 2>&1 \
    || { cat "$out/swift-test.log" >&2; echo "could not generate the publisher's test outputs" >&2; exit 1; }
dirs=("$out"/tests/*)

if [ -n "${TRIBUTARY_BIN:-}" ] && [ -x "$TRIBUTARY_BIN" ] \
    && "$TRIBUTARY_BIN" run --help >/dev/null 2>&1 && "$TRIBUTARY_BIN" publish --help >/dev/null 2>&1; then
    echo "-- generating outputs (tributary run + publish over $checks/publisher-fixture)"
    fixture="$PWD/$checks/publisher-fixture"
    pipeline="$out/pipeline"
    mkdir -p "$pipeline"
    cat >"$pipeline/feeds.json" <<JSON
{
  "title": "Publisher check",
  "id": "tag:example.org,2026:publisher-check",
  "site": "https://example.org/news/",
  "author": { "name": "Example Desk" },
  "output": { "dir": "public", "atom": "atom.xml", "rss": "rss.xml", "jsonFeed": "feed.json",
              "opml": "feeds.opml", "html": "index.html", "entries": 50 },
  "feeds": [
    { "url": "$fixture/daily.atom", "title": "Atom Daily" },
    { "url": "$fixture/weekly.rss", "title": "RSS Weekly" },
    { "url": "$fixture/voice.json", "title": "Third Voice" },
    { "url": "$PWD/Tests/TributaryPublisherTests/Fixtures/hostile.rss", "title": "Hostile" }
  ]
}
JSON
    status=0
    "$TRIBUTARY_BIN" run --quiet --config "$pipeline/feeds.json" >"$out/pipeline.log" 2>&1 || status=$?
    "$TRIBUTARY_BIN" publish --config "$pipeline/feeds.json" >>"$out/pipeline.log" 2>&1 || status=$?
    if [ -f "$pipeline/public/atom.xml" ]; then
        dirs+=("$pipeline/public")
    else
        echo "tributary run/publish wrote no atom.xml (exit $status):" >&2
        cat "$out/pipeline.log" >&2
        exit 1
    fi
else
    echo "-- (tributary has no run/publish command yet: checking the test outputs only)"
fi

failed=0

echo "-- RFC 4287 RELAX NG (xmllint)"
rng_total=0
rng_passed=0
for dir in "${dirs[@]}"; do
    for file in "$dir"/atom*.xml; do
        [ -e "$file" ] || continue
        rng_total=$((rng_total + 1))
        if xmllint --noout --relaxng "$checks/atom.rng" "$file" >/dev/null 2>"$out/xmllint.err"; then
            rng_passed=$((rng_passed + 1))
        else
            echo "  FAIL $file:" >&2
            head -5 "$out/xmllint.err" >&2
        fi
    done
done
echo "relaxng=$rng_passed/$rng_total"
[ "$rng_total" -gt 0 ] && [ "$rng_passed" -eq "$rng_total" ] || failed=1

if [ -n "${FEEDVALIDATOR_DIR:-}" ] && [ -d "$FEEDVALIDATOR_DIR/src/feedvalidator" ]; then
    echo "-- W3C Feed Validator ($FEEDVALIDATOR_DIR)"
    args=()
    for dir in "${dirs[@]}"; do
        for file in "$dir"/atom*.xml "$dir"/rss.xml; do
            [ -e "$file" ] || continue
            # Validated as if served from the site, so link rel="self" matches the document's location.
            args+=("https://example.org/news/$(basename "$file")=$file")
        done
    done
    python3 "$checks/feedvalidator_run.py" "$FEEDVALIDATOR_DIR" "${args[@]}" | tee "$out/feedvalidator.log"
    validator_errors=$(sed -n 's/^errors=\([0-9]*\) .*/\1/p' "$out/feedvalidator.log")
    # Floor: no errors at all. Warnings (e.g. same `updated` on entries first seen together) are reported only.
    [ "${validator_errors:-1}" -eq 0 ] || failed=1
else
    echo "-- W3C Feed Validator: skipped (set FEEDVALIDATOR_DIR to a checkout to run it)"
fi

echo "-- feedparser, JSON Feed schema$(command -v newsboat >/dev/null && echo ', newsboat')"
newsboat_flag=()
command -v newsboat >/dev/null && newsboat_flag=(--newsboat)
python3 "$checks/publisher_check.py" --schema "$SHARED_DIR/conformance/jsonfeed-schema/schema-v1.1.json" \
    "${newsboat_flag[@]}" "${dirs[@]}" | tee "$out/python-checks.log"
while IFS== read -r name figure; do
    passed=${figure%/*}
    total=${figure#*/}
    # Floor: every file passes, and feedparser and the schema have something to check.
    if [ "$passed" != "$total" ]; then failed=1; fi
    if [ "$name" != newsboat ] && [ "$total" -eq 0 ]; then failed=1; fi
done < <(grep -E '^(feedparser|jsonschema|newsboat)=' "$out/python-checks.log")

if [ "$failed" -ne 0 ]; then
    echo "publisher checks: FAILED" >&2
    exit 1
fi
echo "publisher checks: all passed"
