// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "ui/pacs/pacs_nodes.h"

#include <QFutureWatcher>
#include <QStringList>
#include <QWidget>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLayout;
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
// selected), "Open in Viewer" (retrieve, then show) and "Predict and explain" (retrieve every
// selected study and series, then the Viewer's batch over them, which can store each image's
// results back in the PACS). Every network call runs on a
// worker thread with progress and cancel. Patient names and IDs show here, because picking the
// right study needs them; they are not logged or written anywhere but the retrieved DICOM files
// themselves.
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
    QCheckBox *sendResultsBackBox() const { return m_sendBack; }
    QString statusText() const;

Q_SIGNALS:
    void openImageRequested(const QString &path);
    // The retrieved studies and series to predict and explain: their folders in the local
    // store, a folder for the results, and the PACS to store each image's results in when
    // "Send the results back" is ticked (std::nullopt otherwise).
    void predictFoldersRequested(const QStringList &folders, const QString &resultsFolder,
                                 const std::optional<pacs::PacsNode> &sendTo);
    // A network call ended (with success or not); statusText() says how.
    void operationFinished();

private:
    QLayout *buildNodeRow();
    QWidget *buildQueryForm();
    QLayout *buildResultActions();
    void connectControls();
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
    // What a retrieve of rows brought: each study's or series' folder in the local store, and
    // the files in them (those kept from an earlier retrieve too).
    struct Retrieved {
        QStringList folders;
        std::vector<std::filesystem::path> files;
    };
    // Retrieves the studies and series of items one after the other, then calls then.
    void retrieveSelection(const QList<QTreeWidgetItem *> &items,
                           std::function<void(const Retrieved &)> then);
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
    QCheckBox *m_sendBack;
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
