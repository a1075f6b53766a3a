// SPDX-License-Identifier: MIT
#include "core/ml/run_folder.h"

#include "core/common/atomic_file.h"
#include "core/ml/trainer.h"
#include "cxr/version.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <sstream>

namespace cxr::ml {

namespace fs = std::filesystem;

namespace {

std::string utcTimestamp()
{
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return text;
}

} // namespace

Status prepareRunFolder(const fs::path &root, ExistingRun existing)
{
    std::error_code error;
    if (fs::exists(root, error)) {
        if (!fs::is_directory(root, error)) {
            return makeError(ErrorCode::WriteFailed, root.string() + ": exists and is not a folder");
        }
        if (!fs::is_empty(root, error)) {
            if (existing == ExistingRun::Refuse) {
                return makeError(ErrorCode::WriteFailed,
                                 root.string() + ": run folder exists and is not empty "
                                                 "(choose another --out or pass --overwrite)");
            }
            for (const auto &entry : fs::directory_iterator(root, error)) {
                fs::remove_all(entry.path(), error);
            }
        }
    }
    const RunPaths paths{root};
    fs::create_directories(paths.checkpoints(), error);
    fs::create_directories(paths.modelDir(), error);
    if (error || !fs::is_directory(paths.modelDir())) {
        return makeError(ErrorCode::WriteFailed, root.string() + ": cannot create run folder (" +
                                                     error.message() + ")");
    }
    // Probe writability now rather than after the first epoch.
    if (auto probe = writeFileAtomically(root / ".write-test", "ok"); !probe) {
        return makeError(ErrorCode::WriteFailed, root.string() + ": folder is not writable");
    }
    fs::remove(root / ".write-test", error);
    return Ok{};
}

Status writeRunConfig(const RunPaths &paths, const TrainSettings &s, const std::string &device)
{
    nlohmann::json augmentation = nlohmann::json::object();
    for (const AugmentationTransform &transform : augmentationTransforms()) {
        for (const AugmentationParameter &parameter : transform.parameters) {
            augmentation[parameter.key] = s.augmentation.*(parameter.member);
        }
    }
    const nlohmann::json config = {
        {"format", "cxr-studio-run/1"},
        {"created", utcTimestamp()},
        {"code_version", kVersionString},
        {"dataset", {{"path", s.datasetPath}, {"hash", s.datasetHash}}},
        {"model", {{"architecture", s.model.architecture},
                   {"input_size", s.model.inputSize},
                   {"channels", s.model.channels},
                   {"resize", s.model.resize},
                   {"interpolation", s.model.interpolation},
                   {"normalisation", s.model.normalisation},
                   {"class_names", s.model.classNames},
                   {"custom_cnn", {{"blocks", s.model.custom.blocks},
                                   {"filters", s.model.custom.filters},
                                   {"kernel_size", s.model.custom.kernelSize},
                                   {"dropout", s.model.custom.dropout},
                                   {"batch_norm", s.model.custom.batchNorm}}}}},
        {"optimizer", {{"name", "adam"}, {"lr", s.learningRate}, {"beta1", 0.9},
                       {"beta2", 0.999}}},
        {"epochs", s.epochs},
        {"batch_size", s.batchSize},
        {"seed", s.seed},
        {"augmentation", augmentation}, // training images only, drawn fresh for each visit
        {"balance", balanceMethodName(s.balance)},
        {"device_requested", s.device},
        {"device", device},
        {"test_split_used", false},
    };
    return writeFileAtomically(paths.config(), config.dump(2) + "\n");
}

Status writeMetricsCsv(const RunPaths &paths, const TrainSummary &summary)
{
    std::ostringstream csv;
    csv << "epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds\n";
    for (const EpochMetrics &m : summary.epochs) {
        char line[256];
        std::snprintf(line, sizeof line, "%d,%.6f,%.6f,%.6f,%.6f,%.6g,%.3f\n", m.epoch,
                      m.trainLoss, m.trainAccuracy, m.valLoss, m.valAccuracy, m.learningRate,
                      m.seconds);
        csv << line;
    }
    return writeFileAtomically(paths.metrics(), csv.str());
}

Result<fs::path> findModelDir(const fs::path &runOrModel)
{
    std::error_code error;
    if (!fs::exists(runOrModel, error)) {
        return makeError(ErrorCode::NotFound, runOrModel.string() + ": no such run or model folder");
    }
    for (const fs::path &candidate : {runOrModel / "model", runOrModel}) {
        if (fs::is_regular_file(candidate / "model.json", error)) {
            return candidate;
        }
    }
    return makeError(ErrorCode::NotFound,
                     runOrModel.string() + ": not a run folder (no model/model.json inside)");
}

} // namespace cxr::ml
