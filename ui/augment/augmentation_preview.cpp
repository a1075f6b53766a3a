// SPDX-License-Identifier: MIT
#include "ui/augment/augmentation_preview.h"

#include "core/imaging/augmentation.h"
#include "core/imaging/image_loader.h"
#include "ui/common/image_conversion.h"

#include <random>

namespace cxr::ui {

PreviewResult renderAugmentationPreview(const PreviewRequest &request)
{
    PreviewResult result;
    imaging::LoadOptions load;
    load.reduceTo = request.spec.size; // the same reduced decode training's loader uses
    load.keepValues = false;
    auto image = imaging::loadImage(request.path.toStdString(), load);
    if (!image) {
        result.error = QString::fromStdString(image.error().message);
        return result;
    }
    const cv::Mat input = imaging::modelInputPicture(*image, request.spec);
    result.original = toQImage(input, ColourOrder::Rgb);
    std::mt19937_64 random(request.seed);
    for (int i = 0; i < request.samples; ++i) {
        const AugmentationDraw draw = drawAugmentation(request.settings, random);
        result.samples.append(toQImage(imaging::applyAugmentation(input, draw), ColourOrder::Rgb));
    }
    return result;
}

} // namespace cxr::ui
