// SPDX-License-Identifier: MIT
#pragma once

#include "core/ml/diagnostic_metrics.h"

#include <QStringList>
#include <QWidget>

class QTableWidget;

namespace cxr::ui {

// The Evaluate page's tables: every diagnostic metric with its 95% bootstrap interval, then the
// prevalence and the majority-class baseline; below them the confusion matrix with row
// percentages, whose cells can be clicked.
class DiagnosticTables : public QWidget {
    Q_OBJECT
public:
    explicit DiagnosticTables(QWidget *parent = nullptr);

    // The values at a threshold; the intervals read "…" until showIntervals.
    void showValues(const ml::DiagnosticReport &report, const QStringList &classNames);
    void showIntervals(const ml::DiagnosticReport &report);
    QTableWidget *metricsTable() const { return m_metrics; }
    QTableWidget *confusionTable() const { return m_confusion; }

Q_SIGNALS:
    void confusionCellClicked(int row, int column);

private:
    void showConfusion(const ml::ConfusionCounts &counts, const QStringList &classNames);
    QTableWidget *m_metrics;
    QTableWidget *m_confusion;
};

} // namespace cxr::ui
