// SPDX-License-Identifier: MIT
#pragma once

// A short CPU training run on the demo X-rays at 64 px: the trained model many tests need.

#include "core/pipeline/training_job.h"
#include "tests/common/test_paths.h"

#include <QString>

#include <string>

namespace cxr::test {

inline pipeline::TrainJob demoTrainJob(const QString &runDir, int epochs = 2,
                                       const std::string &architecture = "small-cnn")
{
    pipeline::TrainJob job;
    job.datasetDir = demoDataset().toStdString();
    job.runDir = runDir.toStdString();
    job.settings.model.architecture = architecture;
    job.settings.model.inputSize = 64;
    job.settings.epochs = epochs;
    job.settings.batchSize = 16;
    job.settings.device = "cpu";
    return job;
}

} // namespace cxr::test
