#!/usr/bin/env bash
# Builds the libFuzzer targets (parser, sanitiser) with -sanitize=fuzzer,address and runs each for a set time.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [parser|sanitizer|all] [build-only]
# Crashes land in Fuzz/crashes/<target>/; keep each as a regression test in Tests/TributaryParserTests.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
which="${2:-all}"
out=.build/fuzz
mkdir -p "$out"
common=(-swift-version 6 -sanitize=fuzzer,address -parse-as-library -O -g -I "$out" -I Sources/CLibXML2
    -Xcc -I/usr/include/libxml2)

echo "== building fuzz targets in $out"
swiftc "${common[@]}" -wmo -c -module-name TributaryCore -emit-module -emit-module-path "$out/TributaryCore.swiftmodule" \
    Sources/TributaryCore/*.swift -o "$out/core.o"
swiftc "${common[@]}" -wmo -c -module-name TributaryParser -emit-module \
    -emit-module-path "$out/TributaryParser.swiftmodule" Sources/TributaryParser/*.swift -o "$out/parser.o"
for target in parser sanitizer; do
    source=Fuzz/FuzzParser.swift
    [ "$target" = sanitizer ] && source=Fuzz/FuzzSanitizer.swift
    swiftc "${common[@]}" "$source" "$out/core.o" "$out/parser.o" -lxml2 -o "$out/fuzz-$target" 2>&1 |
        grep -v "Cannot export local symbol" || true
done
[ "${3:-}" = build-only ] && exit 0

run() {
    local target=$1
    mkdir -p "Fuzz/corpus/$target" "Fuzz/crashes/$target"
    echo "== fuzzing $target for ${seconds}s"
    "$out/fuzz-$target" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="Fuzz/crashes/$target/" "Fuzz/corpus/$target" "Fuzz/seeds/$target" 2>&1 |
        grep -E "^(#[0-9]+ +DONE|Done|==[0-9]+==ERROR|SUMMARY|stat::)" || true
}
case "$which" in
parser) run parser ;;
sanitizer) run sanitizer ;;
*) run parser; run sanitizer ;;
esac
