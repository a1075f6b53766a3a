// SPDX-License-Identifier: MIT
#include "core/pipeline/training_job.h"

#include "core/data/dataset_scanner.h"
#include "core/data/tensor_cache.h"
#include "core/ml/device.h"
#include "core/ml/process_group.h"
#include "core/ml/run_folder.h"
#include "core/pipeline/input_spec.h"

namespace cxr::pipeline {

namespace {

Error describeBadImages(const std::vector<data::DatasetProblem> &failures)
{
    const data::DatasetProblem &first = failures.front();
    std::string message = first.path.string() + ": " + first.reason;
    if (failures.size() > 1) {
        message += " (and " + std::to_string(failures.size() - 1) + " more bad images)";
    }
    return makeError(ErrorCode::Corrupt,
                     message + "; fix or remove them, or skip them with --skip-bad-images");
}

// The job's settings: a resumed run's from its config.json (with a new length, if given), the
// world size of a fresh run, and each rank's own GPU.
Result<ml::TrainSettings> settingsFor(TrainJob &job)
{
    if (job.resume) {
        auto recorded = ml::readRunConfig(ml::RunPaths{job.runDir});
        if (!recorded) {
            return recorded.error();
        }
        job.settings = *recorded;
        if (job.resumeEpochs > 0) {
            job.settings.epochs = job.resumeEpochs;
        }
        if (job.datasetDir.empty()) {
            job.datasetDir = job.settings.datasetPath;
        }
    }
    ml::TrainSettings settings = job.settings;
    if (!job.resume) {
        settings.worldSize = job.group ? job.group->size() : 1;
    }
    if (job.group && (settings.device == "auto" || settings.device.rfind("cuda", 0) == 0)) {
        // One GPU per rank on each machine, as torchrun's LOCAL_RANK intends (also when a
        // resumed run's config recorded rank 0's cuda:0).
        auto device = ml::resolveDevice(settings.device);
        if (device && device->rfind("cuda", 0) == 0) {
            settings.device = "cuda:" + std::to_string(job.group->launch().localRank);
        }
    }
    if (const std::string problem = ml::validateSettings(settings); !problem.empty()) {
        return makeError(ErrorCode::InvalidArgument, problem);
    }
    return settings;
}

// The dataset, which must have train and val splits, two classes, and (for a resumed run) the
// files and classes it started with; the settings learn its classes and fingerprint.
Result<data::DatasetIndex> scanFor(const TrainJob &job, ml::TrainSettings &settings,
                                   ml::TrainObserver *observer)
{
    if (observer) {
        observer->stage("Scanning " + job.datasetDir.string());
    }
    auto index = data::scanDataset(job.datasetDir, observer);
    if (!index) {
        return index.error();
    }
    for (const char *split : {"train", "val"}) {
        if (!index->hasSplit(split)) {
            return makeError(ErrorCode::InvalidDataset,
                             index->root.string() + ": no " + split +
                                 "/ split with images (expected train/ and val/ folders, each "
                                 "with one folder per class)");
        }
    }
    if (index->classes.size() < 2) {
        return makeError(ErrorCode::InvalidDataset,
                         index->root.string() + ": only one class (" + index->classes.front() +
                             ") found; training needs at least two class folders");
    }
    if (job.resume && (index->fingerprint() != settings.datasetHash ||
                       index->classes != settings.model.classNames)) {
        return makeError(ErrorCode::Incompatible,
                         job.datasetDir.string() +
                             ": the dataset's files or classes changed since " +
                             job.runDir.string() + " started; resuming would train on other data");
    }
    settings.model.classNames = index->classes;
    settings.datasetPath = (index->manifest.empty() ? index->root : index->manifest).string();
    settings.datasetHash = index->fingerprint();
    return index;
}

struct DecodedSplits {
    ImageArrays train;
    ImageArrays val;
};

// Train and val at the model's input, from the tensor cache or decoded into it. Ranks on one
// machine share the cache: the machine's first rank builds it while the others wait, then they
// map it (rather than all decoding into the same file at once).
Result<DecodedSplits> decodeSplits(const TrainJob &job, const data::DatasetIndex &index,
                                   const ml::TrainSettings &settings, TrainJobResult &result,
                                   ml::TrainObserver *observer)
{
    const imaging::ModelInputSpec spec = inputSpecFor(settings.model);
    data::LoadReport report;
    const bool sharesCache = job.group && !job.cacheDir.empty();
    const bool waitsForCache = sharesCache && job.group->launch().localRank != 0;
    if (waitsForCache) {
        if (observer) {
            observer->stage("Waiting for the first rank on this machine to cache the images");
        }
        if (auto waited = job.group->barrier(); !waited) {
            return waited.error();
        }
    }
    if (observer) {
        observer->stage("Decoding training images");
    }
    auto train = data::loadSplitCached(index, "train", spec, job.cacheDir, report, observer);
    if (!train) {
        return train.error();
    }
    if (observer) {
        observer->stage("Decoding validation images");
    }
    auto val = data::loadSplitCached(index, "val", spec, job.cacheDir, report, observer);
    if (!val) {
        return val.error();
    }
    if (sharesCache && !waitsForCache) { // the cache is built: the others may map it
        if (auto cached = job.group->barrier(); !cached) {
            return cached.error();
        }
    }
    if (!report.failures.empty()) {
        if (job.badImages == BadImages::Refuse) {
            return describeBadImages(report.failures);
        }
        result.skipped.insert(result.skipped.end(), report.failures.begin(), report.failures.end());
    }
    return DecodedSplits{std::move(*train), std::move(*val)};
}

// Rank 0 makes the run folder (a fresh run) or records a resumed run's new length; the other
// ranks only train.
Status prepareFolder(const TrainJob &job, const ml::TrainSettings &settings)
{
    if (job.group && !job.group->writes()) {
        return Ok{};
    }
    if (!job.resume) {
        return ml::prepareRunFolder(job.runDir, job.overwrite ? ml::ExistingRun::Overwrite
                                                              : ml::ExistingRun::Refuse);
    }
    if (job.resumeEpochs <= 0) {
        return Ok{};
    }
    auto device = ml::resolveDevice(settings.device);
    if (!device) {
        return device.error();
    }
    return ml::writeRunConfig(ml::RunPaths{job.runDir}, settings, *device);
}

} // namespace

Result<TrainJobResult> runTrainJob(const TrainJob &jobIn, ml::TrainObserver *observer)
{
    TrainJob job = jobIn;
    auto settings = settingsFor(job);
    if (!settings) {
        return settings.error();
    }
    auto index = scanFor(job, *settings, observer);
    if (!index) {
        return index.error();
    }
    TrainJobResult result;
    result.classNames = index->classes;
    result.skipped = index->problems;
    auto splits = decodeSplits(job, *index, *settings, result, observer);
    if (!splits) {
        return splits.error();
    }
    result.trainImages = std::int64_t(splits->train.count());
    result.valImages = std::int64_t(splits->val.count());
    if (auto prepared = prepareFolder(job, *settings); !prepared) {
        return prepared.error();
    }
    auto summary = ml::trainClassifier(splits->train, splits->val, *settings, job.runDir, observer,
                                       job.resume ? ml::TrainStart::Resume : ml::TrainStart::Fresh,
                                       job.group.get());
    if (!summary) {
        return summary.error();
    }
    result.summary = std::move(*summary);
    result.settings = *settings;
    return result;
}

} // namespace cxr::pipeline
