// SPDX-License-Identifier: MIT
// `cxr-studio`: the desktop workstation. Wiring only: build the window, hand it the command line.
#include "core/common/allocator_tuning.h"
#include "cxr/version.h"
#include "ui/augment/augment_page.h"
#include "ui/dataset/dataset_page.h"
#include "ui/main_window.h"
#include "ui/viewer/explain_panel.h"
#include "ui/viewer/viewer_page.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>

int main(int argc, char **argv)
{
    cxr::tuneAllocatorForLargeBuffers();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("CXR Studio"));
    QApplication::setOrganizationName(QStringLiteral("CXR Studio"));
    QApplication::setApplicationVersion(QString::fromLatin1(cxr::kVersionString));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Chest X-ray workstation"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("dataset"),
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
    parser.process(app);

    cxr::ui::MainWindow window;
    window.show();
    // A folder or manifest opens as a dataset; an image (a file manager's "Open with", the
    // desktop entry's %F) opens in the Viewer.
    for (const QString &argument : parser.positionalArguments()) {
        const QFileInfo info(argument);
        const QString suffix = info.suffix().toLower();
        if (info.isFile() && suffix != QStringLiteral("csv")) {
            window.showPage(cxr::ui::MainWindow::ViewerPageIndex);
            window.viewerPage()->openImage(argument);
        } else {
            window.datasetPage()->openDataset(argument);
        }
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
