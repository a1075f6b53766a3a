// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"
#include "core/data/dataset_index.h"
#include "core/data/leakage_check.h"

#include <QFutureWatcher>
#include <QWidget>

#include <memory>
#include <optional>

class QLabel;
class QPushButton;

namespace cxr::ui {

// Class balance per split and the leakage checks of a dataset: patients or identical files
// in two splits, and a validation split too small to steer training, with a one-click fix
// that carves a patient-disjoint validation split into a manifest. The checks read every file
// and run off the UI thread.
class DatasetChecksPanel : public QWidget {
    Q_OBJECT
public:
    explicit DatasetChecksPanel(QWidget *parent = nullptr);
    ~DatasetChecksPanel() override;

    void showDataset(std::shared_ptr<const data::DatasetIndex> index);
    bool isChecking() const;
    QString summaryText() const;
    QString leakageText() const;
    // Carves a validation split (fraction, seed) and writes it to manifest; emits
    // manifestCreated on success, or returns the error message.
    QString carveValidationSplit(const QString &manifest, double fraction, quint64 seed);

Q_SIGNALS:
    void checksFinished();
    void manifestCreated(const QString &manifest);

private:
    void onChecksFinished();
    void askAndCarve();

    QLabel *m_summary;
    QLabel *m_leakage;
    QPushButton *m_carveButton;
    std::shared_ptr<const data::DatasetIndex> m_index;
    std::shared_ptr<CancelFlag> m_cancel; // shared with the running check
    QFutureWatcher<data::LeakageReport> m_watcher;
};

} // namespace cxr::ui
