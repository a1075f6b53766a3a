// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"
#include "core/ml/calibration.h"
#include "core/pipeline/evaluation_job.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace cxr::ui {

// One evaluation as the Evaluate page shows it: made on a worker thread, read on the UI thread.
struct EvaluationOutcome {
    bool ok = false;
    bool cancelled = false;
    QString message;
    QString run; // what was evaluated: the page's fields may change meanwhile
    QString dataset;
    QString split;
    std::vector<int> labels;
    std::vector<float> probabilities;
    QStringList files; // absolute
    QString modelName;
    QStringList classNames;
    double modelThreshold = 0.5;
    ml::LogitCalibration calibration; // the card's: raw probabilities are recovered with it
    int oodFlagged = -1; // images the guard flagged; -1: unknown (no guard, or reopened)
    std::vector<pipeline::StressRow> stress; // the robustness report, when asked for
    bool reused = false;
    bool tta = false; // test-time augmented predictions
};

// Reads the model card, then reopens the run's saved predictions of the split (when reuseSaved
// and they are there) or evaluates. Runs on a worker thread.
EvaluationOutcome evaluateOrReopen(const pipeline::EvaluationJob &job, bool reuseSaved,
                                   ProgressObserver *progress);

// "MODEL on the SPLIT split: N images, P PNEUMONIA (prevalence x). Reopened…", then trustText.
QString summaryText(const EvaluationOutcome &outcome);

// Calibration error before and after the card's calibration, the guard's count, and the
// reminder that validation from the training folders flatters.
QString trustText(const EvaluationOutcome &outcome);

} // namespace cxr::ui
