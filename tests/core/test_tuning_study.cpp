// SPDX-License-Identifier: MIT
// A hyper-parameter study that trains: trials are run folders in the study; a random and a TPE
// study with the same seed find the same trials again; ASHA stops a trial that is behind the
// study's best at its first rung; a study cancelled mid-trial resumes that trial from its
// checkpoint; a folder that holds a study is not overwritten.
#include "core/pipeline/tuning_study.h"
#include "tests/common/demo_run.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstdlib>

using namespace cxr;
using namespace cxr::tuning;

namespace {

const char *kSpace = R"({
  "lr": { "log_uniform": [1e-4, 3e-3] },
  "batch": { "choice": [8, 16] }
})";

// A trial's job: the demo run of tests/common with the trial's learning rate and batch size,
// one shared tensor cache so that only the first trial decodes the images.
pipeline::TrialJobMaker demoTrials(const QString &cache, int epochs)
{
    return [cache, epochs](const StudySettings &,
                           const Assignment &values) -> Result<pipeline::TrainJob> {
        pipeline::TrainJob job = test::demoTrainJob(QString(), epochs);
        job.cacheDir = cache.toStdString();
        job.settings.learningRate = std::strtod(valueOf(values, "lr").c_str(), nullptr);
        job.settings.batchSize = std::atoi(valueOf(values, "batch").c_str());
        job.settings.checkpointMinutes = 0;
        return job;
    };
}

StudySettings settings(const std::string &sampler, int trials)
{
    StudySettings s;
    s.dataset = test::demoDataset().toStdString();
    s.space = *parseSearchSpace(kSpace, "space");
    s.sampler = sampler;
    s.pruner = "none";
    s.trials = trials;
    s.seed = 9;
    return s;
}

std::vector<Assignment> valuesOf(const StudyRecord &study)
{
    std::vector<Assignment> values;
    for (const Trial &trial : study.trials) {
        values.push_back(trial.params);
    }
    return values;
}

// Cancels the study once the given trial has finished an epoch.
class CancelInTrial : public pipeline::TuningObserver {
public:
    explicit CancelInTrial(int trial) : m_trial(trial) {}
    void trialStarted(const Trial &trial, int) override { m_current = trial.number; }
    void epochFinished(const ml::EpochMetrics &) override
    {
        m_cancel = m_cancel || m_current == m_trial;
    }
    bool isCancelled() const override { return m_cancel; }

private:
    int m_trial;
    int m_current = 0;
    bool m_cancel = false;
};

// Counts the trials training at the same moment; cancels once epochs have ended when told to.
class ConcurrencyWatch : public pipeline::TuningObserver {
public:
    explicit ConcurrencyWatch(int cancelAfterEpochs = 0) : m_cancelAfter(cancelAfterEpochs) {}
    void trialStarted(const Trial &, int) override { m_most = std::max(m_most, ++m_running); }
    void trialFinished(const Trial &) override { --m_running; }
    void trialEpochFinished(const Trial &, const ml::EpochMetrics &) override { ++m_epochs; }
    bool isCancelled() const override { return m_cancelAfter > 0 && m_epochs >= m_cancelAfter; }
    int most() const { return m_most; }

private:
    int m_cancelAfter;
    int m_running = 0;
    int m_most = 0;
    int m_epochs = 0;
};

} // namespace

class TestTuningStudy : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString cache() const { return m_dir.filePath("cache"); }

    Result<pipeline::TuningResult> run(const QString &folder, const StudySettings &s,
                                       int epochs = 1)
    {
        pipeline::TuningJob job{folder.toStdString(), s, false};
        return pipeline::runTuningStudy(job, demoTrials(cache(), epochs));
    }

