// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: state_dict import into a network.

#include "core/ml/models.h"
#include "core/ml/state_dict.h"

namespace cxr::ml {

// Copies the tensors of file into net by name. A tensor of another shape is skipped, except a
// first convolution whose only difference is 3 versus 1 input channels: ImageNet's RGB kernels
// are summed for a grey model (the response to a grey image stays the same) and spread evenly
// for the other way round. Fails when the file cannot be read or no tensor matches at all (a
// state_dict of another architecture).
Result<StateDictImport> importStateDict(ClassifierNetImpl &net, const std::filesystem::path &file);

// The tensors of net by state_dict name, parameters and buffers.
std::vector<std::pair<std::string, torch::Tensor>> namedTensors(ClassifierNetImpl &net);

} // namespace cxr::ml
