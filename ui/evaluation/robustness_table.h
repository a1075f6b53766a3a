// SPDX-License-Identifier: MIT
#pragma once

#include "core/pipeline/stress_test.h"

#include <QTableWidget>

#include <vector>

namespace cxr::ui {

// The robustness report on the Evaluate page: one row per shift with ROC AUC (and its change
// from the unshifted images), sensitivity, specificity and accuracy with their intervals.
class RobustnessTable : public QTableWidget {
    Q_OBJECT
public:
    explicit RobustnessTable(QWidget *parent = nullptr);
    void setRows(const std::vector<pipeline::StressRow> &rows); // empty: the hint again
};

} // namespace cxr::ui