private Q_SLOTS:
    void sameSeedFindsTheSameTrials_data()
    {
        QTest::addColumn<QString>("sampler");
        QTest::addColumn<int>("trials");
        QTest::newRow("random") << "random" << 3;
        QTest::newRow("tpe") << "tpe" << 9; // the ninth is TPE's own, after its random start
    }

    void sameSeedFindsTheSameTrials()
    {
        QFETCH(QString, sampler);
        QFETCH(int, trials);
        auto first = run(m_dir.filePath(sampler + "-1"), settings(sampler.toStdString(), trials));
        QVERIFY2(first.ok(), first.ok() ? "" : first.error().message.c_str());
        QCOMPARE(first->trialsRun, trials);
        auto again = run(m_dir.filePath(sampler + "-2"), settings(sampler.toStdString(), trials));
        QVERIFY(again.ok());
        QCOMPARE(valuesOf(again->study), valuesOf(first->study));
        for (const Trial &trial : first->study.trials) {
            QVERIFY(trial.state == TrialState::Complete);
            QCOMPARE(trial.scores.size(), std::size_t(1));
            const QString runDir = QString::fromStdString(
                trialRunDir(m_dir.filePath(sampler + "-1").toStdString(), trial.number).string());
            QVERIFY(QFile::exists(runDir + "/model/model.json")); // an ordinary run folder
        }
        auto read = readStudy(m_dir.filePath(sampler + "-1").toStdString());
        QVERIFY(read.ok());
        QCOMPARE(read->trials.size(), std::size_t(trials));
        QVERIFY(bestTrial(*read).has_value());
    }

    // --parallel 2: two trials train at once, a random study draws the trials a lone one
    // would, and a study cancelled with two trials unfinished resumes both.
    void parallelTrialsRunAtOnceAndResume()
    {
        const StudySettings s = settings("random", 4);
        auto lone = run(m_dir.filePath("lone"), s);
        QVERIFY2(lone.ok(), lone.ok() ? "" : lone.error().message.c_str());

        pipeline::TuningJob job{m_dir.filePath("parallel").toStdString(), s, false};
        job.parallel = 2;
        ConcurrencyWatch watch;
        auto together = pipeline::runTuningStudy(job, demoTrials(cache(), 1), &watch);
        QVERIFY2(together.ok(), together.ok() ? "" : together.error().message.c_str());
        QCOMPARE(watch.most(), 2);
        QCOMPARE(together->trialsRun, 4);
        QCOMPARE(valuesOf(together->study), valuesOf(lone->study));
        for (const Trial &trial : together->study.trials) {
            QVERIFY(trial.state == TrialState::Complete);
        }
        auto read = readStudy(job.studyDir);
        QVERIFY(read.ok());
        QCOMPARE(read->trials.size(), std::size_t(4));

        pipeline::TuningJob cancelled{m_dir.filePath("parallel-cancel").toStdString(), s, false};
        cancelled.parallel = 2;
        ConcurrencyWatch cancelling(1); // after the first epoch of either trial
        auto stopped = pipeline::runTuningStudy(cancelled, demoTrials(cache(), 2), &cancelling);
        QVERIFY(!stopped.ok());
        QCOMPARE(int(stopped.error().code), int(ErrorCode::Cancelled));
        auto halfway = readStudy(cancelled.studyDir);
        QVERIFY(halfway.ok());
        QVERIFY(halfway->trials.size() < 4);
        cancelled.resume = true;
        auto resumed = pipeline::runTuningStudy(cancelled, demoTrials(cache(), 2));
        QVERIFY2(resumed.ok(), resumed.ok() ? "" : resumed.error().message.c_str());
        QCOMPARE(resumed->study.trials.size(), std::size_t(4));
        for (const Trial &trial : resumed->study.trials) {
            QVERIFY(trial.state == TrialState::Complete);
            QCOMPARE(trial.scores.size(), std::size_t(2));
        }
        QCOMPARE(valuesOf(resumed->study), valuesOf(lone->study));
    }

    // A study whose first trial scored an AUC of 0.99 at every epoch: ASHA stops the next at
    // its first rung, which no demo model reaches in one epoch.
    void ashaStopsATrialBehindTheBest()
    {
        const QString folder = m_dir.filePath("asha");
        StudyRecord study;
        study.settings = settings("random", 2);
        study.settings.pruner = "asha";
        Trial strong;
        strong.number = 1;
        strong.params = {{"lr", "0.001"}, {"batch", "16"}};
        strong.state = TrialState::Complete;
        strong.scores = {0.99, 0.99, 0.99};
        study.trials = {strong};
        QVERIFY(QDir().mkpath(folder));
        QVERIFY(writeStudy(folder.toStdString(), study).ok());
        pipeline::TuningJob job{folder.toStdString(), {}, true};
        auto result = pipeline::runTuningStudy(job, demoTrials(cache(), 3));
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
        const Trial &second = result->study.trials.at(1);
        QVERIFY(second.state == TrialState::Pruned);
        QCOMPARE(second.scores.size(), std::size_t(1));
    }

    void cancelledStudyResumesItsTrial()
    {
        const QString folder = m_dir.filePath("resume");
        CancelInTrial cancel(2);
        pipeline::TuningJob job{folder.toStdString(), settings("random", 2), false};
        auto cancelled = pipeline::runTuningStudy(job, demoTrials(cache(), 2), &cancel);
        QVERIFY(!cancelled.ok());
        QCOMPARE(cancelled.error().code, ErrorCode::Cancelled);
        auto record = readStudy(folder.toStdString());
        QVERIFY(record.ok());
        QCOMPARE(record->trials.size(), std::size_t(2));
        QVERIFY(record->trials[0].state == TrialState::Complete);
        QVERIFY(record->trials[1].state == TrialState::Running);
        const double firstSeconds = record->trials[0].seconds;

        job.resume = true;
        auto resumed = pipeline::runTuningStudy(job, demoTrials(cache(), 2));
        QVERIFY2(resumed.ok(), resumed.ok() ? "" : resumed.error().message.c_str());
        QCOMPARE(resumed->trialsRun, 1);
        QVERIFY(resumed->study.trials[1].state == TrialState::Complete);
        QCOMPARE(resumed->study.trials[1].scores.size(), std::size_t(2));
        QCOMPARE(resumed->study.trials[0].seconds, firstSeconds); // not trained again
        QCOMPARE(resumed->study.trials[1].params, record->trials[1].params);
    }

    void studyFoldersAreChecked()
    {
        const QString folder = m_dir.filePath("random-1"); // holds a study from above
        auto again = run(folder, settings("random", 1));
        QVERIFY(!again.ok());
        QVERIFY2(QString::fromStdString(again.error().message).contains("already holds a study"),
                 again.error().message.c_str());
        pipeline::TuningJob none{m_dir.filePath("nothing").toStdString(), {}, true};
        QVERIFY(!pipeline::runTuningStudy(none, demoTrials(cache(), 1)).ok());
    }
};

QTEST_GUILESS_MAIN(TestTuningStudy)
#include "test_tuning_study.moc"
