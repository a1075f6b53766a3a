// SPDX-License-Identifier: MIT
// Full-resolution radiograph JPEG -> 224x224 model input: reduced-size decode (libjpeg DCT
// scaling, what CXR Studio does) against full decode followed by resize (the baseline), one
// thread, same files, same run. Also checks the two inputs are the same class of output.
#include "core/imaging/model_input.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_decode FOLDER_OF_JPEGS\n");
        return 2;
    }
    cv::setNumThreads(1); // per-core figures
    std::vector<fs::path> files;
    for (const auto &entry : fs::recursive_directory_iterator(argv[1])) {
        const auto ext = entry.path().extension();
        if (ext == ".jpeg" || ext == ".jpg") {
            files.push_back(entry.path());
        }
    }
    const cxr::imaging::ModelInputSpec spec; // 224, grey
    constexpr int kRounds = 3;

    double reducedSeconds = 0;
    double fullSeconds = 0;
    double meanAbsoluteDifference = 0;
    for (int round = 0; round < kRounds; ++round) {
        for (const fs::path &file : files) {
            auto start = Clock::now();
            auto reduced = cxr::imaging::loadModelInput(file, spec);
            reducedSeconds += std::chrono::duration<double>(Clock::now() - start).count();

            start = Clock::now();
            cv::Mat full = cv::imread(file.string(), cv::IMREAD_GRAYSCALE);
            cv::Mat resized;
            cv::resize(full, resized, cv::Size(spec.size, spec.size), 0, 0, cv::INTER_AREA);
            fullSeconds += std::chrono::duration<double>(Clock::now() - start).count();

            if (round == 0 && reduced) {
                double sum = 0;
                for (int i = 0; i < spec.size * spec.size; ++i) {
                    sum += std::abs((*reduced)[std::size_t(i)] - resized.data[i] / 255.0);
                }
                meanAbsoluteDifference += sum / (spec.size * spec.size);
            }
        }
    }
    const double n = double(files.size()) * kRounds;
    std::printf("files: %zu, rounds: %d, one thread\n", files.size(), kRounds);
    std::printf("reduced decode + resize : %7.1f images/s per core\n", n / reducedSeconds);
    std::printf("full decode + resize    : %7.1f images/s per core (baseline)\n", n / fullSeconds);
    std::printf("speed-up                : %7.2fx\n", fullSeconds / reducedSeconds);
    std::printf("mean |difference|       : %7.4f of full scale\n",
                meanAbsoluteDifference / double(files.size()));
    return 0;
}
