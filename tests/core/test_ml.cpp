// SPDX-License-Identifier: MIT
// core/ml through its torch-free facade, on the demo chest X-rays at reduced input size.
#include "core/data/dataset_scanner.h"
#include "core/data/split_loader.h"
#include "core/ml/classifier.h"
#include "core/ml/device.h"
#include "core/ml/mixup.h"
#include "core/ml/model_card.h"
#include "core/ml/run_folder.h"
#include "core/ml/state_dict.h"
#include "core/pipeline/evaluation_job.h"
#include "core/pipeline/input_spec.h"
#include "core/pipeline/training_job.h"
#include "tests/common/test_files.h"
#include "tests/common/test_paths.h"

#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace cxr;

namespace {

pipeline::TrainJob smallJob(const QString &runDir, const std::string &model = "small-cnn")
{
    pipeline::TrainJob job;
    job.datasetDir = test::demoDataset().toStdString();
    job.runDir = runDir.toStdString();
    job.settings.model.architecture = model;
    job.settings.model.inputSize = 64;
    job.settings.epochs = 3;
    job.settings.batchSize = 16;
    job.settings.device = "cpu";
    job.settings.seed = 7;
    return job;
}

// Cancels after the first reported batch.
class CancelAfterFirstBatch : public ml::TrainObserver {
public:
    void progress(std::int64_t done, std::int64_t) override { m_seen = done; }
    bool isCancelled() const override { return m_seen > 0; }

private:
    std::int64_t m_seen = 0;
};

// Keeps every batch report.
class BatchRecorder : public ml::TrainObserver {
public:
    void batchFinished(const ml::BatchReport &report) override { reports.push_back(report); }
    std::vector<ml::BatchReport> reports;
};

// Cancels in one epoch once afterBatches of its batches have trained.
class CancelInEpoch : public ml::TrainObserver {
public:
    explicit CancelInEpoch(int epoch, int afterBatches = 0)
        : m_epoch("Epoch " + std::to_string(epoch) + " "), m_afterBatches(afterBatches)
    {}
    void stage(const std::string &what) override { m_inEpoch = what.rfind(m_epoch, 0) == 0; }
    void batchFinished(const ml::BatchReport &) override { m_batches += m_inEpoch ? 1 : 0; }
    bool isCancelled() const override { return m_inEpoch && m_batches >= m_afterBatches; }

private:
    std::string m_epoch;
    int m_afterBatches;
    bool m_inEpoch = false;
    int m_batches = 0;
};

// Copies a run folder's files when a given step has been reported, before anything later is
// written: what a crash (power loss, SIGKILL) at that moment would leave behind.
class SnapshotAtStep : public ml::TrainObserver {
public:
    SnapshotAtStep(QString run, QString copy, std::int64_t step)
        : m_run(std::move(run)), m_copy(std::move(copy)), m_step(step)
    {}
    void batchFinished(const ml::BatchReport &report) override
    {
        if (report.step != m_step) {
            return;
        }
        QDir().mkpath(m_copy + "/checkpoints");
        QDir().mkpath(m_copy + "/model");
        for (const char *file : {"config.json", "metrics.csv", "steps.csv", "checkpoints/last.pt",
                                 "model/weights.pt", "model/model.json"}) {
            copied += QFile::copy(m_run + "/" + file, m_copy + "/" + file) ? 1 : 0;
        }
    }
    int copied = 0;

private:
    QString m_run;
    QString m_copy;
    std::int64_t m_step;
};

// The temporary files of interrupted atomic writes (NAME.partial) anywhere under folder.
QStringList partialFiles(const QString &folder)
{
    QStringList found;
    QDirIterator it(folder, {"*.partial"}, QDir::Files | QDir::Hidden,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        found << it.next();
    }
    return found;
}

} // namespace

