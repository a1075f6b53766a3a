// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/ml/model_spec.h"
#include "ui/report/evaluation_report.h"
#include "ui/report/page_flow.h"

namespace cxr::ui {

// The report's Grad-CAM gallery: for each confusion-matrix cell, its most confident images
// (input.gradCamExamplesPerCell of them) with the map of the class they were called, and their
// probability. File names are left out. A cancelled observer stops it (ErrorCode::Cancelled).
Status addGradCamGallery(PageFlow &flow, const EvaluationReportInput &input,
                         const ml::ModelSpec &spec, const QStringList &classes,
                         ProgressObserver *observer);

} // namespace cxr::ui
