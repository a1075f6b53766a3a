// SPDX-License-Identifier: MIT
#pragma once

// Weights in PyTorch's state_dict form: a dict from torchvision's parameter names to tensors,
// in the zip format torch.save writes. Import brings pretrained (ImageNet) weights into a model
// of the zoo; export lets Python load a trained model:
//   model.load_state_dict(torch.load("weights-state-dict.pt"))
// LibTorch reads a plain dict, not an OrderedDict: save torchvision's weights with
//   torch.save(dict(torchvision.models.resnet18(weights="IMAGENET1K_V1").state_dict()), "r18.pt")

#include "core/common/result.h"

#include <filesystem>
#include <string>
#include <vector>

namespace cxr::ml {

struct StateDictImport {
    std::vector<std::string> loaded;  // names whose tensors were copied in
    std::vector<std::string> adapted; // first convolutions summed (3 -> 1) or spread (1 -> 3)
    std::vector<std::string> skipped; // "name: reason" (no such tensor here, other shape)
    std::vector<std::string> missing; // the model's tensors the file did not have
};

// Per tensor of a state_dict file: its name and the sum of its values (a quick fingerprint for
// comparing weights, used by tests and `cxr export --list`).
Result<std::vector<std::pair<std::string, double>>>
stateDictSums(const std::filesystem::path &file);

// Exports the weights of a run (or model folder) to file as a state_dict.
Status exportStateDict(const std::filesystem::path &runOrModel, const std::filesystem::path &file);

} // namespace cxr::ml
