// SPDX-License-Identifier: MIT
#pragma once

#include "core/pacs/pacs_node.h"

#include <QMainWindow>
#include <QStringList>

#include <functional>
#include <optional>

class QListWidget;
class QStackedWidget;

namespace cxr::ui {

class AugmentPage;
class DatasetPage;
class EvaluatePage;
class PacsPage;
class TrainPage;
class ViewerPage;

// The workstation's frame: a page list on the left (Dataset, Augment, Train, Evaluate,
// Viewer, PACS) and the chosen page on the right.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum Page {
        DatasetPageIndex,
        AugmentPageIndex,
        TrainPageIndex,
        EvaluatePageIndex,
        ViewerPageIndex,
        PacsPageIndex
    };

    explicit MainWindow(QWidget *parent = nullptr);

    void showPage(Page page);
    // What a path given on the command line, by a file manager or by Finder opens as: an image
    // (any file but a .csv manifest) in the Viewer, a folder or manifest as a dataset.
    static bool opensAsImage(const QString &path);
    void openPath(const QString &path);
    Page currentPage() const;
    DatasetPage *datasetPage() const { return m_datasetPage; }
    AugmentPage *augmentPage() const { return m_augmentPage; }
    ViewerPage *viewerPage() const { return m_viewerPage; }
    TrainPage *trainPage() const { return m_trainPage; }
    EvaluatePage *evaluatePage() const { return m_evaluatePage; }
    PacsPage *pacsPage() const { return m_pacsPage; }
    // Asks whether to stop a running training and quit (a message box by default; tests
    // answer without one).
    void setCloseConfirmation(std::function<bool(const QString &question)> confirm)
    {
        m_confirmClose = std::move(confirm);
    }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createMenus();
    void openImageInViewer(const QString &path);
    void predictRetrievedStudies(const QStringList &folders, const QString &results,
                                 const std::optional<pacs::PacsNode> &sendTo);

    QListWidget *m_pageList;
    QStackedWidget *m_pages;
    DatasetPage *m_datasetPage;
    AugmentPage *m_augmentPage;
    TrainPage *m_trainPage;
    EvaluatePage *m_evaluatePage;
    ViewerPage *m_viewerPage;
    PacsPage *m_pacsPage;
    std::function<bool(const QString &)> m_confirmClose;
};

} // namespace cxr::ui
