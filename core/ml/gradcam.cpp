// SPDX-License-Identifier: MIT
#include "core/ml/gradcam.h"

#include "core/ml/tensor_batches.h"
#include "core/ml/torch_includes.h"

#include <torch/autograd.h>
#include <torch/linalg.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace cxr::ml {

namespace F = torch::nn::functional;

namespace {

// The score whose gradient a map follows, and the class it stands for.
struct ExplainedScore {
    torch::Tensor score;
    int cls = 0;
};

Result<ExplainedScore> explainedScore(const torch::Tensor &logits, const CamRequest &request)
{
    if (logits.size(1) == 1) {
        // Predicted means the class the model card's threshold calls, as the prediction shows it.
        const double probability = 1.0 / (1.0 + std::exp(-logits[0][0].item<double>()));
        const bool positiveLogit = probability >= request.decisionThreshold;
        const bool positive =
            request.targetClass == 1 || request.target == CamTarget::Positive ||
            (request.target == CamTarget::Predicted && request.targetClass < 0 && positiveLogit);
        // The negative class of a sigmoid model is explained by -logit: its evidence is whatever
        // lowers the positive score.
        return ExplainedScore{positive ? logits[0][0] : -logits[0][0], positive ? 1 : 0};
    }
    const auto classes = logits.size(1);
    std::int64_t cls = logits.argmax(1).item<std::int64_t>();
    if (request.targetClass >= 0) {
        cls = request.targetClass;
    } else if (request.target != CamTarget::Predicted) {
        cls = request.target == CamTarget::Positive ? 1 : 0;
    }
    if (cls >= classes) {
        return makeError(ErrorCode::InvalidArgument, "class " + std::to_string(cls) +
                                                         " does not exist: the model has " +
                                                         std::to_string(classes) + " classes");
    }
    return ExplainedScore{logits[0][cls], int(cls)};
}

// Eigen-CAM: the activations projected on their first principal component. An SVD's sign is
// arbitrary, so the sign is chosen to agree with the channels' summed activation; otherwise
// the map would show the least active places half of the time.
torch::Tensor eigenCam(const torch::Tensor &activations)
{
    const auto channels = activations.size(1);
    const torch::Tensor pixels =
        activations[0].reshape({channels, -1}).t().to(torch::kFloat64); // [hw, K]
    const torch::Tensor centred = pixels - pixels.mean(0, /*keepdim=*/true);
    const auto [u, s, vh] = torch::linalg_svd(centred, /*full_matrices=*/false);
    torch::Tensor projection = centred.matmul(vh[0]);
    const torch::Tensor total = pixels.sum(1);
    if ((projection * (total - total.mean())).sum().item<double>() < 0) {
        projection = -projection;
    }
    return projection.to(torch::kFloat32).reshape({1, 1, activations.size(2), activations.size(3)});
}

torch::Tensor gradientWeightedMap(const torch::Tensor &activations, const torch::Tensor &gradient,
                                  CamMethod method)
{
    torch::Tensor weights;
    if (method == CamMethod::GradCam) {
        weights = gradient.mean({2, 3}, /*keepdim=*/true);
    } else {
        // Grad-CAM++'s closed form for an exponential score: positive gradients weighted by
        // alpha = g^2 / (2 g^2 + sum(A) g^3) = 1 / (2 + sum(A) g), zero where the gradient is
        // zero. The reduced form keeps tiny gradients (early layers) from rounding to nothing.
        const torch::Tensor sumA = activations.sum({2, 3}, /*keepdim=*/true);
        const torch::Tensor denominator = 2 + sumA * gradient;
        const torch::Tensor defined = (gradient != 0) & (denominator.abs() > 1e-12);
        const torch::Tensor alpha = torch::where(
            defined, 1 / torch::where(defined, denominator, torch::ones_like(denominator)),
            torch::zeros_like(gradient));
        weights = (torch::relu(gradient) * alpha).sum({2, 3}, /*keepdim=*/true);
    }
    return (weights * activations).sum(1, /*keepdim=*/true);
}

} // namespace

namespace {

// The stage the map explains: by name, by index, or the last.
Result<std::size_t> camLayer(const std::vector<std::string> &layers, const CamRequest &request)
{
    std::size_t layer = request.layer < 0 ? layers.size() - 1 : std::size_t(request.layer);
    if (!request.layerName.empty()) {
        layer = std::size_t(std::find(layers.begin(), layers.end(), request.layerName) -
                            layers.begin());
        if (layer == layers.size()) {
            std::string names;
            for (const std::string &name : layers) {
                names += (names.empty() ? "" : ", ") + name;
            }
            return makeError(ErrorCode::InvalidArgument, "no layer \"" + request.layerName +
                                                             "\" in this model (it has " + names +
                                                             ")");
        }
    }
    if (layer >= layers.size()) {
        return makeError(ErrorCode::InvalidArgument, "layer " + std::to_string(request.layer) +
                                                         " does not exist: the model has " +
                                                         std::to_string(layers.size()) +
                                                         " layers to explain");
    }
    return layer;
}

// The map at the input's size, scaled to [0, 1] into cam; a map with no positive evidence stays
// all zero and says so instead of dividing by zero.
void finishMap(torch::Tensor map, const torch::Tensor &input, CamMap &cam)
{
    torch::NoGradGuard noGrad;
    map = torch::relu(map.to(torch::kFloat32));
    map = F::interpolate(map, F::InterpolateFuncOptions()
                                  .size(std::vector<std::int64_t>{input.size(2), input.size(3)})
                                  .mode(torch::kBilinear)
                                  .align_corners(false));
    map = map.squeeze().to(torch::kCPU).contiguous();
    map.masked_fill_(map.isnan(), 0); // a model that overflowed: no evidence, not a NaN picture

    // Min-max to [0, 1].
    cam.rawLow = map.min().item<double>();
    cam.rawHigh = map.max().item<double>();
    if (cam.rawHigh - cam.rawLow < 1e-12 * std::max(1.0, std::abs(cam.rawHigh)) ||
        cam.rawHigh <= 0) {
        map = torch::zeros_like(map);
        cam.flat = true;
    } else {
        map = (map - cam.rawLow) / (cam.rawHigh - cam.rawLow);
    }
    cam.height = int(map.size(0));
    cam.width = int(map.size(1));
    cam.values.assign(map.data_ptr<float>(), map.data_ptr<float>() + map.numel());
}

} // namespace

