#!/usr/bin/env bash
# listparser's OPML/FOAF test files through `tributary import` + `tributary export --format json`.
# Every file must be imported or refused with a clear message (no crash, no hang); the feed expectations
# (URLs, titles, tags, categories) are scored. Fails below the floor measured when this check was written.
set -euo pipefail
: "${TRIBUTARY_BIN:?set TRIBUTARY_BIN to the tributary executable}"
: "${SHARED_DIR:?set SHARED_DIR to the shared folder}"
FLOOR=130
exec python3 scripts/checks/listparser_harness.py --bin "$TRIBUTARY_BIN" \
    --suite "$SHARED_DIR/conformance/listparser/files" --floor "$FLOOR"
