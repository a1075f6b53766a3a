// SPDX-License-Identifier: MIT
#pragma once

#include "core/tuning/search_space.h"

#include <QString>
#include <QTableWidget>

namespace cxr::ui {

// The Tune tab's search space, built from the Train form's own fields: one row per field a
// study can vary (learning rate, weight decay, batch size, augmentation, optimiser, momentum,
// label smoothing, mixup, custom-cnn depth, width, kernel and dropout). Tick a row to search
// it and type its range: "1e-4 .. 3e-3" for a number, "16, 32, 64" for a choice. Momentum is
// drawn only for SGD when the optimiser is searched too. Rows start from the default space
// (`cxr tune` without --space).
class TuneSpaceTable : public QTableWidget {
    Q_OBJECT
public:
    explicit TuneSpaceTable(QWidget *parent = nullptr);

    // Ticks and ranges of the default space for the model (custom-cnn adds depth and width).
    void resetToDefault(bool customCnn);
    // Ticks and ranges of a study's space (a study opened to resume or read); parameters that
    // are not fields of the form are left out.
    void showSpace(const tuning::SearchSpace &space);
    // The ticked rows as a space; an error names the row: "Learning rate: ...".
    Result<tuning::SearchSpace> space() const;
    // The rows ticked, by option name ("lr", "batch").
    QStringList searchedOptions() const;

Q_SIGNALS:
    void spaceChanged();

private:
    void setRow(int row, bool searched, const QString &range);
};

} // namespace cxr::ui
