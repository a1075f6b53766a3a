// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "ui/pacs/pacs_nodes.h"

#include <QFutureWatcher>
#include <QWidget>

#include <functional>
#include <memory>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTimer;
class QTreeWidget;
class QTreeWidgetItem;

namespace cxr::ui {

struct PolledProgress;

// The PACS page: the nodes (add, edit, remove, echo), a query form, the matching studies with
// their series (queried when a study is opened, a thumbnail retrieved when a series is
// selected), "Open in Viewer" (retrieve, then show) and "Predict and explain" (retrieve, then
// the Viewer's batch). Every network call runs on a worker thread with progress and cancel.
// Patient names and IDs show here, because picking the right study needs them; they are not
// logged or written anywhere but the retrieved DICOM files themselves.
class PacsPage : public QWidget {
    Q_OBJECT
public:
    explicit PacsPage(QWidget *parent = nullptr);
    ~PacsPage() override; // cancels and waits for a running call

    // Replaces the node list; save: also into the settings (tests pass false).
    void setNodes(const PacsNodes &nodes, bool save = true);
    std::optional<pacs::PacsNode> currentNode() const;
    void setStoreFolder(const QString &folder);
    QString storeFolder() const { return m_store; }

    void echoCurrentNode();
    void search();
    void openSelectionInViewer();
    void predictSelection();
    void cancel();
    bool isBusy() const;

    QLineEdit *patientIdField() const { return m_patientId; }
    QTreeWidget *results() const { return m_results; }
    QString statusText() const;

Q_SIGNALS:
    void openImageRequested(const QString &path);
    // A retrieved study or series to predict and explain: the folder, and one for the results.
    void predictFolderRequested(const QString &folder, const QString &resultsFolder);
    // A network call ended (with success or not); statusText() says how.
    void operationFinished();

private:
    using Work = std::function<Status(PolledProgress &)>;
    void runInBackground(const QString &what, Work work, std::function<void()> onSuccess);
    void onFinished();
    void updateProgress();
    void refreshNodes(const QString &select);
    void addNode();
    void editNode();
    void removeNode();
    void loadSeries(QTreeWidgetItem *study);
    void fetchThumbnail(QTreeWidgetItem *series);
    // Retrieves the selected study or series; then(path of its first image, its folder).
    void retrieveSelection(std::function<void(const QString &, const QString &)> then);
    void setStatus(const QString &text, bool problem = false);

    PacsNodes m_nodes;
    QString m_store;
    QComboBox *m_node;
    QPushButton *m_echo;
    QLineEdit *m_patientId;
    QLineEdit *m_patientName;
    QLineEdit *m_dateFrom;
    QLineEdit *m_dateTo;
    QLineEdit *m_modality;
    QLineEdit *m_accession;
    QPushButton *m_search;
    QTreeWidget *m_results;
    QPushButton *m_open;
    QPushButton *m_predict;
    QPushButton *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_status;
    QTimer *m_timer;
    std::shared_ptr<PolledProgress> m_state;
    QFutureWatcher<Status> m_watcher;
    std::function<void()> m_onSuccess;
    QString m_doing;
};

} // namespace cxr::ui
