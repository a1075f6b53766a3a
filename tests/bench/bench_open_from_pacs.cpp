// SPDX-License-Identifier: MIT
// The radiologist's wait: from "Open in Viewer" on a study row of the PACS page to the
// prediction and its map on screen, through a loopback Orthanc this program starts. The study
// is one radiograph (IMAGE.dcm); the model is a small CNN trained here on the demo data (the
// wait is retrieve, decode and one forward and backward pass, not the model's size).
// Offscreen GUI. Usage: bench_open_from_pacs IMAGE.dcm [ROUNDS]
#include "core/pipeline/training_job.h"
#include "tests/common/demo_run.h"
#include "tests/common/orthanc_server.h"
#include "ui/main_window.h"
#include "ui/pacs/pacs_page.h"
#include "ui/viewer/explain_panel.h"
#include "ui/viewer/viewer_page.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QTreeWidget>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace cxr;

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication application(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_open_from_pacs IMAGE.dcm [ROUNDS]\n");
        return 2;
    }
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
    if (test::OrthancServer::executable().isEmpty()) {
        std::printf("skipped: Orthanc (package orthanc) not installed\n");
        return 0;
    }
    test::OrthancServer orthanc;
    if (const QString started = orthanc.start(); !started.isEmpty()) {
        std::fprintf(stderr, "%s\n", qPrintable(started));
        return 1;
    }
    if (auto sent = pacs::send(orthanc.node(), {argv[1]}); !sent) {
        std::fprintf(stderr, "%s\n", sent.error().message.c_str());
        return 1;
    }
    QTemporaryDir work;
    if (auto trained = pipeline::runTrainJob(test::demoTrainJob(work.filePath("run"))); !trained) {
        std::fprintf(stderr, "%s\n", trained.error().message.c_str());
        return 1;
    }

    ui::MainWindow window;
    window.resize(1400, 900);
    window.show();
    ui::ViewerPage *viewer = window.viewerPage();
    ui::PacsPage *pacsPage = window.pacsPage();
    viewer->explainPanel()->setModel(work.filePath("run"));
    pacsPage->setNodes({{QStringLiteral("Bench"), orthanc.node()}}, false);
    QSignalSpy finished(pacsPage, &ui::PacsPage::operationFinished);
    pacsPage->search();
    finished.wait(60000);
    if (pacsPage->results()->topLevelItemCount() != 1) {
        std::fprintf(stderr, "the study did not show: %s\n", qPrintable(pacsPage->statusText()));
        return 1;
    }
    std::vector<double> retrieved, shown, predicted;
    for (int round = 0; round < rounds; ++round) {
        QTemporaryDir store; // a cold store each round: the retrieve is part of the wait
        pacsPage->setStoreFolder(store.path());
        pacsPage->results()->setCurrentItem(pacsPage->results()->topLevelItem(0));
        QSignalSpy opened(pacsPage, &ui::PacsPage::openImageRequested);
        QSignalSpy loaded(viewer, &ui::ViewerPage::imageLoaded);
        QElapsedTimer clock;
        clock.start();
        pacsPage->openSelectionInViewer();
        while (opened.isEmpty() && clock.elapsed() < 60000) {
            QTest::qWait(1);
        }
        retrieved.push_back(double(clock.nsecsElapsed()) / 1e6);
        while (loaded.isEmpty() && clock.elapsed() < 60000) {
            QTest::qWait(1);
        }
        shown.push_back(double(clock.nsecsElapsed()) / 1e6);
        ui::ExplainPanel *panel = viewer->explainPanel();
        while ((panel->isBusy() || !panel->prediction() || !panel->prediction()->cam ||
                panel->imagePath() != opened.value(0).value(0).toString()) &&
               clock.elapsed() < 60000) {
            QTest::qWait(1);
        }
        predicted.push_back(double(clock.nsecsElapsed()) / 1e6);
        if (!panel->prediction()) {
            std::fprintf(stderr, "no prediction: %s\n", qPrintable(panel->statusText()));
            return 1;
        }
    }
    const auto median = [](std::vector<double> values) {
        std::sort(values.begin(), values.end());
        return values[values.size() / 2];
    };
    std::printf(
        "Open in Viewer on a study row, median of %d rounds (cold local store each round):\n",
        rounds);
    std::printf("  retrieved (C-GET into the store):        %.0f ms\n", median(retrieved));
    std::printf("  image on screen (decoded, windowed):      %.0f ms\n", median(shown));
    std::printf("  prediction and Grad-CAM map on screen:    %.0f ms\n", median(predicted));
    return 0;
}
