// SPDX-License-Identifier: MIT
// The LibTorch runtime set-up: the application sets it once; the library then only checks runs
// against it and changes none of its process-wide flags. Its own executable: the state under
// test is the process's. LibTorch headers, so Qt's keyword macros are off (QT_NO_KEYWORDS).
#include "core/ml/runtime_setup.h"
#include "core/ml/torch_includes.h"

#include <QTest>

#include <algorithm>
#include <thread>

using namespace cxr;

class TestRuntimeSetup : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // Order matters: the first case runs before any application set-up.
    void withoutSetUpTheRunAppliesWhatItNeeds()
    {
        QVERIFY(!ml::runtimeSetup());
        QVERIFY(ml::prepareRuntimeForRun(/*deterministic=*/true, 1));
        QVERIFY(torch::globalContext().deterministicAlgorithms());
        QVERIFY(!torch::globalContext().benchmarkCuDNN());
        QVERIFY(ml::prepareRuntimeForRun(/*deterministic=*/false, 1));
        QVERIFY(!torch::globalContext().deterministicAlgorithms());
        QVERIFY(torch::globalContext().benchmarkCuDNN());
        QVERIFY(!ml::runtimeSetup()); // a run's needs are not an application's set-up
    }

    void aProcessSetUpWithoutDeterminismRefusesADeterministicRun()
    {
        ml::setUpRuntime({/*processesOnMachine=*/1, /*deterministic=*/false});
        QVERIFY(ml::runtimeSetup());
        const Status refused = ml::prepareRuntimeForRun(/*deterministic=*/true, 1);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Unsupported);
        QVERIFY(QString::fromStdString(refused.error().message).contains("deterministic"));
        QVERIFY(!torch::globalContext().deterministicAlgorithms()); // left as it was set up
        QVERIFY(ml::prepareRuntimeForRun(/*deterministic=*/false, 1));
    }

    void theLibraryChangesNoFlagOfADeterministicProcess()
    {
        ml::setUpRuntime({/*processesOnMachine=*/1, /*deterministic=*/true});
        const int threads = torch::get_num_threads();
        QVERIFY(torch::globalContext().deterministicAlgorithms());
        // A run without determinism, as one of two ranks: still deterministic, same threads.
        QVERIFY(ml::prepareRuntimeForRun(/*deterministic=*/false, 2));
        ml::prepareRuntimeForInference();
        QVERIFY(torch::globalContext().deterministicAlgorithms());
        QVERIFY(torch::globalContext().deterministicCuDNN());
        QVERIFY(!torch::globalContext().benchmarkCuDNN());
        QCOMPARE(torch::get_num_threads(), threads);
#ifndef _WIN32
        QVERIFY(qEnvironmentVariableIsSet("CUBLAS_WORKSPACE_CONFIG"));
#endif
    }

    void ranksOnOneMachineShareItsCores()
    {
        const int online = int(std::max(1u, std::thread::hardware_concurrency()));
        if (online < 2) {
            QSKIP("one core: nothing to share");
        }
        ml::setUpRuntime({/*processesOnMachine=*/2, /*deterministic=*/false});
        QVERIFY(torch::get_num_threads() <= std::max(1, online / 2));
        ml::setUpRuntime({});
        QVERIFY(torch::get_num_threads() >= std::max(1, online / 2));
    }
};

QTEST_GUILESS_MAIN(TestRuntimeSetup)
#include "test_runtime_setup.moc"
