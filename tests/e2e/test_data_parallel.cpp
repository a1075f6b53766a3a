// SPDX-License-Identifier: MIT
// Data-parallel training: `cxr train` started as two ranks of a Gloo process group on loopback,
// as torchrun would start it, against one process at twice the batch; resume; a lost rank.
#include "core/ml/distributed_launch.h"
#include "tests/common/cli_process.h"
#include "tests/common/test_paths.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <memory>
#include <vector>

using namespace cxr;

namespace {

using Outcome = test::CliOutcome;

// A port nobody listens on now (the kernel's choice), for one rendezvous.
int freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

QProcessEnvironment withoutLauncher()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                             "MASTER_PORT", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"}) {
        environment.remove(name);
    }
    return environment;
}

std::unique_ptr<QProcess> startRank(int rank, int ranks, int port, const QStringList &arguments)
{
    auto process = std::make_unique<QProcess>();
    QProcessEnvironment environment = withoutLauncher();
    if (ranks > 1) {
        environment.insert("RANK", QString::number(rank));
        environment.insert("LOCAL_RANK", QString::number(rank));
        environment.insert("WORLD_SIZE", QString::number(ranks));
        environment.insert("MASTER_ADDR", "127.0.0.1");
        environment.insert("MASTER_PORT", QString::number(port));
    }
    process->setProcessEnvironment(environment);
    process->start(QStringLiteral(CXR_CLI_PATH), arguments);
    return process;
}

// Every rank of one `cxr` command; rank 0's outcome first.
std::vector<Outcome> runRanks(int ranks, const QStringList &arguments)
{
    const int port = freePort();
    std::vector<std::unique_ptr<QProcess>> processes;
    processes.reserve(std::size_t(ranks));
    for (int rank = 0; rank < ranks; ++rank) {
        processes.push_back(startRank(rank, ranks, port, arguments));
    }
    std::vector<Outcome> outcomes;
    outcomes.reserve(processes.size());
    for (auto &process : processes) {
        outcomes.push_back(test::finishCli(*process, 240000));
    }
    return outcomes;
}

// The one line of stderr that says why `cxr` failed (the lines before it are progress).
QString errorLine(const Outcome &outcome)
{
    const QStringList lines = outcome.err.split('\n', Qt::SkipEmptyParts);
    QStringList errors;
    for (const QString &line : lines) {
        if (line.startsWith("cxr: ")) {
            errors << line;
        }
    }
    return errors.size() == 1 ? errors.front() : QString();
}

// `cxr train --json`'s epoch lines: epoch -> object.
std::map<int, QJsonObject> epochLines(const QString &out)
{
    std::map<int, QJsonObject> epochs;
    for (const QString &line : out.split('\n', Qt::SkipEmptyParts)) {
        const QJsonObject object = QJsonDocument::fromJson(line.toUtf8()).object();
        if (object.value("event").toString() == "epoch") {
            epochs[object.value("epoch").toInt()] = object;
        }
    }
    return epochs;
}

QStringList trainArguments(const QString &run, int batch, int epochs)
{
    // LeNet-5 has neither dropout nor batch norm, and nothing is augmented: one process at
    // batch 2B and two at B then see the same images in every step and must agree. 120
    // training images make the last step of each epoch 8 images, all of them rank 0's.
    return {"train",      test::demoDataset(),
            "--model",    "lenet5",
            "--epochs",   QString::number(epochs),
            "--batch",    QString::number(batch),
            "--seed",     "3",
            "--device",   "cpu",
            "--no-cache", "--json",
            "--out",      run};
}

// A network with batch norm (four layers) and no dropout, nothing augmented, at 64 px: batch
// norm's statistics are the only thing that differs between one process at 2B and two ranks at
// B, unless the ranks synchronise them.
QStringList batchNormArguments(const QString &run, int batch, bool synchronised)
{
    QStringList arguments = {
        "train",   test::demoDataset(),    "--model", "custom-cnn", "--custom-dropout",
        "0",       "--input-size",         "64",      "--epochs",   "2",
        "--batch", QString::number(batch), "--seed",  "5",          "--device",
        "cpu",     "--no-cache",           "--json",  "--out",      run};
    if (synchronised) {
        arguments << "--sync-batch-norm";
    }
    return arguments;
}

