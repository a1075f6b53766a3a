// SPDX-License-Identifier: MIT
#include "core/ml/trainer.h"

#include "core/ml/device.h"
#include "core/ml/process_group.h"
#include "core/ml/run_folder.h"
#include "core/ml/runtime_setup.h"
#include "core/ml/torch_errors.h"
#include "core/ml/training_run.h"

#include <filesystem>
#include <string>

namespace cxr::ml {

namespace fs = std::filesystem;

namespace {

// A process killed while writing (SIGKILL, a power loss) leaves the temporary file of an atomic
// write (NAME.partial, core/common/atomic_file.h and torch_archive.h) beside the file it was
// replacing, which is still the old file or already the new one, never half of one. Each
// training session starts by removing them, so a resumed run leaves none behind.
void removeInterruptedWrites(const RunPaths &paths)
{
    const std::string suffix = ".partial";
    for (const fs::path &folder : {paths.root, paths.checkpoints(), paths.modelDir()}) {
        std::error_code error;
        std::vector<fs::path> leftovers;
        for (fs::directory_iterator it(folder, error), end; !error && it != end;
             it.increment(error)) {
            const std::string name = it->path().filename().string();
            const bool partial =
                name.size() > suffix.size() &&
                name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
            if ((partial || name == ".write-test") && it->is_regular_file(error)) {
                leftovers.push_back(it->path());
            }
        }
        for (const fs::path &file : leftovers) {
            fs::remove(file, error);
        }
    }
}

Status checkArrays(const ImageArrays &arrays, const char *what, const ModelSpec &spec)
{
    if (arrays.count() == 0) {
        return makeError(ErrorCode::InvalidDataset, std::string("the ") + what + " split is empty");
    }
    if (arrays.channels != spec.channels || arrays.height != spec.inputSize ||
        arrays.width != spec.inputSize ||
        arrays.pixels.size() != arrays.count() * arrays.imageSize()) {
        return makeError(ErrorCode::InvalidArgument,
                         std::string("the ") + what + " images do not match the model input");
    }
    for (int label : arrays.labels) {
        if (label < 0 || std::size_t(label) >= spec.classNames.size()) {
            return makeError(ErrorCode::InvalidDataset,
                             std::string("the ") + what + " split has an image without a class");
        }
    }
    return Ok{};
}

// What a run needs before it starts: valid settings, as many ranks as it was set up for, two
// classes, images that match the model, and a device that can run its precision. Returns the
// device.
Result<std::string> checkRun(const ImageArrays &train, const ImageArrays &val,
                             const TrainSettings &settings, const fs::path &runDir, int ranks)
{
    if (const std::string problem = validateSettings(settings); !problem.empty()) {
        return makeError(ErrorCode::InvalidArgument, problem);
    }
    if (settings.worldSize != ranks) {
        return makeError(ErrorCode::Incompatible,
                         runDir.string() + ": the run trains as " +
                             std::to_string(settings.worldSize) + " rank(s) and " +
                             std::to_string(ranks) +
                             " started; start (or resume) it with WORLD_SIZE=" +
                             std::to_string(settings.worldSize));
    }
    if (settings.model.classNames.size() < 2) {
        return makeError(ErrorCode::InvalidDataset,
                         "training needs at least two classes (found " +
                             std::to_string(settings.model.classNames.size()) + ")");
    }
    for (const auto &[arrays, what] :
         {std::pair{&train, "training"}, std::pair{&val, "validation"}}) {
        if (auto checked = checkArrays(*arrays, what, settings.model); !checked) {
            return checked.error();
        }
    }
    auto device = resolveDevice(settings.device);
    if (device && *device == "cpu" && isMixedPrecision(settings.precision)) {
        return makeError(ErrorCode::Unsupported,
                         std::string("mixed precision (") + precisionName(settings.precision) +
                             ") runs on CUDA only and this run is on the CPU: use precision "
                             "auto or fp32");
    }
    return device;
}

// status.json after the run: finished, stopped (by the user, or cancelled) or failed.
void recordEnd(const RunPaths &paths, const Result<TrainSummary> &finished)
{
    if (!finished) {
        writeRunStatus(paths,
                       finished.error().code == ErrorCode::Cancelled ? RunState::Stopped
                                                                     : RunState::Failed,
                       finished.error().message);
    } else if (finished->stoppedByUser) {
        writeRunStatus(paths, RunState::Stopped,
                       "stopped after epoch " + std::to_string(finished->epochs.size()));
    } else {
        writeRunStatus(paths, RunState::Finished,
                       finished->stoppedEarly ? "stopped early by the early-stopping rule" : "");
    }
}

Result<TrainSummary> trainOnDevice(const ImageArrays &train, const ImageArrays &val,
                                   const TrainSettings &settings, const RunPaths &paths,
                                   const torch::Device &device, TrainObserver *observer,
                                   TrainStart start, const ProcessGroup *group);

} // namespace

Result<TrainSummary> trainClassifier(const ImageArrays &train, const ImageArrays &val,
                                     const TrainSettings &settings, const fs::path &runDir,
                                     TrainObserver *observer, TrainStart start,
                                     const ProcessGroup *group)
{
    const int ranks = group ? group->size() : 1;
    auto device = checkRun(train, val, settings, runDir, ranks);
    if (!device) {
        return device.error();
    }
    // Ranks on one machine share its cores.
    if (auto runtime = prepareRuntimeForRun(settings.deterministic,
                                            group ? group->launch().localWorldSize : 1);
        !runtime) {
        return runtime.error();
    }
    // The run's own seed: only training draws from LibTorch's default generator (dropout, the
    // first weights), so seeding it changes no other job's result.
    torch::manual_seed(settings.seed);
    const bool writes = !group || group->writes();
    const RunPaths paths{runDir};
    if (writes) {
        removeInterruptedWrites(paths);
    }
    bool restarted = false;
    if (start == TrainStart::Resume) {
        if (!fs::is_regular_file(paths.lastCheckpoint())) {
            // Stopped (killed, a power loss) before its first checkpoint: nothing it trained
            // was kept, so it trains from the first step with its recorded settings, which is
            // the run it would have been.
            start = TrainStart::Fresh;
            restarted = true;
        }
    } else if (auto written = writes ? writeRunConfig(paths, settings, *device) : Status(Ok{});
               !written) {
        return written.error();
    }
    if (!writes) {
        return trainOnDevice(train, val, settings, paths, torch::Device(*device), observer, start,
                             group);
    }
    writeRunStatus(paths, RunState::Running,
                   "training on " + *device +
                       (group
                            ? " as " + std::to_string(ranks) + " ranks (" + group->transport() + ")"
                            : std::string()));
    auto finished =
        trainOnDevice(train, val, settings, paths, torch::Device(*device), observer, start, group);
    if (finished && restarted) {
        finished->notes.insert(finished->notes.begin(),
                               "no checkpoint to resume from (stopped before its first): trained "
                               "from the first step with the run's settings");
    }
    recordEnd(paths, finished);
    return finished;
}

namespace {

Result<TrainSummary> trainOnDevice(const ImageArrays &train, const ImageArrays &val,
                                   const TrainSettings &settings, const RunPaths &paths,
                                   const torch::Device &device, TrainObserver *observer,
                                   TrainStart start, const ProcessGroup *group)
{
    try {
        TrainingRun run(settings, paths.root, device, observer, group);
        return run.run(train, val, start);
    } catch (const c10::Error &e) {
        if (std::string(e.what_without_backtrace()).find("out of memory") != std::string::npos) {
            std::string message = "the device ran out of memory with batch size " +
                                  std::to_string(settings.batchSize) + ": try a smaller batch";
            if (fs::is_regular_file(paths.lastCheckpoint())) {
                message += "; the run resumes from " + paths.lastCheckpoint().string();
            }
            return makeError(ErrorCode::Internal, message);
        }
        return makeError(ErrorCode::Internal, "LibTorch error: " + errorSummary(e, 300));
    }
}

} // namespace

} // namespace cxr::ml
