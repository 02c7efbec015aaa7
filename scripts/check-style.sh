#!/usr/bin/env bash
# House checks (../shared/STYLE.md): no banned C string functions in src/.
set -euo pipefail
cd "$(dirname "$0")/.."
banned='\b(strcpy|strcat|sprintf|vsprintf|strncpy|strncat|strtok|gets|atoi|atol|sscanf)[[:space:]]*\('
if grep -rnE "$banned" src/ tests/unit fuzz/ 2>/dev/null; then
    echo "check-style: the functions above are banned (see ../shared/STYLE.md); use buf_appendf, str_to_i64, str_split_next" >&2
    exit 1
fi
echo "check-style: ok"
