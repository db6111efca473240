#!/usr/bin/env bash
# Installs the system packages Tributary builds and tests with, when any is missing.
# Runs as root, or through sudo when it is there.
set -euo pipefail

# libgoogle-perftools-dev: tcmalloc, the allocator the tributary program is linked with (see Package.swift).
packages=(libcurl4-openssl-dev libxml2-dev libsqlite3-dev libgoogle-perftools-dev pkg-config)
if [ "${1:-}" = "--test" ]; then
    # Real peers the tests talk to: a feed reader, a web server, xmllint for the RELAX NG check;
    # python3 and openssl for the fetcher's fault-injection server and its self-signed certificate.
    packages+=(newsboat nginx libxml2-utils python3 openssl)
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--test" ]; then
    # Python peers for the conformance and interoperability checks.
    python3 -m pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
fi
