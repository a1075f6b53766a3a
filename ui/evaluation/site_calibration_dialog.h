// SPDX-License-Identifier: MIT
#pragma once

#include "ui/evaluation/model_job_dialog.h"

class QComboBox;
class QLineEdit;

namespace cxr::ui {

// Site calibration (cxr calibrate): a model's calibration and threshold refitted on a small
// labelled sample of a hospital's images, written to a new model folder and evaluated on the
// rest of the sample.
class SiteCalibrationDialog : public ModelJobDialog {
    Q_OBJECT
public:
    SiteCalibrationDialog(const QString &run, QWidget *parent = nullptr);

    void setSample(const QString &datasetOrManifest);
    void setOutput(const QString &folder);

protected:
    std::optional<Work> prepare(QString &problem) override;

private:
    QLineEdit *m_run;
    QLineEdit *m_sample;
    QComboBox *m_fitSplit;
    QComboBox *m_evaluateSplit;
    QLineEdit *m_out;
};

} // namespace cxr::ui
