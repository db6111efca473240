#!/usr/bin/env bash
# End-to-end checks of `tributary run` against a loopback feed server (issue #5): conditional second run,
# edits in place, a garbage feed, a broken feeds.json, two runs at once, a full disk, and SIGKILL at random
# points of a 1,000-feed run. Prints every figure; exits non-zero when a check fails or a figure is below its floor.
set -uo pipefail

BIN="${TRIBUTARY_BIN:-$PWD/.build/release/tributary}"
HERE="$(cd "$(dirname "$0")" && pwd)"
TOOL="python3 $HERE/pipeline_tool.py"
CRASH_FEEDS="${CRASH_FEEDS:-1000}"
CRASH_KILLS="${CRASH_KILLS:-50}"
# Floors: every check must pass, and every kill must leave a sound store and valid outputs.
FLOOR_CHECKS_FAILED=0

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tributary-pipeline.XXXXXX")"
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

passed=0
failed=0
check() { # check NAME CONDITION-EXIT-STATUS
    if [ "$2" -eq 0 ]; then
        passed=$((passed + 1))
        echo "  ok   $1"
    else
        failed=$((failed + 1))
        echo "  FAIL $1"
    fi
}
is() { [ "$1" = "$2" ]; echo $?; }

snapshot() { # hashes and mtimes of the outputs
    (cd "$1" && for f in atom.xml feeds.opml index.html; do echo "$f $(sha256sum <"$f" | cut -c1-16) $(stat -c %Y.%N "$f" 2>/dev/null || stat -c %Y "$f")"; done)
}
report_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

mkdir -p "$WORK/www"
# nginx serves the feeds with ETag and Last-Modified and answers If-None-Match with 304; it stops by itself.
PORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
cat >"$WORK/nginx.conf" <<NGINX
user root;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 4096; }
http {
    log_format check '\$request_method \$uri inm=\$http_if_none_match \$status';
    access_log $WORK/requests.log check;
    types { application/rss+xml xml; application/json json; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$PORT backlog=4096;
        root $WORK/www;
        etag on;
    }
}
NGINX
timeout 1200 nginx -p "$WORK" -c "$WORK/nginx.conf" -g "daemon off;" &
SERVER_PID=$!
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break; sleep 0.05; done
echo "loopback feed server on 127.0.0.1:$PORT"

# ---------------------------------------------------------------- end to end
echo "== end to end (20 feeds)"
E2E="$WORK/e2e"
mkdir -p "$E2E"
$TOOL feeds "$WORK/www" 20 5 0
$TOOL config "$E2E/feeds.json" "$PORT" 20
(cd "$E2E" && "$BIN" run --config feeds.json --report r1.json 2>"$WORK/run1.err")
rc=$?
check "first run exits 0 (got $rc)" "$(is "$rc" 0)"
entries=$($TOOL outputs "$E2E/public")
check "first run publishes valid atom.xml, feeds.opml, index.html ($entries entries)" "$(is "$entries" 100)"
stored=$($TOOL store "$E2E/.tributary/tributary.sqlite" articles)
check "first run stores every entry ($stored of 100)" "$(is "$stored" 100)"
before="$(snapshot "$E2E/public")"
sleep 1.1
: >"$WORK/requests.log"
(cd "$E2E" && "$BIN" run --all --config feeds.json --report r2.json 2>"$WORK/run2.err")
rc=$?
check "second run exits 0 (got $rc)" "$(is "$rc" 0)"
conditional=$(grep -c 'inm=[^-]' "$WORK/requests.log")
not_modified=$(grep -c ' 304$' "$WORK/requests.log")
check "second run sends validators ($conditional of 20 conditional, $not_modified answered 304)" "$(is "$not_modified" 20)"
after="$(snapshot "$E2E/public")"
check "second run changes no output (bytes and mtimes)" "$(is "$before" "$after")"
title=$(python3 -c "import re,sys; print(re.search(r'<title>([^<]*)</title></item>|<item><title>([^<]*)</title>', open(sys.argv[1]).read()).group(2))" "$WORK/www/feed3.xml")
$TOOL edit "$WORK/www/feed3.xml" "<title>$title</title>" "<title>$title corrected</title>"
(cd "$E2E" && "$BIN" run --all --config feeds.json --report r3.json 2>"$WORK/run3.err")
rc=$?
check "run after an edit exits 0 (got $rc)" "$(is "$rc" 0)"
check "edited entry updates in place (updated $(report_field "$E2E/r3.json" updatedArticles), new $(report_field "$E2E/r3.json" newArticles))" \
    "$(is "$(report_field "$E2E/r3.json" updatedArticles)/$(report_field "$E2E/r3.json" newArticles)" 1/0)"
