#!/usr/bin/env bash
# Cache-busting flood (issue 9): a normal reader next to a flood, against one server.
# Server (one thread, page cache on) pinned to core 0; the reader's wrk and the flood's
# wrk both on core 1, so they share it. For the home page and the seed article:
#   reader alone           wrk, READER_CONNS keep-alive connections, DURATION s, as fast
#                          as it can (a closed loop: it saturates the server or core 1)
#   + /news?x= flood       while FLOOD_CONNS more connections send
#                          /news?x=<counter>&utm_source=<random>, a new query each request
#   + /news flood          the control: the same flood on the plain, cached /news
#   + /search?q= flood     random words of the demo articles: real variants to render
#   + /search?q= flood, one address   the same with X-Forwarded-For: 203.0.113.7 (behind
#                          the trusted same-host proxy), so the per-address limits apply
#   reader alone, after    to see the run's drift
#   nginx                  the same bytes, the same reader
# then a paced reader on / (each connection waits PACE_MS between requests: a load
# the server carries with room to spare) alone and next to the floods, and each flood
# alone. Loopback itself is exempt from the limits (--limit-loopback off), so the plain
# search flood is the worst case: in production one address gets 50 requests/s.
# Prints a Markdown table (bench/RESULTS.md, "Cache-busting flood"). Reports, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
READER_CONNS=${READER_CONNS:-10}
FLOOD_CONNS=${FLOOD_CONNS:-32}
PACE_MS=${PACE_MS:-10}
export PACE_MS
work=$(mktemp -d /tmp/visnyk-flood-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"' EXIT

cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/bench -j"$(nproc)" --target visnyk >/dev/null
bin=build/bench/visnyk
$bin init --db "$work/v.db" --media "$work/media" --demo >/dev/null 2>"$work/init.log"

V=127.0.0.1:18083
N=127.0.0.1:18084
seed=/news/na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu
# wrk is one loopback client far over the per-address limits: exempt loopback
taskset -c 0 $bin serve --db "$work/v.db" --media "$work/media" --listen $V --threads 1 \
    --log-level warn --limit-loopback off 2>"$work/server.log" &
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://$V/" && break; sleep 0.1; done

# the search flood's words: the demo articles' words of 5+ letters, lower-cased
find demo -name '*.md' -print0 | xargs -0 cat |
    perl -CSD -ne 'next if /^\s*(---|[a-z_]+:|- file:)/; print lc($_) . "\n" for /(\p{Cyrillic}{5,})/g' |
    sort -u | head -n 20000 > "$work/words.txt"

mkdir -p "$work/www"
chmod 755 "$work" # nginx's worker runs as nobody: mktemp's 0700 would make every answer a 403
curl -sf "http://$V/" > "$work/www/index.html"
curl -sf "http://$V$seed" > "$work/www/article.html"
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
        listen $N;
        root $work/www;
        location / { default_type text/html; }
    }
}
NGINX
nginx -c "$work/nginx.conf"
sleep 0.5

# wrk_line MODE CONNS SECONDS URL → "rps p50 p99 p99.9 requests non2xx errors" (flood.lua)
wrk_line() {
    FLOOD_MODE=$1 FLOOD_WORDS="$work/words.txt" timeout $(($3 + 30)) \
        taskset -c 1 wrk -t1 -c"$2" -d"$3s" -s bench/flood.lua "$4" | tail -1
}

# measure NAME URL FLOOD [READER] → "name|reader line|flood line"; FLOOD is none or a
# flood.lua mode; READER is reader (default) or paced.
# The flood starts 1 s before the reader and runs 1 s longer than it.
measure() {
    local flood="-" fpid=""
    if [ "$3" != none ]; then
        wrk_line "$3" "$FLOOD_CONNS" $((DURATION + 2)) "http://$V/" > "$work/flood.out" &
        fpid=$!
        sleep 1
    fi
    local reader
    reader=$(wrk_line "${4:-reader}" "$READER_CONNS" "$DURATION" "$2")
    if [ "$3" != none ]; then
        wait "$fpid"
        flood=$(cat "$work/flood.out")
    fi
    echo "$1|$reader|$flood"
}
# flood_alone NAME MODE → the flood with no reader
flood_alone() {
    echo "$1|-|$(wrk_line "$2" "$FLOOD_CONNS" "$DURATION" "http://$V/")"
}

# warm the cache and the connections' paths: both pages and /news, the busters' page
for u in / "$seed" /news; do
    curl -sf -o /dev/null "http://$V$u"
    wrk_line reader "$READER_CONNS" 2 "http://$V$u" >/dev/null
done

