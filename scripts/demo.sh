#!/usr/bin/env bash
# The newcomer's command: install, build, create a database with the demo content and
# serve it at http://127.0.0.1:8080 (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --runtime
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
[ -f visnyk.db ] || ./build/visnyk init --db visnyk.db --media media --demo
echo "visnyk: open http://127.0.0.1:8080"
exec ./build/visnyk serve --db visnyk.db --media media --listen 127.0.0.1:8080
