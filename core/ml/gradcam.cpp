// SPDX-License-Identifier: MIT
#include "core/ml/gradcam.h"

#include "core/ml/torch_includes.h"

#include <torch/autograd.h>

namespace cxr::ml {

namespace F = torch::nn::functional;

CamMap computeGradCam(ClassifierNetImpl &net, const torch::Tensor &input, CamTarget target)
{
    net.eval();
    torch::Tensor featureMap;
    {
        torch::NoGradGuard noGrad;
        featureMap = net.features(input);
    }
    featureMap = featureMap.detach().requires_grad_(true);
    const torch::Tensor logits = net.head(featureMap);

    CamMap cam;
    torch::Tensor score;
    if (logits.size(1) == 1) {
        const double logit = logits[0][0].item<double>();
        cam.probability = 1.0 / (1.0 + std::exp(-logit));
        const bool positive = target == CamTarget::Positive ||
                              (target == CamTarget::Predicted && logit >= 0);
        // The negative class of a sigmoid model is explained by -logit: its evidence is whatever
        // lowers the positive score.
        score = positive ? logits[0][0] : -logits[0][0];
        cam.explainedClass = positive ? 1 : 0;
    } else {
        const auto predicted = logits.argmax(1).item<std::int64_t>();
        const std::int64_t cls = target == CamTarget::Positive   ? 1
                                 : target == CamTarget::Negative ? 0
                                                                 : predicted;
        score = logits[0][cls];
        cam.explainedClass = int(cls);
        cam.probability = torch::softmax(logits, 1)[0][1].item<double>();
    }
    const torch::Tensor gradient = torch::autograd::grad({score}, {featureMap})[0];

    torch::NoGradGuard noGrad;
    const torch::Tensor weights = gradient.mean({2, 3}, /*keepdim=*/true); // [1, K, 1, 1]
    torch::Tensor map = torch::relu((weights * featureMap).sum(1, /*keepdim=*/true));
    map = F::interpolate(map, F::InterpolateFuncOptions()
                                  .size(std::vector<std::int64_t>{input.size(2), input.size(3)})
                                  .mode(torch::kBilinear)
                                  .align_corners(false));
    map = map.squeeze().to(torch::kCPU).contiguous();

    // Min-max to [0, 1]; a map with no positive evidence stays all zero and says so instead of
    // dividing by zero.
    const double low = map.min().item<double>();
    const double high = map.max().item<double>();
    if (high - low < 1e-12 || high <= 0) {
        map = torch::zeros_like(map);
        cam.flat = true;
    } else {
        map = (map - low) / (high - low);
    }
    cam.height = int(map.size(0));
    cam.width = int(map.size(1));
    cam.values.assign(map.data_ptr<float>(), map.data_ptr<float>() + map.numel());
    return cam;
}

} // namespace cxr::ml
