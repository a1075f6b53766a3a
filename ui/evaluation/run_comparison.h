// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/pipeline/evaluation_comparison.h"

#include <QFutureWatcher>
#include <QStringList>
#include <QWidget>

#include <memory>
#include <vector>

class QCustomPlot;
class QLabel;
class QListWidget;
class QPushButton;
class QTableWidget;
class QTimer;

namespace cxr::ui {

struct PolledProgress;

// Saved evaluations of runs and classical baselines side by side: tick them in the list (every
// folder of the runs folder evaluated on the split, or any folder added), and read every metric
// with its bootstrap interval in one table and their ROC curves in one plot. "Classical
// baselines" trains the thesis's random forest and SVM on the dataset's train split and adds
// them. Reading and training run on worker threads.
class RunComparison : public QWidget {
    Q_OBJECT
public:
    explicit RunComparison(QWidget *parent = nullptr);
    ~RunComparison() override;

    void setRunsFolder(const QString &folder);
    void setDataset(const QString &dataset);
    void setSplit(const QString &split);
    void refreshList();
    // Ticks exactly these folders (adding any that are not listed) and compares them.
    void compare(const QStringList &folders);
    // Lists and ticks folder, keeping the others as they are (the run just evaluated).
    void include(const QString &folder) { addFolder(folder, true); }
    QStringList listedFolders() const;
    void runBaselines();
    bool isBusy() const;
    QString statusText() const;
    QTableWidget *table() const { return m_table; }
    QCustomPlot *rocPlot() const { return m_roc; }
    const std::vector<pipeline::SavedEvaluation> &evaluations() const { return m_evaluations; }

Q_SIGNALS:
    void compared(); // the table and plot show the ticked folders

private:
    struct Loaded {
        std::vector<pipeline::SavedEvaluation> evaluations;
        QStringList errors;
        QStringList baselineFolders; // made by a baseline run
    };
    QStringList checkedFolders() const;
    void addFolder(const QString &folder, bool checked);
    void load();
    void onLoaded();
    void show(const std::vector<pipeline::SavedEvaluation> &evaluations);

    QString m_runsFolder;
    QString m_dataset;
    QString m_split = QStringLiteral("test");
    QListWidget *m_list;
    QPushButton *m_add;
    QPushButton *m_baselines;
    QLabel *m_status;
    QTableWidget *m_table;
    QCustomPlot *m_roc;
    QTimer *m_progressTimer;
    QFutureWatcher<Loaded> m_watcher;
    std::shared_ptr<PolledProgress> m_progress;
    // Until onLoaded ran, not just until the future finished: setting a new future before that
    // would drop the finished signal of the last one.
    bool m_running = false;
    bool m_reloadPending = false;
    bool m_baselinesRequested = false;
    std::vector<pipeline::SavedEvaluation> m_evaluations;
    QStringList m_baselineErrors;
};

} // namespace cxr::ui
