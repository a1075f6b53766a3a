// SPDX-License-Identifier: MIT
#pragma once

// Mixup (Zhang et al., 2018): each training batch is blended with a shuffled copy of itself,
// image with image and loss with loss, by a weight drawn from Beta(alpha, alpha). A model
// trained so cannot be certain between two films, which keeps its probabilities from running
// to 0 and 1 on everything and smooths what it learns. The draws come from the augmentation
// generator, which the checkpoint saves, so a resumed run mixes the same pairs. Standard
// library only.

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace cxr::ml {

// Beta(alpha, alpha), alpha > 0, by Jöhnk's method in logarithms (so that the small powers
// of small alphas do not underflow). Formulas rather than std:: distributions, whose output
// differs between standard libraries.
inline double drawSymmetricBeta(double alpha, std::mt19937_64 &random)
{
    auto openUnit = [&random] { return (double(random() >> 11) + 0.5) * 0x1.0p-53; }; // (0, 1)
    for (;;) {
        const double logX = std::log(openUnit()) / alpha;
        const double logY = std::log(openUnit()) / alpha;
        const double larger = std::max(logX, logY);
        const double logSum = larger + std::log(std::exp(logX - larger) + std::exp(logY - larger));
        if (logSum <= 0) { // X + Y <= 1: accepted
            return std::exp(logX - logSum);
        }
    }
}

struct MixupDraw {
    double weight = 1;                 // of the batch's own images and labels
    std::vector<std::int64_t> partner; // image i is blended with image partner[i]
};

// One batch's mixup: the weight, and a permutation of the batch (Fisher-Yates).
inline MixupDraw drawMixup(double alpha, std::size_t batchSize, std::mt19937_64 &random)
{
    MixupDraw draw;
    draw.weight = drawSymmetricBeta(alpha, random);
    draw.partner.resize(batchSize);
    for (std::size_t i = 0; i < batchSize; ++i) {
        draw.partner[i] = std::int64_t(i);
    }
    for (std::size_t i = batchSize; i > 1; --i) {
        const std::size_t j = std::size_t(random() % i);
        std::swap(draw.partner[i - 1], draw.partner[j]);
    }
    return draw;
}

} // namespace cxr::ml
