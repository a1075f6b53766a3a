// SPDX-License-Identifier: MIT
#include "core/ml/model_summary.h"

#include "core/ml/models.h"
#include "core/ml/torch_errors.h"
#include "core/ml/torch_includes.h"

namespace cxr::ml {

Result<ModelSummary> summarizeModel(const ModelSpec &spec)
{
    if (!isKnownArchitecture(spec.architecture)) {
        return makeError(ErrorCode::InvalidArgument, "unknown model '" + spec.architecture + "'");
    }
    try {
        torch::NoGradGuard noGrad;
        ClassifierNet net = makeClassifierNet(spec);
        net->eval();
        ModelSummary summary;
        for (const auto &parameter : net->parameters()) {
            summary.parameters += parameter.numel();
        }
        for (const auto &item : net->named_parameters()) {
            summary.tensorNames.push_back(item.key());
        }
        for (const auto &item : net->named_buffers()) {
            summary.tensorNames.push_back(item.key());
        }
        const auto input = torch::zeros({1, spec.channels, spec.inputSize, spec.inputSize});
        const auto features = net->features(input);
        summary.featureChannels = features.size(1);
        summary.featureHeight = features.size(2);
        summary.featureWidth = features.size(3);
        summary.logits = net->head(features).size(1);
        return summary;
    } catch (const c10::Error &e) {
        return makeError(ErrorCode::InvalidArgument, spec.architecture + " cannot take a " +
                                                         std::to_string(spec.inputSize) +
                                                         " px input (" + errorSummary(e) + ")");
    }
}

} // namespace cxr::ml
