// SPDX-License-Identifier: MIT
// Hyper-parameter search without training: the space file (bad ranges refused naming the
// field), the samplers (the same trials again for the same seed; conditions honoured; TPE
// closer to a known optimum than random), the pruners (median rule, successive halving), the
// parameter importance and the study record's round trip.
#include "core/tuning/importance.h"
#include "core/tuning/pruner.h"
#include "core/tuning/sampler.h"
#include "core/tuning/study_record.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <set>

using namespace cxr;
using namespace cxr::tuning;

namespace {

const char *kSpace = R"({
  "lr": { "log_uniform": [1e-5, 1e-1] },
  "optimizer": { "choice": ["adam", "sgd"] },
  "momentum": { "uniform": [0.8, 0.99], "when": { "optimizer": ["sgd"] } },
  "batch": { "choice": [16, 32, 64] },
  "custom-blocks": { "int": [2, 4] }
})";

SearchSpace space()
{
    auto parsed = parseSearchSpace(kSpace, "space.json");
    return parsed.ok() ? *parsed : SearchSpace{};
}

// A trial whose score per epoch is given.
Trial trialWith(int number, std::vector<double> scores, TrialState state = TrialState::Complete)
{
    Trial trial;
    trial.number = number;
    trial.scores = std::move(scores);
    trial.state = state;
    return trial;
}

// A made-up objective: best at lr = 1e-3, whatever the rest.
double objective(const Assignment &values)
{
    const double lr = std::strtod(valueOf(values, "lr").c_str(), nullptr);
    return -std::pow(std::log10(lr) + 3, 2);
}

} // namespace

