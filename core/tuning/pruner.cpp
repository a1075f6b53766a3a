// SPDX-License-Identifier: MIT
#include "core/tuning/pruner.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace cxr::tuning {

namespace {

constexpr int kMedianStartupTrials = 3; // others that must have reached the epoch
constexpr int kMedianWarmupEpochs = 1;  // never judged on its first epoch alone
constexpr int kAshaMinEpochs = 1;       // the first rung
constexpr int kAshaReduction = 3;       // one in three goes on at each rung

// The other trials' best scores over their first epochs epochs, for those that got that far.
std::vector<double> bestScoresAt(const std::vector<Trial> &others, int number, int epochs)
{
    std::vector<double> scores;
    for (const Trial &trial : others) {
        if (trial.number != number && int(trial.scores.size()) >= epochs &&
            std::isfinite(trial.bestScore(epochs))) {
            scores.push_back(trial.bestScore(epochs));
        }
    }
    return scores;
}

class NoPruner : public Pruner {
public:
    bool shouldPrune(const Trial &, const std::vector<Trial> &) const override { return false; }
};

class MedianPruner : public Pruner {
public:
    bool shouldPrune(const Trial &running, const std::vector<Trial> &others) const override
    {
        const int epochs = int(running.scores.size());
        if (epochs <= kMedianWarmupEpochs) {
            return false;
        }
        std::vector<double> scores = bestScoresAt(others, running.number, epochs);
        if (int(scores.size()) < kMedianStartupTrials) {
            return false;
        }
        std::sort(scores.begin(), scores.end());
        const std::size_t middle = scores.size() / 2;
        const double median =
            scores.size() % 2 ? scores[middle] : (scores[middle - 1] + scores[middle]) / 2;
        return running.bestScore() < median;
    }
};

class AshaPruner : public Pruner {
public:
    bool shouldPrune(const Trial &running, const std::vector<Trial> &others) const override
    {
        const int epochs = int(running.scores.size());
        int rung = kAshaMinEpochs;
        while (rung < epochs) {
            rung *= kAshaReduction;
        }
        if (rung != epochs) {
            return false; // judged at rungs only
        }
        std::vector<double> scores = bestScoresAt(others, running.number, epochs);
        const double own = running.bestScore();
        scores.push_back(own);
        // The top share goes on; with fewer trials than the reduction factor, the best alone.
        const std::size_t kept = std::max<std::size_t>(1, scores.size() / kAshaReduction);
        std::sort(scores.begin(), scores.end(), std::greater<double>());
        return own < scores[kept - 1];
    }
};

} // namespace

Result<std::unique_ptr<Pruner>> makePruner(const std::string &name)
{
    if (name == "none") {
        return std::unique_ptr<Pruner>(std::make_unique<NoPruner>());
    }
    if (name == "median") {
        return std::unique_ptr<Pruner>(std::make_unique<MedianPruner>());
    }
    if (name == "asha") {
        return std::unique_ptr<Pruner>(std::make_unique<AshaPruner>());
    }
    return makeError(ErrorCode::InvalidArgument, "pruner " + name + ": use none, median or asha");
}

} // namespace cxr::tuning
