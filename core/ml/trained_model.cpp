// SPDX-License-Identifier: MIT
#include "core/ml/trained_model.h"
#include "core/ml/archive_integrity.h"

#include "core/ml/file_digest.h"
#include "core/ml/run_folder.h"
#include "core/ml/torch_errors.h"
#include "core/ml/torch_includes.h"

namespace cxr::ml {

Result<ModelFolder> openModelFolder(const std::filesystem::path &runOrModel)
{
    auto dir = findModelDir(runOrModel);
    if (!dir) {
        return dir.error();
    }
    auto card = readModelCard(modelCardPath(*dir));
    if (!card) {
        return card.error();
    }
    return ModelFolder{std::move(*dir), std::move(*card)};
}

Result<ClassifierNet> loadTrainedNet(const std::filesystem::path &modelDir, const ModelCard &card)
{
    const std::filesystem::path weights = modelDir / "weights.pt";
    if (!std::filesystem::is_regular_file(weights)) {
        return makeError(ErrorCode::NotFound, weights.string() + ": model weights missing");
    }
    if (!card.weightsSha256.empty()) {
        auto digest = sha256OfFile(weights);
        if (!digest) {
            return digest.error();
        }
        if (*digest != card.weightsSha256) {
            return makeError(ErrorCode::Corrupt,
                             weights.string() + ": the weights changed since the model card was "
                                                "written (SHA-256 differs); refusing to use them");
        }
    }
    // Also when the digest matched: a card and its weights can be crafted together, and a
    // crafted archive must be refused here, not crash LibTorch's reader. Cards without a digest
    // (older versions) leave only this between damage and LibTorch.
    if (auto whole = checkArchiveIntegrity(weights, "model weights"); !whole) {
        return whole.error();
    }
    try {
        ClassifierNet net = makeClassifierNet(card.spec);
        // Loading copies tensors by name without comparing shapes, so weights made for other
        // classes or channels would load and fail later, deep inside a convolution.
        std::vector<std::pair<std::string, std::vector<std::int64_t>>> expected;
        for (const auto &item : net->named_parameters()) {
            expected.emplace_back(item.key(), item.value().sizes().vec());
        }
        for (const auto &item : net->named_buffers()) {
            expected.emplace_back(item.key(), item.value().sizes().vec());
        }
        torch::serialize::InputArchive archive;
        try {
            archive.load_from(weights.string());
        } catch (const std::exception &e) {
            // Not only c10::Error: a damaged archive can make LibTorch's reader throw its
            // TorchScript parser's errors (torch::jit::ErrorReport), which ended the process
            // (found by fuzz_checkpoint).
            return makeError(ErrorCode::Corrupt, weights.string() +
                                                     ": not readable as model weights (" +
                                                     errorSummary(e, 160) + ")");
        }
        net->load(archive);
        std::size_t index = 0;
        for (const auto &item : net->named_parameters()) {
            if (item.value().sizes().vec() != expected[index++].second) {
                return makeError(ErrorCode::Incompatible,
                                 weights.string() + ": tensor " + item.key() +
                                     " has the wrong shape for the " + card.spec.architecture +
                                     " model its card describes (" +
                                     std::to_string(card.spec.channels) + " channels, " +
                                     std::to_string(card.spec.classNames.size()) + " classes)");
            }
        }
        for (const auto &item : net->named_buffers()) {
            if (item.value().sizes().vec() != expected[index++].second) {
                return makeError(ErrorCode::Incompatible,
                                 weights.string() + ": tensor " + item.key() +
                                     " has the wrong shape for the " + card.spec.architecture +
                                     " model its card describes");
            }
        }
        return net;
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Incompatible,
                         weights.string() + ": weights do not fit a " + card.spec.architecture +
                             " model for this card (" + errorSummary(e, 160) + ")");
    }
}

} // namespace cxr::ml