Result<CamMap> computeCam(ClassifierNetImpl &net, const torch::Tensor &input,
                          const CamRequest &request, torch::Tensor *featureMapOut)
{
    const std::vector<std::string> layers = net.stageNames();
    auto chosen = camLayer(layers, request);
    if (!chosen) {
        return chosen.error();
    }
    const std::size_t layer = *chosen;
    net.eval();
    torch::Tensor activations = input;
    {
        torch::NoGradGuard noGrad;
        for (std::size_t index = 0; index <= layer; ++index) {
            activations = net.stage(index, activations);
        }
    }
    const bool needsGradient = request.method != CamMethod::EigenCam;
    activations = activations.detach().requires_grad_(needsGradient);
    // Whatever the caller's mode: the score is differentiated, including its selection from the
    // logits (under a caller's NoGradGuard it would have no gradient).
    torch::AutoGradMode gradMode(needsGradient);
    torch::Tensor logits = activations;
    for (std::size_t index = layer + 1; index < layers.size(); ++index) {
        logits = net.stage(index, logits);
    }
    if (featureMapOut) {
        *featureMapOut = logits.detach();
    }
    // Calibrated logits: the probabilities shown and the threshold's class follow the card;
    // the gradient only scales by 1 / temperature (the bias adds a constant), which the map's
    // normalisation removes.
    logits = calibratedLogits(net.head(logits), request.calibration);

    CamMap cam;
    cam.method = request.method;
    cam.layer = layers[layer];
    const torch::Tensor probabilities =
        probabilitiesFromLogits(logits.detach()).to(torch::kCPU).to(torch::kFloat64);
    cam.classProbabilities.assign(probabilities.data_ptr<double>(),
                                  probabilities.data_ptr<double>() + probabilities.numel());
    cam.probability = cam.classProbabilities.size() > 1 ? cam.classProbabilities[1] : 0;

    torch::Tensor map;
    if (needsGradient) {
        auto target = explainedScore(logits, request);
        if (!target) {
            return target.error();
        }
        cam.explainedClass = target->cls;
        const torch::Tensor gradient = torch::autograd::grad({target->score}, {activations})[0];
        torch::NoGradGuard noGrad;
        map = gradientWeightedMap(activations.detach(), gradient, request.method);
    } else {
        torch::NoGradGuard noGrad;
        map = eigenCam(activations);
    }

    finishMap(map, input, cam);
    return cam;
}

Result<Faithfulness> computeFaithfulness(ClassifierNetImpl &net, const torch::Tensor &input,
                                         const CamMap &map, double topFraction,
                                         const LogitCalibration &calibration)
{
    if (map.flat) {
        return makeError(ErrorCode::InvalidArgument, "the map is flat: it has no region to remove");
    }
    if (map.explainedClass < 0) {
        return makeError(ErrorCode::InvalidArgument,
                         "Eigen-CAM explains no class: faithfulness needs a class-specific map");
    }
    if (map.height != input.size(2) || map.width != input.size(3)) {
        return makeError(ErrorCode::Incompatible, "the map is not the size of the model input");
    }
    if (!(topFraction > 0 && topFraction < 1)) {
        return makeError(ErrorCode::InvalidArgument,
                         "the top region must be between 0 and 1 of the image");
    }
    torch::NoGradGuard noGrad;
    net.eval();
    const torch::Tensor values = torch::from_blob(const_cast<float *>(map.values.data()),
                                                  {map.height, map.width}, torch::kFloat32);
    // Exactly the k strongest pixels: a cut-off value would take every tied pixel, and most
    // pixels of a focused map are tied at zero.
    const auto k = std::max<std::int64_t>(1, std::llround(topFraction * double(values.numel())));
    const torch::Tensor strongest = std::get<1>(values.flatten().topk(k));
    torch::Tensor region = torch::zeros({values.numel()}, torch::kBool);
    region.index_fill_(0, strongest, true);
    region = region.view({1, 1, map.height, map.width}).to(input.device());
    const torch::Tensor mean = input.mean({2, 3}, /*keepdim=*/true).expand_as(input);
    const torch::Tensor batch =
        torch::cat({input, torch::where(region, mean, input), torch::where(region, input, mean)});
    const torch::Tensor p =
        probabilitiesFromLogits(calibratedLogits(net.forward(batch), calibration))
            .to(torch::kCPU)
            .to(torch::kFloat64);
    Faithfulness result;
    result.topFraction = topFraction;
    result.original = p[0][map.explainedClass].item<double>();
    result.regionRemoved = p[1][map.explainedClass].item<double>();
    result.regionKept = p[2][map.explainedClass].item<double>();
    return result;
}

} // namespace cxr::ml
