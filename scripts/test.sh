#!/usr/bin/env bash
# The test command: strict build, format lint, unit tests, then every conformance and
# interoperability check in scripts/checks/ (each prints its figures and fails below its floor).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test

echo "== build (warnings are errors)"
scripts/build-release.sh
swift build --build-tests

echo "== swift format lint --strict"
swift format lint --strict --recursive Sources Tests Package.swift

echo "== swift test"
swift test --skip-build

export TRIBUTARY_BIN="$PWD/.build/release/tributary"
export SHARED_DIR="${SHARED_DIR:-$(cd .. && pwd)/shared}"
status=0
for check in scripts/checks/*.sh; do
    [ -e "$check" ] || continue
    echo "== $(basename "$check" .sh)"
    if ! bash "$check"; then
        echo "FAILED: $check" >&2
        status=1
    fi
done
exit $status
