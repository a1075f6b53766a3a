// SPDX-License-Identifier: MIT
#pragma once

#include "ui/common/polled_progress.h"

#include <QDialog>
#include <QFutureWatcher>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

class QFormLayout;
class QLabel;
class QPushButton;

namespace cxr::ui {

// A dialog that makes a new model folder from existing ones (an ensemble, a site calibration)
// on a worker thread: its form above, then Make, Cancel, the progress with an ETA and the
// outcome. A subclass fills the form and turns it into the work.
class ModelJobDialog : public QDialog {
    Q_OBJECT
public:
    struct Outcome {
        bool ok = false;
        QString message;     // what was made, or the error naming the file and the problem
        QString modelFolder; // the new folder when ok
    };
    using Work = std::function<Outcome(PolledProgress &progress)>;

    ~ModelJobDialog() override; // waits for the work in flight, after asking it to stop

    void make(); // what the Make button does
    bool isBusy() const { return m_job.isRunning(); }
    QString resultText() const;

Q_SIGNALS:
    void modelMade(const QString &folder); // a new model folder, ready for the Viewer or Evaluate

protected:
    ModelJobDialog(const QString &title, const QString &makeLabel, QWidget *parent);
    QFormLayout *form() const { return m_form; }
    // The work for the form's values, or nothing with problem saying what to fix.
    virtual std::optional<Work> prepare(QString &problem) = 0;

private:
    void onFinished();

    QFormLayout *m_form;
    QPushButton *m_make;
    QPushButton *m_cancel;
    QLabel *m_result;
    QFutureWatcher<Outcome> m_job;
    std::shared_ptr<PolledProgress> m_progress;
    QTimer m_progressTimer;
};

} // namespace cxr::ui
