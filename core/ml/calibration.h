// SPDX-License-Identifier: MIT
#pragma once

// Honest probabilities and a stated operating point, fitted on held-out images. Standard
// library only: training, site calibration and the GUI share it.
//  - Temperature scaling (Guo et al. 2017): every logit is divided by one T > 0 chosen to
//    minimise the negative log-likelihood. It changes how confident the model claims to be,
//    never the order of its scores, so ROC AUC is unchanged.
//  - For a binary model, a bias added after the temperature (Platt scaling, the same two
//    numbers as a logistic regression on the logit). A class-weighted loss trains the model as
//    if the classes were equally common; that moves every logit by about the log of the class
//    ratio, a shift no temperature can undo (expected calibration error stayed near 0.10 on
//    held-out patients with the temperature alone, 0.02-0.04 with the bias;
//    docs/benchmarks.md). Still monotonic: the order of the scores and ROC AUC are unchanged.
//  - The operating point: the decision threshold on P(class 1), chosen for a stated target
//    (for example sensitivity >= 0.95) rather than left at 0.5.

#include "core/common/result.h"

#include <optional>
#include <string>
#include <vector>

namespace cxr::ml {

// How a model's logits become calibrated ones: divided by the temperature, then, for a binary
// model's single logit, shifted by the bias. Identity by default.
struct LogitCalibration {
    double temperature = 1;
    double bias = 0; // binary models only; a multi-class model's is 0

    bool identity() const { return temperature == 1 && bias == 0; }
    // "temperature 0.744" or "temperature 0.744, bias +1.260", as the product says it.
    std::string describe() const;
};

// logits: count x classCount row-major, where a binary model has classCount 1 (one logit for
// class 1). labels: a class index per image. Returns the temperature in [0.05, 20] that
// minimises the mean negative log-likelihood; 1 when there are no images.
double fitTemperature(const std::vector<float> &logits, int classCount,
                      const std::vector<int> &labels);

// The calibration fitted on held-out images: a binary model's temperature and bias together
// (the pair of lowest negative log-likelihood, never worse than the temperature alone), a
// multi-class model's temperature. Identity when there are no images.
LogitCalibration fitCalibration(const std::vector<float> &logits, int classCount,
                                const std::vector<int> &labels);

// Whether labels hold both a 0 and a 1: what fitting a bias or choosing a threshold by rate
// needs (one class alone says nothing about where the other lies).
bool hasBothClasses(const std::vector<int> &labels);

// Mean negative log-likelihood of labels under the calibrated logits (the quantity fitted).
double negativeLogLikelihood(const std::vector<float> &logits, int classCount,
                             const std::vector<int> &labels, const LogitCalibration &calibration);

// P(class 1) of a binary model's logit under a calibration (the raw sigmoid by default).
double calibratedProbability(double logit, const LogitCalibration &calibration = {});

// A binary model's probabilities before calibration, recovered from the calibrated ones
// (the calibrated logit less the bias, times the temperature), for reliability diagrams
// before and after.
std::vector<float> uncalibratedProbabilities(const std::vector<float> &calibrated,
                                             const LogitCalibration &calibration);

// Expected calibration error of P(class 1): the image-weighted mean gap between the mean
// predicted probability and the observed share of positives over equal-width bins.
double expectedCalibrationError(const std::vector<int> &labels,
                                const std::vector<float> &probabilities, int bins = 10);

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
