// SPDX-License-Identifier: MIT
// `cxr-studio`: the desktop workstation. Wiring only: build the window, hand it the command line.
#include "core/common/allocator_tuning.h"
#include "core/common/version.h"
#include "core/ml/runtime_setup.h"
#include "trial_job.h"
#include "ui/augment/augment_page.h"
#include "ui/dataset/dataset_page.h"
#include "ui/main_window.h"
#include "ui/training/train_page.h"
#include "ui/viewer/explain_panel.h"
#include "ui/viewer/viewer_page.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileOpenEvent>
#include <QLibraryInfo>
#include <QTimer>

#include <algorithm>
#include <cstdio>

namespace {

// --self-check: what a package test or a user after installing needs to know, that the window
// opens with the platform plugin Qt found, and that a dataset given scans. Prints one line (on
// Windows only when output is redirected: a GUI program has no console) and quits: 0 when all
// went well, 1 when the scan failed, 2 when it did not finish in a minute.
void scheduleSelfCheck(cxr::ui::MainWindow &window, bool waitForDataset)
{
    auto report = [](const QString &outcome, int code) {
        std::printf("cxr-studio %s: platform %s, plugins from %s: %s\n", cxr::kVersionString,
                    qPrintable(QGuiApplication::platformName()),
                    qPrintable(QLibraryInfo::path(QLibraryInfo::PluginsPath)), qPrintable(outcome));
        std::fflush(stdout);
        QCoreApplication::exit(code);
    };
    if (!waitForDataset) {
        QTimer::singleShot(0, qApp, [report] { report(QStringLiteral("window shown"), 0); });
        return;
    }
    auto *page = window.datasetPage();
    QObject::connect(page, &cxr::ui::DatasetPage::datasetLoaded, qApp,
                     [report](const QString &root) {
                         report(QStringLiteral("dataset %1 loaded").arg(root), 0);
                     });
    QObject::connect(page, &cxr::ui::DatasetPage::scanFailed, qApp, [report](const QString &error) {
        report(QStringLiteral("dataset failed: %1").arg(error), 1);
    });
    QTimer::singleShot(60000, qApp,
                       [report] { report(QStringLiteral("dataset scan timed out"), 2); });
}

// macOS hands a file double-clicked in Finder (or dropped on the Dock icon) to a running app as
// a QFileOpenEvent instead of a command-line argument.
class FileOpenRouter : public QObject {
public:
    FileOpenRouter(cxr::ui::MainWindow *window, QObject *parent) : QObject(parent), m_window(window)
    {}

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::FileOpen) {
            const QString file = static_cast<QFileOpenEvent *>(event)->file();
            if (!file.isEmpty()) { // a URL that is not a local file: nothing to open
                m_window->openPath(file);
            }
            return true;
        }
        return QObject::eventFilter(watched, event);
    }

private:
    cxr::ui::MainWindow *m_window;
};

} // namespace

int main(int argc, char **argv)
{
    cxr::tuneAllocatorForLargeBuffers();
    // Deterministic for the whole session: the GUI predicts, explains and trains at once, and
    // LibTorch's determinism flags are process-wide, so they are set once, here. A prediction
    // then repeats to the last digit, and a run that asks for determinism gets it; a run that
    // does not forgoes cuDNN's autotuning.
    cxr::ml::setUpRuntime({/*processesOnMachine=*/1, /*deterministic=*/true});
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("CXR Studio"));
    QApplication::setOrganizationName(QStringLiteral("CXR Studio"));
    QApplication::setApplicationVersion(QString::fromLatin1(cxr::kVersionString));
    // Ties the window to the installed desktop entry (its name and icon on Wayland docks).
    QGuiApplication::setDesktopFileName(QStringLiteral("cxr-studio"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Chest X-ray workstation"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        QStringLiteral("dataset"),
        QStringLiteral("dataset folder or manifest, or an image to view (optional)"));
    QCommandLineOption imageOption(QStringLiteral("image"),
                                   QStringLiteral("image to open in the Viewer"),
                                   QStringLiteral("file"));
    parser.addOption(imageOption);
    QCommandLineOption modelOption(QStringLiteral("model"),
                                   QStringLiteral("run or model folder the Viewer predicts with"),
                                   QStringLiteral("folder"));
    parser.addOption(modelOption);
    QCommandLineOption augmentOption(QStringLiteral("augment"),
                                     QStringLiteral("image to preview on the Augment page"),
                                     QStringLiteral("file"));
    parser.addOption(augmentOption);
    QCommandLineOption selfCheckOption(QStringLiteral("self-check"),
                                       QStringLiteral("open the window (and the dataset given), "
                                                      "print what loaded, and quit"));
    parser.addOption(selfCheckOption);
    parser.process(app);

    cxr::ui::MainWindow window;
    // A study trial is made by `cxr train`'s own options, so that the GUI and `cxr tune` run the
    // same trials and resume each other's studies.
    window.trainPage()->setTrialJobMaker(cxr::cli::makeTrialJob);
    window.show();
    if (parser.isSet(selfCheckOption)) {
        const QStringList paths = parser.positionalArguments();
        scheduleSelfCheck(window, std::any_of(paths.begin(), paths.end(), [](const QString &path) {
                              return !cxr::ui::MainWindow::opensAsImage(path);
                          }));
    }
    // Files from the command line, a file manager's "Open with" (the desktop entry's %F) or
    // Finder: images in the Viewer, folders and manifests as datasets.
    app.installEventFilter(new FileOpenRouter(&window, &app));
    for (const QString &argument : parser.positionalArguments()) {
        window.openPath(argument);
    }
    if (parser.isSet(modelOption)) {
        window.showPage(cxr::ui::MainWindow::ViewerPageIndex);
        window.viewerPage()->explainPanel()->setModel(parser.value(modelOption));
    }
    if (parser.isSet(imageOption)) {
        window.showPage(cxr::ui::MainWindow::ViewerPageIndex);
        window.viewerPage()->openImage(parser.value(imageOption));
    }
    if (parser.isSet(augmentOption)) {
        window.showPage(cxr::ui::MainWindow::AugmentPageIndex);
        window.augmentPage()->openImage(parser.value(augmentOption));
    }
    return QApplication::exec();
}
