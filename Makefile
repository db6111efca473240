.PHONY: run test build fuzz bench

# The main job on the bundled sample feeds (works offline).
run:
	scripts/run.sh

# Everything CI runs: strict build, lint, unit tests, conformance checks.
test:
	scripts/test.sh

build:
	scripts/build-release.sh

# Benchmarks (separate package in Benchmarks/, built in release by the benchmark plugin).
bench:
	scripts/install-deps.sh
	cd Benchmarks && swift package --allow-writing-to-package-directory benchmark

# libFuzzer runs of the parser and the sanitiser (SECONDS per target, default 600).
fuzz:
	scripts/fuzz.sh $${SECONDS_PER_TARGET:-600}
