// SPDX-License-Identifier: MIT
#pragma once

#include "core/augment/augmentation_settings.h"
#include "core/imaging/model_input.h"

#include <QImage>
#include <QString>
#include <QVector>

#include <cstdint>

namespace cxr::ui {

struct PreviewRequest {
    QString path;
    imaging::ModelInputSpec spec;
    AugmentationSettings settings;
    std::uint64_t seed = 1;
    int samples = 15;
};

struct PreviewResult {
    QImage original;         // the model input without augmentation
    QVector<QImage> samples; // what training would feed the model, one draw each
    QString error;           // "FILE: reason" when the image could not be loaded
};

// Loads request.path as the model input (resize, grey or RGB, exactly as training does) and
// renders request.samples augmented draws from request.seed with the CPU engine. Pure: runs
// on a worker thread.
PreviewResult renderAugmentationPreview(const PreviewRequest &request);

} // namespace cxr::ui
