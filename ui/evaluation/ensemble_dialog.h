// SPDX-License-Identifier: MIT
#pragma once

#include "ui/evaluation/model_job_dialog.h"

class QLineEdit;
class QListWidget;

namespace cxr::ui {

// Makes an ensemble (cxr ensemble) from finished runs of the runs folder: the members ticked
// in a list, the new folder, and optionally the dataset whose val split chooses its threshold.
class EnsembleDialog : public ModelJobDialog {
    Q_OBJECT
public:
    EnsembleDialog(const QString &runsFolder, const QString &dataset, QWidget *parent = nullptr);

    void setMembers(const QStringList &folders); // ticks these (added when not listed)
    QStringList members() const;                 // the ticked run folders
    void setOutput(const QString &folder);

protected:
    std::optional<Work> prepare(QString &problem) override;

private:
    QListWidget *m_members;
    QLineEdit *m_out;
    QLineEdit *m_dataset;
};

} // namespace cxr::ui
