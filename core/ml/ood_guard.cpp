// SPDX-License-Identifier: MIT
#include "core/ml/ood_guard.h"

#include "core/ml/torch_archive.h"
#include "core/ml/torch_errors.h"
#include "core/ml/torch_includes.h"

#include <torch/linalg.h>

#include <cmath>

namespace cxr::ml {

torch::Tensor pooledFeatures(const torch::Tensor &featureMaps)
{
    return featureMaps.detach()
        .to(torch::kFloat32)
        .mean({2, 3})
        .to(torch::kCPU)
        .to(torch::kFloat64);
}

Result<OodReference> fitOodReference(const torch::Tensor &features, const torch::Tensor &labels,
                                     int classCount)
{
    const std::int64_t n = features.size(0);
    const std::int64_t d = features.size(1);
    if (n < 2) {
        return makeError(ErrorCode::InvalidDataset,
                         "the out-of-distribution reference needs at least two training images");
    }
    torch::NoGradGuard noGrad;
    const torch::Tensor x = features.to(torch::kFloat64);
    const torch::Tensor y = labels.to(torch::kCPU).to(torch::kInt64);
    std::vector<torch::Tensor> means;
    torch::Tensor centred = torch::zeros_like(x);
    for (int k = 0; k < classCount; ++k) {
        const torch::Tensor rows = (y == k).nonzero().squeeze(1);
        if (rows.numel() == 0) {
            continue; // no mean: an image can never be "near" a class it never saw
        }
        const torch::Tensor classRows = x.index_select(0, rows);
        const torch::Tensor mean = classRows.mean(0);
        means.push_back(mean);
        centred.index_copy_(0, rows, classRows - mean);
    }
    // Ledoit-Wolf: S shrunk towards mu * I with the weight that minimises the expected
    // Frobenius error. sum_i ||x_i x_i^T - S||^2 = sum_i ||x_i||^4 - n ||S||^2.
    const torch::Tensor sample = centred.t().matmul(centred) / double(n);
    const double mu = sample.trace().item<double>() / double(d);
    const torch::Tensor identity = torch::eye(d, torch::kFloat64);
    const double delta = (sample - mu * identity).pow(2).sum().item<double>();
    const double spread =
        centred.pow(2).sum(1).pow(2).sum().item<double>() / double(n) / double(n) -
        sample.pow(2).sum().item<double>() / double(n);
    double shrinkage = delta > 0 ? std::clamp(spread / delta, 0.0, 1.0) : 1.0;
    // A covariance of identical images (mu = 0) has no scale to shrink towards: use 1.
    const double target = mu > 0 ? mu : 1.0;
    const torch::Tensor shrunk = (1 - shrinkage) * sample + shrinkage * target * identity;
    OodReference reference;
    reference.classMeans = torch::stack(means);
    reference.precision = torch::linalg::inv(shrunk + 1e-9 * target * identity);
    reference.shrinkage = shrinkage;
    return reference;
}

torch::Tensor oodScores(const OodReference &reference, const torch::Tensor &features)
{
    torch::NoGradGuard noGrad;
    const torch::Tensor x = features.to(torch::kCPU).to(torch::kFloat64);
    const auto d = double(x.size(1));
    torch::Tensor nearest;
    for (std::int64_t k = 0; k < reference.classMeans.size(0); ++k) {
        const torch::Tensor delta = x - reference.classMeans[k];
        const torch::Tensor squared = (delta.matmul(reference.precision) * delta).sum(1);
        nearest = nearest.defined() ? torch::minimum(nearest, squared) : squared;
    }
    return (nearest.clamp_min(0) / d).sqrt();
}

Status saveOodReference(const OodReference &reference, const std::filesystem::path &file)
{
    torch::serialize::OutputArchive archive;
    archive.write("format", torch::tensor(std::int64_t(1)));
    archive.write("class_means", reference.classMeans);
    archive.write("precision", reference.precision);
    archive.write("shrinkage", torch::tensor(reference.shrinkage, torch::kFloat64));
    return saveArchiveAtomically(archive, file, "out-of-distribution reference");
}

Result<OodReference> loadOodReference(const std::filesystem::path &file)
{
    OodReference reference;
    try {
        torch::serialize::InputArchive archive;
        archive.load_from(file.string(), torch::kCPU);
        torch::Tensor format;
        torch::Tensor shrinkage;
        archive.read("format", format);
        archive.read("class_means", reference.classMeans);
        archive.read("precision", reference.precision);
        archive.read("shrinkage", shrinkage);
        reference.shrinkage = shrinkage.item<double>();
        const auto &means = reference.classMeans;
        const auto &precision = reference.precision;
        if (format.item<std::int64_t>() != 1 || means.dim() != 2 || precision.dim() != 2 ||
            precision.size(0) != means.size(1) || precision.size(1) != means.size(1) ||
            means.scalar_type() != torch::kFloat64 || precision.scalar_type() != torch::kFloat64 ||
            !torch::isfinite(precision).all().item<bool>() ||
            !torch::isfinite(means).all().item<bool>()) {
            return makeError(ErrorCode::Corrupt,
                             file.string() + ": not a usable out-of-distribution reference");
        }
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Corrupt, file.string() +
                                                 ": not a usable out-of-distribution reference (" +
                                                 errorSummary(e, 160) + ")");
    }
    return reference;
}

} // namespace cxr::ml
