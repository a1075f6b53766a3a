// SPDX-License-Identifier: MIT
#include "core/ml/archive_integrity.h"
#include "core/ml/torch_archive.h"
#include "core/ml/torch_checkpoint.h"
#include "core/ml/torch_errors.h"
#include "core/ml/torch_includes.h"

#include <sstream>

namespace cxr::ml {

namespace {

// 2 had no mid-epoch progress; 3 added it and the CUDA generator.
constexpr std::int64_t kCheckpointFormat = 3;

// The epoch history as a [E, 9] double tensor, and back.
torch::Tensor historyTensor(const std::vector<EpochMetrics> &epochs)
{
    std::vector<double> values;
    for (const EpochMetrics &m : epochs) {
        values.insert(values.end(),
                      {double(m.epoch), m.trainLoss, m.trainAccuracy, m.valLoss, m.valAccuracy,
                       m.valAuc, m.learningRate, m.seconds, m.augmentationSeconds});
    }
    return torch::tensor(values, torch::kFloat64).view({-1, 9});
}

std::vector<EpochMetrics> historyFrom(const torch::Tensor &tensor)
{
    std::vector<EpochMetrics> epochs;
    // Archives load onto the training device; the rows are read on the host.
    const torch::Tensor rows = tensor.to(torch::kCPU, torch::kFloat64).contiguous();
    const double *v = rows.data_ptr<double>();
    for (std::int64_t r = 0; r < rows.size(0); ++r, v += 9) {
        EpochMetrics m;
        m.epoch = int(v[0]);
        m.trainLoss = v[1];
        m.trainAccuracy = v[2];
        m.valLoss = v[3];
        m.valAccuracy = v[4];
        m.valAuc = v[5];
        m.learningRate = v[6];
        m.seconds = v[7];
        m.augmentationSeconds = v[8];
        epochs.push_back(m);
    }
    return epochs;
}

// A small double tensor's values on the host.
std::vector<double> valuesOf(const torch::Tensor &tensor)
{
    const torch::Tensor host = tensor.to(torch::kCPU, torch::kFloat64).contiguous();
    return {host.data_ptr<double>(), host.data_ptr<double>() + host.numel()};
}

// Reads the named tensor's values, exactly count of them.
std::vector<double> readValues(torch::serialize::InputArchive &archive, const char *name,
                               std::size_t count)
{
    torch::Tensor tensor;
    archive.read(name, tensor);
    std::vector<double> values = valuesOf(tensor);
    if (values.size() != count) {
        throw std::runtime_error(std::string(name) + " holds " + std::to_string(values.size()) +
                                 " values, not " + std::to_string(count));
    }
    return values;
}

} // namespace

Status writeCheckpoint(const std::filesystem::path &file, const TrainingCheckpoint &c,
                       CheckpointModules modules, const torch::Device &device)
{
    torch::serialize::OutputArchive archive;
    torch::serialize::OutputArchive model;
    modules.net.save(model);
    archive.write("model", model);
    torch::serialize::OutputArchive optimizer;
    modules.optimizer.save(optimizer);
    archive.write("optimizer", optimizer);
    archive.write("format", torch::tensor(kCheckpointFormat));
    archive.write("epoch", torch::tensor(std::int64_t(c.history.size())));
    archive.write("step", torch::tensor(c.step));
    archive.write("history", historyTensor(c.history));
    archive.write("best", torch::tensor({double(c.bestEpoch), c.bestValLoss, c.earlyStoppingBest,
                                         double(c.epochsWithoutGain)},
                                        torch::kFloat64));
    archive.write("schedule",
                  torch::tensor({c.schedule.plateauRate, c.schedule.bestLoss,
                                 double(c.schedule.badEpochs), double(c.schedule.cooldownLeft)},
                                torch::kFloat64));
    const RunningTotals &t = c.progress.totals;
    archive.write("progress", torch::tensor({double(c.progress.batches), t.lossSum,
                                             double(t.correct), double(t.seen),
                                             t.augmentationSeconds, t.lastRate, c.progress.seconds},
                                            torch::kFloat64));
    archive.write("loss_scale", torch::tensor(c.lossScale, torch::kFloat64));
    archive.write("best_selection", torch::tensor(c.bestSelection, torch::kFloat64));
    modules.average.save(archive);
    archive.write("rng_augmentation", c10::IValue(c.augmentationRandom));
    archive.write("rng_cpu", torch::globalContext().defaultGenerator(torch::kCPU).get_state());
    if (device.is_cuda()) {
        archive.write("rng_cuda", torch::globalContext().defaultGenerator(device).get_state());
    }
    return saveArchiveAtomically(archive, file, "checkpoint");
}

namespace {

// The random generators as the checkpoint left them: the augmentation's (returned, as text),
// LibTorch's CPU generator, and the device's when the run is on CUDA.
std::string restoreGenerators(torch::serialize::InputArchive &archive, const torch::Device &device)
{
    c10::IValue augmentState;
    archive.read("rng_augmentation", augmentState);
    torch::Tensor cpuState;
    archive.read("rng_cpu", cpuState);
    at::Generator cpuGenerator = torch::globalContext().defaultGenerator(torch::kCPU);
    cpuGenerator.set_state(cpuState.to(torch::kCPU));
    torch::Tensor cudaState;
    if (device.is_cuda() && archive.try_read("rng_cuda", cudaState)) {
        at::Generator cudaGenerator = torch::globalContext().defaultGenerator(device);
        cudaGenerator.set_state(cudaState.to(torch::kCPU));
    }
    return augmentState.toStringRef();
}

// How far an unfinished epoch got (format 3); none in older checkpoints.
EpochProgress readProgress(torch::serialize::InputArchive &archive)
{
    EpochProgress progress;
    torch::Tensor saved;
    if (archive.try_read("progress", saved)) { // format 3
        const std::vector<double> v = valuesOf(saved);
        if (v.size() != 7) {
            throw std::runtime_error("progress holds " + std::to_string(v.size()) +
                                     " values, not 7");
        }
        progress.batches = std::int64_t(v[0]);
        progress.totals.lossSum = v[1];
        progress.totals.correct = std::int64_t(v[2]);
        progress.totals.seen = std::int64_t(v[3]);
        progress.totals.augmentationSeconds = v[4];
        progress.totals.lastRate = v[5];
        progress.seconds = v[6];
    }
    return progress;
}

} // namespace

Result<TrainingCheckpoint> readCheckpoint(const std::filesystem::path &path,
                                          CheckpointModules modules, const torch::Device &device)
{
    const std::string file = path.string();
    if (auto whole = checkArchiveIntegrity(path, "a checkpoint"); !whole) {
        return whole.error();
    }
    TrainingCheckpoint c;
    try {
        torch::serialize::InputArchive archive;
        archive.load_from(file, device);
        torch::Tensor format;
        if (!archive.try_read("format", format) || format.item<std::int64_t>() < 2 ||
            format.item<std::int64_t>() > kCheckpointFormat) {
            return makeError(
                ErrorCode::Incompatible,
                file + ": checkpoint from another CXR Studio version; it cannot be resumed");
        }
        torch::serialize::InputArchive model;
        archive.read("model", model);
        modules.net.load(model);
        torch::serialize::InputArchive optimizer;
        archive.read("optimizer", optimizer);
        modules.optimizer.load(optimizer);
        torch::Tensor step;
        torch::Tensor history;
        archive.read("step", step);
        archive.read("history", history);
        c.step = step.item<std::int64_t>();
        c.history = historyFrom(history);
        const std::vector<double> best = readValues(archive, "best", 4);
        c.bestEpoch = int(best[0]);
        c.bestValLoss = best[1];
        c.earlyStoppingBest = best[2];
        c.epochsWithoutGain = int(best[3]);
        const std::vector<double> schedule = readValues(archive, "schedule", 4);
        c.schedule = {schedule[0], schedule[1], int(schedule[2]), int(schedule[3])};
        c.augmentationRandom = restoreGenerators(archive, device);
        torch::Tensor selection;
        // Checkpoints before selection by AUC kept the validation loss alone.
        c.bestSelection = archive.try_read("best_selection", selection) ? selection.item<double>()
                                                                        : -c.bestValLoss;
        if (auto restored = modules.average.load(archive, modules.net); !restored) {
            return restored.error();
        }
        torch::Tensor scale;
        if (archive.try_read("loss_scale", scale)) {
            c.lossScale = valuesOf(scale);
        }
        c.progress = readProgress(archive);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Corrupt, file + ": not a usable checkpoint of this run (" +
                                                 errorSummary(e, 160) + ")");
    }
    if (c.history.empty() && c.progress.batches == 0) {
        return makeError(ErrorCode::Corrupt, file + ": checkpoint holds no finished step");
    }
    return c;
}

} // namespace cxr::ml
