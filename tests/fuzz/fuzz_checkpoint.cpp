// SPDX-License-Identifier: MIT
// The weights readers: any bytes as a model folder's weights.pt (LibTorch's archive, read by
// loadTrainedNet for a small custom CNN, as prediction reads it) and as a state_dict file
// (torch.save's pickle, read by stateDictSums, as --pretrained and export --list read it).
// Weights that load must give a forward pass: a loaded model that fails later, deep inside a
// convolution, is what loadTrainedNet's checks exist to prevent.
//
// A weights.pt holds TorchScript source (code/...), which LibTorch 1.13 compiles while loading,
// and its compiler crashes on some damaged source (a SEGV in ScriptTypeParser, found by this
// target; not ours to fix). CXR Studio's defences are the records' CRC-32, checked before
// LibTorch reads an archive (archive_integrity.h), and the weights' SHA-256 in the model card; a
// target with the digest would refuse every input. This target keeps the source as CXR Studio
// writes it for the card's model and fuzzes the rest: inputs whose code/ records differ are
// given to the state_dict reader only.
#include "core/ml/models.h"
#include "core/ml/state_dict.h"
#include "core/ml/torch_includes.h"
#include "core/ml/trained_model.h"
#include "tests/fuzz/fuzz_input_file.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/serialize.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

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

using Records = std::map<std::string, std::string>;

// The TorchScript source records (code/...) of a LibTorch archive; nullopt when LibTorch's
// reader refuses the file (loading it then fails the same way, safely).
std::optional<Records> codeRecords(const std::string &file)
{
    try {
        caffe2::serialize::PyTorchStreamReader reader(file);
        Records records;
        for (const std::string &name : reader.getAllRecords()) {
            if (name.rfind("code/", 0) == 0) {
                auto [data, size] = reader.getRecord(name);
                records[name] = std::string(static_cast<const char *>(data.get()), size);
            }
        }
        return records;
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

// The source CXR Studio writes for the card's model: what its trainer saves.
Records &expectedCode()
{
    static Records records;
    return records;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    torch::set_num_threads(1);
    const auto file = cxr::fuzz::inputFolder().dir() / "reference.pt";
    torch::serialize::OutputArchive archive;
    cxr::ml::makeClassifierNet(smallCard().spec)->save(archive);
    archive.save_to(file.string());
    expectedCode() = codeRecords(file.string()).value_or(Records{});
    if (expectedCode().empty()) {
        std::fprintf(stderr, "fuzz: no TorchScript source in a weights file written here\n");
        std::abort();
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace cxr;
    const auto &folder = fuzz::inputFolder();
    const auto weights = folder.write("weights.pt", data, size);
    static const ml::ModelCard card = smallCard();
    const std::optional<Records> code = codeRecords(weights.string());
    if (code && *code != expectedCode()) {
        (void)ml::stateDictSums(weights);
        return 0;
    }
    if (auto net = ml::loadTrainedNet(folder.dir(), card)) {
        try {
            torch::NoGradGuard noGrad;
            (*net)->eval();
            const torch::Tensor logits = (*net)->forward(torch::zeros({1, 1, 32, 32}));
            (void)logits.sum().item<double>();
        } catch (const std::exception &e) {
            std::fprintf(stderr, "fuzz: weights that loaded fail in the forward pass: %s\n",
                         e.what());
            std::abort();
        }
    }
    (void)ml::stateDictSums(weights);
    return 0;
}
