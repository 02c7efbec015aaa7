#!/usr/bin/env bash
# House checks (../shared/STYLE.md, docs/STYLE.md): no banned C string functions; modules
# include only modules below them; every test file reports its checks.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

banned='\b(strcpy|strcat|sprintf|vsprintf|strncpy|strncat|strtok|gets|atoi|atol|sscanf)[[:space:]]*\('
if grep -rnE "$banned" src/ tests/unit fuzz/ 2>/dev/null; then
    echo "check-style: the functions above are banned (see docs/STYLE.md); use buf_appendf, str_to_i64, str_split_next" >&2
    status=1
fi

# The layers of src/, lowest first. A file may include headers of its own folder and of
# folders in a lower layer only: core knows nothing of HTTP, the store nothing of pages,
# and the CLI is the only place where everything meets. A new folder must be placed here.
declare -A layer=(
    [core]=0 [net]=0
    [http]=1 [render]=1 [media]=1
    [search]=2 [config]=2
    [store]=3
    [cdn]=4 [mail]=4 [sign]=4 [alert]=4
    [site]=5 [api]=5 [import]=5
    [admin]=6 [export]=6
    [cli]=7
)
for dir in src/*/; do
    mod=$(basename "$dir")
    if [ -z "${layer[$mod]+x}" ]; then
        echo "check-style: src/$mod/ has no layer; add it to the table in scripts/check-style.sh" >&2
        status=1
        continue
    fi
    while IFS=: read -r file line inc; do
        dep=${inc#*\"}
        dep=${dep%%/*}
        [ "$dep" = "$mod" ] && continue
        if [ -z "${layer[$dep]+x}" ] || [ "${layer[$dep]}" -ge "${layer[$mod]}" ]; then
            echo "$file:$line: $mod/ (layer ${layer[$mod]}) includes $dep/ (layer ${layer[$dep]:-?}): upward or sideways" >&2
            status=1
        fi
    done < <(grep -nE '^#include "[a-z_]+/' "$dir"*.[ch] || true)
done

# The layout .clang-format describes (`clang-format -i FILE` fixes a file). Without
# clang-format (a machine that only runs the demo) this check says so and is skipped.
if command -v clang-format >/dev/null; then
    unformatted=$(git ls-files 'src/*.[ch]' 'tests/unit/*.[ch]' 'fuzz/*.[ch]' 2>/dev/null |
        while read -r f; do
            clang-format --dry-run "$f" 2>&1 | grep -q . && echo "$f"
        done || true)
    if [ -n "$unformatted" ]; then
        echo "check-style: not formatted as .clang-format says (run clang-format -i on them):" >&2
        echo "$unformatted" >&2
        status=1
    fi
else
    echo "check-style: clang-format not installed; formatting not checked" >&2
fi

# A test that checked nothing must not pass: unit tests end in check_done() (which fails
# on zero checks), integration tests in done() (likewise).
for f in tests/unit/*/*.c; do
    grep -q 'check_done()' "$f" || { echo "check-style: $f never calls check_done()" >&2; status=1; }
done
for f in tests/integration/test_*.py; do
    grep -qE '^\s*done\(\)' "$f" || { echo "check-style: $f never calls done()" >&2; status=1; }
done

[ "$status" = 0 ] && echo "check-style: ok"
exit "$status"
