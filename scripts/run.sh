#!/usr/bin/env bash
# The main job on the bundled sample feeds: installs what is missing, builds, runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build-release.sh
.build/release/tributary run --config feeds.json "$@"
