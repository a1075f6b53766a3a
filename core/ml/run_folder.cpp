// SPDX-License-Identifier: MIT
#include "core/ml/run_folder.h"
#include "core/common/json_text.h"

#include "core/common/atomic_file.h"
#include "core/common/enum_names.h"
#include "core/common/text.h"
#include "core/common/version.h"
#include "core/ml/json_fields.h"
#include "core/ml/trainer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

namespace cxr::ml {

namespace fs = std::filesystem;

Status prepareRunFolder(const fs::path &root, ExistingRun existing)
{
    std::error_code error;
    if (fs::exists(root, error)) {
        if (!fs::is_directory(root, error)) {
            return makeError(ErrorCode::WriteFailed,
                             root.string() + ": exists and is not a folder");
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
        return makeError(ErrorCode::WriteFailed,
                         root.string() + ": cannot create run folder (" + error.message() + ")");
    }
    // Probe writability now rather than after the first epoch.
    if (auto probe = writeFileAtomically(root / ".write-test", "ok"); !probe) {
        return makeError(ErrorCode::WriteFailed, root.string() + ": folder is not writable");
    }
    fs::remove(root / ".write-test", error);
    return Ok{};
}

namespace {

// The settings as config.json holds them (the run's own fields, such as when it was created,
// are added by writeRunConfig).
nlohmann::json settingsJson(const TrainSettings &s)
{
    return {
        {"format", "cxr-studio-run/1"},
        {"dataset", {{"path", pathJson(s.datasetPath)}, {"hash", s.datasetHash}}},
        {"model",
         {{"architecture", s.model.architecture},
          {"input_size", s.model.inputSize},
          {"channels", s.model.channels},
          {"resize", s.model.resize},
          {"interpolation", s.model.interpolation},
          {"normalisation", s.model.normalisation},
          {"class_names", s.model.classNames},
          {"custom_cnn", s.model.custom}}},
        {"optimizer",
         {{"name", optimizerName(s.optimizer.kind)},
          {"lr", s.learningRate},
          {"beta1", 0.9},
          {"beta2", 0.999},
          {"weight_decay", s.optimizer.weightDecay},
          {"momentum", s.optimizer.momentum},
          {"nesterov", s.optimizer.nesterov}}},
        {"schedule",
         {{"name", scheduleName(s.schedule.kind)},
          {"factor", s.schedule.factor},
          {"patience", s.schedule.patience},
          {"cooldown", s.schedule.cooldown},
          {"min_lr", s.schedule.minLr},
          {"step_epochs", s.schedule.stepEpochs},
          {"gamma", s.schedule.gamma},
          {"warmup_epochs", s.schedule.warmupEpochs}}},
        {"early_stopping",
         {{"patience", s.earlyStopping.patience},
          {"metric", s.earlyStopping.onAuc ? "val_auc" : "val_loss"}}},
        {"gradient_clip_norm", s.gradientClipNorm},
        {"label_smoothing", s.labelSmoothing},
        {"mixup_alpha", s.mixupAlpha},
        {"weight_average_decay", s.emaDecay},
        {"select_epoch_by", s.selectByAuc ? "val_auc" : "val_loss"},
        {"deterministic", s.deterministic},
        {"pretrained", {{"weights", s.pretrainedWeights}, {"freeze_features", s.freezeFeatures}}},
        {"epochs", s.epochs},
        {"batch_size", s.batchSize},
        {"seed", s.seed},
        {"augmentation", s.augmentation}, // training images only, drawn fresh for each visit
        {"balance", balanceMethodName(s.balance)},
        {"operating_point", operatingPointSpec(s.operatingPoint)},
        {"population_ages", {s.populationMinAgeYears, s.populationMaxAgeYears}},
        {"device_requested", s.device},
        {"precision", precisionName(s.precision)},
        {"channels_last", s.channelsLast},
        {"checkpoint_minutes", s.checkpointMinutes},
        {"log_every_steps", s.logEverySteps},
        {"distributed", {{"world_size", s.worldSize}, {"sync_batch_norm", s.syncBatchNorm}}},
        {"test_split_used", false},
    };
}

// The network and its input, as config.json's "model" records them.
void readModel(const nlohmann::json &model, ModelSpec &spec)
{
    spec.architecture = model.at("architecture").get<std::string>();
    spec.inputSize = model.at("input_size").get<int>();
    spec.channels = model.at("channels").get<int>();
    spec.resize = model.value("resize", "squash");
    spec.normalisation = model.value("normalisation", "scale01");
    spec.classNames = model.at("class_names").get<std::vector<std::string>>();
    if (model.contains("custom_cnn")) {
        spec.custom = model.at("custom_cnn").get<CustomCnnOptions>();
    }
}

// The optimiser and the learning-rate schedule.
void readOptimisation(const nlohmann::json &j, TrainSettings &s)
{
    const nlohmann::json &optimizer = j.at("optimizer");
    s.learningRate = optimizer.at("lr").get<double>();
    s.optimizer.kind =
        parseOptimizer(optimizer.value("name", "adam")).value_or(OptimizerKind::Adam);
    s.optimizer.weightDecay = optimizer.value("weight_decay", 0.0);
    s.optimizer.momentum = optimizer.value("momentum", 0.9);
    s.optimizer.nesterov = optimizer.value("nesterov", false);
    if (j.contains("schedule")) {
        const nlohmann::json &schedule = j.at("schedule");
        s.schedule.kind =
            parseSchedule(schedule.value("name", "constant")).value_or(ScheduleKind::Constant);
        s.schedule.factor = schedule.value("factor", 0.1);
        s.schedule.patience = schedule.value("patience", 3);
        s.schedule.cooldown = schedule.value("cooldown", 0);
        s.schedule.minLr = schedule.value("min_lr", 1e-6);
        s.schedule.stepEpochs = schedule.value("step_epochs", 10);
        s.schedule.gamma = schedule.value("gamma", 0.1);
        s.schedule.warmupEpochs = schedule.value("warmup_epochs", 1);
    }
}

// Errors name source.
Result<TrainSettings> settingsFromJson(const std::string &text, const std::string &file)
{
    try {
        const nlohmann::json j = nlohmann::json::parse(text);
        if (!j.is_object() || j.value("format", "") != "cxr-studio-run/1") {
            return makeError(ErrorCode::Incompatible,
                             file + ": not a CXR Studio run configuration");
        }
        TrainSettings s;
        s.datasetPath =
            j.at("dataset").contains("path") ? pathFromJson(j.at("dataset").at("path")) : "";
        s.datasetHash = j.at("dataset").value("hash", "");
        readModel(j.at("model"), s.model);
        readOptimisation(j, s);
        if (j.contains("early_stopping")) {
            s.earlyStopping.patience = j.at("early_stopping").value("patience", 0);
            s.earlyStopping.onAuc = j.at("early_stopping").value("metric", "val_loss") == "val_auc";
        }
        s.gradientClipNorm = j.value("gradient_clip_norm", 0.0);
        s.labelSmoothing = j.value("label_smoothing", 0.0);
        s.mixupAlpha = j.value("mixup_alpha", 0.0);
        s.emaDecay = j.value("weight_average_decay", 0.0);
        s.selectByAuc = j.value("select_epoch_by", "val_loss") == "val_auc";
        s.deterministic = j.value("deterministic", false);
        if (j.contains("pretrained")) {
            s.pretrainedWeights = j.at("pretrained").value("weights", "");
            s.freezeFeatures = j.at("pretrained").value("freeze_features", false);
        }
        s.epochs = j.at("epochs").get<int>();
        s.batchSize = j.at("batch_size").get<int>();
        s.seed = j.at("seed").get<std::uint64_t>();
        s.device = j.value("device_requested", "auto");
        s.precision = parsePrecision(j.value("precision", "auto")).value_or(Precision::Auto);
        s.channelsLast = j.value("channels_last", true);
        s.checkpointMinutes = j.value("checkpoint_minutes", 10.0);
        s.logEverySteps = j.value("log_every_steps", 10);
        if (j.contains("distributed")) {
            s.worldSize = j.at("distributed").value("world_size", 1);
            s.syncBatchNorm = j.at("distributed").value("sync_batch_norm", false);
        }
        if (j.contains("augmentation")) {
            s.augmentation = j.at("augmentation").get<AugmentationSettings>();
        }
        s.balance = parseBalanceMethod(j.value("balance", "none")).value_or(BalanceMethod::None);
        // Runs from before operating points kept the threshold at 0.5.
        auto rule = parseOperatingPoint(j.value("operating_point", "fixed:0.5"));
        if (!rule) {
            return makeError(ErrorCode::Corrupt, file + ": " + rule.error().message);
        }
        s.operatingPoint = *rule;
        if (j.contains("population_ages")) {
            s.populationMinAgeYears = j.at("population_ages").at(0).get<double>();
            s.populationMaxAgeYears = j.at("population_ages").at(1).get<double>();
        }
        return s;
    } catch (const nlohmann::json::exception &e) {
        return makeError(ErrorCode::Corrupt,
                         file + ": not a valid run configuration (" + e.what() + ")");
    }
}

} // namespace

Status writeRunConfig(const RunPaths &paths, const TrainSettings &s, const std::string &device)
{
    nlohmann::json config = settingsJson(s);
    config["created"] = utcTimestamp();
    config["code_version"] = kVersionString;
    config["device"] = device;
    return writeFileAtomically(paths.config(), jsonText(config, 2) + "\n");
}

Result<TrainSettings> readRunConfig(const RunPaths &paths)
{
    std::ifstream in(paths.config(), std::ios::binary);
    if (!in) {
        return makeError(ErrorCode::NotFound,
                         paths.root.string() + ": not a run folder (no config.json)");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return settingsFromJson(text.str(), paths.config().string());
}

std::string trainSettingsText(const TrainSettings &settings)
{
    return jsonText(settingsJson(settings), 2);
}

Result<TrainSettings> parseTrainSettings(const std::string &text, const std::string &source)
{
    return settingsFromJson(text, source);
}

Status writeMetricsCsv(const RunPaths &paths, const TrainSummary &summary)
{
    std::ostringstream csv;
    csv << "epoch,train_loss,train_accuracy,val_loss,val_accuracy,val_auc,lr,seconds,"
           "augmentation_seconds\n";
    for (const EpochMetrics &m : summary.epochs) {
        char line[256];
        std::snprintf(line, sizeof line, "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6g,%.3f,%.3f\n", m.epoch,
                      m.trainLoss, m.trainAccuracy, m.valLoss, m.valAccuracy, m.valAuc,
                      m.learningRate, m.seconds, m.augmentationSeconds);
        csv << line;
    }
    return writeFileAtomically(paths.metrics(), csv.str());
}

Result<std::vector<EpochMetrics>> readMetricsCsv(const RunPaths &paths)
{
    std::ifstream in(paths.metrics());
    if (!in) {
        return makeError(ErrorCode::NotFound, paths.metrics().string() + ": no metrics yet");
    }
    std::vector<EpochMetrics> epochs;
    std::string line;
    std::getline(in, line); // header
    int row = 1;
    while (std::getline(in, line)) {
        ++row;
        if (line.empty()) {
            continue;
        }
        EpochMetrics m;
        // %lf reads "nan" as well, for the AUC of a multi-class run.
        if (std::sscanf(line.c_str(), "%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &m.epoch, &m.trainLoss,
                        &m.trainAccuracy, &m.valLoss, &m.valAccuracy, &m.valAuc, &m.learningRate,
                        &m.seconds, &m.augmentationSeconds) < 8) {
            return makeError(ErrorCode::Corrupt, paths.metrics().string() + ": row " +
                                                     std::to_string(row) + " is malformed");
        }
        epochs.push_back(m);
    }
    return epochs;
}

Status writeStepsCsv(const RunPaths &paths, const std::vector<StepRecord> &steps)
{
    std::string csv = "step,epoch,train_loss,lr,images_per_second\n";
    for (const StepRecord &r : steps) {
        char line[160];
        std::snprintf(line, sizeof line, "%lld,%d,%.6f,%.6g,%.1f\n", static_cast<long long>(r.step),
                      r.epoch, r.loss, r.learningRate, r.imagesPerSecond);
        csv += line;
    }
    return writeFileAtomically(paths.steps(), csv);
}

std::vector<StepRecord> readStepsCsv(const RunPaths &paths, std::int64_t lastStep)
{
    std::vector<StepRecord> steps;
    std::ifstream in(paths.steps());
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        StepRecord r;
        long long step = 0;
        if (std::sscanf(line.c_str(), "%lld,%d,%lf,%lf,%lf", &step, &r.epoch, &r.loss,
                        &r.learningRate, &r.imagesPerSecond) == 5 &&
            step <= lastStep) {
            r.step = step;
            steps.push_back(r);
        }
    }
    return steps;
}

const char *runStateName(RunState state)
{
    static constexpr EnumNames<RunState, 4> kNames{{{RunState::Running, "running"},
                                                    {RunState::Finished, "finished"},
                                                    {RunState::Stopped, "stopped"},
                                                    {RunState::Failed, "failed"}}};
    return nameOf(kNames, state);
}

Status writeRunStatus(const RunPaths &paths, RunState state, const std::string &message)
{
    const nlohmann::json status = {
        {"state", runStateName(state)}, {"message", message}, {"updated", utcTimestamp()}};
    return writeFileAtomically(paths.status(), jsonText(status, 2) + "\n");
}

double RunInfo::seconds() const
{
    double total = 0;
    for (const EpochMetrics &m : epochs) {
        total += m.seconds;
    }
    return total;
}

int RunInfo::bestEpoch() const
{
    // As the trainer chose: the lowest validation loss, or the highest AUC.
    const auto score = [this](const EpochMetrics &m) {
        const double value = settings.selectByAuc ? m.valAuc : -m.valLoss;
        return std::isnan(value) ? -INFINITY : value;
    };
    int best = 0;
    for (const EpochMetrics &m : epochs) {
        if (best == 0 || score(m) > score(epochs[std::size_t(best - 1)])) {
            best = int(&m - epochs.data()) + 1;
        }
    }
    return best;
}

Result<RunInfo> describeRun(const fs::path &folder)
{
    const RunPaths paths{folder};
    auto settings = readRunConfig(paths);
    if (!settings) {
        return settings.error();
    }
    RunInfo info;
    info.folder = folder;
    info.settings = *settings;
    try {
        std::ifstream config(paths.config());
        info.created = nlohmann::json::parse(config).value("created", "");
    } catch (const nlohmann::json::exception &) {
    }
    if (auto epochs = readMetricsCsv(paths)) {
        info.epochs = std::move(*epochs);
    }
    std::error_code error;
    info.hasCheckpoint = fs::is_regular_file(paths.lastCheckpoint(), error);
    try {
        std::ifstream in(paths.status());
        if (in) {
            const nlohmann::json status = nlohmann::json::parse(in);
            const std::string state = status.value("state", "running");
            for (RunState candidate :
                 {RunState::Running, RunState::Finished, RunState::Stopped, RunState::Failed}) {
                if (state == runStateName(candidate)) {
                    info.state = candidate;
                }
            }
            info.message = status.value("message", "");
        } else if (!info.epochs.empty() && int(info.epochs.size()) >= info.settings.epochs) {
            info.state = RunState::Finished; // a run from before status.json existed
        }
    } catch (const nlohmann::json::exception &) {
        info.message = paths.status().string() + " is unreadable";
    }
    return info;
}

std::vector<RunInfo> listRuns(const fs::path &runsFolder)
{
    std::vector<RunInfo> runs;
    std::error_code error;
    for (fs::directory_iterator it(runsFolder, error), end; !error && it != end;
         it.increment(error)) {
        if (it->is_directory(error) && fs::is_regular_file(it->path() / "config.json", error)) {
            if (auto info = describeRun(it->path())) {
                runs.push_back(std::move(*info));
            }
        }
    }
    std::sort(runs.begin(), runs.end(), [](const RunInfo &a, const RunInfo &b) {
        return a.created != b.created ? a.created > b.created : a.folder > b.folder;
    });
    return runs;
}

Result<fs::path> findModelDir(const fs::path &runOrModel)
{
    std::error_code error;
    if (!fs::exists(runOrModel, error)) {
        return makeError(ErrorCode::NotFound,
                         runOrModel.string() + ": no such run or model folder");
    }
    for (const fs::path &candidate : {runOrModel / "model", runOrModel}) {
        if (fs::is_regular_file(modelCardPath(candidate), error)) {
            return candidate;
        }
    }
    return makeError(ErrorCode::NotFound,
                     runOrModel.string() + ": not a run folder (no model/model.json inside)");
}

Result<ModelCard> readRunModelCard(const fs::path &runOrModel)
{
    auto modelDir = findModelDir(runOrModel);
    if (!modelDir) {
        return modelDir.error();
    }
    return readModelCard(modelCardPath(*modelDir));
}

Result<fs::path> saveRunModelThreshold(const fs::path &runOrModel, double threshold)
{
    auto modelDir = findModelDir(runOrModel);
    if (!modelDir) {
        return modelDir.error();
    }
    const fs::path file = modelCardPath(*modelDir);
    auto card = readModelCard(file);
    if (!card) {
        return card.error();
    }
    card->spec.threshold = threshold;
    if (auto written = writeModelCard(file, *card); !written) {
        return written.error();
    }
    return file;
}

} // namespace cxr::ml
