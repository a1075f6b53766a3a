// SPDX-License-Identifier: MIT
#include "ui/evaluation/diagnostic_tables.h"

#include "ui/common/metric_text.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace cxr::ui {

DiagnosticTables::DiagnosticTables(QWidget *parent)
    : QWidget(parent), m_metrics(new QTableWidget(0, 3)), m_confusion(new QTableWidget(2, 2))
{
    m_metrics->setHorizontalHeaderLabels({tr("Metric"), tr("Value"), tr("95% CI (bootstrap)")});
    m_metrics->verticalHeader()->hide();
    m_metrics->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_metrics->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_metrics->horizontalHeader()->setStretchLastSection(true);
    m_confusion->setHorizontalHeaderLabels({tr("called negative"), tr("called positive")});
    m_confusion->setVerticalHeaderLabels({tr("negative"), tr("positive")});
    m_confusion->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_confusion->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_confusion->setMaximumHeight(110);
    m_confusion->setToolTip(tr("Click a cell to see its images"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_metrics, 1);
    layout->addWidget(new QLabel(tr("Confusion matrix (rows: true class; counts and row %)")));
    layout->addWidget(m_confusion);
    connect(m_confusion, &QTableWidget::cellClicked, this, &DiagnosticTables::confusionCellClicked);
}

void DiagnosticTables::showValues(const ml::DiagnosticReport &report, const QStringList &classNames)
{
    const auto &definitions = ml::diagnosticMetricDefinitions();
    m_metrics->setRowCount(int(definitions.size()) + 2);
    for (std::size_t d = 0; d < definitions.size(); ++d) {
        m_metrics->setItem(int(d), 0,
                           new QTableWidgetItem(QString::fromLatin1(definitions[d].label)));
        m_metrics->setItem(
            int(d), 1, new QTableWidgetItem(metricText(report.metrics.*(definitions[d].member))));
        if (!m_metrics->item(int(d), 2)) {
            m_metrics->setItem(int(d), 2, new QTableWidgetItem);
        }
        m_metrics->item(int(d), 2)->setText(tr("…"));
    }
    const int extra = int(definitions.size());
    m_metrics->setItem(extra, 0, new QTableWidgetItem(tr("Prevalence")));
    m_metrics->setItem(extra, 1, new QTableWidgetItem(metricText(report.prevalence)));
    m_metrics->setItem(extra, 2, new QTableWidgetItem);
    m_metrics->setItem(extra + 1, 0, new QTableWidgetItem(tr("Majority-class baseline accuracy")));
    m_metrics->setItem(extra + 1, 1, new QTableWidgetItem(metricText(report.majorityBaseline)));
    m_metrics->setItem(extra + 1, 2, new QTableWidgetItem);
    showConfusion(report.metrics.counts, classNames);
}

void DiagnosticTables::showConfusion(const ml::ConfusionCounts &c, const QStringList &classNames)
{
    const std::int64_t cells[2][2] = {{c.trueNegative, c.falsePositive},
                                      {c.falseNegative, c.truePositive}};
    m_confusion->setHorizontalHeaderLabels(
        {tr("called %1").arg(classNames.value(0)), tr("called %1").arg(classNames.value(1))});
    m_confusion->setVerticalHeaderLabels({classNames.value(0), classNames.value(1)});
    for (int row = 0; row < 2; ++row) {
        const double total = double(cells[row][0] + cells[row][1]);
        for (int column = 0; column < 2; ++column) {
            const double share = total > 0 ? 100.0 * double(cells[row][column]) / total : 0.0;
            m_confusion->setItem(
                row, column,
                new QTableWidgetItem(tr("%1 (%2%)").arg(cells[row][column]).arg(share, 0, 'f', 1)));
        }
    }
}

void DiagnosticTables::showIntervals(const ml::DiagnosticReport &report)
{
    const auto &definitions = ml::diagnosticMetricDefinitions();
    for (std::size_t d = 0; d < definitions.size() && d < report.intervals.size(); ++d) {
        const ml::ConfidenceInterval &ci = report.intervals[d];
        m_metrics->item(int(d), 2)->setText(intervalText(ci.low, ci.high));
    }
}

} // namespace cxr::ui
