// SPDX-License-Identifier: MIT
#pragma once

// Honest probabilities and a stated operating point, fitted on held-out images. Standard
// library only: training, site calibration and the GUI share it.
//  - Temperature scaling (Guo et al. 2017): every logit is divided by one T > 0 chosen to
//    minimise the negative log-likelihood. It changes how confident the model claims to be,
//    never the order of its scores, so ROC AUC is unchanged.
//  - The operating point: the decision threshold on P(class 1), chosen for a stated target
//    (for example sensitivity >= 0.95) rather than left at 0.5.

#include "core/common/result.h"

#include <optional>
#include <string>
#include <vector>

namespace cxr::ml {

// logits: count x classCount row-major, where a binary model has classCount 1 (one logit for
// class 1). labels: a class index per image. Returns the temperature in [0.05, 20] that
// minimises the mean negative log-likelihood; 1 when there are no images.
double fitTemperature(const std::vector<float> &logits, int classCount, const std::vector<int> &labels);

// Mean negative log-likelihood of labels under logits / temperature (the quantity fitted).
double negativeLogLikelihood(const std::vector<float> &logits, int classCount,
                             const std::vector<int> &labels, double temperature);

// P(class 1) of a binary model's logit at a temperature.
double calibratedProbability(double logit, double temperature);

// A binary model's probabilities before temperature scaling, recovered from the calibrated
// ones (the calibrated logit times the temperature), for reliability diagrams before and after.
std::vector<float> uncalibratedProbabilities(const std::vector<float> &calibrated, double temperature);

// Expected calibration error of P(class 1): the image-weighted mean gap between the mean
// predicted probability and the observed share of positives over equal-width bins.
double expectedCalibrationError(const std::vector<int> &labels, const std::vector<float> &probabilities,
                                int bins = 10);

// How a binary model's decision threshold is chosen on held-out images.
struct OperatingPointRule {
    enum class Kind { Fixed, Sensitivity, Specificity, Youden };
    Kind kind = Kind::Sensitivity;
    double value = 0.95; // the fixed threshold, or the sensitivity/specificity to reach
};

// "fixed:0.5", "sensitivity:0.95", "specificity:0.9" or "youden"; an error names the text.
Result<OperatingPointRule> parseOperatingPoint(const std::string &text);
std::string operatingPointName(const OperatingPointRule &rule); // "sensitivity>=0.95"
std::string operatingPointSpec(const OperatingPointRule &rule); // "sensitivity:0.95" (parses back)

// The threshold the rule picks on labels and calibrated probabilities. Fixed needs no images;
// the others need both classes present (otherwise an error that says so).
Result<double> chooseThreshold(const OperatingPointRule &rule, const std::vector<int> &labels,
                               const std::vector<float> &probabilities);

} // namespace cxr::ml
