// SPDX-License-Identifier: MIT
// Resident memory while browsing a dataset in the GUI (offscreen): open it, scroll the
// thumbnail grid from top to bottom, let the thumbnails load, read VmRSS and VmHWM.
// Run at 1x and at 4x the images (a manifest listing every file FACTOR times): memory should
// not grow with the dataset beyond the thumbnail cache and the index.
#include "core/common/allocator_tuning.h"
#include "core/data/dataset_scanner.h"
#include "core/data/manifest.h"
#include "ui/dataset/dataset_checks_panel.h"
#include "ui/dataset/dataset_page.h"
#include "ui/dataset/thumbnail_model.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QListView>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

// VmRSS and VmHWM of this process in MiB, from /proc (Linux).
std::pair<double, double> residentMemoryMib()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    double rss = 0;
    double peak = 0;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            rss = std::stod(line.substr(6)) / 1024.0;
        } else if (line.rfind("VmHWM:", 0) == 0) {
            peak = std::stod(line.substr(6)) / 1024.0;
        }
    }
    return {rss, peak};
}

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    cxr::tuneAllocatorForLargeBuffers(); // as cxr-studio starts
    QApplication app(argc, argv);
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_browse DATASET FACTOR\n");
        return 2;
    }
    const int factor = std::max(1, std::atoi(argv[2]));
    QTemporaryDir dir;
    const QString manifest = dir.filePath("browse.csv");
    std::size_t images = 0;
    {
        // The bench's own copies of the index are freed before the GUI opens the manifest:
        // only the GUI's memory is measured.
        auto index = cxr::data::scanDataset(argv[1]);
        if (!index) {
            std::fprintf(stderr, "%s\n", index.error().message.c_str());
            return 1;
        }
        cxr::data::DatasetIndex repeated = *index;
        repeated.files.clear();
        for (int copy = 0; copy < factor; ++copy) {
            repeated.files.insert(repeated.files.end(), index->files.begin(), index->files.end());
        }
        if (!cxr::data::writeManifest(manifest.toStdString(), repeated)) {
            return 1;
        }
        images = repeated.files.size();
    }
    cxr::releaseFreedMemory();

    cxr::ui::MainWindow window;
    window.resize(1280, 800);
    window.show();
    cxr::ui::DatasetPage *page = window.datasetPage();
    QSignalSpy loaded(page, &cxr::ui::DatasetPage::datasetLoaded);
    page->openDataset(manifest);
    if (!loaded.wait(60000)) {
        return 1;
    }
    auto *grid = page->findChild<QListView *>();
    QScrollBar *bar = grid->verticalScrollBar();
    QTest::qWait(200);
    const int steps = 200;
    for (int step = 0; step <= steps; ++step) {
        bar->setValue(bar->maximum() * step / steps);
        QTest::qWait(20);
    }
    QTest::qWait(3000); // let the visible thumbnails arrive
    // The leakage and near-duplicate checks run in the background after the scan (about a
    // second per thousand images); browsing memory is measured once they are done.
    if (page->checksPanel()->isChecking()) {
        QSignalSpy checked(page->checksPanel(), &cxr::ui::DatasetChecksPanel::checksFinished);
        checked.wait(300000);
    }
    const auto [rss, peak] = residentMemoryMib();
    double heapInUseMib = 0; // live allocations, without freed pages the allocator keeps
#if defined(__GLIBC__)
    heapInUseMib = double(mallinfo2().uordblks) / 1048576.0;
#endif
    std::printf("%dx: %zu images, thumbnails cached %d, resident %.0f MiB, peak %.0f MiB, "
                "heap in use %.0f MiB\n",
                factor, images, page->thumbnailModel()->loadedThumbnailCount(), rss, peak,
                heapInUseMib);
    return 0;
}
