#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Assembles what run_on_gpu_node.sh needs into one folder small enough to travel with the
# working tree to a lent GPU node (its `carry` takes 64 MiB): Kermany at 224 px (42 MB), the
# patient-carved split that `cxr split` writes, and nlohmann/json.hpp for a node without the
# package. Run from the repository root after a build:
#
#   tests/bench/gpu/prepare_device_data.sh SHARED_DATA_DIR [DEST]     # DEST: .device/gpu-data
#
# then on the node, from the repository root (carry .device/gpu-data):
#
#   tests/bench/gpu/run_on_gpu_node.sh .device/gpu-data /tmp/gpu-out
set -euo pipefail
shared=$(cd "$1" && pwd)
dest=${2:-.device/gpu-data}
cxr=${CXR:-build/app/cli/cxr}
[ -x "$cxr" ] || { echo "$cxr not built: run ./setup.sh build first" >&2; exit 1; }
mkdir -p "$dest/nlohmann"
rm -rf "$dest/chest_xray_224"
cp -r "$shared/chest_xray_224" "$dest/chest_xray_224"
"$cxr" split "$dest/chest_xray_224" --val-fraction 0.1 --seed 42 --out "$dest/kermany_split.csv"
cp /usr/include/nlohmann/json.hpp "$dest/nlohmann/json.hpp"
du -sh "$dest"
