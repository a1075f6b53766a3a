// SPDX-License-Identifier: MIT
// small-cnn training throughput on the CPU (224 px, batch 32) through the real trainer.
// With CXR_BENCH_DEFAULT_MALLOC=1 the glibc allocator keeps its defaults: the baseline for the
// allocator tuning that cxr and cxr-studio apply at start.
#include "core/common/allocator_tuning.h"
#include "core/data/dataset_scanner.h"
#include "core/data/split_loader.h"
#include "core/ml/run_folder.h"
#include "core/ml/trainer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_training DATASET\n");
        return 2;
    }
    if (std::getenv("CXR_BENCH_DEFAULT_MALLOC") == nullptr) {
        cxr::tuneAllocatorForLargeBuffers();
    }
    auto index = cxr::data::scanDataset(argv[1]);
    if (!index) {
        std::fprintf(stderr, "%s\n", index.error().message.c_str());
        return 1;
    }
    cxr::imaging::ModelInputSpec spec;
    cxr::data::LoadReport report;
    auto train = cxr::data::loadSplit(*index, "train", spec, report);
    auto val = cxr::data::loadSplit(*index, "val", spec, report);
    if (!train || !val) {
        return 1;
    }
    cxr::ml::TrainSettings settings;
    settings.model.classNames = index->classes;
    settings.model.inputSize = spec.size;
    settings.epochs = 3;
    settings.batchSize = 32;
    settings.device = "cpu";
    const fs::path runDir = fs::temp_directory_path() / "cxr-bench-training";
    if (!cxr::ml::prepareRunFolder(runDir, cxr::ml::ExistingRun::Overwrite)) {
        return 1;
    }
    auto summary = cxr::ml::trainClassifier(*train, *val, settings, runDir);
    fs::remove_all(runDir);
    if (!summary) {
        std::fprintf(stderr, "%s\n", summary.error().message.c_str());
        return 1;
    }
    // The first epoch warms up allocator and kernels; report the others.
    double seconds = 0;
    for (std::size_t e = 1; e < summary->epochs.size(); ++e) {
        seconds += summary->epochs[e].seconds;
    }
    const double images = double(train->count() + val->count()) * double(summary->epochs.size() - 1);
    std::printf("epochs 2-%zu: %.2f s, %.1f images/s (train + validation pass)\n",
                summary->epochs.size(), seconds, images / seconds);
    return 0;
}
