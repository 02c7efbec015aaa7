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
# The browser tests' driver (playwright-core, pinned in tests/e2e/package-lock.json; the
# browser is Debian's chromium). No registry means no e2e tests: say so and stop.
if [ "${VISNYK_SKIP_NPM:-}" != 1 ]; then
    (cd tests/e2e && npm ci --no-audit --no-fund) || {
        echo "error: 'npm ci' in tests/e2e failed: the end-to-end tests need playwright-core" \
             "from the npm registry (and /usr/bin/chromium)" >&2
        exit 1
    }
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== tests, release build"
(cd build/release && ctest --output-on-failure -j"$jobs")
echo "== tests, ASan + UBSan build"
# The release run above kills the server 200 times in the durability test, with article
# imports and subscriptions as writers; under ASan a restart costs ~1 s more, so this run
# does 50 kills with the import writers only (see tests/integration/test_durability.py).
(cd build/asan && VISNYK_DURABILITY_KILLS=50 VISNYK_DURABILITY_HTTP_WRITERS=0 \
    ctest --output-on-failure -j"$jobs")
# Fuzz targets (clang + libFuzzer, fuzz/): replay every seed corpus and every kept crash
# (fuzz/regressions/), then fuzz each target a few seconds. Only the fuzz targets are
# built here; scripts/fuzz.sh runs them longer. VISNYK_SKIP_FUZZ=1 skips this step.
if [ "${VISNYK_SKIP_FUZZ:-}" != 1 ]; then
    echo "== fuzz targets: corpus replay and short runs"
    CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVISNYK_FUZZ=ON >/dev/null
    cmake --build build/fuzz -j"$jobs" --target fuzz_all
    (cd build/fuzz && ctest -L fuzz --output-on-failure -j"$jobs")
fi
