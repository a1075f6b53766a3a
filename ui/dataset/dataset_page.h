// SPDX-License-Identifier: MIT
#pragma once

#include "core/augment/class_balance.h"
#include "core/common/result.h"
#include "core/data/dataset_index.h"

#include <QFutureWatcher>
#include <QWidget>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

class QComboBox;
class QLabel;
class QLayout;
class QListView;
class QListWidget;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTimer;

namespace cxr::ui {

class DatasetChecksPanel;
class DatasetPlots;
class ThumbnailModel;

// Open a dataset folder, see its class counts per split and browse its images.
class DatasetPage : public QWidget {
    Q_OBJECT
public:
    explicit DatasetPage(QWidget *parent = nullptr);
    ~DatasetPage() override;

    // Scans folder off the UI thread: the listing is shown at once, then every file is checked
    // in the background; datasetLoaded (after the checks) or scanFailed follow.
    void openDataset(const QString &folder);
    // The open dataset, shared read-only with the checks panel; null before the first scan.
    std::shared_ptr<const data::DatasetIndex> dataset() const { return m_index; }
    bool isScanning() const;
    ThumbnailModel *thumbnailModel() const { return m_thumbnails; }
    DatasetChecksPanel *checksPanel() const { return m_checks; }
    DatasetPlots *plots() const { return m_plots; }
    // The class balancing chosen for training, and the class mix of one epoch it gives.
    BalanceMethod balanceMethod() const;
    void setBalanceMethod(BalanceMethod method);
    QString epochMixText() const;
    // Grid filters, as the combo boxes set them ("" for all).
    void setGridFilter(const QString &split, const QString &className, int sortOrder = 0);

Q_SIGNALS:
    void datasetLoaded(const QString &root);
    void scanFailed(const QString &message);
    void imageActivated(const QString &path);

private:
    void showCounts(const data::DatasetIndex &index);
    void fillFilters(const data::DatasetIndex &index);
    QLayout *buildTopRow();
    QWidget *buildSummaryPane();
    QWidget *buildImagesPane();
    void connectControls();
    struct ScanOutcome {
        std::optional<data::DatasetIndex> index;
        QString error;
    };
    struct ScanState; // progress and cancel flag shared with the worker

    void chooseFolder();
    // Runs work on a worker thread with a fresh progress/cancel state; onScanFinished follows.
    void startWorker(std::function<Result<data::DatasetIndex>(ScanState *)> work);
    void onScanFinished();
    void showDataset();
    void updateProgress();
    void applyFilter();
    void showEpochMix();

    QPushButton *m_openButton;
    QPushButton *m_cancelButton;
    QLabel *m_pathLabel;
    QLabel *m_summaryLabel;
    QComboBox *m_balance;
    QLabel *m_epochMix;
    QProgressBar *m_progress;
    QTableWidget *m_countTable;
    DatasetPlots *m_plots;
    QComboBox *m_splitFilter;
    QComboBox *m_classFilter;
    QComboBox *m_sortOrder;
    QPushButton *m_openManifestButton;
    DatasetChecksPanel *m_checks;
    QListView *m_grid;
    QListWidget *m_problems;
    ThumbnailModel *m_thumbnails;
    QTimer *m_progressTimer;
    QFutureWatcher<ScanOutcome> m_scanWatcher;
    std::shared_ptr<ScanState> m_scanState;
    std::shared_ptr<const data::DatasetIndex> m_index;
};

} // namespace cxr::ui