class TestMl : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void trainsAndWritesRunFolder()
    {
        const QString run = m_dir.filePath("run");
        auto result = pipeline::runTrainJob(smallJob(run));
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
        const auto &epochs = result->summary.epochs;
        QCOMPARE(epochs.size(), std::size_t(3));
        QVERIFY2(epochs.back().trainLoss < epochs.front().trainLoss, "training loss went down");
        QCOMPARE(result->trainImages, 120);
        QCOMPARE(result->valImages, 30);

        const ml::RunPaths paths{run.toStdString()};
        for (const auto &file : {paths.config(), paths.metrics(), paths.lastCheckpoint(),
                                 paths.weights(), paths.modelCard()}) {
            QVERIFY2(std::filesystem::is_regular_file(file), file.c_str());
        }
        QFile config(QString::fromStdString(paths.config().string()));
        QVERIFY(config.open(QIODevice::ReadOnly));
        const QJsonObject json = QJsonDocument::fromJson(config.readAll()).object();
        QCOMPARE(json["test_split_used"].toBool(true), false);
        const QString hash = json["dataset"].toObject()["hash"].toString();
        QVERIFY2(hash.startsWith("fnv1a64:") && hash.size() == 8 + 16, qPrintable(hash));

        auto card = ml::readModelCard(paths.modelCard());
        QVERIFY(card.ok());
        QCOMPARE(card->spec.classNames, (std::vector<std::string>{"NORMAL", "PNEUMONIA"}));
        QCOMPARE(card->spec.inputSize, 64);
        QVERIFY(!card->sawTestSplit);
    }

    void reopensModelAndPredictsDeterministically()
    {
        auto classifier = ml::Classifier::open(m_dir.filePath("run").toStdString(), "cpu");
        QVERIFY2(classifier.ok(), classifier.ok() ? "" : classifier.error().message.c_str());
        ImageArrays arrays;
        arrays.channels = 1;
        arrays.height = arrays.width = 64;
        std::vector<std::uint8_t> pixels(2 * 64 * 64, 128);
        std::fill(pixels.begin() + 64 * 64, pixels.end(), 25);
        arrays.pixels = PixelBuffer(std::move(pixels));
        arrays.labels = {-1, -1};
        auto first = classifier->predict(arrays);
        auto second = classifier->predict(arrays);
        QVERIFY(first.ok() && second.ok());
        QCOMPARE(first->probabilities, second->probabilities);
        for (float p : first->probabilities) {
            QVERIFY(p >= 0.0f && p <= 1.0f);
        }
        QCOMPARE(first->probability(0, 0) + first->probability(0, 1), 1.0f);

        arrays.height = arrays.width = 32;
        QVERIFY(!classifier->predict(arrays).ok()); // wrong input size is refused
    }

    void gradCamTargetsAndRange()
    {
        auto classifier = ml::Classifier::open(m_dir.filePath("run").toStdString(), "cpu");
        QVERIFY(classifier.ok());
        std::vector<float> image(64 * 64);
        for (std::size_t i = 0; i < image.size(); ++i) {
            image[i] = float((i * 37) % 101) / 100.0f;
        }
        auto positive =
            classifier->explain(image, ml::CamRequest::gradCam(ml::CamTarget::Positive));
        auto negative =
            classifier->explain(image, ml::CamRequest::gradCam(ml::CamTarget::Negative));
        auto predicted =
            classifier->explain(image, ml::CamRequest::gradCam(ml::CamTarget::Predicted));
        QVERIFY(positive.ok() && negative.ok() && predicted.ok());
        QCOMPARE(positive->explainedClass, 1);
        QCOMPARE(negative->explainedClass, 0);
        // Predicted follows the card's threshold, which training chose on validation.
        QCOMPARE(predicted->explainedClass,
                 predicted->probability >= classifier->card().spec.threshold ? 1 : 0);
        for (const ml::CamMap *cam : {&*positive, &*negative}) {
            QCOMPARE(cam->width, 64);
            QCOMPARE(cam->values.size(), std::size_t(64 * 64));
            for (float v : cam->values) {
                QVERIFY(std::isfinite(v) && v >= 0.0f && v <= 1.0f);
            }
        }
        // +logit and -logit have opposite gradients: the maps cannot both be the same.
        QVERIFY(positive->values != negative->values || positive->flat || negative->flat);
        QVERIFY(!classifier
                     ->explain(std::vector<float>(10),
                               ml::CamRequest::gradCam(ml::CamTarget::Predicted))
                     .ok());
    }

    void evaluatesTestSplit()
    {
        pipeline::EvaluationJob job;
        job.run = m_dir.filePath("run").toStdString();
        job.datasetDir = test::demoDataset().toStdString();
        job.device = "cpu";
        auto result = pipeline::runEvaluation(job);
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
        QCOMPARE(result->metrics.counts.total(), 50);
        QVERIFY(std::filesystem::is_regular_file(result->outputFolder / "predictions.csv"));
        QVERIFY(std::filesystem::is_regular_file(result->outputFolder / "metrics.json"));
    }

    void trainsWithAugmentationAndBalancing()
    {
        const QString run = m_dir.filePath("augmented");
        auto job = smallJob(run);
        job.settings.epochs = 2;
        QVERIFY(augmentationPreset("thesis", job.settings.augmentation));
        job.settings.augmentation.noiseProbability = 0.5;
        job.settings.augmentation.noiseMaxSigma = 0.02;
        job.settings.balance = BalanceMethod::Oversample;
        auto result = pipeline::runTrainJob(job);
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
        QVERIFY(std::isfinite(result->summary.epochs.back().valLoss));
        QFile config(QString::fromStdString(ml::RunPaths{run.toStdString()}.config().string()));
        QVERIFY(config.open(QIODevice::ReadOnly));
        const QJsonObject json = QJsonDocument::fromJson(config.readAll()).object();
        QCOMPARE(json["balance"].toString(), QStringLiteral("oversample"));
        QCOMPARE(json["augmentation"].toObject()["hflip.p"].toDouble(), 0.5);
        QCOMPARE(json["augmentation"].toObject()["zoom.min"].toDouble(), 0.9);
        QCOMPARE(json["augmentation"].toObject()["vflip.p"].toDouble(), 0.0);
    }

    void validationImagesAreNeverAugmented()
    {
        // Train one epoch with augmentation that wrecks every image. If validation saw it, the
        // recorded validation loss would differ from the loss of the saved model on the clean
        // validation images.
        const QString run = m_dir.filePath("wrecked");
        auto job = smallJob(run);
        job.settings.epochs = 1;
        job.settings.augmentation.noiseProbability = 1;
        job.settings.augmentation.noiseMaxSigma = 0.2;
        job.settings.augmentation.blurProbability = 1;
        job.settings.augmentation.blurMaxSigma = 5;
        job.settings.augmentation.horizontalFlipProbability = 1;
        auto result = pipeline::runTrainJob(job);
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());

        auto index = data::scanDataset(test::demoDataset().toStdString());
        data::LoadReport report;
        auto val =
            data::loadSplit(*index, "val", pipeline::inputSpecFor(job.settings.model), report);
        QVERIFY(val.ok());
        auto classifier = ml::Classifier::open(run.toStdString(), "cpu");
        QVERIFY(classifier.ok());
        auto predictions = classifier->predict(*val);
        QVERIFY(predictions.ok());
        double loss = 0;
        // The recorded loss is of the model's own probabilities, before the temperature scaling
        // that follows training: recompute them from the logits.
        for (std::size_t i = 0; i < val->count(); ++i) {
            const double p =
                std::clamp(1 / (1 + std::exp(-double(predictions->logits[i]))), 1e-7, 1 - 1e-7);
            loss -= val->labels[i] == 1 ? std::log(p) : std::log(1 - p);
        }
        loss /= double(val->count());
        const double recorded = result->summary.epochs.front().valLoss;
        QVERIFY2(std::abs(loss - recorded) < 2e-4,
                 qPrintable(QStringLiteral("clean %1, recorded %2").arg(loss).arg(recorded)));
    }

    void optimisersSchedulesAndEarlyStopping()
    {
        for (auto kind : {ml::OptimizerKind::AdamW, ml::OptimizerKind::Sgd}) {
            const QString run = m_dir.filePath(QString("optimiser-") + ml::optimizerName(kind));
            auto job = smallJob(run);
            job.settings.epochs = 2;
            job.settings.optimizer.kind = kind;
            job.settings.optimizer.weightDecay = 1e-4;
            job.settings.optimizer.nesterov = kind == ml::OptimizerKind::Sgd;
            job.settings.learningRate = kind == ml::OptimizerKind::Sgd ? 0.01 : 1e-3;
            job.settings.schedule.kind = ml::ScheduleKind::CosineWarmup;
            job.settings.gradientClipNorm = 1.0;
            auto result = pipeline::runTrainJob(job);
            QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
            const auto &epochs = result->summary.epochs;
            QVERIFY(epochs[0].learningRate > epochs[1].learningRate); // cosine decays
            QVERIFY(epochs[1].valAuc >= 0 && epochs[1].valAuc <= 1);
        }
        // A rate too small to change anything: validation loss stalls and the run stops after
        // patience epochs instead of running all ten.
        auto job = smallJob(m_dir.filePath("stalled"));
        job.settings.epochs = 10;
        job.settings.learningRate = 1e-9;
        job.settings.optimizer.kind = ml::OptimizerKind::Sgd;
        job.settings.optimizer.momentum = 0;
        job.settings.earlyStopping.patience = 2;
        auto stalled = pipeline::runTrainJob(job);
        QVERIFY(stalled.ok());
        QVERIFY(stalled->summary.stoppedEarly);
        QCOMPARE(stalled->summary.epochs.size(), std::size_t(3));
    }

    void resumeContinuesFromTheCheckpoint()
    {
        // Cancel a deterministic run in its second epoch, resume it, and compare with a run
        // that was never interrupted: augmentation draws, dropout, the plateau schedule and
        // the optimiser all continue from the checkpoint.
        auto jobFor = [this](const QString &name) {
            auto job = smallJob(m_dir.filePath(name));
            job.settings.epochs = 3;
            job.settings.deterministic = true;
            augmentationPreset("conservative", job.settings.augmentation);
            job.settings.schedule.kind = ml::ScheduleKind::Plateau;
            job.settings.schedule.patience = 0;
            return job;
        };
        auto whole = pipeline::runTrainJob(jobFor("whole"));
        QVERIFY(whole.ok());
        // Cancelled after the first batch of epoch 2: the checkpoint is taken within the epoch.
        CancelInEpoch cancel(2, 1);
        auto interrupted = pipeline::runTrainJob(jobFor("interrupted"), &cancel);
        QVERIFY(!interrupted.ok());
        QCOMPARE(interrupted.error().code, ErrorCode::Cancelled);
        QVERIFY(QString::fromStdString(interrupted.error().message).contains("last.pt"));

        pipeline::TrainJob resume;
        resume.runDir = m_dir.filePath("interrupted").toStdString();
        resume.resume = true;
        auto resumed = pipeline::runTrainJob(resume);
        QVERIFY2(resumed.ok(), resumed.ok() ? "" : resumed.error().message.c_str());
        QCOMPARE(resumed->summary.resumedAfterEpoch, 1);
        QCOMPARE(resumed->summary.epochs.size(), std::size_t(3));
        for (std::size_t e = 0; e < 3; ++e) {
            QCOMPARE(resumed->summary.epochs[e].trainLoss, whole->summary.epochs[e].trainLoss);
            QCOMPARE(resumed->summary.epochs[e].valLoss, whole->summary.epochs[e].valLoss);
            QCOMPARE(resumed->summary.epochs[e].learningRate,
                     whole->summary.epochs[e].learningRate);
        }

        // A changed dataset is refused rather than silently trained on.
        pipeline::TrainJob other = resume;
        other.datasetDir = m_dir.filePath("missing-dataset").toStdString();
        QVERIFY(!pipeline::runTrainJob(other).ok());
    }

    void weightAverageSmoothingAndAucSelectionResumeExactly()
    {
        // The recommended recipe's training options: an interrupted run resumes to the losses
        // of one never interrupted, the average included, and keeps the epoch of best AUC.
        auto jobFor = [this](const QString &name) {
            auto job = smallJob(m_dir.filePath(name));
            job.settings.epochs = 3;
            job.settings.deterministic = true;
            job.settings.labelSmoothing = 0.1;
            job.settings.mixupAlpha = 0.4;
            job.settings.emaDecay = 0.9;
            job.settings.selectByAuc = true;
            augmentationPreset("robust", job.settings.augmentation);
            job.settings.augmentation.sharpenProbability = 0.3;
            job.settings.augmentation.sharpenMaxAmount = 1;
            job.settings.augmentation.resolutionProbability = 0.3;
            job.settings.augmentation.resolutionMinScale = 0.5;
            job.settings.augmentation.jpegProbability = 0.3;
            job.settings.augmentation.jpegMinQuality = 40;
            job.settings.augmentation.jpegMaxQuality = 95;
            return job;
        };
        auto whole = pipeline::runTrainJob(jobFor("averaged"));
        QVERIFY2(whole.ok(), whole.ok() ? "" : whole.error().message.c_str());
        CancelInEpoch cancel(2, 1);
        QVERIFY(!pipeline::runTrainJob(jobFor("averaged-interrupted"), &cancel).ok());
        pipeline::TrainJob resume;
        resume.runDir = m_dir.filePath("averaged-interrupted").toStdString();
        resume.resume = true;
        auto resumed = pipeline::runTrainJob(resume);
        QVERIFY2(resumed.ok(), resumed.ok() ? "" : resumed.error().message.c_str());
        for (std::size_t e = 0; e < 3; ++e) {
            QCOMPARE(resumed->summary.epochs[e].trainLoss, whole->summary.epochs[e].trainLoss);
            QCOMPARE(resumed->summary.epochs[e].valLoss, whole->summary.epochs[e].valLoss);
            QCOMPARE(resumed->summary.epochs[e].valAuc, whole->summary.epochs[e].valAuc);
        }
        const auto &epochs = whole->summary.epochs;
        const auto best =
            std::max_element(epochs.begin(), epochs.end(),
                             [](const auto &a, const auto &b) { return a.valAuc < b.valAuc; });
        QCOMPARE(whole->summary.bestEpoch, best->epoch);
        auto info = ml::describeRun(m_dir.filePath("averaged").toStdString());
        QVERIFY(info.ok());
        QCOMPARE(info->bestEpoch(), best->epoch); // the run history agrees with the trainer
        QCOMPARE(info->settings.labelSmoothing, 0.1);
        QCOMPARE(info->settings.emaDecay, 0.9);
        QCOMPARE(info->settings.mixupAlpha, 0.4);
        QCOMPARE(info->settings.augmentation.jpegMinQuality, 40.0);
        QVERIFY(info->settings.selectByAuc);

        // The averaged weights are what the model folder keeps: they differ from the last step's.
        auto saved =
            ml::readModelCard(ml::RunPaths{m_dir.filePath("averaged").toStdString()}.modelCard());
        QVERIFY(saved.ok());
        QCOMPARE(saved->bestEpoch, best->epoch);
    }

    void mixupDrawsFollowTheirBetaDistribution()
    {
        // Beta(a, a) has mean 1/2 and variance 1 / (4 (2a + 1)); small alphas pile up near 0
        // and 1, which is what mixup wants (most batches barely mixed).
        for (double alpha : {0.2, 1.0}) {
            std::mt19937_64 random(5);
            double sum = 0;
            double squares = 0;
            const int n = 20000;
            for (int i = 0; i < n; ++i) {
                const double w = ml::drawSymmetricBeta(alpha, random);
                QVERIFY(w >= 0 && w <= 1);
                sum += w;
                squares += w * w;
            }
            const double mean = sum / n;
            const double variance = squares / n - mean * mean;
            QVERIFY2(std::abs(mean - 0.5) < 0.01, qPrintable(QString::number(mean)));
            QVERIFY2(std::abs(variance - 1 / (4 * (2 * alpha + 1))) < 0.01,
                     qPrintable(QString::number(variance)));
        }
        std::mt19937_64 random(6);
        const ml::MixupDraw draw = ml::drawMixup(0.2, 64, random);
        std::vector<std::int64_t> sorted = draw.partner;
        std::sort(sorted.begin(), sorted.end());
        for (std::int64_t i = 0; i < 64; ++i) {
            QCOMPARE(sorted[std::size_t(i)], i); // a permutation
        }
        QVERIFY(draw.partner != sorted); // shuffled

        // Training mixes: the same run with mixup on has another first-epoch loss.
        auto oneEpoch = [this](const QString &name, double alpha) {
            auto job = smallJob(m_dir.filePath(name));
            job.settings.epochs = 1;
            job.settings.deterministic = true;
            job.settings.mixupAlpha = alpha;
            auto result = pipeline::runTrainJob(job);
            return result.ok() ? result->summary.epochs.front().trainLoss : -1.0;
        };
        const double plain = oneEpoch("unmixed", 0);
        const double mixed = oneEpoch("mixed", 0.4);
        QVERIFY(plain > 0 && mixed > 0);
        QVERIFY(mixed != plain);
    }

    void timedCheckpointsSurviveACrashWithinAnEpoch()
    {
        // Checkpoints every step (a tiny interval); a copy of the folder taken in the middle of
        // epoch 2 stands for a crash there. Resuming the copy gives the uninterrupted run's
        // numbers, epoch 2 included.
        auto jobFor = [this](const QString &name) {
            auto job = smallJob(m_dir.filePath(name));
            job.settings.deterministic = true;
            job.settings.checkpointMinutes = 1e-9;
            job.settings.logEverySteps = 1;
            augmentationPreset("thesis", job.settings.augmentation);
            return job;
        };
        BatchRecorder steps;
        auto whole = pipeline::runTrainJob(jobFor("timed-whole"), &steps);
        QVERIFY(whole.ok());
        const std::int64_t perEpoch = steps.reports.back().totalSteps / 3;
        QVERIFY(perEpoch >= 3);
        SnapshotAtStep crash(m_dir.filePath("timed-run"), m_dir.filePath("timed-crashed"),
                             perEpoch + 2);
        QVERIFY(pipeline::runTrainJob(jobFor("timed-run"), &crash).ok());
        QCOMPARE(crash.copied, 6);

        pipeline::TrainJob resume;
        resume.runDir = m_dir.filePath("timed-crashed").toStdString();
        resume.resume = true;
        BatchRecorder resumedSteps;
        auto resumed = pipeline::runTrainJob(resume, &resumedSteps);
        QVERIFY2(resumed.ok(), resumed.ok() ? "" : resumed.error().message.c_str());
        QCOMPARE(resumed->summary.resumedAfterEpoch, 1);
        QCOMPARE(resumedSteps.reports.front().step, perEpoch + 2); // continues within epoch 2
        for (std::size_t e = 0; e < 3; ++e) {
            QCOMPARE(resumed->summary.epochs[e].trainLoss, whole->summary.epochs[e].trainLoss);
            QCOMPARE(resumed->summary.epochs[e].trainAccuracy,
                     whole->summary.epochs[e].trainAccuracy);
            QCOMPARE(resumed->summary.epochs[e].valLoss, whole->summary.epochs[e].valLoss);
        }

        // steps.csv holds every step once, as the uninterrupted run's does, and metrics.csv
        // reads back.
        const auto wholeLog = ml::readStepsCsv({m_dir.filePath("timed-whole").toStdString()});
        const auto resumedLog = ml::readStepsCsv({m_dir.filePath("timed-crashed").toStdString()});
        QCOMPARE(std::int64_t(resumedLog.size()), 3 * perEpoch);
        QCOMPARE(resumedLog.size(), wholeLog.size());
        for (std::size_t i = 0; i < wholeLog.size(); ++i) {
            QCOMPARE(resumedLog[i].step, std::int64_t(i + 1));
            QCOMPARE(float(resumedLog[i].loss), float(wholeLog[i].loss));
        }
        auto metrics = ml::readMetricsCsv({m_dir.filePath("timed-crashed").toStdString()});
        QVERIFY(metrics.ok());
        QCOMPARE(metrics->size(), std::size_t(3));
        QCOMPARE(float(metrics->back().valLoss), float(whole->summary.epochs.back().valLoss));
    }

    void stopAfterEpochLeavesAResumableRun()
    {
        class StopAfterEachEpoch : public ml::TrainObserver {
        public:
            bool stopAfterEpoch() const override { return true; }
        };
        const QString history = m_dir.filePath("history");
        StopAfterEachEpoch stop;
        auto stopped = pipeline::runTrainJob(smallJob(history + "/first"), &stop);
        QVERIFY(stopped.ok());
        QVERIFY(stopped->summary.stoppedByUser);
        QCOMPARE(stopped->summary.epochs.size(), std::size_t(1));
        auto info = ml::describeRun((history + "/first").toStdString());
        QVERIFY(info.ok());
        QCOMPARE(info->state, ml::RunState::Stopped);
        QVERIFY(info->resumable());
        QCOMPARE(info->epochs.size(), std::size_t(1));
        QCOMPARE(info->settings.model.architecture, std::string("small-cnn"));

        pipeline::TrainJob resume;
        resume.runDir = (history + "/first").toStdString();
        resume.resume = true;
        QVERIFY(pipeline::runTrainJob(resume).ok());
        info = ml::describeRun((history + "/first").toStdString());
        QCOMPARE(info->state, ml::RunState::Finished);
        QVERIFY(!info->resumable());
        QCOMPARE(info->epochs.size(), std::size_t(3));
        QVERIFY(info->bestEpoch() >= 1 && info->seconds() > 0);

        // The history lists run folders only, newest first.
        QVERIFY(QDir().mkpath(history + "/not-a-run"));
        CancelInEpoch cancel(1, 1);
        QVERIFY(!pipeline::runTrainJob(smallJob(history + "/second"), &cancel).ok());
        const auto runs = ml::listRuns(history.toStdString());
        QCOMPARE(runs.size(), std::size_t(2));
        QCOMPARE(runs.front().folder.filename().string(), std::string("second"));
        QCOMPARE(runs.front().state, ml::RunState::Stopped);
    }

    void aCheckpointThatCannotBeWrittenStopsTheRunClearly()
    {
        // After the first step, checkpoints/ becomes a file (as a full or failing disk would
        // refuse the write): the run stops at its checkpoint with a message naming the file,
        // and its folder records the failure.
        class BreakCheckpoints : public ml::TrainObserver {
        public:
            explicit BreakCheckpoints(QString run) : m_run(std::move(run)) {}
            void batchFinished(const ml::BatchReport &) override
            {
                if (!m_broken) {
                    QDir(m_run + "/checkpoints").removeRecursively();
                    m_broken = test::writeFile(m_run + "/checkpoints", "not a folder");
                }
            }
            bool m_broken = false;

        private:
            QString m_run;
        };
        const QString run = m_dir.filePath("unwritable");
        BreakCheckpoints breaker(run);
        auto result = pipeline::runTrainJob(smallJob(run), &breaker);
        QVERIFY(breaker.m_broken);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, ErrorCode::WriteFailed);
        QVERIFY2(QString::fromStdString(result.error().message)
                     .contains("last.pt: cannot write checkpoint"),
                 result.error().message.c_str());
        auto info = ml::describeRun(run.toStdString());
        QVERIFY(info.ok());
        QCOMPARE(info->state, ml::RunState::Failed);
        QVERIFY(QString::fromStdString(info->message).contains("cannot write checkpoint"));
    }

    void aRunKilledBeforeItsFirstCheckpointResumesFromTheStart()
    {
        // A kill after config.json was written and before the first checkpoint leaves a run
        // folder without checkpoints/last.pt, and perhaps the temporary file of a write it
        // interrupted. Resuming it trains from the first step: the run it would have been.
        auto jobFor = [this](const QString &name) {
            auto job = smallJob(m_dir.filePath(name));
            job.settings.epochs = 2;
            job.settings.deterministic = true;
            augmentationPreset("thesis", job.settings.augmentation);
            return job;
        };
        auto whole = pipeline::runTrainJob(jobFor("first-whole"));
        QVERIFY2(whole.ok(), whole.ok() ? "" : whole.error().message.c_str());
        const QString killed = m_dir.filePath("first-killed");
        QVERIFY(QDir().mkpath(killed + "/model"));
        QVERIFY(QFile::copy(m_dir.filePath("first-whole/config.json"), killed + "/config.json"));
        for (const char *stray :
             {"checkpoints/last.pt.partial", "model/weights.pt.partial", "status.json.partial"}) {
            QVERIFY(test::writeFile(killed + "/" + stray, "half a file"));
        }

        pipeline::TrainJob resume;
        resume.runDir = killed.toStdString();
        resume.resume = true;
        auto resumed = pipeline::runTrainJob(resume);
        QVERIFY2(resumed.ok(), resumed.ok() ? "" : resumed.error().message.c_str());
        QCOMPARE(resumed->summary.resumedAfterEpoch, 0);
        QVERIFY(!resumed->summary.notes.empty());
        QVERIFY(QString::fromStdString(resumed->summary.notes.front())
                    .contains("no checkpoint to resume from"));
        QCOMPARE(resumed->summary.epochs.size(), whole->summary.epochs.size());
        for (std::size_t e = 0; e < whole->summary.epochs.size(); ++e) {
            QCOMPARE(resumed->summary.epochs[e].trainLoss, whole->summary.epochs[e].trainLoss);
            QCOMPARE(resumed->summary.epochs[e].valLoss, whole->summary.epochs[e].valLoss);
        }
        QVERIFY(QFile::exists(killed + "/checkpoints/last.pt"));
        QCOMPARE(partialFiles(killed), QStringList());
    }

    void aKillAfterTheLastCheckpointLeavesCompleteLogs()
    {
        // metrics.csv is written after the epoch's checkpoint. A kill between the two at the
        // last epoch (here: metrics.csv one epoch short and half of its replacement beside it)
        // leaves nothing to train; the resume rewrites the logs from the checkpoint, finalises
        // the model again and removes the temporary file.
        auto job = smallJob(m_dir.filePath("last-whole"));
        job.settings.epochs = 2;
        job.settings.deterministic = true;
        job.settings.logEverySteps = 1;
        auto whole = pipeline::runTrainJob(job);
        QVERIFY2(whole.ok(), whole.ok() ? "" : whole.error().message.c_str());
        const QString killed = m_dir.filePath("last-killed");
        QVERIFY(QDir().mkpath(killed + "/checkpoints"));
        QVERIFY(QDir().mkpath(killed + "/model"));
        for (const char *file : {"config.json", "steps.csv", "checkpoints/last.pt",
                                 "model/weights.pt", "model/model.json"}) {
            QVERIFY2(QFile::copy(m_dir.filePath("last-whole/") + file, killed + "/" + file), file);
        }
        QFile metrics(m_dir.filePath("last-whole/metrics.csv"));
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        const QList<QByteArray> rows = metrics.readAll().split('\n');
        QVERIFY(rows.size() >= 3);
        QVERIFY(test::writeFile(killed + "/metrics.csv", rows[0] + "\n" + rows[1] + "\n"));
        QVERIFY(
            test::writeFile(killed + "/metrics.csv.partial", rows[0] + "\n" + rows[1].left(10)));

        pipeline::TrainJob resume;
        resume.runDir = killed.toStdString();
        resume.resume = true;
        auto resumed = pipeline::runTrainJob(resume);
        QVERIFY2(resumed.ok(), resumed.ok() ? "" : resumed.error().message.c_str());
        QCOMPARE(resumed->summary.resumedAfterEpoch, 2);
        auto logged = ml::readMetricsCsv({killed.toStdString()});
        QVERIFY(logged.ok());
        QCOMPARE(logged->size(), std::size_t(2));
        QCOMPARE(float(logged->back().valLoss), float(whole->summary.epochs.back().valLoss));
        QCOMPARE(ml::readStepsCsv({killed.toStdString()}).size(),
                 ml::readStepsCsv({m_dir.filePath("last-whole").toStdString()}).size());
        QCOMPARE(partialFiles(killed), QStringList());
        auto card = ml::readModelCard(ml::RunPaths{killed.toStdString()}.modelCard());
        QVERIFY(card.ok());
        QCOMPARE(card->calibration.fittedOn, std::string("validation"));
        auto info = ml::describeRun(killed.toStdString());
        QVERIFY(info.ok());
        QCOMPARE(info->state, ml::RunState::Finished);
    }

    void mixedPrecisionNeedsCuda()
    {
        auto job = smallJob(m_dir.filePath("bf16-on-cpu"));
        job.settings.precision = ml::Precision::BFloat16;
        auto result = pipeline::runTrainJob(job);
        QVERIFY(!result.ok());
        QVERIFY(QString::fromStdString(result.error().message).contains("CUDA only"));
        QCOMPARE(ml::parsePrecision("fp16").value(), ml::Precision::Float16);
        QVERIFY(!ml::parsePrecision("fp8").has_value());
        auto automatic = pipeline::runTrainJob(smallJob(m_dir.filePath("auto-precision-on-cpu")));
        QVERIFY(automatic.ok());
        QCOMPARE(automatic->summary.precision, std::string("fp32"));
    }

    void stateDictRoundTripAndFrozenFeatures()
    {
        // Export a trained run, start a new run from it with the features frozen: the features
        // come out exactly as they went in, the head is trained.
        const std::string exported = m_dir.filePath("run-state-dict.pt").toStdString();
        QVERIFY(ml::exportStateDict(m_dir.filePath("run").toStdString(), exported).ok());
        auto before = ml::stateDictSums(exported);
        QVERIFY(before.ok());
        // 4 blocks of conv weight + BN weight, bias, running mean, variance and batch count;
        // then the linear layer's weight and bias.
        QCOMPARE(before->size(), std::size_t(4 * 6 + 2));
        auto job = smallJob(m_dir.filePath("fine-tuned"));
        job.settings.epochs = 1;
        job.settings.pretrainedWeights = exported;
        job.settings.freezeFeatures = true;
        auto tuned = pipeline::runTrainJob(job);
        QVERIFY2(tuned.ok(), tuned.ok() ? "" : tuned.error().message.c_str());
        QVERIFY(!tuned->summary.notes.empty());
        QVERIFY2(tuned->summary.notes.front().find("imported 26 tensors") != std::string::npos,
                 tuned->summary.notes.front().c_str());
        const std::string after = m_dir.filePath("fine-tuned-state-dict.pt").toStdString();
        QVERIFY(ml::exportStateDict(m_dir.filePath("fine-tuned").toStdString(), after).ok());
        auto sumsAfter = ml::stateDictSums(after);
        QVERIFY(sumsAfter.ok());
        int frozenChecked = 0;
        for (std::size_t i = 0; i < before->size(); ++i) {
            const auto &[name, sum] = (*before)[i];
            QCOMPARE((*sumsAfter)[i].first, name);
            if (name.rfind("body.", 0) == 0 && name.find(".weight") != std::string::npos) {
                QCOMPARE((*sumsAfter)[i].second, sum); // frozen
                ++frozenChecked;
            }
            if (name == "classifier.weight") {
                QVERIFY((*sumsAfter)[i].second != sum); // trained
            }
        }
        QCOMPARE(frozenChecked, 8); // 4 convolutions and 4 batch-norm scales

        // A state_dict of another architecture matches nothing and is refused.
        auto wrong = smallJob(m_dir.filePath("wrong-architecture"));
        wrong.settings.model.architecture = "lenet5";
        wrong.settings.pretrainedWeights = exported;
        auto refused = pipeline::runTrainJob(wrong);
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().message.find("no tensor name matches") != std::string::npos);
    }

    void batchReportsCarryLossRateAndEta()
    {
        BatchRecorder recorder;
        auto job = smallJob(m_dir.filePath("reported"));
        job.settings.epochs = 2;
        auto result = pipeline::runTrainJob(job, &recorder);
        QVERIFY(result.ok());
        QCOMPARE(recorder.reports.size(), std::size_t(2 * 8)); // 120 images in batches of 16
        const ml::BatchReport &first = recorder.reports.front();
        const ml::BatchReport &last = recorder.reports.back();
        QCOMPARE(first.step, std::int64_t(1));
        QCOMPARE(last.step, last.totalSteps);
        QCOMPARE(last.epoch, 2);
        QCOMPARE(last.etaSeconds, 0.0);
        QVERIFY(first.etaSeconds > 0);
        QVERIFY(last.imagesPerSecond > 0);
        QCOMPARE(first.learningRate, 1e-3);
        QVERIFY(std::isfinite(first.loss) && first.loss > 0);
    }

    void lenet5Trains()
    {
        auto job = smallJob(m_dir.filePath("lenet"), "lenet5");
        job.settings.epochs = 1;
        auto result = pipeline::runTrainJob(job);
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
        QVERIFY(ml::Classifier::open(m_dir.filePath("lenet").toStdString(), "cpu").ok());
    }

    void refusesExistingRunUnlessOverwrite()
    {
        auto job = smallJob(m_dir.filePath("run"));
        auto refused = pipeline::runTrainJob(job);
        QVERIFY(!refused.ok());
        QVERIFY(QString::fromStdString(refused.error().message).contains("--overwrite"));
    }

    void invalidSettingsAreRefused_data()
    {
        QTest::addColumn<QString>("setting");
        QTest::newRow("epochs") << "epochs";
        QTest::newRow("model") << "model";
        QTest::newRow("lr") << "lr";
        QTest::newRow("device") << "device";
        QTest::newRow("augmentation") << "augmentation";
        QTest::newRow("label smoothing") << "smoothing";
        QTest::newRow("weight average") << "ema";
        QTest::newRow("mixup") << "mixup";
        QTest::newRow("JPEG quality range") << "jpeg";
        QTest::newRow("population") << "population";
    }

    void invalidSettingsAreRefused()
    {
        QFETCH(QString, setting);
        auto job = smallJob(m_dir.filePath("invalid-" + setting));
        if (setting == "epochs")
            job.settings.epochs = 0;
        if (setting == "model")
            job.settings.model.architecture = "resnet-9000";
        if (setting == "lr")
            job.settings.learningRate = -1;
        if (setting == "device")
            job.settings.device = "tpu";
        if (setting == "augmentation")
            job.settings.augmentation.rotationMaxDegrees = 90;
        if (setting == "smoothing")
            job.settings.labelSmoothing = 0.5;
        if (setting == "ema")
            job.settings.emaDecay = 1;
        if (setting == "mixup")
            job.settings.mixupAlpha = -0.2;
        if (setting == "jpeg") {
            job.settings.augmentation.jpegMinQuality = 90;
            job.settings.augmentation.jpegMaxQuality = 50;
        }
        if (setting == "population") {
            job.settings.populationMinAgeYears = 5;
            job.settings.populationMaxAgeYears = 1;
        }
        auto result = pipeline::runTrainJob(job);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, ErrorCode::InvalidArgument);
        QVERIFY(!QDir(m_dir.filePath("invalid-" + setting)).exists()); // nothing was created
    }

    void cancellationStopsTraining()
    {
        CancelAfterFirstBatch observer;
        auto result = pipeline::runTrainJob(smallJob(m_dir.filePath("cancelled")), &observer);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, ErrorCode::Cancelled);
    }

    void corruptOrForeignWeightsAreRefused()
    {
        const QString run = m_dir.filePath("broken");
        QVERIFY(QDir().mkpath(run + "/model"));
        QVERIFY(QFile::copy(m_dir.filePath("run/model/model.json"), run + "/model/model.json"));
        QVERIFY(test::writeFile(run + "/model/weights.pt", "not a torch archive"));
        auto opened = ml::Classifier::open(run.toStdString(), "cpu");
        QVERIFY(!opened.ok());
        QVERIFY(QString::fromStdString(opened.error().message).contains("weights.pt"));

        // LeNet weights under a small-cnn card: a foreign architecture.
        QFile::remove(run + "/model/weights.pt");
        QVERIFY(QFile::copy(m_dir.filePath("lenet/model/weights.pt"), run + "/model/weights.pt"));
        QVERIFY(!ml::Classifier::open(run.toStdString(), "cpu").ok());

        QVERIFY(!ml::Classifier::open(m_dir.filePath("nowhere").toStdString()).ok());
    }

    void cudaRequestWithoutGpuIsAnError()
    {
        auto device = ml::resolveDevice("auto");
        QVERIFY(device.ok());
        if (*device != "cpu") {
            QSKIP("a CUDA device is present");
        }
        QVERIFY(!ml::resolveDevice("cuda").ok());
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestMl)
#include "test_ml.moc"
