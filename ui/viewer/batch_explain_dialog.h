// SPDX-License-Identifier: MIT
#pragma once

#include "core/pipeline/batch_explain_job.h"

#include <QDialog>
#include <QFutureWatcher>
#include <QStringList>

#include <memory>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QTimer;

namespace cxr::ui {

struct PolledProgress;
class ThumbnailModel;

// Prediction and maps for a folder or a dataset split with the Viewer's model and settings, on
// a worker thread with progress, ETA and cancel, into a results folder (predictions.csv and
// overlays, resumable). The results show as a grid of overlays sorted by probability; a
// double-click opens the image in the Viewer.
class BatchExplainDialog : public QDialog {
    Q_OBJECT
public:
    explicit BatchExplainDialog(QWidget *parent = nullptr);
    ~BatchExplainDialog() override; // cancels and waits for a running batch

    // The model and map settings the batch uses (the Viewer's).
    void setJobTemplate(const pipeline::BatchExplainJob &job);
    void setFolderInput(const QString &folder);
    // Several folders in one batch (a PACS selection); the field names the first and the count.
    void setFolderInputs(const QStringList &folders);
    void setDatasetInput(const QString &dataset, const QString &split);
    void setOutputFolder(const QString &folder);
    // A PACS to store each DICOM image's results in (a PACS selection's batch): shows the
    // "send" check box, ticked as given. std::nullopt hides it: nothing is sent.
    void setSendNode(const std::optional<pacs::PacsNode> &node, bool send);
    void start();
    void cancel();
    bool isRunning() const;
    // Reads a results folder into the grid.
    bool showResults(const QString &folder);
    // The results: ThumbnailModel rows (PathRole: the image, ValueRole: its probability).
    QListView *grid() const { return m_grid; }
    QString statusText() const;

Q_SIGNALS:
    void imageActivated(const QString &path);
    void finished();

private:
    void onFinished();
    void updateProgress();
    void fillGrid(const pipeline::BatchExplainResult &result);

    pipeline::BatchExplainJob m_template;
    QRadioButton *m_fromFolder;
    QRadioButton *m_fromDataset;
    QLineEdit *m_folder;
    QStringList m_folders; // set by setFolderInputs, used while the field shows m_foldersLabel
    QString m_foldersLabel;
    QLineEdit *m_dataset;
    QLineEdit *m_split;
    QLineEdit *m_output;
    QCheckBox *m_send;
    std::optional<pacs::PacsNode> m_sendNode;
    QComboBox *m_order;
    QPushButton *m_start;
    QPushButton *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_status;
    QListView *m_grid;
    ThumbnailModel *m_tiles;
    QTimer *m_timer;
    std::shared_ptr<PolledProgress> m_state;
    QFutureWatcher<Result<pipeline::BatchExplainResult>> m_watcher;
    std::optional<pipeline::BatchExplainResult> m_result;
};

} // namespace cxr::ui
