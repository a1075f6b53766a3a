// SPDX-License-Identifier: MIT
#include "ui/evaluation/robustness_table.h"

#include <QHeaderView>

#include <cmath>

namespace cxr::ui {

namespace {

QString withInterval(const ml::DiagnosticReport &report, double ml::DiagnosticMetrics::*member)
{
    const double value = report.metrics.*member;
    const ml::ConfidenceInterval &ci = ml::intervalOf(report, member);
    if (!std::isfinite(value)) {
        return QStringLiteral("–");
    }
    return std::isfinite(ci.low) ? QStringLiteral("%1 (%2–%3)")
                                       .arg(value, 0, 'f', 3)
                                       .arg(ci.low, 0, 'f', 3)
                                       .arg(ci.high, 0, 'f', 3)
                                 : QString::number(value, 'f', 3);
}

} // namespace

RobustnessTable::RobustnessTable(QWidget *parent) : QTableWidget(0, 6, parent)
{
    setHorizontalHeaderLabels({tr("shift"), tr("ROC AUC"), tr("change"), tr("sensitivity"),
                               tr("specificity"), tr("accuracy")});
    horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    verticalHeader()->hide();
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setToolTip(tr("The evaluated images again under controlled shifts, at the same threshold. Tick "
                  "\"Robustness report\" before Evaluate to fill it."));
}

void RobustnessTable::setRows(const std::vector<pipeline::StressRow> &rows)
{
    using M = ml::DiagnosticMetrics;
    setRowCount(int(rows.size()));
    const double baseline = rows.empty() ? 0 : rows.front().report.metrics.rocAuc;
    for (int r = 0; r < int(rows.size()); ++r) {
        const ml::DiagnosticReport &report = rows[std::size_t(r)].report;
        const QStringList cells = {
            QString::fromStdString(rows[std::size_t(r)].shift),
            withInterval(report, &M::rocAuc),
            QStringLiteral("%1").arg(report.metrics.rocAuc - baseline, 0, 'f', 3),
            withInterval(report, &M::sensitivity),
            withInterval(report, &M::specificity),
            withInterval(report, &M::accuracy)};
        for (int c = 0; c < cells.size(); ++c) {
            setItem(r, c, new QTableWidgetItem(cells[c]));
        }
    }
}

} // namespace cxr::ui
