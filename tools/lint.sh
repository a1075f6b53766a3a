#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Style and static checks of the C++ sources (core/, ui/, app/, tests/), with the project's
# .clang-format and .clang-tidy.
#
#   tools/lint.sh [BASE]        the files changed since BASE (default: the branch's upstream,
#                               else HEAD~1) and those not committed yet: clang-format in check
#                               mode, then clang-tidy with BUILD_DIR/compile_commands.json
#   tools/lint.sh --format-all  clang-format in check mode over every source file
#
# Exits 1 when a file is not formatted or clang-tidy reports a warning, naming each file.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
sources_pattern='^(core|ui|app|tests)/.*\.(cpp|h)$'

for tool in clang-format clang-tidy; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "lint: $tool not found (Debian: apt-get install clang-format clang-tidy)" >&2
        exit 1
    fi
done

format_check() { # files...: lists each file clang-format would change
    local status=0 file
    for file in "$@"; do
        if ! clang-format --dry-run --Werror "$file" >/dev/null 2>&1; then
            echo "lint: $file is not formatted (clang-format -i $file)" >&2
            status=1
        fi
    done
    return $status
}

if [ "${1:-}" = "--format-all" ]; then
    mapfile -t files < <(git ls-files | grep -E "$sources_pattern" || true)
    format_check "${files[@]}"
    echo "lint: ${#files[@]} files formatted as .clang-format says" >&2
    exit 0
fi

base="${1:-}"
if [ -z "$base" ]; then
    base=$(git rev-parse --abbrev-ref --symbolic-full-name '@{upstream}' 2>/dev/null || echo HEAD~1)
fi
mapfile -t files < <({ git diff --name-only --diff-filter=d "$base" -- ; git ls-files --others --exclude-standard; } |
                     sort -u | grep -E "$sources_pattern" || true)
if [ "${#files[@]}" -eq 0 ]; then
    echo "lint: no C++ file changed since $base" >&2
    exit 0
fi
status=0
format_check "${files[@]}" || status=1

if [ ! -f "$build_dir/compile_commands.json" ]; then
    echo "lint: $build_dir/compile_commands.json missing; run ./setup.sh build first" >&2
    exit 1
fi
# The build's precompiled headers are GCC's, which clang-tidy cannot read: it gets the compile
# commands without them (each file includes what it uses; the PCH only speeds GCC up).
tidy_db=$(mktemp -d)
trap 'rm -rf "$tidy_db"' EXIT
sed -E 's# -Winvalid-pch##g; s# -include [^ ]*cmake_pch\.hxx##g' \
    "$build_dir/compile_commands.json" >"$tidy_db/compile_commands.json"
# clang-tidy reads translation units; a changed header is checked through the files that
# include it (HeaderFilterRegex in .clang-tidy), so only .cpp files are passed. The
# architecture check's fixture tree is not compiled.
for file in "${files[@]}"; do
    case "$file" in
    tests/architecture_fixture/*) ;;
    *.cpp)
        if ! clang-tidy -p "$tidy_db" --quiet --warnings-as-errors='*' "$file" 2>/dev/null; then
            echo "lint: clang-tidy found problems in $file" >&2
            status=1
        fi
        ;;
    esac
done
[ $status -eq 0 ] && echo "lint: ${#files[@]} changed files clean" >&2
exit $status
