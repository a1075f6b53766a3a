// SPDX-License-Identifier: MIT
#include "core/tuning/sampler.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>

namespace cxr::tuning {

namespace {

constexpr int kGridPoints = 5; // across a continuous range
// Random trials before the estimator takes over, pruned ones included: with a pruner most
// trials stop early, and counting complete ones only would keep TPE from ever starting.
constexpr int kTpeStartupTrials = 8;
constexpr double kTpeGoodShare = 0.25; // of the finished trials, those that fit l(x)
constexpr int kTpeCandidates = 24;     // drawn from l(x); the one with the best l/g wins

// One generator per trial: trial n's values do not depend on how many draws trial n-1 made.
std::mt19937_64 trialGenerator(std::uint64_t seed, int number)
{
    std::seed_seq sequence{std::uint32_t(seed), std::uint32_t(seed >> 32), std::uint32_t(number)};
    return std::mt19937_64(sequence);
}

double uniform01(std::mt19937_64 &random)
{
    return std::uniform_real_distribution<double>(0, 1)(random);
}

// A numeric parameter on the scale it is searched on (log for log_uniform).
double toSearchScale(const ParamSpec &spec, double x)
{
    return spec.kind == ParamKind::LogUniform ? std::log(x) : x;
}
double fromSearchScale(const ParamSpec &spec, double t)
{
    return spec.kind == ParamKind::LogUniform ? std::exp(t) : t;
}

std::string drawOne(const ParamSpec &spec, std::mt19937_64 &random)
{
    switch (spec.kind) {
    case ParamKind::Categorical:
        return spec.choices[std::size_t(random() % spec.choices.size())];
    case ParamKind::Integer:
        return numberText(double(std::int64_t(spec.low) +
                                 std::int64_t(random() % std::uint64_t(spec.high - spec.low + 1))),
                          spec.kind);
    case ParamKind::Uniform:
    case ParamKind::LogUniform:
        break;
    }
    const double low = toSearchScale(spec, spec.low);
    const double high = toSearchScale(spec, spec.high);
    return numberText(fromSearchScale(spec, low + uniform01(random) * (high - low)), spec.kind);
}

class RandomSampler : public Sampler {
public:
    RandomSampler(SearchSpace space, std::uint64_t seed) : m_space(std::move(space)), m_seed(seed)
    {}
    Assignment sample(int number, const std::vector<Trial> &) override
    {
        std::mt19937_64 random = trialGenerator(m_seed, number);
        Assignment values;
        for (const ParamSpec &spec : m_space.params) {
            if (isActive(spec, values)) {
                values.emplace_back(spec.name, drawOne(spec, random));
            }
        }
        return values;
    }

private:
    SearchSpace m_space;
    std::uint64_t m_seed;
};

class GridSampler : public Sampler {
public:
    explicit GridSampler(const SearchSpace &space)
    {
        Assignment prefix;
        enumerate(space, 0, prefix);
    }
    Assignment sample(int number, const std::vector<Trial> &) override
    {
        return m_points[std::size_t(number - 1) % m_points.size()];
    }
    std::optional<int> size() const override { return int(m_points.size()); }

private:
    // Depth first over the parameters in order; an inactive parameter adds no branch, so
    // conditional parameters never make duplicate points.
    void enumerate(const SearchSpace &space, std::size_t at, Assignment &prefix)
    {
        if (at == space.params.size()) {
            m_points.push_back(prefix);
            return;
        }
        const ParamSpec &spec = space.params[at];
        if (!isActive(spec, prefix)) {
            enumerate(space, at + 1, prefix);
            return;
        }
        for (const std::string &value : gridValues(spec)) {
            prefix.emplace_back(spec.name, value);
            enumerate(space, at + 1, prefix);
            prefix.pop_back();
        }
    }
    std::vector<Assignment> m_points;
};

// A Parzen estimator on [low, high] (search scale): a uniform prior and a Gaussian at each
// observation, as wide as the gap to its neighbours, each truncated to the range.
class ParzenEstimator {
public:
    ParzenEstimator(std::vector<double> points, double low, double high)
        : m_points(std::move(points)), m_low(low), m_high(high)
    {
        std::vector<double> sorted = m_points;
        sorted.push_back(low);
        sorted.push_back(high);
        std::sort(sorted.begin(), sorted.end());
        const double range = high - low;
        const double narrowest = range / std::min(100.0, double(m_points.size()) + 1);
        for (double point : m_points) {
            const auto at = std::lower_bound(sorted.begin(), sorted.end(), point);
            const double left = at == sorted.begin() ? range : point - *std::prev(at);
            const double right = std::next(at) == sorted.end() ? range : *std::next(at) - point;
            m_widths.push_back(std::clamp(std::max(left, right), narrowest, range));
        }
    }
    double density(double x) const
    {
        double sum = 1.0 / (m_high - m_low); // the prior
        for (std::size_t i = 0; i < m_points.size(); ++i) {
            sum += gaussian(x, m_points[i], m_widths[i]);
        }
        return sum / double(m_points.size() + 1);
    }
    double draw(std::mt19937_64 &random) const
    {
        const std::size_t component = std::size_t(random() % (m_points.size() + 1));
        if (component == m_points.size()) {
            return m_low + uniform01(random) * (m_high - m_low);
        }
        std::normal_distribution<double> normal(m_points[component], m_widths[component]);
        for (int attempt = 0; attempt < 16; ++attempt) {
            const double x = normal(random);
            if (x >= m_low && x <= m_high) {
                return x;
            }
        }
        return std::clamp(m_points[component], m_low, m_high);
    }

private:
    // A normal density truncated to [low, high] (renormalised to integrate to one there).
    double gaussian(double x, double mean, double width) const
    {
        const double z = (x - mean) / width;
        const auto cdf = [&](double v) {
            return 0.5 * std::erfc(-(v - mean) / (width * std::sqrt(2.0)));
        };
        const double mass = std::max(1e-12, cdf(m_high) - cdf(m_low));
        return std::exp(-0.5 * z * z) / (width * std::sqrt(2 * M_PI)) / mass;
    }
    std::vector<double> m_points;
    std::vector<double> m_widths;
    double m_low;
    double m_high;
};

class TpeSampler : public Sampler {
public:
    TpeSampler(SearchSpace space, std::uint64_t seed)
        : m_space(std::move(space)), m_seed(seed), m_random(m_space, seed)
    {}
    Assignment sample(int number, const std::vector<Trial> &history) override
    {
        std::vector<const Trial *> finished;
        std::vector<const Trial *> pruned;
        for (const Trial &trial : history) {
            if (trial.state == TrialState::Complete && std::isfinite(trial.bestScore())) {
                finished.push_back(&trial);
            } else if (trial.state == TrialState::Pruned) {
                pruned.push_back(&trial);
            }
        }
        if (int(finished.size() + pruned.size()) < kTpeStartupTrials || finished.empty()) {
            return m_random.sample(number, history);
        }
        std::stable_sort(finished.begin(), finished.end(), [](const Trial *a, const Trial *b) {
            return a->bestScore() > b->bestScore();
        });
        const std::size_t goodCount =
            std::max<std::size_t>(1, std::size_t(std::ceil(kTpeGoodShare * finished.size())));
        const std::vector<const Trial *> good(finished.begin(), finished.begin() + goodCount);
        std::vector<const Trial *> bad(finished.begin() + goodCount, finished.end());
        bad.insert(bad.end(), pruned.begin(), pruned.end()); // stopped for being poor
        std::mt19937_64 random = trialGenerator(m_seed, number);
        Assignment values;
        for (const ParamSpec &spec : m_space.params) {
            if (isActive(spec, values)) {
                values.emplace_back(spec.name, pick(spec, good, bad, random));
            }
        }
        return values;
    }

private:
    static std::vector<std::string> observed(const ParamSpec &spec,
                                             const std::vector<const Trial *> &trials)
    {
        std::vector<std::string> values;
        for (const Trial *trial : trials) {
            if (std::string value = valueOf(trial->params, spec.name); !value.empty()) {
                values.push_back(std::move(value));
            }
        }
        return values;
    }

