// SPDX-License-Identifier: MIT
// `cxr train`'s options as a study trial uses them: arguments applied over base settings keep
// what they leave out, the settings survive their JSON text, and a trial is made from a study's
// base settings, train options and values alike whether the GUI or `cxr tune` started it.
#include "train_options.h"
#include "trial_job.h"

#include "core/ml/run_folder.h"

#include <QTest>

using namespace cxr;

namespace {

// Base settings unlike every default that the options name rather than hold.
pipeline::TrainJob unusualBase()
{
    pipeline::TrainJob base;
    ml::TrainSettings &s = base.settings;
    s.model.architecture = "custom-cnn";
    s.model.inputSize = 96;
    s.model.custom.blocks = 5;
    s.optimizer.kind = ml::OptimizerKind::Sgd;
    s.optimizer.momentum = 0.8;
    s.schedule.kind = ml::ScheduleKind::CosineWarmup;
    s.earlyStopping.onAuc = true;
    s.precision = ml::Precision::Float32;
    s.selectByAuc = true;
    s.balance = BalanceMethod::Oversample;
    s.operatingPoint = *ml::parseOperatingPoint("specificity:0.9");
    AugmentationSettings augmentation;
    augmentationPreset("thesis", augmentation);
    augmentation.rotationMaxDegrees = 7;
    s.augmentation = augmentation;
    s.learningRate = 0.01;
    return base;
}

} // namespace

class TestTrainArguments : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void argumentsKeepWhatTheyLeaveOut()
    {
        const pipeline::TrainJob base = unusualBase();
        auto job = cli::trainJobFromArguments(base, {"--lr=0.002", "--batch", "16"});
        QVERIFY2(job.ok(), job ? "" : job.error().message.c_str());
        const ml::TrainSettings &s = job->settings;
        QCOMPARE(s.learningRate, 0.002);
        QCOMPARE(s.batchSize, 16);
        // Each of these would fall back to cxr train's default if the names were not seeded.
        QCOMPARE(s.model.architecture, std::string("custom-cnn"));
        QCOMPARE(s.model.inputSize, 96);
        QCOMPARE(s.model.custom.blocks, 5);
        QCOMPARE(int(s.optimizer.kind), int(ml::OptimizerKind::Sgd));
        QCOMPARE(s.optimizer.momentum, 0.8);
        QCOMPARE(int(s.schedule.kind), int(ml::ScheduleKind::CosineWarmup));
        QVERIFY(s.earlyStopping.onAuc);
        QCOMPARE(int(s.precision), int(ml::Precision::Float32));
        QVERIFY(s.selectByAuc);
        QCOMPARE(int(s.balance), int(BalanceMethod::Oversample));
        QCOMPARE(ml::operatingPointSpec(s.operatingPoint), std::string("specificity:0.9"));
        QCOMPARE(s.augmentation.rotationMaxDegrees, 7.0);

        // A preset named on the command line replaces the base's augmentation.
        auto preset = cli::trainJobFromArguments(base, {"--augment=none"});
        QVERIFY(preset.ok());
        QVERIFY(augmentationIsIdentity(preset->settings.augmentation));
        // --set applies over the base's augmentation when no preset is named.
        auto set = cli::trainJobFromArguments(base, {"--set=rotation.max_degrees=3"});
        QVERIFY(set.ok());
        QCOMPARE(set->settings.augmentation.rotationMaxDegrees, 3.0);
        QCOMPARE(set->settings.augmentation.horizontalFlipProbability,
                 base.settings.augmentation.horizontalFlipProbability);
    }

    void badArgumentsNameTheOption()
    {
        auto job = cli::trainJobFromArguments({}, {"--lr=abc"});
        QVERIFY(!job.ok());
        QVERIFY2(job.error().message.find("--lr") != std::string::npos,
                 job.error().message.c_str());
        auto unknown = cli::trainJobFromArguments({}, {"--no-such-option=1"});
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().message.find("no-such-option") != std::string::npos);
    }

    void settingsSurviveTheirJsonText()
    {
        const ml::TrainSettings settings = unusualBase().settings;
        const std::string text = ml::trainSettingsText(settings);
        auto back = ml::parseTrainSettings(text, "settings");
        QVERIFY2(back.ok(), back ? "" : back.error().message.c_str());
        QCOMPARE(ml::trainSettingsText(*back), text);

        auto damaged = ml::parseTrainSettings("{\"format\": 3}", "study.json");
        QVERIFY(!damaged.ok());
        QVERIFY(damaged.error().message.find("study.json") != std::string::npos);
    }

    void aTrialStartsFromTheStudysBaseSettings()
    {
        tuning::StudySettings study;
        study.baseSettings = ml::trainSettingsText(unusualBase().settings);
        study.trainArguments = {"--epochs=3", "--no-cache"};
        auto job = cli::makeTrialJob(study, {{"lr", "0.0005"}, {"custom-filters", "16"}});
        QVERIFY2(job.ok(), job ? "" : job.error().message.c_str());
        QCOMPARE(job->settings.learningRate, 0.0005);
        QCOMPARE(job->settings.model.custom.filters, 16);
        QCOMPARE(job->settings.model.custom.blocks, 5);
        QCOMPARE(job->settings.epochs, 3);
        QVERIFY(job->cacheDir.empty());

        // A study from `cxr tune` has no base: cxr train's defaults.
        study.baseSettings.clear();
        auto plain = cli::makeTrialJob(study, {{"lr", "0.0005"}});
        QVERIFY(plain.ok());
        QCOMPARE(plain->settings.model.architecture,
                 pipeline::TrainJob{}.settings.model.architecture);

        auto bad = cli::makeTrialJob(study, {{"batch", "many"}});
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().message.find("batch=many") != std::string::npos,
                 bad.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestTrainArguments)
#include "test_train_arguments.moc"
