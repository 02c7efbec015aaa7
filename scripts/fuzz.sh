#!/usr/bin/env bash
# Runs the libFuzzer targets (fuzz/fuzz_<name>.c) and reports, per target, executions,
# executions per second, final coverage (libFuzzer's cov:/ft:) and crashes.
#
#   scripts/fuzz.sh [SECONDS] [NAME...]   every target (or the named ones) SECONDS each,
#                                         default 60; builds build/fuzz with clang first
#   scripts/fuzz.sh --list                the target names
#   scripts/fuzz.sh --ctest BIN NAME SECONDS RUNS
#                                         what CTest runs (ctest -L fuzz): replay the
#                                         seed corpus and the regressions, then fuzz
#                                         briefly; fails on any crash
#
# Environment: VISNYK_FUZZ_BUILD (build folder, default build/fuzz), VISNYK_FUZZ_JOBS
# (targets run side by side, default 1), VISNYK_FUZZ_ARGS (more libFuzzer flags).
#
# Inputs libFuzzer finds go to <build>/fuzz-work/<name>/corpus (kept between runs, never
# into the sources); crashes to <build>/fuzz-work/<name>/crashes/. To keep a crash as a
# regression, copy it to fuzz/regressions/<name>/ once it is fixed: CI replays it.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)

# Flags every run shares: a slow input (10 s) is a finding too; no huge inputs.
common_flags=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1)

# extra_flags NAME: the target's dictionary and options file, when present.
extra_flags() {
    local name=$1
    [ -f "$src/fuzz/dict/$name.dict" ] && printf '%s\n' "-dict=$src/fuzz/dict/$name.dict"
    [ -f "$src/fuzz/options/$name.options" ] && grep -v '^#' "$src/fuzz/options/$name.options"
    return 0
}

# corpus_dirs NAME: the read-only seed folders that exist.
corpus_dirs() {
    local name=$1 d
    for d in "$src/fuzz/corpus/$name" "$src/fuzz/regressions/$name"; do
        [ -d "$d" ] && printf '%s\n' "$d"
    done
    return 0
}

if [ "${1:-}" = --ctest ]; then
    bin=$2 name=$3 seconds=$4 runs=$5
    work=${VISNYK_FUZZ_WORK:-$PWD/fuzz-work}/$name
    rm -rf "$work/ci"
    mkdir -p "$work/ci/corpus" "$work/ci/crashes"
    mapfile -t extra < <(extra_flags "$name")
    mapfile -t seeds < <(corpus_dirs "$name")
    # The first folder receives new inputs, so it is a scratch one; the seeds and the
    # regressions are read (every file runs once) before fuzzing starts.
    "$bin" "${common_flags[@]}" "${extra[@]}" -max_total_time="$seconds" -runs="$runs" \
        -artifact_prefix="$work/ci/crashes/" "$work/ci/corpus" "${seeds[@]}" 2>"$work/ci/log"
    rc=$?
    tail -n 30 "$work/ci/log"
    if [ $rc -ne 0 ]; then
        echo "fuzz_$name: failed (exit $rc); reproducer(s) in $work/ci/crashes/" >&2
        ls -l "$work/ci/crashes/" >&2
    fi
    exit $rc
fi

build=${VISNYK_FUZZ_BUILD:-$src/build/fuzz}

if [ "${1:-}" = --list ]; then
    for f in "$src"/fuzz/fuzz_*.c; do
        basename "$f" .c | sed 's/^fuzz_//'
    done
    exit 0
fi

seconds=60
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
    seconds=$1
    shift
fi
if [ $# -gt 0 ]; then
    names=("$@")
else
    mapfile -t names < <(bash "$0" --list)
fi

if ! command -v clang >/dev/null; then
    echo "fuzz.sh: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2
    exit 2
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVISNYK_FUZZ=ON \
        >/dev/null || exit 2
fi
targets=()
for n in "${names[@]}"; do targets+=("fuzz_$n"); done
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >/dev/null || {
    echo "fuzz.sh: build failed; run: cmake --build $build --target ${targets[*]}" >&2
    exit 2
}

# run_one NAME: fuzz one target for $seconds; its summary line goes to its work folder.
run_one() {
    local name=$1 work="$build/fuzz-work/$1" rc
    local crashdir
    crashdir="$work/crashes/$(date +%Y%m%d-%H%M%S)"
    mkdir -p "$work/corpus" "$crashdir"
    local -a extra seeds
    mapfile -t extra < <(extra_flags "$name")
    mapfile -t seeds < <(corpus_dirs "$name")
    # shellcheck disable=SC2086
    "$build/fuzz_$name" "${common_flags[@]}" "${extra[@]}" ${VISNYK_FUZZ_ARGS:-} \
        -max_total_time="$seconds" -artifact_prefix="$crashdir/" \
        "$work/corpus" "${seeds[@]}" >"$work/log" 2>&1
    rc=$?
    # Figures from libFuzzer's last status line and its final stats.
    local last execs eps cov ft crashes
    last=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1)
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$work/log" | grep -oE '[0-9]+$')
    [ -n "$execs" ] || execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
    eps=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$work/log" | grep -oE '[0-9]+$')
    [ -n "$eps" ] || eps=$(sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$last")
    cov=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$last")
    crashes=$(find "$crashdir" -type f | wc -l)
    [ "$crashes" -gt 0 ] || rmdir "$crashdir"
    local status=ok
    [ $rc -eq 0 ] || status="FAILED (exit $rc, see $work/log)"
    printf '%-16s %12s %9s %7s %8s %8s  %s\n' "$name" "${execs:-?}" "${eps:-?}" "${cov:-?}" \
        "${ft:-?}" "$crashes" "$status" >"$work/summary"
    return $rc
}

jobs=${VISNYK_FUZZ_JOBS:-1}
echo "fuzzing ${#names[@]} target(s), ${seconds} s each, $jobs at a time (build: $build)"
failed=0
pids=()
for n in "${names[@]}"; do
    run_one "$n" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$jobs" ]; then
        wait "${pids[0]}" || failed=1
        pids=("${pids[@]:1}")
    fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done

printf '%-16s %12s %9s %7s %8s %8s  %s\n' target executions exec/s cov ft crashes status
for n in "${names[@]}"; do cat "$build/fuzz-work/$n/summary"; done
[ $failed -eq 0 ] || echo "crash reproducers: $build/fuzz-work/<name>/crashes/"
exit $failed
