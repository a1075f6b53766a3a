// SPDX-License-Identifier: MIT
// The Train page offscreen: validation in place, a live run on the demo data (curves receive
// points, pause holds it, stop after the epoch leaves a resumable run, resume finishes it),
// closing the window during a run, and destroying the page while it trains.
#include "core/ml/run_folder.h"
#include "tests/common/test_paths.h"
#include "ui/main_window.h"
#include "ui/training/run_history.h"
#include "ui/training/train_form.h"
#include "ui/training/train_page.h"
#include "ui/training/training_curves.h"
#include "ui/training/training_session.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace cxr;
using namespace cxr::ui;

namespace {

// A short CPU run: small-cnn at 64 px on the 120 demo training images, 8 batches an epoch.
void setUpShortRun(TrainForm *form, const QString &runsFolder, const QString &name, int epochs)
{
    form->setDataset(test::demoDataset());
    form->setRunsFolder(runsFolder);
    form->setRunName(name);
    form->setModel(QStringLiteral("small-cnn"));
    form->setInputSize(64);
    form->setEpochs(epochs);
    auto *device = form->findChild<QComboBox *>("device");
    device->setCurrentIndex(device->findData(QStringLiteral("cpu")));
}

ml::RunInfo runInfo(const QString &folder)
{
    auto info = ml::describeRun(folder.toStdString());
    return info ? *info : ml::RunInfo{};
}

} // namespace

class TestTrainPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QVERIFY(m_runs.isValid());
    }

    // A study's trial values and past runs' rates come back exactly (a fixed six decimals
    // rounded a weight decay of 2.3e-6 to 2e-6).
    void ratesKeepTheirSignificantDigits()
    {
        TrainPage page;
        ml::TrainSettings settings = page.form()->job().settings;
        settings.learningRate = 0.000538687;
        settings.optimizer.weightDecay = 2.3e-6;
        page.form()->setFromRun(settings);
        QCOMPARE(page.form()->job().settings.learningRate, 0.000538687);
        QCOMPARE(page.form()->job().settings.optimizer.weightDecay, 2.3e-6);
    }

    // The form's fields come back in a new session, through the run configuration's JSON.
    void fieldsAreRememberedBetweenSessions()
    {
        ml::TrainSettings chosen;
        {
            TrainPage page;
            setUpShortRun(page.form(), m_runs.path(), "remembered", 3);
            chosen = page.form()->job().settings;
            chosen.learningRate = 0.000321;
            chosen.optimizer.kind = ml::OptimizerKind::Sgd;
            chosen.optimizer.momentum = 0.85;
            chosen.labelSmoothing = 0.1;
            chosen.model.normalisation = "equalise";
            page.form()->setFromRun(chosen);
            page.form()->setDataset(test::demoDataset());
            chosen = page.form()->job().settings;
            page.form()->remember();
        }
        TrainPage again;
        const ml::TrainSettings restored = again.form()->job().settings;
        QCOMPARE(ml::trainSettingsText(restored), ml::trainSettingsText(chosen));
        QCOMPARE(again.form()->job().datasetDir.string(), test::demoDataset().toStdString());
        QCOMPARE(again.form()->runsFolder(), m_runs.path());
    }

    void invalidSettingsBlockStartWithAReason()
    {
        TrainPage page;
        TrainForm *form = page.form();
        form->setDataset(QString());
        QVERIFY(page.problemText().contains("dataset"));
        QVERIFY(!page.startButton()->isEnabled());

        setUpShortRun(form, m_runs.path(), "valid", 1);
        QVERIFY2(page.problemText().isEmpty(), qPrintable(page.problemText()));
        QVERIFY(page.startButton()->isEnabled());

        form->setDataset(m_runs.filePath("no-such-dataset"));
        QVERIFY(page.problemText().contains("does not exist"));
        form->setDataset(test::demoDataset());

        auto *precision = form->findChild<QComboBox *>("precision");
        precision->setCurrentIndex(precision->findData(QStringLiteral("bf16")));
        QVERIFY(page.problemText().contains("GPU only"));
        QVERIFY(!page.startButton()->isEnabled());
        precision->setCurrentIndex(0);

        QDir(m_runs.path()).mkpath("taken/checkpoints");
        form->setRunName("taken");
        QVERIFY(page.problemText().contains("already holds a run"));
        QVERIFY(!page.start());
    }

    void theDatasetsSplitCheckShowsAndBlocks()
    {
        TrainPage page;
        TrainForm *form = page.form();
        setUpShortRun(form, m_runs.path(), "split-check", 1);
        QTRY_VERIFY_WITH_TIMEOUT(!form->isCheckingDataset() && !form->splitCheck().isEmpty(),
                                 10000);
        QVERIFY(form->splitCheck().contains("<b>train</b>: 60 NORMAL, 60 PNEUMONIA"));
        QVERIFY(form->splitCheck().contains("validation has only 15 NORMAL images"));
        QVERIFY(page.problemText().isEmpty());

        // A dataset without a validation split cannot train.
        QTemporaryDir noVal;
        for (const char *cls : {"NORMAL", "PNEUMONIA"}) {
            QDir().mkpath(noVal.filePath(QString("train/") + cls));
            const QDir source(test::demoDataset() + "/train/" + cls);
            for (const QString &file : source.entryList(QDir::Files).mid(0, 3)) {
                QVERIFY(QFile::copy(source.filePath(file),
                                    noVal.filePath(QString("train/") + cls + "/" + file)));
            }
        }
        form->setDataset(noVal.path());
        QTRY_VERIFY_WITH_TIMEOUT(
            !form->isCheckingDataset() && form->splitCheck().contains("3 NORMAL"), 10000);
        QVERIFY2(page.problemText().contains("val split"), qPrintable(page.problemText()));
        QVERIFY(!page.startButton()->isEnabled());
    }

    // Cross-validation from the page: each fold announced with its curves cleared, the summary
    // in the status line, crossval.json and one run folder per fold.
    void crossValidatesOverPatientFolds()
    {
        TrainPage page;
        setUpShortRun(page.form(), m_runs.path(), "cv", 1);
        page.form()->setInputSize(32);
        page.form()->setFolds(2);
        QCOMPARE(page.form()->folds(), 2);
        QSignalSpy folds(page.session(), &TrainingSession::foldStarted);
        QSignalSpy finished(page.session(), &TrainingSession::finished);
        QVERIFY(page.start());
        QVERIFY(finished.wait(180000));
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
        QCOMPARE(folds.count(), 2);
        QVERIFY2(page.statusText().contains("Cross-validation over 2 patient folds") &&
                     page.statusText().contains("roc auc"),
                 qPrintable(page.statusText()));
        QVERIFY(QFile::exists(m_runs.filePath("cv/crossval.json")));
        QVERIFY(QFile::exists(m_runs.filePath("cv/fold-2/model/model.json")));
        page.form()->setFolds(0);
        QCOMPARE(page.form()->folds(), 0);
    }

    // Data-parallel from the page: two `cxr train` processes as ranks of one run, rank 0's
    // steps on the curves, each rank's speed in the status line, the run history's Ranks.
    void trainsAsTwoProcesses()
    {
        qputenv("CXR_CLI", CXR_CLI_PATH);
        TrainPage page;
        // A runs folder of its own: the other cases expect their runs to be the newest in theirs.
        const QString runsFolder = m_runs.filePath("data-parallel");
        QVERIFY(QDir().mkpath(runsFolder));
        setUpShortRun(page.form(), runsFolder, "two-ranks", 2);
        // Synchronised batch norm is offered only with more than one process.
        auto *syncBatchNorm = page.form()->findChild<QCheckBox *>("syncBatchNorm");
        QVERIFY(syncBatchNorm && syncBatchNorm->isHidden());
        page.form()->setProcesses(2);
        QVERIFY(!syncBatchNorm->isHidden());
        syncBatchNorm->setChecked(true);
        page.form()->setFolds(2);
        QVERIFY2(page.problemText().contains("Data-parallel"), qPrintable(page.problemText()));
        page.form()->setFolds(0);
        QVERIFY2(page.problemText().isEmpty(), qPrintable(page.problemText()));
        QSignalSpy finished(&page, &TrainPage::trainingFinished);
        QSignalSpy redraws(page.curves(), &TrainingCurves::replotted);
        QString perRank;
        connect(page.curves(), &TrainingCurves::replotted, this, [&] {
            if (page.statusText().contains("per rank")) {
                perRank = page.statusText();
            }
        });
        QVERIFY(page.start());
        QVERIFY(page.isTraining());
        QVERIFY(finished.wait(180000));
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
        QVERIFY(redraws.count() > 0);
        QVERIFY2(finished.at(0).at(1).toString().contains("as 2 processes: best epoch"),
                 qPrintable(finished.at(0).at(1).toString()));
        QVERIFY2(
            QRegularExpression("\\d+ images/s \\(per rank \\d+, \\d+\\)").match(perRank).hasMatch(),
            qPrintable(perRank));
        const ml::RunInfo run = runInfo(runsFolder + "/two-ranks");
        QCOMPARE(run.settings.worldSize, 2);
        QCOMPARE(run.settings.model.architecture, std::string("small-cnn")); // the form's
        QCOMPARE(run.settings.model.inputSize, 64);
        QCOMPARE(int(run.epochs.size()), 2);
        QCOMPARE(run.state, ml::RunState::Finished);
        QVERIFY(run.settings.syncBatchNorm);
        page.form()->setProcesses(1);
        QVERIFY(syncBatchNorm->isHidden());
    }

    void trainsLiveThenPausesStopsAndResumes()
    {
        TrainPage page;
        page.resize(1400, 900);
        setUpShortRun(page.form(), m_runs.path(), "live", 4);
        QSignalSpy steps(page.session(), &TrainingSession::stepFinished);
        QSignalSpy redraws(page.curves(), &TrainingCurves::replotted);
        QSignalSpy finished(page.session(), &TrainingSession::finished);
        QVERIFY(page.start());
        QVERIFY(page.isTraining());
        QVERIFY(!page.form()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 2, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(redraws.count() >= 1, 5000);
        QVERIFY(page.curves()->stepPointCount() >= 2);

        // Paused, the run takes no more steps until it resumes.
        page.pauseButton()->click();
        QTRY_VERIFY(page.session()->isPaused());
        // The step under way, and the one reported a step late, may still arrive: at most two,
        // and on a busy machine (CTest runs two tests at once) each can take over a second.
        // Wait until none has come for 2.5 s, then check that no more come.
        const int atPause = steps.count();
        int settled = atPause;
        for (int i = 0; i < 12; ++i) {
            QTest::qWait(2500);
            if (steps.count() == settled) {
                break;
            }
            settled = steps.count();
        }
        QVERIFY2(steps.count() - atPause <= 2,
                 qPrintable(QString::number(steps.count() - atPause)));
        const int whilePaused = steps.count();
        QTest::qWait(2000);
        QCOMPARE(steps.count(), whilePaused);
        QCOMPARE(page.pauseButton()->text(), QStringLiteral("Resume"));
        page.pauseButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(steps.count() > whilePaused, 30000);

        // Stop after the epoch: a clean, resumable stop.
        page.stopButton()->click();
        QVERIFY(finished.wait(60000));
        QVERIFY(finished.first().at(0).toBool());
        QTRY_VERIFY(!page.isTraining());
        const ml::RunInfo stopped = runInfo(m_runs.filePath("live"));
        QCOMPARE(stopped.state, ml::RunState::Stopped);
        QVERIFY(stopped.resumable());
        QVERIFY(stopped.epochs.size() < 4);
        QVERIFY(page.curves()->epochPointCount() >= 1);

        // The history lists it as resumable; resuming finishes the run.
        page.history()->refresh();
        QVERIFY(page.history()->runCount() >= 1);
        finished.clear();
        QVERIFY(page.resumeRun(stopped));
        QVERIFY(finished.wait(120000));
        QVERIFY(finished.first().at(0).toBool());
        const ml::RunInfo done = runInfo(m_runs.filePath("live"));
        QCOMPARE(done.state, ml::RunState::Finished);
        QCOMPARE(done.epochs.size(), std::size_t(4));
        QCOMPARE(page.curves()->epochPointCount(), 4);

        // Selecting the run shows its recorded curves; two runs overlay and list differences.
        page.history()->refresh();
        page.history()->table()->selectRow(0);
        QCOMPARE(page.curves()->epochPointCount(), 4);
        QVERIFY(page.curves()->exportCsv(m_runs.filePath("curves.csv")));
        QVERIFY(page.curves()->exportImage(m_runs.filePath("curves.png")));
        QVERIFY(page.curves()->exportImage(m_runs.filePath("curves.pdf")));
        QVERIFY(QFileInfo(m_runs.filePath("curves.pdf")).size() > 1000);
    }

    void closingTheWindowStopsTheRunWithACheckpoint()
    {
        MainWindow window;
        bool asked = false;
        window.setCloseConfirmation([&asked](const QString &) {
            asked = true;
            return true;
        });
        TrainPage *page = window.trainPage();
        setUpShortRun(page->form(), m_runs.path(), "closed", 20);
        QSignalSpy steps(page->session(), &TrainingSession::stepFinished);
        QVERIFY(page->start());
        QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 3, 60000);
        QVERIFY(window.close());
        QVERIFY(asked);
        QVERIFY(!page->isTraining());
        const ml::RunInfo run = runInfo(m_runs.filePath("closed"));
        QCOMPARE(run.state, ml::RunState::Stopped);
        QVERIFY(run.resumable());
        QVERIFY(QFileInfo::exists(m_runs.filePath("closed/config.json")));

        // Answering "no" keeps the window and the run.
        MainWindow second;
        second.setCloseConfirmation([](const QString &) { return false; });
        setUpShortRun(second.trainPage()->form(), m_runs.path(), "kept", 20);
        QSignalSpy secondSteps(second.trainPage()->session(), &TrainingSession::stepFinished);
        QVERIFY(second.trainPage()->start());
        QTRY_VERIFY_WITH_TIMEOUT(secondSteps.count() >= 1, 60000);
        QVERIFY(!second.close());
        QVERIFY(second.trainPage()->isTraining());
        QVERIFY(second.trainPage()->stopForShutdown(60000));
    }

    void destroyingThePageWhileTrainingIsSafe()
    {
        auto page = std::make_unique<TrainPage>();
        setUpShortRun(page->form(), m_runs.path(), "destroyed", 20);
        QSignalSpy steps(page->session(), &TrainingSession::stepFinished);
        QVERIFY(page->start());
        QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 1, 60000);
        page.reset(); // aborts and waits; queued reports to the dead page are dropped
        QTest::qWait(50);
        const ml::RunInfo run = runInfo(m_runs.filePath("destroyed"));
        QCOMPARE(run.state, ml::RunState::Stopped);
        QVERIFY(run.resumable());
    }

private:
    QTemporaryDir m_runs;
};

QTEST_MAIN(TestTrainPage)
#include "test_train_page.moc"