// The largest difference between one process's and two ranks' figures, relative to the first.
double largestDifference(const QJsonObject &one, const QJsonObject &two)
{
    double largest = 0;
    for (const char *key : {"train_loss", "val_loss", "train_accuracy", "val_accuracy"}) {
        const double a = one.value(key).toDouble();
        const double b = two.value(key).toDouble();
        largest = std::max(largest, std::abs(a - b) / std::max(1.0, std::abs(a)));
    }
    return largest;
}

void compareLosses(const QJsonObject &one, const QJsonObject &two, int epoch,
                   double tolerance = 1e-4)
{
    if (largestDifference(one, two) > tolerance) {
        QFAIL(qPrintable(
            QString("epoch %1: one process %2, two ranks %3")
                .arg(epoch)
                .arg(QString::fromUtf8(QJsonDocument(one).toJson(QJsonDocument::Compact)))
                .arg(QString::fromUtf8(QJsonDocument(two).toJson(QJsonDocument::Compact)))));
    }
}

} // namespace

class TestDataParallel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void launchVariablesAreReadOrRefused()
    {
        auto launchFrom = [](const std::map<std::string, std::string> &variables) {
            return ml::distributedLaunchFromEnvironment([variables](const char *name) {
                const auto found = variables.find(name);
                return found == variables.end() ? nullptr : found->second.c_str();
            });
        };
        auto none = launchFrom({});
        QVERIFY(none && !*none);
        auto single = launchFrom({{"WORLD_SIZE", "1"}, {"RANK", "0"}});
        QVERIFY(single && !*single); // a world of one is an ordinary run
        auto torchrun = launchFrom({{"WORLD_SIZE", "4"},
                                    {"RANK", "3"},
                                    {"LOCAL_RANK", "1"},
                                    {"LOCAL_WORLD_SIZE", "2"},
                                    {"MASTER_ADDR", "10.0.0.1"},
                                    {"MASTER_PORT", "29400"},
                                    {"TORCHELASTIC_USE_AGENT_STORE", "True"}});
        QVERIFY(torchrun && *torchrun);
        QCOMPARE((*torchrun)->rank, 3);
        QCOMPARE((*torchrun)->worldSize, 4);
        QCOMPARE((*torchrun)->localRank, 1);
        QCOMPARE((*torchrun)->localWorldSize, 2);
        QCOMPARE((*torchrun)->masterAddress, std::string("10.0.0.1"));
        QCOMPARE((*torchrun)->masterPort, 29400);
        QVERIFY((*torchrun)->agentStore);
        auto slurm = launchFrom({{"SLURM_PROCID", "5"},
                                 {"SLURM_NTASKS", "8"},
                                 {"SLURM_LOCALID", "1"},
                                 {"SLURM_NTASKS_PER_NODE", "4(x2)"},
                                 {"MASTER_ADDR", "node01"}});
        QVERIFY(slurm && *slurm);
        QCOMPARE((*slurm)->launcher, std::string("SLURM"));
        QCOMPARE((*slurm)->rank, 5);
        QCOMPARE((*slurm)->localWorldSize, 4);
        QCOMPARE((*slurm)->masterPort, 29500);

        auto outside = launchFrom({{"WORLD_SIZE", "2"}, {"RANK", "2"}});
        QVERIFY(!outside);
        QVERIFY(outside.error().message.find("RANK=2") != std::string::npos);
        auto noRank = launchFrom({{"WORLD_SIZE", "2"}});
        QVERIFY(!noRank);
        QVERIFY(noRank.error().message.find("RANK") != std::string::npos);
        auto badPort = launchFrom({{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_PORT", "99999"}});
        QVERIFY(!badPort);
        QVERIFY(badPort.error().message.find("MASTER_PORT") != std::string::npos);
        auto slurmWithoutMaster = launchFrom({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}});
        QVERIFY(!slurmWithoutMaster);
        QVERIFY(slurmWithoutMaster.error().message.find("MASTER_ADDR") != std::string::npos);
    }

    void twoRanksTrainAsOneProcessAtTwiceTheBatch()
    {
        const QString one = m_dir.filePath("one");
        const std::vector<Outcome> single = runRanks(1, trainArguments(one, 16, 3));
        QVERIFY2(single[0].exitCode == 0, qPrintable(single[0].err));
        const QString two = m_dir.filePath("two");
        const std::vector<Outcome> pair = runRanks(2, trainArguments(two, 8, 3));
        QVERIFY2(pair[0].exitCode == 0, qPrintable(pair[0].err));
        QVERIFY2(pair[1].exitCode == 0, qPrintable(pair[1].err));
        const auto expected = epochLines(single[0].out);
        const auto got = epochLines(pair[0].out);
        QCOMPARE(expected.size(), std::size_t(3));
        QCOMPARE(got.size(), std::size_t(3));
        for (const auto &[epoch, line] : expected) {
            compareLosses(line, got.at(epoch), epoch);
        }
        QVERIFY2(pair[1].out.isEmpty(), qPrintable(pair[1].out)); // rank 0 reports the run

        QFile config(two + "/config.json");
        QVERIFY(config.open(QIODevice::ReadOnly));
        const QJsonObject distributed =
            QJsonDocument::fromJson(config.readAll()).object().value("distributed").toObject();
        QCOMPARE(distributed.value("world_size").toInt(), 2);
        const QJsonArray rates =
            QJsonDocument::fromJson(pair[0].out.split('\n', Qt::SkipEmptyParts).last().toUtf8())
                .object()
                .value("rank_images_per_second")
                .toArray();
        QCOMPARE(rates.size(), 2);
        QVERIFY(rates[0].toDouble() > 0 && rates[1].toDouble() > 0);
        m_threeEpochs = got;
    }

    // Synchronised batch norm: two ranks at B train as one process at 2B also with batch norm,
    // including the last step of each epoch, which has 8 images, all rank 0's (rank 1 sums an
    // empty share). Without it they do not, which shows that the comparison can fail.
    void synchronisedBatchNormTrainsAsOneProcess()
    {
        const std::vector<Outcome> single =
            runRanks(1, batchNormArguments(m_dir.filePath("bn-one"), 16, false));
        QVERIFY2(single[0].exitCode == 0, qPrintable(single[0].err));
        const std::vector<Outcome> synced =
            runRanks(2, batchNormArguments(m_dir.filePath("bn-synced"), 8, true));
        QVERIFY2(synced[0].exitCode == 0 && synced[1].exitCode == 0,
                 qPrintable(synced[0].err + synced[1].err));
        const std::vector<Outcome> apart =
            runRanks(2, batchNormArguments(m_dir.filePath("bn-apart"), 8, false));
        QVERIFY2(apart[0].exitCode == 0 && apart[1].exitCode == 0,
                 qPrintable(apart[0].err + apart[1].err));
        const auto expected = epochLines(single[0].out);
        const auto got = epochLines(synced[0].out);
        const auto unsynced = epochLines(apart[0].out);
        QCOMPARE(expected.size(), std::size_t(2));
        QCOMPARE(got.size(), std::size_t(2));
        QCOMPARE(unsynced.size(), std::size_t(2));
        double syncedDifference = 0;
        double apartDifference = 0;
        for (const auto &[epoch, line] : expected) {
            // The sums run in another order than in one process's kernel; the second epoch's
            // validation loss of a barely trained network (1.69, all one class) magnifies that
            // to about 1e-4, against about 1e-1 without synchronisation.
            compareLosses(line, got.at(epoch), epoch, 1e-3);
            syncedDifference = std::max(syncedDifference, largestDifference(line, got.at(epoch)));
            apartDifference =
                std::max(apartDifference, largestDifference(line, unsynced.at(epoch)));
        }
        qInfo() << "relative difference from one process: synchronised" << syncedDifference
                << "per rank" << apartDifference;
        QVERIFY2(apartDifference > 1e-2, "batch norm per rank should change the figures");
    }

    // --settings: a run's config.json as the base, the options given over it.
    void settingsFileIsTheBaseOfTheOptions()
    {
        const QString run = m_dir.filePath("from-settings");
        const Outcome outcome = runRanks(1, {"train", test::demoDataset(), "--settings",
                                             m_dir.filePath("one/config.json"), "--batch", "4",
                                             "--epochs", "1", "--no-cache", "--out", run})[0];
        QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.err));
        QFile config(run + "/config.json");
        QVERIFY(config.open(QIODevice::ReadOnly));
        const QJsonObject settings = QJsonDocument::fromJson(config.readAll()).object();
        QCOMPARE(settings.value("model").toObject().value("architecture").toString(),
                 QString("lenet5"));
        QCOMPARE(settings.value("seed").toInt(), 3);
        QCOMPARE(settings.value("batch_size").toInt(), 4);
        QCOMPARE(settings.value("epochs").toInt(), 1);
        QCOMPARE(settings.value("distributed").toObject().value("world_size").toInt(), 1);

        const Outcome missing = runRanks(1, {"train", test::demoDataset(), "--settings",
                                             m_dir.filePath("none.json"), "--out", run + "-2"})[0];
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(errorLine(missing).contains("none.json"), qPrintable(missing.err));
    }

    void resumesWithTheSameRanksOnly()
    {
        QVERIFY2(m_threeEpochs.size() == 3, "needs twoRanksTrainAsOneProcessAtTwiceTheBatch");
        const QString run = m_dir.filePath("resumed");
        std::vector<Outcome> first = runRanks(2, trainArguments(run, 8, 2));
        QVERIFY2(first[0].exitCode == 0 && first[1].exitCode == 0,
                 qPrintable(first[0].err + first[1].err));

        const Outcome alone = runRanks(1, {"train", "--resume", run, "--epochs", "3"})[0];
        QVERIFY(alone.exitCode != 0);
        QVERIFY2(errorLine(alone).contains("WORLD_SIZE=2"), qPrintable(alone.err));

        const std::vector<Outcome> resumed =
            runRanks(2, {"train", "--resume", run, "--epochs", "3", "--json"});
        QVERIFY2(resumed[0].exitCode == 0 && resumed[1].exitCode == 0,
                 qPrintable(resumed[0].err + resumed[1].err));
        const auto epochs = epochLines(resumed[0].out);
        QCOMPARE(epochs.size(), std::size_t(1));
        compareLosses(m_threeEpochs.at(3), epochs.at(3), 3);
    }

    void aRankThatDiesStopsTheOther()
    {
        const int port = freePort();
        QStringList arguments = trainArguments(m_dir.filePath("killed"), 8, 200);
        auto first = startRank(0, 2, port, arguments);
        auto second = startRank(1, 2, port, arguments);
        // Rank 0 prints each epoch: wait for one, so that both are deep in training.
        QElapsedTimer waited;
        waited.start();
        QString out;
        while (!out.contains("\"event\":\"epoch\"") && waited.elapsed() < 120000) {
            first->waitForReadyRead(1000);
            out += QString::fromUtf8(first->readAllStandardOutput());
        }
        QVERIFY2(out.contains("\"event\":\"epoch\""), "rank 0 trained no epoch");
        second->kill();
        second->waitForFinished();
        QElapsedTimer stopping;
        stopping.start();
        const Outcome survivor = test::finishCli(*first, 60000);
        QVERIFY2(stopping.elapsed() < 30000, "the surviving rank took over 30 s to stop");
        QCOMPARE(survivor.exitCode, 1);
        const QString message = errorLine(survivor);
        QVERIFY2(message.contains("rank 0 of 2") && message.contains("another rank"),
                 qPrintable(survivor.err));
    }

    void aRankAloneGivesUpAfterItsTimeout()
    {
        QStringList arguments = trainArguments(m_dir.filePath("alone"), 8, 1);
        arguments << "--rank-timeout"
                  << "10";
        auto lonely = startRank(1, 2, freePort(), arguments);
        QElapsedTimer waited;
        waited.start();
        const Outcome outcome = test::finishCli(*lonely, 60000);
        QVERIFY2(waited.elapsed() < 40000, "waited far past --rank-timeout 10");
        QCOMPARE(outcome.exitCode, 1);
        QVERIFY2(errorLine(outcome).contains("could not join"), qPrintable(outcome.err));
    }

private:
    QTemporaryDir m_dir;
    std::map<int, QJsonObject> m_threeEpochs;
};

QTEST_GUILESS_MAIN(TestDataParallel)
#include "test_data_parallel.moc"
