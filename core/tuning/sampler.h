// SPDX-License-Identifier: MIT
#pragma once

// How a study picks each trial's values. Every sampler is deterministic: the same space, seed
// and history give the same values, so a study run again (or resumed) finds the same trials.
//   - random: each parameter drawn independently (log-uniform on a log scale);
//   - grid: every combination of each parameter's grid values (choices, whole numbers of a
//     short int range, five points across a range, on a log scale for log_uniform), in order;
//   - tpe: the Tree-structured Parzen Estimator (Bergstra et al., 2011): after 8 random trials
//     (complete or pruned), values where a density fitted to the best quarter of the complete
//     trials is high compared with one fitted to the rest and the pruned ones.

#include "core/tuning/search_space.h"
#include "core/tuning/trial.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cxr::tuning {

class Sampler {
public:
    virtual ~Sampler() = default;
    // The values of trial number (1-based); history: the trials before it, finished or not.
    virtual Assignment sample(int number, const std::vector<Trial> &history) = 0;
    // How many distinct trials the sampler has (grid); none: unlimited.
    virtual std::optional<int> size() const { return std::nullopt; }
};

// name: random, grid or tpe. Errors name the sampler.
Result<std::unique_ptr<Sampler>> makeSampler(const std::string &name, const SearchSpace &space,
                                             std::uint64_t seed);

// The grid values of one parameter, as the grid sampler uses them.
std::vector<std::string> gridValues(const ParamSpec &spec);

} // namespace cxr::tuning