stored=$($TOOL store "$E2E/.tributary/tributary.sqlite" articles)
check "the edit adds no article ($stored stored)" "$(is "$stored" 100)"
grep -q "$title corrected" "$E2E/public/atom.xml"
check "the edit is published" "$?"

# ---------------------------------------------------------------- bad input
echo "== bad input"
printf '\x00\x01\x02 this is not a feed <<<' >"$WORK/www/garbage.garbage"
BAD="$WORK/bad"
mkdir -p "$BAD"
$TOOL config "$BAD/feeds.json" "$PORT" 20 "http://127.0.0.1:$PORT/garbage.garbage"
(cd "$BAD" && "$BIN" run --config feeds.json --report r.json 2>"$WORK/bad.err")
rc=$?
check "a garbage feed makes the run exit 3 (got $rc)" "$(is "$rc" 3)"
check "the garbage feed is recorded failed ($(report_field "$BAD/r.json" failed) failed)" "$(is "$(report_field "$BAD/r.json" failed)" 1)"
entries=$($TOOL outputs "$BAD/public" 2>/dev/null || echo 0)
check "the other feeds still publish ($entries entries)" "$(is "$entries" 100)"
BROKEN="$WORK/broken"
mkdir -p "$BROKEN"
$TOOL config "$BROKEN/feeds.json" "$PORT" 3
python3 - "$BROKEN/feeds.json" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read().replace('"title": "Pipeline check",', '"title": "Pipeline check",,', 1)
open(path, "w").write(text)
PY
: >"$WORK/requests.log"
(cd "$BROKEN" && "$BIN" run --config feeds.json 2>"$WORK/broken.err")
rc=$?
check "a broken feeds.json exits 2 (got $rc)" "$(is "$rc" 2)"
grep -Eq 'feeds.json:[0-9]+:[0-9]+' "$WORK/broken.err"
check "its message names line and column: $(head -c 160 "$WORK/broken.err")" "$?"
check "nothing was fetched ($(wc -l <"$WORK/requests.log") requests)" "$(is "$(wc -l <"$WORK/requests.log")" 0)"

# ---------------------------------------------------------------- crash safety set-up and concurrency
echo "== two runs at once ($CRASH_FEEDS feeds)"
CRASH="$WORK/crash"
mkdir -p "$CRASH" "$WORK/www/c"
$TOOL feeds "$WORK/www/c" "$CRASH_FEEDS" 5 0
python3 - "$CRASH/feeds.json" "$PORT" "$CRASH_FEEDS" <<'PY'
import json, sys
path, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
json.dump({"title": "Crash check", "site": "https://check.example/",
           "output": {"dir": "public", "entries": 100},
           "fetch": {"concurrency": 64, "perHost": 64, "timeout": 30},
           "feeds": [{"url": f"http://127.0.0.1:{port}/c/feed{n}.xml"} for n in range(count)]}, open(path, "w"))
