// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: AlexNet, VGG16 (thesis head), ResNet-18/50 and DenseNet-121, built with
// torchvision's module names so that weights move between the two by name.

#include "core/ml/models.h"

#include <string>

namespace cxr::ml {

// The network for architecture ("alexnet", "vgg16", "resnet18", "resnet50", "densenet121"),
// or null for any other name.
ClassifierNet makeImageNetArchitecture(const std::string &architecture, int channels, int logits);

} // namespace cxr::ml
