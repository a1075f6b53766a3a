// SPDX-License-Identifier: MIT
#pragma once

#include "core/ml/run_folder.h"

#include <QWidget>

#include <vector>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace cxr::ui {

// The runs of a runs folder as a table (started, name, model, dataset, epochs, best validation
// loss, accuracy and AUC, status, duration), newest first. Select one to see its curves, two
// or more to overlay them and list where their configurations differ. A run that still says
// "running" but is not the active one was interrupted and is offered for resuming.
class RunHistory : public QWidget {
    Q_OBJECT
public:
    explicit RunHistory(QWidget *parent = nullptr);

    void setRunsFolder(const QString &folder);
    QString runsFolder() const { return m_folder; }
    // The run this process is training now, shown as running rather than interrupted.
    void setActiveRun(const QString &folder);
    void refresh();
    std::vector<ml::RunInfo> selectedRuns() const;
    int runCount() const { return int(m_runs.size()); }
    void selectRun(const QString &folder);
    QTableWidget *table() const { return m_table; }

Q_SIGNALS:
    void selectionChanged();
    void resumeRequested(const cxr::ml::RunInfo &run);
    void trainLikeRequested(const cxr::ml::RunInfo &run);
    void evaluateRequested(const cxr::ml::RunInfo &run);
    void viewRequested(const cxr::ml::RunInfo &run);

private:
    QString statusText(const ml::RunInfo &run) const;
    void updateButtons();
    void showDifferences();
    void archiveSelected();
    void deleteSelected();

    QString m_folder;
    QString m_activeRun;
    std::vector<ml::RunInfo> m_runs;
    QTableWidget *m_table;
    QPushButton *m_resume;
    QPushButton *m_trainLike;
    QPushButton *m_evaluate;
    QPushButton *m_view;
    QPushButton *m_archive;
    QPushButton *m_delete;
    QPlainTextEdit *m_differences;
};

} // namespace cxr::ui
