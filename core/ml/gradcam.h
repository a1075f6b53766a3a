// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: class-activation maps and their faithfulness on a ClassifierNet.

#include "core/common/result.h"
#include "core/ml/classifier.h"
#include "core/ml/models.h"

namespace cxr::ml {

// input is [1, C, H, W] on the network's device. Stages up to the explained layer run without
// autograd, so the backward pass stops at that layer; only what follows it is differentiated.
// When featureMapOut is given it receives the last feature map (features(input)), detached.
Result<CamMap> computeCam(ClassifierNetImpl &net, const torch::Tensor &input,
                          const CamRequest &request, torch::Tensor *featureMapOut = nullptr);

// Three forward passes in one batch: the image, the image with map's top region replaced by its
// mean, and the image with everything but that region replaced.
Result<Faithfulness> computeFaithfulness(ClassifierNetImpl &net, const torch::Tensor &input,
                                         const CamMap &map, double topFraction,
                                         const LogitCalibration &calibration = {});

} // namespace cxr::ml
