#!/usr/bin/env bash
# bench/idle.sh [N]: what N (default 10,000) idle keep-alive connections cost in resident memory, visnyk
# (page cache on, one thread) beside nginx serving the same bytes, each after one
# request per connection. Prints a Markdown table; bench/RESULTS.md keeps it. Not a
# test: it reports, it asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
ulimit -n "$(ulimit -Hn)" # the client and each server hold N sockets
work=$(mktemp -d /tmp/visnyk-idle-XXXXXX)
chmod 755 "$work"
trap 'kill $(jobs -p) 2>/dev/null || true; nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"' EXIT
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/bench -j"$(nproc)" >/dev/null
bin=build/bench/visnyk
$bin init --db "$work/v.db" --media "$work/media" --demo >/dev/null
seed=/news/na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu
# one client address far over the per-address limits: exempt loopback (a loop takes
# HTTP_MAX_CONNECTIONS, 10,000)
$bin serve --db "$work/v.db" --media "$work/media" --listen 127.0.0.1:18091 --threads 1 \
    --log-level warn --limit-loopback off &
vpid=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null http://127.0.0.1:18091/healthz && break; sleep 0.2; done
mkdir -p "$work/www"
curl -s "http://127.0.0.1:18091$seed" >"$work/www/article.html"
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
worker_rlimit_nofile $(ulimit -Hn);
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections $((N + 100)); }
http {
    access_log off;
    sendfile on; tcp_nodelay on; gzip off;
    keepalive_timeout 300s;
    server { listen 127.0.0.1:18090; root $work/www; location / { default_type text/html; } }
}
NGINX
nginx -c "$work/nginx.conf"
sleep 0.5
# warm both: the first answers allocate what every later one reuses
for _ in 1 2 3; do curl -s -o /dev/null -o /dev/null "http://127.0.0.1:18091$seed" "http://127.0.0.1:18090/article.html"; done
read -r vb va < <(python3 bench/idle_conns.py 127.0.0.1:18091 "$seed" "$N" "$vpid")
read -r nb na < <(python3 bench/idle_conns.py 127.0.0.1:18090 /article.html "$N" "$(cat "$work/nginx.pid")")
echo "| server | RSS before | RSS with $N idle connections | per connection |"
echo "|---|---:|---:|---:|"
awk -v b="$nb" -v a="$na" -v n="$N" 'BEGIN{printf "| nginx %s | %.1f MB | %.1f MB (+%.1f MB) | %.0f B |\n", "'"$(nginx -v 2>&1 | cut -d/ -f2)"'", b/1024, a/1024, (a-b)/1024, (a-b)*1024/n}'
awk -v b="$vb" -v a="$va" -v n="$N" 'BEGIN{printf "| visnyk | %.1f MB | %.1f MB (+%.1f MB) | %.0f B |\n", b/1024, a/1024, (a-b)/1024, (a-b)*1024/n}'
