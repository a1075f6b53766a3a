// SPDX-License-Identifier: MIT
// The weights readers: any bytes as a model folder's weights.pt (LibTorch's archive, read by
// loadTrainedNet for a small custom CNN, as prediction reads it) and as a state_dict file
// (torch.save's pickle, read by stateDictSums, as --pretrained and export --list read it).
// Weights that load must give a forward pass: a loaded model that fails later, deep inside a
// convolution, is what loadTrainedNet's checks exist to prevent.
#include "core/ml/state_dict.h"
#include "core/ml/torch_includes.h"
#include "core/ml/trained_model.h"
#include "tests/fuzz/fuzz_input_file.h"

#include <cstdio>
#include <cstdlib>

namespace {

cxr::ml::ModelCard smallCard()
{
    cxr::ml::ModelCard card;
    cxr::ml::ModelSpec &s = card.spec;
    s.architecture = "custom-cnn";
    s.inputSize = 32;
    s.channels = 1;
    s.classNames = {"NORMAL", "PNEUMONIA"};
    s.custom.blocks = 1;
    s.custom.filters = 4;
    return card; // no weights_sha256: the digest check would refuse every mutation
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    torch::set_num_threads(1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace cxr;
    const auto &folder = fuzz::inputFolder();
    const auto weights = folder.write("weights.pt", data, size);
    static const ml::ModelCard card = smallCard();
    if (auto net = ml::loadTrainedNet(folder.dir(), card)) {
        try {
            torch::NoGradGuard noGrad;
            (*net)->eval();
            const torch::Tensor logits = (*net)->forward(torch::zeros({1, 1, 32, 32}));
            (void)logits.sum().item<double>();
        } catch (const std::exception &e) {
            std::fprintf(stderr, "fuzz: weights that loaded fail in the forward pass: %s\n", e.what());
            std::abort();
        }
    }
    (void)ml::stateDictSums(weights);
    return 0;
}
