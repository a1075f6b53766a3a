#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Data-parallel scaling on this machine's CPU: `cxr train` as 1 process bound to one core
# (the baseline), as 2 ranks (Gloo on loopback, one core's worth of threads each), and as 1
# process on every core, on the same images and settings (ResNet-18 at 64 px, batch 32 per
# rank, one epoch, no augmentation). Prints images/s (training steps only: from the run's own
# rank_images_per_second, or its steps for one process) and the scaling efficiency:
# 2-rank images/s / (2 x the 1-core baseline's). Then 2 ranks again with --sync-batch-norm
# (ResNet-18's 20 batch norm layers share their statistics every step): its cost against the
# unsynchronised 2 ranks.
# Usage: bench_data_parallel.sh CXR DATASET [EPOCHS]
set -euo pipefail
cxr="${1:?usage: $0 CXR DATASET [EPOCHS]}"
dataset="${2:?usage: $0 CXR DATASET [EPOCHS]}"
epochs="${3:-1}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common=(--model resnet18 --input-size 64 --batch 32 --epochs "$epochs" --device cpu --seed 7
    --cache-dir "$work/cache" --json)
unset RANK WORLD_SIZE LOCAL_RANK LOCAL_WORLD_SIZE MASTER_ADDR MASTER_PORT

"$cxr" cache "$dataset" --size 64 --cache-dir "$work/cache" >/dev/null 2>&1 || true
start=$(date +%s%N)
taskset -c 0 "$cxr" train "$dataset" "${common[@]}" --out "$work/one-core" > "$work/one-core.log" 2>&1
one_core=$(( ($(date +%s%N) - start) / 1000000 ))
start=$(date +%s%N)
"$cxr" train "$dataset" "${common[@]}" --out "$work/all-cores" > "$work/all-cores.log" 2>&1
all_cores=$(( ($(date +%s%N) - start) / 1000000 ))
start=$(date +%s%N)
for rank in 0 1; do
    RANK=$rank LOCAL_RANK=$rank WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29731 \
        "$cxr" train "$dataset" "${common[@]}" --out "$work/two-ranks" > "$work/rank-$rank.log" 2>&1 &
done
wait
two_ranks=$(( ($(date +%s%N) - start) / 1000000 ))
start=$(date +%s%N)
for rank in 0 1; do
    RANK=$rank LOCAL_RANK=$rank WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29732 \
        "$cxr" train "$dataset" "${common[@]}" --sync-batch-norm --out "$work/two-synced" \
        > "$work/synced-$rank.log" 2>&1 &
done
wait
two_synced=$(( ($(date +%s%N) - start) / 1000000 ))

python3 - "$work" "$one_core" "$all_cores" "$two_ranks" "$two_synced" <<'PY'
import csv, json, os, sys
work = sys.argv[1]
one, everything, two, synced = (float(x) / 1000 for x in sys.argv[2:])
def steps_rate(run):
    # steps.csv's last images_per_second: since the process started training.
    rows = list(csv.DictReader(open(os.path.join(work, run, "steps.csv"))))
    return float(rows[-1]["images_per_second"])
def epoch_seconds(log):
    return sum(json.loads(l)["seconds"] for l in open(os.path.join(work, log)) if '"event":"epoch"' in l)
def rank_rates(log):
    finished = [json.loads(l) for l in open(os.path.join(work, log)) if '"event":"finished"' in l][0]
    return finished["rank_images_per_second"]
ranks = rank_rates("rank-0.log")
synced_ranks = rank_rates("synced-0.log")
base = steps_rate("one-core")
print(f"1 process, 1 core (taskset)  : {base:7.1f} images/s  epochs {epoch_seconds('one-core.log'):6.1f} s  wall {one:6.1f} s (baseline)")
print(f"1 process, all cores         : {steps_rate('all-cores'):7.1f} images/s  epochs {epoch_seconds('all-cores.log'):6.1f} s  wall {everything:6.1f} s")
print(f"2 ranks (Gloo, loopback)     : {sum(ranks):7.1f} images/s  epochs {epoch_seconds('rank-0.log'):6.1f} s  wall {two:6.1f} s  per rank {', '.join(f'{r:.1f}' for r in ranks)}")
print(f"scaling efficiency, 2 ranks  : {sum(ranks) / (2 * base):.2f} (2-rank images/s / 2 x the 1-core baseline)")
print(f"2 ranks against 1 process on all cores: {sum(ranks) / steps_rate('all-cores'):.2f}x")
print(f"2 ranks, synchronised batch norm: {sum(synced_ranks):7.1f} images/s  epochs {epoch_seconds('synced-0.log'):6.1f} s  wall {synced:6.1f} s  per rank {', '.join(f'{r:.1f}' for r in synced_ranks)}")
print(f"synchronised batch norm against 2 ranks without: {sum(synced_ranks) / sum(ranks):.2f}x")
PY