    std::string pick(const ParamSpec &spec, const std::vector<const Trial *> &good,
                     const std::vector<const Trial *> &bad, std::mt19937_64 &random) const
    {
        const std::vector<std::string> goodValues = observed(spec, good);
        const std::vector<std::string> badValues = observed(spec, bad);
        if (spec.kind == ParamKind::Categorical) {
            return pickCategory(spec, goodValues, badValues, random);
        }
        const auto numbers = [&spec](const std::vector<std::string> &texts) {
            std::vector<double> out;
            for (const std::string &text : texts) {
                out.push_back(toSearchScale(spec, std::strtod(text.c_str(), nullptr)));
            }
            return out;
        };
        // Whole numbers: the range widened by half a step each side, so the ends are as likely
        // as the inside after rounding.
        const double pad = spec.kind == ParamKind::Integer ? 0.5 : 0;
        const double low = toSearchScale(spec, spec.low) - pad;
        const double high = toSearchScale(spec, spec.high) + pad;
        const ParzenEstimator l(numbers(goodValues), low, high);
        const ParzenEstimator g(numbers(badValues), low, high);
        double best = l.draw(random);
        double bestRatio = -INFINITY;
        for (int i = 0; i < kTpeCandidates; ++i) {
            const double x = i == 0 ? best : l.draw(random);
            const double ratio = std::log(l.density(x)) - std::log(g.density(x));
            if (ratio > bestRatio) {
                bestRatio = ratio;
                best = x;
            }
        }
        const double value = std::clamp(fromSearchScale(spec, best), spec.low, spec.high);
        return numberText(value, spec.kind);
    }

