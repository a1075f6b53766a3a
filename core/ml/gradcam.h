// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: Grad-CAM on a ClassifierNet.

#include "core/ml/classifier.h"
#include "core/ml/models.h"

namespace cxr::ml {

// input is [1, C, H, W] on the network's device. The backward pass stops at the feature map:
// features run without autograd, and only head() is differentiated.
CamMap computeGradCam(ClassifierNetImpl &net, const torch::Tensor &input, CamTarget target);

} // namespace cxr::ml
