// SPDX-License-Identifier: MIT
#include "core/ml/calibration.h"

#include "core/ml/diagnostic_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace cxr::ml {

namespace {

// log(1 + exp(x)) without overflow.
double softplus(double x)
{
    return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

} // namespace

bool hasBothClasses(const std::vector<int> &labels)
{
    return std::count(labels.begin(), labels.end(), 1) > 0 &&
           std::count(labels.begin(), labels.end(), 0) > 0;
}

double negativeLogLikelihood(const std::vector<float> &logits, int classCount,
                             const std::vector<int> &labels, const LogitCalibration &calibration)
{
    if (labels.empty()) {
        return 0;
    }
    const double temperature = calibration.temperature;
    double sum = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (classCount == 1) {
            const double z = double(logits[i]) / temperature + calibration.bias;
            sum += labels[i] == 1 ? softplus(-z) : softplus(z); // -log sigmoid(+-z)
            continue;
        }
        const float *row = logits.data() + i * std::size_t(classCount);
        double largest = -INFINITY;
        for (int k = 0; k < classCount; ++k) {
            largest = std::max(largest, double(row[k]) / temperature);
        }
        double total = 0;
        for (int k = 0; k < classCount; ++k) {
            total += std::exp(double(row[k]) / temperature - largest);
        }
        sum += largest + std::log(total) - double(row[labels[i]]) / temperature;
    }
    return sum / double(labels.size());
}

double fitTemperature(const std::vector<float> &logits, int classCount,
                      const std::vector<int> &labels)
{
    if (labels.empty()) {
        return 1;
    }
    // The likelihood is smooth and unimodal in log T for these models; a golden-section search
    // over [0.05, 20] needs no gradient and cannot step outside the range.
    double low = std::log(0.05);
    double high = std::log(20.0);
    const double ratio = (std::sqrt(5.0) - 1) / 2;
    auto loss = [&](double logT) {
        return negativeLogLikelihood(logits, classCount, labels,
                                     LogitCalibration{std::exp(logT), 0});
    };
    double a = high - ratio * (high - low);
    double b = low + ratio * (high - low);
    double lossA = loss(a);
    double lossB = loss(b);
    for (int iteration = 0; iteration < 80 && high - low > 1e-6; ++iteration) {
        if (lossA <= lossB) {
            high = b;
            b = a;
            lossB = lossA;
            a = high - ratio * (high - low);
            lossA = loss(a);
        } else {
            low = a;
            a = b;
            lossA = lossB;
            b = low + ratio * (high - low);
            lossB = loss(b);
        }
    }
    return std::exp((low + high) / 2);
}

LogitCalibration fitCalibration(const std::vector<float> &logits, int classCount,
                                const std::vector<int> &labels)
{
    LogitCalibration best{fitTemperature(logits, classCount, labels), 0};
    // A bias fitted on one class alone runs to its bound and would call every image that class.
    if (classCount != 1 || !hasBothClasses(labels)) {
        return best;
    }
    // Newton's method on the slope s = 1 / T and the bias b of sigmoid(s z + b), from the
    // temperature alone. The loss is convex in (s, b). Each step is halved until the loss falls
    // and kept inside T in [0.05, 20], |b| <= 20, so the result is never worse than the
    // temperature alone. When the joint step cannot improve (the slope at its bound, or logits
    // too alike to tell slope from bias) a step in the bias alone is tried before stopping.
    double bestLoss = negativeLogLikelihood(logits, 1, labels, best);
    const auto tryStep = [&](double stepSlope, double stepBias) {
        const double slope = 1 / best.temperature;
        for (double fraction = 1; fraction > 1e-4; fraction /= 2) {
            const LogitCalibration candidate{
                1 / std::clamp(slope - fraction * stepSlope, 0.05, 20.0),
                std::clamp(best.bias - fraction * stepBias, -20.0, 20.0)};
            const double loss = negativeLogLikelihood(logits, 1, labels, candidate);
            if (loss < bestLoss) {
                const bool meaningful = bestLoss - loss > 1e-12;
                best = candidate;
                bestLoss = loss;
                return meaningful;
            }
        }
        return false;
    };
    for (int iteration = 0; iteration < 100; ++iteration) {
        const double slope = 1 / best.temperature;
        double gradSlope = 0, gradBias = 0, hSlopeSlope = 0, hSlopeBias = 0, hBiasBias = 0;
        for (std::size_t i = 0; i < labels.size(); ++i) {
            const double z = logits[i];
            const double p = 1 / (1 + std::exp(-(slope * z + best.bias)));
            const double residual = p - (labels[i] == 1 ? 1 : 0);
            const double weight = p * (1 - p);
            gradSlope += residual * z;
            gradBias += residual;
            hSlopeSlope += weight * z * z;
            hSlopeBias += weight * z;
            hBiasBias += weight;
        }
        const double determinant = hSlopeSlope * hBiasBias - hSlopeBias * hSlopeBias;
        const bool jointStep = determinant > 1e-12 * (hSlopeSlope * hBiasBias + 1e-300);
        if (jointStep && tryStep((hBiasBias * gradSlope - hSlopeBias * gradBias) / determinant,
                                 (hSlopeSlope * gradBias - hSlopeBias * gradSlope) / determinant)) {
            continue;
        }
        if (!(hBiasBias > 0) || !tryStep(0, gradBias / hBiasBias)) {
            break;
        }
    }
    if (std::abs(best.bias) < 1e-6) {
        best.bias = 0; // nothing to shift: the card stays a temperature alone
    }
    return best;
}

