// SPDX-License-Identifier: MIT
#include "metrics_table.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace cxr::cli {

void printMetrics(const pipeline::EvaluationResult &r)
{
    const ml::DiagnosticReport &report = r.report;
    const ml::ConfusionCounts &c = report.metrics.counts;
    std::printf("Model %s on split '%s' (%lld images, positive class %s)%s\n", r.modelName.c_str(),
                r.split.c_str(), static_cast<long long>(c.total()), r.classNames[1].c_str(),
                r.tta ? ", with test-time augmentation" : "");
    std::printf("Threshold %.4f (%s); prevalence %.3f; majority-class baseline accuracy %.3f\n",
                report.threshold, r.thresholdSource.c_str(), report.prevalence,
                report.majorityBaseline);
    std::printf(
        "%-28s %8s   %s\n", "metric", "value",
        (std::to_string(int(report.bootstrap.confidence * 100 + 0.5)) + "% bootstrap CI").c_str());
    const auto &definitions = ml::diagnosticMetricDefinitions();
    for (std::size_t d = 0; d < definitions.size(); ++d) {
        const double value = report.metrics.*(definitions[d].member);
        const ml::ConfidenceInterval &ci = report.intervals[d];
        if (!std::isfinite(value)) {
            std::printf("  %-26s %8s   (undefined: a zero denominator or one class)\n",
                        definitions[d].label, "-");
        } else if (std::isfinite(ci.low)) {
            std::printf("  %-26s %8.3f   %.3f - %.3f\n", definitions[d].label, value, ci.low,
                        ci.high);
        } else {
            std::printf("  %-26s %8.3f\n", definitions[d].label, value);
        }
    }
    std::printf("Confusion matrix (rows: true class, columns: predicted)\n");
    std::printf("  %-12s %12s %12s\n", "", r.classNames[0].c_str(), r.classNames[1].c_str());
    std::printf("  %-12s %12lld %12lld\n", r.classNames[0].c_str(),
                static_cast<long long>(c.trueNegative), static_cast<long long>(c.falsePositive));
    std::printf("  %-12s %12lld %12lld\n", r.classNames[1].c_str(),
                static_cast<long long>(c.falseNegative), static_cast<long long>(c.truePositive));
    if (!r.calibration.identity()) {
        std::printf("Calibration: %s; expected calibration error %.3f uncalibrated, "
                    "%.3f calibrated\n",
                    r.calibration.describe().c_str(), r.eceUncalibrated, r.eceCalibrated);
    } else {
        std::printf("Calibration: none (expected calibration error %.3f)\n", r.eceCalibrated);
    }
    if (r.oodFlagged >= 0) {
        std::printf(
            "Out-of-distribution guard: %d of %lld images flagged as unlike the training images\n",
            r.oodFlagged, static_cast<long long>(c.total()));
    }
    if (r.split != "val" && r.split != "validation") {
        const auto auc = r.validationMetrics.find("auc");
        const auto accuracy = r.validationMetrics.find("accuracy");
        if (auc != r.validationMetrics.end() && accuracy != r.validationMetrics.end()) {
            std::printf(
                "Validation (carved from the training folders): accuracy %.3f, ROC AUC %.3f; "
                "here: accuracy %.3f, ROC AUC %.3f. Validation from the training folders "
                "overestimates performance on other patients.\n",
                accuracy->second, auc->second, report.metrics.accuracy, report.metrics.rocAuc);
        }
    }
    if (r.thresholdSource.rfind("Youden", 0) == 0) {
        std::printf(
            "Note: the threshold was chosen on this split, so these figures are optimistic; "
            "choose thresholds on the validation split.\n");
    }
    std::printf("Predictions and metrics saved in %s\n", r.outputFolder.string().c_str());
}

void printStressTable(const std::vector<pipeline::StressRow> &rows)
{
    const auto cell = [](const ml::DiagnosticReport &report,
                         double ml::DiagnosticMetrics::*member) {
        char text[48];
        const ml::ConfidenceInterval &ci = ml::intervalOf(report, member);
        if (std::isfinite(ci.low)) {
            std::snprintf(text, sizeof text, "%.3f (%.3f-%.3f)", report.metrics.*member, ci.low,
                          ci.high);
        } else {
            std::snprintf(text, sizeof text, "%.3f", report.metrics.*member);
        }
        return std::string(text);
    };
    using M = ml::DiagnosticMetrics;
    std::printf("Robustness: the same images under controlled shifts, at the same threshold\n");
    std::printf("  %-20s %-21s %-7s %-21s %-21s %-21s\n", "shift", "ROC AUC", "change",
                "sensitivity", "specificity", "accuracy");
    const double baseline = rows.empty() ? 0 : rows.front().report.metrics.rocAuc;
    for (const pipeline::StressRow &row : rows) {
        std::printf("  %-20s %-21s %+7.3f %-21s %-21s %-21s\n", row.shift.c_str(),
                    cell(row.report, &M::rocAuc).c_str(), row.report.metrics.rocAuc - baseline,
                    cell(row.report, &M::sensitivity).c_str(),
                    cell(row.report, &M::specificity).c_str(),
                    cell(row.report, &M::accuracy).c_str());
    }
}

} // namespace cxr::cli
