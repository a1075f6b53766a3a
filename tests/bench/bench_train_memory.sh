#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Memory while training, at 1x and 4x the images: `cxr train` (small-cnn, one epoch, 64 px so
# that it takes a minute) on a manifest that lists every image of DATASET once, then four
# times. Reads the process's peak private memory (RssAnon) and peak file-backed memory
# (RssFile: the memory-mapped tensor cache, which the OS can drop and reread) from /proc.
# Each size runs twice: the first builds the cache, the second trains from it. Then
# `cxr cache --size 224` builds the full-size cache at both sizes, where holding the decoded
# split in memory would show (50 KB per image).
# Usage: bench_train_memory.sh CXR DATASET   (DATASET in split/CLASS/files layout)
set -euo pipefail
cxr="${1:?usage: $0 CXR DATASET}"
dataset="${2:?usage: $0 CXR DATASET}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

{
    echo "path,label,split"
    # .../SPLIT/CLASS/FILE -> FILE,CLASS,SPLIT
    find "$(cd "$dataset" && pwd)" -mindepth 3 -maxdepth 3 -type f | sort |
        awk -F/ '{ print $0 "," $(NF - 1) "," $(NF - 2) }'
} > "$work/1x.csv"
{
    head -1 "$work/1x.csv"
    for _ in 1 2 3 4; do tail -n +2 "$work/1x.csv"; done
} > "$work/4x.csv"

peak_memory() { # log-name command...: runs it, prints "anon-MiB file-MiB seconds"
    local anon=0 file=0 start=$SECONDS log="$work/$1.log"
    shift
    "$@" > "$log" 2>&1 &
    local pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        local a f
        a=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        f=$(awk '/^RssFile/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        [ "${a:-0}" -gt "$anon" ] && anon=$a
        [ "${f:-0}" -gt "$file" ] && file=$f
        sleep 0.2
    done
    wait "$pid" || { echo "$* failed:" >&2; tail -5 "$log" >&2; exit 1; }
    echo "$((anon / 1024)) $((file / 1024)) $((SECONDS - start))"
}

train() { # manifest run-name
    peak_memory "$2" "$cxr" train "$1" --model small-cnn --epochs 1 --batch 32 --input-size 64 \
        --cache-dir "$work/cache" --out "$work/$2"
}
for size in 1x 4x; do
    images=$(($(wc -l < "$work/$size.csv") - 1))
    read -r anon file seconds < <(train "$work/$size.csv" "$size-build")
    echo "$size ($images images), building the cache: peak private $anon MiB, peak file-backed $file MiB ($seconds s)"
    read -r anon file seconds < <(train "$work/$size.csv" "$size-cached")
    echo "$size ($images images), from the cache:     peak private $anon MiB, peak file-backed $file MiB ($seconds s)"
    eval "anon_$size=$anon"
done
for size in 1x 4x; do
    read -r anon file seconds < <(peak_memory "$size-cache224" "$cxr" cache "$work/$size.csv" \
        --size 224 --cache-dir "$work/cache224")
    echo "$size: cxr cache --size 224: peak private $anon MiB, peak file-backed $file MiB ($seconds s)"
done
awk -v a="$anon_1x" -v b="$anon_4x" -v n="$images" 'BEGIN {
    printf "private memory from the cache, 4x over 1x: %.2fx (%.2f KB per added image)\n",
           b / a, (b - a) * 1024 / (n * 3 / 4) }'
