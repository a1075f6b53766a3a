// SPDX-License-Identifier: MIT
#include "cross_validation_table.h"

#include <cstdio>

namespace cxr::cli {

namespace {

const pipeline::FoldSpread *spreadOf(const pipeline::CrossValidationResult &result, const char *key)
{
    for (const pipeline::FoldSpread &s : result.spread) {
        if (s.key == key) {
            return &s;
        }
    }
    return nullptr;
}

} // namespace

void printCrossValidation(const pipeline::CrossValidationResult &result)
{
    std::printf(
        "\nCross-validation over patients: each fold evaluated on patients it never saw, at "
        "the threshold its own validation split chose\n");
    std::printf("%-5s %6s %5s %9s %8s %9s %7s %8s %11s %11s %6s\n", "fold", "train", "val",
                "held-out", "patients", "threshold", "ROC AUC", "accuracy", "sensitivity",
                "specificity", "ECE");
    for (const pipeline::FoldOutcome &f : result.folds) {
        std::printf("%-5d %6lld %5lld %9lld %8lld %9.3f %7.3f %8.3f %11.3f %11.3f %6.3f%s\n",
                    f.fold, static_cast<long long>(f.trainImages),
                    static_cast<long long>(f.valImages), static_cast<long long>(f.heldOutImages),
                    static_cast<long long>(f.heldOutPatients), f.threshold, f.heldOut.rocAuc,
                    f.heldOut.accuracy, f.heldOut.sensitivity, f.heldOut.specificity,
                    f.eceCalibrated, f.reused ? "  (trained earlier)" : "");
    }
    std::printf("mean +- sd over %zu folds:", result.folds.size());
    for (const char *key :
         {"roc_auc", "accuracy", "sensitivity", "specificity", "balanced_accuracy"}) {
        if (const pipeline::FoldSpread *s = spreadOf(result, key)) {
            std::printf(" %s %.3f +- %.3f;", key, s->mean, s->sd);
        }
    }
    std::printf("\npooled held-out ROC AUC %.3f; saved %s\n", result.pooledRocAuc,
                result.summaryFile.string().c_str());
}

} // namespace cxr::cli
