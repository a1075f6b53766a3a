// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/data/dataset_index.h"
#include "core/ml/trainer.h"

#include <filesystem>
#include <memory>
#include <vector>

namespace cxr::pipeline {

enum class BadImages { Refuse, Skip };

struct TrainJob {
    std::filesystem::path datasetDir;
    std::filesystem::path runDir;
    ml::TrainSettings settings; // model.classNames and dataset fields are filled from the scan
    bool overwrite = false;
    std::filesystem::path cacheDir; // tensor cache folder; empty: decode every time
    BadImages badImages = BadImages::Refuse;
    // Continue runDir from its last checkpoint with the settings in its config.json (settings
    // above are ignored; datasetDir may be empty to use the recorded dataset). resumeEpochs > 0
    // extends the run to that many epochs.
    bool resume = false;
    int resumeEpochs = 0;
    // One rank of a data-parallel run (ml::ProcessGroup::join): every rank runs the same job;
    // rank 0 alone prepares and writes runDir. Empty: one process.
    std::shared_ptr<const ml::ProcessGroup> group;
};

struct TrainJobResult {
    ml::TrainSummary summary;
    ml::TrainSettings settings; // as trained: read from the run's config when resumed
    std::vector<std::string> classNames;
    std::int64_t trainImages = 0;
    std::int64_t valImages = 0;
    std::vector<data::DatasetProblem> skipped; // scan problems and images that failed to decode
};

// Scans the dataset, loads its train and val splits (never test), creates the run folder (or
// resumes it) and trains. A resumed run refuses a dataset whose files changed since it began.
// Refuses a dataset without train or val split, with fewer than two classes, or with images that
// fail to decode (unless BadImages::Skip), naming the files.
Result<TrainJobResult> runTrainJob(const TrainJob &job, ml::TrainObserver *observer = nullptr);

} // namespace cxr::pipeline
