#!/usr/bin/env bash
# The test command: installs the dependencies, then builds and runs every test twice,
# once as released and once under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${VISNYK_SKIP_DEPS:-}" = 1 ] || bash scripts/install-deps.sh
bash scripts/check-style.sh
jobs=$(nproc)
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j"$jobs"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DVISNYK_SANITIZE=ON >/dev/null
cmake --build build/asan -j"$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== tests, release build"
(cd build/release && ctest --output-on-failure -j"$jobs")
echo "== tests, ASan + UBSan build"
(cd build/asan && ctest --output-on-failure -j"$jobs")
