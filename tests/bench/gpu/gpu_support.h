// SPDX-License-Identifier: MIT
#pragma once

// Shared by the GPU node programs (bench_gpu_training, gpu_checks): they build with LibTorch
// alone, so they read tensor caches written elsewhere and make their own synthetic data.

#include "core/common/tensor_cache_file.h"
#include "core/ml/trainer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

namespace cxr::gpu {

// A tensor cache whatever its key: these programs did not build it and have no file list.
inline Result<ImageArrays> readCacheFile(const std::string &path)
{
    std::ifstream file(path, std::ios::binary);
    char header[32] = {};
    std::uint64_t key = 0;
    if (file.read(header, sizeof header)) {
        std::memcpy(&key, header + 24, sizeof key);
    }
    return readTensorCache(path, key);
}

// Two classes a small CNN separates within an epoch: a bright disc (class 1) or none, in noise.
inline ImageArrays syntheticDiscs(int count, int side, std::uint64_t seed)
{
    std::mt19937_64 random(seed);
    std::normal_distribution<double> noise(90, 25);
    std::vector<std::uint8_t> pixels(std::size_t(count) * side * side);
    ImageArrays arrays;
    arrays.height = arrays.width = side;
    for (int i = 0; i < count; ++i) {
        const int label = i % 2;
        const double cx = side * (0.3 + 0.4 * std::uniform_real_distribution<>(0, 1)(random));
        const double cy = side * (0.3 + 0.4 * std::uniform_real_distribution<>(0, 1)(random));
        for (int y = 0; y < side; ++y) {
            for (int x = 0; x < side; ++x) {
                const bool inDisc =
                    label == 1 && (x - cx) * (x - cx) + (y - cy) * (y - cy) < side * side / 36.0;
                const double level = noise(random) + (inDisc ? 110 : 0);
                pixels[(std::size_t(i) * side + y) * side + x] =
                    std::uint8_t(std::clamp(level, 0.0, 255.0));
            }
        }
        arrays.labels.push_back(label);
    }
    arrays.pixels = PixelBuffer(std::move(pixels));
    return arrays;
}

// A two-class model of the zoo at 224 px (NORMAL, PNEUMONIA).
inline ml::ModelSpec kermanySpec(const std::string &architecture, int channels)
{
    ml::ModelSpec spec;
    spec.architecture = architecture;
    spec.channels = channels;
    spec.inputSize = 224;
    spec.classNames = {"NORMAL", "PNEUMONIA"};
    return spec;
}

inline double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace cxr::gpu
