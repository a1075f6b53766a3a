// SPDX-License-Identifier: MIT
#include "core/ml/trained_model.h"

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
    auto card = readModelCard(*dir / "model.json");
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
    try {
        ClassifierNet net = makeClassifierNet(card.spec);
        torch::serialize::InputArchive archive;
        archive.load_from(weights.string());
        net->load(archive);
        return net;
    } catch (const c10::Error &e) {
        return makeError(ErrorCode::Incompatible,
                         weights.string() + ": weights do not fit a " + card.spec.architecture +
                             " model for this card (" +
                             errorSummary(e, 160) + ")");
    }
}

} // namespace cxr::ml
