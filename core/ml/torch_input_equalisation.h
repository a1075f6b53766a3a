// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: the "equalise" input normalisation (ModelSpec::normalisation), on
// tensors so that it runs inside the network on any device.

#include <torch/types.h>

namespace cxr::ml {

// input: [N, C, H, W], values in [0, 1] (level / 255). Each plane of each image is replaced by
// the mid-rank of its 8-bit level among the plane's pixels: (pixels below the level + half the
// pixels at it) / pixels, in (0, 1). Any strictly increasing change of the levels (exposure,
// window, gamma, a flatter or steeper contrast) leaves the result unchanged, and one that
// merges a few levels changes it little; so the network never sees how bright or how
// contrasted the detector made the film, only the order of its densities. The mid-rank, not the
// textbook equalisation's count at or below the level, is used so that no level's share of
// the image decides where the darkest pixels land. Same shape, memory format and type as
// input; no gradient flows back to the input.
torch::Tensor equaliseHistograms(const torch::Tensor &input);

} // namespace cxr::ml