class TestTuning : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void spaceIsRead()
    {
        const SearchSpace s = space();
        QCOMPARE(s.params.size(), std::size_t(5));
        QCOMPARE(s.params[0].name, std::string("lr"));
        QVERIFY(s.params[0].kind == ParamKind::LogUniform);
        QCOMPARE(s.params[3].choices, (std::vector<std::string>{"16", "32", "64"}));
        QCOMPARE(s.params[2].when.size(), std::size_t(1));
        auto again = parseSearchSpace(searchSpaceJson(s), "again");
        QVERIFY(again.ok());
        QCOMPARE(searchSpaceJson(*again), searchSpaceJson(s));
    }

    void badSpacesAreRefusedNamingTheField_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("range backwards") << R"({"lr": {"log_uniform": [1e-2, 1e-5]}})"
                                         << "lr: log_uniform needs 0 < low < high";
        QTest::newRow("log of zero") << R"({"lr": {"log_uniform": [0, 1]}})"
                                     << "lr: log_uniform needs 0 < low < high";
        QTest::newRow("int of fractions") << R"({"batch": {"int": [1.5, 4]}})"
                                          << "batch: int needs whole numbers";
        QTest::newRow("two kinds") << R"({"lr": {"uniform": [0, 1], "int": [1, 2]}})"
                                   << "lr: give exactly one of";
        QTest::newRow("unknown key") << R"({"lr": {"uniform": [0, 1], "step": 2}})"
                                     << "lr: unknown key \"step\"";
        QTest::newRow("condition on a later parameter")
            << R"({"momentum": {"uniform": [0, 1], "when": {"optimizer": ["sgd"]}},
                   "optimizer": {"choice": ["sgd"]}})"
            << "momentum: its condition names optimizer";
        QTest::newRow("empty choice") << R"({"batch": {"choice": []}})"
                                      << "batch: choice needs a list";
        QTest::newRow("not an object") << "[1, 2]"
                                       << "not a JSON object";
        QTest::newRow("no parameter") << "{}"
                                      << "the space has no parameter";
    }

    void badSpacesAreRefusedNamingTheField()
    {
        QFETCH(QString, json);
        QFETCH(QString, expected);
        auto parsed = parseSearchSpace(json.toStdString(), "space.json");
        QVERIFY(!parsed.ok());
        QVERIFY2(QString::fromStdString(parsed.error().message).contains(expected),
                 parsed.error().message.c_str());
        QVERIFY(QString::fromStdString(parsed.error().message).startsWith("space.json: "));
    }

    void randomSamplerIsSeededAndHonoursConditions()
    {
        auto a = makeSampler("random", space(), 7);
        auto b = makeSampler("random", space(), 7);
        auto c = makeSampler("random", space(), 8);
        QVERIFY(a.ok() && b.ok() && c.ok());
        bool differs = false;
        for (int n = 1; n <= 40; ++n) {
            const Assignment values = (*a)->sample(n, {});
            QCOMPARE((*b)->sample(n, {}), values);
            differs = differs || (*c)->sample(n, {}) != values;
            const bool sgd = valueOf(values, "optimizer") == "sgd";
            QCOMPARE(!valueOf(values, "momentum").empty(), sgd);
            const double lr = std::strtod(valueOf(values, "lr").c_str(), nullptr);
            QVERIFY(lr >= 1e-5 && lr <= 1e-1);
            const int blocks = std::stoi(valueOf(values, "custom-blocks"));
            QVERIFY(blocks >= 2 && blocks <= 4);
        }
        QVERIFY(differs);
        QVERIFY(!makeSampler("bayes", space(), 1).ok());
    }

    void gridCoversEveryCombinationOnce()
    {
        auto grid = makeSampler("grid", space(), 1);
        QVERIFY(grid.ok());
        // lr 5 x (adam + sgd x 5 momenta) x batch 3 x blocks 3
        QCOMPARE((*grid)->size().value_or(0), 5 * (1 + 5) * 3 * 3);
        std::set<Assignment> seen;
        for (int n = 1; n <= *(*grid)->size(); ++n) {
            QVERIFY(seen.insert((*grid)->sample(n, {})).second);
        }
        QCOMPARE(gridValues(space().params[0]).front(), std::string("1e-05"));
        QCOMPARE(gridValues(space().params[0]).back(), std::string("0.1"));
    }

    // After its random start, TPE draws near the optimum more often than random draws do.
    void tpeFindsBetterValuesThanRandom()
    {
        const auto run = [](const std::string &name) {
            auto sampler = makeSampler(name, space(), 3);
            std::vector<Trial> history;
            double later = 0;
            for (int n = 1; n <= 40; ++n) {
                Trial trial = trialWith(n, {});
                trial.params = (*sampler)->sample(n, history);
                trial.scores = {objective(trial.params)};
                if (n > 20) {
                    later += trial.scores.front();
                }
                history.push_back(trial);
            }
            return later / 20;
        };
        const double tpe = run("tpe");
        const double random = run("random");
        QVERIFY2(tpe > random, qPrintable(QString("tpe %1, random %2").arg(tpe).arg(random)));
        QCOMPARE(run("tpe"), tpe); // the same trials again
    }

    // Pruned trials count towards TPE's random start: with a pruner most trials stop early.
    void tpeStartsAfterEightTrialsPrunedOnesIncluded()
    {
        auto tpe = makeSampler("tpe", space(), 5);
        auto random = makeSampler("random", space(), 5);
        std::vector<Trial> history;
        for (int n = 1; n <= 8; ++n) {
            Trial trial = trialWith(n, {n <= 2 ? 0.9 : 0.5},
                                    n <= 2 ? TrialState::Complete : TrialState::Pruned);
            trial.params = (*random)->sample(n, {});
            history.push_back(trial);
        }
        QCOMPARE((*tpe)->sample(8, {history.begin(), history.begin() + 7}),
                 (*random)->sample(8, {}));
        QVERIFY((*tpe)->sample(9, history) != (*random)->sample(9, history));
    }

    void medianPrunerStopsAPoorTrial()
    {
        auto pruner = makePruner("median");
        QVERIFY(pruner.ok());
        const std::vector<Trial> others = {trialWith(1, {0.80, 0.85, 0.90}),
                                           trialWith(2, {0.78, 0.84, 0.88}),
                                           trialWith(3, {0.82, 0.86, 0.89})};
        QVERIFY(!(*pruner)->shouldPrune(trialWith(4, {0.55}), others)); // first epoch: warm-up
        QVERIFY((*pruner)->shouldPrune(trialWith(4, {0.55, 0.60}), others));
        QVERIFY(!(*pruner)->shouldPrune(trialWith(4, {0.80, 0.86}), others));
        QVERIFY(!(*pruner)->shouldPrune(trialWith(4, {0.55, 0.60}), {others[0], others[1]}));
        QVERIFY(!(*makePruner("none"))->shouldPrune(trialWith(4, {0.1, 0.1}), others));
        QVERIFY(!makePruner("hyperband").ok());
    }

    void ashaKeepsTheTopThirdAtEachRung()
    {
        auto asha = makePruner("asha");
        QVERIFY(asha.ok());
        std::vector<Trial> others;
        for (int n = 1; n <= 5; ++n) {
            others.push_back(trialWith(n, {0.5 + 0.05 * n, 0.6 + 0.05 * n, 0.7 + 0.05 * n}));
        }
        QVERIFY((*asha)->shouldPrune(trialWith(6, {0.52}), others));             // rung 1, bottom
        QVERIFY(!(*asha)->shouldPrune(trialWith(6, {0.80}), others));            // rung 1, top
        QVERIFY(!(*asha)->shouldPrune(trialWith(6, {0.80, 0.10}), others));      // not a rung
        QVERIFY((*asha)->shouldPrune(trialWith(6, {0.80, 0.80, 0.80}), others)); // rung 3
        QVERIFY(!(*asha)->shouldPrune(trialWith(1, {0.1}), {}));                 // alone: best
    }

    void importanceFindsTheParameterThatMatters()
    {
        auto sampler = makeSampler("random", space(), 11);
        std::vector<Trial> trials;
        for (int n = 1; n <= 60; ++n) {
            Trial trial = trialWith(n, {});
            trial.params = (*sampler)->sample(n, trials);
            trial.scores = {objective(trial.params)};
            trials.push_back(trial);
        }
        const auto importance = parameterImportance(space(), trials);
        QCOMPARE(importance.front().name, std::string("lr"));
        QVERIFY(importance.front().share > 0.6);
        QCOMPARE(importance.front().trials, 60);
        QVERIFY(importance.back().share < 0.2);
    }

    void importanceWaitsForEnoughTrials()
    {
        // Three trials: two bins always split them, so every parameter that separates the worst
        // from the other two would explain it all. Too few to tell, not 100%.
        auto sampler = makeSampler("random", space(), 11);
        std::vector<Trial> trials;
        for (int n = 1; n <= 3; ++n) {
            Trial trial = trialWith(n, {});
            trial.params = (*sampler)->sample(n, trials);
            trial.scores = {objective(trial.params)};
            trials.push_back(trial);
        }
        for (const auto &p : parameterImportance(space(), trials)) {
            QVERIFY2(std::isnan(p.share), p.name.c_str());
        }
    }

    void studyRecordRoundTrips()
    {
        QTemporaryDir dir;
        StudyRecord study;
        study.settings.dataset = "/data/kermany";
        study.settings.space = space();
        study.settings.sampler = "random";
        study.settings.pruner = "asha";
        study.settings.objective = Objective::ValLoss;
        study.settings.trials = 9;
        study.settings.seed = 5;
        study.settings.trainArguments = {"--epochs", "3"};
        study.settings.baseSettings = "{\n  \"batch_size\": 8\n}";
        Trial done = trialWith(1, {-0.40, -0.35});
        done.params = {{"lr", "0.001"}, {"optimizer", "adam"}};
        done.seconds = 12.5;
        Trial pruned = trialWith(2, {-0.9, std::nan("")}, TrialState::Pruned);
        study.trials = {done, pruned};
        QVERIFY(writeStudy(dir.path().toStdString(), study).ok());
        auto read = readStudy(dir.path().toStdString());
        QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
        QCOMPARE(read->settings.trainArguments, study.settings.trainArguments);
        QCOMPARE(read->settings.baseSettings, study.settings.baseSettings);
        QCOMPARE(read->settings.seed, std::uint64_t(5));
        QVERIFY(read->settings.objective == Objective::ValLoss);
        QCOMPARE(read->trials.size(), std::size_t(2));
        QCOMPARE(read->trials[0].params, done.params);
        QVERIFY(read->trials[1].state == TrialState::Pruned);
        QVERIFY(std::isnan(read->trials[1].scores[1]));
        QCOMPARE(bestTrial(*read).value_or(9), std::size_t(0));
        const std::string csv = studyCsv(*read);
        QVERIFY2(csv.rfind("trial,state,val_loss,best_epoch,epochs,seconds,lr,optimizer", 0) == 0,
                 csv.c_str());
        QVERIFY2(csv.find("1,complete,0.35,2,2,12.5,0.001,adam") != std::string::npos, csv.c_str());
        QVERIFY(!readStudy(dir.filePath("nowhere").toStdString()).ok());
    }
};

QTEST_APPLESS_MAIN(TestTuning)
#include "test_tuning.moc"
