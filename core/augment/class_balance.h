// SPDX-License-Identifier: MIT
#pragma once

// Class balancing for training: which images one epoch visits, and the class weights of the
// loss. Shared by the trainer (core/ml) and the dataset page, which shows the class mix one
// epoch will have.

#include "core/common/enum_names.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace cxr {

enum class BalanceMethod {
    None,              // every training image once per epoch
    Oversample,        // minority classes drawn again (with replacement, fresh every epoch)
                       // until each class has as many images as the largest; with augmentation
                       // on, every repeat is a new random variant (the thesis's method, done
                       // fresh each epoch instead of once on disk)
    WeightedSampling,  // as many draws as images, each class equally likely
    ClassWeightedLoss, // every image once; the loss weighs class c by N / (K * n_c)
};

inline constexpr EnumNames<BalanceMethod, 4> kBalanceMethodNames{
    {{BalanceMethod::None, "none"},
     {BalanceMethod::Oversample, "oversample"},
     {BalanceMethod::WeightedSampling, "weighted-sampling"},
     {BalanceMethod::ClassWeightedLoss, "weighted-loss"}}};

// The methods by name: none, oversample, weighted-sampling, weighted-loss.
const EnumNames<BalanceMethod, 4> &balanceMethodNames();

const char *balanceMethodName(BalanceMethod method);

std::optional<BalanceMethod> parseBalanceMethod(const std::string &name);

// Images per class among labels (0 .. classCount - 1; other labels are not counted).
std::vector<std::int64_t> classCounts(const std::vector<int> &labels, int classCount);

// The expected number of images of each class that one epoch visits.
std::vector<double> epochClassMix(const std::vector<std::int64_t> &counts, BalanceMethod method);

// How many images one epoch visits: what epochSampleOrder returns the size of.
std::int64_t epochSampleCount(const std::vector<std::int64_t> &counts, BalanceMethod method);

// The loss weight of each class: N / (K * n_c) for ClassWeightedLoss (a balanced set gets 1
// everywhere), otherwise 1.
std::vector<double> lossClassWeights(const std::vector<std::int64_t> &counts, BalanceMethod method);

// The training images one epoch visits, in visiting order (indices into labels; an image may
// appear more than once). Deterministic for a given random state.
std::vector<std::int64_t> epochSampleOrder(const std::vector<int> &labels, int classCount,
                                           BalanceMethod method, std::mt19937_64 &random);

} // namespace cxr
