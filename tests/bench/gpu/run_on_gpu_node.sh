#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds core/ml against PyTorch's CUDA LibTorch on a GPU node and runs the CUDA checks and
# benchmarks, writing their output to OUT_DIR. Run from the repository root:
#
#   tests/bench/gpu/run_on_gpu_node.sh DATA_DIR OUT_DIR
#
# DATA_DIR holds chest_xray_224/ (Kermany train and val JPEGs), kermany_split.csv (from
# `cxr split chest_xray_224 --val-fraction 0.1 --seed 42`) and, when the node has no
# nlohmann-json package, nlohmann/json.hpp. The node needs CMake, Ninja, a C++17 compiler and
# Python with torch, torchvision, Pillow and NumPy.
set -uo pipefail
data=$(cd "$1" && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)
build=${CXR_GPU_BUILD_DIR:-/tmp/cxr-gpu-build}
gpu=tests/bench/gpu
step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }
# CXR_GPU_STEPS picks the parts, which run in the order below whatever order it names them in
# (a lent node's time is short: "checks trainer" first, say); CXR_GPU_MODELS picks the models
# of the baselines and the trainer.
steps=" ${CXR_GPU_STEPS:-checks optimizer baselines trainer recipe} "
wants() { [[ $steps == *" $1 "* ]]; }
models=${CXR_GPU_MODELS:-vgg16 resnet18 resnet50 densenet121}

step "configure and build (LibTorch only)"
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCXR_ML_ONLY=ON \
    -DCMAKE_PREFIX_PATH="$prefix" -DCXR_JSON_INCLUDE_DIR="$data" >"$out/configure.log" 2>&1 ||
    { tail -40 "$out/configure.log"; exit 1; }
if ! ninja -C "$build" -k 0 gpu_checks bench_gpu_training bench_optimizer_step >"$out/build.log" 2>&1; then
    grep -E "error|Error" -A4 "$out/build.log" | head -60
    echo "retrying in C++20 (newer LibTorch headers require it)"
    cmake -B "$build" -DCMAKE_CXX_STANDARD=20 >>"$out/configure.log" 2>&1
    if ! ninja -C "$build" -k 0 gpu_checks bench_gpu_training bench_optimizer_step >"$out/build20.log" 2>&1; then
        grep -E "error|Error" -A4 "$out/build20.log" | head -80
        # The CUDA graphs and NCCL are the parts a CPU build cannot compile: without them the
        # rest still measures (the output says "steps: eager (this build has no CUDA graphs...").
        echo "retrying without CUDA graphs and NCCL"
        cmake -B "$build" -DCXR_CUDA_GRAPHS=OFF -DCXR_NCCL=OFF >>"$out/configure.log" 2>&1
        ninja -C "$build" -k 0 gpu_checks bench_gpu_training bench_optimizer_step >"$out/build-plain.log" 2>&1 ||
            { grep -E "error|Error" -A4 "$out/build-plain.log" | head -120; exit 1; }
    fi
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

step "tensor caches (Pillow; the node has no OpenCV)"
python3 $gpu/make_tensor_cache.py "$data/kermany_split.csv" "$data/chest_xray_224" /tmp/cxr-cache-folders --by-folder

if wants checks; then
    step "CUDA checks (captured steps against eager, data-parallel ranks, mixed precision, resume)"
    "$build/$gpu/gpu_checks" /tmp/cxr-gpu-checks 2>&1 | tee "$out/gpu_checks.txt"
fi

if wants optimizer; then
    step "The optimiser step alone: LibTorch's Adam against the multi-tensor Adam"
    "$build/$gpu/bench_optimizer_step" --device cuda 2>&1 | tee "$out/optimizer_step.txt"
fi

if wants baselines; then
    step "Python PyTorch baselines: eager and torch.compile (max-autotune with CXR_GPU_MAX_AUTOTUNE=1)"
    python3 $gpu/torch_baselines.py --batch 64 --steps ${CXR_GPU_EAGER_STEPS:-100} \
        --models "$(echo $models | tr ' ' ,)" ${CXR_GPU_MAX_AUTOTUNE:+--max-autotune} 2>&1 |
        tee "$out/torch_baselines.txt"
fi

if wants trainer; then
    step "CXR Studio: plain loop, trainer replaying CUDA graphs, trainer stepping eagerly"
    # 5216 Kermany training images, 3 channels, bf16, batch 64.
    for model in $models; do
        for graphs in on off; do
            printf -- '-- %s, CUDA graphs %s\n' "$model" "$graphs"
            "$build/$gpu/bench_gpu_training" --train /tmp/cxr-cache-folders/train.cache \
                --val /tmp/cxr-cache-folders/val.cache --model "$model" --batch 64 \
                --precision bf16 --epochs 3 --plain-steps $([ $graphs = on ] && echo 100 || echo 0) \
                $([ $graphs = off ] && echo --no-cuda-graphs) --out /tmp/cxr-$model 2>&1
        done
    done | tee "$out/trainer.txt"
fi

if wants recipe; then
    step "The recommended-gpu recipe on the patient-carved split (one channel, as cxr train)"
    python3 $gpu/make_tensor_cache.py "$data/kermany_split.csv" "$data/chest_xray_224" \
        /tmp/cxr-cache-recipe --channels 1
    epochs=${CXR_GPU_RECIPE_EPOCHS:+--epochs $CXR_GPU_RECIPE_EPOCHS}
    "$build/$gpu/bench_gpu_training" --train /tmp/cxr-cache-recipe/train.cache \
        --val /tmp/cxr-cache-recipe/val.cache --recipe recommended-gpu --precision bf16 \
        --plain-steps 50 $epochs --out /tmp/cxr-recommended-gpu 2>&1 |
        tee "$out/recommended_gpu.txt"
    # The calibrated model comes back for `cxr evaluate OUT_DIR/run-recommended-gpu
    # kermany_split.csv --split val --stress` on a machine with the whole application.
    mkdir -p "$out/run-recommended-gpu"
    cp -r /tmp/cxr-recommended-gpu/model /tmp/cxr-recommended-gpu/config.json \
        /tmp/cxr-recommended-gpu/metrics.csv "$out/run-recommended-gpu/"
fi

step "done"
