// SPDX-License-Identifier: MIT
#pragma once

#include "core/pipeline/evaluation_job.h"

#include <string>

namespace cxr::cli {

// `cxr evaluate --report`: the GUI's PDF report of an evaluation. Starts Qt's GUI layer for
// fonts (offscreen when there is no display).
Status writePdfReport(const pipeline::EvaluationJob &job, const pipeline::EvaluationResult &result,
                      const std::string &pdf, bool withPredictions);

} // namespace cxr::cli