rows=()
for page in home article; do
    if [ $page = home ]; then url="http://$V/"; ngx="http://$N/"; label="/"; else url="http://$V$seed"; ngx="http://$N/article.html"; label="article"; fi
    rows+=("$(measure "$label, reader alone" "$url" none)")
    rows+=("$(measure "$label, reader + /news?x= flood" "$url" news)")
    rows+=("$(measure "$label, reader + /news flood (control)" "$url" news_plain)")
    rows+=("$(measure "$label, reader + /search?q= flood" "$url" search)")
    rows+=("$(measure "$label, reader + /search?q= flood, one address" "$url" search_xff)")
    rows+=("$(measure "$label, reader alone, after the floods" "$url" none)")
    rows+=("$(measure "$label, nginx, same bytes, reader alone" "$ngx" none)")
done
rows+=("$(measure "/ paced, reader alone" "http://$V/" none paced)")
rows+=("$(measure "/ paced, reader + /news?x= flood" "http://$V/" news paced)")
rows+=("$(measure "/ paced, reader + /search?q= flood" "http://$V/" search paced)")
rows+=("$(measure "/ paced, reader + /search?q= flood, one address" "http://$V/" search_xff paced)")
rows+=("$(flood_alone "/news?x= flood alone" news)")
rows+=("$(flood_alone "/news flood alone" news_plain)")
rows+=("$(flood_alone "/search?q= flood alone" search)")

# did the busters make cache entries? the same answer for any x, and what the log says
e1=$(curl -sI "http://$V/news?x=1&utm_source=a" | grep -i '^etag' | tr -d '\r')
e2=$(curl -sI "http://$V/news?x=999999&utm_source=b" | grep -i '^etag' | tr -d '\r')

echo "Run by \`bash bench/flood.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
echo "$(uname -sr); wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), nginx $(nginx -v 2>&1 | cut -d/ -f2) (one worker, sendfile)."
echo "Server: one thread, page cache on, pinned to core 0. Reader: wrk, ${READER_CONNS} keep-alive connections, ${DURATION} s."
echo "Flood: a second wrk, ${FLOOD_CONNS} connections, from 1 s before to 1 s after the reader. Both wrk share core 1."
echo "Paced reader: the same ${READER_CONNS} connections, each waiting ${PACE_MS} ms between requests."
echo "Search words: $(wc -l < "$work/words.txt") distinct words of the demo articles."
echo
echo "| scenario | reader rps | reader p50 | p99 | p99.9 | ratio to no-flood rps | p99 ratio | flood rps | ratio to nginx rps |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
base_rps=""; base_p99=""
for r in "${rows[@]}"; do
    IFS='|' read -r name reader flood <<<"$r"
    frps="—"
    [ "$flood" != "-" ] && frps=$(echo "$flood" | awk '{ printf "%.0f", $1; if ($6 > 0) printf " (%.1f %% non-2xx)", 100 * $6 / $5; if ($7 > 0) printf " (%d socket errors)", $7 }')
    if [ "$reader" = "-" ]; then
        echo "| $name | — | — | — | — | — | — | $frps | — |"
        continue
    fi
    read -r rps p50 p99 p999 _ non2xx errs <<<"$reader"
    case "$name" in
        *nginx*) ;;
        *"reader alone") base_rps=$rps; base_p99=$p99 ;;
    esac
    rr="—"; pr="—"
    if [[ "$name" != *nginx* ]]; then
        rr=$(awk -v a="$rps" -v b="$base_rps" 'BEGIN { printf "%.2f", a / b }')
        pr=$(awk -v a="$p99" -v b="$base_p99" 'BEGIN { printf "%.2f", a / b }')
    fi
    note=""; [ "$non2xx$errs" != "00" ] && note=" ($non2xx non-2xx, $errs socket errors)"
    echo "| $name$note | $(printf %.0f "$rps") | ${p50} ms | ${p99} ms | ${p999} ms | $rr | $pr | $frps | NGX |"
done > "$work/table"
# the nginx column: each page's reader rps over nginx's for the same page (filled in last)
awk -F'|' -v OFS='|' '
    { lines[NR] = $0 }
    /nginx, same bytes/ { split($2, a, ","); ngx[a[1]] = $3 + 0 }
    END {
        for (i = 1; i <= NR; i++) {
            $0 = lines[i]
            if ($0 ~ /NGX/) {
                split($2, a, ",")
                $10 = (a[1] in ngx) ? sprintf(" %.2f ", ($3 + 0) / ngx[a[1]]) : " — "
            }
            print
        }
    }' "$work/table"
echo
echo "Ratios: reader rps and p99 over the same page's \"reader alone\" row; nginx column: reader rps over nginx's for the same page."
echo "Flood rps: the flood wrk's requests over its whole run (the reader's ${DURATION} s plus 2 s)."
echo
echo "Check: /news?x=1&utm_source=a → $e1; /news?x=999999&utm_source=b → $e2"
echo "Server log (warnings, minus the no-mail notice): $(grep -vc 'smtp_url or mail_from' "$work/server.log" || true) lines"
grep -v 'smtp_url or mail_from' "$work/server.log" | head -5 || true