PY
start=$(date +%s.%N)
(cd "$CRASH" && "$BIN" run --config feeds.json 2>"$WORK/a.err"; echo "$? $(date +%s.%N)" >"$WORK/a.rc") &
run_a=$!
(cd "$CRASH" && "$BIN" run --config feeds.json 2>"$WORK/b.err"; echo "$? $(date +%s.%N)" >"$WORK/b.rc") &
run_b=$!
wait "$run_a" "$run_b"
read -r rc_a end_a <"$WORK/a.rc"
read -r rc_b end_b <"$WORK/b.rc"
codes="$(printf '%s\n' "$rc_a" "$rc_b" | sort | tr '\n' ' ')"
check "one run works, the other exits 4 (exit codes: $codes)" "$(is "$codes" "0 4 ")"
if [ "$rc_a" = 4 ]; then locked_end=$end_a; else locked_end=$end_b; fi
locked_seconds=$(python3 -c "print(f'{$locked_end - $start:.2f}')")
check "the locked run exits within a second (${locked_seconds} s)" "$(python3 -c "print(0 if $locked_end - $start < 1.0 else 1)")"
first_run=$(python3 -c "print(f'{max($end_a, $end_b) - $start:.2f}')")
echo "  first run of $CRASH_FEEDS feeds: ${first_run} s"
(cd "$CRASH" && "$BIN" run --all --config feeds.json 2>/dev/null) &
held=$!
sleep 0.3
quiet_out=$(cd "$CRASH" && "$BIN" run --quiet --config feeds.json 2>&1)
rc=$?
wait $held
check "a locked run with --quiet exits 0 and prints nothing (exit $rc, ${#quiet_out} bytes)" "$(is "$rc/${#quiet_out}" 0/0)"

# ---------------------------------------------------------------- SIGKILL at random points
echo "== SIGKILL at $CRASH_KILLS random points of a $CRASH_FEEDS-feed run"
run_seconds=$(python3 -c "import time,subprocess,sys
t=time.time(); subprocess.run([sys.argv[1],'run','--all','--quiet','--config','feeds.json'],cwd=sys.argv[2]); print(f'{time.time()-t:.2f}')" "$BIN" "$CRASH")
echo "  a whole --all run takes ${run_seconds} s"
expected=0
sound=0
valid=0
for kill_number in $(seq "$CRASH_KILLS"); do
    expected=$($TOOL bump "$WORK/www/c" $((kill_number * 37)) 60)
    delay=$(python3 -c "import random; print(f'{random.uniform(0, $run_seconds * 1.1):.3f}')")
    (cd "$CRASH" && exec "$BIN" run --all --quiet --config feeds.json 2>/dev/null) &
    victim=$!
    sleep "$delay"
    kill -9 "$victim" 2>/dev/null
    wait "$victim" 2>/dev/null
    [ "$($TOOL store "$CRASH/.tributary/tributary.sqlite" integrity)" = ok ] && sound=$((sound + 1))
    if [ ! -e "$CRASH/public/atom.xml" ] || $TOOL outputs "$CRASH/public" >/dev/null 2>&1; then valid=$((valid + 1)); fi
done
check "integrity_check ok after every kill ($sound of $CRASH_KILLS)" "$(is "$sound" "$CRASH_KILLS")"
check "outputs valid (old or new, never partial) after every kill ($valid of $CRASH_KILLS)" "$(is "$valid" "$CRASH_KILLS")"
(cd "$CRASH" && "$BIN" run --all --config feeds.json --report r.json 2>"$WORK/final.err")
rc=$?
check "the next run completes (exit $rc)" "$(is "$rc" 0)"
stored=$($TOOL store "$CRASH/.tributary/tributary.sqlite" articles)
check "no article lost ($stored stored of $expected served)" "$(is "$stored" "$expected")"
$TOOL outputs "$CRASH/public" >/dev/null
check "outputs valid after recovery" "$?"

# ---------------------------------------------------------------- disk full
echo "== disk full"
FULL="$WORK/full"
mkdir -p "$FULL" "$WORK/www/f"
$TOOL feeds "$WORK/www/f" 10 5 0
python3 - "$FULL/feeds.json" "$PORT" <<'PY'
import json, sys
json.dump({"title": "Full disk", "output": {"dir": "public"},
           "feeds": [{"url": f"http://127.0.0.1:{sys.argv[2]}/f/feed{n}.xml"} for n in range(10)]}, open(sys.argv[1], "w"))
PY
(cd "$FULL" && "$BIN" run --config feeds.json 2>/dev/null)
before="$(snapshot "$FULL/public")"
count_before=$($TOOL store "$FULL/.tributary/tributary.sqlite" articles)
$TOOL big "$WORK/www/f" 10
largest=$(du -k "$FULL/.tributary/"* "$FULL/public/"* | sort -n | tail -1 | cut -f1)
limit=$((largest + 64))
(cd "$FULL" && ulimit -f "$limit" && exec "$BIN" run --all --config feeds.json 2>"$WORK/full.err")
rc=$?
check "a full disk fails the run with exit 1 (got $rc; limit ${limit} KiB)" "$(is "$rc" 1)"
grep -Eiq 'full|too large|I/O|space' "$WORK/full.err"
check "with a clear message: $(grep -i error "$WORK/full.err" | head -1 | cut -c1-160)" "$?"
check "old outputs intact" "$(is "$before" "$(snapshot "$FULL/public")")"
check "store consistent ($($TOOL store "$FULL/.tributary/tributary.sqlite" integrity))" \
    "$(is "$($TOOL store "$FULL/.tributary/tributary.sqlite" integrity)" ok)"
check "nothing half-stored ($($TOOL store "$FULL/.tributary/tributary.sqlite" articles) of $count_before articles)" \
    "$(is "$($TOOL store "$FULL/.tributary/tributary.sqlite" articles)" "$count_before")"
(cd "$FULL" && "$BIN" run --all --config feeds.json 2>/dev/null)
rc=$?
count_after=$($TOOL store "$FULL/.tributary/tributary.sqlite" articles)
check "the next run recovers (exit $rc, $count_after articles)" "$(is "$rc/$((count_after > count_before))" 0/1)"

echo "pipeline checks: $passed passed, $failed failed"
[ "$failed" -le "$FLOOR_CHECKS_FAILED" ]
