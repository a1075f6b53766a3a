// SPDX-License-Identifier: MIT
// What a training run writes into its run folder: checkpoints, and the best model with its card.
#include "core/common/version.h"
#include "core/ml/file_digest.h"
#include "core/ml/model_card.h"
#include "core/ml/torch_archive.h"
#include "core/ml/training_run.h"

#include <sstream>

namespace cxr::ml {

// The whole state of the run after an epoch, or within one (progress.batches > 0), in one
// archive, written atomically.
Status TrainingRun::saveCheckpoint(const EpochProgress &progress)
{
    TrainingCheckpoint c;
    c.step = m_batchesDone;
    c.history = m_summary.epochs;
    c.bestEpoch = m_summary.bestEpoch;
    c.bestValLoss = m_bestValLoss;
    c.bestSelection = m_bestSelection;
    c.earlyStoppingBest = m_bestScore;
    c.epochsWithoutGain = m_epochsWithoutGain;
    c.schedule = m_schedule->state();
    c.progress = progress;
    c.lossScale = m_scaler.state();
    // The augmentation draws as of the last trained batch (the next one is drawn ahead).
    std::ostringstream augmentState;
    augmentState << m_augmentRandomAtStep;
    c.augmentationRandom = augmentState.str();
    m_lastCheckpointAt = std::chrono::steady_clock::now();
    // The step log first: a crash between the two leaves rows after the checkpoint, which a
    // resume drops, never a checkpoint without its rows.
    if (auto written = writeStepsCsv(m_paths, m_stepLog); !written) {
        return written;
    }
    return writeCheckpoint(m_paths.lastCheckpoint(), c, modules(), m_device);
}

// Restores the run from checkpoints/last.pt; returns how far its unfinished epoch got.
Result<EpochProgress> TrainingRun::loadCheckpoint()
{
    auto loaded = readCheckpoint(m_paths.lastCheckpoint(), modules(), m_device);
    if (!loaded) {
        return loaded.error();
    }
    useDeviceLayout();
    TrainingCheckpoint &c = *loaded;
    m_batchesDone = c.step;
    m_summary.epochs = std::move(c.history);
    m_summary.bestEpoch = c.bestEpoch;
    m_bestValLoss = c.bestValLoss;
    m_bestSelection = c.bestSelection;
    m_bestScore = c.earlyStoppingBest;
    m_epochsWithoutGain = c.epochsWithoutGain;
    m_schedule->restore(c.schedule);
    if (!c.lossScale.empty()) {
        m_scaler.restore(c.lossScale);
    }
    std::istringstream(c.augmentationRandom) >> m_augmentRandom;
    m_augmentRandomAtStep = m_augmentRandom;
    return std::move(c.progress);
}

// The best weights so far, and their model card.
Status TrainingRun::saveModel(const EpochMetrics &m)
{
    torch::serialize::OutputArchive archive;
    m_net->save(archive);
    if (auto saved = saveArchiveAtomically(archive, m_paths.weights(), "model weights"); !saved) {
        return saved;
    }
    ModelCard card;
    card.spec = m_settings.model;
    card.name = m_settings.model.architecture + " (" + m_paths.root.filename().string() +
                ", epoch " + std::to_string(m.epoch) + ")";
    card.createdWith = std::string("CXR Studio ") + kVersionString;
    card.trainedOn = m_settings.datasetPath;
    card.bestEpoch = m.epoch;
    card.sawTestSplit = false;
    auto digest = sha256OfFile(m_paths.weights());
    if (!digest) {
        return digest.error();
    }
    card.weightsSha256 = *digest;
    card.population = {m_settings.populationMinAgeYears, m_settings.populationMaxAgeYears};
    card.validationMetrics = {{"loss", m.valLoss}, {"accuracy", m.valAccuracy}};
    if (std::isfinite(m.valAuc)) {
        card.validationMetrics["auc"] = m.valAuc;
    }
    // Heatmap reviews judged the weights just replaced: kept, renamed, but no longer
    // counted towards the new weights' approval (the fresh card starts unreviewed).
    const auto reviews = m_paths.modelCard().parent_path() / "reviews.csv";
    std::error_code error;
    if (std::filesystem::exists(reviews, error)) {
        std::filesystem::rename(reviews,
                                reviews.parent_path() /
                                    ("reviews-before-epoch-" + std::to_string(m.epoch) + ".csv"),
                                error);
    }
    return writeModelCard(m_paths.modelCard(), card);
}

} // namespace cxr::ml
