// SPDX-License-Identifier: MIT
// The Train page's Tune tab offscreen: a space with a bad range is refused naming the field, a
// study over the form's fields runs on the demo data with its table and plots filled live,
// every trial starts from the form's settings, a cancelled study resumes, and "Train with the
// best settings" fills the form with the best trial's.
#include "core/ml/run_folder.h"
#include "tests/common/test_paths.h"
#include "trial_job.h"
#include "ui/training/train_form.h"
#include "ui/training/train_page.h"
#include "ui/training/training_session.h"
#include "ui/training/tune_panel.h"
#include "ui/training/tune_plots.h"
#include "ui/training/tune_space_table.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace cxr;
using namespace cxr::ui;

namespace {

// small-cnn at 64 px on the CPU over the 120 demo training images: about a second an epoch.
void setUpForm(TrainForm *form, const QString &runsFolder)
{
    form->setDataset(test::demoDataset());
    form->setRunsFolder(runsFolder);
    form->setRunName(QStringLiteral("final"));
    form->setModel(QStringLiteral("small-cnn"));
    form->setInputSize(64);
    form->setEpochs(1);
    auto *device = form->findChild<QComboBox *>("device");
    device->setCurrentIndex(device->findData(QStringLiteral("cpu")));
    QTRY_VERIFY_WITH_TIMEOUT(!form->isCheckingDataset(), 30000);
}

// Searches the learning rate alone, over a range of the given text.
void searchLearningRateOnly(TuneSpaceTable *space, const QString &range)
{
    for (int row = 0; row < space->rowCount(); ++row) {
        const bool lr = space->item(row, 1)->toolTip().endsWith(QStringLiteral("--lr"));
        space->item(row, 0)->setCheckState(lr ? Qt::Checked : Qt::Unchecked);
        if (lr) {
            space->item(row, 3)->setText(range);
        }
    }
}

void setBudget(TunePanel *tune, const QString &folder, int trials, int epochs)
{
    tune->trialsBox()->setValue(trials);
    tune->epochsBox()->setValue(epochs);
    tune->samplerBox()->setCurrentIndex(tune->samplerBox()->findData(QStringLiteral("random")));
    tune->prunerBox()->setCurrentIndex(tune->prunerBox()->findData(QStringLiteral("none")));
    tune->studyFolderEdit()->setText(folder);
}

} // namespace

class TestTunePanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QVERIFY(m_dir.isValid());
    }

    void aBadSpaceIsRefusedNamingTheField()
    {
        TrainPage page;
        page.setTrialJobMaker(cli::makeTrialJob);
        setUpForm(page.form(), m_dir.filePath("runs-bad"));
        TunePanel *tune = page.tunePanel();

        searchLearningRateOnly(tune->space(), QStringLiteral("3e-3 .. 1e-4"));
        auto reversed = tune->space()->space();
        QVERIFY(!reversed.ok());
        QVERIFY2(QString::fromStdString(reversed.error().message).startsWith("Learning rate"),
                 reversed.error().message.c_str());
        searchLearningRateOnly(tune->space(), QStringLiteral("fast"));
        QVERIFY(!tune->space()->space().ok());
        QVERIFY(!tune->startStudy());
        QVERIFY2(tune->problemText().contains("Learning rate"), qPrintable(tune->problemText()));

        // The custom CNN's rows need the custom-cnn model.
        tune->space()->resetToDefault(true);
        tune->studyFolderEdit()->setText(m_dir.filePath("study-bad"));
        QVERIFY(!tune->startStudy());
        QVERIFY2(tune->problemText().contains("custom-cnn"), qPrintable(tune->problemText()));
        QVERIFY(!QFileInfo::exists(m_dir.filePath("study-bad")));
    }

    void aStudyRunsLiveAndTrainsTheBest()
    {
        TrainPage page;
        page.setTrialJobMaker(cli::makeTrialJob);
        setUpForm(page.form(), m_dir.filePath("runs"));
        TunePanel *tune = page.tunePanel();
        searchLearningRateOnly(tune->space(), QStringLiteral("1e-4 .. 3e-3"));
        const QString study = m_dir.filePath("study");
        setBudget(tune, study, 3, 2);

        QSignalSpy finished(page.session(), &TrainingSession::finished);
        QSignalSpy trials(page.session(), &TrainingSession::trialFinished);
        QVERIFY2(tune->startStudy(), qPrintable(tune->problemText()));
        QVERIFY(tune->isTuning());
        QVERIFY(!tune->startButton()->isEnabled());
        QVERIFY(tune->cancelButton()->isEnabled());
        QVERIFY(!page.startButton()->isEnabled()); // one job at a time
        QVERIFY(finished.wait(240000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
        QCOMPARE(trials.count(), 3);

        QCOMPARE(tune->trialTable()->rowCount(), 3);
        QCOMPARE(int(tune->study().trials.size()), 3);
        for (const auto &trial : tune->study().trials) {
            QCOMPARE(int(trial.state), int(tuning::TrialState::Complete));
            QCOMPARE(int(trial.scores.size()), 2);
            // Each trial is the form's run with the trial's learning rate.
            auto settings = ml::readRunConfig(
                ml::RunPaths{tuning::trialRunDir(study.toStdString(), trial.number)});
            QVERIFY(settings.ok());
            QCOMPARE(settings->model.architecture, std::string("small-cnn"));
            QCOMPARE(settings->model.inputSize, 64);
            QCOMPARE(settings->epochs, 2);
            QCOMPARE(settings->learningRate,
                     std::strtod(tuning::valueOf(trial.params, "lr").c_str(), nullptr));
        }
        QVERIFY(!tune->study().settings.baseSettings.empty());
        QCOMPARE(tune->plots()->parallelPlot()->graphCount(), 3);
        QVERIFY(tune->plots()->bestSoFarPlot()->graphCount() >= 2);
        QVERIFY(tune->plots()->scatterPlot()->graphCount() >= 1);
        QCOMPARE(tune->plots()->scatterParameter()->currentText(), QStringLiteral("lr"));
        // The learning rate was drawn on a log scale, and is shown on one.
        QCOMPARE(tune->plots()->scatterPlot()->xAxis->scaleType(), QCPAxis::stLogarithmic);
        QVERIFY(
            dynamic_cast<QCPAxisTickerLog *>(tune->plots()->scatterPlot()->xAxis->ticker().data()));

        const auto &best = tune->study().trials[*tuning::bestTrial(tune->study())];
        QVERIFY(tune->trainBestButton()->isEnabled());
        page.tabs()->setCurrentIndex(1);
        tune->trainBestButton()->click();
        QCOMPARE(page.tabs()->currentIndex(), 0);
        QCOMPARE(page.form()->job().settings.learningRate,
                 std::strtod(tuning::valueOf(best.params, "lr").c_str(), nullptr));
        QCOMPARE(page.form()->job().settings.epochs, 2);
        QVERIFY2(page.problemText().isEmpty(), qPrintable(page.problemText()));

        // A second start into the same folder is refused: Resume continues a study.
        QVERIFY(!tune->startStudy());
        QVERIFY(tune->problemText().contains("already holds a study"));
    }

    void aCancelledStudyResumes()
    {
        TrainPage page;
        page.setTrialJobMaker(cli::makeTrialJob);
        setUpForm(page.form(), m_dir.filePath("runs-cancel"));
        TunePanel *tune = page.tunePanel();
        searchLearningRateOnly(tune->space(), QStringLiteral("1e-4 .. 3e-3"));
        const QString study = m_dir.filePath("study-cancel");
        setBudget(tune, study, 2, 3);

        QSignalSpy finished(page.session(), &TrainingSession::finished);
        connect(page.session(), &TrainingSession::epochFinished, tune, [tune] {
            if (tune->cancelButton()->isEnabled()) {
                tune->cancelButton()->click();
            }
        });
        QVERIFY(tune->startStudy());
        QVERIFY(finished.wait(240000));
        QCOMPARE(int(tune->study().trials.size()), 1);
        QCOMPARE(int(tune->study().trials.front().state), int(tuning::TrialState::Running));
        QVERIFY(tune->resumeButton()->isEnabled());
        disconnect(page.session(), &TrainingSession::epochFinished, tune, nullptr);

        finished.clear();
        QVERIFY(tune->resumeStudy());
        QVERIFY(finished.wait(240000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
        QCOMPARE(int(tune->study().trials.size()), 2);
        for (const auto &trial : tune->study().trials) {
            QCOMPARE(int(trial.state), int(tuning::TrialState::Complete));
            QCOMPARE(int(trial.scores.size()), 3);
        }
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestTunePanel)
#include "test_tune_panel.moc"
