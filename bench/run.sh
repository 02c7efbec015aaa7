#!/usr/bin/env bash
# Load benchmark: visnyk against nginx serving the same bytes, side by side in one run.
# Server pinned to core 0, wrk to core 1 (2-core machine), keep-alive, 100 connections.
# Writes bench/RESULTS.md. Not a test: it reports, it asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNS=${CONNS:-100}
work=$(mktemp -d /tmp/visnyk-bench-XXXXXX)
chmod 755 "$work" # nginx's worker runs as nobody: mktemp's 0700 made every answer a 403
trap 'kill $(jobs -p) 2>/dev/null || true; nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"' EXIT

cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/bench -j"$(nproc)" >/dev/null
bin=build/bench/visnyk
$bin init --db "$work/v.db" --media "$work/media" --demo >/dev/null

seed=/news/na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu
# wrk is one loopback client far over the per-address limits: exempt loopback. The deep
# list page carries a query (?after=), so the bound on renders of distinct queries
# (query_renders_per_second) would answer most of its requests with 503: this bench
# measures the render itself, so the bound is off (bench/flood.sh measures the bound).
export VISNYK_QUERY_RENDERS_PER_SECOND=0
taskset -c 0 $bin serve --db "$work/v.db" --media "$work/media" --listen 127.0.0.1:18081 --threads 1 --log-level warn --limit-loopback off &
taskset -c 0 $bin serve --db "$work/v.db" --media "$work/media" --listen 127.0.0.1:18082 --threads 1 --no-page-cache --log-level warn --limit-loopback off &
sleep 1

# A list page deep in the archive: follow the "older" links to page 15 (the demo has
# ~330 articles; the query cost is the same at any depth with keyset pagination).
deep=/news
for _ in $(seq 1 15); do
    next=$(curl -s "http://127.0.0.1:18082$deep" | grep -o 'href="/news?after=[0-9.]*"' | tail -1 | cut -d'"' -f2)
    [ -n "$next" ] && deep=$next
done

mkdir -p "$work/www"
curl -s "http://127.0.0.1:18081$seed" > "$work/www/article.html"
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
worker_cpu_affinity 01;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on; tcp_nopush on; tcp_nodelay on;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:18080;
        root $work/www;
        location / { default_type text/html; }
    }
}
NGINX
nginx -c "$work/nginx.conf"
sleep 0.5

# run NAME URL → one line "name rps p50 p99"
run() {
    local out
    out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$2")
    local rps p50 p99
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    echo "$1|$rps|$p50|$p99"
}

results=()
results+=("$(run "nginx, static file (same bytes)" "http://127.0.0.1:18080/article.html")")
results+=("$(run "visnyk, article, page cache" "http://127.0.0.1:18081$seed")")
results+=("$(run "visnyk, article, no page cache (SQLite + templates)" "http://127.0.0.1:18082$seed")")
results+=("$(run "visnyk, /news deep page, no page cache" "http://127.0.0.1:18082$deep")")

nginx_rps=$(echo "${results[0]}" | cut -d'|' -f2)
# The page benchmark owns the top of RESULTS.md; other sections (## Search, written by
# bench/search.sh) are kept as they are.
other=""
[ -f bench/RESULTS.md ] && other=$(sed -n '/^## Search/,$p' bench/RESULTS.md)
{
    echo "# Benchmark results"
    echo
    echo "## Pages"
    echo "Run by \`bench/run.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
    echo "$(uname -sr). Server pinned to core 0, wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}') to core 1,"
    echo "one thread, ${CONNS} keep-alive connections, ${DURATION} s each; nginx $(nginx -v 2>&1 | cut -d/ -f2) with one worker and sendfile."
    echo "Article page: $(wc -c < "$work/www/article.html") bytes of HTML (identity; neither side compresses)."
    echo "Deep list page: \`$deep\`."
    echo
    echo "| what | requests/s | p50 | p99 | ratio to nginx |"
    echo "|---|---:|---:|---:|---:|"
    for r in "${results[@]}"; do
        IFS='|' read -r name rps p50 p99 <<<"$r"
        ratio=$(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a / b }')
        echo "| $name | $rps | $p50 | $p99 | $ratio |"
    done
    echo
    echo "Ratios are visnyk's requests/s over nginx's in the same run."
    if [ -n "$other" ]; then echo; echo "$other"; fi
} > bench/RESULTS.md.new
mv bench/RESULTS.md.new bench/RESULTS.md
cat bench/RESULTS.md
