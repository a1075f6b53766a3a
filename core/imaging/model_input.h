// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/imaging/image.h"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace cxr::imaging {

// How an image reaches the model's square input; the model card records it.
// Squash stretches the whole image to size x size (what the thesis and most Kermany pipelines
// do). Letterbox keeps the aspect ratio: the image is centred on a black square first.
// Both resample with area interpolation.
enum class ResizeMode { Squash, Letterbox };

struct ModelInputSpec {
    int size = 224;
    int channels = 1; // 1: grey; 3: grey replicated to three channels, or colour as RGB
    ResizeMode resize = ResizeMode::Squash;
};

// THE model-input function, shared by training, evaluation, prediction and Grad-CAM, so that
// the same file always gives the same tensor:
//   1. decode with loadImage (JPEGs at reduced size when still >= spec.size: same class of
//      output, several times faster for large radiographs), DICOM through its display pipeline;
//   2. convert to spec.channels (grey or RGB);
//   3. resize to spec.size x spec.size (squash, area interpolation);
//   4. scale to [0, 1] (pixel / 255), laid out CHW, float32.
Result<std::vector<float>> loadModelInput(const std::filesystem::path &path,
                                          const ModelInputSpec &spec);
// The same before step 4's division: 8-bit CHW levels (the form datasets and caches keep).
Result<std::vector<std::uint8_t>> loadModelInputBytes(const std::filesystem::path &path,
                                                      const ModelInputSpec &spec);

// Steps 2-4 on an already decoded image; also the 8-bit picture of exactly what the model sees.
std::vector<float> toModelInput(const Image &image, const ModelInputSpec &spec);
std::vector<std::uint8_t> toModelInputBytes(const Image &image, const ModelInputSpec &spec);
// Step 4 alone: level / 255.
std::vector<float> scaleModelInput(const std::vector<std::uint8_t> &bytes);
cv::Mat modelInputPicture(const Image &image, const ModelInputSpec &spec);
// What the layers of a model whose normalisation is "equalise" see, as 8-bit levels to show:
// each plane's levels replaced by their mid-rank within the plane (pixels below the level plus
// half those at it, over all), times 255. The network computes the same on tensors
// (core/ml/torch_input_equalisation.h); chw holds planes of equal size.
std::vector<std::uint8_t> equalisedLevels(const std::vector<std::uint8_t> &chw, int planes);

// Where an image of imageWidth x imageHeight lies inside the model input (the whole square for
// Squash, the centred content for Letterbox), in model-input pixels. Maps heatmaps back.
cv::Rect contentRect(int imageWidth, int imageHeight, const ModelInputSpec &spec);

} // namespace cxr::imaging