std::string LogitCalibration::describe() const
{
    char text[80];
    if (bias == 0) {
        std::snprintf(text, sizeof text, "temperature %.3f", temperature);
    } else {
        std::snprintf(text, sizeof text, "temperature %.3f, bias %+.3f", temperature, bias);
    }
    return text;
}

double calibratedProbability(double logit, const LogitCalibration &calibration)
{
    return 1.0 / (1.0 + std::exp(-(logit / calibration.temperature + calibration.bias)));
}

std::vector<float> uncalibratedProbabilities(const std::vector<float> &calibrated,
                                             const LogitCalibration &calibration)
{
    std::vector<float> raw;
    raw.reserve(calibrated.size());
    for (float p : calibrated) {
        const double clamped = std::clamp(double(p), 1e-7, 1 - 1e-7);
        const double logit =
            (std::log(clamped / (1 - clamped)) - calibration.bias) * calibration.temperature;
        raw.push_back(float(calibratedProbability(logit)));
    }
    return raw;
}

double expectedCalibrationError(const std::vector<int> &labels,
                                const std::vector<float> &probabilities, int bins)
{
    if (labels.empty()) {
        return std::nan("");
    }
    double error = 0;
    for (const CalibrationBin &bin : calibrationCurve(labels, probabilities, bins)) {
        if (bin.count > 0) {
            error += double(bin.count) * std::abs(bin.meanPredicted - bin.observedRate);
        }
    }
    return error / double(labels.size());
}

Result<OperatingPointRule> parseOperatingPoint(const std::string &text)
{
    using Kind = OperatingPointRule::Kind;
    if (text == "youden") {
        return OperatingPointRule{Kind::Youden, 0};
    }
    const auto colon = text.find(':');
    const std::string kind = text.substr(0, colon);
    const std::string number = colon == std::string::npos ? "" : text.substr(colon + 1);
    char *end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    const bool numeric = !number.empty() && end && *end == '\0' && std::isfinite(value);
    const auto bad = [&text](const std::string &why) {
        return makeError(ErrorCode::InvalidArgument, "operating point '" + text + "': " + why);
    };
    if (kind != "fixed" && kind != "sensitivity" && kind != "specificity") {
        return bad("use fixed:P, sensitivity:S, specificity:S or youden");
    }
    if (!numeric || value < 0 || value > 1 || (kind != "fixed" && value == 0)) {
        return bad("the number after the colon must be in (0, 1]");
    }
    return OperatingPointRule{kind == "fixed"         ? Kind::Fixed
                              : kind == "sensitivity" ? Kind::Sensitivity
                                                      : Kind::Specificity,
                              value};
}

namespace {

// A rule's two spellings: as typed (--operating-point, model cards) and as read in reports.
struct RuleSpellings {
    const char *spec;
    const char *name;
};

RuleSpellings spellingsOf(OperatingPointRule::Kind kind)
{
    switch (kind) {
    case OperatingPointRule::Kind::Fixed:
        return {"fixed:%g", "fixed threshold %g"};
    case OperatingPointRule::Kind::Sensitivity:
        return {"sensitivity:%g", "sensitivity>=%g"};
    case OperatingPointRule::Kind::Specificity:
        return {"specificity:%g", "specificity>=%g"};
    case OperatingPointRule::Kind::Youden:
        break;
    }
    return {"youden", "Youden's J"};
}

std::string spelled(const char *format, double value)
{
    if (!std::strchr(format, '%')) {
        return format;
    }
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

} // namespace

std::string operatingPointName(const OperatingPointRule &rule)
{
    return spelled(spellingsOf(rule.kind).name, rule.value);
}

std::string operatingPointSpec(const OperatingPointRule &rule)
{
    return spelled(spellingsOf(rule.kind).spec, rule.value);
}

Result<double> chooseThreshold(const OperatingPointRule &rule, const std::vector<int> &labels,
                               const std::vector<float> &probabilities)
{
    if (rule.kind == OperatingPointRule::Kind::Fixed) {
        return rule.value;
    }
    if (!hasBothClasses(labels)) {
        return makeError(ErrorCode::InvalidDataset, "choosing the threshold for " +
                                                        operatingPointName(rule) +
                                                        " needs images of both classes");
    }
    switch (rule.kind) {
    case OperatingPointRule::Kind::Sensitivity:
        return thresholdForSensitivity(labels, probabilities, rule.value);
    case OperatingPointRule::Kind::Specificity:
        return thresholdForSpecificity(labels, probabilities, rule.value);
    default:
        return youdenThreshold(labels, probabilities);
    }
}

} // namespace cxr::ml
