// SPDX-License-Identifier: MIT
#include "ui/main_window.h"

#include "core/common/version.h"
#include "ui/augment/augment_page.h"
#include "ui/augment/augmentation_controls.h"
#include "ui/dataset/dataset_page.h"
#include "ui/evaluation/evaluate_page.h"
#include "ui/pacs/pacs_page.h"
#include "ui/training/run_history.h"
#include "ui/training/train_page.h"
#include "ui/viewer/batch_explain_dialog.h"
#include "ui/viewer/explain_panel.h"
#include "ui/viewer/viewer_page.h"

#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QStackedWidget>
#include <QStatusBar>

namespace cxr::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_pageList(new QListWidget), m_pages(new QStackedWidget),
      m_datasetPage(new DatasetPage), m_augmentPage(new AugmentPage), m_trainPage(new TrainPage),
      m_evaluatePage(new EvaluatePage), m_viewerPage(new ViewerPage), m_pacsPage(new PacsPage),
      m_confirmClose([this](const QString &question) {
          return QMessageBox::question(this, tr("Training is running"), question) ==
                 QMessageBox::Yes;
      })
{
    setWindowTitle(tr("CXR Studio"));
    resize(1280, 800);

    m_pages->addWidget(m_datasetPage);
    m_pages->addWidget(m_augmentPage);
    m_pages->addWidget(m_trainPage);
    m_pages->addWidget(m_evaluatePage);
    m_pages->addWidget(m_viewerPage);
    m_pages->addWidget(m_pacsPage);

    const QStringList names = {tr("Dataset"),  tr("Augment"), tr("Train"),
                               tr("Evaluate"), tr("Viewer"),  tr("PACS")};
    m_pageList->addItems(names);
    m_pageList->setFixedWidth(140);
    m_pageList->setCurrentRow(0);
    connect(m_pageList, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    auto *central = new QWidget;
    auto *layout = new QHBoxLayout(central);
    layout->addWidget(m_pageList);
    layout->addWidget(m_pages, 1);
    setCentralWidget(central);

    connect(m_datasetPage, &DatasetPage::imageActivated, this, &MainWindow::openImageInViewer);
    connect(m_datasetPage, &DatasetPage::datasetLoaded, this, [this](const QString &root) {
        statusBar()->showMessage(tr("Dataset %1 loaded").arg(root), 5000);
        m_augmentPage->setDataset(m_datasetPage->dataset());
        m_trainPage->setDataset(root);
        m_evaluatePage->setDataset(root);
    });
    connect(m_trainPage->history(), &RunHistory::evaluateRequested, this,
            [this](const ml::RunInfo &run) {
                m_evaluatePage->setRun(QString::fromStdString(run.folder.string()));
                m_evaluatePage->setDataset(QString::fromStdString(run.settings.datasetPath));
                showPage(EvaluatePageIndex);
            });
    connect(m_evaluatePage, &EvaluatePage::openInViewer, this,
            [this](const QString &run, const QString &image) {
                m_viewerPage->explainPanel()->setModel(run);
                openImageInViewer(image);
            });
    connect(m_trainPage->history(), &RunHistory::viewRequested, this,
            [this](const ml::RunInfo &run) {
                m_viewerPage->explainPanel()->setModel(QString::fromStdString(run.folder.string()));
                showPage(ViewerPageIndex);
            });
    // The Viewer and the Evaluate page's comparison list the runs of the Train page's runs folder,
    // read again when it is shown (runs finish while it is hidden).
    connect(m_pages, &QStackedWidget::currentChanged, this, [this](int index) {
        if (index == ViewerPageIndex) {
            m_viewerPage->setRunsFolder(m_trainPage->history()->runsFolder());
        } else if (index == EvaluatePageIndex) {
            m_evaluatePage->setRunsFolder(m_trainPage->history()->runsFolder());
        }
    });
    connect(m_trainPage, &TrainPage::previewAugmentation, this, [this](const QString &preset) {
        AugmentationSettings settings;
        if (augmentationPreset(preset.toStdString(), settings)) {
            m_augmentPage->controls()->setSettings(settings);
        }
        showPage(AugmentPageIndex);
    });
    connect(m_pacsPage, &PacsPage::openImageRequested, this, &MainWindow::openImageInViewer);
    connect(m_pacsPage, &PacsPage::predictFoldersRequested, this,
            &MainWindow::predictRetrievedStudies);
    createMenus();
    statusBar()->showMessage(tr("CXR Studio %1").arg(QString::fromLatin1(kVersionString)));
}

// Retrieved studies and series go to the Viewer's batch, with the Viewer's model and map.
void MainWindow::predictRetrievedStudies(const QStringList &folders, const QString &results,
                                         const std::optional<pacs::PacsNode> &sendTo)
{
    showPage(ViewerPageIndex);
    BatchExplainDialog *batch = m_viewerPage->openBatchDialog();
    if (batch->isRunning()) { // its folders and PACS stay those it runs with
        statusBar()->showMessage(tr("A batch is running: cancel it or wait for it, then predict "
                                    "the retrieved studies again."));
        return;
    }
    batch->setFolderInputs(folders);
    batch->setOutputFolder(results);
    batch->setSendNode(sendTo, sendTo.has_value());
    batch->start();
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("Open &dataset folder…"), this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Open dataset folder"));
        if (!folder.isEmpty()) {
            showPage(DatasetPageIndex);
            m_datasetPage->openDataset(folder);
        }
    });
    file->addAction(tr("Open &image…"), QKeySequence::Open, this, [this] {
        showPage(ViewerPageIndex);
        m_viewerPage->chooseFile();
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About CXR Studio"), this, [this] {
        QMessageBox::about(this, tr("About CXR Studio"),
                           tr("<h3>CXR Studio %1</h3><p>Chest X-ray datasets, training, "
                              "evaluation and Grad-CAM review.</p><p>Not a medical device: "
                              "predictions support, and never replace, a radiologist's "
                              "reading.</p>")
                               .arg(QString::fromLatin1(kVersionString)));
    });
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_trainPage->isTraining()) {
        if (!m_confirmClose(tr("A training run is in progress. Stop it and quit? A checkpoint of "
                               "the last finished step is saved, and the run can be resumed "
                               "from the Train page."))) {
            event->ignore();
            return;
        }
        statusBar()->showMessage(tr("Stopping training and saving a checkpoint…"));
        m_trainPage->stopForShutdown(-1);
    }
    event->accept();
}

void MainWindow::showPage(Page page)
{
    m_pageList->setCurrentRow(int(page));
}

MainWindow::Page MainWindow::currentPage() const
{
    return Page(m_pages->currentIndex());
}

bool MainWindow::opensAsImage(const QString &path)
{
    const QFileInfo info(path);
    return info.isFile() && info.suffix().toLower() != QStringLiteral("csv");
}

void MainWindow::openPath(const QString &path)
{
    if (opensAsImage(path)) {
        openImageInViewer(path);
    } else {
        m_datasetPage->openDataset(path);
    }
}

void MainWindow::openImageInViewer(const QString &path)
{
    showPage(ViewerPageIndex);
    m_viewerPage->openImage(path);
}

} // namespace cxr::ui
