#!/usr/bin/env bash
# Installs what visnyk needs to build, run and test, from Debian's packages.
# Run as root (or through sudo). The reasons for each dependency are in README.md.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
build=(build-essential cmake pkg-config clang libclang-rt-14-dev clang-format)
libs=(libuv1-dev libhttp-parser-dev libsqlite3-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
      libvips-dev libsodium-dev zlib1g-dev libhunspell-dev hunspell-uk libjansson-dev
      libcurl4-openssl-dev libseccomp-dev libsystemd-dev libpq-dev)
tests=(python3 python3-aiosmtpd python3-feedparser sqlite3 libxml2-utils nginx wrk curl
       chromium varnish varnish-modules
       default-jre-headless  # the Nu Html Checker (npm vnu-jar) in tests/e2e/reflow.mjs
       postgresql  # pg_virtualenv: a throwaway PostgreSQL for the store's PG tests
       systemd)  # systemd-analyze verify/security on the package's units (test_package.py)
# the Debian package (scripts/package.sh, which asks for --package: build, libs and these)
pkg=(debhelper dpkg-dev lintian)
if [ "${1:-}" = "--runtime" ]; then tests=(); pkg=(); fi
if [ "${1:-}" = "--package" ]; then tests=(); fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${build[@]}" "${libs[@]}" "${pkg[@]}" \
    "${tests[@]}" >/dev/null
# The browser tests drive chromium with the npm package playwright-core; a machine that
# already has Node.js keeps it.
if [ "${#tests[@]}" -gt 0 ] && ! command -v npm >/dev/null; then
    $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
