// SPDX-License-Identifier: MIT
#include "ui/evaluation/evaluation_outcome.h"

#include "core/ml/diagnostic_metrics.h"
#include "core/ml/run_folder.h"

#include <QCoreApplication>

#include <algorithm>
#include <filesystem>

namespace cxr::ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("cxr::ui::EvaluatePage", text);
}

// Saved paths are relative to the dataset's root: its folder, or a manifest's.
QStringList absoluteFiles(const std::filesystem::path &dataset,
                          const std::vector<std::string> &files)
{
    const std::filesystem::path root =
        std::filesystem::is_regular_file(dataset) ? dataset.parent_path() : dataset;
    QStringList absolute;
    for (const std::string &file : files) {
        absolute << QString::fromStdString((root / file).lexically_normal().string());
    }
    return absolute;
}

} // namespace

EvaluationOutcome evaluateOrReopen(const pipeline::EvaluationJob &job, bool reuseSaved,
                                   ProgressObserver *progress)
{
    EvaluationOutcome outcome;
    outcome.run = QString::fromStdString(job.run.string());
    outcome.dataset = QString::fromStdString(job.datasetDir.string());
    outcome.split = QString::fromStdString(job.split);
    auto card = ml::readRunModelCard(job.run);
    if (!card) {
        outcome.message = QString::fromStdString(card.error().message);
        return outcome;
    }
    outcome.modelName = QString::fromStdString(card->name);
    outcome.modelThreshold = card->spec.threshold;
    outcome.calibration = card->calibration.logits();
    for (const std::string &name : card->spec.classNames) {
        outcome.classNames << QString::fromStdString(name);
    }
    if (reuseSaved) {
        if (auto saved =
                pipeline::readSavedPredictions(job.run, job.split, card->spec.classNames)) {
            outcome.ok = true;
            outcome.reused = true;
            outcome.labels = saved->labels;
            outcome.probabilities = saved->probabilities;
            outcome.files = absoluteFiles(job.datasetDir, saved->files);
            return outcome;
        }
    }
    auto result = pipeline::runEvaluation(job, progress);
    if (!result) {
        outcome.cancelled = result.error().code == ErrorCode::Cancelled;
        outcome.message = QString::fromStdString(result.error().message);
        return outcome;
    }
    outcome.ok = true;
    outcome.oodFlagged = result->oodFlagged;
    outcome.tta = result->tta;
    outcome.stress = std::move(result->stress);
    outcome.labels = std::move(result->labels);
    outcome.probabilities = std::move(result->probabilities);
    for (const std::string &file : result->files) {
        outcome.files << QString::fromStdString(file);
    }
    return outcome;
}

QString summaryText(const EvaluationOutcome &outcome)
{
    const auto &labels = outcome.labels;
    const auto positives = std::count(labels.begin(), labels.end(), 1);
    return tr("%1 on the %2 split%9: %3 images, %4 %5 (prevalence %6). %7 %8")
        .arg(outcome.modelName, outcome.split)
        .arg(labels.size())
        .arg(positives)
        .arg(outcome.classNames.value(1))
        .arg(double(positives) / double(std::max<std::size_t>(1, labels.size())), 0, 'f', 3)
        .arg(outcome.reused ? tr("Reopened from the saved predictions.")
                            : tr("Predictions saved in the run folder."),
             trustText(outcome))
        .arg(outcome.tta ? tr(", test-time augmented") : QString());
}

QString trustText(const EvaluationOutcome &outcome)
{
    const double after = ml::expectedCalibrationError(outcome.labels, outcome.probabilities);
    QString text;
    if (outcome.calibration.identity()) {
        text = tr("Probabilities not calibrated (calibration error %1).").arg(after, 0, 'f', 3);
    } else {
        const std::vector<float> raw =
            ml::uncalibratedProbabilities(outcome.probabilities, outcome.calibration);
        text = tr("Calibration error %1 before, %2 after calibration (%3).")
                   .arg(ml::expectedCalibrationError(outcome.labels, raw), 0, 'f', 3)
                   .arg(after, 0, 'f', 3)
                   .arg(QString::fromStdString(outcome.calibration.describe()));
    }
    if (outcome.oodFlagged >= 0) {
        text += QLatin1Char(' ') +
                tr("%1 images flagged as unlike the training images.").arg(outcome.oodFlagged);
    }
    if (outcome.split == QLatin1String("val")) {
        text += QLatin1Char(' ') + tr("Validation carved from the training folders overestimates "
                                      "performance on other patients.");
    }
    return text;
}

} // namespace cxr::ui