    static std::string pickCategory(const ParamSpec &spec, const std::vector<std::string> &good,
                                    const std::vector<std::string> &bad, std::mt19937_64 &random)
    {
        const auto weights = [&spec](const std::vector<std::string> &values) {
            std::vector<double> w(spec.choices.size(), 1.0); // a prior count of one each
            for (const std::string &value : values) {
                const auto at = std::find(spec.choices.begin(), spec.choices.end(), value);
                if (at != spec.choices.end()) {
                    w[std::size_t(at - spec.choices.begin())] += 1;
                }
            }
            const double total = std::accumulate(w.begin(), w.end(), 0.0);
            for (double &x : w) {
                x /= total;
            }
            return w;
        };
        const std::vector<double> l = weights(good);
        const std::vector<double> g = weights(bad);
        std::discrete_distribution<std::size_t> fromL(l.begin(), l.end());
        std::size_t best = fromL(random);
        for (int i = 1; i < kTpeCandidates; ++i) {
            const std::size_t candidate = fromL(random);
            if (l[candidate] / g[candidate] > l[best] / g[best]) {
                best = candidate;
            }
        }
        return spec.choices[best];
    }

    SearchSpace m_space;
    std::uint64_t m_seed;
    RandomSampler m_random;
};

} // namespace

std::vector<std::string> gridValues(const ParamSpec &spec)
{
    if (spec.kind == ParamKind::Categorical) {
        return spec.choices;
    }
    std::vector<std::string> values;
    if (spec.kind == ParamKind::Integer && spec.high - spec.low < kGridPoints) {
        for (double v = spec.low; v <= spec.high; ++v) {
            values.push_back(numberText(v, spec.kind));
        }
        return values;
    }
    const double low = toSearchScale(spec, spec.low);
    const double high = toSearchScale(spec, spec.high);
    for (int i = 0; i < kGridPoints; ++i) {
        const std::string text = numberText(
            fromSearchScale(spec, low + (high - low) * i / (kGridPoints - 1)), spec.kind);
        if (std::find(values.begin(), values.end(), text) == values.end()) {
            values.push_back(text);
        }
    }
    return values;
}

Result<std::unique_ptr<Sampler>> makeSampler(const std::string &name, const SearchSpace &space,
                                             std::uint64_t seed)
{
    if (name == "random") {
        return std::unique_ptr<Sampler>(std::make_unique<RandomSampler>(space, seed));
    }
    if (name == "grid") {
        return std::unique_ptr<Sampler>(std::make_unique<GridSampler>(space));
    }
    if (name == "tpe") {
        return std::unique_ptr<Sampler>(std::make_unique<TpeSampler>(space, seed));
    }
    return makeError(ErrorCode::InvalidArgument, "sampler " + name + ": use random, grid or tpe");
}

} // namespace cxr::tuning
