#!/usr/bin/env bash
# feedparser's own test corpus (wellformed, illformed, entities, encoding) through `tributary parse --format json`,
# scored by the shared harness. Fails when the pass rate or the bozo agreement drops below the recorded floors.
set -euo pipefail
: "${TRIBUTARY_BIN:?set TRIBUTARY_BIN to the tributary binary}"
: "${SHARED_DIR:=$(cd "$(dirname "$0")/../../.." && pwd)/shared}"

# Floors, set a little under the measured figures (1,386 of 1,428 = 97.1%; bozo 1,141 of 1,142).
PASS_FLOOR=96.8
BOZO_FLOOR=99.0

report=$(mktemp)
trap 'rm -f "$report"' EXIT
python3 "$SHARED_DIR/conformance/feedparser_harness.py" \
    --cmd "$TRIBUTARY_BIN parse --url {url} --content-type {content_type} --headers {headers} --format json {path}" \
    --folders wellformed,illformed,entities,encoding --jobs 2 --html-compare normalized | tee "$report" |
    grep -E "^(TOTAL|bozo agreement|feedparser-suite)" || true

python3 - "$report" "$PASS_FLOOR" "$BOZO_FLOOR" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
passed, failed = map(int, re.search(r"feedparser-suite: (\d+) passed, (\d+) failed", text).groups())
agree, disagree = map(int, re.search(r"(\d+) agree / (\d+) disagree", text).groups())
rate = 100.0 * passed / max(1, passed + failed)
bozo = 100.0 * agree / max(1, agree + disagree)
print(f"feedparser conformance: {rate:.1f}% of applicable cases (floor {sys.argv[2]}%), "
      f"bozo agreement {bozo:.1f}% (floor {sys.argv[3]}%)")
sys.exit(0 if rate >= float(sys.argv[2]) and bozo >= float(sys.argv[3]) else 1)
PY
