// SPDX-License-Identifier: MIT
// `cxr tune`: a hyper-parameter study of many trials, each an ordinary run folder; resumable,
// and reported with the best trial and the parameters that mattered.
#include "commands.h"
#include "terminal_progress.h"
#include "training_runtime.h"
#include "trial_job.h"

#include "core/common/json_text.h"
#include "core/pipeline/tuning_study.h"
#include "core/tuning/importance.h"
#include "core/tuning/pruner.h"
#include "core/tuning/sampler.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <memory>

namespace cxr::cli {

namespace {

namespace fs = std::filesystem;
using tuning::Trial;
using tuning::TrialState;

struct TuneOptions {
    std::string dataset;
    std::string out;
    std::string space;
    int trials = 20;
    int epochs = 10;
    std::string sampler = "tpe";
    std::string pruner = "median";
    std::string metric = "val_auc";
    std::uint64_t seed = 42;
    int parallel = 1;
    std::string resume;
    std::string report;
    bool json = false;
    std::vector<std::string> train; // after --: the train options every trial gets
};

std::string objectiveText(const tuning::StudySettings &settings, double score)
{
    if (!std::isfinite(score)) {
        return "-";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", tuning::objectiveValue(settings.objective, score));
    return text;
}

// Each trial as it starts and ends, each epoch as a line, progress on the bar.
class TunePrinter : public pipeline::TuningObserver {
public:
    explicit TunePrinter(const tuning::StudySettings &settings) : m_settings(settings) {}
    void progress(std::int64_t done, std::int64_t total) override { m_bar.progress(done, total); }
    void stage(const std::string &what) override { m_bar.stage(what); }
    void batchFinished(const ml::BatchReport &report) override { m_bar.batchFinished(report); }
    bool isCancelled() const override { return m_bar.isCancelled(); }
    void trialEpochFinished(const Trial &trial, const ml::EpochMetrics &m) override
    {
        m_bar.finishLine();
        std::printf("  trial %3d  epoch %3d  val loss %.4f  auc %.4f  (%.1f s)\n", trial.number,
                    m.epoch, m.valLoss, m.valAuc, m.seconds);
        std::fflush(stdout);
    }
    void trialStarted(const Trial &trial, int planned) override
    {
        m_bar.finishLine();
        std::printf("Trial %d of %d: %s\n", trial.number, planned,
                    describeTrialValues(trial.params).c_str());
        std::fflush(stdout);
    }
    void trialFinished(const Trial &trial) override
    {
        m_bar.finishLine();
        std::printf("Trial %d %s after %zu epochs: %s %s%s\n", trial.number,
                    tuning::trialStateName(trial.state), trial.scores.size(),
                    tuning::objectiveName(m_settings.objective),
                    objectiveText(m_settings, trial.bestScore()).c_str(),
                    trial.error.empty() ? "" : (" (" + trial.error + ")").c_str());
        std::fflush(stdout);
    }
    void finishLine() { m_bar.finishLine(); }

private:
    const tuning::StudySettings &m_settings;
    TerminalProgress m_bar;
};

int printReport(const fs::path &studyDir, bool json)
{
    auto study = tuning::readStudy(studyDir);
    if (!study) {
        return reportError(study.error());
    }
    const tuning::StudySettings &s = study->settings;
    const auto best = tuning::bestTrial(*study);
    const auto importance = tuning::parameterImportance(s.space, study->trials);
    std::size_t epochs = 0;
    int counts[4] = {0, 0, 0, 0};
    for (const Trial &trial : study->trials) {
        epochs += trial.scores.size();
        ++counts[int(trial.state)];
    }
    if (json) {
        nlohmann::json j = {{"study", studyDir.string()},
                            {"objective", tuning::objectiveName(s.objective)},
                            {"sampler", s.sampler},
                            {"pruner", s.pruner},
                            {"trials", study->trials.size()},
                            {"complete", counts[int(TrialState::Complete)]},
                            {"pruned", counts[int(TrialState::Pruned)]},
                            {"failed", counts[int(TrialState::Failed)]},
                            {"epochs_run", epochs},
                            {"test_split_read", false}};
        if (best) {
            const Trial &t = study->trials[*best];
            nlohmann::json params = nlohmann::json::object();
            for (const auto &[name, value] : t.params) {
                params[name] = value;
            }
            j["best"] = {{"trial", t.number},
                         {"value", tuning::objectiveValue(s.objective, t.bestScore())},
                         {"run", tuning::trialRunDir(studyDir, t.number).string()},
                         {"params", params}};
        }
        for (const auto &p : importance) {
            j["importance"].push_back(
                {{"param", p.name},
                 {"share", std::isnan(p.share) ? nlohmann::json() : nlohmann::json(p.share)},
                 {"trials", p.trials}});
        }
        std::printf("%s\n", jsonText(j, 2).c_str());
        return int(kSuccess);
    }
    std::printf("%s\n", tuning::studyCsv(*study).c_str());
    std::printf("%zu trials (%d complete, %d pruned, %d failed), %zu epochs in all; the test "
                "split was never read.\n",
                study->trials.size(), counts[int(TrialState::Complete)],
                counts[int(TrialState::Pruned)], counts[int(TrialState::Failed)], epochs);
    if (best) {
        const Trial &t = study->trials[*best];
        std::printf("Best: trial %d, %s %s, %s\n  run folder %s\n", t.number,
                    tuning::objectiveName(s.objective), objectiveText(s, t.bestScore()).c_str(),
                    describeTrialValues(t.params).c_str(),
                    tuning::trialRunDir(studyDir, t.number).string().c_str());
    }
    std::printf("Parameter importance (share of the objective's variance each explains alone):\n");
    for (const auto &p : importance) {
        if (std::isnan(p.share)) {
            std::printf("  %-20s   too few finished trials (%d)\n", p.name.c_str(), p.trials);
        } else {
            std::printf("  %-20s %5.1f%%  (%d trials)\n", p.name.c_str(), 100 * p.share, p.trials);
        }
    }
    return int(kSuccess);
}

// Whether the train options choose custom-cnn (the default space then adds its depth and width).
bool isCustomCnn(const std::vector<std::string> &train)
{
    bool customCnn = false;
    for (std::size_t i = 0; i < train.size(); ++i) {
        customCnn = customCnn || train[i] == "--model=custom-cnn" ||
                    (train[i] == "--model" && i + 1 < train.size() && train[i + 1] == "custom-cnn");
    }
    return customCnn;
}

// A new study's settings from the options. Every parameter must be a train option: the first
// trial's values are parsed now, so that a misspelt name fails before anything trains, not
// hours later.
Status newStudySettings(const TuneOptions &o, tuning::StudySettings &s)
{
    if (o.dataset.empty() || o.out.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "cxr tune needs a dataset and --out STUDY (or --resume / --report STUDY)");
    }
    s.dataset = o.dataset;
    s.sampler = o.sampler;
    s.pruner = o.pruner;
    s.trials = o.trials;
    s.seed = o.seed;
    const auto objective = tuning::parseObjective(o.metric);
    if (!objective) {
        return makeError(ErrorCode::InvalidArgument,
                         "--metric " + o.metric + ": use val_auc or val_loss");
    }
    s.objective = *objective;
    s.trainArguments = {"--epochs=" + std::to_string(o.epochs)};
    s.trainArguments.insert(s.trainArguments.end(), o.train.begin(), o.train.end());
    if (o.space.empty()) {
        s.space = tuning::defaultSearchSpace(isCustomCnn(o.train));
    } else {
        auto space = tuning::readSearchSpace(o.space);
        if (!space) {
            return space.error();
        }
        s.space = std::move(*space);
    }
    auto sampler = tuning::makeSampler(s.sampler, s.space, s.seed);
    if (!sampler) {
        return sampler.error();
    }
    if (auto pruner = tuning::makePruner(s.pruner); !pruner) {
        return pruner.error();
    }
    if (auto parsed = makeTrialJob(s, (*sampler)->sample(1, {})); !parsed) {
        return parsed.error();
    }
    return Ok{};
}

} // namespace

Action addTuneCommand(CLI::App &app)
{
    auto o = std::make_shared<TuneOptions>();
    CLI::App *command = app.add_subcommand(
        "tune",
        "A hyper-parameter study: TRIALS runs of `cxr train` with values drawn from a search\n"
        "space, poor ones stopped early, all under --out STUDY (study.csv, trial-NNN/ run\n"
        "folders). Train options after -- apply to every trial. The test split is never read.\n"
        "  cxr tune DATASET --out STUDY [--space SPACE.json] [--trials 20] [--parallel K]\n"
        "           [-- --model ...]\n"
        "  cxr tune --resume STUDY        cxr tune --report STUDY [--json]");
    command->add_option("dataset", o->dataset, "dataset folder or manifest");
    command->add_option("train", o->train, "after --: train options for every trial");
    command->add_option("--out", o->out, "study folder to create");
    command->add_option("--space", o->space,
                        "search space (JSON, see docs/cli.md); default: learning rate, weight "
                        "decay, batch size, augmentation (and custom-cnn depth and width)");
    command->add_option("--trials", o->trials, "trials to run")
        ->check(CLI::Range(1, 10000))
        ->capture_default_str();
    command->add_option("--epochs", o->epochs, "epochs of a trial that is not stopped early")
        ->check(CLI::Range(1, 10000))
        ->capture_default_str();
    command->add_option("--sampler", o->sampler, "random, grid or tpe")->capture_default_str();
    command->add_option("--pruner", o->pruner, "none, median or asha")->capture_default_str();
    command->add_option("--metric", o->metric, "val_auc or val_loss")->capture_default_str();
    command->add_option("--seed", o->seed, "the sampler's seed (trials also get --seed)")
        ->capture_default_str();
    command
        ->add_option("--parallel", o->parallel,
                     "trials trained at once, one per GPU when there are several (TPE's trials "
                     "then depend on which finish first)")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    command->add_option("--resume", o->resume, "continue this study where it stopped");
    command->add_option("--report", o->report, "print this study's trials, best and importance");
    command->add_flag("--json", o->json, "with --report: as JSON");
    return [o]() -> int {
        if (!o->report.empty()) {
            return printReport(o->report, o->json);
        }
        pipeline::TuningJob job;
        job.parallel = o->parallel;
        job.resume = !o->resume.empty();
        job.studyDir = job.resume ? o->resume : o->out;
        if (!job.resume) {
            if (auto made = newStudySettings(*o, job.settings); !made) {
                return reportError(made.error());
            }
        }
        auto study = job.resume
                         ? tuning::readStudy(job.studyDir)
                         : Result<tuning::StudyRecord>(tuning::StudyRecord{job.settings, {}});
        if (!study) {
            return reportError(study.error());
        }
        // Trials share their study's train options, so the first one's settings say whether the
        // study needs deterministic algorithms.
        if (auto probe = makeTrialJob(study->settings, {})) {
            setUpRuntimeFor(*probe);
        }
        TunePrinter printer(study->settings);
        auto result = pipeline::runTuningStudy(job, makeTrialJob, &printer);
        printer.finishLine();
        if (!result) {
            if (result.error().code == ErrorCode::Cancelled) {
                std::fprintf(stderr, "cxr: %s; cxr tune --resume %s continues\n",
                             result.error().message.c_str(), job.studyDir.string().c_str());
                return int(kCancelled);
            }
            return reportError(result.error());
        }
        std::printf("\n");
        return printReport(job.studyDir, false);
    };
}

} // namespace cxr::cli
