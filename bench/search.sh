#!/bin/sh
# bench/search.sh [N] [ROUNDS]: search latency with N articles (default 100000).
# Builds visnyk in Release, makes the demo database, generates N articles from the demo
# articles' paragraphs through store_article_upsert (so the FTS triggers and the
# tokenizer do the indexing, as in production), then runs bench/search_bench.c's query
# set ROUNDS times on a read-only connection and prints p50/p90/p99/max.
# Results go in bench/RESULTS.md under "## Search".
set -eu
N=${1:-100000}
ROUNDS=${2:-20}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build/bench-release}
CMAKE_FLAGS=${CMAKE_FLAGS:-}
WORK=$(mktemp -d /tmp/visnyk-search-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM

cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release ${CMAKE_FLAGS:+"$CMAKE_FLAGS"} >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target visnyk >/dev/null
(cd "$SRC" && "$BUILD/visnyk" init --db "$WORK/demo.db" --media "$WORK/media" --demo >/dev/null)
# shellcheck disable=SC2046
cc -std=c17 -O2 -D_GNU_SOURCE -I"$SRC/src" "$SRC/bench/search_bench.c" -o "$WORK/search_bench" \
    "$BUILD/libvisnyk_lib.a" $(pkg-config --libs libuv sqlite3 libcmark-gfm zlib libsodium \
    hunspell jansson libcurl libseccomp vips) -lhttp_parser -lcmark-gfm-extensions -lpthread -lm

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "sqlite $(pkg-config --modversion sqlite3), $N articles"
"$WORK/search_bench" generate "$WORK/demo.db" "$WORK/big.db" "$N"
echo "database: $(du -h "$WORK/big.db" | cut -f1)"
"$WORK/search_bench" query "$WORK/big.db" "$ROUNDS"
